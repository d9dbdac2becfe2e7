"""Compiled intent cascade (numba): arrays and scalars in, per-run counts out.

The graph arrays are those of :class:`graphmodel.propagation.PropagationGraph`
built over the layers ``social, payment, transfer`` (CSR layers ``0, 1, 2``);
a scenario is a mask ``enabled`` over them, so every scenario runs on the
same arrays with the same coins.

Arguments travel grouped in named tuples, so that two arrays of one dtype
cannot be swapped unnoticed: the graph arrays as a :data:`CascadeGraph` (``g``)
and the skip table as a :data:`SkipTable` (``sk``), both shared with the
propagation kernels; the intent model per layer as :data:`IntentParams`
(``im``); a worker's arrays as :data:`IntentScratch` (``ws``); one run's
counters as :data:`RunCounts` (``rc``); the worker's outputs as
:data:`IntentRuns`. Each kernel unpacks them in its first lines into the names
its body uses (``benchmarks/bench_args_intent.py``: no measurable cost against
positional arguments).

Randomness is counter-based and reuses :mod:`graphmodel.kernels.coins`:

* arc ``j`` of node ``v`` in run ``r`` is live by the propagation core's coin
  (``graphmodel.kernels.skip.segment_targets``: the arc coin, or the geometric-skip stream of
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

from collections import namedtuple

import numpy as np
from numba import njit

from graphmodel.kernels.coins import SALT_PURCHASE, arc_coin, run_key, stream_key, to_unit
from graphmodel.kernels.cpu import NO_NRT, fetch_add, prefetch
from graphmodel.kernels.csr import CascadeGraph
from graphmodel.kernels.skip import SkipTable, max_out_csr, max_seg, segment_targets, skip_next
from graphmodel.kernels.skip import break_table as _table

__all__ = [
    "CascadeGraph",
    "SkipTable",
    "IntentParams",
    "IntentScratch",
    "RunCounts",
    "IntentRuns",
    "purchase_coin",
    "intent_run",
    "intent_worker",
    "intent_trace",
    "break_table",
    "reference_final_state",
]

#: The intent model, per CSR layer (index ``L``: the seeds' own purchase): ``from_purchase`` (L,) uint8
#: (the layer spreads from purchase, not from intent), ``conv`` (L+1,) float64 conversion, ``pkey``
#: (L+1,) uint64 purchase-coin keys. The same for every scenario (a scenario is a mask ``enabled``).
IntentParams = namedtuple("IntentParams", ["from_purchase", "conv", "pkey"])
#: One worker's arrays, reused item after item (built by ``_workspace``; see :func:`intent_run`).
IntentScratch = namedtuple("IntentScratch", ["rec", "recf", "front", "nxt", "live", "livel", "live2", "livel2"])
#: One run's counters, written by :func:`intent_run`: new intents / purchases per step, (reach,
#: purchases, merchants), users by layer of first exposure / of purchase.
RunCounts = namedtuple("RunCounts", ["cnt_i", "cnt_p", "state", "rb", "pb"])
#: The outputs of :func:`intent_worker`, first index scenario, second run (the fields of
#: :class:`graphmodel.experiments.scenarios.ScenarioRuns`).
IntentRuns = namedtuple(
    "IntentRuns",
    ["reach", "purchases", "merchants", "half_time", "steps", "reach_by", "purch_by", "curve_i", "curve_p"],
)

# Layout, from the profile (1M users, 446k reached per run of ``all``, memory-bound): every exposure
# read two cache lines at random (the node record and ``buy``) and waited for each; the head of a
# live arc was known only after its coin was drawn, so nothing overlapped. Now
#   * a node's record is one 16-byte row (stamp, intent step, purchase step, buy as float32 bits):
#     one cache line per exposure; the old "queued at step" column is implied by the intent step
#     (a user is queued at step s iff its intent began at s or it bought at s);
#   * a step runs in blocks: phase 1 lists the live arcs of a block of front nodes (pure arithmetic,
#     prefetching the rows and heads it will need), phase 2 exposes their heads in the same order,
#     prefetching records a few arcs ahead -- the same order as a node-by-node loop, so the same
#     numbers (ties in the layer of first exposure or of purchase are decided by that order);
#   * uniform layers use the propagation core's geometric skip with its table of loop-exit
#     thresholds (same draws, same decisions, fewer logarithms);
#   * ``intent_run`` and ``_relay`` are compiled without numba's reference counting (``_nrt=False``, a private
#     option: applied only where this numba knows it, see :data:`graphmodel.kernels.cpu.NO_NRT`;
#     they allocate nothing): perf showed 40% of the CPU samples in the atomic incref/decref that
#     every inlined helper and every relay call did for each of the ~20 arrays it was handed;
#   * workers take (scenario, run) items from an atomic counter and keep one workspace for all their
#     items (stamps, not resets); each item writes only its own rows, so no result depends on the
#     schedule or on the number of workers.
_BLOCK = 1024
_AHEAD = 16


# columns of the per-node record
_STAMP, _ISTEP, _PSTEP, _BUY = 0, 1, 2, 3
# indices into the per-run state vector
_REACH, _PURCH, _MERCH = 0, 1, 2


@njit(cache=True, inline="always")
def purchase_coin(rkey, user, pkey_l):
    """Uniform in [0, 1): the purchase coin of (run, user, layer)."""
    return to_unit(stream_key(rkey, user, pkey_l, SALT_PURCHASE))


@njit(cache=True, inline="always")
def _live_arcs(v, l, a, b, rkey, g, sk, live, livel, k):
    """Append the live arcs of node ``v`` in layer segment ``a:b`` to ``live``/``livel``; returns the new count.

    The arcs and their order are those of ``segment_targets`` (salt 0): per-arc coins, all arcs at
    probability 1, or the geometric skip stream of (run, v, layer) whose loop exit is decided by
    the threshold table where it can be (:func:`graphmodel.kernels.skip.skip_next`).
    """
    lptr, indices, arc_key, prob, seg_p, seg_key = g
    lq, cap, thr = sk
    p = seg_p[l]
    if p < 0.0:
        for j in range(a, b):
            if arc_coin(rkey, arc_key[j]) < prob[j]:
                prefetch(indices, j)
                live[k] = j
                livel[k] = l
                k += 1
    elif p >= 1.0:
        for j in range(a, b):
            live[k] = j
            livel[k] = l
            k += 1
    elif p > 0.0:
        key = stream_key(rkey, v, seg_key[l], np.uint64(0))
        q = lq[l]
        c = cap[l]
        j = a - 1
        d = 0
        while True:  # graphmodel.kernels.skip.skip_next, with its proof of exactness
            j = skip_next(key, d, j, b, q, c, thr, l)
            d += 1
            if j < 0:
                break
            prefetch(indices, j)
            live[k] = j
            livel[k] = l
            k += 1
    return k


@njit(cache=True, inline="always")
def _expose(w, l, ns, rkey, tag, im, ws, nn, record, elayer, player):
    """User ``w`` exposed through layer ``l`` at step ``ns``; returns (news, nn).

    ``news`` bit 0: ``w`` got intent now; bit 1: ``w`` bought now.
    """
    from_purchase, conv, pkey = im
    rec, recf, front, nxt, live, livel, live2, livel2 = ws
    news = 0
    if rec[w, _STAMP] != tag:
        rec[w, _STAMP] = tag
        rec[w, _ISTEP] = ns
        rec[w, _PSTEP] = -1
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
            q = conv[l] * recf[w, _BUY]
            if q > 0.0 and purchase_coin(rkey, w, pkey[l]) < q:
                rec[w, _PSTEP] = ns
                if record:
                    player[w] = l
                news |= 2
                if rec[w, _ISTEP] != ns:  # not queued yet at this step
                    nxt[nn] = w
                    nn += 1
    return news, nn


@njit(cache=True, **NO_NRT)
def _relay(m, ns, rkey, tag, g, sk, enabled, im, n_users, ws, rc, nn, record, elayer, player):
    """Merchant ``m`` passes intent to its customers; returns (new intents, new purchases, nn)."""
    lptr, indices, arc_key, prob, seg_p, seg_key = g
    rec, recf, front, nxt, live, livel, live2, livel2 = ws
    cnt_i, cnt_p, state, rb, pb = rc
    L = lptr.shape[1] - 1
    k = 0
    for l in range(L):
        if enabled[l]:
            a = np.int64(lptr[m, l])
            b = np.int64(lptr[m, l + 1])
            if a < b:
                k = _live_arcs(m, l, a, b, rkey, g, sk, live2, livel2, k)
    for t in range(min(k, _AHEAD)):
        prefetch(rec, indices[live2[t]])
    ti = 0
    tp = 0
    for t in range(k):
        if t + _AHEAD < k:
            prefetch(rec, indices[live2[t + _AHEAD]])
        w = indices[live2[t]]
        if w < n_users:
            l = np.int64(livel2[t])
            news, nn = _expose(w, l, ns, rkey, tag, im, ws, nn, record, elayer, player)
            rb[l] += news & 1
            pb[l] += news >> 1
            ti += news & 1
            tp += news >> 1
    return ti, tp, nn


@njit(cache=True, **NO_NRT)
def intent_run(tag, rkey, g, sk, enabled, im, seeds, n_users, ws, rc, record, elayer, player):
    """One run of scenario ``enabled``; returns the last step with news. Counters land in ``rc`` (a :data:`RunCounts`).

    ``g``, ``sk``, ``im``, ``ws``: a :data:`CascadeGraph`, :data:`SkipTable`, :data:`IntentParams`,
    :data:`IntentScratch`. ``rec[v]`` is the node's record: ``rec[v, 0] == tag`` marks nodes touched
    in this run (users with intent, merchants reached), ``rec[v, 1]`` the step of intent,
    ``rec[v, 2]`` the step of purchase (negative: none yet, ``-1 - bits`` of the layers whose
    purchase coin was tossed), ``rec[v, 3]`` (read through ``recf``, the float32 view of ``rec``) the
    user's buy factor. With ``record``, ``elayer``/``player`` get the layer of the first exposure
    and of the purchasing exposure (``L`` = seed). ``state`` = (reach, purchases, merchants).
    """
    lptr, indices, arc_key, prob, seg_p, seg_key = g
    from_purchase, conv, pkey = im
    rec, recf, front, nxt, live, livel, live2, livel2 = ws
    cnt_i, cnt_p, state, rb, pb = rc
    L = lptr.shape[1] - 1
    for l in range(L + 1):
        rb[l] = 0
        pb[l] = 0
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
        if record:
            elayer[s] = L
        front[nn] = s
        nn += 1
        if s < n_users:
            c0i += 1
            q = conv[L] * recf[s, _BUY]
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
    reach = c0i
    purch = c0p
    nf = nn
    step = 0
    last = 0
    while nf > 0:
        ns = step + 1
        nn = 0
        step_i = 0
        step_p = 0
        i = 0
        while i < nf:
            # phase 1: the live arcs of a block of front users, in order (front, layer, arc)
            k = 0
            while i < nf and k < _BLOCK:
                v = front[i]
                if v >= n_users:  # a merchant seed relays to its customers (after the arcs listed so far)
                    if k > 0:
                        break
                    i += 1
                    ti, tp, nn = _relay(
                        v, ns, rkey, tag, g, sk, enabled, im, n_users, ws, rc, nn, record, elayer, player
                    )
                    step_i += ti
                    step_p += tp
                    continue
                if i + _AHEAD < nf:
                    v2 = front[i + _AHEAD]
                    prefetch(lptr, v2)
                    prefetch(rec, v2)
                i += 1
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
                    a = np.int64(lptr[v, l])
                    b = np.int64(lptr[v, l + 1])
                    if a < b:
                        k = _live_arcs(v, l, a, b, rkey, g, sk, live, livel, k)
            # phase 2: expose the heads in the same order, prefetching records a few arcs ahead
            for t in range(min(k, _AHEAD)):
                prefetch(rec, indices[live[t]])
            for t in range(k):
                if t + _AHEAD < k:
                    prefetch(rec, indices[live[t + _AHEAD]])
                w = indices[live[t]]
                l = np.int64(livel[t])
                if w >= n_users:
                    if rec[w, _STAMP] != tag:
                        rec[w, _STAMP] = tag
                        rec[w, _ISTEP] = ns
                        merch += 1
                        ti, tp, nn = _relay(
                            w, ns, rkey, tag, g, sk, enabled, im, n_users, ws, rc, nn, record, elayer, player
                        )
                        step_i += ti
                        step_p += tp
                else:
                    news, nn = _expose(w, l, ns, rkey, tag, im, ws, nn, record, elayer, player)
                    rb[l] += news & 1
                    pb[l] += news >> 1
                    step_i += news & 1
                    step_p += news >> 1
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


def break_table(seg_p: np.ndarray, lptr: np.ndarray) -> SkipTable:
    """The geometric-skip tables ``(lq, cap, thr)`` of the propagation core for these layers, as a :data:`SkipTable`."""
    return SkipTable(*_table(seg_p, max_seg(lptr) if lptr.shape[0] > 0 else np.int64(0)))


@njit(cache=True)
def _workspace(n, n_users, max_out, buy, L):
    rec = np.zeros((n, 4), np.int32)
    recf = rec.view(np.float32)
    for v in range(n_users):
        recf[v, _BUY] = buy[v]
    nlive = _BLOCK + max_out + 1
    ws = IntentScratch(
        rec,
        recf,
        np.empty(n + 1, np.int32),
        np.empty(n + 1, np.int32),
        np.empty(nlive, np.int64),
        np.empty(nlive, np.int8),
        np.empty(max_out + 1, np.int64),
        np.empty(max_out + 1, np.int8),
    )
    rc = RunCounts(
        np.zeros(2 * n + 3, np.int64),
        np.zeros(2 * n + 3, np.int64),
        np.zeros(3, np.int64),
        np.zeros(L + 1, np.int64),
        np.zeros(L + 1, np.int64),
    )
    return ws, rc


@njit(cache=True, nogil=True)
def intent_worker(base, run_start, n_runs, counter, g, sk, masks, im, buy, seeds, n_users, max_out, out):
    """Take (scenario, run) items from the shared ``counter`` until none is left.

    Item ``x`` is run ``run_start + x // S``, scenario ``x % S`` (``S = masks.shape[0]``; the
    scenarios of a run back to back); its outcomes go to ``[scenario, x // S]`` of the outputs.
    Releases the GIL: workers on several threads share one counter, so a thread that the machine
    slows down does not hold the others up; every item depends on its run and scenario only.
    ``g``, ``sk``, ``im``: a :data:`CascadeGraph`, :data:`SkipTable`, :data:`IntentParams`;
    ``masks`` (S, L) uint8 the scenarios. ``out`` is an :data:`IntentRuns` (first index scenario,
    second run):

    ``reach, purchases, merchants, half_time, steps`` (S, runs) int64
        Users with intent (seeds included), users who bought (seeds included), merchants
        reached, first step at which cumulative reach is at least half the final reach, last
        step with news.
    ``reach_by, purch_by`` (S, runs, L + 1) int64
        Users by layer of first exposure / of the purchasing exposure (column ``L``: seeds).
    ``curve_i, curve_p`` (S, runs, C) int32
        New intents / purchases per step (the last column gathers later steps).
    """
    reach, purch, merch, half, steps, reach_by, purch_by, curve_i, curve_p = out
    n = g.lptr.shape[0]
    L = g.lptr.shape[1] - 1
    curve_len = curve_i.shape[2]
    ws, rc = _workspace(n, n_users, max_out, buy, L)
    cnt_i, cnt_p, state, rb, pb = rc
    elayer = np.zeros(1, np.int8)
    player = np.zeros(1, np.int8)
    S = masks.shape[0]
    total = S * n_runs
    tag = np.int32(0)
    while True:
        x = fetch_add(counter, 0, 1)
        if x >= total:
            break
        sc = x % S
        i = x // S
        tag += 1
        last = intent_run(
            tag, run_key(base, run_start + i), g, sk, masks[sc], im, seeds, n_users, ws, rc, False, elayer, player
        )
        reach[sc, i] = state[_REACH]
        purch[sc, i] = state[_PURCH]
        merch[sc, i] = state[_MERCH]
        steps[sc, i] = last
        for l in range(L + 1):
            reach_by[sc, i, l] = rb[l]
            purch_by[sc, i, l] = pb[l]
        cum = 0
        h = -1
        for s in range(last + 1):
            cum += cnt_i[s]
            if h < 0 and 2 * cum >= state[_REACH]:
                h = s
            j = s if s < curve_len else curve_len - 1
            curve_i[sc, i, j] += cnt_i[s]
            curve_p[sc, i, j] += cnt_p[s]
        half[sc, i] = h if h >= 0 else 0


@njit(cache=True)
def intent_trace(base, r, g, sk, enabled, im, buy, seeds, n_users, max_out):
    """One run node by node: (intent step, purchase step, first-exposure layer, purchase layer); -1 where none.

    ``g``, ``sk``, ``im``: a :data:`CascadeGraph`, :data:`SkipTable`, :data:`IntentParams`.
    """
    n = g.lptr.shape[0]
    L = g.lptr.shape[1] - 1
    ws, rc = _workspace(n, n_users, max_out, buy, L)
    rec = ws.rec
    elayer = np.full(n, -1, np.int8)
    player = np.full(n, -1, np.int8)
    tag = np.int32(1)
    intent_run(tag, run_key(base, r), g, sk, enabled, im, seeds, n_users, ws, rc, True, elayer, player)
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


def reference_final_state(base: int, r: int, graph, enabled, im: IntentParams, buy, seeds):
    """Pure-Python reference: the least fixed point, by iterating the monotone operator to a standstill.

    Uses the same coins as the kernel (``segment_targets`` and
    :func:`purchase_coin`, called from Python) but no steps, no queue: a
    node's live arcs are the same whenever it is tried, so the final state is
    the smallest (intent, purchased, merchants) sets closed under the rules.
    ``graph`` is the :class:`~graphmodel.propagation.PropagationGraph`, ``im`` an :data:`IntentParams`.
    Returns boolean arrays ``intent`` (users), ``bought`` (users) and ``reached`` (merchants).
    """
    from_purchase, conv, pkey = im
    U = graph.n_users
    n = graph.n
    L = graph.lptr.shape[1] - 1
    rkey = np.uint64(run_key(np.uint64(base), r))
    live = np.empty(max_out_csr(graph.indptr) + 1, np.int64)
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
        k = segment_targets(
            v, l, a, b, rkey, np.uint64(0), graph.indices, graph.arc_key, graph.prob, graph.seg_p, graph.seg_key, live
        )
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
