"""Analytics on real data: Ciao's trust layer (figures from ../shared/datasets/PROVENANCE.md)."""

from __future__ import annotations

import igraph
import numpy as np
import pytest

import graphmodel as gm

pytestmark = pytest.mark.realdata


@pytest.fixture(scope="module")
def ciao(shared_datasets):
    return gm.load_dataset("ciao", shared_datasets / "ciao")


def test_ciao_trust_reciprocity_and_igraph(ciao):
    r = gm.stats(ciao, layers="social,payment")
    social = r.layers["social"]
    assert social["directed"] is True
    assert social["edges"] == 111_781 and social["self_loops"] == 0
    assert round(social["reciprocity"], 3) == 0.476  # PROVENANCE.md: 47.6% reciprocated
    t = ciao.edges("social")
    g = igraph.Graph(n=ciao.n_users, edges=np.column_stack([t["src"], t["dst"]]), directed=True)
    assert social["reciprocity"] == pytest.approx(g.reciprocity())
    assert social["assortativity"] == pytest.approx(g.assortativity_degree(directed=True))
    und = g.as_undirected(mode="collapse")
    assert social["transitivity"] == pytest.approx(und.transitivity_undirected())
    assert social["components"] == len([c for c in g.connected_components(mode="weak") if len(c) > 1 or g.degree(c[0])])
    # every Ciao user rates; the payment layer is a review proxy
    assert r.multiplex["participation"]["layers"] == 2
    assert r.layers["payment"]["powerlaw"]["alpha"] > 1
