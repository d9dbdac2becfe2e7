"""Measure the cascade regime of the bundled presets and the real datasets over a range of transmissions.

The default transmission of compare/simulate/seeds/compete (weighted cascade) was chosen from this
table: it keeps every layer and their union subcritical on every preset and real dataset, where 0.1 per
arc was supercritical on all of them (figures in docs/concepts.md, "regimes").

    python benchmarks/bench_regime.py [--sizes 5000,100000] [--probs 0.005,0.01,0.02,0.05,0.1] [--real]

The cost of the diagnostic itself, per phase, as simulate and compare run it (default options, fixed
seed), on the balanced preset; each size in a fresh process, so peak RSS is that size's:

    python benchmarks/bench_regime.py --phases --sizes 1000000

On a tree whose regime has no per-phase timings (before they were added) the same command times the
module's functions from outside (prepare, _arcs, _branching, _measure).

The digests of benchmarks/kernel_fingerprint.py split into "everything but the regime" and "the regime",
to show a change to the regime leaves every cascade's numbers as they were:

    python benchmarks/bench_regime.py --fingerprint
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
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


def _rss() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def phases_one(n: int) -> dict:
    """Generate the balanced preset at ``n`` users, then run the regime twice as simulate does."""
    import graphmodel.propagation.regime as R

    out: dict = {"users": n}
    t = time.perf_counter()
    eco = gm.generate(preset="balanced", users=n, seed=1)
    out["generate_s"] = round(time.perf_counter() - t, 1)
    out["arcs"] = int(eco.csr().m)
    out["rss_after_generate_gib"] = round(_rss(), 2)
    outside: dict = {}
    if not hasattr(R.Regime, "timings") or "timings" not in R.Regime.__dataclass_fields__:
        for name in ("prepare", "_arcs", "_branching", "_measure"):  # the pre-timings module, timed from outside
            f = getattr(R, name)

            def timed(*a, _f=f, _name=name, **k):
                t0 = time.perf_counter()
                res = _f(*a, **k)
                outside[_name] = round(outside.get(_name, 0.0) + time.perf_counter() - t0, 2)
                return res

            setattr(R, name, timed)
    seed = getattr(R, "REGIME_SEED", 1)
    for call in (1, 2):
        t, c = time.perf_counter(), time.process_time()
        r = R.regime(eco, seed=seed)
        out[f"call{call}_wall_s"] = round(time.perf_counter() - t, 2)
        out[f"call{call}_cpu_s"] = round(time.process_time() - c, 2)
    out["peak_rss_gib"] = round(_rss(), 2)
    out["phases_s"] = {k: round(v, 2) for k, v in getattr(r, "timings", {}).items()} or outside
    out["layers"] = {
        k: {
            "giant": v.giant_scc,
            "reach": v.reach.mean,
            "branching": round(v.branching, 4),
            "bounds": [round(b, 4) for b in getattr(v, "branching_bounds", (float("nan"),) * 2)],
            "samples": getattr(v, "samples", None),
            "supercritical": v.supercritical,
        }
        for k, v in r.layers.items()
    }
    return out


def fingerprint() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import kernel_fingerprint as F

    res = F.results()
    res.pop("contest_seeds imm-vs")  # a dict of seeds, no result object with a regime
    for name, r in res.items():
        d = dict(r.to_dict())
        reg = d.pop("regime", None)
        print(f"{name:28s} without-regime {F._digest(d)}  regime {F._digest({'r': reg})}")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--phases", action="store_true", help="cost of the diagnostic per phase (balanced preset)")
    ap.add_argument("--fingerprint", action="store_true", help="kernel fingerprints without / with the regime")
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--sizes", default="5000,100000")
    ap.add_argument("--probs", default="0.005,0.01,0.02,0.05,0.1")
    ap.add_argument("--prob-spec", action="append", default=[], help="extra spec, e.g. wc")
    ap.add_argument("--real", action="store_true")
    a = ap.parse_args(argv)
    if a.one:
        print(json.dumps(phases_one(a.one)))
        return
    if a.fingerprint:
        fingerprint()
        return
    sizes = [int(x) for x in a.sizes.split(",") if x]
    if a.phases:
        print(f"load {os.getloadavg()[0]:.1f}; threads {os.environ.get('NUMBA_NUM_THREADS', 'default')}", flush=True)
        for n in sizes:  # a fresh process per size: peak RSS is that size's
            done = subprocess.run([sys.executable, __file__, "--one", str(n)], capture_output=True, text=True)
            if done.returncode:
                print(done.stderr, file=sys.stderr)
                continue
            print(done.stdout.strip().splitlines()[-1], flush=True)
            print(f"load {os.getloadavg()[0]:.1f}", flush=True)
        return
    specs = [float(x) for x in a.probs.split(",") if x] + list(a.prob_spec)
    print(f"{'ecosystem':<22} {'prob':>6} {'layer':<9} {'giant':>7} {'reach':>7} {'branch':>7} super  secs", flush=True)
    for name, eco, _ in ecosystems(sizes, a.real):
        for p in specs:
            t = time.perf_counter()
            r = regime(eco, prob=p, seed=1, samples=2, roots=10)
            dt = time.perf_counter() - t
            for k, v in r.layers.items():
                print(
                    f"{name:<22} {str(p):>6} {k:<9} {v.giant_scc:7.4f} {v.reach.mean:7.4f} {v.branching:7.2f} "
                    f"{'YES' if v.supercritical else 'no ':<5} {dt:5.1f}",
                    flush=True,
                )
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print(f"peak RSS {rss:.2f} GiB", file=sys.stderr)


if __name__ == "__main__":
    main()
