"""Compiled intent cascade (numba): arrays and scalars in, per-run counts out.

The graph arrays are those of :class:`graphmodel.propagation.PropagationGraph`
built over the layers ``social, payment, transfer`` (CSR layers ``0, 1, 2``);
a scenario is a mask ``enabled`` over them, so every scenario runs on the
same arrays with the same coins.

Randomness is counter-based and reuses :mod:`graphmodel.propagation._kernels`:

* arc ``j`` of node ``v`` in run ``r`` is live by the propagation core's coin
  (``_segment_targets``: the arc coin, or the geometric-skip stream of
  (run, node, layer) for a uniform layer);
* the purchase coin of user ``v`` exposed through layer ``l`` in run ``r`` is
  ``to_unit(stream_key(run_key(base, r), v, pkey[l], SALT_PURCHASE))``;
  index ``L`` of ``pkey``/``conv`` is the seed's own purchase.

A run is step-synchronous. At step ``s`` every user whose intent began at
``s`` tries, once, its arcs on the layers that spread from intent, and every
user who bought at ``s`` tries its arcs on the layers that spread from
purchase. A merchant reached through a payment arc relays at once: it tries
its arcs to its customers once, and they are exposed at the same step as a
direct neighbour would be (steps count user-to-user hops). A user exposed
through layer ``l`` gets intent (if unaware) and buys if its ``(run, user,
l)`` coin is below ``conv[l] * buy[user]``. Each arc is tried at most once and
each purchase coin is fixed per (run, user, layer), so the final state is the
least fixed point of a monotone operator: enabling more layers never lowers
reach or purchases, run by run.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from graphmodel.propagation._kernels import _segment_targets, run_key, stream_key, to_unit

SALT_PURCHASE = np.uint64(0x3C6EF372FE94F82B)

# indices into the per-run state vector
_REACH, _PURCH, _MERCH, _NN = 0, 1, 2, 3
# columns of the per-node record
_STAMP, _ISTEP, _PSTEP, _INQ = 0, 1, 2, 3


@njit(cache=True, inline="always")
def purchase_coin(rkey, user, pkey_l):
    """Uniform in [0, 1): the purchase coin of (run, user, layer)."""
    return to_unit(stream_key(rkey, user, pkey_l, SALT_PURCHASE))


@njit(cache=True, inline="always")
def _expose(w, l, ns, rkey, tag, conv, pkey, buy, rec, elayer, player, record, nxt, nn):
    """User ``w`` exposed through layer ``l`` at step ``ns``; returns (news, nn).

    ``news`` bit 0: ``w`` got intent now; bit 1: ``w`` bought now. Counters
    stay in the caller's locals (keeping them in arrays cost a third of the
    run time).
    """
    news = 0
    if rec[w, _STAMP] != tag:
        rec[w, _STAMP] = tag
        rec[w, _ISTEP] = ns
        rec[w, _PSTEP] = -1
        rec[w, _INQ] = ns
        if record:
            elayer[w] = l
        nxt[nn] = w
        nn += 1
        news = 1
    ps = rec[w, _PSTEP]
    if ps < 0:
        # not bought yet: ps = -1 - (layers whose purchase coin was already tossed, as bits);
        # the coin of (run, w, l) never changes, so a repeated exposure through l is skipped
        bit = np.int32(1) << l
        tried = -1 - ps
        if (tried & bit) == 0:
            rec[w, _PSTEP] = -1 - (tried | bit)
            q = conv[l] * buy[w]
            if q > 0.0 and purchase_coin(rkey, w, pkey[l]) < q:
                rec[w, _PSTEP] = ns
                if record:
                    player[w] = l
                news |= 2
                if rec[w, _INQ] != ns:
                    rec[w, _INQ] = ns
                    nxt[nn] = w
                    nn += 1
    return news, nn


@njit(cache=True)
def _relay(m, ns, rkey, tag, indices, lptr, arc_key, prob, seg_p, seg_key, enabled, n_users, conv, pkey, buy, rec,
           elayer, player, record, nxt, nn, rb, pb, live2):
    """Merchant ``m`` passes intent to its customers; returns (new intents, new purchases, nn)."""
    L = lptr.shape[1] - 1
    ti = 0
    tp = 0
    for l in range(L):
        if not enabled[l]:
            continue
        a = lptr[m, l]
        b = lptr[m, l + 1]
        if a == b:
            continue
        k = _segment_targets(m, l, a, b, rkey, np.uint64(0), indices, arc_key, prob, seg_p, seg_key, live2)
        si = 0
        sp = 0
        for t in range(k):
            w = indices[live2[t]]
            if w < n_users:
                news, nn = _expose(w, l, ns, rkey, tag, conv, pkey, buy, rec, elayer, player, record, nxt, nn)
                si += news & 1
                sp += news >> 1
        rb[l] += si
        pb[l] += sp
        ti += si
        tp += sp
    return ti, tp, nn


@njit(cache=True)
def intent_run(r, base, indices, lptr, arc_key, prob, seg_p, seg_key, enabled, from_purchase, conv, pkey, buy, seeds,
               n_users, rec, elayer, player, record, front, nxt, live, live2, cnt_i, cnt_p, state, rb, pb):
    """One run; returns the last step with news. Counters land in ``state``, ``rb``, ``pb``, ``cnt_i``, ``cnt_p``.

    ``rec[v]`` is the node's record (one cache line for what every exposure
    reads): ``rec[v, 0] == r + 1`` marks nodes touched in this run (users
    with intent, merchants reached), ``rec[v, 1]`` the step of intent,
    ``rec[v, 2]`` the step of purchase (negative: none yet, ``-1 - bits`` of
    the layers whose purchase coin was tossed), ``rec[v, 3]`` the step it was
    last queued for. With ``record``, ``elayer``/``player`` get the layer of the
    first exposure and of the purchasing exposure (``L`` = seed).
    ``state`` = (reach, purchases, merchants, -).
    """
    L = lptr.shape[1] - 1
    tag = np.int32(r + 1)
    rkey = run_key(base, r)
    for l in range(L + 1):
        rb[l] = 0
        pb[l] = 0
    reach = 0
    purch = 0
    merch = 0
    nn = 0
    c0i = 0
    c0p = 0
    for i in range(seeds.shape[0]):
        s = seeds[i]
        if rec[s, _STAMP] == tag:
            continue
        rec[s, _STAMP] = tag
        rec[s, _ISTEP] = 0
        rec[s, _PSTEP] = -1
        rec[s, _INQ] = 0
        if record:
            elayer[s] = L
        nxt[nn] = s
        nn += 1
        if s < n_users:
            c0i += 1
            q = conv[L] * buy[s]
            if q > 0.0 and purchase_coin(rkey, s, pkey[L]) < q:
                rec[s, _PSTEP] = 0
                if record:
                    player[s] = L
                c0p += 1
        else:
            merch += 1
    rb[L] = c0i
    pb[L] = c0p
    cnt_i[0] = c0i
    cnt_p[0] = c0p
    reach += c0i
    purch += c0p
    nf = nn
    for i in range(nf):
        front[i] = nxt[i]
    step = 0
    last = 0
    while nf > 0:
        ns = step + 1
        nn = 0
        step_i = 0
        step_p = 0
        for i in range(nf):
            v = front[i]
            if v >= n_users:  # a merchant seed relays to its customers
                ti, tp, nn = _relay(v, ns, rkey, tag, indices, lptr, arc_key, prob, seg_p, seg_key, enabled, n_users,
                                    conv, pkey, buy, rec, elayer, player, record, nxt, nn, rb, pb, live2)
                step_i += ti
                step_p += tp
                continue
            new_intent = rec[v, _ISTEP] == step
            new_purchase = rec[v, _PSTEP] == step
            for l in range(L):
                if not enabled[l]:
                    continue
                if from_purchase[l]:
                    if not new_purchase:
                        continue
                elif not new_intent:
                    continue
                a = lptr[v, l]
                b = lptr[v, l + 1]
                if a == b:
                    continue
                k = _segment_targets(v, l, a, b, rkey, np.uint64(0), indices, arc_key, prob, seg_p, seg_key, live)
                si = 0
                sp = 0
                for t in range(k):
                    w = indices[live[t]]
                    if w >= n_users:
                        if rec[w, _STAMP] != tag:
                            rec[w, _STAMP] = tag
                            rec[w, _ISTEP] = ns
                            merch += 1
                            ti, tp, nn = _relay(w, ns, rkey, tag, indices, lptr, arc_key, prob, seg_p, seg_key,
                                                enabled, n_users, conv, pkey, buy, rec, elayer, player, record, nxt,
                                                nn, rb, pb, live2)
                            step_i += ti
                            step_p += tp
                    else:
                        news, nn = _expose(w, l, ns, rkey, tag, conv, pkey, buy, rec, elayer, player, record, nxt, nn)
                        si += news & 1
                        sp += news >> 1
                rb[l] += si
                pb[l] += sp
                step_i += si
                step_p += sp
        cnt_i[ns] = step_i
        cnt_p[ns] = step_p
        reach += step_i
        purch += step_p
        nf = nn
        for i in range(nf):
            front[i] = nxt[i]
        if step_i > 0 or step_p > 0:
            last = ns
        step = ns
    state[_REACH] = reach
    state[_PURCH] = purch
    state[_MERCH] = merch
    return last


def _max_out(indptr: np.ndarray) -> int:
    return int(np.diff(indptr).max()) if indptr.shape[0] > 1 else 0


@njit(cache=True, nogil=True)
def intent_chunk(base, run_start, lo, hi, indptr, indices, lptr, arc_key, prob, seg_p, seg_key, enabled, from_purchase,
                 conv, pkey, buy, seeds, n_users, max_out, reach, purch, merch, half, steps, reach_by, purch_by,
                 curve_i, curve_p):
    """Runs ``run_start + lo .. run_start + hi - 1`` of one scenario, written to rows ``lo:hi`` of the outputs.

    Releases the GIL: :func:`graphmodel.experiments.scenarios.run_scenario`
    runs chunks on a thread pool. Outputs (rows = runs):

    ``reach, purch, merch, half, steps`` (int64)
        Users with intent (seeds included), users who bought (seeds
        included), merchants reached, first step at which cumulative reach is
        at least half the final reach, last step with news.
    ``reach_by, purch_by`` (runs, L + 1) int64
        Users by layer of first exposure / of the purchasing exposure (column ``L``: seeds).
    ``curve_i, curve_p`` (runs, C) int32
        New intents / purchases per step (the last column gathers later steps).
    """
    n = indptr.shape[0] - 1
    L = lptr.shape[1] - 1
    curve_len = curve_i.shape[1]
    rec = np.zeros((n, 4), np.int32)
    elayer = np.zeros(1, np.int8)
    player = np.zeros(1, np.int8)
    front = np.empty(n + 1, np.int32)
    nxt = np.empty(n + 1, np.int32)
    live = np.empty(max_out + 1, np.int64)
    live2 = np.empty(max_out + 1, np.int64)
    cnt_i = np.zeros(2 * n + 3, np.int64)
    cnt_p = np.zeros(2 * n + 3, np.int64)
    state = np.zeros(4, np.int64)
    rb = np.zeros(L + 1, np.int64)
    pb = np.zeros(L + 1, np.int64)
    for i in range(lo, hi):
        last = intent_run(run_start + i, base, indices, lptr, arc_key, prob, seg_p, seg_key, enabled, from_purchase,
                          conv, pkey, buy, seeds, n_users, rec, elayer, player, False, front, nxt, live, live2, cnt_i,
                          cnt_p, state, rb, pb)
        reach[i] = state[_REACH]
        purch[i] = state[_PURCH]
        merch[i] = state[_MERCH]
        steps[i] = last
        for l in range(L + 1):
            reach_by[i, l] = rb[l]
            purch_by[i, l] = pb[l]
        cum = 0
        h = -1
        for s in range(last + 1):
            cum += cnt_i[s]
            if h < 0 and 2 * cum >= state[_REACH]:
                h = s
            j = s if s < curve_len else curve_len - 1
            curve_i[i, j] += cnt_i[s]
            curve_p[i, j] += cnt_p[s]
        half[i] = h if h >= 0 else 0


@njit(cache=True)
def intent_trace(base, r, indptr, indices, lptr, arc_key, prob, seg_p, seg_key, enabled, from_purchase, conv, pkey, buy,
                 seeds, n_users, max_out):
    """One run node by node: (intent step, purchase step, first-exposure layer, purchase layer); -1 where none."""
    n = indptr.shape[0] - 1
    L = lptr.shape[1] - 1
    rec = np.zeros((n, 4), np.int32)
    elayer = np.full(n, -1, np.int8)
    player = np.full(n, -1, np.int8)
    front = np.empty(n + 1, np.int32)
    nxt = np.empty(n + 1, np.int32)
    live = np.empty(max_out + 1, np.int64)
    live2 = np.empty(max_out + 1, np.int64)
    cnt_i = np.zeros(2 * n + 3, np.int64)
    cnt_p = np.zeros(2 * n + 3, np.int64)
    state = np.zeros(4, np.int64)
    rb = np.zeros(L + 1, np.int64)
    pb = np.zeros(L + 1, np.int64)
    intent_run(r, base, indices, lptr, arc_key, prob, seg_p, seg_key, enabled, from_purchase, conv, pkey, buy, seeds,
               n_users, rec, elayer, player, True, front, nxt, live, live2, cnt_i, cnt_p, state, rb, pb)
    tag = np.int32(r + 1)
    istep = np.full(n, -1, np.int32)
    pstep = np.full(n, -1, np.int32)
    for v in range(n):
        if rec[v, _STAMP] != tag:
            elayer[v] = -1
            player[v] = -1
        elif v >= n_users:
            istep[v] = rec[v, _ISTEP]
            elayer[v] = -1
            player[v] = -1
        else:
            istep[v] = rec[v, _ISTEP]
            ps = rec[v, _PSTEP]
            pstep[v] = ps if ps >= 0 else -1
    return istep, pstep, elayer, player


def reference_final_state(base: int, r: int, graph, enabled, from_purchase, conv, pkey, buy, seeds):
    """Pure-Python reference: the least fixed point, by iterating the monotone operator to a standstill.

    Uses the same coins as the kernel (``_segment_targets`` and
    :func:`purchase_coin`, called from Python) but no steps, no queue: a
    node's live arcs are the same whenever it is tried, so the final state is
    the smallest (intent, purchased, merchants) sets closed under the rules.
    Returns boolean arrays ``intent`` (users), ``bought`` (users) and ``reached`` (merchants).
    """
    U = graph.n_users
    n = graph.n
    L = graph.lptr.shape[1] - 1
    rkey = np.uint64(run_key(np.uint64(base), r))
    live = np.empty(_max_out(graph.indptr) + 1, np.int64)
    intent = np.zeros(n, bool)
    bought = np.zeros(n, bool)
    exposed = np.zeros((n, L + 1), bool)
    for s in seeds:
        s = int(s)
        intent[s] = True
        if s < U:
            exposed[s, L] = True

    def heads(v: int, l: int) -> list[int]:
        a, b = int(graph.lptr[v, l]), int(graph.lptr[v, l + 1])
        if a == b:
            return []
        k = _segment_targets(v, l, a, b, rkey, np.uint64(0), graph.indices, graph.arc_key, graph.prob, graph.seg_p,
                             graph.seg_key, live)
        return [int(graph.indices[live[t]]) for t in range(k)]

    changed = True
    while changed:
        changed = False
        for v in range(U):
            for l in range(L + 1):
                if exposed[v, l] and not bought[v] and purchase_coin(rkey, v, pkey[l]) < conv[l] * buy[v]:
                    bought[v] = changed = True
        for v in range(n):
            for l in range(L):
                if not enabled[l]:
                    continue
                if v < U:
                    ok = bought[v] if from_purchase[l] else intent[v]
                else:
                    ok = intent[v]  # a reached merchant relays
                if not ok:
                    continue
                for w in heads(v, l):
                    if w >= U:
                        if not intent[w]:
                            intent[w] = changed = True
                    elif not exposed[w, l]:
                        exposed[w, l] = True
                        changed = True
                        if not intent[w]:
                            intent[w] = True
    return intent[:U].copy(), bought[:U].copy(), intent[U:].copy()
