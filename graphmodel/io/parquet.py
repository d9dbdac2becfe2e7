"""A directory of Parquet tables with a JSON manifest (``eco.parquet/``); needs ``pyarrow``.

Layout (see docs/formats.md)::

    users.parquet       id, <attributes...>
    merchants.parquet   id, <attributes...>
    social.parquet      src, dst, <attributes...>     src/dst: user row numbers (0-based)
    payments.parquet    src, dst, <attributes...>     src: user row, dst: merchant row
    transfers.parquet   src, dst, <attributes...>
    manifest.json       {"format": "graphmodel-parquet", "version": 1, "social_directed": ...,
                         "meta": {...}, "columns": {table: {column: numpy dtype}}, "rows": {...}}

Edge ends are row numbers into the node tables, as in the ``.npz`` snapshot,
so reading is a few bulk conversions (a join on ``users.parquet``'s row number
gives the labels in any other tool). String columns are stored
dictionary-encoded; every column comes back with its exact numpy dtype.

A directory of Parquet files *without* a manifest is an analyst's export:
it is read by the rules of :func:`graphmodel.io.frames.from_frames`, with
labels in ``id``, ``src``/``dst`` and ``user``/``merchant`` (event-level
payments with a ``time`` column are aggregated).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from graphmodel.ecosystem import LAYERS, NODE_TYPES, Ecosystem
from graphmodel.errors import InputError
from graphmodel.io.atomic import atomic_dir, foreign_entries
from graphmodel.io.csvdir import TABLE_FILES, dump_json
from graphmodel.table import Table

__all__ = ["read_parquet_dir", "write_parquet_dir", "read_parquet_table", "FORMAT", "VERSION"]

FORMAT = "graphmodel-parquet"
VERSION = 1
MANIFEST = "manifest.json"


def _pyarrow() -> tuple[Any, Any]:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:  # pragma: no cover - the extra is installed in CI
        raise InputError("Parquet needs pyarrow: pip install 'graphmodel[parquet]'", field="format") from None
    return pa, pq


# --------------------------------------------------------------------------- writing
def _arrow_column(pa: Any, values: np.ndarray) -> Any:
    k = values.dtype.kind
    if k == "U":
        return pa.array(values, type=pa.string()).dictionary_encode()
    if k in "iu" and values.size:
        lo, hi = int(values.min()), int(values.max())
        if np.iinfo(np.int32).min <= lo and hi <= np.iinfo(np.int32).max:
            return pa.array(values.astype(np.int32))
    return pa.array(values)


def write_parquet_dir(eco: Ecosystem, path: str | os.PathLike[str], *, compress: bool = False) -> None:
    """Write ``eco`` as a directory of Parquet tables (atomically: a temporary directory renamed into place).

    ``compress=True`` uses zstd instead of the default snappy (smaller, slower).

    Examples
    --------
    >>> import tempfile, graphmodel as gm
    >>> eco = gm.Ecosystem.from_labels(users={"id": ["a", "b"]}, social={"src": ["a"], "dst": ["b"]})
    >>> d = tempfile.mkdtemp() + "/eco.parquet"
    >>> write_parquet_dir(eco, d); read_parquet_dir(d).equals(eco)
    True
    """
    pa, pq = _pyarrow()
    target = Path(path)
    if target.is_dir() and any(target.iterdir()) and not (target / MANIFEST).exists():
        raise InputError(
            "exists and is not a graphmodel Parquet directory (no manifest.json); refusing to replace it",
            source=str(target),
        )
    foreign = foreign_entries(target, {MANIFEST} | {f"{stem}.parquet" for stem in TABLE_FILES.values()})
    if foreign:
        raise InputError(
            f"holds files graphmodel did not write ({', '.join(foreign[:5])}"
            f"{', ...' if len(foreign) > 5 else ''}); refusing to replace it: move them or write elsewhere",
            source=str(target),
        )
    columns: dict[str, dict[str, str]] = {}
    rows: dict[str, int] = {}
    for table, t in eco.tables().items():
        columns[TABLE_FILES[table]] = {k: v.dtype.str for k, v in t.items()}
        rows[TABLE_FILES[table]] = len(t)
    manifest = {
        "format": FORMAT,
        "version": VERSION,
        "social_directed": eco.social_directed,
        "meta": eco.meta,
        "columns": columns,
        "rows": rows,
    }
    text = json.dumps(json.loads(dump_json(manifest)), indent=2, ensure_ascii=False) + "\n"
    with atomic_dir(target) as tmp:
        for table, t in eco.tables().items():
            arrays = {k: _arrow_column(pa, v) for k, v in t.items()}
            pq.write_table(
                pa.table(arrays), tmp / f"{TABLE_FILES[table]}.parquet", compression="zstd" if compress else "snappy"
            )
        (tmp / MANIFEST).write_text(text, encoding="utf-8")


# --------------------------------------------------------------------------- reading
def read_parquet_table(path: str | os.PathLike[str], *, required: tuple[str, ...] = ()) -> Any:
    """One Parquet file as a ``pyarrow.Table``; not Parquet, or a missing required column, is one-line :class:`InputError`."""
    pa, pq = _pyarrow()
    src = str(path)
    if not Path(path).is_file():
        raise InputError("no such file", source=src)
    try:
        table = pq.read_table(path)
    except (pa.ArrowInvalid, pa.ArrowIOError, OSError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(f"not a readable Parquet file ({first})", source=src) from None
    for col in required:
        if col not in table.column_names:
            raise InputError(
                f"missing required column {col!r}; the file has {', '.join(table.column_names)}", source=src, field=col
            )
    return table


def _numpy_column(pa: Any, chunked: Any, dtype: np.dtype, src: str, col: str) -> np.ndarray:
    out = _numpy_values(pa, chunked, dtype, src, col)
    out.flags.writeable = False  # a Table keeps read-only arrays as they are (no second copy)
    return out


def _numpy_values(pa: Any, chunked: Any, dtype: np.dtype, src: str, col: str) -> np.ndarray:
    arr = chunked.combine_chunks()
    if arr.null_count:
        raise InputError(
            f"{arr.null_count} missing value(s); a graphmodel Parquet table has none", source=src, field=col
        )
    if dtype.kind == "U":
        if pa.types.is_dictionary(arr.type):
            values = arr.dictionary.to_numpy(zero_copy_only=False).astype(dtype)
            return values[arr.indices.to_numpy(zero_copy_only=False)]
        return arr.to_numpy(zero_copy_only=False).astype(dtype)
    out = arr.to_numpy(zero_copy_only=False)
    if out.dtype.kind not in "biuf":
        raise InputError(f"stored as {arr.type}, manifest says {dtype}", source=src, field=col)
    return out.astype(dtype) if out.dtype != dtype else out.copy() if not out.flags.owndata else out


def read_parquet_dir(
    path: str | os.PathLike[str],
    *,
    strict: bool = False,
    duplicates: str = "merge",
    social_directed: bool | None = None,
) -> Ecosystem:
    """Read an ecosystem from a directory of Parquet tables.

    With a ``manifest.json`` (every directory :func:`write_parquet_dir`
    writes) the tables come back exactly. Without one, the files are an
    analyst's export, read by the rules of
    :func:`graphmodel.io.frames.from_frames` (``strict``, ``duplicates`` and
    ``social_directed`` apply there only).
    """
    pa, _pq = _pyarrow()
    directory = Path(path)
    if not directory.is_dir():
        raise InputError(
            "not a directory; expected a folder of Parquet tables (users.parquet, ...)", source=str(directory)
        )
    mpath = directory / MANIFEST
    if not mpath.exists():
        return _read_export(directory, strict=strict, duplicates=duplicates, social_directed=bool(social_directed))
    try:
        manifest = json.loads(mpath.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(
            f"not valid JSON ({getattr(exc, 'msg', exc)})", source=str(mpath), line=getattr(exc, "lineno", None)
        ) from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise InputError(f'expected a JSON object with "format": "{FORMAT}"', source=str(mpath), field="format")
    if manifest.get("version") != VERSION:
        raise InputError(
            f"unsupported version {manifest.get('version')!r}; this graphmodel reads version {VERSION}",
            source=str(mpath),
            field="version",
        )
    columns = manifest.get("columns")
    if not isinstance(columns, dict):
        raise InputError('"columns" must be a JSON object', source=str(mpath), field="columns")
    tables: dict[str, Table] = {}
    for table in (*NODE_TYPES, *LAYERS):
        stem = TABLE_FILES[table]
        f = directory / f"{stem}.parquet"
        want = columns.get(stem, {})
        if not isinstance(want, dict):
            raise InputError(f"columns of {stem!r} must be an object", source=str(mpath), field="columns")
        data = read_parquet_table(f, required=tuple(want))
        cols = {}
        for col, dt in want.items():
            try:
                dtype = np.dtype(dt)
            except TypeError:
                raise InputError(f"bad dtype {dt!r}", source=str(mpath), field=col) from None
            cols[col] = _numpy_column(pa, data.column(col), dtype, str(f), col)
        try:
            tables[table] = Table(cols, name=table, length=data.num_rows)
        except InputError as exc:
            raise InputError(exc.message, source=str(f), field=exc.field) from None
    return Ecosystem.from_tables(
        tables,
        social_directed=bool(manifest.get("social_directed", False)),
        meta=manifest.get("meta", {}),
        source=str(directory),
    )


def _read_export(directory: Path, *, strict: bool, duplicates: str, social_directed: bool) -> Ecosystem:
    from graphmodel.io.frames import from_frames

    given: dict[str, Any] = {}
    sources: dict[str, str] = {}
    required = {
        "users": ("id",),
        "merchants": ("id",),
        "social": ("src", "dst"),
        "payments": ("user", "merchant"),
        "transfers": ("src", "dst"),
    }
    for stem, req in required.items():
        f = directory / f"{stem}.parquet"
        if f.exists():
            given[stem] = read_parquet_table(f, required=req)
            sources[stem] = str(f)
    if "users" not in given:
        raise InputError("missing users.parquet (and no manifest.json)", source=str(directory))
    return from_frames(**given, strict=strict, duplicates=duplicates, social_directed=social_directed, sources=sources)
