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
coverage when both platforms share one live-arc graph; with platform-specific
arcs it is not even submodular, hence the bound.)

Generation of set ``i``:

1. the nodes ``R`` that reach ``v`` through arcs live for ``A`` (a reverse
   BFS, per-arc coins), keeping those arcs;
2. ``tB`` on ``R`` up to step ``H = |R| - 1`` (no path in ``R`` is longer):
   the nodes within ``H`` reverse steps of ``R`` through arcs live for ``B``
   (every shortest ``B`` path of length ``<= H`` into ``R`` lies among them),
   then a forward BFS from ``B``'s seeds among those nodes only; ``tB > H``
   counts as never. This stays local, instead of running ``B``'s whole
   cascade for every set;
3. the latest step ``M(x)`` at which ``A`` may still reach ``x`` and go on to
   win ``v``: ``M(v) = H + 1``, ``M(w) = max over live arcs w -> x of
   min(cap(x, arc), M(x)) - 1``, ``cap`` the last step ``A`` holds ``x``
   coming by that arc (the rules above). A label-correcting pass over the
   kept arcs (values only rise and are bounded);
4. the set: ``u`` in ``R`` with ``min(cap(u, seed), M(u)) >= 0``.

Coins: per-arc ``arc_coin(kA, arc_key)`` and ``arc_coin(kB, arc_key)`` with
per-set keys, ties and multi-homing from ``node_coin`` of the competitive
kernel: set ``i`` depends only on ``(key, i)``, so any worker count gives the
same sets. :func:`set_world_keys` exposes the keys for the tests.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from graphmodel.competition._kernel import _SALT_TIE, _SEED_FX, multihomed, node_coin
from graphmodel.propagation._kernels import arc_coin, mix64
from graphmodel.seeding._rr_kernels import _pick_root, _set_state

_SALT_A = np.uint64(0x6A09E667F3BCC908)
_SALT_B = np.uint64(0xBB67AE8584CAA73B)
_SALT_T = np.uint64(0x3C6EF372FE94F82B ^ 0x510E527FADE682D1)

TIE_RANDOM = 0
TIE_STRENGTH = 1


@njit(cache=True)
def set_world_keys(key, i, roots, cdf):
    """Root and coin keys ``(root, kA, kB, kT)`` of set ``i``."""
    state = _set_state(key, i)
    state, root = _pick_root(state, roots, cdf)
    return root, mix64(state ^ _SALT_A), mix64(state ^ _SALT_B), mix64(state ^ _SALT_T)


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
        win = node_coin(kt, x, tb, _SALT_TIE) < 0.5
    return tb if win else tb - 1


@njit(cache=True)
def _grow(a, size):
    out = np.empty(max(2 * a.shape[0], size), a.dtype)
    out[: a.shape[0]] = a
    return out


