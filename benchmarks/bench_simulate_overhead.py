"""Fixed cost of one gm.simulate call: the whole call against the kernel batch alone.

Workload of issue 20: social layer = Barabasi-Albert graph, 100k users, m=5, 50 seeds, 1000 IC runs
at p=0.01 on one thread (where the kernel itself takes ~1.5 ms, so any per-call cost shows), with and
without the regime check. Each figure is the best and the median of ``--repeat`` calls after a warm-up;
the load average and peak RSS are printed (the machine may be shared).

Usage::

    python benchmarks/bench_simulate_overhead.py [--users 100000] [--repeat 15]
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from bench_propagation import ba_ecosystem  # noqa: E402

import graphmodel as gm  # noqa: E402
from graphmodel.propagation import engine as E  # noqa: E402


def timed(fn, repeat: int) -> tuple[float, float]:
    ts = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t)
    ts.sort()
    return 1e3 * ts[0], 1e3 * ts[len(ts) // 2]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--users", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=15)
    args = ap.parse_args()
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    eco = ba_ecosystem(args.users, 5, 1)
    seeds = gm.resolve_seeds(eco, "random:50", seed=1)
    kw = dict(layers=["social"], prob={"social": 0.01}, seeds=seeds, runs=1000, seed=1, workers=1)
    gm.simulate(eco, **kw)  # compile / load the kernels, fill caches
    g = E.prepare(eco, ["social"], {"social": 0.01})
    rows = [
        ("kernel batch alone (engine.run_batch)", lambda: E.run_batch(g, seeds, key=1, runs=1000, workers=1)),
        ("gm.simulate, regime_check=False", lambda: gm.simulate(eco, regime_check=False, **kw)),
        ("gm.simulate (default: regime check)", lambda: gm.simulate(eco, **kw)),
    ]
    print(f"BA {args.users} users, p=0.01, 1000 IC runs, 1 thread; best / median of {args.repeat} calls")
    for name, fn in rows:
        best, med = timed(fn, args.repeat if "regime check)" not in name else max(3, args.repeat // 3))
        print(f"  {name:40s} {best:8.2f} ms  {med:8.2f} ms")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS: {rss:.0f} MiB; load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
