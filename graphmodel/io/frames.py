"""Ecosystems from the tables analysts hold: pandas DataFrames and Arrow tables.

:func:`from_frames` applies the CSV reader's rules (see docs/formats.md) to
in-memory tables, with the same quality of error: the
table (argument name), the row (0-based position) and the column.

* Columns keep their type: int, float, bool, str (Arrow dictionaries and
  pandas categoricals are decoded, timestamps become unix seconds).
* Integers with missing values (pandas ``Int64``, Arrow ints with nulls) keep
  their identity as text ids (``"334"``, missing ``""``) with a warning;
  the known numeric columns (``count``, ``amount``, ...) become float.
* A column of numbers holding a few stray non-numbers (pandas ``object``
  columns) is read as float with the strays missing, with a warning naming
  the table, row, column and value (an error with ``strict=True``).
* Event-level ``payments`` (a ``time`` column) are aggregated into one edge
  per (user, merchant); duplicate rows of edge-level tables are merged by the
  rules of :func:`graphmodel.io.events.merge_duplicate_edges`, counted in a
  warning and in ``meta["duplicates"]``.

Neither pandas nor pyarrow is imported unless the argument is one of theirs.
"""

from __future__ import annotations

import math
import numbers
import sys
import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np

from graphmodel.ecosystem import Ecosystem
from graphmodel.errors import GraphModelWarning, InputError
from graphmodel.io._kinds import KNOWN_NUMERIC, STRAY_SHARE, first_duplicate, plain
from graphmodel.io._labels import from_labels_fast
from graphmodel.io.csvdir import merge_layers
from graphmodel.io.events import DUPLICATE_RULES, aggregate_payment_events
from graphmodel.table import Table

__all__ = ["from_frames", "frame_to_table"]

#: Argument name -> (table name inside the Ecosystem, required columns).
_TABLES = {
    "users": ("user", ("id",)),
    "merchants": ("merchant", ("id",)),
    "social": ("social", ("src", "dst")),
    "payments": ("payment", ("user", "merchant")),
    "transfers": ("transfer", ("src", "dst")),
}
#: Columns naming nodes: a missing value there is an error, never a guess.
_ID_COLUMNS = frozenset({"id", "src", "dst", "user", "merchant"})


