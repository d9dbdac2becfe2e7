"""Measure the cascade regime of the bundled presets and the real datasets over a range of transmissions.

The default transmission of compare/simulate/seeds/compete (weighted cascade) was chosen from this
table: it keeps every layer and their union subcritical on every preset and real dataset, where 0.1 per
arc was supercritical on all of them (figures in docs/concepts.md, "regimes").

    python benchmarks/bench_regime.py [--sizes 5000,100000] [--probs 0.005,0.01,0.02,0.05,0.1] [--real]
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

import graphmodel as gm
from graphmodel.propagation.regime import regime

SHARED = Path(__file__).resolve().parents[2] / "shared" / "datasets"


def ecosystems(sizes, real):
    for n in sizes:
        for preset in ("balanced", "payment-first", "social-first"):
            t = time.perf_counter()
            eco = gm.generate(preset=preset, users=n, seed=1)
            yield f"{preset}:{n}", eco, time.perf_counter() - t
    if real:
        for name in ("ciao", "epinions"):
            t = time.perf_counter()
            eco = gm.load_dataset(name, SHARED / name)
            yield name, eco, time.perf_counter() - t


def main(argv=None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="5000,100000")
    ap.add_argument("--probs", default="0.005,0.01,0.02,0.05,0.1")
    ap.add_argument("--prob-spec", action="append", default=[], help="extra spec, e.g. wc")
    ap.add_argument("--real", action="store_true")
    a = ap.parse_args(argv)
    sizes = [int(x) for x in a.sizes.split(",") if x]
    specs = [float(x) for x in a.probs.split(",") if x] + list(a.prob_spec)
    print(f"{'ecosystem':<22} {'prob':>6} {'layer':<9} {'giant':>7} {'reach':>7} {'branch':>7} super  secs", flush=True)
    for name, eco, _ in ecosystems(sizes, a.real):
        for p in specs:
            t = time.perf_counter()
            r = regime(eco, prob=p, seed=1, samples=2, roots=10)
            dt = time.perf_counter() - t
            for k, v in r.layers.items():
                print(f"{name:<22} {str(p):>6} {k:<9} {v.giant_scc:7.4f} {v.reach.mean:7.4f} {v.branching:7.2f} "
                      f"{'YES' if v.supercritical else 'no ':<5} {dt:5.1f}", flush=True)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print(f"peak RSS {rss:.2f} GiB", file=sys.stderr)


if __name__ == "__main__":
    main()
