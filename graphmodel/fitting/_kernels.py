"""Compiled cores of :mod:`graphmodel.fitting` (numba); :mod:`graphmodel.fitting.reference` has the plain-Python check.

Only arrays and scalars go in. Days are integers ``0 .. T`` (``T`` the last
observed day); ``NEVER`` marks "no adoption".
"""

from __future__ import annotations

import numba as nb
import numpy as np
from numba import types
from numba.typed import Dict

import graphmodel.kernels  # noqa: F401  (sets the OpenMP wait policy before a parallel kernel starts threads)
from graphmodel.kernels.csr import CoCustomers, cocustomer_links

#: Day of an adoption that never happened.
NEVER = np.int64(2**62)
#: Bits per layer count in a packed configuration key (counts up to 2**21 - 1).
KBITS = 21
_KMASK = (1 << KBITS) - 1
_CFG_KEY = types.UniTuple(types.int64, 2)


@nb.njit(cache=True, inline="always")
def pack(ks: int, kp: int, kt: int) -> int:
    """One int64 from the three per-layer exposure counts (social, payment, transfer)."""
    return (ks << (2 * KBITS)) | (kp << KBITS) | kt


@nb.njit(cache=True)
def _grow_i64(a: np.ndarray, n: int) -> np.ndarray:
    b = np.empty(max(2 * a.size, n, 16), a.dtype)
    b[: a.size] = a
    return b


