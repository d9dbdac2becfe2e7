"""Reading GraphML: our files exactly, other tools' files without silent loss (see :mod:`graphmodel.io.graphml`)."""

from __future__ import annotations

import json
import os
import re
import warnings
import xml.parsers.expat
from array import array
from pathlib import Path
from typing import Any

import numpy as np

from graphmodel.ecosystem import LAYER_ENDS, LAYERS, NODE_TYPES, Ecosystem, orient_ends
from graphmodel.errors import GraphModelWarning, InputError
from graphmodel.io import _graphml_scan as _scan
from graphmodel.io._kinds import infer_kind, parse_column, plain
from graphmodel.io.graphml_write import _GRAPHML_TYPE, FORMAT, VERSION
from graphmodel.io.mirror import MIRROR, mirror_rows
from graphmodel.table import Table

__all__ = ["read_graphml", "mirror_rows"]

_KIND_OF_TYPE = {
    "boolean": "bool",
    "bool": "bool",
    "int": "int",
    "integer": "int",
    "long": "int",
    "short": "int",
    "byte": "int",
    "float": "float",
    "double": "float",
    "string": "str",
}


# --------------------------------------------------------------------------- reading: keys from other tools
def _warn(message: str) -> None:
    warnings.warn(message, GraphModelWarning, stacklevel=3)


def _skip_yfiles(c: _Collector) -> None:
    """Drop yEd's ``yfiles.type`` keys (node/edge graphics, resources): their ``<data>`` hold
    drawing markup, not attribute values. Warns with the count."""
    if not c.yfiles:
        return
    n = 0
    for kid in sorted(c.yfiles):
        for store in (c.node_data, c.edge_data):
            got = store.pop(kid, None)
            n += len(got[0]) if got is not None else 0
        c.graph_data.pop(kid, None)
        c.keys.pop(kid, None)
        c.defaults.pop(kid, None)
    _warn(
        f"{c.source}: skipped {len(c.yfiles)} yEd graphics key(s) ({', '.join(sorted(c.yfiles))}) "
        f"and their {n} <data> element(s): drawing markup, not attribute values"
    )


_EXACT_INT = 2**53  # the largest magnitude below which every integer is a double


def _merged_keys(c: _Collector, dom: str) -> dict[str, str]:
    """Key id -> attribute name for ``dom`` ("node" or "edge"), one key per name.

    networkx writes an attribute whose values have several Python types as
    one key per type under the same name. Their values are merged into the
    first key: one kind stays that kind; integers with reals become real
    (when every integer is exact as a double); any other mix becomes string.
    A change of kind warns, naming the attribute.
    """
    groups: dict[str, list[str]] = {}
    for kid, (d, name, _t) in c.keys.items():
        if d in (dom, "all"):
            groups.setdefault(name, []).append(kid)
    data = c.node_data if dom == "node" else c.edge_data
    lines = c.node_lines if dom == "node" else c.edge_lines
    out: dict[str, str] = {}
    for name, kids in groups.items():
        out[kids[0]] = name
        if len(kids) == 1:
            continue
        types = [c.keys[k][2] for k in kids]
        kinds = [_KIND_OF_TYPE.get(t.lower(), "str") for t in types]
        rows_l, vals_l, kinds_l = [], [], []
        for k, kind in zip(kids, kinds):
            got = data.get(k)
            if got is not None and len(got[0]):
                rows_l.append(np.asarray(got[0], dtype=np.int64))
                vals_l.append(list(got[1]))
                kinds_l.append(kind)
        rows = np.concatenate(rows_l) if rows_l else np.zeros(0, dtype=np.int64)
        if len(rows) and len(np.unique(rows)) != len(rows):
            order = np.sort(rows)
            dup = int(order[int(np.argmax(order[1:] == order[:-1]))])
            raise InputError(
                f"one {dom} has two values for attribute {name!r} (keys {', '.join(kids)})",
                source=c.source,
                line=int(lines[dup]),
                field=name,
            )
        vals = [v for part in vals_l for v in part]
        if len(set(kinds)) == 1:
            kind = kinds[0]
        elif set(kinds) <= {"int", "float"} and _ints_exact(vals_l, kinds_l):
            kind = "float"
        else:
            kind = "str"
        if len(set(kinds)) > 1:
            _warn(
                f"{c.source}: {dom} attribute {name!r} is declared with several types ({', '.join(types)}, keys "
                f"{', '.join(kids)}); its {len(vals)} values are read as {kind}"
            )
        c.keys[kids[0]] = (c.keys[kids[0]][0], name, _GRAPHML_TYPE[kind])
        data[kids[0]] = (rows, vals)
        for k in kids[1:]:
            data.pop(k, None)
    return out


