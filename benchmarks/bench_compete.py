"""Benchmark of ``gm.compete``: two platforms on a generated ecosystem.

The issue's figure: a 1M-user ecosystem (``generate(preset="balanced",
users=1_000_000, seed=1)``), two platforms (the article's wallet and
messenger), 1000 runs, in under 2 minutes.

    python benchmarks/bench_compete.py               # 1M users, 1000 runs
    python benchmarks/bench_compete.py --quick       # 50k users, 200 runs
    python benchmarks/bench_compete.py --eco eco.npz # a saved ecosystem instead of generating one

Prints the time to generate/load, the first (compiling) call and the timed
call, and the shares. Timings depend on the machine and on what else runs on it.
"""

from __future__ import annotations

import argparse
import os
import time

import graphmodel as gm

WALLET = "wallet: seeds=top-degree:30:merchant, layers=payment, strength=payment:0.12"
MESSENGER = "messenger: seeds=top-degree:30:user, layers=social,transfer, strength=social:0.05,transfer:0.2"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="50k users, 200 runs")
    ap.add_argument("--users", type=int, default=None)
    ap.add_argument("--runs", type=int, default=None)
    ap.add_argument("--eco", default=None, help="read this ecosystem (.npz, CSV dir) instead of generating")
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--multihoming", type=float, default=0.0)
    ap.add_argument("--switching", type=float, default=0.0)
    args = ap.parse_args()
    users = args.users or (50_000 if args.quick else 1_000_000)
    runs = args.runs or (200 if args.quick else 1000)
    t = time.perf_counter()
    if args.eco:
        eco = gm.read(args.eco)
        how = f"read {args.eco}"
    else:
        eco = gm.generate(preset="balanced", users=users, seed=1)
        how = f"generate(preset='balanced', users={users}, seed=1)"
    t_eco = time.perf_counter() - t
    print(f"ecosystem: {how}: {eco.n_users} users, {eco.n_merchants} merchants, "
          f"{eco.n_edges()} edges ({t_eco:.1f} s)")
    print(f"cores: {os.cpu_count()}, load average: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    opts = dict(platforms=[WALLET, MESSENGER], seed=1, workers=args.workers, multihoming=args.multihoming,
                switching=args.switching)
    t = time.perf_counter()
    gm.compete(eco, runs=2, **opts)
    print(f"first call (compile or load the numba cache, prepare arrays, 2 runs): {time.perf_counter() - t:.1f} s")
    t = time.perf_counter()
    res = gm.compete(eco, runs=runs, **opts)
    dt = time.perf_counter() - t
    print(f"{runs} runs, 2 platforms: {dt:.1f} s ({1000 * dt / runs:.1f} ms per run)  "
          f"target: 1000 runs on 1M users under 120 s")
    for name, o in res.platforms.items():
        print(f"  {name:10s} users {o.users.mean:.4f} [{o.users.ci95[0]:.4f}, {o.users.ci95[1]:.4f}]  "
              f"merchants {o.merchants.mean:.4f}  gmv {o.gmv.mean:.4f}  wins {o.wins:.3f}")
    print(f"  load average after: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
