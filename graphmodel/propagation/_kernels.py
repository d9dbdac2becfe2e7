"""Compiled cascade kernels (numba). Only arrays and scalars cross this boundary.

Random numbers are counter-based: every coin is a hash of a per-run key and
the identity of what it decides (an arc, a node's threshold, a skip stream),
so a result depends on the seed alone, never on the number of threads or on
their schedule, and two scenarios that share an edge share its coin (common
random numbers).

Graph arrays (see :class:`graphmodel.propagation.prepare.PropagationGraph`):

``indptr`` (n+1,) int64 and ``indices`` (m,) int32
    CSR arcs grouped by tail.
``lptr`` (n, L+1) int64
    Arcs of node ``v`` in CSR layer ``l`` are ``lptr[v, l]:lptr[v, l+1]``
    (arcs of one node are grouped by layer).
``arc_key`` (m,) uint64
    Hash of (global layer, edge row, direction): the identity of the arc's coin.
``prob`` (m,) float64
    Per-arc probability (IC, SIR) or weight (LT).
``seg_p`` (L,) float64
    Uniform probability of a CSR layer, or -1 when the layer is per-arc.
    Uniform layers use geometric skipping (one draw per success).
``seg_key`` (L,) uint64
    Hash of the layer's global id, keys the skip streams.

Per run the kernels write the users reached, merchants reached, users reached
per layer (column ``L`` = seeds) and accumulate per-node activation counts and
the per-step curve of newly active users.
"""

from __future__ import annotations

import os

# OpenMP threads that spin while waiting cost ~0.15 s per parallel launch when the
# cores are shared with other processes (measured: 1 ms -> 160 ms for a small batch).
# Passive waiting is the polite default; an explicit user setting wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np  # noqa: E402
from numba import njit, prange  # noqa: E402

MODEL_IC = 0
MODEL_LT = 1
MODEL_SIR = 2

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)
_INV53 = 1.0 / 9007199254740992.0
_SALT_THRESHOLD = np.uint64(0x5D1E5BA5EED7E4A1)
_SALT_RECOVER = np.uint64(0x2C1B3C6D7E8F9A0B)
_SALT_STEP = np.uint64(0x7A5B3C1D9E8F6A4B)


@njit(cache=True, inline="always")
def mix64(z):
    """splitmix64 finalizer: a bijective 64-bit integer hash."""
    z = np.uint64(z)
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@njit(cache=True, inline="always")
def to_unit(z):
    """Uniform float in [0, 1) from the top 53 bits of a 64-bit hash."""
    return np.float64(z >> _S11) * _INV53


@njit(cache=True, inline="always")
def run_key(base, r):
    """Key of run ``r``: runs are a fixed sequence, so any prefix is reproducible."""
    return mix64(np.uint64(base) + (np.uint64(r) + np.uint64(1)) * _GOLDEN)


@njit(cache=True, inline="always")
def arc_coin(rkey, akey):
    """The coin of one arc in one run (IC)."""
    return to_unit(mix64(rkey ^ akey))


@njit(cache=True, inline="always")
def stream_key(rkey, node, skey, salt):
    """Key of the skip stream of (run, node, layer[, step])."""
    return mix64(rkey ^ mix64((np.uint64(node) * _GOLDEN) ^ skey ^ salt))


@njit(cache=True, inline="always")
def stream_draw(key, k):
    """The ``k``-th uniform of a skip stream, in (0, 1]."""
    return 1.0 - to_unit(mix64(key + np.uint64(k) * _GOLDEN))


@njit(cache=True, inline="always")
def lt_threshold(rkey, node):
    """LT threshold of ``node`` in a run, uniform in (0, 1]."""
    return 1.0 - to_unit(mix64(rkey ^ mix64(np.uint64(node) ^ _SALT_THRESHOLD)))


@njit(cache=True, inline="always")
def recover_coin(rkey, node, step):
    return to_unit(mix64(rkey ^ mix64((np.uint64(node) * _GOLDEN) ^ mix64(np.uint64(step) ^ _SALT_RECOVER))))


@njit(cache=True, inline="always")
def step_salt(step):
    return mix64(np.uint64(step) ^ _SALT_STEP)