def _ints_exact(vals_l: list[list[str]], kinds: list[str]) -> bool:
    """Whether every integer text among the int-kind value lists is exact as a double."""
    for vals, kind in zip(vals_l, kinds):
        if kind == "int":
            try:
                if any(abs(int(v.strip())) > _EXACT_INT for v in vals):
                    return False
            except ValueError:
                return True  # parse_column then names the bad value
    return True


def _fits_int64(vals: np.ndarray) -> bool:
    """Whether every integer text is within int64 (texts that are no integers count as fitting:
    parsing then names them)."""
    try:
        vals.astype(np.int64)
        return True
    except OverflowError:
        pass
    except (ValueError, TypeError):
        return True
    lo, hi = -(2**63), 2**63 - 1
    for v in vals.tolist():
        try:
            if not lo <= int(v) <= hi:
                return False
        except ValueError:
            continue
    return True


def _graph_attributes(c: _Collector, has_manifest: bool) -> dict[str, Any]:
    """Graph-level ``<data>`` other than our manifest, typed by their keys (for ``meta``)."""
    out: dict[str, Any] = {}
    for kid, value in c.graph_data.items():
        dom, name, gtype = c.keys.get(kid, ("graph", kid, "string"))
        if dom not in ("graph", "all") or (name == "graphmodel" and has_manifest):
            continue
        kind = _KIND_OF_TYPE.get(gtype.lower(), "str")
        try:
            cell = np.array([value.strip() if kind != "str" else value], dtype=object)
            typed = parse_column(cell, kind, name=name, numeric=False)
            out[name] = typed[0].item() if kind != "str" else str(typed[0])
        except InputError:
            out[name] = value
        if isinstance(out[name], float) and out[name] != out[name]:
            del out[name]
    return out


# --------------------------------------------------------------------------- reading
class _Refused(Exception):
    pass


