"""Exact spreads on tiny graphs by enumerating live-edge worlds (test helper for the seeding tests).

IC: every arc is live independently with its probability. LT: every node
keeps at most one incoming arc, arc ``a`` with probability ``w_a`` (Kempe,
Kleinberg, Tardos 2003: the live-edge view of LT). For each world we store,
per node, the bitmask of nodes it reaches; the spread of ``S`` is the
probability-weighted mean of the weighted popcount of the union of masks.
"""

from __future__ import annotations

import itertools

import numpy as np


def _reach_masks(n: int, live: list[tuple[int, int]]) -> list[int]:
    out_adj: list[list[int]] = [[] for _ in range(n)]
    for t, h in live:
        out_adj[t].append(h)
    masks = []
    for s in range(n):
        seen = 1 << s
        stack = [s]
        while stack:
            v = stack.pop()
            for w in out_adj[v]:
                if not (seen >> w) & 1:
                    seen |= 1 << w
                    stack.append(w)
        masks.append(seen)
    return masks


class ExactSpread:
    """Exact (weighted) spread of any seed set on a graph given by forward arcs."""

    def __init__(self, indptr, indices, prob, *, model: str, n_users: int, weights=None) -> None:
        n = len(indptr) - 1
        tails = np.repeat(np.arange(n), np.diff(indptr))
        arcs = list(zip(tails.tolist(), np.asarray(indices).tolist(), np.asarray(prob, dtype=float).tolist()))
        self.n, self.n_users = n, n_users
        self.weights = np.ones(n_users) if weights is None else np.asarray(weights, dtype=float)
        worlds: list[tuple[float, list[int]]] = []
        if model == "ic":
            assert len(arcs) <= 14
            for bits in itertools.product((0, 1), repeat=len(arcs)):
                p = 1.0
                live = []
                for b, (t, h, q) in zip(bits, arcs):
                    p *= q if b else 1.0 - q
                    if b:
                        live.append((t, h))
                if p > 0:
                    worlds.append((p, _reach_masks(n, live)))
        else:
            into: list[list[tuple[int, float]]] = [[] for _ in range(n)]
            for t, h, q in arcs:
                into[h].append((t, q))
            options = []
            for h in range(n):
                opts = [(None, 1.0 - sum(q for _, q in into[h]))] + [(t, q) for t, q in into[h]]
                options.append([(t, q) for t, q in opts if q > 1e-15])
            for choice in itertools.product(*options):
                p = 1.0
                live = []
                for h, (t, q) in enumerate(choice):
                    p *= q
                    if t is not None:
                        live.append((t, h))
                worlds.append((p, _reach_masks(n, live)))
        self.p = np.array([w[0] for w in worlds])
        # reach[w, s, u]: in world w, node s reaches user u
        bits = np.array([w[1] for w in worlds], dtype=np.int64)
        self.reach = ((bits[:, :, None] >> np.arange(n_users)[None, None, :]) & 1).astype(bool)
        self._cache: dict[tuple[int, ...], float] = {}

    def __call__(self, nodes) -> float:
        key = tuple(sorted(int(v) for v in nodes))
        if not key:
            return 0.0
        if key not in self._cache:
            hit = self.reach[:, list(key), :].any(axis=1)
            self._cache[key] = float(self.p @ (hit @ self.weights))
        return self._cache[key]

    def optimum(self, k: int, candidates) -> float:
        return max(self(c) for c in itertools.combinations(candidates, k))
