"""Compiled competitive RR sets: where a follower platform ``A`` wins a user against a rival ``B``.

One set ``i`` is one random world (both platforms' live arcs, tie and
multi-homing coins) and one random root user ``v``. It holds every node ``u``
from which ``A`` provably wins ``v`` when ``u`` is one of ``A``'s seeds:
there is a path ``u = x0 -> x1 -> ... -> xk = v`` of arcs live for ``A``
such that ``A``, arriving at ``xi`` at step ``i``, holds ``xi`` whatever
else happens. ``B``'s seeds are fixed, and ``A``'s seeds can only delay ``B``
(one rival, no switching), so ``A`` holds ``xi`` if

* ``i < tB(xi)``, ``tB`` being ``B``'s arrival step when ``B`` is *alone*, or
* ``i == tB(xi)`` and ``A`` wins the tie there (rule ``random``: a fair coin;
  rule ``strength``: the probability of the arc ``x(i-1) -> xi`` beats ``B``'s
  best arriving arc, equal probabilities a fair coin), or
* ``xi`` is a merchant that multi-homes in this world (it never refuses ``A``).

So ``n_users * P(S meets a set)`` is the expected number of users won by
``S`` counting only such first-arrival wins: a lower bound on ``A``'s users
in the contest (equal to it unless ``A`` also wins users by blocking ``B``'s
way to them), and a coverage function, so OPIM-C's greedy and certificate
apply to it. (Carnes et al., "Maximizing influence in a competitive social
network: a follower's perspective", ICEC 2007, show the exact objective is
submodular when both platforms share one live-arc graph; with
platform-specific arcs it need not be: a seed that blocks ``B`` can raise
another seed's gain. Hence the bound.)

Generation of set ``i``:

0. ``tB(v)``, by a reverse BFS from ``v`` through arcs live for ``B`` that
   stops at the first level holding a seed of ``B``: ``A`` arrives at ``v``
   at the length of its path, so no path longer than ``tB(v)`` wins ``v``;
1. the nodes ``R`` that reach ``v`` through arcs live for ``A`` in at most
   ``tB(v)`` steps (a reverse BFS, per-arc coins), keeping those arcs;
2. ``tB`` on ``R`` up to step ``H = min(|R| - 1, tB(v))`` (no useful path is
   longer), ``tB > H`` counting as never, in one of two ways that give the
   same numbers: the *ball*, the nodes within ``H`` reverse steps of ``R``
   through arcs live for ``B`` (every shortest ``B`` path of length ``<= H``
   into ``R`` lies among them), then a forward BFS from ``B``'s seeds among
   those nodes only; or ``B``'s own cascade forwards from its seeds, ``H``
   steps deep. The ball is local; the cascade is cheaper when ``R`` is large
   and ``B`` small: each set takes the one whose cost (arcs scanned so far in
   the chunk) is lower;
3. the latest step ``M(x)`` at which ``A`` may still reach ``x`` and go on to
   win ``v``: ``M(v) = H + 1``, ``M(w) = max over live arcs w -> x of
   min(cap(x, arc), M(x)) - 1``, ``cap`` the last step ``A`` holds ``x``
   coming by that arc (the rules above). Every arc lowers the value, so
   processing values from the largest down settles each node once (Dial's
   buckets: linear in the kept arcs);
4. the set: ``u`` in ``R`` with ``min(cap(u, seed), M(u)) >= 0``.

Coins: per-arc ``arc_coin(kA, arc_key)`` and ``arc_coin(kB, arc_key)`` with
per-set keys, ties and multi-homing from ``node_coin`` of the competitive
kernel: set ``i`` depends only on ``(key, i)``, so any worker count gives the
same sets. :func:`set_world_keys` exposes the keys for the tests.

Arrays travel in named tuples (:data:`Arcs` for each of the three arc
lists, :data:`RivalSeeds`, :data:`SetScratch`), unpacked in the kernels'
first lines (``benchmarks/bench_args_compete.py``: no measurable cost
against positional arguments).
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np
from numba import njit

from graphmodel.competition._kernel import SEED_FX, multihomed
from graphmodel.kernels import TIE_STRENGTH
from graphmodel.kernels.coins import (
    SALT_FOLLOW_A,
    SALT_FOLLOW_B,
    SALT_FOLLOW_TIE,
    SALT_TIE,
    arc_coin,
    mix64,
    node_coin,
    pick_root,
    rr_state,
)
from graphmodel.kernels.csr import transpose

#: Arcs grouped by one end: ``other[ptr[x]:ptr[x+1]]`` are their other ends (tails of reversed arcs, heads
#: of forward ones), ``key`` their coin keys, ``prob`` their probabilities, ``fx`` the same in fixed point.
Arcs = namedtuple("Arcs", ["ptr", "other", "key", "prob", "fx"])
#: The rival's seeds: a bool ``mask`` over the nodes and their list ``nodes``.
RivalSeeds = namedtuple("RivalSeeds", ["mask", "nodes"])
#: One thread's arrays (length n), reused chunk after chunk (see :func:`follower_chunk`).
SetScratch = namedtuple("SetScratch", ["st_a", "pos_a", "queue", "st_b", "pos_b", "qb", "tbn", "bbn", "st_v"])


@njit(cache=True)
def set_world_keys(key, i, roots, cdf):
    """Root and coin keys ``(root, kA, kB, kT)`` of set ``i``."""
    state = rr_state(key, i)
    state, root = pick_root(state, roots, cdf)
    return root, mix64(state ^ SALT_FOLLOW_A), mix64(state ^ SALT_FOLLOW_B), mix64(state ^ SALT_FOLLOW_TIE)


@njit(cache=True, inline="always")
def _cap(x, q, tb, bbest, kt, tie, n_users, multihoming):
    """Last step at which ``A``, arriving at ``x`` by an arc of fixed-point probability ``q``, holds ``x``.

    ``tb``: ``B``'s step at ``x`` (a large value if never); ``bbest``: ``B``'s best arriving probability then.
    """
    if x >= n_users and multihomed(kt, x, multihoming):
        return np.int64(1) << 40
    win = False
    if tie == TIE_STRENGTH and q != bbest:
        win = q > bbest
    else:
        win = node_coin(kt, x, tb, SALT_TIE) < 0.5
    return tb if win else tb - 1


@njit(cache=True, inline="always")
def _rival_at(x, st_b, tbn, bbn, stamp, never):
    """``B``'s step at ``x`` (``never`` if not within the horizon) and its best arriving probability then."""
    if st_b[x] != stamp or tbn[x] >= never:
        return never, np.int64(0)
    return tbn[x], bbn[x]


