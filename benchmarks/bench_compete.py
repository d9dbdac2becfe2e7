"""Benchmark of ``gm.compete``: two platforms on a generated ecosystem.

The issue's figure: a 1M-user ecosystem (``generate(preset="balanced",
users=1_000_000, seed=1)``), two platforms (the article's wallet and
messenger), 1000 runs, in under 2 minutes.

    python benchmarks/bench_compete.py                 # 1M users, 1000 runs
    python benchmarks/bench_compete.py --quick         # 50k users, 200 runs
    python benchmarks/bench_compete.py --eco eco.npz   # a saved ecosystem instead of generating one
    python benchmarks/bench_compete.py --eco eco.npz --runs 1000 --scaling 40

Prints the time of each phase: generating/loading the ecosystem, the first
(compiling) call, preparing the arrays (CSR, coin keys, seeds, payments), the
timed call (wall and CPU time, per run), and with ``--scaling R`` the per-run
time of R runs on 1 thread and on all threads. Timings depend on the machine
and on what else runs on it: the load average is printed before and after.
"""

from __future__ import annotations

import argparse
import importlib
import os
import time

import numpy as np

import graphmodel as gm

WALLET = "wallet: seeds=top-degree:30:merchant, layers=payment, strength=payment:0.12"
MESSENGER = "messenger: seeds=top-degree:30:user, layers=social,transfer, strength=social:0.05,transfer:0.2"


def _load() -> str:
    return ", ".join(f"{x:.1f}" for x in os.getloadavg())


def _timed(fn):
    t, c = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - t, time.process_time() - c


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="50k users, 200 runs")
    ap.add_argument("--users", type=int, default=None)
    ap.add_argument("--runs", type=int, default=None)
    ap.add_argument("--eco", default=None, help="read this ecosystem (.npz, CSV dir) instead of generating")
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--multihoming", type=float, default=0.0)
    ap.add_argument("--switching", type=float, default=0.0)
    ap.add_argument(
        "--scaling", type=int, default=0, metavar="R", help="also time R runs on 1 thread and on all threads (0: skip)"
    )
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
    print(f"ecosystem: {how}: {eco.n_users} users, {eco.n_merchants} merchants, {eco.n_edges()} edges ({t_eco:.1f} s)")
    print(f"cores: {os.cpu_count()}, load average before: {_load()}")
    opts = dict(
        platforms=[WALLET, MESSENGER],
        seed=1,
        workers=args.workers,
        multihoming=args.multihoming,
        switching=args.switching,
    )
    _, dt, _ = _timed(lambda: gm.compete(eco, runs=2, **opts))
    print(f"first call (compile or load the numba cache, prepare arrays, 2 runs): {dt:.1f} s")

    C = importlib.import_module("graphmodel.competition.compete")
    E = importlib.import_module("graphmodel.competition.engine")
    plats = C.as_platforms(opts["platforms"])
    (arr, pay), dt, _ = _timed(
        lambda: (E.prepare(eco, plats, 0.9, np.random.SeedSequence(1), args.workers, {}), E.payments(eco))
    )
    print(f"prepare (CSR over the layers, coin keys, probabilities, seeds, payments): {dt:.1f} s")

    res, dt, cpu = _timed(lambda: gm.compete(eco, runs=runs, **opts))
    print(
        f"{runs} runs, 2 platforms: {dt:.1f} s wall ({1000 * dt / runs:.1f} ms per run), "
        f"{cpu:.1f} s CPU ({1000 * cpu / runs:.1f} ms per run)  target: 1000 runs on 1M users under 120 s"
    )
    for name, o in res.platforms.items():
        print(
            f"  {name:10s} users {o.users.mean:.4f} [{o.users.ci95[0]:.4f}, {o.users.ci95[1]:.4f}]  "
            f"merchants {o.merchants.mean:.4f}  gmv {o.gmv.mean:.4f}  wins {o.wins:.3f}"
        )
    print(f"  load average after: {_load()}")

    if args.scaling > 0:
        import numba

        r = args.scaling  # the compiled runs alone, on the arrays prepared above
        for w in sorted({1, numba.config.NUMBA_NUM_THREADS}):
            _, dt, cpu = _timed(
                lambda w=w: E.run_contest(
                    eco,
                    arr,
                    pay[:3],
                    key=1,
                    runs=r,
                    tie="random",
                    switching=args.switching,
                    lock_in=0.0,
                    multihoming=args.multihoming,
                    max_steps=None,
                    curve_len=E.CURVE_STEPS + 1,
                    workers=w,
                    progress=None,
                )
            )
            print(
                f"scaling: {r} runs on {w} thread(s): {1000 * dt / r:.1f} ms per run wall, "
                f"{1000 * cpu / r:.1f} ms CPU per run (load average {_load()})"
            )


if __name__ == "__main__":
    main()
