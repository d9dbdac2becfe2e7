"""Reading GraphML written by other tools without losing anything: networkx's one-key-per-type
attributes, every value type networkx writes, yEd's graphics keys, the legacy ``integer`` type."""

from __future__ import annotations

import math
import warnings

import networkx as nx
import numpy as np
import pytest

import graphmodel as gm
from graphmodel.io.graphml import read_graphml

HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n'


def _read_quiet(f):
    with warnings.catch_warnings(record=True) as got:
        warnings.simplefilter("always")
        eco = read_graphml(f)
    return eco, [str(w.message) for w in got if issubclass(w.category, gm.GraphModelWarning)]


def _value(eco: gm.Ecosystem, kind: str, node: str, name: str):
    t = eco.nodes(kind)
    i = t["id"].tolist().index(node)
    return t[name][i]


# Every value type networkx's writer maps to a GraphML type (networkx.readwrite.graphml.GraphML.construct_types).
NX_VALUES = [
    "text",
    "",
    "é ü 中文 <&>\"'",
    "  padded  ",
    0,
    -7,
    2**62,
    -(2**63),
    1.5,
    -0.0,
    1e-300,
    1e300,
    math.inf,
    -math.inf,
    True,
    False,
    np.int8(-8),
    np.int16(16),
    np.int32(-32),
    np.int64(2**40),
    np.intc(5),
    np.intp(6),
    np.uint8(255),
    np.uint16(65535),
    np.uint32(2**32 - 1),
    np.uint64(2**63 + 5),
    np.float16(0.5),
    np.float32(0.1),
    np.float64(2.25),
]


def _same(read, written) -> bool:
    """``read`` (from our reader) carries ``written`` exactly: as a number, a bool or the text networkx wrote."""
    if isinstance(read, (np.str_, str)):
        return read == str(written)
    if isinstance(written, (bool, np.bool_)):
        return bool(read) == bool(written)
    if isinstance(read, (np.floating, float)):
        return float(read) == float(str(written))  # networkx writes str(value)
    return int(read) == int(written)


def test_every_networkx_value_type_is_read_without_loss(tmp_path):
    G = nx.MultiDiGraph(name="every type", year=2024, ratio=0.5, ok=True)
    names = []
    for i, v in enumerate(NX_VALUES):
        G.add_node(f"n{i}")
        G.nodes[f"n{i}"][f"a{i}"] = v  # one attribute per value type (single type per key)
        G.nodes[f"n{i}"]["mixed"] = v  # one attribute holding every type: one key per type
        names.append(f"a{i}")
        G.nodes[f"n{i}"]["huge"] = np.uint64(2**64 - 1 - i)  # on every node, beyond int64
    for i, v in enumerate(NX_VALUES):
        G.add_edge(f"n{i}", f"n{(i + 1) % len(NX_VALUES)}", value=v, weight=float(i) if i % 2 else i)
    f = tmp_path / "nx.graphml"
    nx.write_graphml(G, f)
    eco, warned = _read_quiet(f)
    users = eco.nodes("user")
    assert sorted(users["id"].tolist()) == sorted(G.nodes)
    assert any("'mixed'" in w and "several types" in w for w in warned)
    assert any("'huge'" in w and "beyond 64 bits" in w for w in warned)
    assert all(_value(eco, "user", f"n{i}", "huge") == str(2**64 - 1 - i) for i in range(len(NX_VALUES)))
    assert any("'value'" in w for w in warned) and any("'weight'" in w and "as float" in w for w in warned)
    for i, v in enumerate(NX_VALUES):
        node = f"n{i}"
        for name in (f"a{i}", "mixed"):
            got = _value(eco, "user", node, name)
            if v == "":
                assert got == ""  # "" is the missing marker of a string column: nothing to lose
            else:
                assert _same(got, v), (name, v, got)
        others = [n for n in names if n != f"a{i}"]
        assert all(
            _value(eco, "user", node, n) in ("",)
            or (isinstance(_value(eco, "user", node, n), float) and math.isnan(_value(eco, "user", node, n)))
            for n in others
        )
    t = eco.edges("social")
    src = users["id"][t["src"]].tolist()
    for i, v in enumerate(NX_VALUES):
        j = src.index(f"n{i}")
        assert v == "" and t["value"][j] == "" or _same(t["value"][j], v), (v, t["value"][j])
        assert t["weight"][j] == i
    assert eco.meta == {"name": "every type", "year": 2024, "ratio": 0.5, "ok": True}


def test_mixed_types_become_string_with_a_warning(tmp_path):
    G = nx.Graph()
    G.add_node("a", x=1, y=1)
    G.add_node("b", x="one", y=2.5)
    G.add_node("c", x=True)
    G.add_edge("a", "b")
    f = tmp_path / "m.graphml"
    nx.write_graphml(G, f)
    assert f.read_text().count('attr.name="x"') == 3  # networkx: one key per type
    eco, warned = _read_quiet(f)
    assert len(warned) == 2
    assert (
        "node attribute 'x' is declared with several types (" in warned[0]
        and "its 3 values are read as str" in warned[0]
    )
    assert (
        "node attribute 'y' is declared with several types (" in warned[1]
        and "its 2 values are read as float" in warned[1]
    )
    u = eco.nodes("user")
    assert u["x"].tolist() == ["1", "one", "True"]
    assert u["y"].tolist()[:2] == [1.0, 2.5] and math.isnan(u["y"][2])  # integers with reals: real, exact


