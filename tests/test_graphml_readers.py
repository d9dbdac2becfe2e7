"""What third-party readers compute from our GraphML: per-layer in/out degrees, reciprocity and
PageRank equal graphmodel's own figures (networkx and igraph here; graphology under node in
test_graphml_graphology.py). Plus the spelling details other parsers need (key ids, Infinity)
and the Gephi export mode."""

from __future__ import annotations

import igraph as ig
import networkx as nx
import numpy as np
import pytest

import graphmodel as gm
from graphmodel.analytics._views import LayerView
from graphmodel.io.graphml import read_graphml, write_graphml


def _eco(directed: bool, seed: int = 3) -> gm.Ecosystem:
    g = gm.generate(users=300, seed=seed)
    social = g.edges("social")
    # parallel ties (the same tie twice, and reversed), so that multiplicity is exercised too
    extra = {c: np.concatenate([social[c], social[c][:5]]) for c in social.columns}
    extra["src"][-2:], extra["dst"][-2:] = social["dst"][3:5], social["src"][3:5]
    return gm.Ecosystem(
        g.nodes("user"),
        g.nodes("merchant"),
        social=extra,
        payment=g.edges("payment"),
        transfer=g.edges("transfer"),
        social_directed=directed,
        meta={"name": "readers"},
    )


def _ours(eco: gm.Ecosystem, layer: str) -> dict:
    """graphmodel's figures for ``layer``: per-node in/out degree (directed simple graph) or
    degree (undirected), reciprocity, PageRank over the layer's scope."""
    v = LayerView(eco, layer)
    n = v.space
    pr = gm.centrality(eco, measures=("pagerank",), layers=layer).values[layer]["pagerank"][:n]
    st = gm.stats(eco, layers=layer, clustering=False, powerlaw=False).to_dict()["layers"][layer]
    return {
        "in": v.in_degree[:n],
        "out": v.out_degree[:n],
        "degree": v.degree[:n],
        "directed": v.directed,
        "reciprocity": st["reciprocity"],
        "pagerank": pr,
        "n": n,
    }


def _check(ours: dict, nodes: list, arcs: list[tuple], pagerank: np.ndarray, layer: str) -> None:
    """Compare a reader's arcs of one layer (over our scope's node order) with graphmodel's figures."""
    index = {u: i for i, u in enumerate(nodes)}
    n = ours["n"]
    assert len(nodes) == n
    pairs = {(index[a], index[b]) for a, b in arcs if a != b}
    out = np.bincount([a for a, _ in pairs], minlength=n)
    inn = np.bincount([b for _, b in pairs], minlength=n)
    recip = np.mean([(b, a) in pairs for a, b in pairs])
    if layer == "payment":  # user -> merchant; graphmodel's degree is the undirected count
        assert np.array_equal(out + inn, ours["degree"])
    elif ours["directed"]:
        assert np.array_equal(out, ours["out"]) and np.array_equal(inn, ours["in"])
        assert recip == pytest.approx(ours["reciprocity"], abs=1e-12)
    else:  # both arcs of each tie: in = out = the undirected degree, every arc reciprocated
        assert np.array_equal(out, ours["degree"]) and np.array_equal(inn, ours["degree"])
        assert recip == 1.0 and ours["reciprocity"] is None
    # PageRank: both solvers stop at a tolerance far below this
    assert np.abs(pagerank - ours["pagerank"]).max() < 1e-9


@pytest.mark.parametrize("directed", [False, True], ids=["friendship", "trust"])
def test_networkx_computes_our_figures(tmp_path, directed):
    eco = _eco(directed)
    f = tmp_path / "e.graphml"
    write_graphml(eco, f)
    G = nx.read_graphml(f)
    for layer in gm.LAYERS:
        ours = _ours(eco, layer)
        scope = ("user",) if layer != "payment" else ("user", "merchant")
        nodes = [u for t in scope for u, d in G.nodes(data=True) if d["type"] == t]
        H = nx.MultiDiGraph()
        H.add_nodes_from(nodes)
        H.add_edges_from((a, b) for a, b, d in G.edges(data=True) if d["layer"] == layer)
        # payment: graphmodel's PageRank walks payment edges both ways (see graphmodel.csr)
        P = H.to_undirected() if layer == "payment" else H
        pr = nx.pagerank(P, weight=None, tol=1e-13, max_iter=5000)
        _check(ours, nodes, list(H.edges()), np.array([pr[u] for u in nodes]), layer)
    assert read_graphml(f).equals(eco)


