"""Benchmark of ``graphmodel compare``: a 1M-user ecosystem, 2000 runs x 5 scenarios (target: under 5 minutes).

Usage::

    python benchmarks/bench_compare.py             # 1,000,000 users, 2000 runs
    python benchmarks/bench_compare.py --quick     # 50,000 users, 200 runs
    python benchmarks/bench_compare.py --users 200000 --runs 500 --preset social-first

Prints the time to generate the ecosystem, to compile the kernel (a first
tiny call; zero once numba's cache is warm), and to run ``gm.compare``, with
runs per second, the scenario means and the verdict. Nothing is written to
disk.
"""

from __future__ import annotations

import argparse
import os
import time


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--users", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=2000)
    ap.add_argument("--preset", default="balanced")
    ap.add_argument("--seeds", default="random:50")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--target-ci", type=float, default=None, help="adaptive stopping (runs is then the maximum)")
    ap.add_argument("--quick", action="store_true", help="50,000 users and 200 runs")
    a = ap.parse_args()
    if a.quick:
        a.users, a.runs = 50_000, 200

    import graphmodel as gm

    t0 = time.perf_counter()
    eco = gm.generate(preset=a.preset, users=a.users, seed=a.seed)
    t_gen = time.perf_counter() - t0
    print(f"ecosystem: {eco!r}  (generated in {t_gen:.1f} s)")

    t0 = time.perf_counter()
    tiny = gm.generate(users=200, seed=1)
    gm.compare(tiny, runs=2, seed=1, scenarios=["all"])
    t_jit = time.perf_counter() - t0
    print(f"kernel warm-up (compile or load from cache): {t_jit:.1f} s")

    t0 = time.perf_counter()
    res = gm.compare(eco, seeds=a.seeds, runs=a.runs, seed=a.seed, workers=a.workers, target_ci=a.target_ci)
    t_run = time.perf_counter() - t0
    n_sc = len(res.scenarios)
    if res.runs != a.runs:
        print(f"adaptive stopping: {res.runs} of {a.runs} runs (target_ci {a.target_ci})")
    print(f"compare: {res.runs} runs x {n_sc} scenarios in {t_run:.1f} s "
          f"({res.runs * n_sc / t_run:,.0f} runs/s; {os.cpu_count()} cores, workers={a.workers or 'all'})")
    proj = t_run * 2000 / res.runs
    print(f"projected for 2000 runs x {n_sc} scenarios at this size (runs are independent, cost is linear): "
          f"{proj:.0f} s -> target of 300 s for 1M users {'met' if proj < 300 else 'NOT met'}")
    for name, m in res.scenarios.items():
        print(f"  {name:16s} reach {m['reach'].mean:12,.1f}  purchases {m['purchases'].mean:10,.1f}  "
              f"half-time {m['half_time'].mean:5.2f}  merchants {m['merchants'].mean:9,.1f}")
    print(res.verdict)


if __name__ == "__main__":
    main()
