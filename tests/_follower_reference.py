"""Pure-Python references for the follower's competitive RR sets (tests only).

A *world* is everything random in one contest realisation: the arcs live for
platform A (index 0) and for the rival B (index 1), the tie coins and the
multi-homing coins. :func:`rr_world` builds the world of competitive RR set
``i`` from the same coin functions the kernel uses; :func:`compete_world`
builds the world of run ``r`` of a two-platform contest. :func:`rr_members`
applies the *definition* of a competitive RR set by a forward search over
(node, step) states (the kernel works backwards); :func:`cascade` plays the
contest in a world with plain sets, following the rules of
:mod:`graphmodel.competition._kernel` (no switching).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from graphmodel.competition import _follower_kernel as FK
from graphmodel.competition import _kernel as CK
from graphmodel.kernels.coins import SALT_TIE, arc_coin, run_key
from graphmodel.kernels.skip import segment_targets

INF = 10**9


@dataclass
class World:
    n_users: int
    tails: np.ndarray  # forward arcs
    heads: np.ndarray
    fx: tuple[np.ndarray, np.ndarray]  # fixed-point probability per arc, per platform
    live: tuple[np.ndarray, np.ndarray]  # bool per arc, per platform
    tie_coin: Callable[[int, int], float]  # (node, step) -> uniform
    multihomed: Callable[[int], bool]
    root: int = -1

    def __post_init__(self) -> None:
        #: out[p][x]: (head, fixed-point probability) of the arcs of x live for platform p
        self.out: tuple[dict[int, list[tuple[int, int]]], ...] = ({}, {})
        for p in range(2):
            for j in np.flatnonzero(self.live[p]):
                self.out[p].setdefault(int(self.tails[j]), []).append((int(self.heads[j]), int(self.fx[p][j])))
        self.n = int(max(self.tails.max(initial=0), self.heads.max(initial=0))) + 1


def _arcs(graph):
    tails = np.repeat(np.arange(graph.n), np.diff(graph.indptr))
    return tails, np.asarray(graph.indices, dtype=np.int64)


def rr_world(graph, prob_a, prob_b, key, i, multihoming) -> World:
    """The world of competitive RR set ``i`` (coins as in the kernel)."""
    tails, heads = _arcs(graph)
    roots = np.arange(graph.n_users, dtype=np.int32)
    root, ka, kb, kt = FK.set_world_keys(np.uint64(key), i, roots, np.zeros(0))
    ka, kb, kt = np.uint64(ka), np.uint64(kb), np.uint64(kt)
    live = []
    for k, p in ((ka, prob_a), (kb, prob_b)):
        live.append(np.array([p[j] > 0 and arc_coin(k, graph.arc_key[j]) < p[j] for j in range(tails.size)], bool))
    fx = tuple((np.asarray(p) * CK.FX).astype(np.int64) for p in (prob_a, prob_b))
    return World(
        graph.n_users,
        tails,
        heads,
        fx,
        (live[0], live[1]),
        lambda x, s: CK.node_coin(kt, x, s, SALT_TIE),
        lambda x: bool(CK.multihomed(kt, x, multihoming)),
        int(root),
    )


def compete_world(arr, key, r, multihoming) -> World:
    """The world of run ``r`` of a two-platform contest prepared as ``arr`` (coins as in the contest kernel)."""
    g = arr.graph
    tails, heads = _arcs(g)
    rkey = np.uint64(run_key(np.uint64(key), r))
    pkey = CK.platform_keys(2)
    out = np.empty(int(np.diff(g.indptr).max(initial=0)) + 1, np.int64)
    L = g.lptr.shape[1] - 1
    live = []
    for p in range(2):
        lv = np.zeros(tails.size, bool)
        for v in range(g.n):
            segs = arr.seg_u[p] if v < g.n_users else arr.seg_m[p]
            for l in range(L):
                a, b = g.lptr[v, l], g.lptr[v, l + 1]
                if a == b or segs[l] == 0.0:
                    continue
                k = segment_targets(
                    v, l, a, b, rkey ^ pkey[p], np.uint64(0), g.indices, g.arc_key, arr.prob[p], segs, g.seg_key, out
                )
                lv[out[:k]] = True
        live.append(lv)
    fx = tuple((arr.prob[p] * CK.FX).astype(np.int64) for p in range(2))
    return World(
        g.n_users,
        tails,
        heads,
        fx,
        (live[0], live[1]),
        lambda x, s: CK.node_coin(rkey, x, s, SALT_TIE),
        lambda x: bool(CK.multihomed(rkey, x, multihoming)),
    )


def _pick(world, cands: dict[int, int], x: int, step: int, strength: bool) -> int:
    ps = sorted(cands)
    if strength:
        best = max(cands.values())
        ps = [p for p in ps if cands[p] == best]
    if len(ps) == 1:
        return ps[0]
    return ps[min(int(world.tie_coin(x, step) * len(ps)), len(ps) - 1)]


def cascade(world: World, seeds_a, seeds_b, *, strength: bool) -> dict[int, set[int]]:
    """Node -> platforms it holds at the end (A = 0, B = 1)."""
    held: dict[int, set[int]] = {}
    props: dict[int, dict[int, int]] = {}
    for p, seeds in ((0, seeds_a), (1, seeds_b)):
        for s in seeds:
            props.setdefault(int(s), {})[p] = int(CK.SEED_FX)
    step = 0
    while props:
        new = []
        for x, cand in sorted(props.items()):
            merchant = x >= world.n_users
            if x not in held:
                if merchant and world.multihomed(x):
                    held[x] = set(cand)
                    new.extend((x, p) for p in cand)
                else:
                    w = _pick(world, cand, x, step, strength)
                    held[x] = {w}
                    new.append((x, w))
            elif merchant and world.multihomed(x):
                add = set(cand) - held[x]
                held[x] |= add
                new.extend((x, p) for p in add)
        step += 1
        props = {}
        for x, p in new:
            for y, f in world.out[p].get(x, ()):
                if y in held and (p in held[y] or not (y >= world.n_users and world.multihomed(y))):
                    continue
                c = props.setdefault(y, {})
                c[p] = max(c.get(p, -1), f)
    return held


def rival_alone(world: World, seeds_b) -> tuple[dict[int, int], dict[int, int]]:
    """B's arrival step at every node it reaches alone, and its best arriving probability then."""
    t = {int(s): 0 for s in seeds_b}
    best = {int(s): int(CK.SEED_FX) for s in seeds_b}
    front = sorted(t)
    step = 0
    while front:
        step += 1
        nxt = []
        for x in front:
            for y, f in world.out[1].get(x, ()):
                if y not in t:
                    t[y], best[y] = step, f
                    nxt.append(y)
                elif t[y] == step:
                    best[y] = max(best[y], f)
        front = nxt
    return t, best


def rr_sets(world: World, seeds_b, *, strength: bool) -> dict[int, set[int]]:
    """For every user ``v``, every ``u`` from which A provably wins ``v`` (the definition, searched forwards)."""
    tb, best = rival_alone(world, seeds_b)

    def cap(x: int, q: int) -> int:
        if x >= world.n_users and world.multihomed(x):
            return INF
        if x not in tb:
            return INF
        t = tb[x]
        win = q > best[x] if (strength and q != best[x]) else world.tie_coin(x, t) < 0.5
        return t if win else t - 1

    n = world.n
    sets: dict[int, set[int]] = {v: set() for v in range(world.n_users)}
    for u in range(n):
        if cap(u, int(CK.SEED_FX)) < 0:
            continue
        # earliest step at which A can hold each node starting from seed u (holding a node earlier never
        # hurts: every cap condition is "step <= cap")
        first = {u: 0}
        stack = [u]
        while stack:
            x = stack.pop()
            i = first[x]
            if x < world.n_users:
                sets[x].add(u)
            for y, f in world.out[0].get(x, ()):
                if cap(y, f) >= i + 1 and i + 1 < first.get(y, INF):
                    first[y] = i + 1
                    stack.append(y)
    return sets