class _Collector:
    """Expat handlers that collect nodes, edges and data values column-wise."""

    def __init__(self, parser: Any, source: str) -> None:
        self.p = parser
        self.source = source
        self.keys: dict[str, tuple[str, str, str]] = {}  # id -> (for, name, type)
        self.defaults: dict[str, str] = {}
        self.yfiles: set[str] = set()
        self.node_ids: list[str] = []
        self.node_lines = array("q")
        self.edge_src: list[str] = []
        self.edge_dst: list[str] = []
        self.edge_lines = array("q")
        # key id -> (row indices, texts)
        self.node_data: dict[str, tuple[array, list[str]]] = {}
        self.edge_data: dict[str, tuple[array, list[str]]] = {}
        self.graph_data: dict[str, str] = {}
        self.edgedefault = "directed"
        self.graph_depth = 0
        self.where: str | None = None  # "node", "edge", "graph"
        self.data_key: str | None = None
        self.data_depth = 0
        self.text: list[str] = []
        self.key_default: str | None = None
        self.in_default = False

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        if self.data_key is not None:
            self.data_depth += 1  # markup inside <data> (yEd graphics): ignored
            return
        tag = tag.rsplit(":", 1)[-1]
        if tag == "key":
            kid = attrs.get("id")
            if kid is None:
                self._fail("<key> without an id")
            self.keys[kid] = (attrs.get("for", "all"), attrs.get("attr.name", kid), attrs.get("attr.type", "string"))
            if "yfiles.type" in attrs:  # yEd graphics, URLs, descriptions as yEd markup: no attribute values
                self.yfiles.add(kid)
            self.key_default = kid
        elif tag == "default" and self.key_default is not None:
            self.in_default = True
            self.text = []
        elif tag == "graph":
            self.graph_depth += 1
            if self.graph_depth > 1:
                self._fail("nested graphs are not supported")
            self.edgedefault = attrs.get("edgedefault", "directed")
            self.where = "graph"
        elif tag == "node":
            if self.where == "node":
                self._fail("nested nodes are not supported")
            nid = attrs.get("id")
            if nid is None:
                self._fail("<node> without an id")
            self.node_ids.append(nid)
            self.node_lines.append(self.p.CurrentLineNumber)
            self.where = "node"
        elif tag == "edge":
            s, t = attrs.get("source"), attrs.get("target")
            if s is None or t is None:
                self._fail("<edge> needs source and target")
            self.edge_src.append(s)
            self.edge_dst.append(t)
            self.edge_lines.append(self.p.CurrentLineNumber)
            self.where = "edge"
        elif tag == "data":
            key = attrs.get("key")
            if key is None:
                self._fail("<data> without a key")
            self.data_key = key
            self.data_depth = 0
            self.text = []
        elif tag in ("hyperedge", "port", "endpoint"):
            self._fail(f"<{tag}> is not supported")

    def end(self, tag: str) -> None:
        if self.data_key is not None:
            if self.data_depth:
                self.data_depth -= 1
                return
            value = "".join(self.text)
            key = self.data_key
            self.data_key = None
            if self.where == "node":
                store = self.node_data.setdefault(key, (array("q"), []))
                store[0].append(len(self.node_ids) - 1)
                store[1].append(value)
            elif self.where == "edge":
                store = self.edge_data.setdefault(key, (array("q"), []))
                store[0].append(len(self.edge_src) - 1)
                store[1].append(value)
            elif self.where == "graph":
                self.graph_data[key] = value
            return
        tag = tag.rsplit(":", 1)[-1]
        if tag == "default" and self.in_default:
            self.defaults[self.key_default or ""] = "".join(self.text)
            self.in_default = False
        elif tag == "key":
            self.key_default = None
        elif tag in ("node", "edge"):
            self.where = "graph"
        elif tag == "graph":
            self.where = None

    def chars(self, data: str) -> None:
        if self.data_key is not None and self.data_depth == 0 or self.in_default:
            self.text.append(data)

    def refuse(self, *args: Any) -> None:
        raise _Refused()

    def _fail(self, message: str) -> None:
        raise InputError(message, source=self.source, line=self.p.CurrentLineNumber)


def _new_parser() -> Any:
    parser = xml.parsers.expat.ParserCreate()
    parser.buffer_text = True
    parser.SetParamEntityParsing(xml.parsers.expat.XML_PARAM_ENTITY_PARSING_NEVER)
    return parser


def _hook(parser: Any, c: _Collector) -> None:
    parser.StartElementHandler = c.start
    parser.EndElementHandler = c.end
    parser.CharacterDataHandler = c.chars
    parser.StartDoctypeDeclHandler = c.refuse
    parser.EntityDeclHandler = c.refuse
    parser.ExternalEntityRefHandler = c.refuse


def _parse_expat(path: Path) -> _Collector:
    """Parse the whole file with expat (every element through Python handlers)."""
    src = str(path)
    parser = _new_parser()
    c = _Collector(parser, src)
    _hook(parser, c)
    try:
        with open(path, "rb") as fh:
            while True:
                block = fh.read(1 << 20)
                parser.Parse(block, not block)
                if not block:
                    break
    except _Refused:
        raise InputError(
            "GraphML: DOCTYPE/entity declarations are not allowed", source=src, line=parser.CurrentLineNumber
        ) from None
    except xml.parsers.expat.ExpatError as exc:
        raise InputError(
            f"malformed GraphML: {xml.parsers.expat.ErrorString(exc.code)}", source=src, line=exc.lineno
        ) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc}", source=src) from None
    return c


class _HeadCollector(_Collector):
    """A collector that also counts open elements (to check where the head ends)."""

    depth = 0

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        self.depth += 1
        super().start(tag, attrs)

    def end(self, tag: str) -> None:
        self.depth -= 1
        super().end(tag)


_BLOCK = 4 << 20  # small blocks keep the scanner's arrays in cache (measured: 32 MiB is ~1.8x slower)
_DECL = re.compile(
    rb"""\A(?:\xef\xbb\xbf)?<\?xml[ \t\n]+version[ \t\n]*=[ \t\n]*["'][^"'<>]*["']"""
    rb"""(?:[ \t\n]+encoding[ \t\n]*=[ \t\n]*["']([A-Za-z0-9._-]*)["'])?[^<>]*\?>"""
)


