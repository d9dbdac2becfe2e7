"""The Ecosystem: typed node tables and one edge table per layer.

The columnar arrays are the truth; CSR, igraph and networkx views are derived
on demand and cached (the object is immutable, so a cache never goes stale).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from graphmodel.csr import CSR, build_csr
from graphmodel.errors import GraphModelWarning, InputError
from graphmodel.table import Table

if TYPE_CHECKING:  # pragma: no cover
    import igraph
    import networkx

__all__ = ["Ecosystem", "NODE_TYPES", "LAYERS", "LAYER_ENDS", "KNOWN_ATTRIBUTES", "LayerSpec", "orient_ends"]

#: Layers an operation runs on: a name, comma-separated names, a sequence of names, or None for all.
LayerSpec = str | Sequence[str] | None

NODE_TYPES: tuple[str, ...] = ("user", "merchant")
LAYERS: tuple[str, ...] = ("social", "payment", "transfer")
#: Node type at each end of a layer's edges (src, dst).
LAYER_ENDS: dict[str, tuple[str, str]] = {
    "social": ("user", "user"),
    "payment": ("user", "merchant"),
    "transfer": ("user", "user"),
}


def orient_ends(
    layer: str, a: np.ndarray, b: np.ndarray, ta: np.ndarray, tb: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, str]:
    """Edge ends ``a``, ``b`` (node types ``ta``, ``tb``: 0 user, 1 merchant) in ``layer``'s order.

    A payment edge given merchant first is turned round. Returns the ends, a mask of the edges that join
    the node types the layer joins, and those types in words (for the reader's error).

    Examples
    --------
    >>> a, b, ok, want = orient_ends("payment", np.array([5, 2]), np.array([1, 3]), np.array([1, 0]), np.array([0, 0]))
    >>> a.tolist(), b.tolist(), ok.tolist(), want
    ([1, 2], [5, 3], [True, False], 'a user and a merchant')
    """
    if layer == "payment":
        flip = (ta == 1) & (tb == 0)
        a, b = np.where(flip, b, a), np.where(flip, a, b)
        ok = (np.where(flip, tb, ta) == 0) & (np.where(flip, ta, tb) == 1)
        return a, b, ok, "a user and a merchant"
    return a, b, (ta == 0) & (tb == 0), "two users"


#: Attributes with a documented meaning. Any other column is kept as is.
KNOWN_ATTRIBUTES: dict[str, dict[str, str]] = {
    "user": {
        "city": "city the user lives in (offline merchants serve their own city)",
        "purchasing_power": "what the user can afford, same unit as merchant price_level (float > 0)",
    },
    "merchant": {
        "category": "product category",
        "price_level": "typical price of a purchase (float > 0)",
        "channel": "'online' or 'offline' (offline: a shop with a QR code at the till)",
        "city": "city of an offline merchant",
    },
    "social": {"weight": "tie strength (float >= 0)"},
    "payment": {
        "count": "number of payments (int >= 0)",
        "amount": "total amount paid (float >= 0)",
        "channel": "'online' or 'offline'",
        "first_time": "time of the first payment (unix seconds)",
        "last_time": "time of the last payment (unix seconds)",
    },
    "transfer": {
        "count": "number of transfers (int >= 0)",
        "amount": "total amount sent (float >= 0)",
        "kind": "what the transfers are, e.g. 'red_envelope', 'bill_split'",
    },
}
#: Numeric columns that must be finite and >= 0 where present (NaN: missing, allowed).
_NON_NEGATIVE = ("count", "amount", "weight")
_NON_NEGATIVE_NODE = {"user": ("purchasing_power",), "merchant": ("price_level",)}


def _check_non_negative(t: Table, cols: Sequence[str], source: str) -> None:
    for col in cols:
        if col in t and t[col].dtype.kind in "iuf":
            v = t[col]
            bad = (v < 0) | np.isinf(v) if v.dtype.kind == "f" else v < 0
            if bad.any():
                i = int(np.argmax(bad))
                raise InputError(
                    f"row {i}: expected a finite value >= 0, got {v[i].item()!r}", source=source, field=col
                )


def _as_table(data: Table | Mapping[str, Any] | None, name: str) -> Table:
    if data is None:
        return Table({}, name=name)
    if isinstance(data, Table):
        return data if data.name == name else Table(dict(data.items()), name=name, length=len(data))
    return Table(data, name=name)


class _LabelIndex:
    """Label -> dense index lookup by binary search over the sorted labels."""

    __slots__ = ("labels", "order", "sorted")

    def __init__(self, labels: np.ndarray) -> None:
        self.labels = labels
        self.order = np.argsort(labels, kind="stable")
        self.sorted = labels[self.order]

    def duplicates(self) -> np.ndarray:
        s = self.sorted
        return np.unique(s[1:][s[1:] == s[:-1]])

    def lookup(self, query: Any) -> tuple[np.ndarray, np.ndarray]:
        """Indices of ``query`` labels and a mask of those that were found."""
        q = np.asarray(query)
        lk, qk = self.labels.dtype.kind, q.dtype.kind
        if lk == "U" and qk != "U":
            q = q.astype(str)
        elif lk in "iu" and qk not in "iu":
            ok = np.zeros(q.shape, dtype=bool)
            conv = np.zeros(q.shape, dtype=np.int64)
            for i, v in enumerate(q.tolist()):
                try:
                    conv[i] = int(v)
                    ok[i] = str(conv[i]) == str(v).strip() or isinstance(v, (int, np.integer))
                except (TypeError, ValueError):
                    pass
            idx, found = self.lookup(conv)
            return idx, found & ok
        n = len(self.sorted)
        if n == 0:
            return np.zeros(q.shape, dtype=np.int64), np.zeros(q.shape, dtype=bool)
        pos = np.searchsorted(self.sorted, q)
        pos_c = np.minimum(pos, n - 1)
        found = (pos < n) & (self.sorted[pos_c] == q)
        return self.order[pos_c].astype(np.int64), found


class Ecosystem:
    """Users, merchants and the layers that join them.

    Parameters
    ----------
    users, merchants
        Node tables: a :class:`~graphmodel.table.Table` or a mapping of column
        name to array. Column ``id`` holds the source labels (unique per type,
        int or str); without it labels ``0 .. n-1`` are made.
    social, payment, transfer
        Edge tables with integer columns ``src`` and ``dst``: dense row indices
        into the node tables (``payment``: ``src`` is a user row, ``dst`` a
        merchant row). Use :meth:`from_labels` to build from source labels.
    social_directed
        Whether social ties are directed (trust) or undirected (friendship).
    meta
        Free-form JSON-ready metadata (name, description, provenance, ...).

    Notes
    -----
    Self-loops in ``social`` are dropped with a :class:`GraphModelWarning` (a
    tie to oneself carries no influence); the number dropped is recorded in
    ``meta["dropped_social_self_loops"]``. Parallel edges are kept.

    Examples
    --------
    >>> eco = Ecosystem.from_labels(
    ...     users={"id": ["ann", "bob", "cy"]},
    ...     merchants={"id": ["shop"], "channel": ["offline"]},
    ...     social={"src": ["ann", "bob"], "dst": ["bob", "cy"]},
    ...     payment={"user": ["ann"], "merchant": ["shop"], "count": [3]},
    ... )
    >>> eco.n_users, eco.n_merchants, eco.n_edges("social")
    (3, 1, 2)
    >>> eco.csr(["payment"]).m   # payment arcs go both ways
    2
    """

    def __init__(
        self,
        users: Table | Mapping[str, Any] | None = None,
        merchants: Table | Mapping[str, Any] | None = None,
        *,
        social: Table | Mapping[str, Any] | None = None,
        payment: Table | Mapping[str, Any] | None = None,
        transfer: Table | Mapping[str, Any] | None = None,
        social_directed: bool = False,
        meta: Mapping[str, Any] | None = None,
    ) -> None:
        self.meta: dict[str, Any] = dict(meta or {})
        self.social_directed = bool(social_directed)
        self._nodes = {"user": self._node_table(users, "user"), "merchant": self._node_table(merchants, "merchant")}
        self._edges: dict[str, Table] = {}
        for layer, data in (("social", social), ("payment", payment), ("transfer", transfer)):
            self._edges[layer] = self._edge_table(data, layer)
        self._cache: dict[Any, Any] = {}

    # -- construction --------------------------------------------------------
    @staticmethod
    def _node_table(data: Table | Mapping[str, Any] | None, kind: str) -> Table:
        t = _as_table(data, kind)
        if "id" not in t:
            n = len(t)
            t = Table({"id": np.arange(n, dtype=np.int64), **dict(t.items())}, name=kind, length=n)
        elif t.columns[0] != "id":
            t = Table({"id": t["id"], **{k: v for k, v in t.items() if k != "id"}}, name=kind, length=len(t))
        ids = t["id"]
        if ids.dtype.kind not in "iuU":
            raise InputError(f"node ids must be integers or strings, got {ids.dtype}", source=kind, field="id")
        idx = _LabelIndex(ids)
        dup = idx.duplicates()
        if dup.size:
            raise InputError(
                f"duplicate {kind} id {dup[0]!s} ({dup.size} duplicated ids); ids must be unique",
                source=kind,
                field="id",
            )
        if ids.dtype.kind == "U" and ids.size and (ids == "").any():
            raise InputError(f"empty {kind} id at row {int(np.argmax(ids == ''))}", source=kind, field="id")
        _check_non_negative(t, _NON_NEGATIVE_NODE.get(kind, ()), kind)
        return t

    def _edge_table(self, data: Table | Mapping[str, Any] | None, layer: str) -> Table:
        t = _as_table(data, layer)
        if len(t.columns) == 0:
            t = Table({"src": np.zeros(0, np.int64), "dst": np.zeros(0, np.int64)}, name=layer)
        for col in ("src", "dst"):
            if col not in t:
                raise InputError(f"missing required column {col!r}", source=layer, field=col)
            if t[col].dtype.kind not in "iu":
                raise InputError(f"expected integer row indices, got {t[col].dtype}", source=layer, field=col)
        src_type, dst_type = LAYER_ENDS[layer]
        for col, kind in (("src", src_type), ("dst", dst_type)):
            v = t[col]
            n = len(self._nodes[kind])
            bad = (v < 0) | (v >= n)
            if bad.any():
                i = int(np.argmax(bad))
                raise InputError(f"row {i}: {kind} index {int(v[i])} outside 0..{n - 1}", source=layer, field=col)
        _check_non_negative(t, _NON_NEGATIVE, layer)
        if t.columns[:2] != ("src", "dst"):
            t = Table(
                {"src": t["src"], "dst": t["dst"], **{k: v for k, v in t.items() if k not in ("src", "dst")}},
                name=layer,
                length=len(t),
            )
        if layer == "social" and len(t):
            loops = t["src"] == t["dst"]
            k = int(loops.sum())
            if k:
                warnings.warn(f"social: dropped {k} self-loop(s)", GraphModelWarning, stacklevel=3)
                self.meta["dropped_social_self_loops"] = int(self.meta.get("dropped_social_self_loops", 0)) + k
                t = t.take(~loops)
        return t

    @classmethod
    def from_tables(
        cls,
        tables: Mapping[str, Table | Mapping[str, Any] | None],
        *,
        social_directed: bool = False,
        meta: Mapping[str, Any] | None = None,
        source: str | None = None,
    ) -> Ecosystem:
        """The ecosystem a reader has gathered: ``tables`` by node type and layer, ends as row indices.

        Keys ``user``, ``merchant``, ``social``, ``payment``, ``transfer`` (a
        missing key or None is an empty table). Tables that do not fit together
        (an end out of range, a duplicate id) raise one :class:`InputError`
        naming ``source`` (the file or object read), the table and the field.

        Examples
        --------
        >>> eco = Ecosystem.from_tables({"user": {"id": [7, 8]}, "social": {"src": [0], "dst": [1]}})
        >>> eco.n_users, eco.n_edges("social")
        (2, 1)
        >>> Ecosystem.from_tables({"user": {"id": [7]}, "social": {"src": [0], "dst": [1]}}, source="x.npz")
        Traceback (most recent call last):
        ...
        graphmodel.errors.InputError: x.npz: 'dst': social: row 0: user index 1 outside 0..0
        """
        try:
            return cls(
                tables.get("user"),
                tables.get("merchant"),
                social=tables.get("social"),
                payment=tables.get("payment"),
                transfer=tables.get("transfer"),
                social_directed=social_directed,
                meta=meta,
            )
        except InputError as exc:
            if source is None:
                raise
            message = f"{exc.source}: {exc.message}" if exc.source and exc.source != source else exc.message
            raise InputError(message, source=source, line=exc.line, field=exc.field) from None

    @classmethod
    def from_labels(
        cls,
        users: Table | Mapping[str, Any] | None = None,
        merchants: Table | Mapping[str, Any] | None = None,
        *,
        social: Table | Mapping[str, Any] | None = None,
        payment: Table | Mapping[str, Any] | None = None,
        transfer: Table | Mapping[str, Any] | None = None,
        social_directed: bool = False,
        meta: Mapping[str, Any] | None = None,
        sources: Mapping[str, str] | None = None,
    ) -> "Ecosystem":
        """Build from edge tables that name nodes by their source labels.

        ``social`` and ``transfer`` have columns ``src`` and ``dst`` (user ids),
        ``payment`` has ``user`` and ``merchant``. An edge naming an unknown id
        raises :class:`InputError`; ``sources`` maps a table name to the file it
        came from so the error names the file and line (row + 2: header, 1-based).
        """
        sources = dict(sources or {})
        users_t = cls._node_table(users, "user")
        merchants_t = cls._node_table(merchants, "merchant")
        index = {"user": _LabelIndex(users_t["id"]), "merchant": _LabelIndex(merchants_t["id"])}
        layers: dict[str, Table | None] = {}
        for layer, data, cols in (
            ("social", social, ("src", "dst")),
            ("payment", payment, ("user", "merchant")),
            ("transfer", transfer, ("src", "dst")),
        ):
            if data is None:
                layers[layer] = None
                continue
            t = _as_table(data, layer)
            src = sources.get(layer, layer)
            mapped: dict[str, np.ndarray] = {}
            for col, kind in zip(cols, LAYER_ENDS[layer]):
                if col not in t:
                    raise InputError(f"missing required column {col!r}", source=src, field=col)
                idx, found = index[kind].lookup(t[col])
                if not found.all():
                    i = int(np.argmax(~found))
                    line = i + 2 if layer in sources else None
                    where = "" if line is not None else f"row {i}: "
                    raise InputError(f"{where}unknown {kind} id {t[col][i]!s}", source=src, line=line, field=col)
                mapped[col] = idx
            rest = {k: v for k, v in t.items() if k not in cols}
            layers[layer] = Table({"src": mapped[cols[0]], "dst": mapped[cols[1]], **rest}, name=layer, length=len(t))
        return cls(
            users_t,
            merchants_t,
            social=layers["social"],
            payment=layers["payment"],
            transfer=layers["transfer"],
            social_directed=social_directed,
            meta=meta,
        )

    # -- access ----------------------------------------------------------------
    def nodes(self, kind: str) -> Table:
        """The node table of ``kind`` (``"user"`` or ``"merchant"``)."""
        try:
            return self._nodes[kind]
        except KeyError:
            raise InputError(f"unknown node type {kind!r}; expected one of {NODE_TYPES}", field="node type") from None

    def edges(self, layer: str) -> Table:
        """The edge table of ``layer`` (``src``/``dst`` are dense row indices)."""
        try:
            return self._edges[layer]
        except KeyError:
            raise InputError(f"unknown layer {layer!r}; expected one of {LAYERS}", field="layer") from None

    def tables(self) -> dict[str, Table]:
        """Every table by node type and layer (``user``, ``merchant``, ``social``, ``payment``, ``transfer``):
        what the writers store, and what :meth:`from_tables` takes back.

        Examples
        --------
        >>> eco = Ecosystem.from_tables({"user": {"id": [7, 8]}, "social": {"src": [0], "dst": [1]}})
        >>> {k: len(t) for k, t in eco.tables().items()}
        {'user': 2, 'merchant': 0, 'social': 1, 'payment': 0, 'transfer': 0}
        """
        return {**self._nodes, **self._edges}

    @property
    def n_users(self) -> int:
        return len(self._nodes["user"])

    @property
    def n_merchants(self) -> int:
        return len(self._nodes["merchant"])

    @property
    def n_nodes(self) -> int:
        return self.n_users + self.n_merchants

    def n_edges(self, layer: str | None = None) -> int:
        """Edges in one layer, or in all layers."""
        if layer is None:
            return sum(len(t) for t in self._edges.values())
        return len(self.edges(layer))

    def is_directed(self, layer: str) -> bool:
        """Whether ``layer``'s edges have a direction (payment and transfer always do)."""
        self.edges(layer)
        return self.social_directed if layer == "social" else True

    def _label_index(self, kind: str) -> _LabelIndex:
        key = ("labels", kind)
        if key not in self._cache:
            self._cache[key] = _LabelIndex(self.nodes(kind)["id"])
        return self._cache[key]

    def index_of(self, kind: str, labels: Any) -> np.ndarray:
        """Dense row indices of source ``labels`` of node type ``kind``.

        Raises :class:`InputError` naming the first unknown label.
        """
        idx, found = self._label_index(kind).lookup(np.atleast_1d(np.asarray(labels)))
        if not found.all():
            bad = np.atleast_1d(np.asarray(labels))[int(np.argmax(~found))]
            raise InputError(f"unknown {kind} id {bad!s}", field=kind)
        return idx

    def node_ids(self, nodes: Iterable[int] | np.ndarray) -> list[str]:
        """Typed ids (``"user:ID"``, ``"merchant:ID"``) of global node numbers (see :mod:`graphmodel.csr`)."""
        nodes = np.asarray(nodes, dtype=np.int64)
        users, merchants = self.nodes("user")["id"], self.nodes("merchant")["id"]
        out = []
        for v in nodes.tolist():
            if 0 <= v < self.n_users:
                out.append(f"user:{users[v]}")
            elif self.n_users <= v < self.n_nodes:
                out.append(f"merchant:{merchants[v - self.n_users]}")
            else:
                raise IndexError(f"node {v} outside 0..{self.n_nodes - 1}")
        return out

    # -- views -----------------------------------------------------------------
    def _layers_arg(self, layers: LayerSpec) -> tuple[str, ...]:
        if layers is None:
            return LAYERS
        if isinstance(layers, str):
            layers = [s for s in layers.split(",") if s]
        out = tuple(dict.fromkeys(layers))
        for layer in out:
            if layer not in LAYERS:
                raise InputError(f"unknown layer {layer!r}; expected some of {', '.join(LAYERS)}", field="layers")
        return out

    def csr(self, layers: LayerSpec = None, *, reverse: bool = False) -> CSR:
        """Adjacency over ``layers`` (default: all) as flat CSR arrays; cached.

        See :mod:`graphmodel.csr` for node numbering and arc directions.
        """
        layers = self._layers_arg(layers)
        key = ("csr", layers, bool(reverse))
        if key not in self._cache:
            U = self.n_users
            arcs = []
            for lid, layer in enumerate(layers):
                t = self._edges[layer]
                src, dst = t["src"], t["dst"]
                rows = np.arange(len(t), dtype=np.int64)
                if layer == "payment":
                    arcs.append((src, dst + U, lid, rows))
                    arcs.append((dst + U, src, lid, rows))
                else:
                    arcs.append((src, dst, lid, rows))
                    if layer == "social" and not self.social_directed:
                        arcs.append((dst, src, lid, rows))
            self._cache[key] = build_csr(arcs, layers=layers, n_users=U, n_merchants=self.n_merchants, reverse=reverse)
        return self._cache[key]

    # -- views in other libraries ---------------------------------------------------
    # to_igraph, to_networkx, from_igraph and from_networkx are defined in graphmodel.convert, from_frames in
    # graphmodel.io.frames, and attached to this class there: they build Ecosystems, so written here they would
    # make this module import the layers above it. `import graphmodel` attaches them on first use of any name.
    if TYPE_CHECKING:  # pragma: no cover

        def to_igraph(self, layers: LayerSpec = None) -> igraph.Graph: ...
        def to_networkx(self, layers: LayerSpec = None) -> networkx.MultiDiGraph: ...
        @classmethod
        def from_igraph(cls, graph: igraph.Graph, *, source: str = ...) -> Ecosystem: ...
        @classmethod
        def from_networkx(cls, graph: networkx.Graph, *, source: str = ...) -> Ecosystem: ...
        @classmethod
        def from_frames(cls, **tables: Any) -> Ecosystem: ...

    def __getattr__(self, name: str) -> Any:  # only for names not found: say where the conversions come from
        if name in ("to_igraph", "to_networkx"):
            raise AttributeError(
                f"Ecosystem.{name} is attached by graphmodel.convert: import graphmodel.convert "
                "(or use any graphmodel public name) first"
            )
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    # -- summaries and comparison ------------------------------------------------
    def summary(self) -> dict[str, Any]:
        """A JSON-ready description: sizes, layers, columns and metadata."""
        return {
            "name": self.meta.get("name"),
            "users": self.n_users,
            "merchants": self.n_merchants,
            "nodes": {k: {"count": len(t), "columns": t.kinds()} for k, t in self._nodes.items()},
            "layers": {
                layer: {"edges": len(t), "directed": self.is_directed(layer), "columns": t.kinds()}
                for layer, t in self._edges.items()
            },
            "meta": self.meta,
        }

    def equals(self, other: "Ecosystem", *, meta: bool = True) -> bool:
        """Same tables, same direction flag, and (unless ``meta=False``) same metadata."""
        if not isinstance(other, Ecosystem) or self.social_directed != other.social_directed:
            return False
        if meta and self.meta != other.meta:
            return False
        return all(self._nodes[k].equals(other._nodes[k]) for k in NODE_TYPES) and all(
            self._edges[k].equals(other._edges[k]) for k in LAYERS
        )

    def replace(self, **changes: Any) -> "Ecosystem":
        """A new ecosystem with some tables, ``social_directed`` or ``meta`` replaced."""
        args: dict[str, Any] = {
            "users": self._nodes["user"],
            "merchants": self._nodes["merchant"],
            "social": self._edges["social"],
            "payment": self._edges["payment"],
            "transfer": self._edges["transfer"],
            "social_directed": self.social_directed,
            "meta": self.meta,
        }
        unknown = set(changes) - set(args)
        if unknown:
            raise TypeError(f"unknown fields {sorted(unknown)}")
        args.update(changes)
        users, merchants = args.pop("users"), args.pop("merchants")
        return Ecosystem(users, merchants, **args)

    def __getstate__(self) -> dict[str, Any]:
        # Views are derived: ship the tables only (e.g. to Dask workers) and rebuild on demand.
        state = dict(self.__dict__)
        state["_cache"] = {}
        return state

    def __repr__(self) -> str:
        name = self.meta.get("name")
        layers = ", ".join(f"{k}={len(t)}" for k, t in self._edges.items())
        head = f"{name!r}, " if name else ""
        return f"Ecosystem({head}users={self.n_users}, merchants={self.n_merchants}, {layers})"
