"""The kernels' arc arrays (graphmodel.arcs): layer pointers, coin keys, weighted-cascade values."""

from __future__ import annotations

import numpy as np
import pytest

import graphmodel as gm
from graphmodel.arcs import arc_structure, attach, weighted_cascade
from graphmodel.csr import build_csr
from graphmodel.ecosystem import LAYERS
from graphmodel.kernels.coins import arc_key
from graphmodel.propagation.probability import arc_probabilities, parse_prob_spec


@pytest.fixture(scope="module")
def eco() -> gm.Ecosystem:
    return gm.generate(users=400, merchants=20, seed=4)


def _expected_key(eco, csr, j, tail):
    """The coin key of arc ``j`` of ``csr`` from its definition: (global layer, edge row, direction)."""
    name = csr.layers[csr.layer[j]]
    row = int(csr.edge[j])
    if name == "payment":
        d = int(tail >= csr.n_users)
    elif name == "social" and not eco.is_directed("social"):
        d = int(tail != eco.edges("social")["src"][row])
    else:
        d = 0
    return arc_key(LAYERS.index(name), row, d ^ int(csr.reverse))


@pytest.mark.parametrize("reverse", [False, True])
def test_grouped_csr_keys_and_pointers_match_their_definition(eco, reverse):
    csr = eco.csr(None, reverse=reverse)
    s = arc_structure(eco, csr)
    assert s.perm is None and s.indices is csr.indices
    tails = csr.tails()
    for j in range(0, csr.m, 7):
        assert s.arc_key[j] == _expected_key(eco, csr, j, tails[j])
    for v in range(0, csr.n, 11):
        for lid in range(len(csr.layers)):
            arcs = np.arange(s.lptr[v, lid], s.lptr[v, lid + 1])
            assert (csr.layer[arcs] == lid).all()
        assert s.lptr[v, 0] == csr.indptr[v] and s.lptr[v, -1] == csr.indptr[v + 1]
    assert arc_structure(eco, csr) is s  # cached


def test_a_csr_not_grouped_by_layer_is_sorted_and_keeps_each_arcs_key(eco):
    # the same arcs given transfer first, then payment, then social: a node's arcs come in the reverse
    # order of csr.layers, so the structure sorts them, and each key must follow its arc
    base = eco.csr(None)
    tails = base.tails()
    parts = [
        (tails[base.layer == lid], base.indices[base.layer == lid], lid, base.edge[base.layer == lid])
        for lid in reversed(range(len(base.layers)))
    ]
    csr = build_csr(parts, layers=base.layers, n_users=base.n_users, n_merchants=base.n_merchants)
    s = arc_structure(eco, csr)
    assert s.perm is not None
    ref = arc_structure(eco, base)
    # same multiset of (tail, head, key) arcs, grouped by layer within each node
    got = sorted(zip(csr.tails()[s.perm].tolist(), s.indices.tolist(), s.arc_key.tolist(), strict=True))
    want = sorted(zip(tails.tolist(), base.indices.tolist(), ref.arc_key.tolist(), strict=True))
    assert got == want
    assert np.array_equal(s.lptr, ref.lptr)


def test_weighted_cascade_is_one_over_the_heads_in_degree(eco):
    csr = eco.csr(["social", "payment"])
    indeg = np.bincount(csr.indices, minlength=csr.n)
    wc = weighted_cascade(csr)
    assert np.array_equal(wc, 1.0 / np.maximum(indeg, 1)[csr.indices])
    mask = csr.layer == 1
    assert np.array_equal(weighted_cascade(csr, mask), wc[mask])
    # the spec's "wc" is this rule, whether every layer or some layers use it
    for spec in ({"social": "wc", "payment": "wc"}, {"social": 0.1, "payment": "wc"}):
        p, seg_p = arc_probabilities(eco, csr, parse_prob_spec(spec, csr.layers))
        assert np.array_equal(p[mask], wc[mask])
    assert seg_p.tolist() == [0.1, -1.0]


def test_attached_arrays_are_used_as_they_are(eco):
    fresh = gm.generate(users=400, merchants=20, seed=4)
    csr = fresh.csr(None)
    computed = arc_structure(eco, eco.csr(None))
    lptr = computed.lptr.copy()
    keys = computed.arc_key.copy()
    wc = weighted_cascade(eco.csr(None)).copy()
    wc.flags.writeable = False
    attach(csr, lptr=lptr, arc_key=keys, wc=wc)
    s = arc_structure(fresh, csr)
    assert s.lptr is lptr and s.arc_key is keys and s.perm is None
    spec = parse_prob_spec(None, csr.layers)  # "wc" on every layer
    p, _ = arc_probabilities(fresh, csr, spec)
    assert p is wc
    assert gm.simulate(fresh, runs=50, seed=1).to_dict() == gm.simulate(eco, runs=50, seed=1).to_dict()
