"""Payment event logs larger than memory, aggregated out of core into one edge per (user, merchant).

Two engines give the same table (tests/test_import_events.py checks it):

* **DuckDB** on one machine. Chosen over ``pyarrow.dataset`` because its
  hash aggregation spills to disk under a memory limit and runs on every core,
  while Arrow's ``group_by`` holds every group in memory in one thread.
* **Dask DataFrame** on a cluster (``scheduler=`` an address, a
  ``distributed.Client`` or a ``LocalCluster``), for logs that outgrow one machine.

The rules are those of :func:`graphmodel.io.events.aggregate_payment_events`:
``count`` = the number of events (or the sum of a ``count`` column),
``amount`` summed, ``first_time`` = min(time), ``last_time`` = max(time). Any
other column keeps the value of the pair's latest event; on a tie in time the
largest value wins (files have no row order an engine must keep, so the
in-memory rule "the later row" cannot be promised here). Rows come sorted by
(user, merchant). Timestamps become unix seconds (int, floored). Summed
``amount`` is a floating-point sum whose order of addition depends on the
engine's threads: two runs may differ in the last bits (DuckDB sums with
compensation, ``fsum``, which keeps this to about one ulp); every other
column is exact.

Before aggregating, every file is checked (one pass, in batches, with
pyarrow; on the cluster's workers for Dask): a file that is not Parquet, a
missing column, a missing id or time, a negative count or amount is an
:class:`InputError` naming the file, the row (0-based, within the file) and
the column.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from graphmodel.errors import InputError
from graphmodel.table import Table

if TYPE_CHECKING:
    from distributed import Client

    from graphmodel.clients import Scheduler

__all__ = ["EventLog", "aggregate_event_log", "event_files", "ENGINES"]

ENGINES = ("duckdb", "dask")
_NON_NEGATIVE = ("count", "amount")
_BATCH = 1 << 20


@dataclass(frozen=True)
class EventLog:
    """Aggregated payment events: the edge table and what it came from.

    Attributes
    ----------
    table : Table
        Columns ``user``, ``merchant``, ``count``, ``amount`` (when the events
        have one), ``first_time``, ``last_time``, then the other columns.
    events : int
        Number of events read.
    files : tuple of str
        The Parquet files.
    engine : str
        ``"duckdb"`` or ``"dask"``.
    """

    table: Table
    events: int
    files: tuple[str, ...]
    engine: str

    def to_dict(self) -> dict[str, Any]:
        return {"events": self.events, "edges": len(self.table), "files": list(self.files), "engine": self.engine}


def event_files(spec: str | os.PathLike[str] | Sequence[str | os.PathLike[str]]) -> tuple[str, ...]:
    """The Parquet files named by ``spec``: a glob (``'events/*.parquet'``), a directory, a file, or a list of them."""
    items = [spec] if isinstance(spec, (str, os.PathLike)) else list(spec)
    out: list[str] = []
    for item in items:
        s = str(item)
        p = Path(s)
        if p.is_dir():
            found = sorted(str(f) for f in p.rglob("*.parquet"))
        elif any(c in s for c in "*?["):
            found = sorted(glob.glob(s, recursive=True))
        else:
            found = [s] if p.exists() else []
        if not found:
            raise InputError("no Parquet files found", source=s, field="payments")
        out.extend(found)
    return tuple(dict.fromkeys(out))


def aggregate_event_log(
    files: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
    *,
    user: str = "user",
    merchant: str = "merchant",
    time: str = "time",
    scheduler: Scheduler = None,
    memory_limit: str = "2GB",
    threads: int | None = None,
    temp_directory: str | os.PathLike[str] | None = None,
) -> EventLog:
    """Aggregate Parquet payment events into one row per (user, merchant), out of core.

    Parameters
    ----------
    files
        Parquet files: a glob, a directory, a file or a list (see :func:`event_files`).
    user, merchant, time
        Column names of the two ends and of the event time (numeric or timestamp).
    scheduler
        None: DuckDB on this machine. Otherwise Dask: a scheduler address
        (``"tcp://host:8786"``), a ``distributed.Client`` or a ``LocalCluster``.
    memory_limit
        DuckDB's memory limit (it spills to ``temp_directory`` beyond it).
    threads
        DuckDB threads (default: every core).
    temp_directory
        Where DuckDB spills (default: a temporary directory).

    Returns
    -------
    EventLog
    """
    paths = event_files(files)
    schema = _check_schemas(paths, user, merchant, time)
    extras = [c for c in schema if c not in (user, merchant, time, "count", "amount", "first_time", "last_time")]
    if scheduler is None:
        for p in paths:
            _check_file(p, user, merchant, time)
        table, n = _duckdb(paths, schema, user, merchant, time, extras, memory_limit, threads, temp_directory)
        engine = "duckdb"
    else:
        table, n = _dask(paths, schema, user, merchant, time, extras, scheduler)
        engine = "dask"
    return EventLog(table, int(n), paths, engine)


# --------------------------------------------------------------------------- checks
def _check_schemas(paths: tuple[str, ...], user: str, merchant: str, time: str) -> dict[str, str]:
    """Column -> kind ('int', 'float', 'str', 'bool', 'time') common to every file; one-line errors naming the file."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    common: dict[str, str] | None = None
    for p in paths:
        try:
            schema = pq.read_schema(p)
        except (pa.ArrowInvalid, OSError) as exc:
            first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise InputError(f"not a readable Parquet file ({first})", source=p) from None
        for col in (user, merchant, time):
            if col not in schema.names:
                raise InputError(
                    f"missing required column {col!r}; the file has {', '.join(schema.names)}", source=p, field=col
                )
        kinds = {}
        for f in schema:
            kinds[f.name] = _kind(f.type, p, f.name)
        if kinds[time] not in ("int", "float", "time"):
            raise InputError(
                f"expected a numeric or timestamp time column, got {schema.field(time).type}", source=p, field=time
            )
        for col in _NON_NEGATIVE:
            if col in kinds and kinds[col] not in ("int", "float"):
                raise InputError(f"expected numbers, got {schema.field(col).type}", source=p, field=col)
        if common is None:
            common = kinds
            first_file = p
            continue
        for col in set(common) | set(kinds):
            a, b = common.get(col), kinds.get(col)
            if a != b and not ({a, b} <= {"int", "float"}):
                raise InputError(
                    f"column kind {b or 'absent'} differs from {a or 'absent'} in {first_file}; every event file needs the same columns",
                    source=p,
                    field=col,
                )
            if a != b:
                common[col] = "float"
    return common or {}


