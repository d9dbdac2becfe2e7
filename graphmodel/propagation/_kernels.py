"""Compiled cascade kernels (numba). Only arrays and scalars cross this boundary.

Random numbers are counter-based: every coin is a hash of a per-run key and
the identity of what it decides (an arc, a node's threshold, a skip stream),
so a result depends on the seed alone, never on the number of threads or on
their schedule, and two scenarios that share an edge share its coin (common
random numbers).

Graph arrays (see :class:`graphmodel.propagation.prepare.PropagationGraph`):

``indptr`` (n+1,) int64 and ``indices`` (m,) int32
    CSR arcs grouped by tail.
``lptr`` (n, L+1) int64
    Arcs of node ``v`` in CSR layer ``l`` are ``lptr[v, l]:lptr[v, l+1]``
    (arcs of one node are grouped by layer).
``arc_key`` (m,) uint64
    Hash of (global layer, edge row, direction): the identity of the arc's coin.
``prob`` (m,) float64
    Per-arc probability (IC, SIR) or weight (LT).
``seg_p`` (L,) float64
    Uniform probability of a CSR layer, or -1 when the layer is per-arc.
    Uniform layers use geometric skipping (one draw per success).
``seg_key`` (L,) uint64
    Hash of the layer's global id, keys the skip streams.

They travel as one :data:`CascadeGraph` named tuple (the skip table as a
:data:`SkipTable`, a worker's scratch arrays as a :data:`Scratch`): a field is
named where it is used, so two arrays of one dtype cannot be swapped unnoticed
(``benchmarks/bench_kernel_args.py``: no measurable cost against positional
arguments).

Per run the kernels write the users reached, merchants reached, users reached
per layer (column ``L`` = seeds) and accumulate per-node activation counts and
the per-step curve of newly active users.
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np
from numba import njit, prange

from graphmodel.kernels import MODEL_IC, MODEL_LT, MODEL_SIR
from graphmodel.kernels.coins import (
    arc_coin,
    lt_threshold,
    recover_coin,
    run_key,
    salted_arc_coin,
    step_salt,
    stream_draw,
    stream_key,
)
from graphmodel.kernels.cpu import fetch_add, prefetch
from graphmodel.kernels.csr import CascadeGraph
from graphmodel.kernels.skip import SkipTable, break_table, max_out, max_seg

__all__ = [
    "CascadeGraph",
    "MODEL_IC",
    "MODEL_LT",
    "MODEL_SIR",
    "cascade_batch",
    "cascade_batch_serial",
    "cascade_trace",
    "nonbacktracking_step",
    "reverse_arcs",
    "live_edge_graph",
    "live_reach",
    "layer_wc",
]


# Fast path of the batch kernels. Profiling (perf, per-activation timings on BA graphs from 5k to 400k
# nodes) showed the cost per activated node was branch mispredictions and the latency chain
# hash -> log -> divide feeding the loop exit, plus one extra cache miss per activation for the
# per-node counts; the geometric skip itself was already O(1 + successes). So:
#   * the skip loop is inlined, log1p(-p) computed once per batch;
#   * the draw that ends a node's skip loop usually needs no log: it ends the loop iff
#     log(u)/log1p(-p) >= R (R arcs left), i.e. iff u <= exp(R log1p(-p)); a table of those
#     thresholds, shrunk by a relative margin of 1e-7 (far above every rounding error involved, see
#     `graphmodel.kernels.skip.break_table`), decides it when u is clearly below; otherwise the exact original arithmetic
#     runs, so every decision is the one the plain formula takes;
#   * the stamp of a node and its activation count share a cache line ((n, 2) int32), and the
#     "already active?" test is branch-free;
#   * runs are handed out to worker threads one at a time from an atomic counter, so a thread that
#     the (shared) machine slows down does not hold the batch up; every run writes only its own
#     row and counts are integer sums, so results do not depend on the schedule.

#: One worker's arrays, reused run after run (see :func:`_run`).
Scratch = namedtuple("Scratch", ["st", "front", "nxt", "live", "livel", "acc", "accstamp", "lc", "crow", "hw"])

_BLOCK = 1024  # live arcs gathered before their heads are activated (phase 1 / phase 2 of a step)
_AHEAD = 16  # prefetch distance, in front nodes (phase 1) and in live arcs (phase 2)


@njit(cache=True, inline="always")
def _activate(w, l, tag, st, nxt, nn, lc, L1, n_users, record, act_step, act_layer, step):
    """Branch-free 'activate w through layer l unless already active'; returns the new front length."""
    new = np.int32(st[w, 0] != tag)
    st[w, 0] = tag
    st[w, 1] += new
    nxt[nn] = w
    lc[l + L1 * np.int64(w >= n_users)] += new
    if record and new:
        act_step[w] = step
        act_layer[w] = l
    return nn + new


@njit(cache=True)
def _run(model, tag, rkey, g, sk, seeds, n_users, recovery, max_steps, ws, record, act_step, act_layer):
    """One cascade. ``st[v, 0] == tag`` marks active nodes, ``st[v, 1]`` counts activations.

    ``lc`` (2 (L+1),) gets users (first half) and merchants (second half) reached per layer
    (column L = seeds); ``crow[s]`` (valid below ``hw[0]``) newly active users at step ``s``.
    ``live`` / ``livel`` hold the live arcs (and their layers) of a block of front nodes: at least
    ``_BLOCK + max out-degree`` slots. Returns (steps, number of nodes ever active).
    """
    lptr, indices, arc_key, prob, seg_p, seg_key = g
    lq, cap, thr = sk
    st, front, nxt, live, livel, acc, accstamp, lc, crow, hw = ws
    L = lptr.shape[1] - 1
    L1 = L + 1
    clen = crow.shape[0]
    for x in range(2 * L1):
        lc[x] = 0
    nf = 0
    for i in range(seeds.shape[0]):
        s = seeds[i]
        if st[s, 0] != tag:
            nf = _activate(s, L, tag, st, front, nf, lc, L1, n_users, record, act_step, act_layer, 0)
    na = nf
    if clen > 0:
        if hw[0] == 0:
            crow[0] = 0
            hw[0] = 1
        crow[0] += lc[L]
    step = 0
    while nf > 0 and (max_steps < 0 or step < max_steps):
        step += 1
        nn = 0
        salt = np.uint64(0)
        if model == MODEL_SIR:
            salt = step_salt(step)
        users_before = 0
        for x in range(L1):
            users_before += lc[x]
        if model == MODEL_LT:
            for i in range(nf):
                v = front[i]
                for l in range(L):
                    # LT: push weight, activate on crossing the threshold
                    for j in range(np.int64(lptr[v, l]), np.int64(lptr[v, l + 1])):
                        u = indices[j]
                        if st[u, 0] == tag:
                            continue
                        if accstamp[u] != tag:
                            accstamp[u] = tag
                            acc[u] = 0.0
                        acc[u] += prob[j]
                        if acc[u] >= lt_threshold(rkey, u):
                            nn = _activate(u, l, tag, st, nxt, nn, lc, L1, n_users, record, act_step, act_layer, step)
        i = 0
        per_arc = False
        for l in range(L):
            per_arc = per_arc or seg_p[l] < 0.0
        while model != MODEL_LT and i < nf:
            # phase 1: live arcs of a block of front nodes, in order (front, layer, arc), into `live`;
            # pure arithmetic plus prefetches of the rows and heads that phase 2 will read
            k = 0
            while i < nf and k < _BLOCK:
                if i + _AHEAD < nf:
                    prefetch(lptr, front[i + _AHEAD])
                if per_arc and i + _AHEAD // 2 < nf:  # rows prefetched earlier are in cache: fetch coin data
                    v2 = front[i + _AHEAD // 2]
                    for l in range(L):
                        if seg_p[l] < 0.0:
                            a2 = np.int64(lptr[v2, l])
                            prefetch(arc_key, a2)
                            prefetch(prob, a2)
                v = front[i]
                i += 1
                for l in range(L):
                    a = np.int64(lptr[v, l])
                    b = np.int64(lptr[v, l + 1])
                    if a == b:
                        continue
                    p = seg_p[l]
                    if p < 0.0:  # per-arc coins
                        for j in range(a, b):
                            if salted_arc_coin(rkey, arc_key[j], salt) < prob[j]:
                                live[k] = j
                                livel[k] = l
                                k += 1
                    elif p >= 1.0:
                        for j in range(a, b):
                            live[k] = j
                            livel[k] = l
                            k += 1
                    elif p > 0.0:  # geometric skipping: one draw per live arc, plus one
                        key = stream_key(rkey, v, seg_key[l], salt)
                        q = lq[l]
                        c = cap[l]
                        j = a - 1
                        d = 0
                        while True:  # skip_next written out (checked against it in tests): the call was 2-5% slower here at p=0.1
                            u = stream_draw(key, d)
                            d += 1
                            R = b - j - 1
                            if R < c and u <= thr[l, R]:
                                break
                            f = np.log(u) / q
                            if f >= R:
                                break
                            j += 1 + np.int64(f)
                            prefetch(indices, j)
                            live[k] = j
                            livel[k] = l
                            k += 1
            # phase 2: activate the heads in the same order, prefetching stamps a few arcs ahead
            for t in range(min(k, _AHEAD)):
                prefetch(st, indices[live[t]])
            for t in range(k):
                if t + _AHEAD < k:
                    prefetch(st, indices[live[t + _AHEAD]])
                nn = _activate(
                    indices[live[t]],
                    np.int64(livel[t]),
                    tag,
                    st,
                    nxt,
                    nn,
                    lc,
                    L1,
                    n_users,
                    record,
                    act_step,
                    act_layer,
                    step,
                )
        na += nn
        if clen > step:
            while hw[0] <= step:
                crow[hw[0]] = 0
                hw[0] += 1
            users_after = 0
            for x in range(L1):
                users_after += lc[x]
            crow[step] += users_after - users_before
        if model == MODEL_SIR:  # SIR: infectious nodes that do not recover stay in the front
            for i in range(nf):
                v = front[i]
                if recover_coin(rkey, v, step) >= recovery:
                    nxt[nn] = v
                    nn += 1
        for i in range(nn):
            front[i] = nxt[i]
        nf = nn
    return step, na


@njit(cache=True)
def _batch_setup(n_runs, n_workers, lptr, seg_p, curve_len):
    n = lptr.shape[0]
    L1 = lptr.shape[1]
    W = max(1, min(n_workers, n_runs))
    out = (
        np.zeros(n_runs, np.int64),
        np.zeros(n_runs, np.int64),
        np.zeros(n_runs, np.int64),
        np.zeros((n_runs, L1), np.int64),
    )
    lq, cap, thr = break_table(seg_p, max_seg(lptr) if n > 0 else np.int64(0))
    work = (
        np.zeros((W, n, 2), np.int32),
        np.empty((W, curve_len), np.int64),
        np.zeros((W, 16), np.int64),
        np.zeros(1, np.int64),
    )  # (W, 16): each worker's curve length on its own cache line
    nlive = _BLOCK + 1 + (max_out(lptr) if n > 0 else 0)
    return W, out, lq, cap, thr, work, nlive


@njit(cache=True)
def _batch_worker(w, model, base, run_start, n_runs, g, seeds, n_users, recovery, max_steps, out, sk, work, nlive):
    """Worker ``w``: takes runs from the shared counter until none is left."""
    n = g.lptr.shape[0]
    L1 = g.lptr.shape[1]
    users, merchants, steps, layer_counts = out
    st_all, curves, hws, counter = work
    if model == MODEL_LT:
        acc = np.zeros(n, np.float64)
        accstamp = np.zeros(n, np.int32)
    else:
        acc = np.zeros(1, np.float64)
        accstamp = np.zeros(1, np.int32)
    ws = Scratch(
        st_all[w],
        np.empty(n, np.int32),
        np.empty(n, np.int32),
        np.empty(nlive, np.int64),
        np.empty(nlive, np.int8),
        acc,
        accstamp,
        np.zeros(2 * L1, np.int64),
        curves[w],
        hws[w],
    )
    lc = ws.lc
    rec_s = np.empty(1, np.int32)
    rec_l = np.empty(1, np.int8)
    while True:
        i = fetch_add(counter, 0, 1)
        if i >= n_runs:
            break
        r = run_start + i
        st_, na = _run(
            model,
            np.int32(i + 1),
            run_key(base, r),
            g,
            sk,
            seeds,
            n_users,
            recovery,
            max_steps,
            ws,
            False,
            rec_s,
            rec_l,
        )
        steps[i] = st_
        u = 0
        mm = 0
        for l in range(L1):
            layer_counts[i, l] = lc[l]
            u += lc[l]
            mm += lc[L1 + l]
        users[i] = u
        merchants[i] = mm


@njit(cache=True)
def _batch_reduce(W, out, work, curve_len):
    st_all, curves, hws, _ = work
    n = st_all.shape[1]
    node_counts = np.zeros(n, np.int64)
    for w in range(W):
        for v in range(n):
            node_counts[v] += st_all[w, v, 1]
    curve = np.zeros(curve_len, np.int64)
    for w in range(W):
        for s in range(hws[w, 0]):
            curve[s] += curves[w, s]
    users, merchants, steps, layer_counts = out
    return users, merchants, steps, layer_counts, node_counts, curve


@njit(cache=True, parallel=True)
def cascade_batch(model, base, run_start, n_runs, n_workers, g, seeds, n_users, recovery, max_steps, curve_len):
    """Runs ``run_start .. run_start+n_runs-1`` on ``n_workers`` threads; per-run and aggregate arrays.

    Returns
    -------
    users, merchants, steps : (n_runs,) int64
    layer_counts : (n_runs, L+1) int64 (column L = seeds)
    node_counts : (n,) int64, runs in which each node was active
    curve : (curve_len,) int64, newly active users per step summed over runs
    """
    W, out, lq, cap, thr, work, nlive = _batch_setup(n_runs, n_workers, g.lptr, g.seg_p, curve_len)
    sk = SkipTable(lq, cap, thr)
    for w in prange(W):
        _batch_worker(w, model, base, run_start, n_runs, g, seeds, n_users, recovery, max_steps, out, sk, work, nlive)
    return _batch_reduce(W, out, work, curve_len)


@njit(cache=True)
def cascade_batch_serial(model, base, run_start, n_runs, n_workers, g, seeds, n_users, recovery, max_steps, curve_len):
    """:func:`cascade_batch` on the calling thread only (``n_workers`` is ignored): waking a sleeping
    worker thread costs milliseconds on a busy machine, more than a batch of small cascades."""
    W, out, lq, cap, thr, work, nlive = _batch_setup(n_runs, 1, g.lptr, g.seg_p, curve_len)
    _batch_worker(
        0,
        model,
        base,
        run_start,
        n_runs,
        g,
        seeds,
        n_users,
        recovery,
        max_steps,
        out,
        SkipTable(lq, cap, thr),
        work,
        nlive,
    )
    return _batch_reduce(W, out, work, curve_len)


@njit(cache=True)
def cascade_trace(model, base, r, g, seeds, n_users, recovery, max_steps):
    """One run, node by node: (step, layer) of every activation; -1 where never active (layer L = seed)."""
    lptr = g.lptr
    n = lptr.shape[0]
    L = lptr.shape[1] - 1
    lq, cap, thr = break_table(g.seg_p, max_seg(lptr) if n > 0 else np.int64(0))
    st = np.zeros((n, 2), np.int32)
    act_step = np.full(n, -1, np.int32)
    act_layer = np.full(n, -1, np.int8)
    front = np.empty(n, np.int32)
    nxt = np.empty(n, np.int32)
    acc = np.zeros(n if model == MODEL_LT else 1, np.float64)
    accstamp = np.zeros(n if model == MODEL_LT else 1, np.int32)
    lc = np.zeros(2 * (L + 1), np.int64)
    nlive = _BLOCK + 1 + (max_out(lptr) if n > 0 else 0)
    live = np.empty(nlive, np.int64)
    livel = np.empty(nlive, np.int8)
    ws = Scratch(st, front, nxt, live, livel, acc, accstamp, lc, np.zeros(1, np.int64), np.zeros(1, np.int64))
    _run(
        model,
        np.int32(1),
        run_key(base, r),
        g,
        SkipTable(lq, cap, thr),
        seeds,
        n_users,
        recovery,
        max_steps,
        ws,
        True,
        act_step,
        act_layer,
    )
    for v in range(n):
        if st[v, 0] != 1:
            act_step[v] = -1
            act_layer[v] = -1
    return act_step, act_layer


# ---------------------------------------------------------------------------
# Regime kernels (graphmodel.propagation.regime). A *layer set* is a boolean mask over the CSR layers
# of a union graph; the arcs of layer l at node v are lptr[v, l]:lptr[v, l + 1], so a set is measured
# on the union's arrays with no per-layer copy. Work is split into fixed blocks of nodes and partial
# sums are added in block order, so results do not depend on the number of threads.

REGIME_BLOCK = 4096  # nodes per block of the parallel regime kernels


@njit(cache=True)
def _in_arcs(lptr, indices, inptr, tin, tkey):
    """The transpose: in-arcs of each node (arc ids ``tin``, keys ``tail * L + layer`` in ``tkey``) in arc order,
    so each node's in-arcs are sorted by (tail, layer, arc)."""
    n = lptr.shape[0]
    L = lptr.shape[1] - 1
    for v in range(n + 1):
        inptr[v] = 0
    for a in range(lptr[n - 1, L] if n else 0):
        inptr[indices[a] + 1] += 1
    for v in range(n):
        inptr[v + 1] += inptr[v]
    fill = inptr[:n].copy()
    for u in range(n):
        for l in range(L):
            for a in range(lptr[u, l], lptr[u, l + 1]):
                v = indices[a]
                j = fill[v]
                fill[v] = j + 1
                tin[j] = a
                tkey[j] = u * L + l


