"""Compiled competitive cascade (numba). Only arrays and scalars cross this boundary.

State of a node in a run: the platforms it holds (a user holds one, a
single-homed merchant one, a multi-homed merchant any number) and the
platforms it ever held (``ever``, a bit mask; a node adopts a platform at
most once, so every run ends).

Everything a run knows about node ``u`` is one row ``rows[u]`` of int64 (32
bytes, within one cache line; see ``_C_*``): ``(run tag << 32) | ever`` (so
nothing is reset between runs), the adoption (step, layer, owner), and the
proposals of the current step. Without switching, with random ties and at
most 8 platforms the row is 16 bytes (state word, proposals word). A user holds its owner, a merchant every platform it ever
adopted. Two bit sets (L2-resident) drop proposals that cannot change
anything before the row is read: ``closed`` (an adopted user when there is
no switching, an adopted merchant that does not multi-home) and, with the
tie rule "random", ``stepb[p]`` (already reached by platform ``p`` in this
step).

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

Random numbers are counter-based, built from :mod:`graphmodel.kernels.coins`:
the coin of arc ``j`` for platform ``p`` in run ``r`` is
``arc_coin(run_key(base, r) ^ pkey[p], arc_key[j])`` (skip streams likewise),
with ``pkey[0] = 0``: platform 0 draws exactly the coins of
:func:`graphmodel.simulate` (IC), so a one-platform contest *equals* the
single-platform propagation core run by run. Tie, switching and multi-homing
coins hash (run, node[, step]) with their own salts. A run depends on the base
key and its number only: any worker count gives the same numbers, and two
contests with the same seed share every coin (paired sweeps).

:func:`compete_batch` takes its arrays in named tuples, so two of one dtype
cannot be swapped unnoticed: :data:`ContestGraph` (the graph),
:data:`Platforms` (the platforms' stacked arrays), :data:`Rules` (tie rule,
switching, lock-in, multi-homing, step limit) and :data:`Payments` (for the
GMV), unpacked in its first lines (no measurable cost). The per-run function
``_compete_run``, called from one place, keeps its positional arguments:
taking seven named tuples it ran 4-7% slower, both compiled afresh
(``benchmarks/bench_args_compete.py --grouped-run``).
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np
from numba import njit, prange

from graphmodel.kernels import TIE_RANDOM, TIE_STRENGTH
from graphmodel.kernels.coins import (
    GOLDEN,
    SALT_MULTI,
    SALT_PLATFORM,
    SALT_SWITCH,
    SALT_TIE,
    arc_coin,
    mix64,
    node_coin,
    run_key,
    stream_key,
)
from graphmodel.kernels.cpu import fetch_add, prefetch
from graphmodel.kernels.skip import break_table, max_out, max_seg, skip_next

__all__ = [
    "TIE_RANDOM",
    "TIE_STRENGTH",
    "MAX_PLATFORMS",
    "FX",
    "SEED_FX",
    "node_coin",
    "platform_keys",
    "multihomed",
    "compete_batch",
    "ContestGraph",
    "Platforms",
    "Rules",
    "Payments",
]

#: Largest number of platforms (bit masks are int64).
MAX_PLATFORMS = 31

#: The graph: CSR arcs by layer (``lptr`` (n, L+1), ``indices``), coin keys of arcs and layers; nodes below
#: ``n_users`` are users, the rest merchants.
ContestGraph = namedtuple("ContestGraph", ["lptr", "indices", "arc_key", "seg_key", "n_users"])
#: The platforms' stacked arrays: per-arc probabilities (P, m), layer probabilities (P, L) on users' and on
#: merchants' arcs (-1: per-arc), coin keys (:func:`platform_keys`), seeds (platform ``p``'s are
#: ``seeds[seed_ptr[p]:seed_ptr[p+1]]``).
Platforms = namedtuple("Platforms", ["prob", "seg_u", "seg_m", "pkey", "seeds", "seed_ptr"])
#: The contest's rules: tie rule code, switching, lock-in, multi-homing, step limit (-1: none).
Rules = namedtuple("Rules", ["tie", "switching", "lock_in", "multihoming", "max_steps"])
#: Payment edges grouped by user: ``merchant[ptr[u]:ptr[u+1]]`` (global numbers) and their ``weight``.
Payments = namedtuple("Payments", ["ptr", "merchant", "weight"])

_S11 = np.uint64(11)


@njit(cache=True)
def platform_keys(n_platforms):
    """Per-platform coin keys; platform 0 gets 0 (the coins of the propagation core)."""
    out = np.zeros(n_platforms, np.uint64)
    for p in range(1, n_platforms):
        out[p] = mix64(np.uint64(p) * GOLDEN ^ SALT_PLATFORM)
    return out


@njit(cache=True, inline="always")
def multihomed(rkey, node, multihoming):
    if multihoming <= 0.0:
        return False
    return node_coin(rkey, node, 0, SALT_MULTI) < multihoming


#: Probabilities are kept as fixed-point int64 (exact to 2**-52): the tie rule "strength" compares them.
FX = 4503599627370496.0  # 2**52
#: The fixed-point "probability" of a seed's proposal (above every arc's, so a seed wins a strength tie).
SEED_FX = np.int64(2 * 4503599627370496)

# Layout of the per-node record ``rows[u]`` (int64; one 32-byte row, or 64 bytes with the strength
# tie rule, so a node's whole state is one cache line):
_C_STATE = 0  # run tag << 32 | platforms ever held
_C_INFO = 1  # adoption step << 16 | layer << 8 | owner + 1
_C_PROP = 2  # step counter << 32 | platforms that reached the node in this step
_C_LAYER = 3  # 2 bits per platform: layer of the first arc of that platform in this step (L = seed)
_C_BEST = 4  # strength rule only: per platform, the best arriving probability (fixed point)
# Compact rows (16 bytes: no switching, tie rule "random", at most 8 platforms; the owner of a user is
# then the one platform it ever held and the adoption (step, layer) is never read again):
# column 0 as above, column 1 = step counter << 32 | layer bits (2 per platform) << 8 | mask.
_COMPACT_P = 8

_BLOCK = 1024  # proposals gathered before the records of their heads are read
_AHEAD = 16  # prefetch distance (front pairs; proposals; touched nodes)


@njit(cache=True, inline="always")
def _bit_get(bits, u):
    return (bits[u >> 6] >> np.uint64(u & 63)) & np.uint64(1)


@njit(cache=True, inline="always")
def _bit_set(bits, u):
    bits[u >> 6] |= np.uint64(1) << np.uint64(u & 63)


@njit(cache=True, inline="always")
def _bit_clear(bits, u):
    bits[u >> 6] &= ~(np.uint64(1) << np.uint64(u & 63))


@njit(cache=True)
def _pick(mask, rows, u, step, rkey, tie, P):
    """One platform among the bits of ``mask`` (tie rule); coins keyed on (run, node, step)."""
    best = np.int64(-1)
    if tie == TIE_STRENGTH:
        for p in range(P):
            if (mask >> p) & 1 and rows[u, _C_BEST + p] > best:
                best = rows[u, _C_BEST + p]
    k = 0
    for p in range(P):
        if (mask >> p) & 1 and (tie != TIE_STRENGTH or rows[u, _C_BEST + p] == best):
            k += 1
    if k == 1:
        idx = 0
    else:
        idx = np.int64(node_coin(rkey, u, step, SALT_TIE) * k)
        if idx >= k:
            idx = k - 1
    for p in range(P):
        if (mask >> p) & 1 and (tie != TIE_STRENGTH or rows[u, _C_BEST + p] == best):
            if idx == 0:
                return p
            idx -= 1
    return -1


@njit(cache=True, inline="always")
def _propose(rows, u, p, prfx, l, ctr, strength, touched, nt):
    """Record that platform ``p`` reached ``u`` in this step; returns the new number of touched nodes."""
    bit = np.int64(1) << p
    sh = 2 * p
    if rows.shape[1] == 2:
        c = rows[u, 1]
        lb = np.int64(l) << (8 + sh)
        if (c >> 32) != ctr:
            rows[u, 1] = (ctr << 32) | lb | bit
            touched[nt] = u
            return nt + 1
        if not (c & bit):
            rows[u, 1] = c | lb | bit
        return nt
    c = rows[u, _C_PROP]
    if (c >> 32) != ctr:
        rows[u, _C_PROP] = (ctr << 32) | bit
        rows[u, _C_LAYER] = np.int64(l) << sh
        if strength:
            rows[u, _C_BEST + p] = prfx
        touched[nt] = u
        return nt + 1
    if not (c & bit):
        rows[u, _C_PROP] = c | bit
        rows[u, _C_LAYER] |= np.int64(l) << sh
        if strength:
            rows[u, _C_BEST + p] = prfx
    elif strength and prfx > rows[u, _C_BEST + p]:
        rows[u, _C_BEST + p] = prfx
    return nt


@njit(cache=True, inline="always")
def _adopt_info(step, layer, owner):
    """rows[u, _C_INFO]: step of adoption << 16 | layer << 8 | owner + 1."""
    return (np.int64(step) << 16) | (np.int64(layer) << 8) | np.int64(owner + 1)


@njit(cache=True, inline="always")
def _layer_of(rows, u, p):
    if rows.shape[1] == 2:
        return (rows[u, 1] >> (8 + 2 * p)) & 3
    return (rows[u, _C_LAYER] >> (2 * p)) & 3


@njit(cache=True, inline="always")
def _mask_of(rows, u, low):
    if rows.shape[1] == 2:
        return rows[u, 1] & 255
    return rows[u, _C_PROP] & low


@njit(cache=True, inline="always")
def _owner(rows, u, low, P):
    """The platform a settled user holds."""
    if rows.shape[1] == 2:  # compact rows: the one platform it ever held
        ever = rows[u, _C_STATE] & low
        for p in range(P):
            if (ever >> p) & 1:
                return p
        return -1
    return (rows[u, _C_INFO] & 255) - 1


@njit(cache=True)
def _compete_run(
    r,
    base,
    lptr,
    indices,
    arc_key,
    prob,
    segs,
    lq,
    cap,
    thr,
    seg_key,
    pkey,
    seeds,
    seed_ptr,
    n_users,
    tie,
    switching,
    lock_in,
    multihoming,
    max_steps,
    pay_ptr,
    pay_m,
    pay_w,
    rows,
    closed,
    stepb,
    front_v,
    front_p,
    nxt_v,
    nxt_p,
    touched,
    cand_u,
    cand_p,
    cand_l,
    cand_f,
    adopted,
    mk,
    ctr0,
    pconst,
    ithr,
    out_users,
    out_merch,
    out_gmv,
    out_layers,
    out_curve,
):
    """One run; writes the run's outputs (local arrays); returns (steps, step counter for the next run).

    ``segs[(side * P + p) * L + l]`` is the probability of layer ``l`` for platform ``p`` on the arcs of
    users (side 0) or merchants (side 1); -1 = per-arc (``prob[p, j]``). ``closed`` (bits) marks the
    nodes that refuse every proposal for the rest of the run (an adopted user when there is no
    switching; an adopted merchant that does not multi-home), ``stepb[p]`` (bits, tie rule
    "random" only) the nodes that platform ``p`` reached in this step: a proposal to either is a
    no-op, so it is dropped before the node's record is read.
    """
    P = prob.shape[0]
    L = lptr.shape[1] - 1
    T = out_curve.shape[1]
    strength = tie == TIE_STRENGTH
    filt = not strength
    cm = rows.shape[1] == 2
    has_arc = np.zeros(2 * P, np.bool_)
    for x in range(2 * P * L):
        if segs[x] < 0.0:
            has_arc[x // L] = True
    rtag = np.int64(r + 1) << 32
    low = (np.int64(1) << 32) - 1
    rkey = run_key(base, r)
    ctr = ctr0
    closed[:] = 0
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
            s = seeds[i]
            if filt:
                if _bit_get(stepb[p], s):
                    continue
                _bit_set(stepb[p], s)
            nt = _propose(rows, s, p, SEED_FX, L, ctr, strength, touched, nt)
    step = 0
    nf = 0
    while True:
        # ---- resolve the proposals of this step
        nn = 0
        for i in range(min(nt, _AHEAD)):
            prefetch(rows, touched[i])
        for i in range(nt):
            if i + _AHEAD < nt:
                prefetch(rows, touched[i + _AHEAD])
            u = touched[i]
            M = _mask_of(rows, u, low)
            if filt:
                for p in range(P):
                    if (M >> p) & 1:
                        _bit_clear(stepb[p], u)
            is_user = u < n_users
            s_u = rows[u, _C_STATE]
            if (s_u & ~low) != rtag:  # new to this run
                adopted[na] = u
                na += 1
                if (not is_user) and multihomed(rkey, u, multihoming):
                    rows[u, _C_STATE] = rtag | M
                    if not cm:
                        rows[u, _C_INFO] = _adopt_info(step, L, -1)
                    for p in range(P):
                        if (M >> p) & 1:
                            out_merch[p] += 1
                            nxt_v[nn] = u
                            nxt_p[nn] = p
                            nn += 1
                    continue
                w = _pick(M, rows, u, step, rkey, tie, P)
                rows[u, _C_STATE] = rtag | (np.int64(1) << w)
                lw = _layer_of(rows, u, w)
                if not cm:
                    rows[u, _C_INFO] = _adopt_info(step, lw, w)
                if is_user:
                    out_users[w] += 1
                    out_layers[w, lw] += 1
                    if switching <= 0.0:
                        _bit_set(closed, u)
                else:
                    out_merch[w] += 1
                    _bit_set(closed, u)
                nxt_v[nn] = u
                nxt_p[nn] = w
                nn += 1
                continue
            M &= ~(s_u & low)
            if M == 0:
                continue
            if not is_user:
                if multihomed(rkey, u, multihoming):
                    rows[u, _C_STATE] = s_u | M
                    for p in range(P):
                        if (M >> p) & 1:
                            out_merch[p] += 1
                            nxt_v[nn] = u
                            nxt_p[nn] = p
                            nn += 1
                continue
            if switching <= 0.0:
                continue
            c = _pick(M, rows, u, step, rkey, tie, P)
            info = rows[u, _C_INFO]
            ps = switching
            if lock_in > 0.0:
                ps = switching * (1.0 - lock_in) ** (step - (info >> 16))
            if node_coin(rkey, u, step, SALT_SWITCH) < ps:
                old = (info & 255) - 1
                out_users[old] -= 1
                out_layers[old, (info >> 8) & 255] -= 1
                rows[u, _C_STATE] = s_u | (np.int64(1) << c)
                lc = _layer_of(rows, u, c)
                rows[u, _C_INFO] = _adopt_info(step, lc, c)
                out_users[c] += 1
                out_layers[c, lc] += 1
                nxt_v[nn] = u
                nxt_p[nn] = c
                nn += 1
        if step < T:
            for p in range(P):
                out_curve[p, step] = out_users[p]
        front_v, nxt_v = nxt_v, front_v
        front_p, nxt_p = nxt_p, front_p
        nf = nn
        if nf == 0 or (max_steps >= 0 and step >= max_steps):
            break
        # ---- spread: every new (node, platform) pair tries its arcs once
        step += 1
        ctr += 1
        nt = 0
        i = 0
        while i < nf:
            # phase 1: the live arcs of a block of front pairs, in order (pair, layer, arc), whose heads
            # are not closed (a bit test) -> candidate proposals; prefetch the rows phase 1 will read
            k = 0
            while i < nf and k < _BLOCK:
                if i + _AHEAD < nf:
                    prefetch(lptr, front_v[i + _AHEAD])
                if i + _AHEAD // 2 < nf:
                    v2 = front_v[i + _AHEAD // 2]
                    sp2 = (0 if v2 < n_users else P) + front_p[i + _AHEAD // 2]
                    sb2 = sp2 * L
                    for l in range(L if has_arc[sp2] else 0):  # only pairs with per-arc layers
                        if segs[sb2 + l] < 0.0:
                            a2 = np.int64(lptr[v2, l])
                            prefetch(arc_key, a2)
                            prefetch(indices, a2)
                v = front_v[i]
                p = np.int64(front_p[i])
                i += 1
                rk = rkey ^ pkey[p]
                sb = ((0 if v < n_users else P) + p) * L
                sp_bits = stepb[p]
                for l in range(L):
                    a = np.int64(lptr[v, l])
                    b = np.int64(lptr[v, l + 1])
                    if a == b:
                        continue
                    sl = sb + l
                    q = segs[sl]
                    if q == 0.0:
                        continue
                    if q < 0.0 and ithr[sl] > 0:  # per-arc coins, one probability for the whole layer
                        tq = np.uint64(ithr[sl])
                        fq = np.int64(pconst[sl] * FX)
                        for j in range(a, b):
                            u = indices[j]
                            if _bit_get(closed, u):
                                continue
                            if filt and _bit_get(sp_bits, u):
                                continue
                            if (mix64(rk ^ arc_key[j]) >> _S11) < tq:  # == arc_coin(rk, arc_key[j]) < pconst
                                cand_u[k] = j
                                cand_p[k] = p
                                cand_l[k] = l
                                if strength:
                                    cand_f[k] = fq
                                k += 1
                    elif q < 0.0:  # per-arc coins; a closed head needs no coin
                        for j in range(a, b):
                            u = indices[j]
                            if _bit_get(closed, u):
                                continue
                            if filt and _bit_get(sp_bits, u):
                                continue
                            pj = prob[p, j]
                            if arc_coin(rk, arc_key[j]) < pj:
                                cand_u[k] = j
                                cand_p[k] = p
                                cand_l[k] = l
                                if strength:
                                    cand_f[k] = np.int64(pj * FX)
                                k += 1
                    elif q >= 1.0:
                        for j in range(a, b):
                            u = indices[j]
                            if _bit_get(closed, u):
                                continue
                            cand_u[k] = j
                            cand_p[k] = p
                            cand_l[k] = l
                            if strength:
                                cand_f[k] = np.int64(q * FX)
                            k += 1
                    else:  # geometric skipping, exactly as the propagation core
                        key = stream_key(rk, v, seg_key[l], np.uint64(0))
                        lql = lq[sl]
                        c = cap[sl]
                        j = a - 1
                        d = 0
                        while True:  # graphmodel.kernels.skip.skip_next, with its proof of exactness
                            j = skip_next(key, d, j, b, lql, c, thr, sl)
                            d += 1
                            if j < 0:
                                break
                            prefetch(indices, j)  # the head is read in phase 2 (no stall here)
                            cand_u[k] = j
                            cand_p[k] = p
                            cand_l[k] = l
                            if strength:
                                cand_f[k] = np.int64(q * FX)
                            k += 1
            # phase 2: propose in the same order, prefetching the heads' rows a few proposals ahead
            for t in range(min(k, _AHEAD)):
                prefetch(rows, indices[cand_u[t]])
            for t in range(k):
                if t + _AHEAD < k:
                    u2 = indices[cand_u[t + _AHEAD]]
                    if not _bit_get(closed, u2):
                        prefetch(rows, u2)
                u = indices[cand_u[t]]
                if _bit_get(closed, u):
                    continue
                p = np.int64(cand_p[t])
                if filt and _bit_get(stepb[p], u):
                    continue
                bit = np.int64(1) << p
                s_u = rows[u, _C_STATE]
                if (s_u & ~low) == rtag:
                    if s_u & bit:
                        continue
                    if u < n_users:
                        if switching <= 0.0:
                            continue
                    elif not multihomed(rkey, u, multihoming):
                        continue
                if filt:
                    _bit_set(stepb[p], u)
                nt = _propose(rows, u, p, cand_f[t], np.int64(cand_l[t]), ctr, strength, touched, nt)
    for s in range(step + 1, T):
        for p in range(P):
            out_curve[p, s] = out_users[p]
    # ---- GMV: payments between a user and a merchant that accepts the user's platform
    if pay_ptr.shape[0] > 1:
        # platforms each merchant accepts in this run, compact (L2-resident) for the 5M-edge pass
        for m in range(mk.shape[0]):
            sm = rows[n_users + m, _C_STATE]
            mk[m] = sm & low if (sm & ~low) == rtag else 0
        if na * 4 > n_users:  # many adopters: stream over all users (sequential memory)
            for u in range(n_users):
                if (rows[u, _C_STATE] & ~low) == rtag:
                    _gmv_user(u, _owner(rows, u, low, P), pay_ptr, pay_m, pay_w, mk, n_users, out_gmv)
        else:
            for i in range(na):
                u = adopted[i]
                if u < n_users:
                    _gmv_user(u, _owner(rows, u, low, P), pay_ptr, pay_m, pay_w, mk, n_users, out_gmv)
    return step, ctr


@njit(cache=True)
def _constant_layers(lptr, prob, segs, n_users):
    """Per-arc layers whose arcs all have one probability ``c`` (e.g. the merchants' carry).

    Returns ``(c, t)`` per ``segs`` entry, ``t = ceil(c * 2**53)`` (0: not constant). For such a
    layer ``arc_coin(rkey, key) < c`` iff ``mix64(rkey ^ key) >> 11 < t``: the coin is
    ``x * 2**-53`` with the integer ``x = mix64(..) >> 11 < 2**53``, both products are exact, and
    for an integer x, ``x < y`` iff ``x < ceil(y)``. The probabilities need not be read.
    """
    P = prob.shape[0]
    L = lptr.shape[1] - 1
    n = lptr.shape[0]
    c = np.zeros(segs.shape[0])
    t = np.zeros(segs.shape[0], np.int64)
    for side in range(2):
        lo = 0 if side == 0 else n_users
        hi = n_users if side == 0 else n
        for p in range(P):
            for l in range(L):
                sl = (side * P + p) * L + l
                if segs[sl] >= 0.0:
                    continue
                first = True
                same = True
                val = 0.0
                for v in range(lo, hi):
                    for j in range(np.int64(lptr[v, l]), np.int64(lptr[v, l + 1])):
                        x = prob[p, j]
                        if first:
                            val = x
                            first = False
                        elif x != val:
                            same = False
                            break
                    if not same:
                        break
                if same and not first and 0.0 <= val <= 1.0:
                    c[sl] = val
                    t[sl] = np.int64(np.ceil(val * 9007199254740992.0))
    return c, t


@njit(cache=True, inline="always")
def _gmv_user(u, p, pay_ptr, pay_m, pay_w, mk, n_users, out_gmv):
    bit = np.int64(1) << p
    acc = 0.0
    for e in range(pay_ptr[u], pay_ptr[u + 1]):
        if mk[pay_m[e] - n_users] & bit:
            acc += pay_w[e]
    out_gmv[p] += acc


@njit(cache=True, parallel=True)
def compete_batch(base, run_start, n_runs, n_workers, g, pf, rules, pay, curve_len):
    """Runs ``run_start .. run_start+n_runs-1`` of a contest on ``n_workers`` threads.

    Runs are handed to the workers one at a time (an atomic counter); each run writes only its own
    rows of the outputs, from worker-local counters, so the numbers do not depend on the schedule.

    ``g``: a :data:`ContestGraph`; ``pf``: the :data:`Platforms`; ``rules``: the :data:`Rules`; ``pay``:
    the :data:`Payments`; ``curve_len``: steps kept in the share curve.

    Returns
    -------
    users, merchants : (n_runs, P) int64, final holders of each platform
    gmv : (n_runs, P) float64, payment weight between each platform's users and its merchants
    layers : (n_runs, P, L+1) int64, final users of each platform by adoption layer (column L = seeds)
    curve : (n_runs, P, curve_len) int32, users holding each platform after each step
    steps : (n_runs,) int64
    """
    lptr, indices, arc_key, seg_key, n_users = g
    prob, seg_u, seg_m, pkey, seeds, seed_ptr = pf
    tie, switching, lock_in, multihoming, max_steps = rules
    pay_ptr, pay_m, pay_w = pay
    n = lptr.shape[0]
    P = prob.shape[0]
    L = lptr.shape[1] - 1
    users = np.zeros((n_runs, P), np.int64)
    merch = np.zeros((n_runs, P), np.int64)
    gmv = np.zeros((n_runs, P), np.float64)
    layers = np.zeros((n_runs, P, L + 1), np.int64)
    curve = np.zeros((n_runs, P, curve_len), np.int32)
    steps = np.zeros(n_runs, np.int64)
    if L > 3:
        raise ValueError("at most 3 layers (2 bits per platform)")
    segs = np.empty(2 * P * L)
    for p in range(P):
        for l in range(L):
            segs[p * L + l] = seg_u[p, l]
            segs[(P + p) * L + l] = seg_m[p, l]
    lq, cap, thr = break_table(segs, max_seg(lptr) if n > 0 else np.int64(0))
    pconst, ithr = _constant_layers(lptr, prob, segs, n_users)
    mo = max_out(lptr) if n > 0 else np.int64(0)
    strength = tie == TIE_STRENGTH
    width = 8 if (strength and P <= 4) else (_C_BEST + P if strength else 4)
    if not strength and switching <= 0.0 and P <= _COMPACT_P:
        width = 2
    nw = 64 // 64 + n // 64
    W = max(1, min(n_workers, n_runs))
    counter = np.zeros(1, np.int64)
    for w in prange(W):  # noqa: B007  (one workspace per worker; runs come from the counter)
        rows = np.zeros((n, width), np.int64)
        closed = np.zeros(nw, np.uint64)
        stepb = np.zeros((P, nw), np.uint64)
        front_v = np.empty(n * P, np.int32)
        front_p = np.empty(n * P, np.int8)
        nxt_v = np.empty(n * P, np.int32)
        nxt_p = np.empty(n * P, np.int8)
        touched = np.empty(n, np.int32)
        nc = _BLOCK + mo + 1
        cand_u = np.empty(nc, np.int64)  # arcs
        cand_p = np.empty(nc, np.int8)
        cand_l = np.empty(nc, np.int8)
        cand_f = np.empty(nc, np.int64)
        adopted = np.empty(n, np.int32)
        mk = np.zeros(n - n_users, np.int32)
        o_users = np.zeros(P, np.int64)
        o_merch = np.zeros(P, np.int64)
        o_gmv = np.zeros(P, np.float64)
        o_layers = np.zeros((P, L + 1), np.int64)
        o_curve = np.zeros((P, curve_len), np.int32)
        ctr = np.int64(0)
        while True:
            i = fetch_add(counter, 0, 1)
            if i >= n_runs:
                break
            st, ctr = _compete_run(
                run_start + i,
                base,
                lptr,
                indices,
                arc_key,
                prob,
                segs,
                lq,
                cap,
                thr,
                seg_key,
                pkey,
                seeds,
                seed_ptr,
                n_users,
                tie,
                switching,
                lock_in,
                multihoming,
                max_steps,
                pay_ptr,
                pay_m,
                pay_w,
                rows,
                closed,
                stepb,
                front_v,
                front_p,
                nxt_v,
                nxt_p,
                touched,
                cand_u,
                cand_p,
                cand_l,
                cand_f,
                adopted,
                mk,
                ctr,
                pconst,
                ithr,
                o_users,
                o_merch,
                o_gmv,
                o_layers,
                o_curve,
            )
            steps[i] = st
            for p in range(P):
                users[i, p] = o_users[p]
                merch[i, p] = o_merch[p]
                gmv[i, p] = o_gmv[p]
                for l in range(L + 1):
                    layers[i, p, l] = o_layers[p, l]
                for s in range(curve_len):
                    curve[i, p, s] = o_curve[p, s]
    return users, merch, gmv, layers, curve, steps
