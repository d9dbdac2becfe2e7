"""Propagation throughput: graphmodel's IC kernel against cynetdiff and NDlib, and a 1M-user scale run.

Workload (issue #4): social layer = Barabasi-Albert graph, 100k users, m=5
(about 1M arcs), 50 random seeds, 1000 IC runs, p in {0.01, 0.05, 0.1}.
cynetdiff and NDlib are optional (``pip install -e .[bench]``); a missing one
is reported and skipped. NDlib is very slow, so a few runs are timed and the
time for 1000 runs extrapolated.

Usage::

    python benchmarks/bench_propagation.py            # full
    python benchmarks/bench_propagation.py --quick    # 10k users, 200 runs, no scale run

The machine may be shared: graphmodel (all workers, and one thread) and
cynetdiff are timed back to back in every repeat, each figure is the best of
``--repeat``, and the load average is printed before and after; the figures
are still noisy, ratios from the same repeat loop less so.
"""

from __future__ import annotations

import argparse
import os
import time
from array import array

import numpy as np

import graphmodel as gm
from graphmodel.propagation import engine as E


def best_of(fn, repeat: int) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def ba_ecosystem(n: int, m: int, seed: int) -> gm.Ecosystem:
    import random

    import igraph

    random.seed(seed)  # igraph draws from Python's random module
    g = igraph.Graph.Barabasi(n, m)
    e = np.asarray(g.get_edgelist(), dtype=np.int64)
    e = e[e[:, 0] != e[:, 1]]
    return gm.Ecosystem(users={"id": np.arange(n)}, social={"src": e[:, 0], "dst": e[:, 1]})


def graphmodel_job(eco, seeds, p, runs, workers, coins=False):
    """A callable running the workload once; returns the mean spread."""
    csr = eco.csr(["social"])
    spec = np.full(csr.m, p) if coins else {"social": p}
    g = E.prepare(eco, ["social"], spec)
    key = E.base_key(1)
    E.run_batch(g, seeds, key=key, runs=2, workers=workers)  # compiled / loaded before timing
    return lambda: float(E.run_batch(g, seeds, key=key, runs=runs, workers=workers).users.mean())


def cynetdiff_job(eco, seeds, p, runs):
    from cynetdiff.models import IndependentCascadeModel

    csr = eco.csr(["social"])
    starts = array("I", csr.indptr[:-1].astype(np.uint32).tobytes())
    edges = array("I", csr.indices.astype(np.uint32).tobytes())
    model = IndependentCascadeModel(starts, edges, activation_prob=p, rng=np.random.default_rng(1))
    s = [int(x) for x in seeds]
    return lambda: float(model.compute_marginal_gains(s, [], runs)[0])


def interleaved(jobs: dict, repeat: int) -> dict:
    """Best time and last result of each job, the jobs run back to back in every repeat."""
    best = {k: float("inf") for k in jobs}
    out = {}
    for _ in range(repeat):
        for k, fn in jobs.items():
            t = time.perf_counter()
            out[k] = fn()
            best[k] = min(best[k], time.perf_counter() - t)
    return {k: (best[k], out[k]) for k in jobs}


def load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def bench_ndlib(eco, seeds, p, runs_timed):
    import ndlib.models.epidemics as ep
    import ndlib.models.ModelConfig as mc
    import networkx as nx

    t_ = eco.edges("social")
    g = nx.Graph()
    g.add_nodes_from(range(eco.n_users))
    g.add_edges_from(zip(t_["src"].tolist(), t_["dst"].tolist()))
    total, spread = 0.0, []
    for r in range(runs_timed):
        t = time.perf_counter()
        model = ep.IndependentCascadesModel(g, seed=r)
        cfg = mc.Configuration()
        cfg.add_model_initial_configuration("Infected", [int(x) for x in seeds])
        for a, b in g.edges():
            cfg.add_edge_configuration("threshold", (a, b), p)
        model.set_initial_status(cfg)
        while True:
            it = model.iteration(node_status=False)
            if it["status_delta"][1] == 0 and it["node_count"][1] == 0:
                break
        total += time.perf_counter() - t
        spread.append(it["node_count"][2] + it["node_count"][1])
    return total / runs_timed, float(np.mean(spread))


