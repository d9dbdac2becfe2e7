"""Ecosystem <-> igraph / networkx.

Both views put every node in one graph:

* igraph: a directed :class:`igraph.Graph` whose vertices follow the global
  numbering of :mod:`graphmodel.csr` (users ``0..U-1``, then merchants);
  vertex attributes ``type``, ``id`` and every node column (None where the
  column belongs to the other node type); edge attributes ``layer`` and every
  edge column (None where the column belongs to another layer).
* networkx: a :class:`networkx.MultiDiGraph` with nodes ``"user:ID"`` /
  ``"merchant:ID"``, node attributes ``type``, ``label`` (the id as text) and
  the node's columns, edge attributes ``layer`` and the edge's columns, edge
  keys numbering the edges in layer order; missing values (NaN, ``""``) are
  left out.

Payment edges run user -> merchant; an undirected social layer is stored
once per tie (``graph["social_directed"]`` says which). Graphs read from our
GraphML hold each undirected tie as two arcs, the second with ``mirror=True``:
:func:`from_networkx` / :func:`from_igraph` fold those back. Both carry
``graph["meta"]`` and ``graph["graphmodel"]`` (every column's exact kind), so
:func:`from_igraph` / :func:`from_networkx` restore the ecosystem exactly. Other
graphs are read too: vertices without ``type`` are users, edges without
``layer`` are social, payment edges given merchant -> user are flipped.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import numpy as np

from graphmodel.ecosystem import LAYER_ENDS, LAYERS, NODE_TYPES, Ecosystem, LayerSpec, orient_ends
from graphmodel.errors import InputError
from graphmodel.io._kinds import empty_column, plain, python_column
from graphmodel.io.mirror import MIRROR, mirror_rows
from graphmodel.table import Table

if TYPE_CHECKING:  # pragma: no cover
    import igraph
    import networkx

__all__ = ["to_igraph", "to_networkx", "from_igraph", "from_networkx"]

_FORMAT = "graphmodel"


def _layers(eco: Ecosystem, layers: LayerSpec) -> tuple[str, ...]:
    return eco._layers_arg(layers)


def _manifest(eco: Ecosystem, layers: tuple[str, ...]) -> dict[str, Any]:
    return {
        "format": _FORMAT,
        "version": 1,
        "layers": list(layers),
        "columns": {
            **{k: eco.nodes(k).kinds() for k in NODE_TYPES},
            **{layer: eco.edges(layer).kinds() for layer in LAYERS},
        },
    }


# --------------------------------------------------------------------------- igraph
def to_igraph(eco: Ecosystem, layers: LayerSpec = None) -> "igraph.Graph":
    """A directed igraph view of ``eco`` over ``layers`` (default: all); see the module docs.

    Examples
    --------
    >>> import graphmodel as gm
    >>> eco = gm.Ecosystem.from_labels(users={"id": ["a", "b"]}, merchants={"id": ["m"]},
    ...                                payment={"user": ["a"], "merchant": ["m"]})
    >>> g = to_igraph(eco)
    >>> g.vcount(), g.es["layer"], g.vs["type"]
    (3, ['payment'], ['user', 'user', 'merchant'])
    """
    import igraph as ig

    layers = _layers(eco, layers)
    U, M = eco.n_users, eco.n_merchants
    srcs, dsts, lay = [], [], []
    for layer in layers:
        t = eco.edges(layer)
        srcs.append(t["src"])
        dsts.append(t["dst"] + U if layer == "payment" else t["dst"])
        lay.append(np.full(len(t), layer, dtype=object))
    src = np.concatenate(srcs) if srcs else np.zeros(0, np.int64)
    dst = np.concatenate(dsts) if dsts else np.zeros(0, np.int64)
    g = ig.Graph(n=U + M, edges=np.column_stack([src, dst]).tolist(), directed=True)
    g.vs["type"] = ["user"] * U + ["merchant"] * M
    users, merchants = eco.nodes("user"), eco.nodes("merchant")
    g.vs["id"] = users["id"].tolist() + merchants["id"].tolist()
    for name in dict.fromkeys([*users.columns, *merchants.columns]):
        if name == "id" or name == "type":
            continue
        a = users[name].tolist() if name in users else [None] * U
        b = merchants[name].tolist() if name in merchants else [None] * M
        g.vs[name] = a + b
    if g.ecount():
        g.es["layer"] = np.concatenate(lay).tolist()
    tables = [eco.edges(layer) for layer in layers]
    for name in dict.fromkeys(c for t in tables for c in t.columns):
        if name in ("src", "dst", "layer"):
            continue
        vals: list[Any] = []
        for t in tables:
            vals += t[name].tolist() if name in t else [None] * len(t)
        if vals:
            g.es[name] = vals
    g["meta"] = dict(eco.meta)
    g["social_directed"] = eco.social_directed
    g["graphmodel"] = _manifest(eco, layers)
    return g


def from_igraph(graph: "igraph.Graph", *, source: str = "igraph graph") -> Ecosystem:
    """An ecosystem from an igraph graph (vertex attribute ``type``, edge attribute ``layer``).

    The node id is the vertex attribute ``id``, else ``label``, else ``name``,
    else the vertex index.
    """
    vattrs = graph.vs.attributes()
    eattrs = graph.es.attributes()
    gattrs = graph.attributes()
    n = graph.vcount()
    manifest = _read_manifest(graph["graphmodel"] if "graphmodel" in gattrs else None)
    type_attr = _type_attribute(manifest, vattrs)
    types = graph.vs[type_attr] if type_attr in vattrs else ["user"] * n
    ours = manifest is not None and manifest.get("format") == _FORMAT  # written by to_igraph: "id" is the label
    id_attr = "id" if ours else next((a for a in ("label", "id", "name") if a in vattrs), None)
    labels = graph.vs[id_attr] if id_attr else list(range(n))
    if id_attr in ("id", "name") and not ours:  # a GraphML id such as "user:42"
        labels = [
            v.split(":", 1)[1] if isinstance(v, str) and v.startswith(("user:", "merchant:")) else v for v in labels
        ]
    node_attrs = {a: graph.vs[a] for a in vattrs if a not in (type_attr, id_attr)}
    el = np.asarray(graph.get_edgelist(), dtype=np.int64).reshape(-1, 2)
    layer = graph.es["layer"] if "layer" in eattrs else ["social"] * graph.ecount()
    edge_attrs = {a: graph.es[a] for a in eattrs if a != "layer"}
    directed = (
        graph["social_directed"]
        if "social_directed" in gattrs
        else (manifest or {}).get("social_directed", graph.is_directed())
    )
    meta = graph["meta"] if "meta" in gattrs else (manifest or {}).get("meta")
    meta = meta if isinstance(meta, dict) else {}
    return _assemble(
        types=types,
        labels=labels,
        node_attrs=node_attrs,
        src=el[:, 0],
        dst=el[:, 1],
        layer=layer,
        edge_attrs=edge_attrs,
        order=None,
        manifest=manifest,
        social_directed=bool(directed),
        meta=meta,
        source=source,
    )


# --------------------------------------------------------------------------- networkx
def _present(v: Any) -> bool:
    return not (v is None or (isinstance(v, float) and v != v) or (isinstance(v, str) and v == ""))


def to_networkx(eco: Ecosystem, layers: LayerSpec = None) -> "networkx.MultiDiGraph":
    """A networkx MultiDiGraph view of ``eco`` over ``layers`` (default: all); see the module docs.

    Examples
    --------
    >>> import graphmodel as gm
    >>> eco = gm.Ecosystem.from_labels(users={"id": ["a", "b"]}, social={"src": ["a"], "dst": ["b"]})
    >>> H = to_networkx(eco)
    >>> sorted(H.nodes), list(H.edges(data="layer"))
    (['user:a', 'user:b'], [('user:a', 'user:b', 'social')])
    """
    import networkx as nx

    layers = _layers(eco, layers)
    G = nx.MultiDiGraph()
    G.graph["meta"] = dict(eco.meta)
    G.graph["social_directed"] = eco.social_directed
    G.graph["graphmodel"] = _manifest(eco, layers)
    gids: dict[str, list[str]] = {}
    for kind in NODE_TYPES:
        t = eco.nodes(kind)
        ids = t["id"].tolist()
        gid = [f"{kind}:{v}" for v in ids]
        gids[kind] = gid
        cols = [(name, t[name].tolist()) for name in t.columns if name != "id"]
        for i, node in enumerate(gid):
            attrs = {"type": kind, "label": str(ids[i])}
            for name, vals in cols:
                if _present(vals[i]):
                    attrs[name] = vals[i]
            G.add_node(node, **attrs)
    key = 0
    for layer in LAYERS:
        t = eco.edges(layer)
        if layer not in layers:
            key += len(t)
            continue
        a, b = LAYER_ENDS[layer]
        su, sv = gids[a], gids[b]
        cols = [(name, t[name].tolist()) for name in t.columns if name not in ("src", "dst")]
        for i, (u, v) in enumerate(zip(t["src"].tolist(), t["dst"].tolist())):
            attrs = {"layer": layer}
            for name, vals in cols:
                if _present(vals[i]):
                    attrs[name] = vals[i]
            G.add_edge(su[u], sv[v], key=key, **attrs)
            key += 1
    return G


def from_networkx(graph: "networkx.Graph", *, source: str = "networkx graph") -> Ecosystem:
    """An ecosystem from a networkx graph (node attribute ``type``, edge attribute ``layer``).

    The node id is the node attribute ``label`` (or ``id``), else the node key
    with a ``user:``/``merchant:`` prefix removed.
    """
    nodes = list(graph.nodes(data=True))
    pos = {node: i for i, (node, _d) in enumerate(nodes)}
    manifest = _read_manifest(graph.graph.get("graphmodel"))
    type_attr = _type_attribute(manifest, {k for k in ("type", "node_type") if any(k in d for _n, d in nodes)})
    types, labels = [], []
    for node, d in nodes:
        types.append(d.get(type_attr, "user"))
        lab = d.get("label", d.get("id"))
        if lab is None:
            lab = node.split(":", 1)[1] if isinstance(node, str) and node.startswith(("user:", "merchant:")) else node
        labels.append(lab)
    node_attrs = _attribute_lists((d for _n, d in nodes), len(nodes), (type_attr, "label", "id"))
    multi = graph.is_multigraph()
    edges = (
        list(graph.edges(keys=True, data=True)) if multi else [(u, v, None, d) for u, v, d in graph.edges(data=True)]
    )
    m = len(edges)
    src = np.fromiter((pos[e[0]] for e in edges), dtype=np.int64, count=m)
    dst = np.fromiter((pos[e[1]] for e in edges), dtype=np.int64, count=m)
    layer = [e[3].get("layer", "social") for e in edges]
    edge_attrs = _attribute_lists((e[3] for e in edges), m, ("layer",))
    order = None
    if manifest is not None and multi and all(isinstance(e[2], int) for e in edges):
        order = np.fromiter((e[2] for e in edges), dtype=np.int64, count=m)
    directed = graph.graph.get("social_directed", manifest.get("social_directed") if manifest else graph.is_directed())
    meta = graph.graph.get("meta", manifest.get("meta") if manifest else None)
    return _assemble(
        types=types,
        labels=labels,
        node_attrs=node_attrs,
        src=src,
        dst=dst,
        layer=layer,
        edge_attrs=edge_attrs,
        order=order,
        manifest=manifest,
        social_directed=bool(directed),
        meta=meta if isinstance(meta, dict) else {},
        source=source,
    )


# --------------------------------------------------------------------------- shared
def _type_attribute(manifest: dict[str, Any] | None, names: Any) -> str:
    """The node attribute holding user/merchant: the manifest's (``node_type`` in files
    written for Gephi), else ``type``, else ``node_type`` when only that one is present."""
    if manifest is not None and isinstance(manifest.get("node_type"), str):
        return manifest["node_type"]
    return "node_type" if "type" not in names and "node_type" in names else "type"


def _attribute_lists(dicts: Any, n: int, skip: tuple[str, ...]) -> dict[str, list[Any]]:
    """Attribute name -> list of ``n`` values (None where an element lacks it), in one pass.

    Each list is allocated once, when its name first appears (linear in the
    number of values; allocating a full-length default per element was quadratic).
    """
    out: dict[str, list[Any]] = {}
    for i, d in enumerate(dicts):
        for k, v in d.items():
            vals = out.get(k)
            if vals is None:
                if k in skip:
                    continue
                vals = out[k] = [None] * n
            vals[i] = v
    return out


def _read_manifest(value: Any) -> dict[str, Any] | None:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            return None
    if (
        isinstance(value, dict)
        and isinstance(value.get("columns"), dict)
        and str(value.get("format", "")).startswith(_FORMAT)
    ):
        return value
    return None


def _assemble(
    *,
    types: list[Any],
    labels: list[Any],
    node_attrs: dict[str, list[Any]],
    src: np.ndarray,
    dst: np.ndarray,
    layer: list[Any],
    edge_attrs: dict[str, list[Any]],
    order: np.ndarray | None,
    manifest: dict[str, Any] | None,
    social_directed: bool,
    meta: dict[str, Any],
    source: str,
) -> Ecosystem:
    kinds_of: dict[str, dict[str, str]] = (manifest or {}).get("columns", {})
    t = np.array([str(x).strip().lower() if x is not None else "user" for x in types], dtype=object)
    bad = ~np.isin(t, ["user", "merchant"]) if len(t) else np.zeros(0, bool)
    if bad.any():
        i = int(np.argmax(bad))
        raise InputError(
            f"node {i}: type {plain(types[i])!r}; expected 'user' or 'merchant'", source=source, field="type"
        )
    ntype = (t == "merchant").astype(np.int8)
    tables: dict[str, Table] = {}
    local: dict[str, np.ndarray] = {}
    for k, kind in enumerate(NODE_TYPES):
        rows = np.flatnonzero(ntype == k)
        pos = np.full(len(ntype), -1, dtype=np.int64)
        pos[rows] = np.arange(len(rows))
        local[kind] = pos
        kinds = kinds_of.get(kind)
        cols = {"id": python_column([labels[i] for i in rows], (kinds or {}).get("id"), name="id", source=source)}
        cols.update(_columns(node_attrs, rows, kinds, ("id",), source))
        tables[kind] = Table(cols, name=kind, length=len(rows))
    lay = np.array([str(x) if x is not None else "social" for x in layer], dtype=object)
    lay[lay == ""] = "social"
    bad = ~np.isin(lay, list(LAYERS)) if len(lay) else np.zeros(0, bool)
    if bad.any():
        i = int(np.argmax(bad))
        raise InputError(
            f"edge {i}: layer {plain(layer[i])!r}; expected one of {', '.join(LAYERS)}", source=source, field="layer"
        )
    flags = edge_attrs.get(MIRROR)
    if flags is not None:  # the second arc of each undirected tie in our GraphML: fold it back
        true = (True, "true", "True", "TRUE")
        mirror = np.fromiter(
            (v is np.True_ or (isinstance(v, (bool, str)) and v in true) for v in flags), dtype=bool, count=len(flags)
        )
        mirror &= lay == "social"
        if mirror.any():  # else an attribute of that name that marks nothing: kept as a column
            del edge_attrs[MIRROR]
            lay[mirror_rows(src, dst, lay == "social", mirror, len(ntype), source)] = "(mirror)"
    st, dt = ntype[src], ntype[dst]
    layers: dict[str, Table] = {}
    for name in LAYERS:
        rows = np.flatnonzero(lay == name)
        if order is not None:
            rows = rows[np.argsort(order[rows], kind="stable")]
        a, b, ok, want = orient_ends(name, src[rows], dst[rows], st[rows], dt[rows])
        if not ok.all():
            i = int(rows[int(np.argmax(~ok))])
            raise InputError(f"edge {i}: a {name} edge must join {want}", source=source, field="layer")
        e_src, e_dst = LAYER_ENDS[name]
        cols = {"src": local[e_src][a], "dst": local[e_dst][b]}
        cols.update(_columns(edge_attrs, rows, kinds_of.get(name), ("src", "dst"), source))
        layers[name] = Table(cols, name=name, length=len(rows))
    return Ecosystem.from_tables({**tables, **layers}, social_directed=social_directed, meta=meta, source=source)


def _columns(
    attrs: dict[str, list[Any]], rows: np.ndarray, kinds: dict[str, str] | None, skip: tuple[str, ...], source: str
) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    rows_l = rows.tolist()
    if kinds is not None:
        for name, kind in kinds.items():
            if name in skip:
                continue
            vals = attrs.get(name)
            if vals is None:
                if rows_l and kind not in ("float", "str"):
                    raise InputError(f"attribute {name!r} ({kind}) is missing", source=source, field=name)
                out[name] = (
                    python_column([None] * len(rows_l), kind, name=name, source=source)
                    if rows_l
                    else empty_column(kind)
                )
            else:
                out[name] = python_column([vals[i] for i in rows_l], kind, name=name, source=source)
        return out
    for name, vals in attrs.items():
        if name in skip:
            continue
        sub = [vals[i] for i in rows_l]
        if any(_present(v) for v in sub):
            out[name] = python_column(sub, None, name=name, source=source)
    return out


# --------------------------------------------------------------------------- Ecosystem methods
def _to_igraph_method(self: Ecosystem, layers: LayerSpec = None) -> "igraph.Graph":
    """A directed :class:`igraph.Graph` (vertex attrs ``type``, ``id`` and node columns; edge attr ``layer``); cached.

    See :func:`graphmodel.convert.to_igraph`.
    """
    layers = self._layers_arg(layers)
    key = ("igraph", layers)
    if key not in self._cache:
        self._cache[key] = to_igraph(self, layers)
    return self._cache[key]


def _to_networkx_method(self: Ecosystem, layers: LayerSpec = None) -> "networkx.MultiDiGraph":
    """A :class:`networkx.MultiDiGraph` with nodes ``"user:ID"``/``"merchant:ID"`` (a new graph every call).

    See :func:`graphmodel.convert.to_networkx`.
    """
    return to_networkx(self, self._layers_arg(layers))


def _from_networkx_method(cls: type[Ecosystem], graph: "networkx.Graph", **kwargs: Any) -> Ecosystem:
    """Read node attribute ``type`` and edge attribute ``layer`` (see :func:`graphmodel.convert.from_networkx`)."""
    return from_networkx(graph, **kwargs)


def _from_igraph_method(cls: type[Ecosystem], graph: "igraph.Graph", **kwargs: Any) -> Ecosystem:
    """Read vertex attribute ``type`` and edge attribute ``layer`` (see :func:`graphmodel.convert.from_igraph`)."""
    return from_igraph(graph, **kwargs)


# The Ecosystem's conversion methods live here, beside the code they call (ecosystem.py imports nothing above it).
Ecosystem.to_igraph = _to_igraph_method
Ecosystem.to_networkx = _to_networkx_method
Ecosystem.from_networkx = classmethod(_from_networkx_method)
Ecosystem.from_igraph = classmethod(_from_igraph_method)
