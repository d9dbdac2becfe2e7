"""Benchmark seed selection: time and peak memory of every cell, each in its own process.

Cells (issue "seed selection that finishes"):

* ``first-session``: the 100k-user session's seeds command (docs/getting-started.md),
  ``graphmodel seeds pay/ --k 50 --layers payment --node-type merchant --method imm``
  on ``graphmodel generate --preset payment-first --users 100000 --merchants 5000 --seed 7``
  (goal: under 60 s and 2 GiB), and the same with ``--method degree``;
* ``social16k``: ``graphmodel seeds soc/ --k 20 --prob 0.1`` (all layers) on
  ``graphmodel generate --preset social-first --users 16000 --seed 7``, a
  supercritical cascade (goal: under 30 s and 2 GiB);
* ``ba``: BA(100k, m=5) social layer, k=50, epsilon 0.5 and 0.1, IC p=0.05 and
  weighted cascade; defaults (with the sample floor) and plain OPIM-C
  (``min_rr_sets=0``), so the floor's cost and benefit are both shown;
* ``real``: ``graphmodel seeds REL.npz --k 20`` (all layers, defaults) on the
  Ciao and Epinions releases loaded with ``graphmodel datasets load`` from
  ``../shared/datasets`` (skipped when that folder is absent);
* ``rate``: RR sampling on the first session's payment layer in one thread:
  RR nodes per wall second and per CPU second (``time.process_time``), which
  says how much of a core a loaded machine left us;
* ``large``: a generated 1M-user ecosystem (``gm.generate(users=1_000_000,
  seed=1)``), all layers, weighted cascade, k=100, epsilon 0.1, 200
  validation runs (selection time; peak RSS includes generation).

CLI cells are timed end to end as a user runs them (reading, JIT cache load,
selection, 1000 validation runs). BA cells report the selection time after a
JIT warm-up, validation apart. Peak RSS is the child process's own
(``os.wait4``), so rows do not inherit each other's peaks. Run with the load
printed beside the figures (``uptime``):

    python benchmarks/bench_seeds.py                 # everything (data in ./.bench-seeds)
    python benchmarks/bench_seeds.py --only ba       # one group
    python benchmarks/bench_seeds.py --cell ba:0.05:0.1:floor   # one BA cell, JSON on stdout
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve()


def ba_ecosystem(n: int, m: int, seed: int):
    import igraph

    import graphmodel as gm

    random.seed(seed)
    e = np.array(igraph.Graph.Barabasi(n, m).get_edgelist(), dtype=np.int64)
    return gm.Ecosystem(users={"id": np.arange(n)}, social={"src": e[:, 0], "dst": e[:, 1]})


def timed(cmd: list[str]) -> tuple[float, float, str, str]:
    """Run ``cmd`` as a child; wall seconds and the child's own peak RSS in GiB (``os.wait4``)."""
    t = time.perf_counter()
    if True:
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        # read both pipes without deadlock, then reap with wait4 to get this child's rusage
        import threading

        bufs: dict[str, str] = {}
        th = [
            threading.Thread(target=lambda k, f: bufs.__setitem__(k, f.read()), args=(k, f))
            for k, f in (("out", p.stdout), ("err", p.stderr))
        ]
        for x in th:
            x.start()
        _, status, ru = os.wait4(p.pid, 0)
        for x in th:
            x.join()
        p.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - t
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{bufs.get('err', '')}")
    return wall, ru.ru_maxrss / 2**20, bufs.get("out", ""), bufs.get("err", "")


def cell_ba(spec: str, validate_runs: int) -> dict:
    """One BA cell in this process: ``ba:PROB:EPS:floor|plain``."""
    import graphmodel as gm

    _, prob, eps, mode = spec.split(":")
    prob_v = float(prob) if prob != "wc" else "wc"
    eco = ba_ecosystem(100_000, 5, 1)
    gm.seeds(eco, k=5, layers="social", prob=0.05, epsilon=0.5, seed=0, validate_runs=10)  # JIT warm-up
    kw = dict(
        k=50, layers="social", prob=prob_v, epsilon=float(eps), seed=1, min_rr_sets=0 if mode == "plain" else None
    )
    r = gm.seeds(eco, validate_runs=validate_runs, **kw)
    return summary(r)