def _parse_fast(path: Path) -> _Collector:
    """Parse with expat for the head and tail and the vectorised scanner for the elements.

    Raises :class:`_scan.Unsupported` (or any error) when the file is outside the scanner's
    subset or bad in any way: the caller then parses it with :func:`_parse_expat`.
    """
    src = str(path)
    with open(path, "rb") as fh:
        buf = fh.read(_BLOCK)
        start = _scan.boundary(buf, 0, len(buf))
        while start == len(buf):
            more = fh.read(_BLOCK)
            if not more:
                raise _scan.Unsupported("no <node id=...> or <edge source=...>")
            buf += more
            start = _scan.boundary(buf, 0, len(buf))
        head = buf[:start]
        decl = _DECL.match(head)
        if b"<!" in head or head.count(b"<?") != (1 if decl else 0) or b"\r" in head:
            raise _scan.Unsupported("comment, CDATA, DOCTYPE or processing instruction in the head")
        if decl and decl.group(1) is not None and decl.group(1).lower() not in (b"utf-8", b"utf8"):
            raise _scan.Unsupported("encoding other than UTF-8")
        parser = _new_parser()
        c = _HeadCollector(parser, src)
        _hook(parser, c)
        parser.Parse(head, False)
        if c.depth != 2 or c.where != "graph" or c.graph_depth != 1 or c.data_key is not None or c.in_default:
            raise _scan.Unsupported("elements outside <graph>")
        line = head.count(b"\n") + 1
        rest = buf[start:]
        del buf, head
        node_lines: list[Any] = [np.asarray(c.node_lines, dtype=np.int64)]
        edge_lines: list[Any] = [np.asarray(c.edge_lines, dtype=np.int64)]
        stores: dict[tuple[str, int], tuple[list[np.ndarray], list[str]]] = {}
        tail = b""
        eof = False
        while not eof:
            more = fh.read(_BLOCK)
            if more:
                rest += more
                cut = max(rest.rfind(b'<node id="'), rest.rfind(b'<edge source="'))
                if cut <= 0:
                    continue
                chunk, rest = rest[:cut], rest[cut:]
            else:
                eof = True
                cut = len(rest)
                while cut >= 0:  # the last </graph> (not </graphml>)
                    cut = rest.rfind(b"</graph", 0, cut)
                    if rest[cut + 7 : cut + 8] in (b">", b" ", b"\t", b"\n"):
                        break
                if cut < 0:
                    raise _scan.Unsupported("no </graph>")
                chunk, tail = rest[:cut], rest[cut:]
                rest = b""
            if b"<" not in chunk:
                if chunk.strip(b" \t\n"):
                    raise _scan.Unsupported("text between elements")
                continue
            got = _scan.scan_chunk(chunk, first_line=line)
            line += chunk.count(b"\n")
            n0, e0 = len(c.node_ids), len(c.edge_src)
            c.node_ids += got["node_ids"]
            c.edge_src += got["edge_src"]
            c.edge_dst += got["edge_dst"]
            node_lines.append(got["node_lines"])
            edge_lines.append(got["edge_lines"])
            for (key, kd), (rows, vals) in got["data"].items():
                if kd == 0:
                    c.graph_data[key] = vals[-1]
                    continue
                pieces = stores.setdefault((key, kd), ([], []))
                pieces[0].append(rows + (n0 if kd == 1 else e0))
                pieces[1].extend(vals)
        parser.Parse(tail, True)
    if c.graph_depth != 1 or c.where is not None or c.depth != 0:
        raise _scan.Unsupported("unexpected tail")
    for (key, kd), (rows_list, vals) in stores.items():
        target = c.node_data if kd == 1 else c.edge_data
        old = target.get(key)
        if old is not None:  # values from elements the head held
            rows_list.insert(0, np.asarray(old[0], dtype=np.int64))
            vals = list(old[1]) + vals
        target[key] = (np.concatenate(rows_list), vals)
    c.node_lines = np.concatenate(node_lines)  # type: ignore[assignment]
    c.edge_lines = np.concatenate(edge_lines)  # type: ignore[assignment]
    return c


def _parse(path: Path, *, fast: bool = True) -> _Collector:
    """Collect the file's elements: the vectorised scanner when the file allows it, else expat throughout."""
    if fast:
        try:
            return _parse_fast(path)
        except Exception:  # outside the scanner's subset, or bad input: expat decides and names the error
            pass
    return _parse_expat(path)


