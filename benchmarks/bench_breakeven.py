"""What the break-even search and the regime diagnostics add to a comparison.

    python benchmarks/bench_breakeven.py [--users 100000] [--preset payment-first] [--runs 2000]

Runs ``gm.compare`` twice on the same ecosystem and seed, without and with the
break-even search (conversion and transmission ratios, spread-rule line), and
prints wall and CPU time of each, their ratio, and the peak RSS. The issue's
target: break-even adds at most 3x the cost of the plain comparison.
"""

from __future__ import annotations

import argparse
import os
import resource
import time

import graphmodel as gm


def timed(fn):
    t, c = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - t, time.process_time() - c


def main(argv=None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--users", type=int, default=100_000)
    ap.add_argument("--preset", default="payment-first")
    ap.add_argument("--runs", type=int, default=2000)
    a = ap.parse_args(argv)
    print(f"load before: {os.getloadavg()[0]:.2f}")
    eco, t, _ = timed(lambda: gm.generate(preset=a.preset, users=a.users, seed=7))
    print(f"generate {a.preset} {a.users:,} users: {t:.1f} s")
    gm.compare(eco, runs=20, seed=1)  # compile
    plain, tp, cp = timed(lambda: gm.compare(eco, runs=a.runs, seed=1, breakeven=False))
    full, tf, cf = timed(lambda: gm.compare(eco, runs=a.runs, seed=1))
    print(f"compare, {a.runs} runs x 5 scenarios, no break-even: {tp:.1f} s wall, {cp:.1f} s CPU")
    print(f"compare with break-even + spread line:           {tf:.1f} s wall, {cf:.1f} s CPU")
    print(f"added by break-even: {(tf - tp) / tp:.2f}x the plain comparison (wall), {(cf - cp) / cp:.2f}x (CPU)")
    for k, b in full.breakeven.items():
        print(f"  {k}: {b.evaluations} evaluations, mean {b.mean}, ci95 {b.ci95}")
    print(full.verdict)
    print(
        f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20:.2f} GiB; "
        f"load after: {os.getloadavg()[0]:.2f}"
    )


if __name__ == "__main__":
    main()
