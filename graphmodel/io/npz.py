"""The ``.npz`` snapshot: every column as plain numpy arrays, no pickle.

Layout (version 2). Columns are stored by position, ``<table>/<i>`` (``user/0``,
``payment/4``, ...; column names may hold any character), plus
``__manifest__``: the JSON manifest (format, version, social_directed, meta,
column names, row counts and one encoding per column) as a uint8 array.
Each column is stored with one of three codecs, so that the file is small
and reading stays a few bulk numpy operations:

``dict``
    String columns: the sorted distinct values in ``<table>/<i>/values``
    (one byte per character, ``S``, when all are ASCII; ``U`` otherwise) and
    one code per row in ``<table>/<i>`` (the smallest unsigned integer
    type that fits). ``""`` (a missing string) is a value like any other.
    The manifest keeps the column's exact unicode dtype (``<U13``).
``narrow``
    Integer columns whose values fit a smaller integer type (``count`` in
    uint8, edge ends in int32, ...), widened back to int64 on reading.
``plain``
    Everything else (floats, booleans, wide integers) as is.

Version 1 files (every column as is, fixed-width unicode strings included)
still load. Loading uses ``allow_pickle=False``; writing is atomic and
uncompressed by default, because reading speed matters most: for a generated
ecosystem of 1M users and 10M edges the file is 192 MiB (596 MiB in version
1) and reads in about 0.35 s; ``compress=True`` makes it 73 MiB but reading
takes about twice as long and writing seven times as long (1.5 s -> 11 s;
``benchmarks/bench_io.py --npz-compress``).
"""

from __future__ import annotations

import json
import os
import zipfile
import zlib
from pathlib import Path
from typing import Any

import numpy as np

from graphmodel.ecosystem import LAYERS, NODE_TYPES, Ecosystem
from graphmodel.errors import InputError
from graphmodel.io.atomic import atomic_path
from graphmodel.io.csvdir import dump_json
from graphmodel.table import Table, as_column

__all__ = ["read_npz", "write_npz", "FORMAT", "VERSION"]

FORMAT = "graphmodel-npz"
#: Version written; :func:`read_npz` reads this one and every earlier one.
VERSION = 2
_READABLE = (1, 2)
_MANIFEST = "__manifest__"
_VALUES = "/values"
_CODEC_TYPES = (np.uint8, np.uint16, np.uint32, np.uint64)
# Exceptions numpy/zipfile raise on a damaged archive or member.
_DAMAGED = (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, KeyError)


def _why(exc: BaseException) -> str:
    """Why an array could not be read, in the reader's words (never numpy's advice to load pickles)."""
    if isinstance(exc, ValueError) and "pickle" in str(exc):
        return "it holds Python objects (pickled data), which graphmodel never loads from a file"
    return f"{type(exc).__name__}: {exc}"


# -- writing -------------------------------------------------------------------
def _distinct(values: np.ndarray) -> np.ndarray:
    """Sorted distinct values (a hash pass first where numpy has one: far faster than sorting every row)."""
    try:
        found = np.unique(values, sorted=False)
    except TypeError:  # numpy < 2.3: no hash-based unique
        return np.unique(values)
    return np.sort(found)


def _encode(values: np.ndarray) -> tuple[dict[str, Any], np.ndarray, np.ndarray | None]:
    """(encoding spec, main array, distinct values or None) for one column."""
    kind = values.dtype.kind
    spec: dict[str, Any] = {"dtype": values.dtype.str}
    if kind == "U":
        distinct = _distinct(values)
        code_type = next(t for t in _CODEC_TYPES if len(distinct) <= np.iinfo(t).max + 1)
        codes = np.searchsorted(distinct, values).astype(code_type, copy=False)
        try:
            stored = distinct.astype(f"S{max(distinct.dtype.itemsize // 4, 1)}")  # ASCII: 1 byte a character
        except UnicodeEncodeError:
            stored = distinct
        return {**spec, "codec": "dict"}, codes, stored
    if kind in "iu" and values.size:
        small = np.result_type(np.min_scalar_type(values.min()), np.min_scalar_type(values.max()))
        if small.kind in "iu" and small.itemsize < values.dtype.itemsize:
            return {**spec, "codec": "narrow"}, values.astype(small), None
    return {**spec, "codec": "plain"}, values, None