@njit(cache=True, parallel=True)
def reverse_arcs(lptr, indices, inptr, tin, tkey, rev):
    """``rev[a]``: the first arc (in arc order) from ``a``'s head back to its tail *in ``a``'s layer*; -1: none.

    The reverse of ``u -> v`` is an in-arc of ``u``: a binary search in ``u``'s in-arcs (the transpose,
    sorted by (tail, layer, arc); ``inptr``, ``tin``, ``tkey`` are its scratch, one slot per arc), which
    are contiguous: O(m log d) with few cache misses, no global sort.
    """
    n = lptr.shape[0]
    L = lptr.shape[1] - 1
    _in_arcs(lptr, indices, inptr, tin, tkey)
    for u in prange(n):
        b0 = inptr[u]
        b1 = inptr[u + 1]
        for l in range(L):
            for a in range(lptr[u, l], lptr[u, l + 1]):
                want = np.int64(indices[a]) * L + l
                lo = b0
                hi = b1
                while lo < hi:  # first position whose key >= want
                    mid = (lo + hi) >> 1
                    if tkey[mid] < want:
                        lo = mid + 1
                    else:
                        hi = mid
                rev[a] = tin[lo] if lo < b1 and tkey[lo] == want else -1


@njit(cache=True)
def layer_wc(lptr, indices, lid, indeg, out):
    """Weighted cascade on layer ``lid`` alone: ``out[a] = 1 / in-degree of a's head within the layer`` (at least 1)
    for the layer's arcs (other arcs untouched); ``indeg`` is per-node scratch. Same values as
    :func:`graphmodel.propagation.probability.arc_probabilities` gives on the layer's own CSR."""
    n = lptr.shape[0]
    for v in range(n):
        indeg[v] = 0
    for v in range(n):
        for a in range(lptr[v, lid], lptr[v, lid + 1]):
            indeg[indices[a]] += 1
    for v in range(n):
        for a in range(lptr[v, lid], lptr[v, lid + 1]):
            out[a] = 1.0 / max(indeg[indices[a]], 1)


