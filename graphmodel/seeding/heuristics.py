"""Seed-selection heuristics: degree, PageRank, degree discount, random.

They take the forward arcs (``indptr``, ``indices``, per-arc ``prob``: arc
``u -> v`` means ``u`` can activate ``v``), a candidate mask and either ``k``
or per-node ``cost`` with a ``budget``, and return nodes in pick order. Under
a budget a heuristic walks its ranking and takes every node still affordable.
Ties go to the lowest node number.
"""

from __future__ import annotations

import numpy as np

from graphmodel._seed import SeedLike, as_generator

__all__ = ["HEURISTICS", "degree", "pagerank", "degree_discount", "random_seeds", "take_in_order"]

HEURISTICS: tuple[str, ...] = ("degree", "pagerank", "degree-discount", "random")


def take_in_order(
    order: np.ndarray, *, cand: np.ndarray, k: int | None, cost: np.ndarray | None, budget: float | None
) -> np.ndarray:
    """The first nodes of ``order`` that are candidates and fit ``k`` or the budget."""
    order = np.asarray(order, dtype=np.int64)
    order = order[cand[order]]
    if cost is None:
        return order[: int(k)]
    picks = []
    left = float(budget)
    for v in order.tolist():
        c = float(cost[v])
        if c <= left + 1e-12:
            picks.append(v)
            left -= c
    return np.asarray(picks, dtype=np.int64)


def _rank(score: np.ndarray) -> np.ndarray:
    """Nodes by decreasing score, ties by increasing node number."""
    return np.lexsort((np.arange(score.shape[0]), -score))


def degree(
    indptr: np.ndarray, indices: np.ndarray, prob: np.ndarray, *, cand, k=None, cost=None, budget=None
) -> np.ndarray:
    """Largest out-degree (number of arcs a node can transmit on) first."""
    return take_in_order(_rank(np.diff(indptr).astype(np.float64)), cand=cand, k=k, cost=cost, budget=budget)


def pagerank(
    indptr: np.ndarray,
    indices: np.ndarray,
    prob: np.ndarray,
    *,
    cand,
    k=None,
    cost=None,
    budget=None,
    damping: float = 0.85,
) -> np.ndarray:
    """Largest PageRank of the *reversed* graph first (igraph), arcs weighted by probability.

    Reversing makes rank flow from those influenced to those who influence
    them, so a node scores high when many (well-placed) nodes listen to it.
    """
    import igraph

    n = indptr.shape[0] - 1
    tails = np.repeat(np.arange(n, dtype=np.int64), np.diff(indptr))
    edges = np.column_stack([indices.astype(np.int64), tails])
    g = igraph.Graph(n=n, edges=edges, directed=True)
    w = np.asarray(prob, dtype=np.float64)
    weights = w.tolist() if w.size and (w > 0).any() and not np.all(w == w[0]) else None
    pr = np.asarray(g.pagerank(damping=damping, weights=weights, directed=True))
    return take_in_order(_rank(pr), cand=cand, k=k, cost=cost, budget=budget)


def degree_discount(
    indptr: np.ndarray,
    indices: np.ndarray,
    prob: np.ndarray,
    *,
    cand,
    k=None,
    cost=None,
    budget=None,
    p: float | None = None,
) -> np.ndarray:
    """DegreeDiscountIC of Chen, Wang and Yang (KDD 2009).

    ``dd(v) = d(v) - 2 t(v) - (d(v) - t(v)) t(v) p`` where ``d`` is the
    out-degree, ``t(v)`` the number of seeds with an arc into ``v`` and ``p``
    the (mean) arc probability. Under a budget, nodes not affordable are
    skipped.
    """
    n = indptr.shape[0] - 1
    d = np.diff(indptr).astype(np.float64)
    if p is None:
        p = float(np.mean(prob)) if len(prob) else 0.0
    t = np.zeros(n)
    dd = d.copy()
    avail = np.asarray(cand, dtype=bool).copy()
    left = float(budget) if cost is not None else float("inf")
    limit = int(k) if cost is None else n
    picks: list[int] = []
    neg = -np.inf
    while len(picks) < limit:
        score = np.where(avail, dd, neg)
        if cost is not None:
            score = np.where(cost <= left + 1e-12, score, neg)
        v = int(np.argmax(score))
        if score[v] == neg:
            break
        picks.append(v)
        avail[v] = False
        if cost is not None:
            left -= float(cost[v])
        nb = indices[indptr[v] : indptr[v + 1]]
        np.add.at(t, nb, 1.0)
        u = np.unique(nb)
        dd[u] = d[u] - 2 * t[u] - (d[u] - t[u]) * t[u] * p
    return np.asarray(picks, dtype=np.int64)


def random_seeds(
    indptr: np.ndarray,
    indices: np.ndarray,
    prob: np.ndarray,
    *,
    cand,
    k=None,
    cost=None,
    budget=None,
    seed: SeedLike = None,
) -> np.ndarray:
    """Candidates in a uniformly random order."""
    rng = as_generator(seed)
    order = rng.permutation(np.flatnonzero(cand))
    return take_in_order(order, cand=cand, k=k, cost=cost, budget=budget)
