"""Social layer: heavy-tailed degrees, communities nested in cities, triadic closure.

Recipe (all vectorised):

1. every user gets an expected degree ``w`` from a Pareto law with tail
   exponent ``degree_exponent - 1`` (so degrees follow ``k^-gamma``);
2. base ties (Chung-Lu style): one end drawn in proportion to ``w`` over all
   users, the other in proportion to ``w`` inside the same community, the same
   city (``inter_community_share``) or anywhere (``inter_city_share``);
3. triadic closure: pick random wedges (a tie, then another friend of its
   first end) and close them, a ``triadic_closure`` share of all ties;
4. duplicates and self-loops are removed, and the shortfall they leave is
   drawn again (up to 4 rounds), so the mean degree is close to
   ``mean_degree``; ``weight`` is log-normal, times ``weak_tie_weight`` for
   ties that leave the community.
"""

from __future__ import annotations

import numpy as np

from graphmodel.generator.params import GenerateParams
from graphmodel.generator.users import Users

__all__ = ["make_social"]

#: Rounds of drawing again for ties lost to duplicates and self-loops.
_ROUNDS = 4


def _keys(a: np.ndarray, b: np.ndarray, n: int) -> np.ndarray:
    """Sorted unique keys ``lo * n + hi`` (``lo < hi``) of undirected ties, self-loops dropped."""
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    keep = lo != hi
    return _unique(lo[keep] * np.int64(n) + hi[keep])


def _unique(x: np.ndarray) -> np.ndarray:
    """Sorted unique values by sorting (numpy's hash-based ``unique`` is several times slower here)."""
    x = np.sort(x)
    return x[np.concatenate([[True], x[1:] != x[:-1]])] if len(x) else x


def _merge(keys: np.ndarray, new: np.ndarray) -> np.ndarray:
    """Union of two sorted unique arrays in linear time (no re-sort of ``keys``)."""
    if not len(keys):
        return new
    pos = np.searchsorted(keys, new)
    dup = keys[np.minimum(pos, len(keys) - 1)] == new
    return np.insert(keys, pos[~dup], new[~dup])


def _top_up(draw, n: int, keys: np.ndarray | None = None, rounds: int = _ROUNDS) -> np.ndarray:
    """``keys`` plus about ``n`` new unique keys from ``draw(k)``, drawing again for duplicates and self-loops."""
    keys = np.zeros(0, np.int64) if keys is None else keys
    target = len(keys) + n
    ask = n
    for _ in range(rounds):
        if ask <= 0:
            break
        before = len(keys)
        keys = _merge(keys, draw(ask))
        gained = len(keys) - before
        short = target - len(keys)
        if short <= 0.01 * n or gained <= 0:
            break
        ask = int(np.ceil(short * ask / gained))
    return keys


def _draw_in_ranges(cw: np.ndarray, start: np.ndarray, end: np.ndarray, r: np.ndarray) -> np.ndarray:
    """Row in ``[start, end)`` drawn in proportion to weights whose exclusive cumsum is ``cw``."""
    x = cw[start] + r * (cw[end] - cw[start])
    pos = np.searchsorted(cw, x, side="right") - 1
    return np.clip(pos, start, end - 1)


def make_social(p: GenerateParams, users: Users, rng: np.random.Generator) -> dict[str, np.ndarray]:
    U = p.users
    a = p.degree_exponent - 1.0
    target = p.mean_degree * U / 2.0
    n_base = int(rng.poisson(target * (1.0 - p.triadic_closure)))
    n_close = int(rng.poisson(target * p.triadic_closure))
    xm = (a - 1.0) / a
    w = xm * (1.0 + rng.pareto(a, size=U))  # mean 1; only relative values matter
    cw = np.concatenate([[0.0], np.cumsum(w)])

    def base(n: int) -> np.ndarray:
        # Sorted uniforms: the first ends come out sorted, so the lookups below walk memory in order.
        one = _draw_in_ranges(cw, np.zeros(n, np.int64), np.full(n, U, np.int64), np.sort(rng.random(n)))
        u = rng.random(n)
        start = np.zeros(n, np.int64)
        end = np.full(n, U, np.int64)
        intra = u >= p.inter_community_share + p.inter_city_share
        same_city = ~intra & (u >= p.inter_city_share)
        comm = users.community[one[intra]]
        start[intra], end[intra] = users.community_start[comm], users.community_start[comm + 1]
        cty = users.city[one[same_city]]
        start[same_city], end[same_city] = users.city_start[cty], users.city_start[cty + 1]
        return _keys(one, _draw_in_ranges(cw, start, end, rng.random(n)), U)

    keys = _top_up(base, n_base)
    if n_close and len(keys):
        lo, hi = keys // U, keys % U
        # Arcs both ways grouped by tail: a wedge is an arc (v, a) plus another arc (v, b).
        tail = np.concatenate([lo, hi])
        head = np.concatenate([hi, lo])
        order = np.argsort(tail, kind="stable")
        tail, head = tail[order], head[order]
        indptr = np.concatenate([[0], np.cumsum(np.bincount(tail, minlength=U))])
        del lo, hi, order

        def close(n: int) -> np.ndarray:
            pick = rng.integers(0, len(tail), size=n)
            v = tail[pick]
            other = head[indptr[v] + (rng.random(n) * (indptr[v + 1] - indptr[v])).astype(np.int64)]
            return _keys(head[pick], other, U)

        keys = _top_up(close, n_close, keys)
        del tail, head, indptr
    lo, hi = keys // U, keys % U

    weight = np.exp(p.tie_weight_sigma * rng.standard_normal(len(lo)))
    weight[users.community[lo] != users.community[hi]] *= p.weak_tie_weight
    return {"src": lo, "dst": hi, "weight": weight}