@njit(nogil=True, cache=True)
def follower_chunk(
    key, start, count, roots, cdf,
    a_ptr, a_tail, a_key, a_prob, a_fx,
    b_ptr, b_tail, b_key, b_prob, b_fx, b_seed,
    n_users, tie, multihoming,
    st_a, pos_a, queue, st_b, pos_b, qb, stamp0,
):
    """Competitive RR sets ``start .. start+count-1`` (see the module docstring).

    ``a_*``: arcs live for ``A`` with positive probability, reversed (``a_tail[a_ptr[x]:a_ptr[x+1]]`` point
    at ``x``); ``b_*`` likewise for ``B``; ``*_key`` the arcs' coin keys, ``*_fx`` their probabilities in fixed
    point; ``b_seed`` a bool mask of ``B``'s seeds. Scratch (length n): ``st_a``/``st_b`` stamps, ``pos_a``/
    ``pos_b`` local positions, ``queue``/``qb`` node lists; ``stamp0`` > every stamp in them.

    Returns offsets (count + 1), members, next stamp.
    """
    offsets = np.empty(count + 1, np.int64)
    offsets[0] = 0
    members = np.empty(max(16, 4 * count), np.int32)
    total = 0
    # per-set local arrays, grown on demand
    ea_tail = np.empty(64, np.int32)  # kept A arcs, grouped by head (block of queue position h)
    ea_fx = np.empty(64, np.int64)
    ea_ptr = np.empty(65, np.int64)
    eb_tail = np.empty(64, np.int32)  # kept B arcs into the ball, by head position (tails as positions)
    eb_fx = np.empty(64, np.int64)
    eb_ptr = np.empty(65, np.int64)
    tb = np.empty(64, np.int64)
    bbest = np.empty(64, np.int64)
    out_ptr = np.empty(65, np.int64)  # forward adjacency of the ball (by tail position)
    out_head = np.empty(64, np.int32)
    out_fx = np.empty(64, np.int64)
    front = np.empty(64, np.int32)
    nxt = np.empty(64, np.int32)
    M = np.empty(64, np.int64)
    inq = np.empty(64, np.bool_)
    work = np.empty(64, np.int32)
    for s in range(count):
        stamp = stamp0 + s
        v, ka, kb, kt = set_world_keys(key, start + s, roots, cdf)
        # 1. R: nodes reaching v through arcs live for A, and those arcs
        st_a[v] = stamp
        pos_a[v] = 0
        queue[0] = v
        qlen = 1
        ne = 0
        h = 0
        while h < qlen:
            x = queue[h]
            if h + 1 >= ea_ptr.shape[0]:
                ea_ptr = _grow(ea_ptr, h + 2)
            ea_ptr[h] = ne
            h += 1
            for t in range(a_ptr[x], a_ptr[x + 1]):
                if arc_coin(ka, a_key[t]) < a_prob[t]:
                    w = a_tail[t]
                    if ne >= ea_tail.shape[0]:
                        ea_tail = _grow(ea_tail, ne + 1)
                        ea_fx = _grow(ea_fx, ne + 1)
                    ea_tail[ne] = w
                    ea_fx[ne] = a_fx[t]
                    ne += 1
                    if st_a[w] != stamp:
                        st_a[w] = stamp
                        pos_a[w] = qlen
                        queue[qlen] = w
                        qlen += 1
        ea_ptr[qlen] = ne
        H = qlen - 1
        never = np.int64(H + 1)
        # 2. the ball: nodes within H reverse steps of R through arcs live for B, and those arcs
        nb = 0
        for h in range(qlen):
            x = queue[h]
            st_b[x] = stamp
            pos_b[x] = nb
            qb[nb] = x
            nb += 1
        level_end = nb
        level = 0
        neb = 0
        h = 0
        while h < nb:
            if h == level_end:
                level += 1
                level_end = nb
            x = qb[h]
            if h + 1 >= eb_ptr.shape[0]:
                eb_ptr = _grow(eb_ptr, h + 2)
            eb_ptr[h] = neb
            h += 1
            if b_seed[x]:
                continue  # B is there at step 0: nothing before it matters
            for t in range(b_ptr[x], b_ptr[x + 1]):
                w = b_tail[t]
                if st_b[w] != stamp and level >= H:
                    continue  # beyond the ball
                if arc_coin(kb, b_key[t]) < b_prob[t]:
                    if st_b[w] != stamp:
                        st_b[w] = stamp
                        pos_b[w] = nb
                        qb[nb] = w
                        nb += 1
                    if neb >= eb_tail.shape[0]:
                        eb_tail = _grow(eb_tail, neb + 1)
                        eb_fx = _grow(eb_fx, neb + 1)
                    eb_tail[neb] = pos_b[w]
                    eb_fx[neb] = b_fx[t]
                    neb += 1
        eb_ptr[nb] = neb
        # B alone, forward from its seeds inside the ball (forward adjacency by counting sort)
        if nb > tb.shape[0]:
            tb = _grow(tb, nb)
            bbest = _grow(bbest, nb)
            front = _grow(front, nb)
            nxt = _grow(nxt, nb)
        if nb + 1 > out_ptr.shape[0]:
            out_ptr = _grow(out_ptr, nb + 1)
        if neb > out_head.shape[0]:
            out_head = _grow(out_head, neb)
            out_fx = _grow(out_fx, neb)
        for y in range(nb + 1):
            out_ptr[y] = 0
        for e in range(neb):
            out_ptr[eb_tail[e] + 1] += 1
        for y in range(nb):
            out_ptr[y + 1] += out_ptr[y]
        nf = 0
        for y in range(nb):
            tb[y] = never
            bbest[y] = 0
            if b_seed[qb[y]]:
                tb[y] = 0
                bbest[y] = _SEED_FX
                front[nf] = y
                nf += 1
        if nf > 0 and neb > 0:
            for z in range(nb):  # fill: arcs of each tail, heads as positions
                for e in range(eb_ptr[z], eb_ptr[z + 1]):
                    y = eb_tail[e]
                    c = out_ptr[y]
                    out_head[c] = z
                    out_fx[c] = eb_fx[e]
                    out_ptr[y] = c + 1
            for y in range(nb, 0, -1):
                out_ptr[y] = out_ptr[y - 1]
            out_ptr[0] = 0
            step = 0
            while nf > 0 and step < H:
                step += 1
                nn = 0
                for f in range(nf):
                    y = front[f]
                    for c in range(out_ptr[y], out_ptr[y + 1]):
                        z = out_head[c]
                        if tb[z] == never:
                            tb[z] = step
                            bbest[z] = out_fx[c]
                            nxt[nn] = z
                            nn += 1
                        elif tb[z] == step and out_fx[c] > bbest[z]:
                            bbest[z] = out_fx[c]
                front, nxt = nxt, front
                nf = nn
        # 3. M over R, label-correcting from the root (positions in R)
        if qlen + 1 > M.shape[0]:
            M = _grow(M, qlen + 1)
            inq = _grow(inq, qlen + 1)
            work = _grow(work, qlen + 1)
        for h in range(qlen):
            M[h] = -1
            inq[h] = False
        M[0] = never
        work[0] = 0
        inq[0] = True
        head = 0
        tail = 1  # circular queue of qlen + 1 slots over positions (each at most once in it)
        while head != tail:
            hx = work[head]
            head += 1
            if head > qlen:
                head = 0
            inq[hx] = False
            x = queue[hx]
            bx = pos_b[x]
            mx = M[hx]
            for e in range(ea_ptr[hx], ea_ptr[hx + 1]):
                c = _cap(x, ea_fx[e], tb[bx], bbest[bx], kt, tie, n_users, multihoming)
                cand = (c if c < mx else mx) - 1
                if cand < 0:
                    continue
                hw = pos_a[ea_tail[e]]
                if cand > M[hw]:
                    M[hw] = cand
                    if not inq[hw]:
                        inq[hw] = True
                        work[tail] = hw
                        tail += 1
                        if tail > qlen:
                            tail = 0
        # 4. the set: nodes that win v as seeds
        if total + qlen > members.shape[0]:
            members = _grow(members, total + qlen)
        for h in range(qlen):
            if M[h] < 0:
                continue
            x = queue[h]
            bx = pos_b[x]
            if _cap(x, _SEED_FX, tb[bx], bbest[bx], kt, tie, n_users, multihoming) >= 0:
                members[total] = x
                total += 1
        offsets[s + 1] = total
    return offsets, members[:total].copy(), stamp0 + count
