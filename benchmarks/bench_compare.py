"""Benchmark of ``graphmodel compare``: a 1M-user ecosystem, 2000 runs x 5 scenarios (target: under 5 minutes).

Usage::

    python benchmarks/bench_compare.py             # 1,000,000 users, 2000 runs
    python benchmarks/bench_compare.py --quick     # 50,000 users, 200 runs
    python benchmarks/bench_compare.py --users 200000 --runs 500 --preset social-first
    python benchmarks/bench_compare.py --eco eco1m.npz --runs 200 --phases --workers-list 1,2

Prints the time to generate (or ``--eco``: read) the ecosystem, to compile
the kernel (a first tiny call; zero once numba's cache is warm), and to run
``gm.compare``, with runs per second, the scenario means and the verdict.
``--phases`` first times the parts of one comparison separately -- the
array preparation, then each scenario's kernel alone (ms per run, users
reached per run, ns per user reached) for every worker count in
``--workers-list`` -- so a profile says where the time goes. The load
average is printed before and after: the machine may be shared. Nothing is
written to disk.
"""

from __future__ import annotations

import argparse
import os
import time


def _load() -> str:
    return "load average %.2f %.2f %.2f" % os.getloadavg()


def phases(gm, eco, a) -> None:
    """The array preparation, then each scenario alone, per worker count."""
    from graphmodel._seed import as_seed_sequence
    from graphmodel.experiments.campaign import buy_scale, campaign_seeds, make_campaign
    from graphmodel.experiments.intent import IntentModel
    from graphmodel.experiments.scenarios import make_setup, parse_scenarios, run_scenario
    from graphmodel.propagation.engine import base_key

    intent = IntentModel()
    camp = make_campaign(eco, None, price=None)
    seed_ss, run_ss, _, _ = as_seed_sequence(a.seed).spawn(4)
    seeds = campaign_seeds(eco, camp, a.seeds, seed=seed_ss)
    buy, _ = buy_scale(eco, camp, intent)
    t0 = time.perf_counter()
    setup = make_setup(eco, prob=None, intent=intent, buy=buy, seeds=seeds)  # the default transmission
    print(f"phase: array preparation (make_setup) {time.perf_counter() - t0:.2f} s")
    key = base_key(run_ss)
    runs = a.phase_runs
    for w in [int(x) for x in a.workers_list.split(",")]:
        tot = 0.0
        for name, layers in parse_scenarios(None).items():
            t0, c0 = time.perf_counter(), time.process_time()
            r = run_scenario(setup, layers, key=key, runs=runs, workers=w)
            dt, cpu = time.perf_counter() - t0, time.process_time() - c0
            tot += dt
            reach = float(r.reach.mean())
            per_user = cpu / max(1.0, reach * runs) * 1e9
            print(
                f"phase: workers={w} {name:16s} {1e3 * dt / runs:8.1f} ms/run  reach/run {reach:10,.0f}  "
                f"{per_user:7.0f} ns CPU time per user reached ({cpu / dt:.2f} cores busy)"
            )
        print(
            f"phase: workers={w} all 5 scenarios {tot:.2f} s for {runs} runs -> {tot * 2000 / runs:.0f} s "
            f"projected for 2000 runs  ({_load()})"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--users", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=2000)
    ap.add_argument("--preset", default="balanced")
    ap.add_argument("--eco", default=None, help="read this ecosystem file instead of generating one")
    ap.add_argument("--seeds", default="random:50")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--target-ci", type=float, default=None, help="adaptive stopping (runs is then the maximum)")
    ap.add_argument("--phases", action="store_true", help="time the preparation and each scenario separately first")
    ap.add_argument("--phase-runs", type=int, default=20, help="runs per scenario in --phases")
    ap.add_argument("--workers-list", default="1,2", help="worker counts timed by --phases")
    ap.add_argument("--no-compare", action="store_true", help="only --phases")
    ap.add_argument("--quick", action="store_true", help="50,000 users and 200 runs")
    a = ap.parse_args()
    if a.quick:
        a.users, a.runs = 50_000, 200

    import graphmodel as gm

    print(_load())
    t0 = time.perf_counter()
    if a.eco:
        eco = gm.read(a.eco)
    else:
        eco = gm.generate(preset=a.preset, users=a.users, seed=a.seed)
    t_gen = time.perf_counter() - t0
    print(f"ecosystem: {eco!r}  ({'read' if a.eco else 'generated'} in {t_gen:.1f} s)")

    t0 = time.perf_counter()
    tiny = gm.generate(users=200, seed=1)
    gm.compare(tiny, runs=2, seed=1, scenarios=["all"])
    t_jit = time.perf_counter() - t0
    print(f"kernel warm-up (compile or load from cache): {t_jit:.1f} s")

    if a.phases:
        phases(gm, eco, a)
    if a.no_compare:
        return

    t0, c0 = time.perf_counter(), time.process_time()
    res = gm.compare(eco, seeds=a.seeds, runs=a.runs, seed=a.seed, workers=a.workers, target_ci=a.target_ci)
    t_run, c_run = time.perf_counter() - t0, time.process_time() - c0
    n_sc = len(res.scenarios)
    if res.runs != a.runs:
        print(f"adaptive stopping: {res.runs} of {a.runs} runs (target_ci {a.target_ci})")
    print(
        f"compare: {res.runs} runs x {n_sc} scenarios in {t_run:.1f} s "
        f"({res.runs * n_sc / t_run:,.0f} runs/s; {os.cpu_count()} cores, workers={a.workers or 'all'}; "
        f"CPU time {c_run:.1f} s = {c_run / t_run:.2f} cores busy on average)"
    )
    proj = t_run * 2000 / res.runs
    print(
        f"projected for 2000 runs x {n_sc} scenarios at this size (runs are independent, cost is linear): "
        f"{proj:.0f} s -> target of 300 s for 1M users {'met' if proj < 300 else 'NOT met'}"
    )
    print(_load())
    for name, m in res.scenarios.items():
        print(
            f"  {name:16s} reach {m['reach'].mean:12,.1f}  purchases {m['purchases'].mean:10,.1f}  "
            f"half-time {m['half_time'].mean:5.2f}  merchants {m['merchants'].mean:9,.1f}"
        )
    print(res.verdict)


if __name__ == "__main__":
    main()