def sampling_rate(path: Path) -> str:
    """One thread drawing 200 RR sets on the first session's payment layer (IC 0.1)."""
    import graphmodel as gm
    from graphmodel.propagation.engine import prepare
    from graphmodel.seeding.rrsets import RRGraph

    g = prepare(gm.read(path), "payment", None, model="ic")
    rr = RRGraph.from_propagation(g, model="ic")
    sc = rr.new_scratch()
    rr.sample(np.uint64(3), 0, 8, sc)  # compile / load
    c0, t0 = time.process_time(), time.perf_counter()
    _, mem = rr.sample(np.uint64(3), 100, 200, sc)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    return (
        f"RR sampling, first session payment layer, 1 thread: {mem.size / 200:,.0f} nodes per set, "
        f"{mem.size / wall / 1e6:.2f} M nodes per wall second, {mem.size / cpu / 1e6:.2f} M per CPU second "
        f"(CPU share {cpu / wall:.2f})"
    )


def cell_large() -> dict:
    """The 1M-user generated ecosystem (all layers, weighted cascade), k=100, epsilon 0.1."""
    import graphmodel as gm

    big = gm.generate(users=1_000_000, seed=1)
    r = gm.seeds(big, k=100, prob="wc", epsilon=0.1, seed=1, validate_runs=200)
    return summary(r)


def summary(r) -> dict:
    import resource

    v = r.validation
    out = {
        "select_s": r.seconds,
        "timings": r.timings,
        "n_rr_sets": r.n_rr_sets,
        "ratio": (r.guarantee or {}).get("ratio"),
        "spread": None if v is None else [v.mean, v.ci95[0], v.ci95[1]],
        "peak_rss_gib_inproc": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20,
    }
    if r.sampling:
        out["stopped_by"] = r.sampling["stopped_by"]
        out["floor"] = r.sampling["floor"]
        out["memory"] = r.sampling["memory"]
    if r.saturation:
        out["saturated_after"] = r.saturation["after"]
    return out


def fmt_row(label: str, wall: float | None, rss: float, d: dict) -> str:
    m = d.get("memory") or {}
    sp = d.get("spread")
    spread = f"{sp[0]:9.1f} [{sp[1]:.1f}, {sp[2]:.1f}]" if sp else "-"
    fl = d.get("floor") or {}
    floor = f"{fl.get('applied', 0):,}" + (f" ({fl['shrunk_by']})" if fl.get("shrunk_by") else "") if fl else "-"
    store = f"{m['store_bytes'] / 2**20:7.1f} MiB {m['bytes_per_rr_node']:.2f} B/node" if m else "-"
    ratio = f"{d['ratio']:.3f}" if d.get("ratio") is not None else "-"
    w = f"{wall:6.1f} s" if wall is not None else "      -"
    return (
        f"{label:38s} wall {w}  select {d['select_s']:7.2f} s  peak RSS {rss:5.2f} GiB  RR sets {d['n_rr_sets']:>9,d}  "
        f"ratio {ratio}  floor {floor}  store {store}  spread {spread}"
    )