def from_frames(
    *,
    users: Any = None,
    merchants: Any = None,
    social: Any = None,
    payments: Any = None,
    transfers: Any = None,
    social_directed: bool = False,
    meta: Mapping[str, Any] | None = None,
    duplicates: str = "merge",
    strict: bool = False,
    sources: Mapping[str, str] | None = None,
) -> Ecosystem:
    """Build an :class:`~graphmodel.ecosystem.Ecosystem` from pandas DataFrames or Arrow tables.

    Parameters
    ----------
    users, merchants
        Node tables with an ``id`` column (unique; int or str). ``merchants``
        may be omitted (no merchants).
    social, transfers
        Edge tables with ``src`` and ``dst`` (user ids).
    payments
        ``user`` and ``merchant`` ids; one row per (user, merchant) edge, or,
        with a ``time`` column, one row per payment event (aggregated: count,
        summed amount, first/last time; see
        :func:`graphmodel.io.events.aggregate_payment_events`).
    social_directed
        Whether social ties are directed (trust) or undirected (friendship).
    meta
        Free-form JSON-ready metadata.
    duplicates
        ``"merge"`` (default) or ``"keep"`` rows that join the same pair of
        nodes; see :func:`graphmodel.io.events.merge_duplicate_edges`.
    strict
        Make a stray non-numeric value in a numeric column an error.
    sources
        Argument name -> what to call that table in messages (e.g. the file it
        was read from); default: the argument name.

    Each table may be a ``pandas.DataFrame``, a ``pyarrow.Table`` (or
    ``RecordBatch``) or a mapping of column name to array.

    Raises
    ------
    InputError
        Naming the table, the row (0-based) and the column: a missing required
        column, a missing or unknown id, a value of the wrong type, a negative
        count or amount, a duplicate node id.

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as w:
    ...     warnings.simplefilter("always")
    ...     eco = from_frames(users={"id": [1, 2, 3]}, social={"src": [1, 2, 2], "dst": [2, 1, 3]})
    >>> eco.n_edges("social"), eco.meta["duplicates"]["social"]["reverse"]
    (2, 1)
    """
    if duplicates not in DUPLICATE_RULES:
        raise InputError(f"expected one of {', '.join(DUPLICATE_RULES)}, got {duplicates!r}", field="duplicates")
    given = {"users": users, "merchants": merchants, "social": social, "payments": payments, "transfers": transfers}
    if users is None:
        raise InputError("a users table is required (a table with an 'id' column)", field="users")
    label = {arg: str((sources or {}).get(arg, arg)) for arg in given}
    tables: dict[str, Table | None] = {}
    for arg, data in given.items():
        _name, required = _TABLES[arg]
        tables[arg] = None if data is None else frame_to_table(data, name=label[arg], required=required, strict=strict)
    meta = dict(meta or {})
    pay = tables["payments"]
    if pay is not None and len(pay) and merchants is None:
        raise InputError(
            "payments name merchants, but no merchants table was given", source=label["payments"], field="merchant"
        )
    if pay is not None and "time" in pay:
        tcol = pay["time"]
        if tcol.dtype.kind == "f" and np.isnan(tcol).any():
            raise InputError(
                f"row {int(np.argmax(np.isnan(tcol)))}: missing time", source=label["payments"], field="time"
            )
        agg, n_events = aggregate_payment_events(pay, user="user", merchant="merchant", source=label["payments"])
        tables["payments"] = agg
        meta["payment_events"] = int(n_events)
    for arg in ("users", "merchants"):
        t = tables[arg]
        if t is not None:
            _check_unique_ids(t, label[arg])
    layer_of = {"social": "social", "payments": "payment", "transfers": "transfer"}
    try:
        eco = from_labels_fast(
            _node_table(tables["users"], "user"),
            _node_table(tables["merchants"], "merchant"),
            social=tables["social"],
            payment=tables["payments"],
            transfer=tables["transfers"],
            social_directed=social_directed,
            meta=meta,
        )
    except InputError as exc:
        # from_labels names the layer ("payment"); name the table as the caller knows it.
        arg = next((a for a, layer in layer_of.items() if layer == exc.source), None)
        if arg is None:
            raise
        raise InputError(exc.message, source=label[arg], line=exc.line, field=exc.field) from None
    return merge_layers(eco, rule=duplicates, sources={layer: label[a] for a, layer in layer_of.items()})


def frame_to_table(data: Any, *, name: str, required: tuple[str, ...] = (), strict: bool = False) -> Table:
    """A :class:`~graphmodel.table.Table` from a pandas DataFrame, an Arrow table or a mapping of arrays.

    ``name`` is the table's name in error messages; ``required`` columns must
    be present. See the module docstring for the conversion rules.
    """
    columns = _columns_of(data, name)
    for col in required:
        if col not in columns:
            raise InputError(
                f"missing required column {col!r}; the table has {', '.join(map(str, columns)) or 'no columns'}",
                source=name,
                field=col,
            )
    out: dict[str, np.ndarray] = {}
    n = None
    for col, (values, missing) in columns.items():
        if not isinstance(col, str) or not col:
            raise InputError(f"column names must be non-empty strings, got {col!r}", source=name)
        arr = _convert(values, missing, table=name, col=col, strict=strict)
        if n is not None and len(arr) != n:
            raise InputError(f"column has {len(arr)} values, expected {n}", source=name, field=col)
        n = len(arr)
        out[col] = arr
    return Table(out, name=name, length=n)


def _from_frames_method(cls: type[Ecosystem], **tables: Any) -> Ecosystem:
    """Build from pandas DataFrames or Arrow tables: ``users=``, ``merchants=``, ``social=``, ``payments=``, ``transfers=``.

    The CSV reader's rules and error quality (table, row, column); see
    :func:`graphmodel.io.frames.from_frames` for every option.
    """
    return from_frames(**tables)


# The Ecosystem's constructor from frames lives here, beside the reader it calls (ecosystem.py imports nothing above it).
Ecosystem.from_frames = classmethod(_from_frames_method)


