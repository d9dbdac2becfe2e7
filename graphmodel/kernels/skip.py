"""Geometric skipping over a layer segment of uniform probability ``p``.

The live arcs of a node in a layer where every arc has probability ``p`` are
found with one draw per live arc, plus one: the gap to the next live arc is
geometric, ``f = floor(log(u) / log1p(-p))`` for ``u`` the next uniform of the
node's skip stream (:func:`graphmodel.kernels.coins.stream_draw`). The loop
ends when the gap reaches past the ``R`` arcs left, i.e. when ``f >= R``.

:func:`skip_next` is the one step of that loop, with its proof of exactness. The intent and
competition kernels and :func:`segment_targets` (the references' loop) call it; it is compiled
without numba's reference counting (:data:`graphmodel.kernels.cpu.NO_NRT`), so LLVM inlines the call into the code of the
step written out (within noise there: benchmarks/bench_skip_step.py). The propagation kernel keeps
the step written out, in the exact form tests/test_kernels_core.py checks draw by draw against
:func:`skip_next`: the call measured 2-5% slower at p=0.1 (BA 100k users; noise 1-2%).
:func:`break_table` tabulates the exit thresholds that let most loop exits be
decided without a logarithm (same decisions, proof in its docstring);
:func:`segment_targets` is the plain loop over one segment, for references and
tests.
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np
from numba import njit

from graphmodel.kernels.coins import arc_coin, mix64, stream_draw, stream_key, to_unit
from graphmodel.kernels.cpu import NO_NRT

#: Relative margin by which the exit thresholds are shrunk (far above every rounding error: see break_table).
BREAK_EPS = 1e-7
#: Thresholds below this are not tabulated (the shortcut would almost never fire).
BREAK_MIN = 1e-3
#: Widest table row (arcs left).
BREAK_CAP = 4096

#: The loop-exit thresholds of :func:`break_table` (``lq, cap, thr``), as one named kernel argument.
SkipTable = namedtuple("SkipTable", ["lq", "cap", "thr"])

# An empty table: `skip_next` with cap 0 runs the plain formula only.
_NO_TABLE = np.zeros((1, 1))


@njit(cache=True, **NO_NRT)
def skip_next(key, d, j, b, lq, c, thr, l):
    """One step of the geometric skip: the next live arc after ``j`` in a segment ending at ``b``, or -1.

    ``key`` is the node's skip stream and ``d`` the number of draws taken from it so far (the caller
    adds one after every call); ``lq = log1p(-p)``; ``thr[l, :c]`` the exit thresholds of the layer
    (:func:`break_table`; ``c = 0``: no table). Start with ``j = a - 1, d = 0``; stop at -1.

    Exactness: the table decides "the loop ends" only when ``u <= thr[l, R]``; :func:`break_table`
    shows that then ``log(u) / lq >= R`` as computed in floating point, so the step returns exactly
    what the plain formula ``f = log(u) / lq; f >= R`` returns, draw by draw.

    Compiled with :data:`graphmodel.kernels.cpu.NO_NRT` and not ``inline="always"``: LLVM inlines it where it is called.
    With reference counting, passing ``thr`` cost an atomic increment and two decrements per draw
    (12-20% of the propagation kernel at p=0.05 and 0.1, inlined by numba or not).
    """
    u = stream_draw(key, d)
    R = b - j - 1
    if R < c and u <= thr[l, R]:
        return np.int64(-1)
    f = np.log(u) / lq
    if f >= R:
        return np.int64(-1)
    return j + 1 + np.int64(f)


@njit(cache=True)
def break_table(seg_p, max_seg):
    """``lq[l] = log1p(-p)`` and ``thr[l, R] = exp(R * lq) * (1 - 1e-7)`` for the uniform layers.

    Exactness: the kernel takes ``u <= thr[l, R]`` as "the skip loop ends" without computing
    ``f = log(u) / lq``. With X = |R lq| <= 745 (else exp underflows to 0 and the shortcut never
    fires), exp and the product R*lq are off by at most ~1e-13 relative, log(u) for u >= 2^-53 by
    at most ~1e-14 absolute and the division by 1.1e-16 relative (<= 1e-13 absolute at X <= 745),
    so u <= exp(R lq)(1 - 1e-7) gives log(u) <= R lq - 9.9e-8 and f >= R + (9.9e-8 - 2e-13)/|lq| > R:
    exactly the case in which the plain formula ends the loop.

    Returns ``(lq, cap, thr)``: ``cap[l]`` arcs-left values are tabulated for layer ``l``.
    """
    L = seg_p.shape[0]
    lq = np.zeros(L)
    cap = np.zeros(L, np.int64)
    width = 1
    for l in range(L):
        p = seg_p[l]
        if 0.0 < p < 1.0:
            lq[l] = np.log1p(-p)
            cf = np.log(BREAK_MIN) / lq[l] + 2.0  # R beyond this: the loop ends with probability < 1e-3
            c = min(max_seg + 1, BREAK_CAP)
            if cf < c:
                c = np.int64(cf)
            cap[l] = c
            width = max(width, c)
    thr = np.zeros((L, width))
    for l in range(L):
        for R in range(cap[l]):
            thr[l, R] = np.exp(R * lq[l]) * (1.0 - BREAK_EPS)
    return lq, cap, thr


@njit(cache=True)
def max_seg(lptr):
    """Largest number of arcs of one node in one layer (``lptr`` (n, L+1))."""
    m = 0
    L = lptr.shape[1] - 1
    for v in range(lptr.shape[0]):
        for l in range(L):
            d = lptr[v, l + 1] - lptr[v, l]
            if d > m:
                m = d
    return np.int64(m)


@njit(cache=True)
def max_out(lptr):
    """Largest out-degree over all layers (``lptr`` (n, L+1))."""
    m = 0
    L = lptr.shape[1] - 1
    for v in range(lptr.shape[0]):
        d = lptr[v, L] - lptr[v, 0]
        if d > m:
            m = d
    return np.int64(m)


def max_out_csr(indptr: np.ndarray) -> int:
    """Largest out-degree of a CSR given by its ``indptr`` (0 for an empty graph)."""
    return int(np.diff(indptr).max()) if indptr.shape[0] > 1 else 0


@njit(cache=True)
def segment_targets(v, l, a, b, rkey, salt, indices, arc_key, prob, seg_p, seg_key, out):
    """Heads of the live arcs of node ``v`` in layer segment ``a:b``; returns how many (written to ``out``).

    The plain loop (no threshold table) with the coins of every kernel: per-arc coins when
    ``seg_p[l] < 0``, all arcs at probability 1, else the geometric skip stream of (run, v, layer).
    """
    k = 0
    p = seg_p[l]
    if p >= 0.0:
        if p <= 0.0:
            return 0
        if p >= 1.0:
            for j in range(a, b):
                out[k] = j
                k += 1
            return k
        lq = np.log1p(-p)
        key = stream_key(rkey, v, seg_key[l], salt)
        j = a - 1
        d = 0
        while True:
            j = skip_next(key, d, j, b, lq, 0, _NO_TABLE, 0)
            d += 1
            if j < 0:
                break
            out[k] = j
            k += 1
        return k
    for j in range(a, b):
        if salt == 0:
            u = arc_coin(rkey, arc_key[j])
        else:
            u = to_unit(mix64(rkey ^ arc_key[j] ^ salt))
        if u < prob[j]:
            out[k] = j
            k += 1
    return k
