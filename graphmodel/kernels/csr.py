"""Compiled helpers over CSR arrays shared by kernels of several packages."""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["transpose"]


@njit(cache=True)
def transpose(indptr, indices, prob):
    """Reverse every arc: a counting sort by head, O(n + m); keeps the order of tails (values keep their dtype)."""
    n = indptr.shape[0] - 1
    m = indices.shape[0]
    rptr = np.zeros(n + 1, np.int64)
    for j in range(m):
        rptr[indices[j] + 1] += 1
    for v in range(n):
        rptr[v + 1] += rptr[v]
    fill = rptr[:-1].copy()
    rind = np.empty(m, np.int32)
    rprob = np.empty(m, prob.dtype)
    for u in range(n):
        for j in range(indptr[u], indptr[u + 1]):
            w = indices[j]
            x = fill[w]
            rind[x] = u
            rprob[x] = prob[j]
            fill[w] = x + 1
    return rptr, rind, rprob
