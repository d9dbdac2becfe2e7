"""Per-user ranking metrics, bootstrap intervals over users, and paired comparisons.

For one test user with candidate set ``C``, held-out purchases ``P ⊂ C`` and
negatives ``N = C \\ P``:

* ``auc``: probability that a random positive outscores a random negative
  (ties count 1/2) -- the Mann-Whitney statistic;
* ``recall@k``: positives in the top ``k`` divided by ``min(k, |P|)`` (so a
  perfect ranking scores 1);
* ``ndcg@k``: DCG of the top ``k`` (gain 1 per positive, discount
  ``1/log2(rank+1)``) divided by the ideal DCG.

Ties are resolved by their *expectation* under a uniformly random order of the
tied candidates, so a scorer that gives thousands of merchants the same score
(popular in a category, say) is neither flattered nor punished by an arbitrary
tie-break.

Intervals are percentile bootstraps over test users; every scorer and every
paired difference uses the same resamples, so differences are paired.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from graphmodel._seed import SeedLike, as_generator
from graphmodel.signals._kernels import rank_metrics_kernel

__all__ = ["METRICS", "rank_metrics", "rank_metrics_reference", "bootstrap_indices", "summarize", "paired_difference"]


def METRICS(k: int) -> tuple[str, str, str]:  # noqa: N802 - a constant parameterised by k
    """Metric names for cut-off ``k``: ``("auc", "recall@k", "ndcg@k")``."""
    return ("auc", f"recall@{k}", f"ndcg@{k}")


def rank_metrics(scores: np.ndarray, cand: np.ndarray, pos: np.ndarray, *, k: int = 10) -> np.ndarray:
    """Per-row ``(auc, recall@k, ndcg@k, n_pos, n_neg)`` for a batch of users.

    Parameters
    ----------
    scores
        ``(users, columns)`` float scores (higher = more likely to be bought).
    cand, pos
        Boolean masks of the same shape: candidates, and held-out purchases
        (only ``pos & cand`` count).
    k
        Cut-off for recall and NDCG.

    Returns
    -------
    ndarray of shape ``(users, 5)``; metrics are NaN for a user with no
    positive (AUC also when there is no negative).

    Examples
    --------
    >>> import numpy as np
    >>> s = np.array([[0.9, 0.1, 0.5, 0.5]])
    >>> c = np.ones_like(s, dtype=bool); p = np.array([[True, False, True, False]])
    >>> rank_metrics(s, c, p, k=2)[0, :3].round(4).tolist()
    [0.875, 0.75, 0.8066]
    """
    if k < 1:
        raise ValueError("k must be >= 1")
    scores = np.ascontiguousarray(scores, dtype=np.float64)
    cand = np.ascontiguousarray(cand, dtype=np.bool_)
    pos = np.ascontiguousarray(pos & cand, dtype=np.bool_)
    out = np.empty((scores.shape[0], 5))
    if scores.shape[0]:
        rank_metrics_kernel(scores, cand, pos, int(k), out)
    return out


def rank_metrics_reference(scores: np.ndarray, cand: np.ndarray, pos: np.ndarray, *, k: int = 10) -> np.ndarray:
    """Pure-Python reference of :func:`rank_metrics` by brute force (for tests; slow)."""
    out = np.full((scores.shape[0], 5), np.nan)
    disc = [1.0 / math.log2(r + 1) for r in range(1, k + 1)]
    for r in range(scores.shape[0]):
        s = scores[r][cand[r]]
        p = (pos[r] & cand[r])[cand[r]]
        P, N = s[p], s[~p]
        out[r, 3], out[r, 4] = len(P), len(N)
        if len(P) == 0:
            continue
        if len(N):
            out[r, 0] = sum((1.0 if a > b else 0.5 if a == b else 0.0) for a in P for b in N) / (len(P) * len(N))
        hits = dcg = 0.0
        for a in P:
            g = int((s > a).sum())
            e = int((s == a).sum())
            for rank in range(g + 1, g + e + 1):  # each tied rank with probability 1/e
                if rank <= k:
                    hits += 1.0 / e
                    dcg += disc[rank - 1] / e
        kk = min(k, len(P))
        out[r, 1] = hits / kk
        out[r, 2] = dcg / sum(disc[:kk])
    return out


def bootstrap_indices(n: int, *, n_boot: int = 1000, seed: SeedLike = None) -> np.ndarray:
    """``(n_boot, n)`` user indices drawn with replacement (shared by every scorer)."""
    rng = as_generator(seed)
    if n == 0:
        return np.zeros((n_boot, 0), dtype=np.int64)
    return rng.integers(0, n, size=(n_boot, n))


def _nan_none(x: float) -> float | None:
    return None if not np.isfinite(x) else float(x)


def summarize(values: np.ndarray, idx: np.ndarray) -> dict[str, Any]:
    """``{mean, ci95, n}``: mean over users and the 2.5/97.5% bootstrap percentiles."""
    values = np.asarray(values, dtype=np.float64)
    n = int(values.size)
    if n == 0:
        return {"mean": None, "ci95": [None, None], "n": 0}
    boots = values[idx].mean(axis=1)
    lo, hi = np.percentile(boots, [2.5, 97.5])
    return {"mean": _nan_none(values.mean()), "ci95": [_nan_none(lo), _nan_none(hi)], "n": n}


def paired_difference(a: np.ndarray, b: np.ndarray, idx: np.ndarray) -> dict[str, Any]:
    """Mean per-user difference ``a - b`` with its bootstrap interval and a two-sided bootstrap p-value.

    The p-value is ``2 * min(P(diff* <= 0), P(diff* >= 0))`` over the resamples
    (bounded below by ``1/n_boot``).
    """
    d = np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64)
    out = summarize(d, idx)
    if d.size == 0:
        out["p_value"] = None
        return out
    boots = d[idx].mean(axis=1)
    nb = boots.size
    p = 2.0 * min((boots <= 0).mean(), (boots >= 0).mean())
    out["p_value"] = float(min(1.0, max(p, 1.0 / nb)))
    return out