def _igraph_checks(eco: gm.Ecosystem, f) -> None:
    """igraph reads ``f`` (our GraphML of ``eco``) and computes graphmodel's figures, layer by layer."""
    g = ig.Graph.Read_GraphML(str(f))
    for layer in gm.LAYERS:
        if not eco.n_edges(layer):
            continue
        ours = _ours(eco, layer)
        scope = {"user"} if layer != "payment" else {"user", "merchant"}
        keep = [v.index for v in g.vs if v["type"] in scope]
        h = g.subgraph_edges([e.index for e in g.es if e["layer"] == layer], delete_vertices=False).induced_subgraph(
            keep
        )
        if layer == "payment":
            h.to_undirected(mode="each")
        pr = np.array(h.pagerank(directed=True))
        names = h.vs["id"]
        arcs = (
            [(names[a], names[b]) for a, b in h.get_edgelist()]
            if layer != "payment"
            else [
                (names[e.source], names[e.target])
                if h.vs[e.source]["type"] == "user"
                else (names[e.target], names[e.source])
                for e in h.es
            ]
        )
        _check(ours, names, arcs, pr, layer)
    assert gm.Ecosystem.from_igraph(g).equals(eco)


@pytest.mark.parametrize("directed", [False, True], ids=["friendship", "trust"])
def test_igraph_computes_our_figures(tmp_path, directed):
    eco = _eco(directed, seed=5)
    f = tmp_path / "e.graphml"
    write_graphml(eco, f)
    _igraph_checks(eco, f)


@pytest.mark.realdata
@pytest.mark.slow
@pytest.mark.parametrize("directed", [True, False], ids=["trust", "read-as-friendship"])
def test_igraph_computes_our_figures_on_ciao(shared_datasets, tmp_path, directed):
    """Ciao as released (directed trust), and its trust ties read as undirected friendships
    (111k ties, 223k arcs in the file): the figures hold at real size and shape."""
    ciao = gm.load_dataset("ciao", shared_datasets / "ciao")
    eco = gm.Ecosystem(
        ciao.nodes("user"),
        ciao.nodes("merchant"),
        social=ciao.edges("social"),
        payment=ciao.edges("payment"),
        transfer=ciao.edges("transfer"),
        social_directed=directed,
        meta=ciao.meta,
    )
    f = tmp_path / "ciao.graphml"
    write_graphml(eco, f)
    assert read_graphml(f).equals(eco)
    _igraph_checks(eco, f)


def test_round_trip_through_networkx_folds_mirrors(tmp_path):
    eco = _eco(False)
    f = tmp_path / "e.graphml"
    write_graphml(eco, f)
    G = nx.read_graphml(f)
    social = [d for _a, _b, d in G.edges(data=True) if d["layer"] == "social"]
    assert len(social) == 2 * eco.n_edges("social")
    assert sum(bool(d.get("mirror")) for d in social) == eco.n_edges("social")
    back = gm.Ecosystem.from_networkx(G)
    assert back.n_edges("social") == eco.n_edges("social") and "mirror" not in back.edges("social")
    assert not back.social_directed
    rows = lambda t: sorted(zip(*(t[c].tolist() for c in t.columns)))  # noqa: E731
    assert rows(back.edges("social")) == rows(eco.edges("social"))


def test_orphan_mirror_is_kept_with_a_warning(tmp_path):
    eco = gm.Ecosystem.from_labels(users={"id": ["a", "b", "c"]}, social={"src": ["a", "b"], "dst": ["b", "c"]})
    f = tmp_path / "e.graphml"
    write_graphml(eco, f)
    text = f.read_text()
    original = '<edge source="user:a" target="user:b"><data key="layer">social</data></edge>\n'
    assert original in text
    f.write_text(text.replace(original, ""))  # an editor deleted one arc of the a-b tie
    with pytest.warns(gm.GraphModelWarning, match="1 mirror arc"):
        back = read_graphml(f)
    assert sorted(zip(back.edges("social")["src"].tolist(), back.edges("social")["dst"].tolist())) == [(1, 0), (1, 2)]


