"""GraphML: exact round trip, files that networkx and igraph read with the right types,
files from other tools, and the XML attacks refused."""

from __future__ import annotations

import igraph as ig
import networkx as nx
import numpy as np
import pytest

import graphmodel as gm
from graphmodel.io.graphml import read_graphml, write_graphml

HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n'
NS = '<graphml xmlns="http://graphml.graphdrawing.org/xmlns">'


def test_round_trip(tiny_eco, tmp_path):
    f = tmp_path / "eco.graphml"
    write_graphml(tiny_eco, f)
    assert read_graphml(f).equals(tiny_eco)


def test_mixed_kinds_ids_and_escaping(tmp_path):
    eco = gm.Ecosystem.from_labels(
        users={"id": [7, 8], "x": [1, 2], "note": ['a<b & "c"\r\n', ""]},
        merchants={"id": ["7", "s&p"], "x": ["low", "high"], "open": [True, False]},
        payment={"user": [8], "merchant": ["s&p"], "amount": [np.nan]},
        meta={"name": "mixed <&>"},
        social_directed=True,
    )
    f = tmp_path / "m.graphml"
    gm.write(eco, f)
    text = f.read_text()
    assert 'attr.name="x" attr.type="string"' in text  # int for users, str for merchants -> string
    assert ">nan<" not in text and '<data key="n2"></data>' not in text  # missing values have no <data>
    assert gm.read(f).equals(eco)


def test_networkx_reads_written_file(tiny_eco, tmp_path):
    f = tmp_path / "eco.graphml"
    gm.write(tiny_eco, f)
    G = nx.read_graphml(f)
    assert G.is_directed()
    assert set(G.nodes) == {"user:ann", "user:bob", "user:cy", "merchant:m1", "merchant:m2"}
    assert G.nodes["merchant:m1"]["type"] == "merchant" and G.nodes["merchant:m1"]["label"] == "m1"
    assert G.nodes["user:ann"]["purchasing_power"] == 1.5
    assert "city" not in G.nodes["merchant:m2"]
    e = G.get_edge_data("user:ann", "merchant:m1")
    e = e[next(iter(e))] if isinstance(G, nx.MultiDiGraph) else e
    assert e["layer"] == "payment" and e["count"] == 3 and isinstance(e["count"], int) and e["amount"] == 30.0
    back = gm.Ecosystem.from_networkx(G)  # same content; networkx lists edges by adjacency, not file order
    assert back.meta == tiny_eco.meta and back.nodes("user").equals(tiny_eco.nodes("user"))
    rows = lambda t: sorted(zip(*(t[c].tolist() for c in t.columns)))  # noqa: E731
    assert all(rows(back.edges(x)) == rows(tiny_eco.edges(x)) for x in gm.LAYERS)


def test_igraph_reads_written_file(tiny_eco, tmp_path):
    f = tmp_path / "eco.graphml"
    gm.write(tiny_eco, f)
    g = ig.Graph.Read_GraphML(str(f))
    assert g.is_directed() and g.vcount() == 5 and g.ecount() == 8  # each undirected tie as two arcs
    assert g.vs["type"] == ["user"] * 3 + ["merchant"] * 2
    assert g.vs["label"] == ["ann", "bob", "cy", "m1", "m2"]
    assert g.es["layer"] == ["social"] * 4 + ["payment"] * 3 + ["transfer"]
    assert [bool(x) for x in g.es["mirror"]] == [False, False, True, True, False, False, False, False]
    assert g.get_edgelist()[:4] == [(0, 1), (1, 2), (1, 0), (2, 1)]
    assert g.es["count"][4] == 3.0 and g.es["weight"][0] == 0.5 and g.es["weight"][2] == 0.5
    assert gm.Ecosystem.from_igraph(g).equals(tiny_eco)


