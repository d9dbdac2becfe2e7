"""Compiled helpers over CSR arrays shared by kernels of several packages."""

from __future__ import annotations

from collections import namedtuple

import numpy as np
from numba import njit

from graphmodel.kernels.coins import arc_key

__all__ = ["CascadeGraph", "CoCustomers", "transpose", "grouped_structure", "cocustomer_links"]

#: The layered CSR arrays a cascade-like kernel reads (the propagation and intent kernels), as one
#: named argument: ``lptr`` (n, L+1) layer offsets of each node's arcs, ``indices`` (m,) int32 heads,
#: ``arc_key`` (m,) uint64 arc-coin keys, ``prob`` (m,) float64 per-arc probability (LT: weight), ``seg_p`` (L,)
#: uniform probability of a layer (-1: per-arc), ``seg_key`` (L,) uint64 skip-stream keys (see
#: :class:`graphmodel.propagation.PropagationGraph`).
CascadeGraph = namedtuple("CascadeGraph", ["lptr", "indices", "arc_key", "prob", "seg_p", "seg_key"])

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


@njit(cache=True)
def grouped_structure(indptr, layer, edge, n_users, lmode, lglayer, social_src, reverse):
    """One pass over a CSR whose arcs of a node are grouped by layer: ``(ok, lptr, arc_key)``.

    ``ok`` is False (and the other outputs unusable) when some node's arcs are not grouped by layer.
    ``lmode[lid]``: 0 direction 0, 1 payment (1 for merchant -> user), 2 undirected social
    (1 when the tail is not the edge's ``src``); ``reverse`` flips every direction. The key of an
    arc is :func:`graphmodel.kernels.coins.arc_keys` of (``lglayer[lid]``, edge row, direction).
    """
    n = indptr.shape[0] - 1
    L = lmode.shape[0]
    m = layer.shape[0]
    lptr = np.empty((n, L + 1), np.int64)
    key = np.empty(m, np.uint64)
    for v in range(n):
        a = indptr[v]
        b = indptr[v + 1]
        lptr[v, 0] = a
        prev = 0
        for j in range(a, b):
            lid = np.int64(layer[j])
            if lid < prev:
                return False, lptr, key
            while prev < lid:
                prev += 1
                lptr[v, prev] = j
            mode = lmode[lid]
            d = 0
            if mode == 1:
                d = 1 if v >= n_users else 0
            elif mode == 2:
                d = 1 if v != social_src[edge[j]] else 0
            if reverse:
                d ^= 1
            key[j] = arc_key(lglayer[lid], edge[j], d)
        while prev < L:
            prev += 1
            lptr[v, prev] = b
    return True, lptr, key


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