def _manifest(c: _Collector) -> dict[str, Any] | None:
    for kid, (dom, name, _type) in c.keys.items():
        if name == "graphmodel" and dom in ("graph", "all") and kid in c.graph_data:
            try:
                m = json.loads(c.graph_data[kid])
            except json.JSONDecodeError:
                return None
            if isinstance(m, dict) and m.get("format") == FORMAT:
                if m.get("version") != VERSION:
                    raise InputError(f"unsupported graphmodel manifest version {m.get('version')!r}", source=c.source)
                return m
    return None


def _column(
    c: _Collector,
    kid: str,
    store: tuple[array, list[str]] | None,
    rows: np.ndarray,
    pos: np.ndarray,
    kind: str | None,
    name: str,
    lines: array,
) -> np.ndarray:
    """Values of key ``kid`` for the elements ``rows`` (global element numbers; ``pos`` maps global -> local)."""
    n = len(rows)
    cells = np.full(n, c.defaults.get(kid, ""), dtype=object)
    present = np.zeros(n, dtype=bool)
    if store is not None and len(store[0]):
        idx = np.asarray(store[0], dtype=np.int64)
        vals = np.array(store[1], dtype=object)
        local = pos[idx]
        keep = local >= 0
        cells[local[keep]] = vals[keep]
        present[local[keep]] = True
    if kid in c.defaults:
        present[:] = True
    if kind is None:
        declared = _KIND_OF_TYPE.get(c.keys[kid][2].lower(), "str")
        has_missing = not present.all()
        if declared == "int" and has_missing:  # missing values need NaN: real, unless an integer would round
            declared = "float" if _ints_exact([cells[present].tolist()], ["int"]) else "str"
            if declared == "str":
                _warn(
                    f"{c.source}: integer attribute {name!r} has missing values and integers beyond 2**53; read as string"
                )
        elif declared == "bool" and has_missing:
            declared = "str"
        if declared == "int" and not _fits_int64(cells[present]):
            _warn(f"{c.source}: integer attribute {name!r} holds values beyond 64 bits; read as string")
            declared = "str"
        kind = declared
    if kind in ("int", "bool") and not present.all():
        i = int(np.argmax(~present))
        raise InputError(
            f"missing value of a {kind} attribute", source=c.source, line=int(lines[int(rows[i])]), field=name
        )

    def where(i: int) -> tuple[str, int | None]:
        return c.source, int(lines[int(rows[i])])

    if kind == "bool":
        low = np.array([str(v).strip().lower() for v in cells.tolist()], dtype=object)
        low[low == "1"] = "true"
        low[low == "0"] = "false"
        cells = low
    elif kind in ("int", "float") and n:
        quick = _quick_number(cells, kind)
        if quick is not None:
            return quick
        cells = np.array([str(v).strip() for v in cells.tolist()], dtype=object)
    return parse_column(cells, kind, name=name, where=where, numeric=kind in ("int", "float"))


def _quick_number(cells: np.ndarray, kind: str) -> np.ndarray | None:
    """``parse_column`` of the stripped cells when every cell parses as is (int()/float() ignore
    surrounding whitespace themselves); None when any does not, so the careful path names it."""
    try:
        if kind == "int":
            return cells.astype(np.int64)
        empty = cells == ""
        if empty.any():
            cells = cells.copy()
            cells[empty] = "nan"
        return cells.astype(np.float64)
    except (ValueError, TypeError, OverflowError):
        return None


def _normalised(t: np.ndarray) -> np.ndarray:
    """``t`` stripped and lower-cased (skipped when its few distinct values already are)."""
    if not len(t) or all(v == v.strip().lower() for v in set(t.tolist())):
        return t
    return np.char.lower(np.char.strip(t))