def test_key_ids_carry_names_and_infinity_is_spelled(tmp_path):
    eco = gm.Ecosystem.from_labels(
        users={"id": ["a", "b"], "score": [np.inf, -np.inf], "d3": [1, 2], "two words": ["x", "y"]},
        merchants={"id": ["m"], "score": [1.5]},
        payment={"user": ["a"], "merchant": ["m"], "amount": [2.0], "score": ["s"]},
    )
    f = tmp_path / "e.graphml"
    write_graphml(eco, f)
    text = f.read_text()
    assert '<key id="score" for="node" attr.name="score" attr.type="double"/>' in text
    assert '<key id="edge.score" for="edge" attr.name="score" attr.type="string"/>' in text  # node took "score"
    assert '<key id="node.d3" for="node" attr.name="d3"' in text  # never d3/d7: Gephi reads those as yEd labels
    assert '<key id="node.two_words" for="node" attr.name="two words"' in text
    assert 'id="type"' in text and 'id="label"' in text and 'id="layer"' in text and 'id="graphmodel"' in text
    assert ">Infinity<" in text and ">-Infinity<" in text and ">inf<" not in text
    assert read_graphml(f).equals(eco)
    G = nx.read_graphml(f)
    assert G.nodes["user:a"]["score"] == np.inf and G.nodes["user:b"]["score"] == -np.inf
    assert ig.Graph.Read_GraphML(str(f)).vs["score"][:2] == [np.inf, -np.inf]


def test_gephi_mode(tmp_path, tiny_eco):
    f = tmp_path / "g.graphml"
    write_graphml(tiny_eco, f, viewer="gephi")
    text = f.read_text()
    assert 'attr.name="type"' not in text and 'attr.name="node_type"' in text
    assert '<key id="label.2" for="edge"' not in text and 'for="edge" attr.name="label"' in text
    G = nx.read_graphml(f)
    assert {d["node_type"] for _n, d in G.nodes(data=True)} == {"user", "merchant"}
    assert all(d["label"] == d["layer"] for _a, _b, d in G.edges(data=True))
    assert read_graphml(f).equals(tiny_eco)
    with pytest.raises(gm.InputError, match="viewer"):
        write_graphml(tiny_eco, f, viewer="cytoscape")
    eco = gm.Ecosystem(users={"id": ["a"], "node_type": ["x"]})
    with pytest.raises(gm.InputError, match="node_type"):
        write_graphml(eco, f, viewer="gephi")
    eco = gm.Ecosystem(users={"id": ["a"], "type": ["vip"]})
    with pytest.raises(gm.InputError, match="Gephi Lite"):
        write_graphml(eco, f, viewer="gephi")


def test_gephi_mode_keeps_parallel_edges_apart(tmp_path):
    """A transfer beside a friendship between the same two users: two edges, one per layer."""
    eco = gm.Ecosystem.from_labels(
        users={"id": ["a", "b"]},
        social={"src": ["a"], "dst": ["b"]},
        transfer={"src": ["a", "a"], "dst": ["b", "b"], "amount": [1.0, 2.0]},
    )
    f = tmp_path / "g.graphml"
    write_graphml(eco, f, viewer="gephi")
    G = nx.read_graphml(f)
    got = sorted((a, b, d["label"]) for a, b, d in G.edges(data=True))
    assert got == [
        ("user:a", "user:b", "social"),
        ("user:a", "user:b", "transfer"),
        ("user:a", "user:b", "transfer"),
        ("user:b", "user:a", "social"),
    ]


def test_cli_convert_for_gephi(tmp_path, tiny_eco):
    from graphmodel.cli.main import main

    src = tmp_path / "e.npz"
    gm.write(tiny_eco, src)
    assert main(["convert", str(src), str(tmp_path / "g.graphml"), "--for", "gephi"]) == 0
    assert 'attr.name="node_type"' in (tmp_path / "g.graphml").read_text()
    assert gm.read(tmp_path / "g.graphml").equals(tiny_eco)
    assert main(["convert", str(src), str(tmp_path / "out"), "--for", "gephi"]) == 2


def test_gephi_mode_through_networkx_and_igraph(tmp_path, tiny_eco):
    f = tmp_path / "g.graphml"
    write_graphml(tiny_eco, f, viewer="gephi")
    back = gm.Ecosystem.from_networkx(nx.read_graphml(f))
    assert back.n_merchants == 2 and back.nodes("user").equals(tiny_eco.nodes("user"))
    assert "label" not in back.edges("social") and back.n_edges("social") == 2
    assert gm.Ecosystem.from_igraph(ig.Graph.Read_GraphML(str(f))).equals(tiny_eco)


def test_a_foreign_mirror_attribute_that_marks_nothing_is_kept():
    G = nx.MultiDiGraph()
    G.add_edge("a", "b", mirror="no")
    G.add_edge("b", "a", mirror=False)
    eco = gm.Ecosystem.from_networkx(G)
    assert eco.n_edges("social") == 2 and eco.edges("social")["mirror"].tolist() == ["no", "false"]
