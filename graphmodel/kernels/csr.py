"""Compiled helpers over CSR arrays shared by kernels of several packages."""

from __future__ import annotations

from collections import namedtuple

import numpy as np
from numba import njit

__all__ = ["transpose", "CoCustomers", "cocustomer_links"]

#: Who paid where and when, both ways, as CSR: ``m_*`` a user's merchants with the first payment time there
#: (``m_merchant[m_ptr[u]:m_ptr[u+1]]``), ``b_*`` a merchant's customers with theirs; the co-customer
#: arrays of :func:`cocustomer_links`, one tuple so that two of the six cannot be swapped unnoticed.
CoCustomers = namedtuple("CoCustomers", ["m_ptr", "m_merchant", "m_time", "b_ptr", "b_user", "b_time"])


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


@njit(cache=True, inline="always")
def cocustomer_links(u, cc, link, linked, never):
    """Co-customers of ``u`` and when each became linked to ``u``; returns their count ``nl``.

    ``cc`` is a :data:`CoCustomers`: ``m_ptr/m_merchant/m_time`` each user's merchants and first payment
    time there, ``b_ptr/b_user/b_time`` each merchant's customers and their first payment time. Two users are
    linked through a shared merchant from the later of their first payments there, and overall from
    the earliest such time. Writes ``linked[:nl]`` and ``link[v]`` for each of them; ``link`` must
    hold ``never`` elsewhere, and the caller resets ``link[linked[:nl]]`` to ``never`` after use.
    Used by the conversion estimate (:mod:`graphmodel.signals`) and the fit (:mod:`graphmodel.fitting`),
    so both define a co-customer exposure the same way.
    """
    m_ptr, m_merchant, m_time, b_ptr, b_user, b_time = cc
    nl = 0
    for a in range(m_ptr[u], m_ptr[u + 1]):
        mm = m_merchant[a]
        tu = m_time[a]
        for bb in range(b_ptr[mm], b_ptr[mm + 1]):
            v = b_user[bb]
            if v == u:
                continue
            lt = b_time[bb] if b_time[bb] > tu else tu
            if link[v] == never:
                linked[nl] = v
                nl += 1
            if lt < link[v]:
                link[v] = lt
    return nl