@njit(cache=True, parallel=True)
def nonbacktracking_step(lptr, indices, prob, rev, lmask, x, inv, s, y, part, lo, hi):
    """``x <- inv * (B + I) x`` in place over the arcs of the layers in ``lmask``, ``B[a, b] = prob[b]`` for arc
    ``b`` leaving the head of ``a``, ``b`` not ``a`` reversed (``rev``, within the layer).

    First every node ``v`` sums ``s[v] = sum_b prob[b] x[b]`` over its arcs and every arc ``b`` of ``v`` gets
    ``y[b] = s[v] - prob[b] x[b]`` (both sequential); then ``((B + I) x)_a = y[rev[a]] + x[a]`` (``s`` of
    ``a``'s head when it has no reverse): one random read per arc. Per block of :data:`REGIME_BLOCK` nodes:
    ``part`` the sum of the new ``x``, ``lo``/``hi`` the least and greatest ratio ``((B + I) x)_a / x_a``
    (Collatz-Wielandt bounds on the spectral radius of ``B + I`` when ``x > 0`` on the set). ``s`` (per node)
    and ``y`` (per arc) are scratch. Used by :mod:`graphmodel.propagation.regime`.
    """
    n = lptr.shape[0]
    L = lptr.shape[1] - 1
    nb = (n + REGIME_BLOCK - 1) // REGIME_BLOCK
    for k in prange(nb):
        for v in range(k * REGIME_BLOCK, min(n, (k + 1) * REGIME_BLOCK)):
            acc = 0.0
            for l in range(L):
                if lmask[l]:
                    for b in range(lptr[v, l], lptr[v, l + 1]):
                        acc += prob[b] * x[b]
            s[v] = acc
            for l in range(L):
                if lmask[l]:
                    for b in range(lptr[v, l], lptr[v, l + 1]):
                        y[b] = acc - prob[b] * x[b]
    for k in prange(nb):
        tot = 0.0
        mn = np.inf
        mx = -np.inf
        for v in range(k * REGIME_BLOCK, min(n, (k + 1) * REGIME_BLOCK)):
            for l in range(L):
                if lmask[l]:
                    for a in range(lptr[v, l], lptr[v, l + 1]):
                        r = rev[a]
                        xa = x[a]
                        val = (y[r] if r >= 0 else s[indices[a]]) + xa
                        q = val / xa
                        mn = min(mn, q)
                        mx = max(mx, q)
                        val *= inv
                        x[a] = val
                        tot += val
        part[k] = tot
        lo[k] = mn
        hi[k] = mx


