"""Fingerprints of every compiled kernel's numbers, to check a refactoring changes none of them.

Runs each public entry point that reaches a kernel (IC / LT / SIR with uniform and per-arc layers,
a trace, the intent kernel via compare, the competition kernel with both tie rules and switching,
the follower kernel, RR sets via seeds) on a small generated ecosystem, and the fit's and the
conversion estimate's exposure kernels on a small one with a timeline of purchases, and prints one
SHA-256 per entry point of its result (timings dropped). Run it on two trees and diff the output:

    python benchmarks/kernel_fingerprint.py > after.txt
"""

from __future__ import annotations

import hashlib
import json

import numpy as np

import graphmodel as gm

_DROP = ("seconds", "elapsed", "time", "timing", "wall", "duration", "rss", "threads", "workers")


def _clean(x):
    if isinstance(x, dict):
        return {k: _clean(v) for k, v in x.items() if not any(d in k.lower() for d in _DROP)}
    if isinstance(x, (list, tuple)):
        return [_clean(v) for v in x]
    if isinstance(x, np.ndarray):
        return _clean(x.tolist())
    if isinstance(x, float):
        return float.hex(x)
    return x


def _digest(obj) -> str:
    d = obj.to_dict() if hasattr(obj, "to_dict") else obj
    return hashlib.sha256(json.dumps(_clean(d), sort_keys=True, default=str).encode()).hexdigest()[:16]


def results() -> dict:
    """Every fingerprinted entry point's result on one small generated ecosystem, by name."""
    eco = gm.generate(users=3000, merchants=150, seed=3)
    out = {}
    for model in ("ic", "lt", "sir"):
        out[f"simulate {model}"] = gm.simulate(eco, model=model, runs=200, seed=5)
    out["simulate ic prob=0.05"] = gm.simulate(eco, prob=0.05, runs=200, seed=6)
    out["simulate ic per-arc"] = gm.simulate(eco, prob="weighted-cascade", runs=200, seed=7)
    out["simulate sir prob=0.05"] = gm.simulate(eco, model="sir", prob=0.05, runs=100, seed=8)
    out["compare"] = gm.compare(eco, runs=200, seed=9)
    out["compete random"] = gm.compete(
        eco, platforms=["a: seeds=random:20", "b: seeds=top-degree:20"], runs=200, seed=10
    )
    out["compete strength switching"] = gm.compete(
        eco,
        platforms=["a: seeds=random:20, strength=0.08", "b: seeds=top-degree:20"],
        runs=200,
        seed=11,
        tie="strength",
        switching=0.3,
        lock_in=0.1,
        multihoming=0.2,
    )
    out["seeds imm"] = gm.seeds(eco, k=10, method="imm", runs=100, seed=12)
    out["seeds lt"] = gm.seeds(eco, k=5, model="lt", method="imm", runs=100, seed=13)
    from graphmodel.competition import contest_seeds  # imm-vs: the follower kernel

    sel, info = contest_seeds(eco, ["a: seeds=top-degree:20", "b: seeds=imm-vs:5"], seed=14)
    out["contest_seeds imm-vs"] = {"seeds": [np.asarray(s).tolist() for s in sel]}
    timed = gm.generate(users=1000, merchants=80, seed=2, timeline=True)  # purchases with times: fit, conversion
    out["fit"] = gm.fit(timed, bootstrap=10, shuffles=1, seed=15)
    out["estimate_conversion"] = gm.estimate_conversion(timed, window_days=30, n_shuffles=2, n_boot=50, seed=16)
    return out


def main() -> None:
    out = results()
    for name, res in out.items():
        print(f"{name:32s} {_digest(res)}")


if __name__ == "__main__":
    main()