# --------------------------------------------------------------------------- helpers
def _columns_of(data: Any, name: str) -> dict[Any, tuple[np.ndarray, np.ndarray | None]]:
    """Column -> (values, missing mask or None), whatever the table type."""
    mod = type(data).__module__.split(".")[0]
    if mod == "pyarrow":
        import pyarrow as pa

        if isinstance(data, pa.RecordBatch):
            data = pa.Table.from_batches([data])
        if not isinstance(data, pa.Table):
            raise InputError(f"expected a pyarrow Table, got {type(data).__name__}", source=name)
        return {col: _arrow_column(data.column(col), name, col) for col in data.column_names}
    if mod == "pandas":
        import pandas as pd

        if not isinstance(data, pd.DataFrame):
            raise InputError(f"expected a DataFrame, got {type(data).__name__}", source=name)
        if not data.columns.is_unique:
            dup = data.columns[data.columns.duplicated()][0]
            raise InputError("duplicate column name", source=name, field=str(dup))
        return {col: _pandas_column(data[col]) for col in data.columns}
    if isinstance(data, Table):
        return {k: (v, None) for k, v in data.items()}
    if isinstance(data, Mapping):
        return {k: (np.asarray(v), None) for k, v in data.items()}
    raise InputError(
        f"expected a pandas DataFrame, a pyarrow Table or a mapping of columns, got {type(data).__name__}", source=name
    )


def _pandas_column(s: Any) -> tuple[np.ndarray, np.ndarray | None]:
    import pandas as pd

    dtype = s.dtype
    missing = s.isna().to_numpy()
    has_missing = bool(missing.any())
    if isinstance(dtype, pd.CategoricalDtype):
        return s.astype(object).to_numpy(), missing if has_missing else None
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return _seconds(
            s.to_numpy(dtype="datetime64[ns]", na_value=np.datetime64("NaT"))
        ), missing if has_missing else None
    if pd.api.types.is_bool_dtype(dtype):
        return (s.to_numpy(dtype=bool, na_value=False), missing if has_missing else None)
    if pd.api.types.is_integer_dtype(dtype):
        return s.to_numpy(dtype=np.int64, na_value=0), missing if has_missing else None
    if pd.api.types.is_float_dtype(dtype):
        return s.to_numpy(dtype=np.float64, na_value=np.nan), None
    values = s.to_numpy(dtype=object)
    if has_missing:
        values = values.copy()
        values[missing] = None
    return values, missing if has_missing else None


def _arrow_column(ca: Any, table: str, col: str) -> tuple[np.ndarray, np.ndarray | None]:
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = ca.combine_chunks() if isinstance(ca, pa.ChunkedArray) else ca
    if pa.types.is_dictionary(arr.type):
        arr = arr.dictionary_decode()
    t = arr.type
    missing = arr.is_null().to_numpy(zero_copy_only=False) if arr.null_count else None
    if pa.types.is_integer(t):
        try:
            return arr.fill_null(0).cast(pa.int64()).to_numpy(), missing
        except pa.ArrowInvalid:
            raise InputError(f"integers beyond int64 ({t})", source=table, field=col) from None
    if pa.types.is_floating(t) or pa.types.is_decimal(t):
        return arr.cast(pa.float64()).fill_null(math.nan).to_numpy(zero_copy_only=False), None
    if pa.types.is_boolean(t):
        return arr.fill_null(False).to_numpy(zero_copy_only=False), missing
    if pa.types.is_timestamp(t) or pa.types.is_date(t):
        ns = arr.cast(pa.timestamp("ns")) if not pa.types.is_timestamp(t) else arr.cast(pa.timestamp("ns", tz=t.tz))
        return _seconds(ns.to_numpy(zero_copy_only=False).astype("datetime64[ns]")), missing
    if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t):
        # Distinct values once, then codes: fast for the repeated labels of edge ends.
        enc = pc.dictionary_encode(arr.cast(pa.large_string()))
        values = np.asarray(enc.dictionary.to_pylist(), dtype=str) if len(enc.dictionary) else np.zeros(0, "<U1")
        codes = enc.indices.fill_null(0).to_numpy(zero_copy_only=False)
        out = values[codes] if len(values) else np.full(len(arr), "", dtype="<U1")
        if missing is not None:
            out = out.astype(object)
            out[missing] = None
        return out, missing
    raise InputError(
        f"unsupported Arrow type {t}; expected integers, floats, booleans, strings or timestamps",
        source=table,
        field=col,
    )


