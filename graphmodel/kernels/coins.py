"""Counter-based coins: every random number of every kernel is a hash.

A coin is ``to_unit(mix64(...))`` of a per-run key and the identity of what it
decides (an arc, a node's threshold, a skip stream, a step), so a result
depends on the seed alone, never on the number of threads or their schedule,
and two scenarios that share an edge share its coin (common random numbers).
The functions and salts below are part of the reproducibility promise: changing
any of them changes published numbers.

Salts
-----
Every salt, with what it separates. ``SALT_PURCHASE`` and ``SALT_TIE`` have the
same value (``0x3C6EF372FE94F82B``); numbers already depend on both, so both are
kept. They cannot correlate coins of one run: ``SALT_PURCHASE`` is hashed with a
layer key inside :func:`stream_key` (intent kernel), ``SALT_TIE`` with a step
inside :func:`node_coin` (competition kernels), and no kernel draws both. New
salts must be new values (``tests/test_kernels_core.py`` checks the table).

====================  ==================  ==============================================
name                  value               coin
====================  ==================  ==============================================
SALT_THRESHOLD        0x5D1E5BA5EED7E4A1  LT threshold of a node
SALT_RECOVER          0x2C1B3C6D7E8F9A0B  SIR recovery of a node at a step
SALT_STEP             0x7A5B3C1D9E8F6A4B  SIR: per-step salt of arc coins and skip streams
SALT_PURCHASE         0x3C6EF372FE94F82B  intent: purchase coin of (run, user, layer)
SALT_TIE              0x3C6EF372FE94F82B  competition: tie among platforms at a node
SALT_SWITCH           0xA54FF53A5F1D36F1  competition: switching of an adopter
SALT_MULTI            0x510E527FADE682D1  competition: multi-homing merchant
SALT_PLATFORM         0x1F83D9ABFB41BD6B  competition: per-platform arc-coin keys
SALT_FOLLOW_A         0x6A09E667F3BCC908  follower RR sets: coins of platform A
SALT_FOLLOW_B         0xBB67AE8584CAA73B  follower RR sets: coins of platform B
SALT_FOLLOW_TIE       TIE ^ MULTI         follower RR sets: tie and multi-homing coins
LAYER_KEY_OFFSET      7                   added to a layer's hash to key its skip streams
====================  ==================  ==============================================
"""

from __future__ import annotations

import numpy as np
from numba import njit

#: 2**64 / golden ratio: the Weyl increment of splitmix64, used to spread counters.
GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)
_INV53 = 1.0 / 9007199254740992.0

SALT_THRESHOLD = np.uint64(0x5D1E5BA5EED7E4A1)
SALT_RECOVER = np.uint64(0x2C1B3C6D7E8F9A0B)
SALT_STEP = np.uint64(0x7A5B3C1D9E8F6A4B)
SALT_PURCHASE = np.uint64(0x3C6EF372FE94F82B)
SALT_TIE = np.uint64(0x3C6EF372FE94F82B)  # same value as SALT_PURCHASE: see the module docstring
SALT_SWITCH = np.uint64(0xA54FF53A5F1D36F1)
SALT_MULTI = np.uint64(0x510E527FADE682D1)
SALT_PLATFORM = np.uint64(0x1F83D9ABFB41BD6B)
SALT_FOLLOW_A = np.uint64(0x6A09E667F3BCC908)
SALT_FOLLOW_B = np.uint64(0xBB67AE8584CAA73B)
SALT_FOLLOW_TIE = np.uint64(0x3C6EF372FE94F82B ^ 0x510E527FADE682D1)
LAYER_KEY_OFFSET = np.uint64(7)

#: Every salt by name (the table of the module docstring; checked by the tests).
SALTS: dict[str, int] = {
    "SALT_THRESHOLD": int(SALT_THRESHOLD),
    "SALT_RECOVER": int(SALT_RECOVER),
    "SALT_STEP": int(SALT_STEP),
    "SALT_PURCHASE": int(SALT_PURCHASE),
    "SALT_TIE": int(SALT_TIE),
    "SALT_SWITCH": int(SALT_SWITCH),
    "SALT_MULTI": int(SALT_MULTI),
    "SALT_PLATFORM": int(SALT_PLATFORM),
    "SALT_FOLLOW_A": int(SALT_FOLLOW_A),
    "SALT_FOLLOW_B": int(SALT_FOLLOW_B),
    "SALT_FOLLOW_TIE": int(SALT_FOLLOW_TIE),
}
#: The one pair of salts that share a value (kept: published numbers depend on both).
SHARED_SALTS = frozenset({"SALT_PURCHASE", "SALT_TIE"})


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
    return mix64(np.uint64(base) + (np.uint64(r) + np.uint64(1)) * GOLDEN)