def cli_cell(label: str, args: list[str]) -> str:
    exe = shutil.which("graphmodel") or "graphmodel"
    with_json = args + ["--json", "-"]
    wall, rss, out, err = timed([exe, *with_json])
    d = json.loads(out)
    row = {
        "select_s": d["seconds"],
        "n_rr_sets": d["n_rr_sets"],
        "ratio": (d.get("guarantee") or {}).get("ratio"),
        "spread": None,
        "memory": (d.get("sampling") or {}).get("memory"),
        "floor": (d.get("sampling") or {}).get("floor"),
    }
    val = (d.get("validation") or {}).get("spread")
    if val:
        row["spread"] = [val["mean"], *val["ci95"]]
    extra = "\n    timings: " + ", ".join(f"{k} {v:.2f}" for k, v in d["timings"].items())
    if d.get("notes"):
        extra += "".join(f"\n    note: {n}" for n in d["notes"])
    return fmt_row(label, wall, rss, row) + extra


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", choices=["first-session", "social16k", "ba", "large", "rate", "real"], action="append")
    ap.add_argument("--cell", help="run one BA cell here and print its JSON (used by the driver)")
    ap.add_argument("--data", default=".bench-seeds", help="where generated ecosystems are kept")
    ap.add_argument("--validate-runs", type=int, default=1000)
    args = ap.parse_args()
    if args.cell:
        print(json.dumps(cell_large() if args.cell == "large" else cell_ba(args.cell, args.validate_runs)))
        return
    groups = args.only or ["first-session", "social16k", "real", "ba", "large"]
    data = Path(args.data)
    data.mkdir(exist_ok=True)
    exe = shutil.which("graphmodel") or "graphmodel"
    print(
        f"load: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}; cores {os.cpu_count()}",
        flush=True,
    )
    if "first-session" in groups:
        pay = data / "pay"
        if not pay.exists():
            subprocess.run(
                [
                    exe,
                    "generate",
                    "--preset",
                    "payment-first",
                    "--users",
                    "100000",
                    "--merchants",
                    "5000",
                    "--seed",
                    "7",
                    "--out",
                    str(pay),
                ],
                check=True,
                capture_output=True,
            )
        base = ["seeds", str(pay), "--k", "50", "--layers", "payment", "--node-type", "merchant"]
        print(cli_cell("first session, imm (defaults)", base + ["--method", "imm"]), flush=True)
        print(cli_cell("first session, degree", base + ["--method", "degree"]), flush=True)
    if "social16k" in groups:
        soc = data / "soc"
        if not soc.exists():
            subprocess.run(
                [exe, "generate", "--preset", "social-first", "--users", "16000", "--seed", "7", "--out", str(soc)],
                check=True,
                capture_output=True,
            )
        print(
            cli_cell("social-first 16k, all layers p=0.1, k=20", ["seeds", str(soc), "--k", "20", "--prob", "0.1"]),
            flush=True,
        )
    if "ba" in groups:
        for prob in ("0.05", "wc"):
            for eps in ("0.5", "0.1"):
                for mode in ("floor", "plain"):
                    spec = f"ba:{prob}:{eps}:{mode}"
                    wall, rss, out, _ = timed(
                        [sys.executable, str(HERE), "--cell", spec, "--validate-runs", str(args.validate_runs)]
                    )
                    d = json.loads(out.strip().splitlines()[-1])
                    name = f"BA 100k {'IC p=0.05' if prob != 'wc' else 'WC'}, eps {eps}, {'floor' if mode == 'floor' else 'plain OPIM-C'}"
                    print(
                        fmt_row(name, None, rss, d)
                        + "\n    timings: "
                        + ", ".join(f"{k} {v:.2f}" for k, v in d["timings"].items()),
                        flush=True,
                    )
    if "real" in groups:
        shared = HERE.parents[2] / "shared" / "datasets"
        if not shared.exists():
            print(f"real releases skipped: {shared} is absent")
        for name in ("ciao", "epinions") if shared.exists() else ():
            npz = data / f"{name}.npz"
            if not npz.exists():
                subprocess.run(
                    [exe, "datasets", "load", name, str(shared / name), "-o", str(npz)], check=True, capture_output=True
                )
            print(cli_cell(f"{name} release, all layers, k=20", ["seeds", str(npz), "--k", "20"]), flush=True)
    if "rate" in groups:
        pay = data / "pay"
        if not pay.exists():
            subprocess.run(
                [
                    exe,
                    "generate",
                    "--preset",
                    "payment-first",
                    "--users",
                    "100000",
                    "--merchants",
                    "5000",
                    "--seed",
                    "7",
                    "--out",
                    str(pay),
                ],
                check=True,
                capture_output=True,
            )
        print(sampling_rate(pay), flush=True)
    if "large" in groups:
        wall, rss, out, _ = timed([sys.executable, str(HERE), "--cell", "large"])
        d = json.loads(out.strip().splitlines()[-1])
        print(
            fmt_row("generated 1M users, all layers wc, k=100", wall, rss, d)
            + "\n    timings: "
            + ", ".join(f"{k} {v:.2f}" for k, v in d["timings"].items()),
            flush=True,
        )
    print(f"load after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
