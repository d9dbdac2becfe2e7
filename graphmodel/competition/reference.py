"""Pure-Python reference of one competitive-cascade run (for tests; slow).

It follows the rules stated in :mod:`graphmodel.competition._kernel` with plain
sets and dicts, drawing the same coins (the live arcs of a segment come from
the propagation core's ``segment_targets``; tie, switching and multi-homing
coins from ``node_coin``), so the compiled kernel must agree with it exactly.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from graphmodel.competition import _kernel as K
from graphmodel.kernels.coins import SALT_MULTI, SALT_SWITCH, SALT_TIE, run_key
from graphmodel.kernels.skip import segment_targets

__all__ = ["reference_run"]


def _pick(cands: dict[int, float], u: int, step: int, rkey: int, tie: int) -> int:
    ps = sorted(cands)
    if tie == K.TIE_STRENGTH:
        best = max(cands.values())
        ps = [p for p in ps if cands[p] == best]
    if len(ps) == 1:
        return ps[0]
    idx = min(int(K.node_coin(rkey, u, step, SALT_TIE) * len(ps)), len(ps) - 1)
    return ps[idx]


def reference_run(
    arr: Any,
    pay: tuple,
    *,
    key: int,
    r: int,
    tie: int,
    switching: float,
    lock_in: float,
    multihoming: float,
    max_steps: int = -1,
) -> dict[str, Any]:
    """One run: per platform users, merchants, gmv, users by layer; and the number of steps."""
    g = arr.graph
    P, L, U = arr.prob.shape[0], g.lptr.shape[1] - 1, g.n_users
    rkey = np.uint64(run_key(np.uint64(key), r))
    pkey = K.platform_keys(P)
    live = np.empty(int(np.diff(g.indptr).max(initial=0)) + 1, np.int64)
    ever: dict[int, set[int]] = {}
    owner: dict[int, int] = {}
    info: dict[int, tuple[int, int]] = {}  # user -> (step adopted, layer)

    def mh(u: int) -> bool:
        return multihoming > 0 and K.node_coin(rkey, u, 0, SALT_MULTI) < multihoming

    # proposals of a step: node -> {platform: [best probability (fixed point), first layer]}, in first-touch order
    props: dict[int, dict[int, list]] = {}
    for p in range(P):
        for s in arr.seeds[arr.seed_ptr[p] : arr.seed_ptr[p + 1]]:
            props.setdefault(int(s), {}).setdefault(p, [int(K.SEED_FX), L])
    step = 0
    while True:
        new: list[tuple[int, int]] = []
        for u, cand in props.items():
            is_user = u < U
            if u not in ever:
                if not is_user and mh(u):
                    ever[u] = set(cand)
                    new.extend((u, p) for p in sorted(cand))
                    continue
                w = _pick({p: c[0] for p, c in cand.items()}, u, step, rkey, tie)
                ever[u] = {w}
                owner[u] = w
                info[u] = (step, cand[w][1])
                new.append((u, w))
                continue
            rest = {p: c for p, c in cand.items() if p not in ever[u]}
            if not rest:
                continue
            if not is_user:
                if mh(u):
                    ever[u] |= set(rest)
                    new.extend((u, p) for p in sorted(rest))
                continue
            if switching <= 0:
                continue
            c = _pick({p: x[0] for p, x in rest.items()}, u, step, rkey, tie)
            ps = switching * (1.0 - lock_in) ** (step - info[u][0]) if lock_in > 0 else switching
            if K.node_coin(rkey, u, step, SALT_SWITCH) < ps:
                ever[u].add(c)
                owner[u] = c
                info[u] = (step, rest[c][1])
                new.append((u, c))
        if not new or (max_steps >= 0 and step >= max_steps):
            break
        step += 1
        props = {}
        for v, p in new:
            segs = arr.seg_u[p] if v < U else arr.seg_m[p]
            rk = np.uint64(rkey) ^ pkey[p]
            for l in range(L):
                a, b = g.lptr[v, l], g.lptr[v, l + 1]
                if a == b or segs[l] == 0.0:
                    continue
                k = segment_targets(
                    v, l, a, b, rk, np.uint64(0), g.indices, g.arc_key, arr.prob[p], segs, g.seg_key, live
                )
                for j in live[:k]:
                    u = int(g.indices[j])
                    if u in ever and (p in ever[u] or (u < U and switching <= 0) or (u >= U and not mh(u))):
                        continue
                    pr = int(np.int64((segs[l] if segs[l] >= 0 else arr.prob[p, j]) * K.FX))
                    c = props.setdefault(u, {})
                    if p not in c:
                        c[p] = [pr, l]
                    elif pr > c[p][0]:
                        c[p][0] = pr
    users = np.zeros(P, np.int64)
    merch = np.zeros(P, np.int64)
    layers = np.zeros((P, L + 1), np.int64)
    gmv = np.zeros(P)
    ptr, pm, pw = pay
    for u, held in ever.items():
        if u < U:
            p = owner[u]
            users[p] += 1
            layers[p, info[u][1]] += 1
            for e in range(ptr[u], ptr[u + 1]) if ptr.shape[0] > 1 else ():
                m = int(pm[e])
                if m in ever and p in ever[m]:
                    gmv[p] += pw[e]
        else:
            for p in held:
                merch[p] += 1
    return {"users": users, "merchants": merch, "gmv": gmv, "layers": layers, "steps": step}