@njit(cache=True, inline="always")
def _arrive(z, step, f, st_b, tbn, bbn, stamp, never):
    """``B`` reaches ``z`` at ``step`` by an arc of fixed-point probability ``f``; True on its first arrival."""
    if st_b[z] != stamp or tbn[z] >= never:
        st_b[z] = stamp
        tbn[z] = step
        bbn[z] = f
        return True
    if tbn[z] == step and f > bbn[z]:
        bbn[z] = f
    return False


@njit(cache=True)
def _grow(a, size):
    out = np.empty(max(2 * a.shape[0], size), a.dtype)
    out[: a.shape[0]] = a
    return out


@njit(cache=True)
def _reverse_search(order, n0, arcs, key, depth, skip, use_skip, st, pos, stamp, e_ptr, e_tail, e_fx):
    """Reverse BFS from ``order[:n0]`` through the reversed :data:`Arcs` live under ``key``, ``depth`` levels deep.

    Visited nodes are appended to ``order`` (``st[x] = stamp``, ``pos[x]`` = place in ``order``); the live
    arcs into each node expanded are kept as a block ``e_ptr[h]:e_ptr[h+1]`` of (tail position, fixed-point
    probability). Nodes at level ``depth`` and, when ``use_skip``, nodes with ``skip[x]`` are not expanded.
    Returns the number of nodes, of kept arcs and the (possibly grown) arc arrays.
    """
    ptr, tail, akey, prob, fx = arcs
    for h in range(n0):
        st[order[h]] = stamp
        pos[order[h]] = h
    n = n0
    ne = 0
    h = 0
    level_end = n0
    level = 0
    while h < n:
        if h == level_end:
            level += 1
            level_end = n
        x = order[h]
        if h + 1 >= e_ptr.shape[0]:
            e_ptr = _grow(e_ptr, h + 2)
        e_ptr[h] = ne
        h += 1
        if level >= depth or (use_skip and skip[x]):
            continue  # in-arcs would only make paths longer than any that matters
        for t in range(ptr[x], ptr[x + 1]):
            if arc_coin(key, akey[t]) < prob[t]:
                w = tail[t]
                if st[w] != stamp:
                    st[w] = stamp
                    pos[w] = n
                    order[n] = w
                    n += 1
                if ne >= e_tail.shape[0]:
                    e_tail = _grow(e_tail, ne + 1)
                    e_fx = _grow(e_fx, ne + 1)
                e_tail[ne] = pos[w]
                e_fx[ne] = fx[t]
                ne += 1
    e_ptr[n] = ne
    return n, ne, e_ptr, e_tail, e_fx