def write_npz(eco: Ecosystem, path: str | os.PathLike[str], *, compress: bool = False) -> None:
    """Write ``eco`` as an ``.npz`` snapshot (atomically).

    Parameters
    ----------
    eco
        The ecosystem.
    path
        Target file; replaced only once the new file is complete.
    compress
        Deflate every array (``np.savez_compressed``): a generated ecosystem
        shrinks to about 40%, but reading takes twice as long and writing
        seven times as long.

    Examples
    --------
    >>> import tempfile, graphmodel as gm
    >>> eco = gm.Ecosystem.from_labels(users={"id": ["a", "b"]}, social={"src": ["a"], "dst": ["b"]})
    >>> f = tempfile.mkdtemp() + "/eco.npz"
    >>> write_npz(eco, f); read_npz(f).equals(eco)
    True
    """
    arrays: dict[str, np.ndarray] = {}
    columns: dict[str, list[str]] = {}
    encoding: dict[str, list[dict[str, Any]]] = {}
    for table, t in eco.tables().items():
        columns[table] = list(t.columns)
        encoding[table] = []
        for i, (_name, values) in enumerate(t.items()):
            spec, main, distinct = _encode(values)
            encoding[table].append(spec)
            arrays[f"{table}/{i}"] = main
            if distinct is not None:
                arrays[f"{table}/{i}{_VALUES}"] = distinct
    manifest = {
        "format": FORMAT,
        "version": VERSION,
        "social_directed": eco.social_directed,
        "meta": eco.meta,
        "columns": columns,
        "rows": {table: len(eco.nodes(table)) if table in NODE_TYPES else eco.n_edges(table) for table in columns},
        "encoding": encoding,
    }
    arrays[_MANIFEST] = np.frombuffer(dump_json(manifest).encode("utf-8"), dtype=np.uint8)
    save = np.savez_compressed if compress else np.savez
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as fh:
            save(fh, **arrays)


# -- reading -------------------------------------------------------------------
class _Reader:
    """One open snapshot: loads arrays by name, every failure an InputError naming the file and the array."""

    def __init__(self, z: Any, src: str) -> None:
        self.z, self.src = z, src

    def fail(self, message: str, *, field: str | None = None) -> InputError:
        return InputError(message, source=self.src, field=field)

    def array(self, key: str, field: str) -> np.ndarray:
        if key not in self.z.files:
            raise self.fail(f"missing array {key!r}", field=field)
        try:
            arr = self.z[key]
        except _DAMAGED as exc:
            raise self.fail(f"array {key!r} is unreadable ({_why(exc)})", field=field) from None
        if arr.ndim != 1:
            raise self.fail(f"array {key!r}: expected 1-D, got shape {arr.shape}", field=field)
        return arr

    def plain(self, key: str, field: str, arr: np.ndarray | None = None) -> np.ndarray:
        """A column stored as is (every column of a version 1 file; floats and booleans in version 2)."""
        arr = self.array(key, field) if arr is None else arr
        if arr.dtype.kind not in "biufU":
            raise self.fail(f"array {key!r}: unsupported column type {arr.dtype}", field=field)
        arr.flags.writeable = False
        return as_column(arr, name=field, source=self.src)

    def column(self, key: str, field: str, spec: Any) -> np.ndarray:
        """A version 2 column, decoded to exactly the array that was written."""
        if not isinstance(spec, dict) or spec.get("codec") not in ("plain", "narrow", "dict"):
            raise self.fail(f"manifest: bad encoding for array {key!r}: {spec!r}", field=field)
        try:
            dtype = np.dtype(spec.get("dtype"))
        except (TypeError, ValueError):
            raise self.fail(f"manifest: bad dtype {spec.get('dtype')!r} for array {key!r}", field=field) from None
        codec = spec["codec"]
        if codec == "plain":
            arr = self.array(key, field)
            if arr.dtype != dtype:
                raise self.fail(f"array {key!r}: stored as {arr.dtype}, manifest says {dtype}", field=field)
            return self.plain(key, field, arr) if dtype.kind in "bif" else self._bad_kind(key, field, dtype, codec)
        if codec == "narrow":
            if dtype.kind != "i":
                return self._bad_kind(key, field, dtype, codec)
            arr = self.array(key, field)
            if arr.dtype.kind not in "iu" or not np.can_cast(arr.dtype, dtype, casting="safe"):
                raise self.fail(f"array {key!r}: {arr.dtype} cannot hold {dtype} values", field=field)
            out = arr.astype(dtype)
            out.flags.writeable = False
            return as_column(out, name=field, source=self.src)
        # dict
        if dtype.kind != "U":
            return self._bad_kind(key, field, dtype, codec)
        codes = self.array(key, field)
        values = self.array(key + _VALUES, field)
        if codes.dtype.kind not in "iu":
            raise self.fail(f"array {key!r}: codes must be integers, got {codes.dtype}", field=field)
        if codes.size and (codes.min() < 0 or codes.max() >= len(values)):
            raise self.fail(
                f"array {key!r}: codes outside 0..{len(values) - 1} (the values in {key + _VALUES!r})", field=field
            )
        if values.dtype.kind == "S":
            try:
                values = values.astype(f"U{max(values.dtype.itemsize, 1)}")
            except UnicodeDecodeError:
                raise self.fail(f"array {key + _VALUES!r}: values are not ASCII", field=field) from None
        elif values.dtype.kind != "U":
            raise self.fail(f"array {key + _VALUES!r}: expected strings, got {values.dtype}", field=field)
        if (
            values.size
            and values.dtype.itemsize > dtype.itemsize
            and np.char.str_len(values).max() > dtype.itemsize // 4
        ):
            raise self.fail(f"array {key + _VALUES!r}: values longer than the column type {dtype}", field=field)
        out = values.astype(dtype)[codes]
        out.flags.writeable = False
        return out

    def _bad_kind(self, key: str, field: str, dtype: np.dtype, codec: str) -> np.ndarray:
        raise self.fail(f"manifest: codec {codec!r} cannot hold {dtype} values (array {key!r})", field=field)