# --------------------------------------------------------------------------
# one run of each model; workspace arrays are reused across runs via `stamp`
# --------------------------------------------------------------------------
@njit(cache=True)
def _segment_targets(v, l, a, b, rkey, salt, indices, arc_key, prob, seg_p, seg_key, out):
    """Heads of the live arcs of node ``v`` in layer segment ``a:b``; returns how many (written to ``out``)."""
    k = 0
    p = seg_p[l]
    if p >= 0.0:
        if p <= 0.0:
            return 0
        if p >= 1.0:
            for j in range(a, b):
                out[k] = j
                k += 1
            return k
        lq = np.log1p(-p)
        key = stream_key(rkey, v, seg_key[l], salt)
        j = a - 1
        d = 0
        while True:
            u = stream_draw(key, d)
            d += 1
            f = np.log(u) / lq
            if f >= b - j - 1:
                break
            j += 1 + np.int64(f)
            out[k] = j
            k += 1
        return k
    for j in range(a, b):
        if salt == 0:
            u = arc_coin(rkey, arc_key[j])
        else:
            u = to_unit(mix64(rkey ^ arc_key[j] ^ salt))
        if u < prob[j]:
            out[k] = j
            k += 1
    return k


@njit(cache=True)
def _cascade_run(
    model, r, base, indptr, indices, lptr, arc_key, prob, seg_p, seg_key, seeds, n_users, recovery, max_steps,
    stamp, act_step, act_layer, front, nxt, live, acc, accstamp, layer_counts, order, curve,
):
    """One run; returns (users, merchants, steps, n_active).

    ``stamp[v] == r + 1`` marks active nodes; ``order[:n_active]`` lists them in activation order.
    ``act_step`` / ``act_layer`` are written only when they have one slot per node (tracing);
    ``curve[s]`` counts users newly active at step ``s``.
    """
    record = act_step.shape[0] > 1
    clen = curve.shape[0]
    L = lptr.shape[1] - 1
    tag = np.int32(r + 1)
    rkey = run_key(base, r)
    for l in range(L + 1):
        layer_counts[l] = 0
    nf = 0
    users = 0
    merchants = 0
    for i in range(seeds.shape[0]):
        s = seeds[i]
        if stamp[s] != tag:
            stamp[s] = tag
            if record:
                act_step[s] = 0
                act_layer[s] = L
            front[nf] = s
            order[nf] = s
            nf += 1
            if s < n_users:
                users += 1
                layer_counts[L] += 1
                curve[0] += 1
            else:
                merchants += 1
    na = nf
    step = 0
    while nf > 0 and (max_steps < 0 or step < max_steps):
        step += 1
        nn = 0
        salt = np.uint64(0)
        if model == 2:
            salt = step_salt(step)
        for i in range(nf):
            v = front[i]
            for l in range(L):
                a = lptr[v, l]
                b = lptr[v, l + 1]
                if a == b:
                    continue
                if model == 1:  # LT: push weight, activate on crossing the threshold
                    for j in range(a, b):
                        u = indices[j]
                        if stamp[u] == tag:
                            continue
                        if accstamp[u] != tag:
                            accstamp[u] = tag
                            acc[u] = 0.0
                        acc[u] += prob[j]
                        if acc[u] >= lt_threshold(rkey, u):
                            stamp[u] = tag
                            if record:
                                act_step[u] = step
                                act_layer[u] = l
                            nxt[nn] = u
                            nn += 1
                            order[na] = u
                            na += 1
                            if u < n_users:
                                users += 1
                                layer_counts[l] += 1
                                if step < clen:
                                    curve[step] += 1
                            else:
                                merchants += 1
                    continue
                k = _segment_targets(v, l, a, b, rkey, salt, indices, arc_key, prob, seg_p, seg_key, live)
                for t in range(k):
                    u = indices[live[t]]
                    if stamp[u] != tag:
                        stamp[u] = tag
                        if record:
                            act_step[u] = step
                            act_layer[u] = l
                        nxt[nn] = u
                        nn += 1
                        order[na] = u
                        na += 1
                        if u < n_users:
                            users += 1
                            layer_counts[l] += 1
                            if step < clen:
                                curve[step] += 1
                        else:
                            merchants += 1
        if model == 2:  # SIR: infectious nodes that do not recover stay in the front
            for i in range(nf):
                v = front[i]
                if recover_coin(rkey, v, step) >= recovery:
                    nxt[nn] = v
                    nn += 1
        for i in range(nn):
            front[i] = nxt[i]
        nf = nn
    return users, merchants, step, na


