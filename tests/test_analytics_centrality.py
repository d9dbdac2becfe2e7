"""Centrality against networkx; sampled betweenness is unbiased within its standard error."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

import graphmodel as gm
from graphmodel.errors import InputError


def _eco(seed=0, n=25, m=5):
    rng = np.random.default_rng(seed)
    s = rng.integers(0, n, size=(70, 2))
    s = np.unique(s[s[:, 0] != s[:, 1]], axis=0)
    pay = np.unique(np.column_stack([rng.integers(0, n, 30), rng.integers(0, m, 30)]), axis=0)
    # simple graphs: igraph PageRank counts parallel arcs, networkx's DiGraph merges them
    return gm.Ecosystem(
        users={"id": [f"u{i}" for i in range(n)]},
        merchants={"id": [f"m{i}" for i in range(m)]},
        social={"src": s[:, 0], "dst": s[:, 1]},
        payment={"src": pay[:, 0], "dst": pay[:, 1]},
        social_directed=True,
    )


def _digraph(eco, layers):
    c = eco.csr(layers)
    g = nx.DiGraph()
    n = eco.n_nodes if "payment" in layers else eco.n_users
    g.add_nodes_from(range(n))
    g.add_edges_from(zip(c.tails().tolist(), c.indices.tolist()))
    return g


def test_degree_pagerank_betweenness_exact_match_networkx():
    eco = _eco()
    r = gm.centrality(eco, measures="degree,pagerank,betweenness", betweenness_samples=10_000)
    assert set(r.values) == {"social", "payment", "multiplex"}
    for scope, layers in (("social", ("social",)), ("multiplex", ("social", "payment"))):
        g = _digraph(eco, layers)
        n = g.number_of_nodes()
        und = g.to_undirected()
        v = r.values[scope]
        assert v["degree"][:n].tolist() == [und.degree(i) for i in range(n)]
        pr = nx.pagerank(g, alpha=0.85, tol=1e-12)
        np.testing.assert_allclose(v["pagerank"][:n], [pr[i] for i in range(n)], atol=1e-7)
        bc = nx.betweenness_centrality(g, normalized=False)
        np.testing.assert_allclose(v["betweenness"][:n], [bc[i] for i in range(n)], atol=1e-9)
        assert r.to_dict()[scope]["betweenness"]["exact"] is True
    # merchants are outside the social scope
    assert np.isnan(r.values["social"]["degree"][eco.n_users :]).all()
    top = r.to_dict()["multiplex"]["pagerank"]["top"][0]
    assert top["node"].startswith(("user:", "merchant:"))


def test_sampled_betweenness_is_unbiased():
    eco = _eco(seed=2, n=40)
    exact = gm.centrality(eco, measures="betweenness", layers="social", betweenness_samples=10_000).values["social"][
        "betweenness"
    ]
    v = int(np.nanargmax(exact))
    reps = 300
    ss = np.random.SeedSequence(11).spawn(reps)
    est = np.array(
        [
            gm.centrality(eco, measures="betweenness", layers="social", betweenness_samples=8, seed=s).values["social"][
                "betweenness"
            ][v]
            for s in ss
        ]
    )
    se = est.std(ddof=1) / np.sqrt(reps)
    assert abs(est.mean() - exact[v]) <= 4 * se
    r = gm.centrality(eco, measures="betweenness", layers="social", betweenness_samples=8, seed=1)
    assert r.betweenness_samples["social"] == 8 and r.to_dict()["social"]["betweenness"]["exact"] is False
    r2 = gm.centrality(eco, measures="betweenness", layers="social", betweenness_samples=8, seed=1)
    np.testing.assert_array_equal(r.values["social"]["betweenness"], r2.values["social"]["betweenness"])


def test_bad_arguments():
    with pytest.raises(InputError, match="closeness"):
        gm.centrality(_eco(), measures=("closeness",))
    with pytest.raises(InputError):
        gm.centrality(_eco(), measures="betweenness", betweenness_samples=0)
    with pytest.raises(InputError, match="layer"):
        gm.centrality(_eco(), layers="friends")