def test_foreign_file_defaults(tmp_path):
    f = tmp_path / "gephi.graphml"
    f.write_text(
        HEAD
        + NS
        + '<key id="t" for="node" attr.name="type" attr.type="string"/>'
        + '<key id="l" for="node" attr.name="label" attr.type="string"/>'
        + '<key id="w" for="edge" attr.name="weight" attr.type="double"/>'
        + '<key id="y" for="edge" attr.name="layer" attr.type="string"/>'
        + '<graph edgedefault="undirected">'
        + '<node id="n0"><data key="l">alice</data></node>'
        + '<node id="user:bob"/>'
        + '<node id="shop"><data key="t">merchant</data></node>'
        + '<edge source="n0" target="user:bob"><data key="w">2.5</data></edge>'
        + '<edge source="shop" target="user:bob"><data key="y">payment</data></edge>'
        + "</graph></graphml>"
    )
    eco = gm.read(f)
    assert eco.nodes("user")["id"].tolist() == ["alice", "bob"]
    assert eco.nodes("merchant")["id"].tolist() == ["shop"]
    assert eco.edges("social")["weight"].tolist() == [2.5] and not eco.social_directed
    assert eco.edges("payment")["src"].tolist() == [1] and eco.edges("payment")["dst"].tolist() == [0]  # flipped


def test_networkx_written_file_is_readable(tmp_path):
    G = nx.path_graph(4)
    nx.set_node_attributes(G, {0: "merchant"}, "type")
    nx.set_edge_attributes(G, "social", "layer")
    G.edges[0, 1]["layer"] = "payment"
    nx.write_graphml(G, tmp_path / "nx.graphml")
    eco = gm.read(tmp_path / "nx.graphml")
    assert eco.n_merchants == 1 and eco.n_users == 3
    assert eco.n_edges("payment") == 1 and eco.n_edges("social") == 2


BILLION_LAUGHS = (
    HEAD
    + """<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<graphml><graph><node id="&lol3;"/></graph></graphml>
"""
)
EXTERNAL = (
    HEAD
    + """<!DOCTYPE g [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<graphml><graph><node id="a"><data key="d">&xxe;</data></node></graph></graphml>
"""
)
DTD_ONLY = HEAD + '<!DOCTYPE graphml SYSTEM "http://example.com/graphml.dtd">\n<graphml><graph/></graphml>\n'


@pytest.mark.parametrize(
    "text", [BILLION_LAUGHS, EXTERNAL, DTD_ONLY], ids=["billion-laughs", "external-entity", "doctype"]
)
def test_attacks_are_refused(tmp_path, text):
    f = tmp_path / "evil.graphml"
    f.write_text(text)
    with pytest.raises(gm.InputError) as info:
        read_graphml(f)
    assert "DOCTYPE/entity declarations are not allowed" in str(info.value)
    assert str(f) in str(info.value)


def test_malformed_xml_gives_line(tmp_path):
    f = tmp_path / "bad.graphml"
    f.write_text(HEAD + NS + '\n<graph>\n<node id="a">\n</graph></graphml>\n')
    with pytest.raises(gm.InputError) as info:
        read_graphml(f)
    assert info.value.line == 5 and "malformed GraphML" in str(info.value)


def test_bad_content(tmp_path):
    f = tmp_path / "x.graphml"
    f.write_text(HEAD + NS + '<graph>\n<node id="a"/>\n<edge source="a" target="zz"/>\n</graph></graphml>')
    with pytest.raises(gm.InputError) as info:
        read_graphml(f)
    assert info.value.line == 4 and "zz" in str(info.value)
    f.write_text(
        HEAD
        + NS
        + '<key id="y" for="edge" attr.name="layer" attr.type="string"/><graph>\n<node id="a"/><node id="b"/>\n<edge source="a" target="b"><data key="y">payment</data></edge>\n</graph></graphml>'
    )
    with pytest.raises(gm.InputError, match="a user and a merchant"):
        read_graphml(f)
    f.write_text(
        HEAD
        + NS
        + '<key id="c" for="edge" attr.name="count" attr.type="long"/><graph>\n<node id="a"/><node id="b"/>\n<edge source="a" target="b"><data key="c">many</data></edge>\n</graph></graphml>'
    )
    with pytest.raises(gm.InputError) as info:
        read_graphml(f)
    assert info.value.line == 4 and info.value.field == "count"