@njit(cache=True, parallel=True)
def live_edge_graph(lptr, indices, arc_key, prob, lmask, rkey, n_users, counts):
    """One live-edge graph of the arcs in ``lmask``: arc ``a`` is live iff ``arc_coin(rkey, arc_key[a]) < prob[a]``
    (the coins of IC). Returns its CSR (indptr int64, indices int32); ``counts`` is per-node scratch (n + 1)."""
    n = lptr.shape[0]
    L = lptr.shape[1] - 1
    counts[0] = 0
    for v in prange(n):
        c = 0
        for l in range(L):
            if lmask[l]:
                for a in range(lptr[v, l], lptr[v, l + 1]):
                    if arc_coin(rkey, arc_key[a]) < prob[a]:
                        c += 1
        counts[v + 1] = c
    for v in range(n):
        counts[v + 1] += counts[v]
    out = np.empty(counts[n], np.int32)
    for v in prange(n):
        j = counts[v]
        for l in range(L):
            if lmask[l]:
                for a in range(lptr[v, l], lptr[v, l + 1]):
                    if arc_coin(rkey, arc_key[a]) < prob[a]:
                        out[j] = indices[a]
                        j += 1
    return counts, out


@njit(cache=True)
def live_reach(indptr, indices, roots, n_users, stamp, tag0, queue):
    """Users reached from each root in the graph ``(indptr, indices)`` (the root counts if a user).

    ``stamp`` (int64, one per node, all < ``tag0`` on entry) and ``queue`` (one per node) are scratch: search
    ``i`` marks with ``tag0 + i``, so a search costs what it reaches, not O(n).
    """
    out = np.zeros(roots.shape[0], np.int64)
    for i in range(roots.shape[0]):
        tag = tag0 + i
        r = roots[i]
        stamp[r] = tag
        queue[0] = r
        h = 0
        t = 1
        c = 0
        while h < t:
            v = queue[h]
            h += 1
            if v < n_users:
                c += 1
            for j in range(indptr[v], indptr[v + 1]):
                w = indices[j]
                if stamp[w] != tag:
                    stamp[w] = tag
                    queue[t] = w
                    t += 1
        out[i] = c
    return out
