"""What one sweep task runs: an experiment on one ecosystem for one batch of runs.

A task returns, per metric, the sufficient statistics (n, mean, M2) of its
runs, so batches of a cell merge exactly (Chan et al.'s pairwise update) in a
fixed order, whatever order they finished in.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from graphmodel.errors import InputError

if TYPE_CHECKING:
    from graphmodel.ecosystem import Ecosystem

__all__ = ["run_experiment", "merge_stats", "Stats"]

#: (n, mean, M2) where M2 is the sum of squared deviations from the mean.
Stats = tuple[int, float, float]


def _stats_of(d: dict[str, Any]) -> Stats:
    n = int(d["n"])
    mean = float(d["mean"]) if d["mean"] is not None else float("nan")
    std = float(d["std"]) if d.get("std") is not None else 0.0
    return n, mean, std * std * max(n - 1, 0)


def _collect(d: Any, prefix: str, out: dict[str, Stats]) -> None:
    if isinstance(d, dict):
        if {"mean", "n", "std"} <= set(d):
            out[prefix] = _stats_of(d)
            return
        for k, v in d.items():
            if k in ("params", "verdict", "curve"):
                continue
            _collect(v, f"{prefix}.{k}" if prefix else str(k), out)


def merge_stats(a: Stats, b: Stats) -> Stats:
    """Combine the statistics of two disjoint samples."""
    na, ma, m2a = a
    nb, mb, m2b = b
    n = na + nb
    if n == 0:
        return 0, float("nan"), 0.0
    if na == 0:
        return b
    if nb == 0:
        return a
    delta = mb - ma
    mean = ma + delta * nb / n
    return n, mean, m2a + m2b + delta * delta * na * nb / n


def run_experiment(
    experiment: str,
    eco: Ecosystem,
    params: dict[str, Any],
    *,
    cell_seed: np.random.SeedSequence,
    batch_seed: np.random.SeedSequence,
    runs: int,
) -> dict[str, Stats]:
    """Run ``runs`` runs of ``experiment`` and return per-metric statistics.

    Seed sets are drawn from ``cell_seed`` (the same for every batch of a
    cell); the runs from ``batch_seed``.
    """
    params = dict(params)
    if experiment == "simulate":
        from graphmodel.propagation.simulate import simulate
        from graphmodel.seedsets import resolve_seeds

        layers = eco.csr(params.get("layers")).layers
        if isinstance(params.get("prob"), dict):
            # A grid may vary the layers: probabilities of layers not simulated in this cell are unused.
            params["prob"] = {k: v for k, v in params["prob"].items() if k in layers}
        nodes = resolve_seeds(eco, params.pop("seeds", "random:50"), seed=cell_seed, layers=layers)
        params.setdefault("regime_check", False)  # a cell records runs only; the regime is not merged
        res = simulate(eco, seeds=nodes, runs=runs, seed=batch_seed, workers=1, **params)
        out: dict[str, Stats] = {}
        d = res.to_dict()
        _collect({k: d[k] for k in ("spread", "merchants", "by_layer")}, "", out)
        return out
    if experiment == "compare":
        from graphmodel.experiments.campaign import campaign_seeds, make_campaign
        from graphmodel.experiments.compare import compare
        from graphmodel.experiments.intent import IntentModel

        if isinstance(params.get("intent"), dict):  # [params] "intent.conversion.payment" = 0.2 and friends
            try:
                params["intent"] = IntentModel(**params["intent"])
            except TypeError as exc:
                raise InputError(f"bad intent model parameters: {exc}", field="intent") from None
        camp = make_campaign(eco, params.get("campaign"), price=params.get("price"))
        nodes = campaign_seeds(eco, camp, params.pop("seeds", "random:50"), seed=cell_seed)
        params.setdefault("breakeven", False)  # per-batch break-even searches do not merge across batches
        res = compare(eco, seeds=nodes, runs=runs, seed=batch_seed, workers=1, **params)
        out = {}
        d = res.to_dict()
        _collect({"scenarios": d["scenarios"], "paired": d.get("paired", {})}, "", out)
        return out
    if experiment == "compete":
        from graphmodel.competition.compete import compete, contest_seeds
        from graphmodel.competition.platform import Platform, parse_platform

        specs = params.pop("platforms", None)
        if not isinstance(specs, list) or len(specs) < 1:
            raise InputError(
                "a compete study needs params.platforms: a list of platform strings", field="params.platforms"
            )
        parsed = [parse_platform(spec) for spec in specs]
        # Seed sets are a property of the cell, not of the batch: resolve them once, as typed ids.
        opts = {k: params[k] for k in ("tie", "switching", "multihoming", "merchant_carry") if k in params}
        nodes, _ = contest_seeds(eco, parsed, seed=cell_seed, workers=1, **opts)
        plats = [
            Platform(p.name, seeds=",".join(eco.node_ids(s)), layers=p.layers, strength=p.strength)
            for p, s in zip(parsed, nodes)
        ]
        params.setdefault("regime_check", False)
        res = compete(eco, platforms=plats, runs=runs, seed=batch_seed, workers=1, **params)
        out = {}
        d = res.to_dict()
        _collect(
            {"platforms": {k: {m: v[m] for m in ("users", "merchants", "gmv")} for k, v in d["platforms"].items()}},
            "",
            out,
        )
        return out
    raise InputError(f"unknown experiment {experiment!r}", field="study.experiment")