def scale_ecosystem(users: int, edges: int, seed: int, source: str) -> tuple[gm.Ecosystem, str]:
    if source == "generate":
        try:
            t = time.perf_counter()
            eco = gm.generate(preset="balanced", users=users, seed=seed)
            return eco, f"gm.generate(preset='balanced', users={users}, seed={seed}) in {time.perf_counter() - t:.1f} s"
        except Exception as exc:  # the generator may be absent or too slow; fall back
            print(f"  gm.generate unavailable ({type(exc).__name__}: {exc}); using a random numpy ecosystem")
    rng = np.random.default_rng(seed)
    M = users // 20
    ns, npay, ntr = int(edges * 0.5), int(edges * 0.35), int(edges * 0.15)
    s, d = rng.integers(0, users, ns), rng.integers(0, users, ns)
    k = s != d
    eco = gm.Ecosystem(
        users={"id": np.arange(users)},
        merchants={"id": np.arange(M)},
        social={"src": s[k], "dst": d[k]},
        payment={"src": rng.integers(0, users, npay), "dst": (rng.pareto(1.5, npay) * 10).astype(np.int64) % M},
        transfer={"src": rng.integers(0, users, ntr), "dst": rng.integers(0, users, ntr)},
    )
    return eco, "random numpy ecosystem (uniform social/transfer, heavy-tailed merchant popularity)"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small version (10k users, 200 runs, no scale run)")
    ap.add_argument("--users", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--ndlib-runs", type=int, default=3, help="NDlib runs timed per p (then extrapolated)")
    ap.add_argument("--no-ndlib", action="store_true")
    ap.add_argument("--per-arc", action="store_true", help="also time per-arc coins (no geometric skipping)")
    ap.add_argument("--scale-users", type=int, default=1_000_000)
    ap.add_argument("--scale-edges", type=int, default=10_000_000)
    ap.add_argument("--scale-source", choices=["generate", "random"], default="generate")
    ap.add_argument("--no-scale", action="store_true")
    args = ap.parse_args()
    if args.quick:
        args.users, args.runs, args.no_scale, args.ndlib_runs = 10_000, 200, True, 1
    import numba

    print(
        f"machine: {numba.config.NUMBA_NUM_THREADS} cores visible, workers={args.workers}; shared machine, timings are noisy"
    )

    # -- compile time (numba caches to __pycache__, so a second process pays only the load) --
    tiny = gm.Ecosystem(users={"id": np.arange(3)}, social={"src": [0, 1], "dst": [1, 2]})
    t = time.perf_counter()
    for model in ("ic", "lt", "sir"):
        E.run_batch(E.prepare(tiny, ["social"], 0.5), np.array([0]), model=model, key=1, runs=2)
    print(f"JIT compile or cache load of the kernels: {time.perf_counter() - t:.2f} s (excluded below)")

    eco = ba_ecosystem(args.users, 5, seed=1)
    csr = eco.csr(["social"])
    seeds = gm.resolve_seeds(eco, "random:50", seed=1)
    print(f"\nBA graph: {eco.n_users} users, {csr.m} arcs; 50 random seeds; {args.runs} IC runs; best of {args.repeat}")
    print(f"before: {load()}")
    print(
        f"{'p':>5} {'graphmodel s':>13} {'1 thread s':>11} {'cynetdiff s':>12} {'ratio':>7} {'ratio 1 thr':>11}"
        f" {'per-arc s':>10} {'NDlib s (extrap.)':>18} {'spread gm / cyn':>20}"
    )
    for p in (0.01, 0.05, 0.1):
        jobs = {
            "gm": graphmodel_job(eco, seeds, p, args.runs, args.workers),
            "gm1": graphmodel_job(eco, seeds, p, args.runs, 1),
        }
        try:
            jobs["cy"] = cynetdiff_job(eco, seeds, p, args.runs)
        except ImportError:
            pass
        res = interleaved(jobs, args.repeat)
        (t_gm, s_gm), (t_1, _) = res["gm"], res["gm1"]
        if "cy" in res:
            t_cy, s_cy = res["cy"]
            cy, ratio, ratio1, s_cy_s = f"{t_cy:.3f}", f"{t_cy / t_gm:.1f}x", f"{t_cy / t_1:.1f}x", f"{s_cy:.1f}"
        else:
            cy, ratio, ratio1, s_cy_s = "absent", "-", "-", "-"
        t_coin = "-"
        if args.per_arc:
            t_coin = f"{interleaved({'c': graphmodel_job(eco, seeds, p, args.runs, args.workers, coins=True)}, 1)['c'][0]:.3f}"
        nd = "skipped"
        if not args.no_ndlib:
            try:
                per_run, _ = bench_ndlib(eco, seeds, p, args.ndlib_runs)
                nd = f"{per_run * args.runs:.0f}"
            except ImportError:
                nd = "absent"
        print(
            f"{p:>5} {t_gm:>13.3f} {t_1:>11.3f} {cy:>12} {ratio:>7} {ratio1:>11} {t_coin:>10} {nd:>18}"
            f" {s_gm:>10.1f} / {s_cy_s:<8}",
            flush=True,
        )
    print(f"after: {load()}")

    if args.no_scale:
        return
    print(f"\nscale: {args.scale_users} users, about {args.scale_edges} edges, all layers, {args.runs} IC runs")
    t = time.perf_counter()
    big, how = scale_ecosystem(args.scale_users, args.scale_edges, seed=1, source=args.scale_source)
    print(f"  built: {how}; {big!r}; {time.perf_counter() - t:.1f} s")
    t = time.perf_counter()
    csr = big.csr(None)
    t_csr = time.perf_counter() - t
    t = time.perf_counter()
    E.prepare(big, None, 0.05)
    print(
        f"  eco.csr(all layers): {csr.m} arcs in {t_csr:.1f} s; prepare (layer pointers, arc keys, probabilities)"
        f" {time.perf_counter() - t:.1f} s; {load()}"
    )
    for p in (0.01, 0.05):
        gp = E.prepare(big, None, p)
        bs = gm.resolve_seeds(big, "random:50", seed=1)
        t_big, raw = best_of(lambda: E.run_batch(gp, bs, key=1, runs=args.runs, workers=args.workers), 1)  # noqa: B023
        print(
            f"  p={p}: {t_big:.1f} s for {args.runs} runs (mean spread {raw.users.mean():.0f} users, "
            f"{raw.merchants.mean():.0f} merchants)"
        )
    t = time.perf_counter()
    res = gm.simulate(
        big,
        prob={"social": 0.05, "payment": "wc", "transfer": 0.1},
        seeds="random:50",
        runs=args.runs,
        seed=1,
        workers=args.workers,
    )
    print(
        f"  gm.simulate, social 0.05 / payment wc / transfer 0.1: {time.perf_counter() - t:.1f} s end to end "
        f"(spread {res.spread.mean:.0f}); {load()}"
    )


if __name__ == "__main__":
    main()
