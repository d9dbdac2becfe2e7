"""Benchmark the synthetic ecosystem generator: time and peak memory against the number of users.

The issue's target: 1M users, 50k merchants, about 10M edges over all layers,
generated and written as .npz in under 60 s on a 2-core machine, peak memory
under 4 GiB, time about linear in users.

Each size runs in a fresh subprocess so that its peak resident memory
(``ru_maxrss``) is its own. Output files go to a temporary directory that is
deleted afterwards.

    python benchmarks/bench_generate.py            # 100k, 300k, 1M users
    python benchmarks/bench_generate.py --quick    # 20k, 60k, 200k users
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

_CHILD = r"""
import json, resource, sys, time
from pathlib import Path
t0 = time.perf_counter()
import graphmodel as gm
cpu0 = sum(resource.getrusage(resource.RUSAGE_SELF)[:2])
users, preset, seed, out = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4]
t1 = time.perf_counter()
eco = gm.generate(preset=preset, users=users, merchants=users // 20, seed=seed)
t2 = time.perf_counter()
written = None
try:
    from graphmodel.io import write
except ImportError:
    write = None
if write is not None and out:
    write(eco, Path(out))
    written = Path(out).stat().st_size
t3 = time.perf_counter()
print(json.dumps({
    "users": users, "merchants": eco.n_merchants,
    "edges": {layer: eco.n_edges(layer) for layer in ("social", "payment", "transfer")},
    "total_edges": eco.n_edges(), "import_s": t1 - t0, "generate_s": t2 - t1,
    "write_s": (t3 - t2) if write is not None and out else None, "npz_bytes": written,
    "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "cpu_s": resource.getrusage(resource.RUSAGE_SELF).ru_utime + resource.getrusage(resource.RUSAGE_SELF).ru_stime - cpu0,
}))
"""


def run(users: int, preset: str, seed: int, tmp: Path, write: bool) -> dict:
    out = str(tmp / f"eco_{users}.npz") if write else ""
    res = subprocess.run(
        [sys.executable, "-c", _CHILD, str(users), preset, str(seed), out], capture_output=True, text=True, check=True
    )
    return json.loads(res.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="small sizes (20k, 60k, 200k users)")
    ap.add_argument("--sizes", type=int, nargs="*", help="numbers of users (default 100k 300k 1M)")
    ap.add_argument("--preset", default="balanced")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-write", action="store_true", help="time generation only")
    args = ap.parse_args()
    sizes = args.sizes or ([20_000, 60_000, 200_000] if args.quick else [100_000, 300_000, 1_000_000])
    print(
        "users  merchants  social  payment  transfer  total  generate_s  write_s  total_s  cpu_s  us/user(cpu)  peak_MiB  npz_MiB"
    )
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            r = run(n, args.preset, args.seed, Path(tmp), not args.no_write)
            e = r["edges"]
            w = r["write_s"]
            tot = r["generate_s"] + (w or 0.0)
            size = f"{r['npz_bytes'] / 2**20:.0f}" if r["npz_bytes"] else "-"
            print(
                f"{n:>7} {r['merchants']:>9} {e['social']:>8} {e['payment']:>8} {e['transfer']:>8} {r['total_edges']:>8} "
                f"{r['generate_s']:>10.2f} {'-' if w is None else f'{w:.2f}':>8} {tot:>8.2f} {r['cpu_s']:>6.2f} {1e6 * r['cpu_s'] / n:>12.2f} "
                f"{r['peak_rss_mib']:>9.0f} {size:>8}",
                flush=True,
            )
            for p in Path(tmp).iterdir():
                p.unlink()
    print("generate_s/write_s/total_s are wall-clock; cpu_s is user+sys CPU time of the child after import")
    print("(on a shared machine wall-clock exceeds CPU time when other jobs compete for the cores)")


if __name__ == "__main__":
    main()
