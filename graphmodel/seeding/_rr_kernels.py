"""Compiled kernels for reverse-reachable (RR) sets and max coverage.

Everything here takes arrays and scalars only (see :mod:`graphmodel.csr`
for the arrays), the arrays that belong together in a named tuple
(:data:`RRSource`, :data:`RRScratch`, :data:`IndexedSets`), so that two arrays of one dtype cannot
be swapped unnoticed (``benchmarks/bench_args_exposure.py`` measures the cost against positional
arguments). The pure-Python references beside the kernels
(:func:`rr_set_reference`) exist for the tests.

Random numbers are counter based: draw ``j`` of RR set ``i`` is a fixed
function of ``(key, i, j)`` (SplitMix64 over a per-set state), so a set's
content does not depend on which thread generated it, nor on how sets were
split into chunks. That is what makes the chosen seeds identical for any
number of workers.

Storage of ``T`` RR sets is flat: ``offsets`` (int64, ``T + 1``) and
``members`` (int32); set ``i`` is ``members[offsets[i]:offsets[i+1]]``, its
root first. The inverted index (node -> sets containing it) has the same
shape: ``node_ptr`` (int64, ``n + 1``) and ``node_sets`` (int32 or int64 set
numbers).

Seed selection stores a collection as *segments* (one per growth step, see
:class:`graphmodel.seeding.rrsets.RRCollection`), each in the flat layout
above, with only the seed candidates kept and renumbered ``0 .. n_cand - 1``
(uint16 when there are at most 65,535 candidates): :func:`keep_members` does
the filtering, :func:`greedy_cover_segments` the max coverage over segments
whose inverted indexes were each built once.
"""

from __future__ import annotations

import math
from collections import namedtuple

import numba as nb
import numpy as np

# One hash for the whole engine: the coins of graphmodel.kernels.
from graphmodel.kernels import MODEL_IC, MODEL_LT
from graphmodel.kernels.coins import pick_root, rr_draw, rr_state
from graphmodel.kernels.csr import transpose

__all__ = [
    "RRSource",
    "RRScratch",
    "IndexedSets",
    "rr_chunk",
    "keep_members",
    "invert",
    "greedy_cover",
    "greedy_cover_segments",
    "coverage_of",
    "first_hit_gains",
    "rr_set_reference",
    "u01",
    "transpose",
    "MODEL_IC",
    "MODEL_LT",
]

#: What RR sampling reads (see :func:`rr_chunk`; :class:`graphmodel.seeding.rrsets.RRGraph` holds them).
RRSource = namedtuple("RRSource", ["indptr", "indices", "prob", "node_p", "per_node", "model", "roots", "cdf"])
#: A sampling thread's scratch arrays (int32, length n): the stamps of visited nodes and the queue.
RRScratch = namedtuple("RRScratch", ["visited", "queue"])
#: RR sets (``offsets``, ``members``) with their inverted index (``node_ptr``, ``node_sets``).
IndexedSets = namedtuple("IndexedSets", ["offsets", "members", "node_ptr", "node_sets"])


@nb.njit(cache=True)
def u01(key: np.uint64, i: int, n: int) -> np.ndarray:
    """The first ``n`` uniforms of stream ``i`` (for tests of the generator)."""
    out = np.empty(n, np.float64)
    s = rr_state(key, i)
    for j in range(n):
        s, out[j] = rr_draw(s)
    return out


