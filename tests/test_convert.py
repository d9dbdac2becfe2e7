"""igraph/networkx views and their inverses; exact round trips through every format (property-based)."""

from __future__ import annotations

import math
import warnings

import igraph as ig
import networkx as nx
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import graphmodel as gm
from graphmodel.convert import from_igraph, from_networkx, to_igraph, to_networkx

TEXT = st.text(
    alphabet=st.characters(exclude_categories=("Cs", "Cc", "Cn", "Co"), include_characters="\n\r\t,\"&<>'"),
    max_size=5,
)


def _values(draw, kind: str, n: int, *, non_negative: bool = False) -> np.ndarray:
    if kind == "int":
        lo = 0 if non_negative else -(2**62)
        return np.array(draw(st.lists(st.integers(lo, 2**62), min_size=n, max_size=n)), dtype=np.int64)
    if kind == "float":
        fl = st.floats(
            min_value=0 if non_negative else None, allow_nan=not non_negative, allow_infinity=not non_negative
        )
        return np.array(draw(st.lists(fl, min_size=n, max_size=n)), dtype=np.float64)
    if kind == "bool":
        return np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)), dtype=bool)
    vals = draw(st.lists(TEXT, min_size=n, max_size=n))
    return np.array(vals, dtype=str) if n else np.zeros(0, dtype="<U1")


@st.composite
def ecosystems(draw) -> gm.Ecosystem:
    nodes = {}
    for kind, pool in (
        ("user", ("city", "purchasing_power", "vip", "x")),
        ("merchant", ("category", "price_level", "x")),
    ):
        n = draw(st.integers(0 if kind == "merchant" else 1, 5))
        if draw(st.booleans()):
            ids = np.array(
                draw(st.lists(st.integers(-(2**40), 2**40), min_size=n, max_size=n, unique=True)), dtype=np.int64
            )
        else:
            ids = np.array(draw(st.lists(TEXT.filter(bool), min_size=n, max_size=n, unique=True)), dtype=str)
            if not n:
                ids = np.zeros(0, dtype="<U1")
        cols = {"id": ids}
        for name in draw(st.lists(st.sampled_from(pool), unique=True, max_size=3)):
            kind_ = {
                "city": "str",
                "category": "str",
                "purchasing_power": "float",
                "price_level": "float",
                "vip": "bool",
            }.get(name)
            cols[name] = _values(
                draw,
                kind_ or draw(st.sampled_from(["int", "float", "bool", "str"])),
                n,
                non_negative=name in ("purchasing_power", "price_level"),
            )
        nodes[kind] = cols
    U, M = len(nodes["user"]["id"]), len(nodes["merchant"]["id"])
    layers = {}
    for layer in ("social", "payment", "transfer"):
        m = draw(st.integers(0, 6)) if (layer != "payment" or M) else 0
        src = np.array(draw(st.lists(st.integers(0, U - 1), min_size=m, max_size=m)), dtype=np.int64)
        hi = (M if layer == "payment" else U) - 1
        dst = np.array(draw(st.lists(st.integers(0, max(hi, 0)), min_size=m, max_size=m)), dtype=np.int64)
        if layer == "social":
            keep = src != dst
            src, dst = src[keep], dst[keep]
        cols = {"src": src, "dst": dst}
        for name in draw(
            st.lists(st.sampled_from(["weight", "count", "amount", "kind", "flag"]), unique=True, max_size=3)
        ):
            kind_ = {"weight": "float", "count": "int", "amount": "float", "kind": "str", "flag": "bool"}[name]
            cols[name] = _values(draw, kind_, len(src), non_negative=name in ("count", "amount", "weight"))
        layers[layer] = cols
    meta = draw(
        st.dictionaries(
            st.sampled_from(["name", "description", "source", "n"]), st.one_of(TEXT, st.integers(0, 9)), max_size=3
        )
    )
    return gm.Ecosystem(nodes["user"], nodes["merchant"], **layers, social_directed=draw(st.booleans()), meta=meta)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(eco=ecosystems())
def test_round_trip_every_format(eco, tmp_path_factory):
    d = tmp_path_factory.mktemp("rt")
    for target, compress in ((d / "csv", False), (d / "csvgz", True), (d / "e.npz", False), (d / "e.graphml", False)):
        gm.write(eco, target, compress=compress)
        back = gm.read(target)
        assert back.equals(eco), target.name
    assert from_networkx(to_networkx(eco)).equals(eco)
    assert from_igraph(to_igraph(eco)).equals(eco)


def test_igraph_view(tiny_eco):
    g = to_igraph(tiny_eco)
    assert g.is_directed() and g.vcount() == 5 and g.ecount() == 6
    assert g.vs["type"] == ["user"] * 3 + ["merchant"] * 2
    assert g.vs["id"] == ["ann", "bob", "cy", "m1", "m2"]
    assert g.vs["channel"] == [None, None, None, "offline", "online"]
    assert g.es["layer"] == ["social"] * 2 + ["payment"] * 3 + ["transfer"]
    # payment edges point at merchant vertices (global numbering of csr.py)
    assert g.es[2].tuple == (0, 3)
    assert g.es["kind"][-1] == "red_envelope" and g.es["kind"][0] is None
    assert g["meta"]["name"] == "tiny"
    sub = to_igraph(tiny_eco, ["payment"])
    assert sub.ecount() == 3 and set(sub.es["layer"]) == {"payment"}
    assert tiny_eco.to_igraph() is tiny_eco.to_igraph()  # cached view