@nb.njit(cache=True, nogil=True)
def exposure_stats(
    n_users: int,
    n_items: int,
    last_day: int,
    window: int,
    f_ptr: np.ndarray,
    f_item: np.ndarray,
    f_day: np.ndarray,
    s_ptr: np.ndarray,
    s_nbr: np.ndarray,
    x_ptr: np.ndarray,
    x_nbr: np.ndarray,
    cc: CoCustomers,
    use: np.ndarray,
    group: np.ndarray,
    n_groups: int,
):
    """Sufficient statistics of the discrete-time IC-with-background likelihood, per user.

    For every user ``u``, item ``i`` and day ``d`` in ``0 .. min(own_i, T)``
    (``own_i`` the day ``u`` first bought ``i``; the risk ends with it) the
    configuration is ``(i, k_social, k_payment, k_transfer)``: ``k_L`` counts
    the exposures of ``u`` to ``i`` through layer ``L`` that are live on day
    ``d``. An exposure is a neighbour's first purchase of ``i`` on day ``e``
    with ``e < own_i``; it is live on days ``e+1 .. e+window``. Neighbours:
    ``s_*`` (social: whose purchases count for ``u``), ``x_*`` (transfer
    partners), co-customers through ``cc`` (a :data:`~graphmodel.kernels.csr.CoCustomers`
    of days: a user's merchants with first days / a merchant's buyers with first days: ``v`` is linked to ``u``
    from ``min over shared merchants of max(day_u, day_v)`` on, and only
    ``v``'s purchases strictly after that day count). ``use[L]`` switches a
    layer on.

    Returns, per group of users (``group[u]`` in ``0 .. n_groups-1``) and
    configuration, the non-adoption days and adoptions (``(n_groups, C)``
    arrays), where an untouched pair ``(u, i)`` (no exposure, no adoption) is
    implicit: it contributes ``T + 1`` non-adoption days to the zero
    configuration of ``i`` (config number ``i``). Touched pairs' zero
    configuration is stored relative to that (``days - (T+1)``, possibly
    negative). Also returns the configuration table (item and packed counts)
    and per layer the number of exposures counted.
    """
    T = last_day
    cfg_index = Dict.empty(key_type=_CFG_KEY, value_type=types.int64)
    cfg_item = np.empty(max(16, 2 * n_items), np.int64)
    cfg_key = np.empty(max(16, 2 * n_items), np.int64)
    for i in range(n_items):
        cfg_index[(i, 0)] = i
        cfg_item[i] = i
        cfg_key[i] = 0
    n_cfg = n_items

    cap = cfg_item.size
    acc_n = np.zeros((n_groups, cap), np.int64)
    acc_a = np.zeros((n_groups, cap), np.int64)
    expo = np.zeros(3, np.int64)

    own = np.full(n_items, NEVER)
    link = np.full(n_users, NEVER)
    linked = np.empty(n_users, np.int64)
    ev_item = np.empty(64, np.int64)
    ev_day = np.empty(64, np.int64)
    ev_layer = np.empty(64, np.int64)
    # per-user piece buffer
    ch_day = np.empty(64, np.int64)
    ch_layer = np.empty(64, np.int64)
    ch_sign = np.empty(64, np.int64)
    touched = np.zeros(n_items, np.bool_)
    tlist = np.empty(n_items, np.int64)

    for u in range(n_users):
        for a in range(f_ptr[u], f_ptr[u + 1]):
            own[f_item[a]] = f_day[a]
        ne = 0
        for layer in range(3):
            if not use[layer]:
                continue
            if layer == 1:
                nl = cocustomer_links(u, cc, link, linked, NEVER)
                for c in range(nl):
                    v = linked[c]
                    lv = link[v]
                    for a in range(f_ptr[v], f_ptr[v + 1]):
                        d = f_day[a]
                        i = f_item[a]
                        end = own[i] if own[i] < NEVER else T
                        if d > lv and d < end:
                            if ne >= ev_item.size:
                                ev_item = _grow_i64(ev_item, ne + 1)
                                ev_day = _grow_i64(ev_day, ne + 1)
                                ev_layer = _grow_i64(ev_layer, ne + 1)
                            ev_item[ne] = i
                            ev_day[ne] = d
                            ev_layer[ne] = 1
                            ne += 1
                    link[v] = NEVER
            else:
                ptr = s_ptr if layer == 0 else x_ptr
                nbr = s_nbr if layer == 0 else x_nbr
                for c in range(ptr[u], ptr[u + 1]):
                    v = nbr[c]
                    if v == u:
                        continue
                    for a in range(f_ptr[v], f_ptr[v + 1]):
                        d = f_day[a]
                        i = f_item[a]
                        end = own[i] if own[i] < NEVER else T
                        if d < end:
                            if ne >= ev_item.size:
                                ev_item = _grow_i64(ev_item, ne + 1)
                                ev_day = _grow_i64(ev_day, ne + 1)
                                ev_layer = _grow_i64(ev_layer, ne + 1)
                            ev_item[ne] = i
                            ev_day[ne] = d
                            ev_layer[ne] = layer
                            ne += 1
        # touched items: exposed or adopted
        nt = 0
        for a in range(f_ptr[u], f_ptr[u + 1]):
            i = f_item[a]
            if not touched[i]:
                touched[i] = True
                tlist[nt] = i
                nt += 1
        for e in range(ne):
            i = ev_item[e]
            expo[ev_layer[e]] += 1
            if not touched[i]:
                touched[i] = True
                tlist[nt] = i
                nt += 1
        # events grouped by item
        order = np.argsort(ev_item[:ne] * (T + 2) + ev_day[:ne], kind="mergesort")
        g = group[u]
        e0 = 0
        tl = np.sort(tlist[:nt])
        for t_idx in range(nt):
            i = tl[t_idx]
            touched[i] = False
            e1 = e0
            while e1 < ne and ev_item[order[e1]] == i:
                e1 += 1
            adopted = own[i] < NEVER
            end = own[i] if adopted else T
            nch = 0
            need = 2 * (e1 - e0)
            if need > ch_day.size:
                ch_day = _grow_i64(ch_day, need)
                ch_layer = _grow_i64(ch_layer, need)
                ch_sign = _grow_i64(ch_sign, need)
            for e in range(e0, e1):
                k = order[e]
                d = ev_day[k]
                ch_day[nch] = d + 1
                ch_layer[nch] = ev_layer[k]
                ch_sign[nch] = 1
                nch += 1
                stop = d + window + 1
                if stop <= end:
                    ch_day[nch] = stop
                    ch_layer[nch] = ev_layer[k]
                    ch_sign[nch] = -1
                    nch += 1
            co = np.argsort(ch_day[:nch], kind="mergesort")
            ks = 0
            kp = 0
            kt = 0
            cur = 0
            zero_len = 0
            zero_a = 0
            c = 0
            while cur <= end:
                while c < nch and ch_day[co[c]] <= cur:
                    k = co[c]
                    if ch_layer[k] == 0:
                        ks += ch_sign[k]
                    elif ch_layer[k] == 1:
                        kp += ch_sign[k]
                    else:
                        kt += ch_sign[k]
                    c += 1
                nxt = end + 1
                if c < nch and ch_day[co[c]] < nxt:
                    nxt = ch_day[co[c]]
                length = nxt - cur
                ad = 1 if (adopted and end < nxt) else 0
                if ks == 0 and kp == 0 and kt == 0:
                    zero_len += length
                    zero_a += ad
                else:
                    key = pack(ks, kp, kt)
                    tup = (i, key)
                    if tup in cfg_index:
                        ci = cfg_index[tup]
                    else:
                        ci = n_cfg
                        cfg_index[tup] = ci
                        if ci >= cfg_item.size:
                            cfg_item = _grow_i64(cfg_item, ci + 1)
                            cfg_key = _grow_i64(cfg_key, ci + 1)
                        cfg_item[ci] = i
                        cfg_key[ci] = key
                        n_cfg += 1
                    if ci >= cap:
                        new_cap = 2 * cap
                        nn = np.zeros((n_groups, new_cap), np.int64)
                        na = np.zeros((n_groups, new_cap), np.int64)
                        nn[:, :cap] = acc_n
                        na[:, :cap] = acc_a
                        acc_n = nn
                        acc_a = na
                        cap = new_cap
                    acc_n[g, ci] += length - ad
                    acc_a[g, ci] += ad
                cur = nxt
            acc_n[g, i] += (zero_len - zero_a) - (T + 1)
            acc_a[g, i] += zero_a
            e0 = e1
        for a in range(f_ptr[u], f_ptr[u + 1]):
            own[f_item[a]] = NEVER
    return acc_n[:, :n_cfg].copy(), acc_a[:, :n_cfg].copy(), cfg_item[:n_cfg], cfg_key[:n_cfg], expo
