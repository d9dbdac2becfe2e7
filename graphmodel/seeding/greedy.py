"""Lazy greedy (CELF) for any monotone set function, with a cardinality or a budget.

CELF (Leskovec, Krause, Guestrin, Faloutsos, VanBriesen, Glance, "Cost-effective
outbreak detection in networks", KDD 2007) keeps each candidate's last
marginal gain in a priority queue; by submodularity a stale gain is an upper
bound, so only the top of the queue is re-evaluated. With costs and a budget
it runs twice, ranking by gain and by gain per unit cost, and keeps the
better set: that is a ``(1 - 1/e) / 2`` approximation of the budgeted problem
(same paper, after Khuller, Moss and Naor, "The budgeted maximum coverage
problem", 1999); with a cardinality ``k`` it is the classic ``1 - 1/e`` greedy
(Nemhauser, Wolsey, Fisher 1978).

:func:`celf` works on any set function; :func:`mc_objective` builds one from
Monte Carlo cascades of the propagation core (common random numbers: every
evaluation uses the same runs, so differences between sets are paired and
the lazy bounds stay consistent). That is the exact-greedy baseline; it costs
``runs`` cascades per evaluation, so it is meant for small graphs.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from graphmodel.propagation.engine import PropagationGraph

__all__ = ["celf", "GreedyResult", "mc_objective", "cost_aware_celf"]

#: Guarantee of the better of the unit-cost and cost-ratio greedy under a budget.
BUDGET_RATIO = 0.5 * (1.0 - 1.0 / np.e)


@dataclass(frozen=True)
class GreedyResult:
    nodes: np.ndarray
    gains: np.ndarray
    value: float
    evaluations: int
    rule: str


def celf(
    f: Callable[[Sequence[int]], float],
    candidates: Sequence[int],
    *,
    k: int | None = None,
    cost: np.ndarray | None = None,
    budget: float | None = None,
    by_ratio: bool = False,
    progress: Callable[[Any], None] | None = None,
) -> GreedyResult:
    """Lazy greedy maximisation of ``f`` over ``candidates``.

    Stops after ``k`` picks, or when nothing left fits the ``budget``
    (``cost[v]`` per node). ``by_ratio`` ranks by gain per unit cost. Ties go
    to the lowest node number. ``progress`` receives a
    :class:`~graphmodel.seeding.progress.SeedProgress` after each first
    evaluation (``unit="evaluations"``) and each pick (``unit="picks"``).

    Examples
    --------
    >>> cover = {0: {1, 2}, 1: {2}, 2: {3, 4, 5}}
    >>> f = lambda s: float(len(set().union(*(cover[v] for v in s))))
    >>> r = celf(f, [0, 1, 2], k=2)
    >>> r.nodes.tolist(), r.gains.tolist()
    ([2, 0], [3.0, 2.0])
    """
    chosen: list[int] = []
    gains: list[float] = []
    base = float(f([]))
    evals = 1
    left = float(budget) if budget is not None else float("inf")
    limit = int(k) if k is not None else len(candidates)

    def c(v: int) -> float:
        return float(cost[v]) if cost is not None else 1.0

    heap: list[tuple[float, int, int, float]] = []
    report = None
    if progress is not None:
        from graphmodel.seeding.progress import SeedProgress

        def report(done: int, total: int, unit: str) -> None:
            progress(SeedProgress("celf", done, total, unit))

    n_cand = len(candidates)
    step = max(1, n_cand // 200)
    for j, v in enumerate(candidates):
        g = float(f([v])) - base
        evals += 1
        if report is not None and ((j + 1) % step == 0 or j + 1 == n_cand):
            report(j + 1, n_cand, "evaluations")
        score = g / c(v) if by_ratio else g
        heap.append((-score, int(v), 0, g))
    heapq.heapify(heap)
    value = base
    while heap and len(chosen) < limit:
        neg, v, stamp, g = heapq.heappop(heap)
        if c(v) > left + 1e-12:
            continue  # the budget only shrinks: never affordable again
        if stamp == len(chosen):
            chosen.append(v)
            gains.append(g)
            value += g
            left -= c(v)
            if report is not None:
                report(len(chosen), min(limit, n_cand), "picks")
            continue
        new = float(f(chosen + [v]))
        evals += 1
        g = new - value
        score = g / c(v) if by_ratio else g
        heapq.heappush(heap, (-score, v, len(chosen), g))
    return GreedyResult(
        np.asarray(chosen, dtype=np.int64), np.asarray(gains), value, evals, "ratio" if by_ratio else "gain"
    )


def cost_aware_celf(
    f: Callable[[Sequence[int]], float],
    candidates: Sequence[int],
    *,
    k: int | None = None,
    cost: np.ndarray | None = None,
    budget: float | None = None,
    progress: Callable[[Any], None] | None = None,
) -> GreedyResult:
    """:func:`celf` with ``k``; under a budget the better of the unit-cost and cost-ratio runs."""
    if cost is None:
        return celf(f, candidates, k=k, progress=progress)
    a = celf(f, candidates, cost=cost, budget=budget, by_ratio=False, progress=progress)
    b = celf(f, candidates, cost=cost, budget=budget, by_ratio=True, progress=progress)
    best = b if b.value > a.value else a
    rule = "cost-ratio greedy" if best is b else "unit-cost greedy"
    return GreedyResult(best.nodes, best.gains, best.value, a.evaluations + b.evaluations, rule)


def mc_objective(
    graph: PropagationGraph, *, model: str, key: int, runs: int, weights: np.ndarray | None, workers: int | None = None
):
    """``f(nodes)``: mean weighted number of users reached over ``runs`` fixed cascades.

    ``graph`` is a :class:`graphmodel.propagation.engine.PropagationGraph`;
    ``weights`` per user (``None``: every user counts 1, seeds included).
    """
    from graphmodel.propagation.engine import run_batch

    nu = graph.n_users
    cache: dict[tuple[int, ...], float] = {}

    def f(nodes: Sequence[int]) -> float:
        key_ = tuple(sorted(int(v) for v in nodes))
        if not key_:
            return 0.0
        if key_ in cache:
            return cache[key_]
        raw = run_batch(
            graph, np.asarray(key_, dtype=np.int64), model=model, key=key, runs=runs, workers=workers, curve_len=1
        )
        counts = raw.node_counts[:nu].astype(np.float64)
        val = float((counts if weights is None else counts * weights).sum() / runs)
        cache[key_] = val
        return val

    return f