def _seconds(ts: np.ndarray) -> np.ndarray:
    """Unix seconds of datetime64 values: int64 when whole, float64 (NaT -> NaN) otherwise."""
    ns = ts.astype("datetime64[ns]").astype(np.int64)
    nat = np.isnat(ts)
    if not nat.any() and not (ns % 1_000_000_000).any():
        return ns // 1_000_000_000
    out = ns / 1e9
    out[nat] = np.nan
    return out


def _convert(values: np.ndarray, missing: np.ndarray | None, *, table: str, col: str, strict: bool) -> np.ndarray:
    values = np.asarray(values)
    if values.ndim != 1:
        raise InputError(f"expected a 1-D column, got shape {values.shape}", source=table, field=col)
    k = values.dtype.kind
    if missing is not None and col in _ID_COLUMNS:
        raise InputError(f"row {int(np.argmax(missing))}: missing id", source=table, field=col)
    if k == "b":
        if missing is not None:
            _warn(
                f"{table}: '{col}': booleans with {int(missing.sum())} missing value(s) kept as text ('true', 'false', '')"
            )
            return np.where(missing, "", np.where(values, "true", "false"))
        return values.astype(bool)
    if k in "iu":
        if missing is None:
            return values.astype(np.int64)
        if col in KNOWN_NUMERIC:
            out = values.astype(np.float64)
            out[missing] = np.nan
            return out
        _warn(
            f"{table}: '{col}': integers with {int(missing.sum())} missing value(s) kept as text ids "
            f"(row {int(np.argmax(missing))} is the first missing; '334' stays '334', missing is ''); cast the column "
            "to float to treat it as numbers"
        )
        return np.where(missing, "", values.astype(np.int64).astype(str))
    if k == "f":
        if col in _ID_COLUMNS:
            nan = np.isnan(values)
            if nan.any():
                raise InputError(f"row {int(np.argmax(nan))}: missing id", source=table, field=col)
            if not np.array_equal(values, np.floor(values)):
                i = int(np.argmax(values != np.floor(values)))
                raise InputError(
                    f"row {i}: expected an integer or text id, got {plain(values[i])!r}", source=table, field=col
                )
            return values.astype(np.int64)
        out = values.astype(np.float64)
        if col not in KNOWN_NUMERIC and len(out):
            nan = np.isnan(out)
            whole = out[~nan]
            if nan.any() and whole.size and np.array_equal(whole, np.floor(whole)):
                # pandas turns an integer column with a gap into float: say so, do not guess.
                _warn(
                    f"{table}: '{col}': whole numbers with {int(nan.sum())} missing value(s), kept as float "
                    f"(row {int(np.argmax(nan))} is the first missing); if they are ids or codes, pass the column as "
                    "pandas 'Int64' or as strings so that 334 stays '334', not 334.0"
                )
        return out
    if k == "M":
        return _seconds(values)
    if k in "US":
        values = values.astype(str)
        if col in KNOWN_NUMERIC:
            return _numbers_from_objects(values.astype(object), table=table, col=col, strict=strict, must=True)
        return values
    if k == "O":
        return _from_objects(values, table=table, col=col, strict=strict)
    raise InputError(f"unsupported column type {values.dtype}", source=table, field=col)


def _is_missing(v: Any) -> bool:
    return v is None or (isinstance(v, float) and v != v) or _is_pd_na(v)


def _is_pd_na(v: Any) -> bool:
    return type(v).__name__ in ("NAType", "NaTType")


def _is_number(v: Any) -> bool:
    return isinstance(v, numbers.Real) and not isinstance(v, (bool, np.bool_))


