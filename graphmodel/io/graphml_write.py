"""Writing GraphML (streamed, atomic): the file :mod:`graphmodel.io.graphml` describes."""

from __future__ import annotations

import os
import re
from itertools import repeat

import numpy as np

from graphmodel.ecosystem import LAYER_ENDS, LAYERS, NODE_TYPES, Ecosystem
from graphmodel.errors import InputError
from graphmodel.io._kinds import format_column
from graphmodel.io.atomic import atomic_open
from graphmodel.io.csvdir import dump_json
from graphmodel.io.mirror import MIRROR
from graphmodel.table import Table, column_kind

__all__ = ["write_graphml", "FORMAT", "VERSION", "VIEWERS", "MIRROR"]

FORMAT = "graphmodel-graphml"
VERSION = 1
#: Values of ``write_graphml(..., viewer=)`` besides None.
VIEWERS = ("gephi",)
_GRAPHML_TYPE = {"int": "long", "float": "double", "bool": "boolean", "str": "string"}
_CHUNK = 200_000
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_PLAIN_ID = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")
_NUMBERED_ID = re.compile(r"[dDnNeEgG][0-9]+")
_NOT_ID = re.compile(r"[^A-Za-z0-9_.-]")


# --------------------------------------------------------------------------- writing
def _esc_text(v: str) -> str:
    if "&" in v or "<" in v or ">" in v or "\r" in v:
        v = v.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")
    return v


def _esc_attr(v: str) -> str:
    v = _esc_text(v)
    if '"' in v or "\n" in v or "\t" in v:
        v = v.replace('"', "&quot;").replace("\n", "&#10;").replace("\t", "&#9;")
    return v


def _formatted(values: np.ndarray) -> list[str]:
    """``format_column`` with infinities spelled ``Infinity``/``-Infinity`` (what Java's
    ``Double.parseDouble`` and JavaScript's ``Number`` read; ``inf`` they do not)."""
    out = format_column(values)
    if values.dtype.kind == "f" and len(values):
        for i in np.flatnonzero(np.isinf(values)).tolist():
            out[i] = "Infinity" if values[i] > 0 else "-Infinity"
    return out


def _text(values: np.ndarray, *, source: str, field: str) -> list[str]:
    """Escaped XML text of each value; "" where missing."""
    out = _formatted(values)
    if values.dtype.kind == "U" and out:
        for i, v in enumerate(out):
            if _INVALID_XML.search(v):
                raise InputError(
                    f"row {i}: value {v!r} holds a control character that XML 1.0 cannot carry",
                    source=source,
                    field=field,
                )
        out = [_esc_text(v) for v in out]
    return out


def _unified(tables: list[Table], skip: tuple[str, ...]) -> dict[str, str]:
    """Column name -> GraphML kind across tables (string when the kinds differ)."""
    kinds: dict[str, str] = {}
    for t in tables:
        for name, values in t.items():
            if name in skip:
                continue
            k = column_kind(values)
            kinds[name] = k if kinds.get(name, k) == k else "str"
    return kinds


def _pieces(values: np.ndarray, key: str, as_text: bool, *, source: str, field: str) -> list[str]:
    """``<data>`` elements of one column ("" where the value is missing)."""
    if as_text and values.dtype.kind != "U":
        values = np.array(_formatted(values), dtype=str) if len(values) else np.zeros(0, dtype="<U1")
    pre = f'<data key="{_esc_attr(key)}">'
    return [f"{pre}{v}</data>" if v else "" for v in _text(values, source=source, field=field)]


