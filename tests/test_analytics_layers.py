"""Per-layer measures against networkx on small random graphs."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import graphmodel as gm
from graphmodel.analytics._views import LayerView
from graphmodel.analytics.layers import components, degree_assortativity, reciprocity


def _random_eco(n_users=40, n_merchants=8, m_social=160, m_pay=90, m_tr=50, directed=True, seed=0):
    rng = np.random.default_rng(seed)
    s = rng.integers(0, n_users, size=(m_social, 2))
    s = s[s[:, 0] != s[:, 1]]
    # force some reciprocated and some parallel edges
    s = np.vstack([s, s[:20, ::-1], s[:5]])
    return gm.Ecosystem(
        users={"id": np.arange(n_users)},
        merchants={"id": np.arange(n_merchants)},
        social={"src": s[:, 0], "dst": s[:, 1]},
        payment={"src": rng.integers(0, n_users, m_pay), "dst": rng.integers(0, n_merchants, m_pay)},
        transfer={"src": rng.integers(0, n_users, m_tr), "dst": rng.integers(0, n_users, m_tr)},
        social_directed=directed,
    )


def _nx(eco, layer, directed):
    t = eco.edges(layer)
    U = eco.n_users
    off = U if layer == "payment" else 0
    g = nx.DiGraph() if directed else nx.Graph()
    g.add_edges_from((int(a), int(b) + off) for a, b in zip(t["src"], t["dst"]) if not (off == 0 and a == b))
    return g


@pytest.mark.parametrize("directed", [True, False])
def test_social_layer_matches_networkx(directed):
    eco = _random_eco(directed=directed, seed=1 + directed)
    d = gm.stats(eco).to_dict()["layers"]["social"]
    g = _nx(eco, "social", directed)
    und = g.to_undirected() if directed else g
    assert d["edges"] == eco.n_edges("social")
    assert d["distinct_pairs"] == g.number_of_edges()
    n = eco.n_users
    assert d["density"] == pytest.approx(g.number_of_edges() / (n * (n - 1) / (1 if directed else 2)))
    assert d["nodes_touched"] == g.number_of_nodes()
    degs = np.array([und.degree(v) for v in und])
    assert d["degree"]["mean"] == pytest.approx(degs.mean())
    assert d["degree"]["max"] == degs.max()
    if directed:
        assert d["reciprocity"] == pytest.approx(nx.reciprocity(g))
        assert d["components"] == nx.number_weakly_connected_components(g)
    else:
        assert d["reciprocity"] is None
        assert d["components"] == nx.number_connected_components(g)
    assert d["assortativity"] == pytest.approx(nx.degree_assortativity_coefficient(g))
    assert d["transitivity"] == pytest.approx(nx.transitivity(und))
    assert d["average_clustering"] == pytest.approx(nx.average_clustering(und))
    largest = max(len(c) for c in nx.connected_components(und))
    assert d["largest_component_share"] == pytest.approx(largest / und.number_of_nodes())


def test_payment_layer_is_bipartite():
    eco = _random_eco(seed=3)
    r = gm.stats(eco)
    d = r.to_dict()["layers"]["payment"]
    g = _nx(eco, "payment", True)
    assert d["bipartite"] and d["reciprocity"] is None and d["transitivity"] is None
    assert "bipartite" in r.notes["layers.payment.reciprocity"]
    assert d["density"] == pytest.approx(g.number_of_edges() / (eco.n_users * eco.n_merchants))
    assert d["assortativity"] == pytest.approx(nx.degree_assortativity_coefficient(g))
    assert d["components"] == nx.number_weakly_connected_components(g)
    assert d["users_touched"] + d["merchants_touched"] == d["nodes_touched"] == g.number_of_nodes()
    merchants = [v for v in g if v >= eco.n_users]
    assert d["degree_merchant"]["max"] == max(g.in_degree(v) for v in merchants)


def test_transfer_directed_measures_and_loops():
    eco = gm.Ecosystem(users={"id": np.arange(4)}, transfer={"src": [0, 1, 2, 2, 3], "dst": [1, 0, 2, 3, 2]})
    d = gm.stats(eco, layers="transfer").to_dict()["layers"]["transfer"]
    assert d["self_loops"] == 1 and d["distinct_pairs"] == 4
    assert d["reciprocity"] == 1.0
    assert d["in_degree"]["max"] == 1


def test_empty_layer_is_none_with_reason():
    eco = gm.Ecosystem(users={"id": [0, 1]}, social={"src": [0], "dst": [1]})
    r = gm.stats(eco)
    assert r.layers["transfer"]["density"] is None and r.layers["transfer"]["edges"] == 0
    assert r.notes["layers.transfer.*"] == "empty layer"


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 9), st.integers(0, 9)), min_size=1, max_size=40))
def test_reciprocity_and_components_match_networkx(pairs):
    pairs = [(a, b) for a, b in pairs if a != b]
    if not pairs:
        return
    arr = np.array(pairs)
    eco = gm.Ecosystem(users={"id": np.arange(10)}, social={"src": arr[:, 0], "dst": arr[:, 1]}, social_directed=True)
    v = LayerView(eco, "social")
    g = nx.DiGraph(pairs)
    assert reciprocity(v) == pytest.approx(nx.reciprocity(g))
    assert components(v)["count"] == nx.number_weakly_connected_components(g)
    a = degree_assortativity(v)
    with np.errstate(all="ignore"):
        expected = nx.degree_assortativity_coefficient(g)
    if a is None:
        assert not np.isfinite(expected)
    else:
        assert a == pytest.approx(expected, abs=1e-9)