@njit(cache=True, inline="always")
def arc_coin(rkey, akey):
    """The coin of one arc in one run (IC)."""
    return to_unit(mix64(rkey ^ akey))


@njit(cache=True, inline="always")
def salted_arc_coin(rkey, akey, salt):
    """The coin of one arc in one run under ``salt`` (SIR steps); equals :func:`arc_coin` at salt 0."""
    return to_unit(mix64(rkey ^ akey ^ salt))


@njit(cache=True, inline="always")
def stream_key(rkey, node, skey, salt):
    """Key of the skip stream of (run, node, layer[, step])."""
    return mix64(rkey ^ mix64((np.uint64(node) * GOLDEN) ^ skey ^ salt))


@njit(cache=True, inline="always")
def stream_draw(key, k):
    """The ``k``-th uniform of a skip stream, in (0, 1]."""
    return 1.0 - to_unit(mix64(key + np.uint64(k) * GOLDEN))


@njit(cache=True, inline="always")
def node_coin(rkey, node, step, salt):
    """Uniform in [0, 1) for (run, node, step) under ``salt``."""
    return to_unit(mix64(rkey ^ mix64((np.uint64(node) * GOLDEN) ^ mix64(np.uint64(step) ^ salt))))


@njit(cache=True, inline="always")
def lt_threshold(rkey, node):
    """LT threshold of ``node`` in a run, uniform in (0, 1]."""
    return 1.0 - to_unit(mix64(rkey ^ mix64(np.uint64(node) ^ SALT_THRESHOLD)))


@njit(cache=True, inline="always")
def recover_coin(rkey, node, step):
    """SIR: uniform in [0, 1) deciding whether ``node`` recovers after ``step``."""
    return node_coin(rkey, node, step, SALT_RECOVER)


@njit(cache=True, inline="always")
def step_salt(step):
    """SIR: the salt of the arc coins and skip streams of ``step`` (fresh coins at every step)."""
    return mix64(np.uint64(step) ^ SALT_STEP)


@njit(cache=True, inline="always")
def arc_key(glayer, edge, direction):
    """Coin identity of an arc: hash of (global layer id, edge row, direction)."""
    return mix64(
        mix64(np.uint64(edge) * np.uint64(4) + np.uint64(direction) * np.uint64(2)) ^ mix64(np.uint64(glayer) + GOLDEN)
    )


@njit(cache=True, inline="always")
def layer_key(glayer):
    """Key of a layer's skip streams, from its global layer id."""
    return mix64(np.uint64(glayer) * GOLDEN + LAYER_KEY_OFFSET)


@njit(cache=True, inline="always")
def rr_state(key, i):
    """Initial state of the stream of RR set ``i``."""
    return mix64(key ^ mix64(np.uint64(i) * GOLDEN + GOLDEN))


@njit(cache=True, inline="always")
def rr_draw(state):
    """Advance an RR-set stream; return ``(state, u)`` with ``u`` uniform in [0, 1)."""
    state = state + GOLDEN
    return state, to_unit(mix64(state))


@njit(cache=True, inline="always")
def pick_root(state, roots, cdf):
    """Draw an RR set's root from ``roots`` (uniform when ``cdf`` is empty, else by the cumulative ``cdf``)."""
    state, u = rr_draw(state)
    if cdf.shape[0] == 0:
        j = int(u * roots.shape[0])
        if j >= roots.shape[0]:
            j = roots.shape[0] - 1
    else:
        j = np.searchsorted(cdf, u, side="right")
        if j >= roots.shape[0]:
            j = roots.shape[0] - 1
    return state, roots[j]


@njit(cache=True)
def layer_keys(glayer):
    """Key of each layer's skip streams, from its global layer id (:func:`layer_key` of each)."""
    out = np.empty(glayer.shape[0], np.uint64)
    for i in range(glayer.shape[0]):
        out[i] = layer_key(glayer[i])
    return out


@njit(cache=True)
def arc_keys(glayer, edge, direction):
    """Coin identity of each arc: hash of (global layer id, edge row, direction)."""
    m = edge.shape[0]
    out = np.empty(m, np.uint64)
    for j in range(m):
        out[j] = arc_key(glayer[j], edge[j], direction[j])
    return out
