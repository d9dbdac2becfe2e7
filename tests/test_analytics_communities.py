"""Leiden communities per layer and on the multiplex; modularity against networkx; mixing."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

import graphmodel as gm
from graphmodel.errors import InputError


def _cliques(k=3, size=6):
    """k cliques joined in a ring by single edges: the obvious partition."""
    edges = []
    for c in range(k):
        base = c * size
        edges += [(base + i, base + j) for i in range(size) for j in range(i + 1, size)]
        edges.append((base, ((c + 1) % k) * size + 1))
    return np.array(edges)


def test_leiden_finds_cliques_and_modularity_matches_networkx():
    e = _cliques()
    n = int(e.max()) + 1
    eco = gm.Ecosystem(
        users={"id": np.arange(n + 2)},
        social={"src": e[:, 0], "dst": e[:, 1]},
        transfer={"src": e[:, 0], "dst": e[:, 1]},
    )
    r = gm.communities(eco, seed=3)
    memb = r.membership["social"]
    assert r.count["social"] == 3
    assert (memb[n:] == -1).all()  # isolated users are in no community
    for c in range(3):
        assert len(set(memb[c * 6 : (c + 1) * 6].tolist())) == 1
    g = nx.Graph(e.tolist())
    parts = [set(np.flatnonzero(memb == c).tolist()) for c in range(3)]
    assert r.modularity["social"] == pytest.approx(nx.community.modularity(g, parts))
    # identical layers: perfect agreement, every social edge inside a transfer community
    mix = r.mixing["social|transfer"]
    assert mix["nmi"] == pytest.approx(1.0) and mix["ari"] == pytest.approx(1.0)
    inside = mix["social_edges_inside_transfer"]
    assert inside["share"] == pytest.approx(1 - 3 / len(e))  # the 3 ring edges cross
    assert inside["baseline"] == pytest.approx(3 * (1 / 3) ** 2)
    d = r.to_dict()
    assert d["scopes"]["multiplex"]["communities"] == 3


def test_seed_reproducible_and_louvain():
    rng = np.random.default_rng(0)
    e = rng.integers(0, 60, size=(200, 2))
    e = e[e[:, 0] != e[:, 1]]
    eco = gm.Ecosystem(users={"id": np.arange(60)}, social={"src": e[:, 0], "dst": e[:, 1]})
    a = gm.communities(eco, seed=5)
    b = gm.communities(eco, seed=5)
    np.testing.assert_array_equal(a.membership["social"], b.membership["social"])
    lv = gm.communities(eco, method="louvain", seed=5)
    assert lv.modularity["social"] > 0.2
    with pytest.raises(InputError):
        gm.communities(eco, method="girvan")


def test_payment_and_social_mixing(tiny_eco):
    r = gm.communities(tiny_eco, seed=0)
    assert set(r.membership) == {"social", "payment", "transfer", "multiplex"}
    mix = r.mixing["social|payment"]
    assert "social_edges_inside_payment" in mix
    assert len(r.membership["payment"]) == tiny_eco.n_nodes