def _table_names(manifest: dict[str, Any], src: str) -> dict[str, list[str]]:
    columns = manifest.get("columns")
    if not isinstance(columns, dict):
        raise InputError('manifest: expected "columns": {table: [names]}', source=src, field="columns")
    out = {}
    for table in (*NODE_TYPES, *LAYERS):
        names = columns.get(table, [])
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise InputError(f"manifest: columns of {table!r} must be a list of names", source=src, field="columns")
        out[table] = names
    return out


def read_npz(path: str | os.PathLike[str]) -> Ecosystem:
    """Read an ``.npz`` snapshot written by :func:`write_npz` (this version or an earlier one).

    A truncated, corrupt or foreign file raises :class:`InputError` naming the
    file and, where it is one array that is wrong, the array and its column.
    """
    path = Path(path)
    src = str(path)
    if not path.is_file():
        raise InputError("no such file", source=src)
    try:
        z = np.load(path, allow_pickle=False)
        if not hasattr(z, "files"):
            raise InputError("not a graphmodel snapshot (a single .npy array, not an .npz archive)", source=src)
        with z:
            if _MANIFEST not in z.files:
                raise InputError(f"not a graphmodel snapshot (no {_MANIFEST} array)", source=src)
            try:
                manifest = json.loads(z[_MANIFEST].tobytes().decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                raise InputError(f"corrupt manifest: {exc}", source=src) from None
            if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
                raise InputError(f'manifest: expected "format": "{FORMAT}"', source=src)
            version = manifest.get("version")
            if version not in _READABLE:
                raise InputError(
                    f"unsupported version {version!r}; this graphmodel reads {', '.join(map(str, _READABLE))}",
                    source=src,
                )
            reader = _Reader(z, src)
            rows = manifest.get("rows", {})
            encoding = manifest.get("encoding", {}) if version >= 2 else {}
            if not isinstance(rows, dict) or not isinstance(encoding, dict):
                raise InputError('manifest: "rows" and "encoding" must be objects', source=src)
            tables = {}
            for table, names in _table_names(manifest, src).items():
                specs = encoding.get(table, []) if version >= 2 else None
                if specs is not None and (not isinstance(specs, list) or len(specs) != len(names)):
                    raise InputError(
                        f"manifest: {table!r} has {len(names)} columns but no encoding for each",
                        source=src,
                        field="encoding",
                    )
                cols = {}
                for i, name in enumerate(names):
                    key = f"{table}/{i}"
                    cols[name] = reader.plain(key, name) if specs is None else reader.column(key, name, specs[i])
                n = rows.get(table)
                if n is not None and (not isinstance(n, int) or isinstance(n, bool) or n < 0):
                    raise InputError(
                        f"manifest: rows of {table!r} must be a count, got {n!r}", source=src, field="rows"
                    )
                try:
                    tables[table] = Table(cols, name=table, length=n)
                except InputError as exc:
                    raise InputError(f"table {table!r}: {exc.message}", source=src, field=exc.field) from None
    except InputError:
        raise
    except _DAMAGED as exc:
        if isinstance(exc, ValueError) and "pickle" in str(exc):
            raise InputError(f"not a graphmodel snapshot: {_why(exc)}", source=src) from None
        raise InputError(f"truncated or corrupt .npz snapshot ({_why(exc)})", source=src) from None
    return Ecosystem.from_tables(
        tables, social_directed=bool(manifest.get("social_directed", False)), meta=manifest.get("meta", {}), source=src
    )