def test_networkx_view(tiny_eco):
    H = to_networkx(tiny_eco)
    assert isinstance(H, nx.MultiDiGraph)
    assert H.nodes["merchant:m1"] == {
        "type": "merchant",
        "label": "m1",
        "channel": "offline",
        "city": "qd",
        "price_level": 1.0,
    }
    assert "city" not in H.nodes["merchant:m2"]  # missing value left out
    assert H.has_edge("user:ann", "merchant:m1")
    layers = sorted(d["layer"] for _u, _v, d in H.edges(data=True))
    assert layers == ["payment"] * 3 + ["social"] * 2 + ["transfer"]
    assert H.graph["social_directed"] is False and H.graph["meta"]["name"] == "tiny"
    assert gm.Ecosystem.from_networkx(H).equals(tiny_eco)


def test_foreign_networkx_graph():
    G = nx.karate_club_graph()
    eco = from_networkx(G)
    assert eco.n_users == 34 and eco.n_merchants == 0 and eco.n_edges("social") == 78
    assert eco.nodes("user")["id"].dtype.kind == "i"
    assert eco.social_directed is False
    assert "club" in eco.nodes("user")


def test_from_networkx_flips_payment_and_reads_types():
    G = nx.DiGraph()
    G.add_node("merchant:shop", type="merchant")
    G.add_node("u1")
    G.add_node("u2", type="user")
    G.add_edge("merchant:shop", "u1", layer="payment", amount=3.5)
    G.add_edge("u1", "u2")
    eco = from_networkx(G)
    assert eco.nodes("merchant")["id"].tolist() == ["shop"]
    assert eco.edges("payment")["src"].tolist() == [0] and eco.edges("payment")["amount"].tolist() == [3.5]
    assert eco.n_edges("social") == 1 and eco.social_directed is True


def test_from_graph_rejects_bad_type_and_layer():
    G = nx.Graph()
    G.add_node(1, type="shopkeeper")
    with pytest.raises(gm.InputError, match="type"):
        from_networkx(G)
    G = nx.Graph()
    G.add_edge(1, 2, layer="gossip")
    with pytest.raises(gm.InputError, match="layer"):
        from_networkx(G)
    G = nx.Graph()
    G.add_node(1)
    G.add_node(2, type="merchant")
    G.add_edge(1, 2, layer="social")
    with pytest.raises(gm.InputError, match="two users"):
        from_networkx(G)
    G = nx.Graph()
    G.add_edge(1, 2, layer="payment")
    with pytest.raises(gm.InputError, match="a payment edge must join a user and a merchant"):
        from_networkx(G)


def test_foreign_igraph_graph():
    g = ig.Graph.Famous("Zachary")
    eco = from_igraph(g)
    assert eco.n_users == 34 and eco.n_edges("social") == 78 and not eco.social_directed
    g = ig.Graph(directed=True)
    g.add_vertices(3)
    g.vs["type"] = ["user", "merchant", "user"]
    g.vs["name"] = ["a", "shop", "b"]
    g.add_edges([(1, 0), (0, 2)])
    g.es["layer"] = ["payment", "transfer"]
    eco = from_igraph(g)
    assert eco.nodes("user")["id"].tolist() == ["a", "b"]
    assert eco.edges("payment")["src"].tolist() == [0] and eco.edges("transfer")["dst"].tolist() == [1]


def test_nan_kept_in_igraph_but_left_out_in_networkx():
    eco = gm.Ecosystem(users={"id": [1, 2], "p": [1.0, math.nan]})
    g = to_igraph(eco)
    assert math.isnan(g.vs["p"][1])
    assert "p" not in to_networkx(eco).nodes["user:2"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert from_igraph(g).equals(eco)


def test_conversion_methods_are_attached_by_any_public_name():
    """ecosystem.py imports nothing above it; convert.py and io/frames.py attach the methods (fresh interpreter)."""
    import subprocess
    import sys

    code = (
        "import graphmodel as gm\n"
        "eco = gm.generate(users=50, seed=1)\n"  # no conversion module named
        "assert gm.Ecosystem.from_networkx(eco.to_networkx()).equals(eco)\n"
        "assert gm.Ecosystem.from_igraph(eco.to_igraph()).equals(eco)\n"
        "assert gm.Ecosystem.from_frames(users={'id': [1, 2]}).n_users == 2\n"
        "from graphmodel.ecosystem import Ecosystem\n"
        "assert Ecosystem.to_igraph is not None\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    alone = "from graphmodel.ecosystem import Ecosystem\nEcosystem(users={'id': [1]}).to_igraph()\n"
    out = subprocess.run([sys.executable, "-c", alone], capture_output=True, text=True)
    assert out.returncode != 0 and "attached by graphmodel.convert" in out.stderr