@nb.njit(nogil=True, cache=True)
def rr_chunk(g, key, start, count, ws, stamp0):
    """Generate RR sets ``start .. start+count-1`` over a reversed CSR.

    Parameters
    ----------
    g : :data:`RRSource` of

        indptr, indices : reversed CSR (arcs of ``v`` lead to the nodes that can activate ``v``)
        prob : float64 per arc (live probability for IC, weight for LT)
        node_p, per_node : when ``per_node`` is true every arc of ``v`` has probability
            ``node_p[v]`` (uniform IC, weighted cascade): IC then skips over failed
            arcs geometrically, one draw per success instead of one per arc.
        model : 0 IC, 1 LT
        roots, cdf : candidate roots and their cumulative probabilities (empty: uniform)
    key : uint64 stream key; ``start``: number of the first set
    ws : :data:`RRScratch` (``visited``, ``queue``: int32, length n); ``visited`` holds stamps
    stamp0 : first stamp to use (> every stamp already in ``visited``)

    Returns
    -------
    offsets (count + 1), members, next stamp
    """
    indptr, indices, prob, node_p, per_node, model, roots, cdf = g
    visited, queue = ws
    offsets = np.empty(count + 1, np.int64)
    offsets[0] = 0
    cap = max(16, count * 4)
    members = np.empty(cap, np.int32)
    total = 0
    for s in range(count):
        stamp = stamp0 + s
        state = rr_state(key, start + s)
        state, root = pick_root(state, roots, cdf)
        visited[root] = stamp
        queue[0] = root
        qlen = 1
        if model == MODEL_IC:
            head = 0
            while head < qlen:
                v = queue[head]
                head += 1
                a0 = indptr[v]
                a1 = indptr[v + 1]
                if per_node:
                    p = node_p[v]
                    if p <= 0.0:
                        continue
                    if p >= 1.0:
                        for j in range(a0, a1):
                            w = indices[j]
                            if visited[w] != stamp:
                                visited[w] = stamp
                                queue[qlen] = w
                                qlen += 1
                        continue
                    lq = math.log1p(-p)
                    j = a0 - 1
                    while True:
                        state, u = rr_draw(state)
                        j += 1 + int(math.floor(math.log(1.0 - u) / lq))
                        if j >= a1:
                            break
                        w = indices[j]
                        if visited[w] != stamp:
                            visited[w] = stamp
                            queue[qlen] = w
                            qlen += 1
                else:
                    for j in range(a0, a1):
                        state, u = rr_draw(state)
                        if u < prob[j]:
                            w = indices[j]
                            if visited[w] != stamp:
                                visited[w] = stamp
                                queue[qlen] = w
                                qlen += 1
        else:
            v = root
            while True:
                a0 = indptr[v]
                a1 = indptr[v + 1]
                if a1 == a0:
                    break
                state, u = rr_draw(state)
                nxt = -1
                if per_node:
                    p = node_p[v]
                    if p > 0.0:
                        j = a0 + int(u / p)
                        if j < a1:
                            nxt = indices[j]
                else:
                    acc = 0.0
                    for j in range(a0, a1):
                        acc += prob[j]
                        if u < acc:
                            nxt = indices[j]
                            break
                if nxt < 0 or visited[nxt] == stamp:
                    break
                visited[nxt] = stamp
                queue[qlen] = nxt
                qlen += 1
                v = nxt
        if total + qlen > cap:
            while total + qlen > cap:
                cap *= 2
            grown = np.empty(cap, np.int32)
            grown[:total] = members[:total]
            members = grown
        members[total : total + qlen] = queue[:qlen]
        total += qlen
        offsets[s + 1] = total
    return offsets, members[:total].copy(), stamp0 + count


@nb.njit(nogil=True, cache=True)
def keep_members(offsets, members, local):
    """Drop the members with ``local[v] < 0`` and renumber the others ``local[v]`` (int32).

    Sets keep their number (an empty set stays, as an empty range).
    """
    T = offsets.shape[0] - 1
    off = np.empty(T + 1, np.int64)
    out = np.empty(members.shape[0], np.int32)
    off[0] = 0
    t = 0
    for i in range(T):
        for x in range(offsets[i], offsets[i + 1]):
            v = local[members[x]]
            if v >= 0:
                out[t] = v
                t += 1
        off[i + 1] = t
    return off, out[:t].copy()


def invert(offsets, members, n):
    """Node -> sets index: ``node_sets[node_ptr[v]:node_ptr[v+1]]`` are the sets holding ``v``, ascending."""
    T = offsets.shape[0] - 1
    node_sets = np.empty(members.shape[0], np.int64 if T >= 2**31 - 1 else np.int32)
    node_ptr = np.zeros(n + 1, np.int64)
    _invert(offsets, members, n, node_ptr, node_sets)
    return node_ptr, node_sets


@nb.njit(cache=True)
def _invert(offsets, members, n, node_ptr, node_sets):
    T = offsets.shape[0] - 1
    for x in range(members.shape[0]):
        node_ptr[members[x] + 1] += 1
    for v in range(n):
        node_ptr[v + 1] += node_ptr[v]
    fill = node_ptr[:-1].copy()
    for i in range(T):
        for x in range(offsets[i], offsets[i + 1]):
            v = members[x]
            node_sets[fill[v]] = i
            fill[v] += 1