def test_write_failure_leaves_no_file(tmp_path):
    eco = gm.Ecosystem(users={"id": ["a"], "note": ["bell\x07"]})
    with pytest.raises(gm.InputError, match="control character"):
        gm.write(eco, tmp_path / "e.graphml")
    assert list(tmp_path.iterdir()) == []
    eco = gm.Ecosystem(users={"id": ["a"], "type": ["vip"]})
    with pytest.raises(gm.InputError, match="type"):
        gm.write(eco, tmp_path / "e.graphml")


# --------------------------------------------------------------------------- fast scanner vs expat
from contextlib import nullcontext  # noqa: E402
from pathlib import Path  # noqa: E402

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from graphmodel.io import _graphml_scan  # noqa: E402
from graphmodel.io import graphml_read as gml  # noqa: E402
from graphmodel.io.graphml_write import _INVALID_XML  # noqa: E402


def _collected(c) -> dict:
    """Everything read_graphml uses from a collector, as plain lists."""
    data = lambda d: {k: (np.asarray(r, dtype=np.int64).tolist(), list(v)) for k, (r, v) in d.items()}  # noqa: E731
    return {
        "node_ids": list(c.node_ids),
        "node_lines": [int(x) for x in c.node_lines],
        "edge_src": list(c.edge_src),
        "edge_dst": list(c.edge_dst),
        "edge_lines": [int(x) for x in c.edge_lines],
        "node_data": data(c.node_data),
        "edge_data": data(c.edge_data),
        "graph_data": c.graph_data,
        "keys": c.keys,
        "defaults": c.defaults,
        "edgedefault": c.edgedefault,
        "graph_depth": c.graph_depth,
    }


def _same_as_expat(f: Path) -> None:
    """The scanner accepts the file and collects exactly what expat collects."""
    assert _collected(gml._parse_fast(f)) == _collected(gml._parse_expat(f))


def test_scanner_matches_expat_on_written_files(tiny_eco, tmp_path, monkeypatch):
    f = tmp_path / "eco.graphml"
    write_graphml(gm.generate(users=300, seed=3), f)
    _same_as_expat(f)
    monkeypatch.setattr(gml, "_BLOCK", 700)  # many blocks: elements cut across block boundaries
    _same_as_expat(f)
    write_graphml(tiny_eco, f)
    _same_as_expat(f)


def test_scanner_matches_expat_on_networkx_file(tmp_path):
    G = nx.DiGraph(name="nx <&> graph")
    G.add_node("a&b", label="Ann é", type="user", score=1.5, vip=True)
    G.add_node("m", type="merchant")
    G.add_node("c", label='say "hi"\tthere\nnow')
    G.add_edge("a&b", "m", layer="payment", count=2, amount=3.25)
    G.add_edge("c", "a&b", weight=0.5)
    G.add_edge("c", "d")  # no attributes: written self-closing
    G.add_edge("m", "c", layer="payment")  # merchant -> user: flipped
    f = tmp_path / "nx.graphml"
    nx.write_graphml(G, f)
    assert "<!--" not in f.read_text()
    _same_as_expat(f)
    eco = read_graphml(f)
    assert eco.nodes("user")["id"].tolist() == ["Ann é", 'say "hi"\tthere\nnow', "d"]
    assert (
        eco.edges("payment")["amount"].tolist()[0] == 3.25
        and eco.n_edges("payment") == 2
        and eco.n_edges("social") == 2
    )


_TEXT = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\ufffe\uffff"), max_size=6
).filter(lambda v: not _INVALID_XML.search(v))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    names=st.lists(_TEXT.filter(bool), min_size=2, max_size=6, unique=True),
    notes=st.lists(_TEXT, min_size=6, max_size=6),
)
def test_scanner_matches_expat_on_any_text(tmp_path, names, notes):
    users = {"id": names, "note": notes[: len(names)], "x": np.arange(len(names), dtype=float) / 3}
    eco = gm.Ecosystem.from_labels(
        users=users, social={"src": names[:-1], "dst": names[1:], "tag": notes[: len(names) - 1]}
    )
    f = tmp_path / "h.graphml"
    write_graphml(eco, f)
    _same_as_expat(f)
    assert read_graphml(f).equals(eco)


