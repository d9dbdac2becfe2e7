"""Benchmark seed selection (issue #6).

1. BA graph, 100k users, m=5 (social layer, undirected), k=50: OPIM-C with
   uniform IC p=0.05 and with weighted cascade, epsilon 0.5 and 0.1; time,
   RR sets, certified ratio and the Monte Carlo validated spread (95% CI).
   Reference: a C++ OPIM-C build took 0.17 s (eps 0.5) and 2.8 s (eps 0.1)
   for p=0.05 on this machine, reading its graph aside.
2. A generated 1M-user, ~10M-edge ecosystem (``graphmodel.generator``), k=100,
   epsilon 0.1: time and peak memory (goal: under 2 minutes, under 8 GiB).

Times exclude JIT compilation (a warm-up runs first) and graph loading, like
the reference; "select" is seed selection, validation is reported apart.

    python benchmarks/bench_seeds.py            # full
    python benchmarks/bench_seeds.py --quick    # 10k users, 100k-user ecosystem
"""

from __future__ import annotations

import argparse
import random
import resource
import time

import numpy as np


def ba_ecosystem(n: int, m: int, seed: int):
    import igraph

    import graphmodel as gm

    random.seed(seed)
    e = np.array(igraph.Graph.Barabasi(n, m).get_edgelist(), dtype=np.int64)
    return gm.Ecosystem(users={"id": np.arange(n)}, social={"src": e[:, 0], "dst": e[:, 1]})


def peak_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def line(label: str, r) -> str:
    v = r.validation
    g = r.guarantee or {}
    val = f"spread {v.mean:9.1f} [{v.ci95[0]:.1f}, {v.ci95[1]:.1f}]" if v is not None else "spread -"
    return (
        f"{label:34s} select {r.seconds:7.3f} s  RR sets {r.n_rr_sets:>9,d}  "
        f"ratio {g.get('ratio', float('nan')):.3f}  {val}  (validate {r.timings.get('validate', 0):.1f} s)"
    )


def main() -> None:
    import graphmodel as gm

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="small sizes (10k BA, 100k-user ecosystem)")
    ap.add_argument("--workers", type=int, default=None, help="threads (default: all cores)")
    ap.add_argument("--validate-runs", type=int, default=1000)
    ap.add_argument("--skip-large", action="store_true", help="only the BA part")
    ap.add_argument("--large-prob", default="wc", help="probability spec of the large run (default wc)")
    ap.add_argument("--repeat", type=int, default=3, help="repeats of each BA timing (the best is printed too)")
    args = ap.parse_args()

    n_ba = 10_000 if args.quick else 100_000
    n_big = 100_000 if args.quick else 1_000_000
    eco = ba_ecosystem(n_ba, 5, 1)
    print(f"BA n={n_ba} m=5: {eco.n_edges('social'):,} edges; workers={args.workers or 'all'}")
    gm.seeds(eco, k=5, layers="social", prob=0.05, epsilon=0.5, seed=0, validate_runs=10)  # JIT warm-up
    for prob, name in ((0.05, "IC p=0.05"), ("wc", "weighted cascade")):
        for eps in (0.5, 0.1):
            times = []
            for rep in range(args.repeat):
                r = gm.seeds(eco, k=50, layers="social", prob=prob, epsilon=eps, seed=1,
                             validate_runs=args.validate_runs if rep == 0 else 0, workers=args.workers)
                times.append(r.seconds)
                if rep == 0:
                    first = r
            print(line(f"{name}, eps {eps}", first) + f"  best of {args.repeat}: {min(times):.3f} s")
        for method in ("degree", "degree-discount", "pagerank"):
            h = gm.seeds(eco, k=50, layers="social", prob=prob, method=method, seed=1, validate_runs=args.validate_runs)
            print(line(f"{name}, {method}", h))
    print(f"peak memory so far: {peak_gib():.2f} GiB")
    if args.skip_large:
        return
    t = time.perf_counter()
    big = gm.generate(users=n_big, seed=1)
    print(f"\n{big}  (generated in {time.perf_counter() - t:.1f} s)")
    t = time.perf_counter()
    r = gm.seeds(big, k=100, prob=args.large_prob, epsilon=0.1, seed=1, validate_runs=200, workers=args.workers)
    total = time.perf_counter() - t
    print(line(f"all layers, {args.large_prob}, k=100, eps 0.1", r))
    print(f"  end to end incl. probabilities and validation: {total:.1f} s; timings: "
          + ", ".join(f"{k} {v:.2f}" for k, v in r.timings.items()))
    print(f"  seeds: {sum(s.startswith('merchant:') for s in r.seeds)} merchants, "
          f"{sum(s.startswith('user:') for s in r.seeds)} users")
    print(f"peak memory (whole process, generation included): {peak_gib():.2f} GiB")


if __name__ == "__main__":
    main()