@nb.njit(cache=True)
def _knapsack_bound(gain, cost, cand, budget):
    """max sum of gains under ``budget`` in the fractional relaxation (an upper bound)."""
    m = 0
    for v in range(gain.shape[0]):
        if cand[v] and gain[v] > 0:
            m += 1
    idx = np.empty(m, np.int64)
    ratio = np.empty(m, np.float64)
    t = 0
    for v in range(gain.shape[0]):
        if cand[v] and gain[v] > 0:
            idx[t] = v
            ratio[t] = -gain[v] / cost[v]
            t += 1
    order = np.argsort(ratio, kind="mergesort")
    left = budget
    total = 0.0
    for t in range(m):
        v = idx[order[t]]
        if cost[v] <= left:
            total += gain[v]
            left -= cost[v]
        else:
            total += gain[v] * left / cost[v]
            break
    return total


@nb.njit(cache=True)
def _topk_bound(gain, cand, k):
    """Sum of the ``k`` largest gains among candidates."""
    m = 0
    for v in range(gain.shape[0]):
        if cand[v] and gain[v] > 0:
            m += 1
    if m == 0:
        return 0.0
    vals = np.empty(m, np.float64)
    t = 0
    for v in range(gain.shape[0]):
        if cand[v] and gain[v] > 0:
            vals[t] = gain[v]
            t += 1
    if m <= k:
        return vals.sum()
    part = np.partition(vals, m - k)
    return part[m - k :].sum()


@nb.njit(cache=True)
def greedy_cover(sets, cand, cost, budget, by_ratio, unit):
    """Greedy max coverage of RR sets (an :data:`IndexedSets`) under a budget.

    Picks, while some candidate is affordable, the candidate with the largest
    number of not yet covered sets (``by_ratio``: per unit of cost); ties go to
    the lowest node number. With ``unit`` (all costs 1, budget ``k``) this is
    the classic (1 - 1/e) greedy.

    Returns
    -------
    picks (int64), gains (int64 sets newly covered by each pick), covered count,
    upper bound on the optimum's coverage (min over checkpoints of coverage so
    far + the best the remaining budget could add, by submodularity).
    """
    offsets, members, node_ptr, node_sets = sets
    n = node_ptr.shape[0] - 1
    T = offsets.shape[0] - 1
    gain = np.zeros(n, np.float64)
    for v in range(n):
        gain[v] = node_ptr[v + 1] - node_ptr[v]
    covered = np.zeros(T, np.bool_)
    chosen = np.zeros(n, np.bool_)
    avail = cand.copy()
    picks = np.empty(n, np.int64)
    gains = np.empty(n, np.int64)
    npick = 0
    left = budget
    total = 0
    bound = np.inf
    next_check = 0
    while True:
        if npick == next_check:
            if unit:
                b = total + _topk_bound(gain, avail, int(budget + 1e-9))
            else:
                b = total + _knapsack_bound(gain, cost, avail, budget)
            if b < bound:
                bound = b
            next_check = max(1, 2 * next_check)
        best = -1
        best_score = -1.0
        for v in range(n):
            if avail[v] and cost[v] <= left + 1e-12:
                sc = gain[v] / cost[v] if by_ratio else gain[v]
                if sc > best_score:
                    best_score = sc
                    best = v
        if best < 0:
            break
        picks[npick] = best
        gains[npick] = int(gain[best])
        npick += 1
        total += int(gain[best])
        left -= cost[best]
        avail[best] = False
        chosen[best] = True
        for x in range(node_ptr[best], node_ptr[best + 1]):
            i = node_sets[x]
            if covered[i]:
                continue
            covered[i] = True
            for y in range(offsets[i], offsets[i + 1]):
                gain[members[y]] -= 1.0
    if unit:
        b = total + _topk_bound(gain, avail, int(budget + 1e-9))
    else:
        b = total + _knapsack_bound(gain, cost, avail, budget)
    if b < bound:
        bound = b
    return picks[:npick].copy(), gains[:npick].copy(), total, bound


@nb.njit(cache=True)
def _best_candidate(gain, avail, cost, left, by_ratio):
    """The available candidate with the largest gain (per cost with ``by_ratio``) that fits ``left``; -1 if none."""
    best = -1
    best_score = -1.0
    for v in range(gain.shape[0]):
        if avail[v] and cost[v] <= left + 1e-12:
            sc = gain[v] / cost[v] if by_ratio else gain[v]
            if sc > best_score:
                best_score = sc
                best = v
    return best