GRAPH = HEAD + NS + '<key id="w" for="edge" attr.name="weight" attr.type="double"/><graph edgedefault="directed">\n'
END = "</graph></graphml>\n"


@pytest.mark.parametrize(
    "body",
    [
        '<node id="a"/><!-- c --><node id="b"/>',  # comment
        '<node id="a"><data key="w"><![CDATA[x]]></data></node>',  # CDATA
        "<node id='a'/>",  # single quotes
        '<node id="a"/>\r\n<node id="b"/>',  # CRLF
        '<node id="a"><graph/></node>',  # nested graph
        '<node id="a" extra="1"/>',  # other attributes
        '<node id="a"/><node id="b"/><edge source="a" target="b" id="e1"/>',
        '<node id="a"/><?pi x?>',
        '<node id="a>b"/>',  # '>' in an attribute value
    ],
)
def test_outside_the_subset_falls_back_to_expat(tmp_path, body):
    f = tmp_path / "x.graphml"
    f.write_bytes((GRAPH + body + END).encode())
    with pytest.raises(_graphml_scan.Unsupported):
        gml._parse_fast(f)
    with pytest.raises(gm.InputError) if "graph/" in body else nullcontext():
        read_graphml(f)  # as before: only the nested graph is refused

    def outcome(parse):
        try:
            return _collected(parse(f))
        except gm.InputError as exc:
            return str(exc)

    assert outcome(gml._parse) == outcome(gml._parse_expat)


@pytest.mark.parametrize(
    "body, line",
    [
        ('<node id="a">\n<data key="w">1</node>', 4),  # mismatched tag
        ('<node id="a"/>\n<node id="b">&bogus;</node>', 4),  # undefined entity
        ('<node id="a"/>\n\n<node id="&#0;"/>', 5),  # reference to a forbidden character
        ('<node id="a"/>\n<node id="a" id="b"/>', 4),  # duplicate attribute
        ('<node id="a"/>\n<node id="b"/>\x01', 4),  # control character
        (
            '<node id="a"/>\n<edge source="a" target="a"><data key="w">1</data>',
            4,
        ),  # unclosed element: </graph> mismatches
    ],
)
def test_malformed_body_gives_expat_line(tmp_path, body, line):
    f = tmp_path / "bad.graphml"
    f.write_bytes((GRAPH + body + END).encode())
    with pytest.raises(gm.InputError) as info:
        read_graphml(f)
    assert "malformed GraphML" in str(info.value) and info.value.line == line and str(f) in str(info.value)


def test_bad_value_names_line_and_field_from_scanner(tmp_path):
    f = tmp_path / "v.graphml"
    f.write_text(
        GRAPH + '<node id="a"/>\n<node id="b"/>\n<edge source="a" target="b"><data key="w">1.5</data></edge>\n'
        '<edge source="b" target="a"><data key="w"> x </data></edge>\n' + END
    )
    _same_as_expat(f)
    with pytest.raises(gm.InputError) as info:
        read_graphml(f)
    assert info.value.line == 6 and info.value.field == "weight" and "'x'" in str(info.value)
    f.write_text(
        GRAPH + '<node id="a"/>\n<node id="b"/>\n<edge source="a" target="b"><data key="w"> 2.5\n</data></edge>\n' + END
    )
    assert read_graphml(f).edges("social")["weight"].tolist() == [2.5]  # whitespace around numbers as before


def test_scanner_matches_expat_with_many_long_key_ids(tmp_path):
    """Key ids are attribute names: more than 256 distinct ones, some longer than 8 and 64 bytes."""
    names = [f"attribute_number_{i}" for i in range(300)] + ["x" * 70, "y" * 65, "short"]
    users = {"id": np.arange(4), **{n: np.arange(4) * (i + 1) for i, n in enumerate(names)}}
    eco = gm.Ecosystem(users=users, social={"src": [0, 1], "dst": [1, 2]})
    f = tmp_path / "wide.graphml"
    write_graphml(eco, f)
    _same_as_expat(f)
    assert read_graphml(f).equals(eco)
