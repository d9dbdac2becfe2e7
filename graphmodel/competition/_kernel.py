"""Compiled competitive cascade (numba). Only arrays and scalars cross this boundary.

State of a node in a run: the platforms it holds (a user holds one, a
single-homed merchant one, a multi-homed merchant any number) and the
platforms it ever held (``ever``, a bit mask; a node adopts a platform at
most once, so every run ends).

The state of node ``u`` is one int64, ``state[u] = (run tag << 32) | ever``,
so the test "is ``u`` already settled in this run" costs one memory read; a
user holds ``owner[u]``, a merchant holds every platform it ever adopted.

One step. Every (node, platform) pair that adopted in the previous step tries
its out-arcs once on the platform's layers with the platform's probability
(merchant -> user payment arcs: ``merchant_carry``); the arcs that fire are
*proposals* to their heads. Then every node that received proposals resolves
them together (simultaneous arrivals):

* a node holding nothing adopts one platform, chosen by the tie rule among
  the platforms that reached it in this step: ``TIE_RANDOM`` (uniform among
  the platforms, however many of their arcs arrived) or ``TIE_STRENGTH`` (the
  platform whose strongest arriving arc has the highest probability; equal
  probabilities: uniform); a multi-homed merchant adopts all of them;
* a user holding platform Q and reached by platforms it never held switches
  to one of them (chosen by the tie rule) with probability
  ``switching * (1 - lock_in) ** (steps since it adopted Q)``;
* a single-homed merchant holding a platform refuses every other one
  (offline preemption); a multi-homed merchant adds the new ones.

Merchants never switch. Seeds are the proposals of step 0 (a node seeded by
two platforms is a tie).

Random numbers are counter-based, built from :mod:`graphmodel.propagation._kernels`:
the coin of arc ``j`` for platform ``p`` in run ``r`` is
``arc_coin(run_key(base, r) ^ pkey[p], arc_key[j])`` (skip streams likewise),
with ``pkey[0] = 0``: platform 0 draws exactly the coins of
:func:`graphmodel.simulate` (IC), so a one-platform contest *equals* the
single-platform propagation core run by run. Tie, switching and multi-homing
coins hash (run, node[, step]) with their own salts. A run depends on the base
key and its number only: any worker count gives the same numbers, and two
contests with the same seed share every coin (paired sweeps).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from graphmodel.propagation._kernels import _segment_targets, mix64, run_key, to_unit

TIE_RANDOM = 0
TIE_STRENGTH = 1
#: Largest number of platforms (bit masks are int64).
MAX_PLATFORMS = 31

_G = np.uint64(0x9E3779B97F4A7C15)
_SALT_TIE = np.uint64(0x3C6EF372FE94F82B)
_SALT_SWITCH = np.uint64(0xA54FF53A5F1D36F1)
_SALT_MULTI = np.uint64(0x510E527FADE682D1)
_SALT_PLATFORM = np.uint64(0x1F83D9ABFB41BD6B)


@njit(cache=True, inline="always")
def node_coin(rkey, node, step, salt):
    """Uniform in [0, 1) for (run, node, step) under ``salt``."""
    return to_unit(mix64(rkey ^ mix64((np.uint64(node) * _G) ^ mix64(np.uint64(step) ^ salt))))


@njit(cache=True)
def platform_keys(n_platforms):
    """Per-platform coin keys; platform 0 gets 0 (the coins of the propagation core)."""
    out = np.zeros(n_platforms, np.uint64)
    for p in range(1, n_platforms):
        out[p] = mix64(np.uint64(p) * _G ^ _SALT_PLATFORM)
    return out


@njit(cache=True, inline="always")
def multihomed(rkey, node, multihoming):
    if multihoming <= 0.0:
        return False
    return node_coin(rkey, node, 0, _SALT_MULTI) < multihoming


#: Probabilities are kept as fixed-point int64 (exact to 2**-52) beside the candidate mask.
_FX = 4503599627370496.0  # 2**52
_SEED_FX = np.int64(2 * 4503599627370496)


@njit(cache=True)
def _pick(mask, rec_u, step, rkey, u, tie, P):
    """One platform among the bits of ``mask`` (tie rule); coins keyed on (run, node, step)."""
    best = np.int64(-1)
    if tie == TIE_STRENGTH:
        for p in range(P):
            if (mask >> p) & 1 and rec_u[2 + 2 * p] > best:
                best = rec_u[2 + 2 * p]
    k = 0
    for p in range(P):
        if (mask >> p) & 1 and (tie != TIE_STRENGTH or rec_u[2 + 2 * p] == best):
            k += 1
    if k == 1:
        idx = 0
    else:
        idx = np.int64(node_coin(rkey, u, step, _SALT_TIE) * k)
        if idx >= k:
            idx = k - 1
    for p in range(P):
        if (mask >> p) & 1 and (tie != TIE_STRENGTH or rec_u[2 + 2 * p] == best):
            if idx == 0:
                return p
            idx -= 1
    return -1


@njit(cache=True, inline="always")
def _propose(u, p, prfx, l, ctr, rec, touched, nt):
    """Record that platform ``p`` reached ``u`` in this step; returns the new number of touched nodes."""
    c = rec[u, 1]
    bit = np.int64(1) << p
    if (c >> 32) != ctr:
        rec[u, 1] = (ctr << 32) | bit
        rec[u, 2 + 2 * p] = prfx
        rec[u, 3 + 2 * p] = l
        touched[nt] = u
        return nt + 1
    if not (c & bit):
        rec[u, 1] = c | bit
        rec[u, 2 + 2 * p] = prfx
        rec[u, 3 + 2 * p] = l
    elif prfx > rec[u, 2 + 2 * p]:
        rec[u, 2 + 2 * p] = prfx
    return nt


@njit(cache=True, inline="always")
def _adopt_info(step, layer, owner):
    """rec[u, 0]: step of adoption << 16 | layer << 8 | owner + 1."""
    return (np.int64(step) << 16) | (np.int64(layer) << 8) | np.int64(owner + 1)


@njit(cache=True)
def _compete_run(
    r, base, indptr, indices, lptr, arc_key, prob, seg_u, seg_m, seg_key, pkey, seeds, seed_ptr, n_users,
    tie, switching, lock_in, multihoming, max_steps,
    pay_ptr, pay_m, pay_w,
    state, rec, front_v, front_p, nxt_v, nxt_p, touched, live, adopted, ctr0,
    out_users, out_merch, out_gmv, out_layers, out_curve,
):
    """One run; writes the run's rows of the outputs; returns (steps, step counter for the next run).

    ``state[u]`` = run tag << 32 | platforms ever held; ``rec[u]`` = [adoption info, step counter << 32 |
    mask of platforms reaching u in this step, then per platform (best arc probability, layer)].
    """
    P = prob.shape[0]
    L = lptr.shape[1] - 1
    T = out_curve.shape[1]
    rtag = np.int64(r + 1) << 32
    low = (np.int64(1) << 32) - 1
    rkey = run_key(base, r)
    ctr = ctr0
    for p in range(P):
        out_users[p] = 0
        out_merch[p] = 0
        out_gmv[p] = 0.0
        for l in range(L + 1):
            out_layers[p, l] = 0
    na = 0
    # ---- step 0: seeds are the proposals
    ctr += 1
    nt = 0
    for p in range(P):
        for i in range(seed_ptr[p], seed_ptr[p + 1]):
            nt = _propose(seeds[i], p, _SEED_FX, L, ctr, rec, touched, nt)
    step = 0
    nf = 0
    while True:
        # ---- resolve the proposals of this step
        nn = 0
        for i in range(nt):
            u = touched[i]
            ru = rec[u]
            M = ru[1] & low
            is_user = u < n_users
            s_u = state[u]
            if (s_u & ~low) != rtag:  # new to this run
                adopted[na] = u
                na += 1
                if (not is_user) and multihomed(rkey, u, multihoming):
                    state[u] = rtag | M
                    ru[0] = _adopt_info(step, L, -1)
                    for p in range(P):
                        if (M >> p) & 1:
                            out_merch[p] += 1
                            nxt_v[nn] = u
                            nxt_p[nn] = p
                            nn += 1
                    continue
                w = _pick(M, ru, step, rkey, u, tie, P)
                state[u] = rtag | (np.int64(1) << w)
                lw = ru[3 + 2 * w]
                ru[0] = _adopt_info(step, lw, w)
                if is_user:
                    out_users[w] += 1
                    out_layers[w, lw] += 1
                else:
                    out_merch[w] += 1
                nxt_v[nn] = u
                nxt_p[nn] = w
                nn += 1
                continue
            M &= ~(s_u & low)
            if M == 0:
                continue
            if not is_user:
                if multihomed(rkey, u, multihoming):
                    state[u] = s_u | M
                    for p in range(P):
                        if (M >> p) & 1:
                            out_merch[p] += 1
                            nxt_v[nn] = u
                            nxt_p[nn] = p
                            nn += 1
                continue
            if switching <= 0.0:
                continue
            c = _pick(M, ru, step, rkey, u, tie, P)
            info = ru[0]
            ps = switching
            if lock_in > 0.0:
                ps = switching * (1.0 - lock_in) ** (step - (info >> 16))
            if node_coin(rkey, u, step, _SALT_SWITCH) < ps:
                old = (info & 255) - 1
                out_users[old] -= 1
                out_layers[old, (info >> 8) & 255] -= 1
                state[u] = s_u | (np.int64(1) << c)
                lc = ru[3 + 2 * c]
                ru[0] = _adopt_info(step, lc, c)
                out_users[c] += 1
                out_layers[c, lc] += 1
                nxt_v[nn] = u
                nxt_p[nn] = c
                nn += 1
        if step < T:
            for p in range(P):
                out_curve[p, step] = out_users[p]
        for i in range(nn):
            front_v[i] = nxt_v[i]
            front_p[i] = nxt_p[i]
        nf = nn
        if nf == 0 or (max_steps >= 0 and step >= max_steps):
            break
        # ---- spread: every new (node, platform) pair tries its arcs once
        step += 1
        ctr += 1
        nt = 0
        for i in range(nf):
            v = front_v[i]
            p = front_p[i]
            bit = np.int64(1) << p
            rk = rkey ^ pkey[p]
            if v < n_users:
                segs = seg_u[p]
            else:
                segs = seg_m[p]
            probp = prob[p]
            for l in range(L):
                a = lptr[v, l]
                b = lptr[v, l + 1]
                if a == b or segs[l] == 0.0:
                    continue
                k = _segment_targets(v, l, a, b, rk, np.uint64(0), indices, arc_key, probp, segs, seg_key, live)
                for t in range(k):
                    j = live[t]
                    u = indices[j]
                    s_u = state[u]
                    if (s_u & ~low) == rtag:
                        if s_u & bit:
                            continue
                        if u < n_users:
                            if switching <= 0.0:
                                continue
                        elif not multihomed(rkey, u, multihoming):
                            continue
                    pr = segs[l] if segs[l] >= 0.0 else probp[j]
                    nt = _propose(u, p, np.int64(pr * _FX), l, ctr, rec, touched, nt)
    for s in range(step + 1, T):
        for p in range(P):
            out_curve[p, s] = out_users[p]
    # ---- GMV: payments between a user and a merchant that accepts the user's platform
    if pay_ptr.shape[0] > 1:
        if na * 4 > n_users:  # many adopters: stream over all users (sequential memory)
            for u in range(n_users):
                if (state[u] & ~low) == rtag:
                    _gmv_user(u, (rec[u, 0] & 255) - 1, pay_ptr, pay_m, pay_w, state, rtag, low, out_gmv)
        else:
            for i in range(na):
                u = adopted[i]
                if u < n_users:
                    _gmv_user(u, (rec[u, 0] & 255) - 1, pay_ptr, pay_m, pay_w, state, rtag, low, out_gmv)
    return step, ctr


@njit(cache=True, inline="always")
def _gmv_user(u, p, pay_ptr, pay_m, pay_w, state, rtag, low, out_gmv):
    bit = np.int64(1) << p
    acc = 0.0
    for e in range(pay_ptr[u], pay_ptr[u + 1]):
        sm = state[pay_m[e]]
        if (sm & ~low) == rtag and (sm & bit):
            acc += pay_w[e]
    out_gmv[p] += acc


@njit(cache=True, parallel=True)
def compete_batch(
    base, run_start, n_runs, n_chunks, indptr, indices, lptr, arc_key, prob, seg_u, seg_m, seg_key, pkey, seeds,
    seed_ptr, n_users, tie, switching, lock_in, multihoming, max_steps, curve_len, pay_ptr, pay_m, pay_w,
):
    """Runs ``run_start .. run_start+n_runs-1`` of a contest.

    Returns
    -------
    users, merchants : (n_runs, P) int64, final holders of each platform
    gmv : (n_runs, P) float64, payment weight between each platform's users and its merchants
    layers : (n_runs, P, L+1) int64, final users of each platform by adoption layer (column L = seeds)
    curve : (n_runs, P, curve_len) int32, users holding each platform after each step
    steps : (n_runs,) int64
    """
    n = indptr.shape[0] - 1
    P = prob.shape[0]
    L = lptr.shape[1] - 1
    users = np.zeros((n_runs, P), np.int64)
    merch = np.zeros((n_runs, P), np.int64)
    gmv = np.zeros((n_runs, P), np.float64)
    layers = np.zeros((n_runs, P, L + 1), np.int64)
    curve = np.zeros((n_runs, P, curve_len), np.int32)
    steps = np.zeros(n_runs, np.int64)
    max_out = 0
    for v in range(n):
        d = indptr[v + 1] - indptr[v]
        if d > max_out:
            max_out = d
    for c in prange(n_chunks):
        lo = (n_runs * c) // n_chunks
        hi = (n_runs * (c + 1)) // n_chunks
        state = np.zeros(n, np.int64)
        rec = np.zeros((n, max(8, 2 + 2 * P)), np.int64)  # 64-byte rows for up to 3 platforms
        front_v = np.empty(n * P, np.int32)
        front_p = np.empty(n * P, np.int8)
        nxt_v = np.empty(n * P, np.int32)
        nxt_p = np.empty(n * P, np.int8)
        touched = np.empty(n, np.int32)
        live = np.empty(max_out + 1, np.int64)
        adopted = np.empty(n, np.int32)
        ctr = np.int64(0)
        for i in range(lo, hi):
            st, ctr = _compete_run(
                run_start + i, base, indptr, indices, lptr, arc_key, prob, seg_u, seg_m, seg_key, pkey, seeds,
                seed_ptr, n_users, tie, switching, lock_in, multihoming, max_steps, pay_ptr, pay_m, pay_w,
                state, rec, front_v, front_p, nxt_v, nxt_p, touched, live, adopted, ctr,
                users[i], merch[i], gmv[i], layers[i], curve[i],
            )
            steps[i] = st
    return users, merch, gmv, layers, curve, steps