@nb.njit(nogil=True, cache=True)
def _cover_segment(offsets, members, node_ptr, node_sets, base, covered, gain, v):
    """Mark the sets of one segment holding ``v`` covered; take their members' gains off.

    Called from Python once per pick and segment, so its arrays stay positional: a named tuple costs
    the dispatcher about 2 microseconds more per call (``benchmarks/bench_args_exposure.py``).
    """
    for x in range(node_ptr[v], node_ptr[v + 1]):
        gi = base + node_sets[x]
        if covered[gi]:
            continue
        covered[gi] = True
        i = node_sets[x]
        for y in range(offsets[i], offsets[i + 1]):
            gain[members[y]] -= 1.0


def greedy_cover_segments(segments, counts, T, cand, cost, budget, by_ratio, unit):
    """:func:`greedy_cover` over a collection stored in segments.

    ``segments`` lists ``(offsets, members, node_ptr, node_sets, base)`` per
    segment (sets numbered ``base + i`` in the collection of ``T`` sets), each
    with its inverted index built once, when the segment was drawn; ``counts``
    is the number of sets holding each node, summed over the segments. Same
    picks, gains and bound as :func:`greedy_cover` on the concatenated sets.
    """
    gain = counts.astype(np.float64)
    covered = np.zeros(T, np.bool_)
    avail = np.array(cand, dtype=np.bool_)
    picks: list[int] = []
    gains: list[int] = []
    left = float(budget)
    total = 0
    bound = np.inf
    next_check = 0
    kk = int(budget + 1e-9)
    while True:
        if len(picks) == next_check:
            b = total + (_topk_bound(gain, avail, kk) if unit else _knapsack_bound(gain, cost, avail, budget))
            bound = min(bound, b)
            next_check = max(1, 2 * next_check)
        best = int(_best_candidate(gain, avail, cost, left, by_ratio))
        if best < 0:
            break
        g = int(gain[best])
        picks.append(best)
        gains.append(g)
        total += g
        left -= cost[best]
        avail[best] = False
        for off, mem, ptr, sets, base in segments:
            _cover_segment(off, mem, ptr, sets, base, covered, gain, best)
    b = total + (_topk_bound(gain, avail, kk) if unit else _knapsack_bound(gain, cost, avail, budget))
    bound = min(bound, b)
    return np.asarray(picks, dtype=np.int64), np.asarray(gains, dtype=np.int64), total, bound


@nb.njit(cache=True)
def coverage_of(offsets, members, is_seed):
    """Number of sets holding at least one node with ``is_seed``."""
    T = offsets.shape[0] - 1
    c = 0
    for i in range(T):
        for x in range(offsets[i], offsets[i + 1]):
            if is_seed[members[x]]:
                c += 1
                break
    return c


@nb.njit(cache=True)
def first_hit_gains(offsets, members, rank, k):
    """Sets whose earliest-ranked member has rank ``r`` (``rank`` = pick position or -1).

    ``result[r] / T * scale`` estimates the marginal gain of pick ``r`` given
    picks ``0..r-1``, unbiased when the sets were not used to choose the picks.
    """
    T = offsets.shape[0] - 1
    out = np.zeros(k, np.int64)
    for i in range(T):
        best = k
        for x in range(offsets[i], offsets[i + 1]):
            r = rank[members[x]]
            if r >= 0 and r < best:
                best = r
        if best < k:
            out[best] += 1
    return out


def rr_set_reference(indptr, indices, prob, model, root, uniforms):
    """Pure-Python RR set from ``root`` using the given uniforms (per-arc mode, for tests).

    IC: one uniform per arc scanned in BFS order; LT: one uniform per step.
    """
    it = iter(uniforms)
    seen = {int(root)}
    order = [int(root)]
    if model == MODEL_IC:
        head = 0
        while head < len(order):
            v = order[head]
            head += 1
            for j in range(indptr[v], indptr[v + 1]):
                if next(it) < prob[j]:
                    w = int(indices[j])
                    if w not in seen:
                        seen.add(w)
                        order.append(w)
    else:
        v = int(root)
        while indptr[v + 1] > indptr[v]:
            u = next(it)
            acc, nxt = 0.0, -1
            for j in range(indptr[v], indptr[v + 1]):
                acc += prob[j]
                if u < acc:
                    nxt = int(indices[j])
                    break
            if nxt < 0 or nxt in seen:
                break
            seen.add(nxt)
            order.append(nxt)
            v = nxt
    return order