@njit(cache=True, parallel=True)
def cascade_batch(
    model, base, run_start, n_runs, n_chunks, indptr, indices, lptr, arc_key, prob, seg_p, seg_key, seeds, n_users,
    recovery, max_steps, curve_len,
):
    """Runs ``run_start .. run_start+n_runs-1``; returns per-run and aggregate arrays.

    Returns
    -------
    users, merchants, steps : (n_runs,) int64
    layer_counts : (n_runs, L+1) int64 (column L = seeds)
    node_counts : (n,) int64, runs in which each node was active
    curve : (curve_len,) int64, newly active users per step summed over runs
    """
    n = indptr.shape[0] - 1
    L = lptr.shape[1] - 1
    users = np.zeros(n_runs, np.int64)
    merchants = np.zeros(n_runs, np.int64)
    steps = np.zeros(n_runs, np.int64)
    layer_counts = np.zeros((n_runs, L + 1), np.int64)
    chunk_nodes = np.zeros((n_chunks, n), np.int32)
    chunk_curve = np.zeros((n_chunks, curve_len), np.int64)
    max_out = 0
    for v in range(n):
        d = indptr[v + 1] - indptr[v]
        if d > max_out:
            max_out = d
    for c in prange(n_chunks):
        lo = (n_runs * c) // n_chunks
        hi = (n_runs * (c + 1)) // n_chunks
        stamp = np.zeros(n, np.int32)
        act_step = np.empty(1, np.int32)
        act_layer = np.empty(1, np.int8)
        front = np.empty(n, np.int32)
        nxt = np.empty(n, np.int32)
        live = np.empty(max_out + 1, np.int64)
        if model == 1:
            acc = np.zeros(n, np.float64)
            accstamp = np.zeros(n, np.int32)
        else:
            acc = np.zeros(1, np.float64)
            accstamp = np.zeros(1, np.int32)
        lc = np.zeros(L + 1, np.int64)
        order = np.empty(n, np.int32)
        for i in range(lo, hi):
            r = run_start + i
            u, mm, st, na = _cascade_run(
                model, r, base, indptr, indices, lptr, arc_key, prob, seg_p, seg_key, seeds, n_users, recovery,
                max_steps, stamp, act_step, act_layer, front, nxt, live, acc, accstamp, lc, order, chunk_curve[c],
            )
            users[i] = u
            merchants[i] = mm
            steps[i] = st
            for l in range(L + 1):
                layer_counts[i, l] = lc[l]
            for t in range(na):
                v = order[t]
                chunk_nodes[c, v] += 1
    node_counts = np.zeros(n, np.int64)
    curve = np.zeros(curve_len, np.int64)
    for c in range(n_chunks):
        for v in range(n):
            node_counts[v] += chunk_nodes[c, v]
        for s in range(curve_len):
            curve[s] += chunk_curve[c, s]
    return users, merchants, steps, layer_counts, node_counts, curve


@njit(cache=True)
def cascade_trace(
    model, base, r, indptr, indices, lptr, arc_key, prob, seg_p, seg_key, seeds, n_users, recovery, max_steps,
):
    """One run, node by node: (step, layer) of every activation; -1 where never active (layer L = seed)."""
    n = indptr.shape[0] - 1
    L = lptr.shape[1] - 1
    stamp = np.zeros(n, np.int32)
    act_step = np.full(n, -1, np.int32)
    act_layer = np.full(n, -1, np.int8)
    front = np.empty(n, np.int32)
    nxt = np.empty(n, np.int32)
    max_out = 0
    for v in range(n):
        d = indptr[v + 1] - indptr[v]
        if d > max_out:
            max_out = d
    live = np.empty(max_out + 1, np.int64)
    acc = np.zeros(n if model == 1 else 1, np.float64)
    accstamp = np.zeros(n if model == 1 else 1, np.int32)
    lc = np.zeros(L + 1, np.int64)
    order = np.empty(n, np.int32)
    _cascade_run(
        model, r, base, indptr, indices, lptr, arc_key, prob, seg_p, seg_key, seeds, n_users, recovery, max_steps,
        stamp, act_step, act_layer, front, nxt, live, acc, accstamp, lc, order, np.zeros(1, np.int64),
    )
    tag = np.int32(r + 1)
    for v in range(n):
        if stamp[v] != tag:
            act_step[v] = -1
            act_layer[v] = -1
    return act_step, act_layer


@njit(cache=True)
def arc_keys(glayer, edge, direction):
    """Coin identity of each arc: hash of (global layer id, edge row, direction)."""
    m = edge.shape[0]
    out = np.empty(m, np.uint64)
    for j in range(m):
        out[j] = mix64(mix64(np.uint64(edge[j]) * np.uint64(4) + np.uint64(direction[j]) * np.uint64(2)) ^ mix64(np.uint64(glayer[j]) + _GOLDEN))
    return out


@njit(cache=True)
def layer_keys(glayer):
    """Key of each layer's skip streams, from its global layer id."""
    out = np.empty(glayer.shape[0], np.uint64)
    for i in range(glayer.shape[0]):
        out[i] = mix64(np.uint64(glayer[i]) * _GOLDEN + np.uint64(7))
    return out
