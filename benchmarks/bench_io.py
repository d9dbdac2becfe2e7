"""Read/write speed and peak memory of the file formats (issue #2 figures).

Builds a random ecosystem (default: 1M users, 50k merchants, 10M edges:
5M social, 4M payment, 1M transfer, with int/float/str attributes), then runs
each operation in its own subprocess so that the peak resident memory is per
operation. ``--quick`` runs a tenth of the size.

    python benchmarks/bench_io.py [--quick] [--generated] [--npz-only] [--npz-compress] [--graphml-read] [--dir DIR]
    python benchmarks/bench_io.py --networkx [--datasets DIR]

``--networkx`` times ``Ecosystem.to_networkx`` and ``Ecosystem.from_networkx``
on the real Ciao dataset (``DIR/ciao``, default ``../shared/datasets`` beside the
repository; target of issue #17: from_networkx under 10 s, it took 407 s before).

``--generated`` uses ``gm.generate(preset="balanced", users=1M, seed=0)``
instead (about 10.3M edges; string columns city, top_interest, category,
channel, kind).

Targets: read .npz < 3 s, read CSV < 60 s, write GraphML < 60 s, peak < 4 GiB.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def build(scale: float, seed: int = 0):
    import graphmodel as gm

    rng = np.random.default_rng(seed)
    U, M = int(1_000_000 * scale), int(50_000 * scale)
    ns, np_, nt = int(5_000_000 * scale), int(4_000_000 * scale), int(1_000_000 * scale)
    cities = np.array([f"city{i}" for i in range(300)])
    cats = np.array(["food", "fashion", "electronics", "furniture", "travel", "books"])
    users = {
        "id": rng.permutation(U).astype(np.int64) + 10_000_000,
        "city": cities[rng.integers(0, len(cities), U)],
        "purchasing_power": rng.lognormal(0, 1, U),
    }
    merchants = {
        "id": np.char.add("m", np.arange(M).astype(str)),
        "category": cats[rng.integers(0, len(cats), M)],
        "price_level": rng.lognormal(0, 1, M),
        "channel": np.where(rng.random(M) < 0.5, "online", "offline"),
    }
    s = rng.integers(0, U, ns)
    social = {"src": s, "dst": (s + 1 + rng.integers(0, U - 1, ns)) % U, "weight": rng.random(ns)}
    payment = {
        "src": rng.integers(0, U, np_),
        "dst": rng.integers(0, M, np_),
        "count": rng.integers(1, 20, np_),
        "amount": np.round(rng.lognormal(3, 1, np_), 2),
    }
    t = rng.integers(0, U, nt)
    transfer = {
        "src": t,
        "dst": (t + 1 + rng.integers(0, U - 1, nt)) % U,
        "count": rng.integers(1, 5, nt),
        "amount": np.round(rng.lognormal(2, 1, nt), 2),
        "kind": np.where(rng.random(nt) < 0.7, "red_envelope", "bill_split"),
    }
    return gm.Ecosystem(users, merchants, social=social, payment=payment, transfer=transfer, meta={"name": "bench"})


def _op(op: str, d: Path, scale: float, generated: bool = False) -> dict:
    """Run one operation in this process; return seconds and peak RSS."""
    import graphmodel as gm

    base = d / "base.npz"

    def cpu_now() -> float:
        ru = resource.getrusage(resource.RUSAGE_SELF)
        return ru.ru_utime + ru.ru_stime

    t0, cpu0 = time.perf_counter(), cpu_now()
    if op in ("to-networkx", "from-networkx"):
        eco = gm.load_dataset("ciao", d / "ciao")
        t0, cpu0 = time.perf_counter(), cpu_now()
        G = eco.to_networkx()
        if op == "from-networkx":
            t0, cpu0 = time.perf_counter(), cpu_now()
            back = gm.Ecosystem.from_networkx(G)
            assert back.equals(eco)
    elif op == "build":
        eco = gm.generate(preset="balanced", users=int(1_000_000 * scale), seed=0) if generated else build(scale)
        t0, cpu0 = time.perf_counter(), cpu_now()
        gm.write(eco, base)
    elif op.startswith("write-"):
        eco = gm.read(base)
        target = {
            "write-npz": d / "eco.npz",
            "write-npzz": d / "ecoz.npz",
            "write-csv": d / "eco",
            "write-csvgz": d / "ecogz",
            "write-graphml": d / "eco.graphml",
        }[op]
        t0, cpu0 = time.perf_counter(), cpu_now()
        gm.write(eco, target, compress=op in ("write-csvgz", "write-npzz"))
    else:
        source = {
            "read-npz": d / "eco.npz",
            "read-npzz": d / "ecoz.npz",
            "read-csv": d / "eco",
            "read-csvgz": d / "ecogz",
            "read-graphml": d / "eco.graphml",
        }[op]
        eco = gm.read(source)
        assert eco.n_edges() > 0
    seconds = time.perf_counter() - t0
    ru = resource.getrusage(resource.RUSAGE_SELF)
    cpu = ru.ru_utime + ru.ru_stime - cpu0
    peak = ru.ru_maxrss * 1024  # Linux: KiB
    return {
        "op": op,
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu, 2),
        "peak_rss_gib": round(peak / 2**30, 2),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="a tenth of the size")
    ap.add_argument("--dir", type=Path, default=None, help="work directory (default: a temporary one, removed)")
    ap.add_argument("--gz", action="store_true", help="also write/read gzipped CSV")
    ap.add_argument("--npz-compress", action="store_true", help="also write/read a compressed .npz")
    ap.add_argument("--npz-only", action="store_true", help="only the .npz operations")
    ap.add_argument(
        "--generated", action="store_true", help="a generated 'balanced' ecosystem instead of the random one"
    )
    ap.add_argument("--graphml-read", action="store_true", help="also read the GraphML back (slow, no target)")
    ap.add_argument("--_op", help=argparse.SUPPRESS)
    ap.add_argument("--_scale", type=float, help=argparse.SUPPRESS)
    ap.add_argument("--networkx", action="store_true", help="only to_networkx/from_networkx on Ciao")
    ap.add_argument("--datasets", type=Path, default=Path(__file__).resolve().parents[1].parent / "shared" / "datasets")
    args = ap.parse_args()
    if args._op:
        print(json.dumps(_op(args._op, args.dir, args._scale, args.generated)))
        return
    if args.networkx:
        print(
            f"machine load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; Ciao from {args.datasets / 'ciao'}"
        )
        for op in ("to-networkx", "from-networkx"):
            out = subprocess.run(
                [sys.executable, __file__, "--_op", op, "--dir", str(args.datasets), "--_scale", "1"],
                capture_output=True,
                text=True,
            )
            if out.returncode:
                print(f"{op}: FAILED\n{out.stderr}")
                continue
            r = json.loads(out.stdout.strip().splitlines()[-1])
            print(
                f"{op:14s} {r['seconds']:7.2f} s wall {r['cpu_seconds']:7.2f} s CPU   peak RSS {r['peak_rss_gib']:.2f} GiB",
                flush=True,
            )
        return
    scale = 0.1 if args.quick else 1.0
    d = args.dir or Path(tempfile.mkdtemp(prefix="bench_io."))
    d.mkdir(parents=True, exist_ok=True)
    ops = ["build", "write-npz", "read-npz", "write-csv", "read-csv"]
    if args.npz_compress:
        ops[3:3] = ["write-npzz", "read-npzz"]
    if args.npz_only:
        ops = [op for op in ops if "npz" in op or op == "build"]
    if args.gz and not args.npz_only:
        ops += ["write-csvgz", "read-csvgz"]
    ops += [] if args.npz_only else ["write-graphml"]
    if args.graphml_read and not args.npz_only:
        ops.append("read-graphml")
    print(f"machine load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (timings are noisy when shared)")
    print(
        "generated 'balanced' " * args.generated
        + f"ecosystem: {int(1e6 * scale):,} users, {int(5e4 * scale):,} merchants, {int(1e7 * scale):,} edges"
    )
    try:
        for op in ops:
            out = subprocess.run(
                [sys.executable, __file__, "--_op", op, "--dir", str(d), "--_scale", str(scale)]
                + ["--generated"] * args.generated,
                capture_output=True,
                text=True,
            )
            if out.returncode:
                print(f"{op}: FAILED\n{out.stderr}")
                continue
            r = json.loads(out.stdout.strip().splitlines()[-1])
            size = ""
            f = {
                "write-npz": "eco.npz",
                "write-npzz": "ecoz.npz",
                "write-csv": "eco",
                "write-csvgz": "ecogz",
                "write-graphml": "eco.graphml",
            }.get(op)
            if f:
                p = d / f
                b = sum(x.stat().st_size for x in p.iterdir()) if p.is_dir() else p.stat().st_size
                size = f"  size {b / 2**20:,.0f} MiB"
            print(
                f"{op:14s} {r['seconds']:7.2f} s wall {r['cpu_seconds']:7.2f} s CPU   peak RSS {r['peak_rss_gib']:.2f} GiB{size}",
                flush=True,
            )
    finally:
        if args.dir is None:
            shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    main()