@njit(nogil=True, cache=True)
def follower_chunk(
    key, start, count, roots, cdf, a_arcs, b_arcs, f_arcs, rival, n_users, tie, multihoming, ws, stamp0, mode=0
):
    """Competitive RR sets ``start .. start+count-1`` (see the module docstring).

    ``a_arcs``: the :data:`Arcs` live for ``A`` with positive probability, reversed (unpacked as ``a_ptr``,
    ``a_tail``, ...: ``a_tail[a_ptr[x]:a_ptr[x+1]]`` point at ``x``); ``b_arcs`` likewise for ``B`` and
    ``f_arcs`` ``B``'s arcs forwards (``f_head[f_ptr[y]:f_ptr[y+1]]``). ``rival``: :data:`RivalSeeds`,
    ``b_seed`` a bool mask of ``B``'s seeds, ``b_seeds`` their list. ``ws``: a :data:`SetScratch` (length
    n): ``st_a``/``st_b`` stamps, ``pos_a``/``pos_b`` local positions,
    ``queue``/``qb`` node lists, ``tbn``/``bbn`` ``B``'s step and best arriving probability per node (valid
    where ``st_b`` holds the set's stamp), ``st_v`` stamps of step 0; ``stamp0`` > every stamp in them.
    ``mode``: how ``tB`` is found, 0 the cheaper way (adaptive), 1 always the ball, 2 always forwards (for
    the tests).

    Returns offsets (count + 1), members, next stamp.
    """
    a_ptr, a_tail, a_key, a_prob, a_fx = a_arcs
    b_ptr, b_tail, b_key, b_prob, b_fx = b_arcs
    f_ptr, f_head, f_key, f_prob, f_fx = f_arcs
    b_seed, b_seeds = rival
    st_a, pos_a, queue, st_b, pos_b, qb, tbn, bbn, st_v = ws
    offsets = np.empty(count + 1, np.int64)
    offsets[0] = 0
    members = np.empty(max(16, 4 * count), np.int32)
    total = 0
    fw_runs = 0  # forward searches of B's cascade in this chunk, and the arcs they scanned
    fw_work = 0
    # per-set local arrays, grown on demand
    ea_tail = np.empty(64, np.int32)  # kept A arcs, grouped by head (block of queue position h)
    ea_fx = np.empty(64, np.int64)
    ea_ptr = np.empty(65, np.int64)
    eb_tail = np.empty(64, np.int32)  # kept B arcs into the ball, by head position (tails as positions)
    eb_fx = np.empty(64, np.int64)
    eb_ptr = np.empty(65, np.int64)
    front = np.empty(64, np.int32)
    nxt = np.empty(64, np.int32)
    M = np.empty(64, np.int64)
    bhead = np.empty(64, np.int64)  # bucket lists of (position) entries, by value
    bnext = np.empty(64, np.int64)
    bwho = np.empty(64, np.int32)
    for s in range(count):
        stamp = stamp0 + s
        v, ka, kb, kt = set_world_keys(key, start + s, roots, cdf)
        # 0. tB(v): B's reverse BFS from v, up to the first level holding one of B's seeds. A arrives at v
        # at the length of its path, so paths longer than tB(v) never win v: it bounds the searches below.
        far = np.int64(1) << 40
        T = far
        if b_seed[v]:
            T = 0
        else:
            st_v[v] = stamp
            qb[0] = v
            nq = 1
            h = 0
            level_end = 1
            level = 0
            while h < nq and T == far:
                if h == level_end:
                    level += 1
                    level_end = nq
                x = qb[h]
                h += 1
                for t in range(b_ptr[x], b_ptr[x + 1]):
                    w = b_tail[t]
                    if st_v[w] != stamp and arc_coin(kb, b_key[t]) < b_prob[t]:
                        st_v[w] = stamp
                        qb[nq] = w
                        nq += 1
                        if b_seed[w]:
                            T = level + 1
                            break
        # 1. R: nodes within T reverse steps of v through arcs live for A, and those arcs
        queue[0] = v
        qlen, ne, ea_ptr, ea_tail, ea_fx = _reverse_search(
            queue,
            1,
            a_arcs,
            ka,
            T,
            b_seed,
            False,
            st_a,
            pos_a,
            stamp,
            ea_ptr,
            ea_tail,
            ea_fx,
        )
        ball_est = 0  # B arcs into R: what the ball costs at least
        for h in range(qlen):
            ball_est += b_ptr[queue[h] + 1] - b_ptr[queue[h]]
        H = qlen - 1 if qlen - 1 < T else T  # no useful path is longer
        never = np.int64(H + 1)
        # 2. tB and B's best arriving probability on R, up to step H, by whichever costs less: the ball
        # (nodes within H reverse steps of R through arcs live for B, then B forwards among them only) or
        # B's own cascade forwards from its seeds (cheap when B reaches few nodes and R is large). Both
        # give the same numbers; the choice only follows the running cost of the forward search.
        forward = ball_est > 256 and (fw_runs == 0 or fw_work < ball_est * fw_runs)
        if mode != 0:
            forward = mode == 2
        if forward:
            nf = 0
            for y in b_seeds:
                if _arrive(y, 0, SEED_FX, st_b, tbn, bbn, stamp, never):
                    if nf >= front.shape[0]:
                        front = _grow(front, nf + 1)
                    front[nf] = y
                    nf += 1
            step = 0
            work = 0
            while nf > 0 and step < H:
                step += 1
                nn = 0
                for f in range(nf):
                    y = front[f]
                    work += f_ptr[y + 1] - f_ptr[y]
                    for c in range(f_ptr[y], f_ptr[y + 1]):
                        if arc_coin(kb, f_key[c]) < f_prob[c] and _arrive(
                            f_head[c], step, f_fx[c], st_b, tbn, bbn, stamp, never
                        ):
                            if nn >= nxt.shape[0]:
                                nxt = _grow(nxt, nn + 1)
                            nxt[nn] = f_head[c]
                            nn += 1
                front, nxt = nxt, front
                nf = nn
            fw_runs += 1
            fw_work += work + b_seeds.shape[0]
        else:
            for h in range(qlen):
                qb[h] = queue[h]
            # a seed of B needs nothing before it: B is there at step 0
            nb, neb, eb_ptr, eb_tail, eb_fx = _reverse_search(
                qb,
                qlen,
                b_arcs,
                kb,
                H,
                b_seed,
                True,
                st_b,
                pos_b,
                stamp,
                eb_ptr,
                eb_tail,
                eb_fx,
            )
            # B alone, forward from its seeds inside the ball (its kept arcs turned around; positions in the
            # ball on the front, nodes in tbn/bbn)
            if nb > front.shape[0]:
                front = _grow(front, nb)
            if nb > nxt.shape[0]:
                nxt = _grow(nxt, nb)
            nf = 0
            for y in range(nb):
                tbn[qb[y]] = never
                if b_seed[qb[y]] and _arrive(qb[y], 0, SEED_FX, st_b, tbn, bbn, stamp, never):
                    front[nf] = y
                    nf += 1
            if nf > 0 and neb > 0:
                out_ptr, out_head, out_fx = transpose(eb_ptr[: nb + 1], eb_tail[:neb], eb_fx[:neb])
                step = 0
                while nf > 0 and step < H:
                    step += 1
                    nn = 0
                    for f in range(nf):
                        y = front[f]
                        for c in range(out_ptr[y], out_ptr[y + 1]):
                            z = out_head[c]
                            if _arrive(qb[z], step, out_fx[c], st_b, tbn, bbn, stamp, never):
                                nxt[nn] = z
                                nn += 1
                    front, nxt = nxt, front
                    nf = nn
        # 3. M over R, largest values first (Dial's buckets 0..H+1): every arc maps M(x) to a value below it,
        # so a position is final when its bucket is reached; stale bucket entries are skipped
        if qlen > M.shape[0]:
            M = _grow(M, qlen)
        if H + 2 > bhead.shape[0]:
            bhead = _grow(bhead, H + 2)
        for h in range(qlen):
            M[h] = -1
        for b in range(H + 2):
            bhead[b] = -1
        M[0] = never
        bnext[0] = -1
        bwho[0] = 0
        bhead[H + 1] = 0
        npush = 1
        for cur in range(H + 1, -1, -1):
            it = bhead[cur]
            while it >= 0:
                hx = bwho[it]
                it = bnext[it]
                if M[hx] != cur:
                    continue  # superseded by a larger value, already processed
                x = queue[hx]
                tx, bx = _rival_at(x, st_b, tbn, bbn, stamp, never)
                for e in range(ea_ptr[hx], ea_ptr[hx + 1]):
                    c = _cap(x, ea_fx[e], tx, bx, kt, tie, n_users, multihoming)
                    cand = (c if c < cur else cur) - 1
                    if cand < 0:
                        continue
                    hw = ea_tail[e]
                    if cand > M[hw]:
                        M[hw] = cand
                        if npush >= bnext.shape[0]:
                            bnext = _grow(bnext, npush + 1)
                            bwho = _grow(bwho, npush + 1)
                        bwho[npush] = hw
                        bnext[npush] = bhead[cand]
                        bhead[cand] = npush
                        npush += 1
        # 4. the set: nodes that win v as seeds
        if total + qlen > members.shape[0]:
            members = _grow(members, total + qlen)
        for h in range(qlen):
            if M[h] < 0:
                continue
            x = queue[h]
            tx, bx = _rival_at(x, st_b, tbn, bbn, stamp, never)
            if _cap(x, SEED_FX, tx, bx, kt, tie, n_users, multihoming) >= 0:
                members[total] = x
                total += 1
        offsets[s + 1] = total
    return offsets, members[:total].copy(), stamp0 + count