def read_graphml(path: str | os.PathLike[str]) -> Ecosystem:
    """Read GraphML written by :func:`write_graphml` (exactly) or by other tools (see module docs)."""
    path = Path(path)
    src = str(path)
    if not path.is_file():
        raise InputError("no such file", source=src)
    c = _parse(path)
    if not c.graph_depth:
        raise InputError("no <graph> element; expected a GraphML file", source=src)
    m = _manifest(c)
    mcols: dict[str, dict[str, str]] = (m or {}).get("columns", {})
    _skip_yfiles(c)
    node_keys = _merged_keys(c, "node")
    edge_keys = _merged_keys(c, "edge")
    by_name = {name: kid for kid, name in node_keys.items()}
    nn = len(c.node_ids)

    # Node types.
    if m:
        type_name = m.get("node_type", "type")
    else:
        type_name = "node_type" if "type" not in by_name and "node_type" in by_name else "type"
    ntype = np.zeros(nn, dtype=np.int8)  # 0 user, 1 merchant
    if type_name in by_name:
        kid = by_name[type_name]
        t = _column(c, kid, c.node_data.get(kid), np.arange(nn), np.arange(nn), "str", type_name, c.node_lines)
        t = _normalised(t)
        bad = ~np.isin(t, ["user", "merchant", ""])
        if bad.any():
            i = int(np.argmax(bad))
            raise InputError(
                f"node type {plain(t[i])!r}; expected user or merchant",
                source=src,
                line=int(c.node_lines[i]),
                field=type_name,
            )
        ntype[t == "merchant"] = 1
    gid = np.array(c.node_ids, dtype=object)
    if len(set(c.node_ids)) != nn:
        seen: set[str] = set()
        for i, v in enumerate(c.node_ids):
            if v in seen:
                raise InputError(f"duplicate node id {v!r}", source=src, line=int(c.node_lines[i]))
            seen.add(v)
    # Labels: label attribute, else id attribute, else GraphML id without its type prefix.
    label_key = by_name.get("label", by_name.get("id"))
    if label_key is not None:
        labels = _column(
            c, label_key, c.node_data.get(label_key), np.arange(nn), np.arange(nn), "str", "label", c.node_lines
        ).astype(object)
        nolabel = labels == ""
    else:
        labels = np.full(nn, "", dtype=object)
        nolabel = np.ones(nn, dtype=bool)
    if nolabel.any():
        stripped = [v.split(":", 1)[1] if v.startswith(("user:", "merchant:")) else v for v in gid[nolabel].tolist()]
        labels[nolabel] = stripped
    skip_node = {type_name} | ({node_keys[label_key]} if label_key is not None else set())

    tables: dict[str, Table] = {}
    local_index: dict[str, np.ndarray] = {}
    for k, kind_name in enumerate(NODE_TYPES):
        rows = np.flatnonzero(ntype == k)
        pos = np.full(nn, -1, dtype=np.int64)
        pos[rows] = np.arange(len(rows))
        local_index[kind_name] = pos
        cols: dict[str, np.ndarray] = {}
        kinds = mcols.get(kind_name)
        id_kind = kinds.get("id") if kinds else None
        ids = labels[rows]
        if id_kind is None:
            id_kind = infer_kind(ids, name="id") if len(ids) else "str"
        cols["id"] = parse_column(
            ids, id_kind, name="id", where=lambda i, _r=rows: (src, int(c.node_lines[int(_r[i])]))
        )
        if kinds is not None:
            wanted = [(name, by_name.get(name), kind) for name, kind in kinds.items() if name != "id"]
        else:
            wanted = []
            for kid, name in node_keys.items():
                if name in skip_node:
                    continue
                store = c.node_data.get(kid)
                has = kid in c.defaults or (
                    store is not None and len(store[0]) and (pos[np.asarray(store[0], dtype=np.int64)] >= 0).any()
                )
                if has:
                    wanted.append((name, kid, None))
        for name, kid, kind in wanted:
            if kid is None:
                cols[name] = (
                    np.full(len(rows), np.nan)
                    if kind == "float"
                    else (np.full(len(rows), "") if kind == "str" else None)
                )
                if cols[name] is None:
                    raise InputError(
                        f"manifest lists node column {name!r} but no key declares it", source=src, field=name
                    )
                continue
            cols[name] = _column(c, kid, c.node_data.get(kid), rows, pos, kind, name, c.node_lines)
        tables[kind_name] = Table(cols, name=kind_name, length=len(rows))

    # Edges.
    ne = len(c.edge_src)
    index = {v: i for i, v in enumerate(c.node_ids)}
    try:
        s = np.fromiter(map(index.__getitem__, c.edge_src), dtype=np.int64, count=ne)
        d = np.fromiter(map(index.__getitem__, c.edge_dst), dtype=np.int64, count=ne)
    except KeyError as exc:
        i = c.edge_src.index(exc.args[0]) if exc.args[0] in c.edge_src else c.edge_dst.index(exc.args[0])
        raise InputError(f"edge names unknown node {exc.args[0]!r}", source=src, line=int(c.edge_lines[i])) from None
    ebyname = {name: kid for kid, name in edge_keys.items()}
    if "layer" in ebyname:
        kid = ebyname["layer"]
        lay = _column(c, kid, c.edge_data.get(kid), np.arange(ne), np.arange(ne), "str", "layer", c.edge_lines)
        lay = _normalised(lay)
        lay[lay == ""] = "social"
    else:
        lay = np.full(ne, "social")
    bad = ~np.isin(lay, list(LAYERS))
    if bad.any():
        i = int(np.argmax(bad))
        raise InputError(
            f"edge layer {plain(lay[i])!r}; expected one of {', '.join(LAYERS)}",
            source=src,
            line=int(c.edge_lines[i]),
            field="layer",
        )
    mirror_name = m.get("mirror", MIRROR) if m else MIRROR
    folded = False  # an attribute of that name that marks no arc stays a column
    if mirror_name in ebyname:
        kid = ebyname[mirror_name]
        flag = _normalised(
            _column(c, kid, c.edge_data.get(kid), np.arange(ne), np.arange(ne), "str", mirror_name, c.edge_lines)
        )
        mirror = ((flag == "true") | (flag == "1")) & (lay == "social")
        if mirror.any():
            folded = True
            lay = lay.astype(object)
            lay[mirror_rows(s, d, lay == "social", mirror, nn, src)] = "(mirror)"
    st, dt = ntype[s] if ne else s, ntype[d] if ne else d
    layers: dict[str, Table] = {}
    for layer in LAYERS:
        rows = np.flatnonzero(lay == layer)
        a, b, ok, want = orient_ends(layer, s[rows], d[rows], st[rows], dt[rows])
        if not ok.all():
            i = int(rows[int(np.argmax(~ok))])
            raise InputError(f"a {layer} edge must join {want}", source=src, line=int(c.edge_lines[i]), field="layer")
        pos = np.full(ne, -1, dtype=np.int64)
        pos[rows] = np.arange(len(rows))
        src_end, dst_end = LAYER_ENDS[layer]
        cols = {"src": local_index[src_end][a], "dst": local_index[dst_end][b]}
        kinds = mcols.get(layer)
        if kinds is not None:
            wanted = [(name, ebyname.get(name), kind) for name, kind in kinds.items() if name not in ("src", "dst")]
        else:
            wanted = []
            for kid, name in edge_keys.items():
                if name == "layer" or (folded and name == mirror_name):
                    continue
                store = c.edge_data.get(kid)
                has = kid in c.defaults or (
                    store is not None and len(store[0]) and (pos[np.asarray(store[0], dtype=np.int64)] >= 0).any()
                )
                if has:
                    wanted.append((name, kid, None))
        for name, kid, kind in wanted:
            if kid is None:
                if kind not in ("float", "str"):
                    raise InputError(
                        f"manifest lists edge column {name!r} but no key declares it", source=src, field=name
                    )
                cols[name] = np.full(len(rows), np.nan) if kind == "float" else np.full(len(rows), "")
                continue
            cols[name] = _column(c, kid, c.edge_data.get(kid), rows, pos, kind, name, c.edge_lines)
        for col in ("count", "amount"):
            if col in cols and cols[col].dtype.kind in "if" and (cols[col] < 0).any():
                i = int(rows[int(np.argmax(cols[col] < 0))])
                raise InputError(
                    f"expected a value >= 0, got {cols[col][int(np.argmax(cols[col] < 0))]}",
                    source=src,
                    line=int(c.edge_lines[i]),
                    field=col,
                )
        layers[layer] = Table(cols, name=layer, length=len(rows))
    directed = bool(m.get("social_directed", False)) if m else c.edgedefault != "undirected"
    meta = dict((m or {}).get("meta", {}))
    for name, value in _graph_attributes(c, m is not None).items():
        meta.setdefault(name, value)
    return Ecosystem.from_tables({**tables, **layers}, social_directed=directed, meta=meta, source=src)