def _kind(t: Any, src: str, col: str) -> str:
    import pyarrow as pa

    if pa.types.is_dictionary(t):
        t = t.value_type
    if pa.types.is_integer(t):
        return "int"
    if pa.types.is_floating(t) or pa.types.is_decimal(t):
        return "float"
    if pa.types.is_boolean(t):
        return "bool"
    if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t):
        return "str"
    if pa.types.is_timestamp(t) or pa.types.is_date(t):
        return "time"
    raise InputError(f"unsupported Parquet column type {t}", source=src, field=col)


def _check_file(path: str, user: str, merchant: str, time: str) -> None:
    """Scan one file in batches: a missing id or time, or a negative count/amount, is an error naming file, row and column."""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    f = pq.ParquetFile(path)
    cols = [c for c in (user, merchant, time, *_NON_NEGATIVE) if c in f.schema_arrow.names]
    row0 = 0
    for batch in f.iter_batches(batch_size=_BATCH, columns=cols):
        for col in cols:
            arr = batch.column(col)
            if col in (user, merchant, time) and arr.null_count:
                i = int(np.argmax(arr.is_null().to_numpy(zero_copy_only=False)))
                raise InputError(f"row {row0 + i}: missing {'id' if col != time else 'time'}", source=path, field=col)
            if col in _NON_NEGATIVE:
                neg = pc.fill_null(pc.less(arr, 0), False)
                if pc.any(neg).as_py():
                    i = int(np.argmax(neg.to_numpy(zero_copy_only=False)))
                    raise InputError(
                        f"row {row0 + i}: expected a value >= 0, got {arr[i].as_py()}", source=path, field=col
                    )
        row0 += batch.num_rows


# --------------------------------------------------------------------------- DuckDB
def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _time_sql(col: str, kind: str) -> str:
    return f"(epoch_ns({_q(col)}) // 1000000000)" if kind == "time" else _q(col)


