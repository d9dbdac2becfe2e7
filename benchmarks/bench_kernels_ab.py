"""A/B timing of the compiled kernels between two trees (a refactoring must not cost speed).

One thread, best of 5, after a warm-up: the propagation kernel alone (``engine.run_batch``; BA 100k
users, m=5, 50 seeds, p=0.05 x 1000 runs and p=0.1 x 300 runs) and ``gm.compete`` through the public
API (balanced preset, 50k users, two platforms, 200 runs). Run it in each tree back to back, e.g.::

    python benchmarks/bench_kernels_ab.py
    (cd OTHER_TREE && PYTHONPATH=. python /path/to/bench_kernels_ab.py)
"""

from __future__ import annotations

import os
import sys
import time

sys.path.insert(0, os.path.join(os.getcwd(), "benchmarks"))

from bench_propagation import ba_ecosystem  # noqa: E402, I001

import graphmodel as gm  # noqa: E402
from graphmodel.propagation import engine as E  # noqa: E402


def best(fn, k: int = 5) -> float:
    ts = []
    for _ in range(k):
        t = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t)
    return 1e3 * min(ts)


def main() -> None:
    out = [os.getcwd()]
    eco = ba_ecosystem(100_000, 5, 1)
    seeds = gm.resolve_seeds(eco, "random:50", seed=1)
    for p, runs in ((0.05, 1000), (0.1, 300)):
        g = E.prepare(eco, ["social"], {"social": p})
        E.run_batch(g, seeds, key=1, runs=5, workers=1)
        out.append(
            f"run_batch p={p} x{runs}: {best(lambda g=g, runs=runs: E.run_batch(g, seeds, key=1, runs=runs, workers=1)):.0f} ms"
        )
    eco = gm.generate(preset="balanced", users=50_000, seed=1)
    pl = ["wallet: seeds=top-degree:30:merchant, layers=payment", "messenger: seeds=top-degree:30:user, layers=social"]
    gm.compete(eco, platforms=pl, runs=4, seed=1, workers=1)
    out.append(f"compete x200: {best(lambda: gm.compete(eco, platforms=pl, runs=200, seed=1, workers=1)):.0f} ms")
    out.append(f"load {os.getloadavg()[0]:.2f}")
    print(" | ".join(out))


if __name__ == "__main__":
    main()