def test_two_values_for_one_name_on_one_node_is_an_error(tmp_path):
    f = tmp_path / "d.graphml"
    f.write_text(
        HEAD + '<graphml><key id="a" for="node" attr.name="x" attr.type="long"/>'
        '<key id="b" for="node" attr.name="x" attr.type="string"/><graph>\n'
        '<node id="n"><data key="a">1</data><data key="b">one</data></node>\n</graph></graphml>'
    )
    with pytest.raises(gm.InputError, match="two values for attribute 'x'") as info:
        read_graphml(f)
    assert info.value.line == 3


def test_large_integers_with_missing_values_stay_exact(tmp_path):
    G = nx.Graph()
    G.add_node("a", big=2**60 + 1)
    G.add_node("b")
    f = tmp_path / "b.graphml"
    nx.write_graphml(G, f)
    with pytest.warns(gm.GraphModelWarning, match="'big'.*read as string"):
        eco = read_graphml(f)
    assert eco.nodes("user")["big"].tolist() == [str(2**60 + 1), ""]


YED = (
    HEAD
    + """<graphml xmlns="http://graphml.graphdrawing.org/xmlns" xmlns:y="http://www.yworks.com/xml/graphml">
  <key for="port" id="d0" yfiles.type="portgraphics"/>
  <key attr.name="description" attr.type="string" for="node" id="d5"/>
  <key for="node" id="d6" yfiles.type="nodegraphics"/>
  <key for="graphml" id="d7" yfiles.type="resources"/>
  <key for="edge" id="d10" yfiles.type="edgegraphics"/>
  <key attr.name="weight" attr.type="integer" for="edge" id="d11"/>
  <graph edgedefault="directed" id="G">
    <node id="n0">
      <data key="d5">first</data>
      <data key="d6">
        <y:ShapeNode><y:Geometry height="30.0" width="30.0" x="0" y="0"/><y:NodeLabel>A</y:NodeLabel></y:ShapeNode>
      </data>
    </node>
    <node id="n1">
      <data key="d6"><y:ShapeNode><y:NodeLabel>B</y:NodeLabel></y:ShapeNode></data>
    </node>
    <edge id="e0" source="n0" target="n1">
      <data key="d10"><y:PolyLineEdge><y:Arrows source="none" target="standard"/></y:PolyLineEdge></data>
      <data key="d11">3</data>
    </edge>
  </graph>
  <data key="d7"><y:Resources/></data>
</graphml>
"""
)


def test_yed_graphics_keys_are_skipped_with_a_count(tmp_path):
    f = tmp_path / "yed.graphml"
    f.write_text(YED)
    with pytest.warns(
        gm.GraphModelWarning, match=r"skipped 4 yEd graphics key\(s\) \(d0, d10, d6, d7\) and their 3 <data>"
    ):
        eco = read_graphml(f)
    assert eco.nodes("user").columns == ("id", "description")
    assert eco.nodes("user")["description"].tolist() == ["first", ""]
    w = eco.edges("social")["weight"]
    assert w.dtype == np.int64 and w.tolist() == [3]  # legacy "integer" is an integer


def test_integer_type_reads_as_int(tmp_path):
    f = tmp_path / "i.graphml"
    f.write_text(
        HEAD + '<graphml><key id="k" for="node" attr.name="n" attr.type="integer"/><graph>'
        '<node id="a"><data key="k">7</data></node><node id="b"><data key="k"> -2 </data></node></graph></graphml>'
    )
    col = read_graphml(f).nodes("user")["n"]
    assert col.dtype == np.int64 and col.tolist() == [7, -2]


def test_infinity_spellings_are_read(tmp_path):
    f = tmp_path / "inf.graphml"
    body = "".join(
        f'<node id="n{i}"><data key="k">{v}</data></node>'
        for i, v in enumerate(["Infinity", "-Infinity", "inf", "-INF", "1.5"])
    )
    f.write_text(
        HEAD + f'<graphml><key id="k" for="node" attr.name="x" attr.type="double"/><graph>{body}</graph></graphml>'
    )
    assert read_graphml(f).nodes("user")["x"].tolist() == [math.inf, -math.inf, math.inf, -math.inf, 1.5]


def test_a_mirror_attribute_that_marks_nothing_stays_a_column(tmp_path):
    G = nx.MultiDiGraph()
    G.add_edge("a", "b", mirror="no")
    G.add_edge("b", "a", mirror="maybe")
    f = tmp_path / "m.graphml"
    nx.write_graphml(G, f)
    eco = read_graphml(f)
    assert eco.n_edges("social") == 2 and eco.edges("social")["mirror"].tolist() == ["no", "maybe"]