def _duckdb(paths, schema, user, merchant, time, extras, memory_limit, threads, temp_directory) -> tuple[Table, int]:
    import tempfile

    import duckdb

    tmp = tempfile.TemporaryDirectory(prefix="graphmodel-duckdb-") if temp_directory is None else None
    spill = tmp.name if tmp is not None else str(temp_directory)
    try:
        con = duckdb.connect(
            config={"memory_limit": memory_limit, "temp_directory": spill, "preserve_insertion_order": False}
        )
        if threads:
            con.execute(f"SET threads = {int(threads)}")
        t = _time_sql(time, schema[time])
        parts = [f"{_q(user)} AS {_q('user')}", f"{_q(merchant)} AS {_q('merchant')}"]
        parts.append(
            f"sum({_q('count')})::{'BIGINT' if schema['count'] == 'int' else 'DOUBLE'} AS count"
            if "count" in schema
            else "count(*) AS count"
        )
        if "amount" in schema:
            parts.append(f"fsum({_q('amount')})::DOUBLE AS amount")  # compensated: order of addition barely matters
        parts += [f"min({t}) AS first_time", f"max({t}) AS last_time"]
        for c in extras:
            v = _time_sql(c, schema[c])
            parts.append(f"max(struct_pack(t := {t}, v := {v})).v AS {_q(c)}")
        files = "[" + ", ".join("'" + p.replace("'", "''") + "'" for p in paths) + "]"
        sql = (
            f"SELECT {', '.join(parts)} FROM read_parquet({files}, union_by_name = true) "
            f"GROUP BY {_q(user)}, {_q(merchant)} ORDER BY 1, 2"
        )
        try:
            rel = con.sql(sql)
            result = rel.to_arrow_table() if hasattr(rel, "to_arrow_table") else rel.arrow()
            n = con.execute(f"SELECT count(*) FROM read_parquet({files}, union_by_name = true)").fetchone()[0]
        except duckdb.Error as exc:  # pragma: no cover - the checks above catch what users get wrong
            raise InputError(f"cannot aggregate the events: {str(exc).splitlines()[0]}", source=paths[0]) from None
        finally:
            con.close()
    finally:
        if tmp is not None:
            tmp.cleanup()
    return _arrow_to_table(result), int(n)


def _arrow_to_table(result: Any) -> Table:
    from graphmodel.io.frames import frame_to_table

    return frame_to_table(result, name="payments")


# --------------------------------------------------------------------------- Dask
def _client(scheduler: Scheduler) -> tuple[Client, bool]:
    from graphmodel.clients import connect  # the one way a scheduler argument becomes a client

    return connect(scheduler)


def _dask(paths, schema, user, merchant, time, extras, scheduler) -> tuple[Table, int]:
    import dask.dataframe as dd
    import pandas as pd

    client, own = _client(scheduler)
    try:
        # Check every file on the workers: errors keep their file and row.
        for fut in client.map(_check_file, list(paths), user=user, merchant=merchant, time=time, pure=False):
            fut.result()
        cols = list(schema)
        ddf = dd.read_parquet(list(paths), columns=cols)
        rename = {user: "user", merchant: "merchant"}
        ddf = ddf.rename(columns=rename)
        convert = [c for c in schema if schema[c] == "time"]
        if convert:
            ddf = ddf.map_partitions(_seconds_frame, convert, meta=_seconds_meta(ddf._meta, convert))
        tname = rename.get(time, time)
        keys = ["user", "merchant"]
        spec: dict[str, tuple[str, str]] = {"count": ("count", "sum") if "count" in schema else (tname, "count")}
        if "amount" in schema:
            spec["amount"] = ("amount", "sum")
        spec["first_time"] = (tname, "min")
        spec["last_time"] = (tname, "max")
        nparts = max(1, ddf.npartitions // 4)
        agg = ddf.groupby(keys).agg(**spec, split_out=nparts)
        n = ddf.shape[0]
        if extras:
            last = agg[["last_time"]].reset_index()
            joined = ddf[keys + [tname] + extras].merge(last, on=keys)
            joined = joined[joined[tname] == joined["last_time"]]
            ext = joined.groupby(keys)[extras].max(split_out=nparts)
            agg = agg.merge(ext, left_index=True, right_index=True)
        frame, n_events = client.compute([agg, n], sync=True)
    finally:
        if own:
            client.close()
    frame = frame.reset_index().sort_values(keys, kind="stable").reset_index(drop=True)
    frame["count"] = frame["count"].astype("int64" if schema.get("count", "int") == "int" else "float64")
    if "amount" in frame:
        frame["amount"] = frame["amount"].astype("float64")
    order = (
        ["user", "merchant", "count"]
        + (["amount"] if "amount" in schema else [])
        + ["first_time", "last_time"]
        + extras
    )
    frame = frame[order]
    if not isinstance(frame, pd.DataFrame):  # pragma: no cover
        frame = pd.DataFrame(frame)
    from graphmodel.io.frames import frame_to_table

    return frame_to_table(frame, name="payments"), int(n_events)


def _seconds_frame(df: Any, cols: list[str]) -> Any:
    df = df.copy()
    for c in cols:
        df[c] = _floor_seconds(df[c])
    return df


def _seconds_meta(meta: Any, cols: list[str]) -> Any:
    meta = meta.copy()
    for c in cols:
        meta[c] = _floor_seconds(meta[c])
    return meta


def _floor_seconds(s: Any) -> Any:
    import pandas as pd

    if isinstance(s.dtype, pd.DatetimeTZDtype):
        s = s.dt.tz_convert("UTC").dt.tz_localize(None)
    ns = s.astype("datetime64[ns]").astype("int64")
    return ns // 1_000_000_000