def _from_objects(values: np.ndarray, *, table: str, col: str, strict: bool) -> np.ndarray:
    """An object column: all text -> str, all numbers -> int/float, numbers with a few strays -> float + warning."""
    pd = sys.modules.get("pandas")  # its C type inference, when the caller's data came through pandas anyway
    if pd is not None and col not in KNOWN_NUMERIC and pd.api.types.infer_dtype(values, skipna=True) == "string":
        miss = np.asarray(pd.isna(values), dtype=bool)
        if col in _ID_COLUMNS and miss.any():
            raise InputError(f"row {int(np.argmax(miss))}: missing id", source=table, field=col)
        if miss.any():
            values = values.copy()
            values[miss] = ""
        return values.astype(str) if len(values) else np.zeros(0, dtype="<U1")
    items = values.tolist()
    miss = np.fromiter((_is_missing(v) for v in items), dtype=bool, count=len(items))
    present = [v for v, m in zip(items, miss) if not m]
    if col in _ID_COLUMNS and miss.any():
        raise InputError(f"row {int(np.argmax(miss))}: missing id", source=table, field=col)
    if not present:
        return np.full(len(items), np.nan) if col in KNOWN_NUMERIC else np.full(len(items), "", dtype="<U1")
    if all(isinstance(v, str) for v in present):
        if col in KNOWN_NUMERIC:
            return _numbers_from_objects(values, table=table, col=col, strict=strict, must=True)
        return np.array(["" if m else v for v, m in zip(items, miss)], dtype=str)
    if all(_is_number(v) for v in present):
        if all(isinstance(v, numbers.Integral) for v in present):
            ints = np.array([0 if m else int(v) for v, m in zip(items, miss)], dtype=np.int64)
            return _convert(ints, miss if miss.any() else None, table=table, col=col, strict=strict)
        return np.array([math.nan if m else float(v) for v, m in zip(items, miss)], dtype=np.float64)
    if col not in _ID_COLUMNS:
        found = _numbers_from_objects(values, table=table, col=col, strict=strict, must=col in KNOWN_NUMERIC)
        if found is not None:
            return found
    # Mixed text and numbers that are not "numbers with strays": text, each value as written.
    return np.array(
        [
            "" if m else (("true" if v else "false") if isinstance(v, (bool, np.bool_)) else str(v))
            for v, m in zip(items, miss)
        ],
        dtype=str,
    )


def _as_number(v: Any) -> float | None:
    if _is_number(v):
        return float(v)
    if isinstance(v, str):
        try:
            return float(v)
        except ValueError:
            return None
    return None


def _numbers_from_objects(values: np.ndarray, *, table: str, col: str, strict: bool, must: bool) -> np.ndarray | None:
    """Float column when the values are numbers (or number text) with at most a few strays; else None (or an error when ``must``)."""
    out = np.full(len(values), np.nan)
    strays: list[int] = []
    n_present = 0
    for i, v in enumerate(values.tolist()):
        if _is_missing(v) or (isinstance(v, str) and v == ""):
            continue
        n_present += 1
        x = _as_number(v)
        if x is None:
            strays.append(i)
        else:
            out[i] = x
    if not strays:
        return out
    first = strays[0]
    few = len(strays) <= max(1, int(STRAY_SHARE * n_present)) and n_present - len(strays) >= 2
    if must or strict:
        if must or few:
            raise InputError(f"row {first}: expected a number, got {plain(values[first])!r}", source=table, field=col)
    if not few:
        return None
    _warn(
        f"{table}: '{col}': row {first}: {len(strays)} non-numeric value(s) in a numeric column read as missing (NaN); "
        f"first: {plain(values[first])!r} (strict reading makes this an error)"
    )
    return out


def _warn(message: str) -> None:
    warnings.warn(message, GraphModelWarning, stacklevel=5)


def _node_table(t: Table | None, kind: str) -> Table:
    """A node table named as the ecosystem names it (``{"id": str}`` and no rows when absent)."""
    if t is None:
        return Table({"id": np.zeros(0, dtype="<U1")}, name=kind)
    return Table(dict(t.items()), name=kind, length=len(t))


def _check_unique_ids(t: Table, name: str) -> None:
    hit = first_duplicate(t["id"])
    if hit is not None:
        row, first = hit
        raise InputError(
            f"row {row}: duplicate id {t['id'][row]!s} (first seen on row {first}); ids must be unique",
            source=name,
            field="id",
        )