def _key_ids(names: list[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """A key id for each (domain, attribute name): the name itself where it is a plain
    XML name token, unused, and not of the ``d<number>`` form that Gephi reads as
    yEd's label keys (``d3``, ``d7``); else ``<domain>.<name>`` made a token, with a
    number appended while it is taken. Readers that show key ids (JUNG, pygraphml,
    cytoscape.js-graphml) then show the attribute names."""
    out: dict[tuple[str, str], str] = {}
    used: set[str] = set()
    for dom, name in names:
        kid = name
        if not _PLAIN_ID.fullmatch(kid) or _NUMBERED_ID.fullmatch(kid) or kid in used:
            kid = f"{dom}.{_NOT_ID.sub('_', name)}"
            base, k = kid, 2
            while kid in used:
                kid, k = f"{base}_{k}", k + 1
        used.add(kid)
        out[(dom, name)] = kid
    return out


def write_graphml(eco: Ecosystem, path: str | os.PathLike[str], *, viewer: str | None = None) -> None:
    """Write ``eco`` as GraphML (streamed, atomically).

    Parameters
    ----------
    eco
        The ecosystem.
    path
        The file to write.
    viewer
        ``None`` (default): the file described in the module docs.
        ``"gephi"``: for Gephi and Gephi Lite (sigma.js): the node type is
        written under ``node_type`` instead of ``type`` (sigma.js takes a node
        attribute ``type`` for its renderer and fails on ``user``), and every
        edge gets a ``label`` attribute holding its layer (what Gephi shows on
        an edge). Nothing else changes; :func:`read_graphml` reads it back
        exactly too.

    Examples
    --------
    >>> import tempfile, graphmodel as gm
    >>> from graphmodel.io.graphml import read_graphml
    >>> eco = gm.Ecosystem.from_labels(users={"id": ["a", "b"]}, social={"src": ["a"], "dst": ["b"]})
    >>> f = tempfile.mkdtemp() + "/eco.graphml"
    >>> write_graphml(eco, f); read_graphml(f).equals(eco)
    True
    >>> write_graphml(eco, f, viewer="gephi"); read_graphml(f).equals(eco)
    True
    """
    if viewer is not None and viewer not in VIEWERS:
        raise InputError(f"viewer must be one of {', '.join(VIEWERS)} or None, got {viewer!r}", field="viewer")
    gephi = viewer == "gephi"
    type_attr = "node_type" if gephi else "type"
    nodes = [eco.nodes(k) for k in NODE_TYPES]
    edges = [eco.edges(layer) for layer in LAYERS]
    node_reserved = ("type", "label") + (("node_type",) if gephi else ())  # "type" breaks Gephi Lite in any column
    edge_reserved = ("layer", MIRROR, *(("label",) if gephi else ()))
    for t in nodes:
        for r in node_reserved:
            if r in t:
                why = "clashes with the GraphML node attribute of that name"
                if gephi and r == "type":
                    why = "is read by sigma.js (Gephi Lite) as the node's renderer"
                raise InputError(f"node column {r!r} {why}; rename it", source=t.name, field=r)
    for t in edges:
        for r in edge_reserved:
            if r in t:
                raise InputError(
                    f"edge column {r!r} clashes with the GraphML edge attribute of that name; rename it",
                    source=t.name,
                    field=r,
                )
    node_kinds = _unified(nodes, ("id",))
    edge_kinds = _unified(edges, ("src", "dst"))
    social = eco.edges("social")
    mirrored = np.zeros(0, dtype=np.int64)
    if not eco.social_directed:
        mirrored = np.flatnonzero(social["src"] != social["dst"])
    extra_edge = ([MIRROR] if len(mirrored) else []) + (["label"] if gephi else [])
    ids = _key_ids(
        [
            ("graph", "graphmodel"),
            ("node", type_attr),
            ("node", "label"),
            *(("node", n) for n in node_kinds),
            ("edge", "layer"),
            *(("edge", n) for n in edge_kinds),
            *(("edge", n) for n in extra_edge),
        ]
    )
    node_keys = {name: ids[("node", name)] for name in node_kinds}
    edge_keys = {name: ids[("edge", name)] for name in edge_kinds}
    manifest = {
        "format": FORMAT,
        "version": VERSION,
        "social_directed": eco.social_directed,
        "meta": eco.meta,
        "columns": {t.name: t.kinds() for t in (*nodes, *edges)},
        "node_type": type_attr,
        "mirror": MIRROR,
        "viewer": viewer,
    }

    def key(dom: str, name: str, gtype: str) -> str:
        return (
            f'<key id="{_esc_attr(ids[(dom, name)])}" for="{dom}" attr.name="{_esc_attr(name)}" attr.type="{gtype}"/>'
        )

    head = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">',
        key("graph", "graphmodel", "string"),
        key("node", type_attr, "string"),
        key("node", "label", "string"),
    ]
    head += [key("node", n, _GRAPHML_TYPE[k]) for n, k in node_kinds.items()]
    head.append(key("edge", "layer", "string"))
    head += [key("edge", n, _GRAPHML_TYPE[k]) for n, k in edge_kinds.items()]
    if len(mirrored):
        head.append(key("edge", MIRROR, "boolean"))
    if gephi:
        head.append(key("edge", "label", "string"))
    head.append('<graph id="G" edgedefault="directed">')
    head.append(f'<data key="{_esc_attr(ids[("graph", "graphmodel")])}">{_esc_text(dump_json(manifest))}</data>')
    kt, kl, ky = (_esc_attr(ids[x]) for x in (("node", type_attr), ("node", "label"), ("edge", "layer")))
    gids: dict[str, np.ndarray] = {}
    with atomic_open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write("\n".join(head) + "\n")
        for t in nodes:
            labels = _text(t["id"], source=t.name, field="id")
            gid = [_esc_attr(f"{t.name}:{v}") for v in format_column(t["id"])]
            gids[t.name] = np.array(gid, dtype=object)
            head_node = f'"><data key="{kt}">{t.name}</data><data key="{kl}">'
            for a in range(0, len(t), _CHUNK):
                b = min(len(t), a + _CHUNK)
                parts = [repeat('<node id="'), gid[a:b], repeat(head_node), labels[a:b], repeat("</data>")]
                for name, values in t.items():
                    if name != "id":
                        parts.append(
                            _pieces(values[a:b], node_keys[name], node_kinds[name] == "str", source=t.name, field=name)
                        )
                parts.append(repeat("</node>\n"))
                fh.write("".join(map("".join, zip(*parts))))
        for t in edges:
            layer = t.name
            st, dt = LAYER_ENDS[layer]
            mid = f'"><data key="{ky}">{layer}</data>'
            if gephi:
                mid += f'<data key="{_esc_attr(ids[("edge", "label")])}">{layer}</data>'
            runs = [(np.arange(len(t)), False)]
            if layer == "social" and len(mirrored):
                runs.append((mirrored, True))
            for rows, mirror in runs:
                tail = f'<data key="{_esc_attr(ids[("edge", MIRROR)])}">true</data></edge>\n' if mirror else "</edge>\n"
                src_col, dst_col = ("dst", "src") if mirror else ("src", "dst")
                for a in range(0, len(rows), _CHUNK):
                    r = rows[a : a + _CHUNK]
                    parts = [
                        repeat('<edge source="'),
                        gids[st][t[src_col][r]].tolist(),
                        repeat('" target="'),
                        gids[dt][t[dst_col][r]].tolist(),
                        repeat(mid),
                    ]
                    for name, values in t.items():
                        if name not in ("src", "dst"):
                            parts.append(
                                _pieces(values[r], edge_keys[name], edge_kinds[name] == "str", source=layer, field=name)
                            )
                    parts.append(repeat(tail))
                    fh.write("".join(map("".join, zip(*parts))))
        fh.write("</graph>\n</graphml>\n")
