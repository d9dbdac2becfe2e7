"""RR-set kernels: the reference walk, unbiased spread estimates, determinism across workers."""

from __future__ import annotations

import math

import numpy as np
import pytest
from _seeding_exact import ExactSpread

import graphmodel as gm
from graphmodel.propagation.engine import prepare
from graphmodel.propagation.reference import arcs_of, exact_ic_spread
from graphmodel.seeding import _rr_kernels as K
from graphmodel.seeding.objective import objective_weights
from graphmodel.seeding.rrsets import RRCollection, RRGraph


def small_eco(s: int) -> gm.Ecosystem:
    """5 users, 2 merchants, 3 friendships and 3 payment pairs: 12 arcs."""
    rng = np.random.default_rng(s)
    pairs = [(a, b) for a in range(5) for b in range(a + 1, 5)]
    soc = [pairs[i] for i in rng.choice(len(pairs), 3, replace=False)]
    pay = [(u, m) for u in range(5) for m in range(2)]
    pay = [pay[i] for i in rng.choice(len(pay), 3, replace=False)]
    return gm.Ecosystem(
        users={
            "id": np.arange(5),
            "purchasing_power": rng.uniform(0.2, 2.0, 5),
            "city": np.array(["a", "b", "a", "b", "a"]),
        },
        merchants={
            "id": np.arange(2),
            "price_level": np.array([1.0, 1.5]),
            "channel": np.array(["offline", "online"]),
            "city": np.array(["a", ""]),
        },
        social={"src": np.array([p[0] for p in soc]), "dst": np.array([p[1] for p in soc])},
        payment={"src": np.array([p[0] for p in pay]), "dst": np.array([p[1] for p in pay])},
    )


def test_counter_stream_is_uniform_and_keyed():
    a = K.u01(np.uint64(7), 3, 20000)
    assert abs(a.mean() - 0.5) < 4 * math.sqrt(1 / 12 / a.size)
    assert np.array_equal(a, K.u01(np.uint64(7), 3, 20000))
    assert not np.array_equal(a[:10], K.u01(np.uint64(7), 4, 10))
    assert not np.array_equal(a[:10], K.u01(np.uint64(8), 3, 10))


@pytest.mark.parametrize("model", ["ic", "lt"])
def test_kernel_matches_python_reference(model):
    """Per-arc mode: the kernel walks exactly like the reference given the same uniforms."""
    eco = small_eco(3)
    g = prepare(eco, ["social", "payment"], {"social": 0.4, "payment": 0.7} if model == "ic" else None, model=model)
    rr = RRGraph.from_propagation(g, model=model)
    key = np.uint64(12345)
    n = rr.n
    visited, queue = np.zeros(n, np.int32), np.zeros(n, np.int32)
    src = K.RRSource(
        rr.indptr,
        rr.indices,
        rr.prob,
        rr.node_p,
        False,
        K.MODEL_LT if model == "lt" else K.MODEL_IC,
        rr.roots,
        rr.cdf,
    )
    off, mem, _ = K.rr_chunk(src, key, 0, 200, K.RRScratch(visited, queue), 1)
    for i in range(200):
        got = mem[off[i] : off[i + 1]].tolist()
        u = K.u01(key, i, 200)
        want = K.rr_set_reference(rr.indptr, rr.indices, rr.prob, 0 if model == "ic" else 1, got[0], u[1:])
        assert got == want
        assert got[0] < eco.n_users  # roots are users


def test_transpose_and_paths_through_merchants():
    eco = small_eco(1)
    g = prepare(eco, ["payment"], 1.0)
    rr = RRGraph.from_propagation(g, model="ic")
    assert rr.indices.size == g.indices.size
    fwd = set(zip(np.repeat(np.arange(g.n), np.diff(g.indptr)).tolist(), g.indices.tolist()))
    rev = set(zip(rr.indices.tolist(), np.repeat(np.arange(g.n), np.diff(rr.indptr)).tolist()))
    assert fwd == rev
    # with p = 1 the RR set of a paying user holds its merchants and their other customers
    coll = RRCollection(rr, 5, workers=1)
    coll.grow_to(50)
    off, mem = coll.arrays()
    pay = eco.edges("payment")
    for i in range(50):
        s = set(mem[off[i] : off[i + 1]].tolist())
        root = int(mem[off[i]])
        ms = {int(m) + eco.n_users for u, m in zip(pay["src"], pay["dst"]) if u == root}
        assert ms <= s


CASES = [(s, model, obj) for s in range(4) for model in ("ic", "lt") for obj in ("reach", "purchases")]


@pytest.mark.parametrize("s,model,obj", CASES)
def test_rr_estimate_is_unbiased(s, model, obj):
    """W * (fraction of RR sets hit by S) matches the exact spread within 4 standard errors."""
    eco = small_eco(s)
    prob = {"social": 0.35, "payment": "wc"} if model == "ic" else None
    g = prepare(eco, ["social", "payment"], prob, model=model)
    w = objective_weights(eco, obj, "merchant:1" if obj == "purchases" else None).weights
    exact = ExactSpread(g.indptr, g.indices, g.prob, model=model, n_users=g.n_users, weights=w)
    rr = RRGraph.from_propagation(g, model=model, weights=w)
    coll = RRCollection(rr, 99 + s, workers=2)
    T = 20000
    coll.grow_to(T)
    W = rr.total_weight
    rng = np.random.default_rng(s)
    for S in ([0], [5], [1, 6], list(rng.choice(g.n, 3, replace=False))):
        est, _ = coll.estimate(np.asarray(S))
        f = exact(S) / W
        se = W * math.sqrt(max(f * (1 - f), 1e-12) / T)
        assert abs(est - exact(S)) <= 4 * se + 1e-9, (S, est, exact(S))


def test_exact_helper_agrees_with_propagation_reference():
    eco = small_eco(2)
    g = prepare(eco, ["social", "payment"], {"social": 0.3, "payment": 0.6})
    ex = ExactSpread(g.indptr, g.indices, g.prob, model="ic", n_users=g.n_users)
    arcs = arcs_of(eco, ["social", "payment"], {"social": 0.3, "payment": 0.6})
    for S in ([0], [5, 2], [6]):
        assert ex(S) == pytest.approx(exact_ic_spread(arcs, S, n_users=eco.n_users))


def test_same_sets_for_any_worker_count():
    eco = gm.generate(users=1500, seed=3)
    g = prepare(eco, ["social", "payment"], {"social": 0.05, "payment": 0.05})
    rr = RRGraph.from_propagation(g, model="ic")
    a = RRCollection(rr, 7, workers=1)
    b = RRCollection(rr, 7, workers=2)
    a.grow_to(5000)
    b.grow_to(3000)
    b.grow_to(5000)  # grown in two steps, other chunking
    for x, y in zip(a.arrays(), b.arrays()):
        assert np.array_equal(x, y)
