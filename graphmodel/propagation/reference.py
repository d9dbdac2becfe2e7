"""Pure-Python reference implementations, simple and obviously correct; tests check the kernels against them.

Nothing here is fast. The adjacency is rebuilt from the ecosystem's edge
tables (not from the CSR the kernels use), probabilities are computed here
again (numbers and ``"wc"`` only), and coins come from a numpy Generator.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from graphmodel.ecosystem import Ecosystem

__all__ = ["arcs_of", "reference_runs", "exact_ic_spread", "exact_lt_spread"]


def arcs_of(
    eco: Ecosystem, layers: Sequence[str], prob: Mapping[str, float | str]
) -> list[tuple[int, int, str, float]]:
    """Arcs ``(tail, head, layer, probability)`` over ``layers`` in global numbering."""
    U = eco.n_users
    arcs: list[tuple[int, int, str]] = []
    for layer in layers:
        t = eco.edges(layer)
        for s, d in zip(t["src"].tolist(), t["dst"].tolist()):
            if layer == "payment":
                arcs.append((s, U + d, layer))
                arcs.append((U + d, s, layer))
            else:
                arcs.append((s, d, layer))
                if layer == "social" and not eco.is_directed("social"):
                    arcs.append((d, s, layer))
    indeg: dict[int, int] = {}
    for _, h, _ in arcs:
        indeg[h] = indeg.get(h, 0) + 1
    out = []
    for t_, h, layer in arcs:
        p = prob[layer]
        out.append((t_, h, layer, 1.0 / indeg[h] if p == "wc" else float(p)))
    return out


def _one_run(
    n: int, U: int, arcs: list, seeds: Sequence[int], model: str, rng: np.random.Generator, recovery: float
) -> tuple[int, int, dict[str, int]]:
    out_arcs: dict[int, list] = {}
    for a in arcs:
        out_arcs.setdefault(a[0], []).append(a)
    active = set(seeds)
    via = {s: "seed" for s in seeds}
    if model == "lt":
        theta = {v: 1.0 - rng.random() for v in range(n)}
        acc = {v: 0.0 for v in range(n)}
    frontier = list(dict.fromkeys(seeds))
    while frontier:
        new = []
        for v in frontier:
            for _, h, layer, p in out_arcs.get(v, []):
                if h in active:
                    continue
                if model == "lt":
                    acc[h] += p
                    hit = acc[h] >= theta[h]
                else:
                    hit = rng.random() < p
                if hit:
                    active.add(h)
                    via[h] = layer
                    new.append(h)
        if model == "sir":
            new += [v for v in frontier if rng.random() >= recovery]
        frontier = new
    counts: dict[str, int] = {}
    for v in active:
        if v < U:
            counts[via[v]] = counts.get(via[v], 0) + 1
    return sum(1 for v in active if v < U), sum(1 for v in active if v >= U), counts


def reference_runs(
    eco: Ecosystem,
    *,
    model: str = "ic",
    layers: Sequence[str],
    prob: Mapping[str, float | str],
    seeds: Sequence[int],
    runs: int,
    seed: int = 0,
    recovery: float = 1.0,
) -> dict[str, np.ndarray]:
    """Per-run users reached, merchants reached and users per activating layer."""
    rng = np.random.default_rng(seed)
    arcs = arcs_of(eco, layers, prob)
    if model == "lt":  # normalise incoming weights that sum to more than 1, as the kernel does
        tot: dict[int, float] = {}
        for _, h, _, p in arcs:
            tot[h] = tot.get(h, 0.0) + p
        arcs = [(t, h, la, p / tot[h] if tot[h] > 1.0 + 1e-12 else p) for t, h, la, p in arcs]
    users, merchants = np.zeros(runs), np.zeros(runs)
    by_layer = {k: np.zeros(runs) for k in ["seed", *layers]}
    for r in range(runs):
        u, m, c = _one_run(eco.n_nodes, eco.n_users, arcs, list(seeds), model, rng, recovery)
        users[r], merchants[r] = u, m
        for k, v in c.items():
            by_layer[k][r] = v
    return {"users": users, "merchants": merchants, **{f"layer:{k}": v for k, v in by_layer.items()}}


def _reach(n: int, live: list[tuple[int, int]], seeds: Sequence[int]) -> set[int]:
    adj: dict[int, list[int]] = {}
    for t, h in live:
        adj.setdefault(t, []).append(h)
    seen = set(seeds)
    stack = list(seeds)
    while stack:
        v = stack.pop()
        for h in adj.get(v, []):
            if h not in seen:
                seen.add(h)
                stack.append(h)
    return seen


def exact_ic_spread(arcs: list[tuple[int, int, Any, float]], seeds: Sequence[int], *, n_users: int) -> float:
    """Expected users reached under IC, by enumerating all 2^m live-edge worlds."""
    total = 0.0
    for world in itertools.product((False, True), repeat=len(arcs)):
        w = 1.0
        live = []
        for on, (t, h, _, p) in zip(world, arcs):
            w *= p if on else 1.0 - p
            if on:
                live.append((t, h))
        if w:
            total += w * sum(1 for v in _reach(0, live, seeds) if v < n_users)
    return total


def exact_lt_spread(arcs: list[tuple[int, int, Any, float]], seeds: Sequence[int], *, n_users: int, n: int) -> float:
    """Expected users reached under LT: each node keeps at most one in-arc, arc with probability = weight."""
    incoming: dict[int, list[tuple[int, float]]] = {v: [] for v in range(n)}
    for t, h, _, p in arcs:
        incoming[h].append((t, p))
    choices = []
    for v in range(n):
        opts = [(None, 1.0 - sum(p for _, p in incoming[v]))] + [(t, p) for t, p in incoming[v]]
        choices.append([(v, t, p) for t, p in opts if p > 0])
    total = 0.0
    for world in itertools.product(*choices):
        w = 1.0
        live = []
        for v, t, p in world:
            w *= p
            if t is not None:
                live.append((t, v))
        total += w * sum(1 for v in _reach(n, live, seeds) if v < n_users)
    return total
