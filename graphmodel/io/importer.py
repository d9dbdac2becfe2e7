"""``graphmodel import``: an ecosystem from the files analysts hold (CSV, Parquet, event logs).

Node tables and social/transfer edges are read into memory (CSV through the
CSV reader, Parquet through :mod:`graphmodel.io.frames`); payments given as
Parquet event files (a ``time`` column) are aggregated out of core by
:func:`graphmodel.io.eventlog.aggregate_event_log` (DuckDB, or Dask with a
scheduler) before they meet the node tables.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from graphmodel.ecosystem import Ecosystem
from graphmodel.errors import InputError

if TYPE_CHECKING:
    from graphmodel.clients import Scheduler

__all__ = ["import_ecosystem"]

PathLike = str | os.PathLike[str]
_REQUIRED = {
    "users": ("id",),
    "merchants": ("id",),
    "social": ("src", "dst"),
    "payments": ("user", "merchant"),
    "transfers": ("src", "dst"),
}


def _read_table(path: PathLike, arg: str, *, strict: bool) -> Any:
    p = Path(path)
    name = p.name.lower()
    if name.endswith(".parquet"):
        from graphmodel.io.parquet import read_parquet_table

        return read_parquet_table(p, required=_REQUIRED[arg])
    if name.endswith(".csv") or name.endswith(".csv.gz"):
        from graphmodel.io.csvdir import read_csv_table

        if not p.is_file():
            raise InputError("no such file", source=str(p), field=arg)
        return read_csv_table(p, required=_REQUIRED[arg], name=arg, strict=strict)
    raise InputError("expected a .parquet, .csv or .csv.gz file", source=str(p), field=arg)


def import_ecosystem(
    *,
    users: PathLike,
    merchants: PathLike | None = None,
    social: PathLike | None = None,
    payments: PathLike | Sequence[PathLike] | None = None,
    transfers: PathLike | None = None,
    social_directed: bool = False,
    duplicates: str = "merge",
    strict: bool = False,
    scheduler: Scheduler = None,
    memory_limit: str = "2GB",
    meta: dict[str, Any] | None = None,
) -> Ecosystem:
    """Build an ecosystem from files: node tables, edge lists and payment event logs.

    Parameters
    ----------
    users, merchants, social, transfers
        One file each (``.parquet``, ``.csv`` or ``.csv.gz``), with the columns
        of the CSV directory format (``id``; ``src``/``dst``).
    payments
        A file, a glob (``'events/*.parquet'``), a directory or a list. Parquet
        files with a ``time`` column are payment events, aggregated out of core
        into one edge per (user, merchant); otherwise one row per edge.
    social_directed, duplicates, strict
        As in :func:`graphmodel.io.frames.from_frames`.
    scheduler
        Aggregate the events on a Dask cluster (address, Client or
        LocalCluster) instead of DuckDB on this machine.
    memory_limit
        DuckDB's memory limit (it spills to disk beyond it).
    meta
        Free-form metadata; the import adds ``payment_events`` and ``import``
        (files and engine).

    Returns
    -------
    Ecosystem
    """
    from graphmodel.io.frames import from_frames

    given: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for arg, path in (("users", users), ("merchants", merchants), ("social", social), ("transfers", transfers)):
        if path is not None:
            given[arg] = _read_table(path, arg, strict=strict)
            sources[arg] = str(path)
    meta = dict(meta or {})
    if payments is not None:
        spec = [payments] if isinstance(payments, (str, os.PathLike)) else list(payments)
        named = [str(s) for s in spec if not Path(s).is_dir()]
        named = [f for s in named for f in (sorted(glob.glob(s)) if any(c in s for c in "*?[") else [s])]
        if not named and not any(Path(s).is_dir() for s in spec):
            raise InputError("no files match", source=str(spec[0]), field="payments")
        parquet = all(f.lower().endswith(".parquet") for f in named)
        if parquet:
            from graphmodel.io.eventlog import aggregate_event_log, event_files
            from graphmodel.io.parquet import read_parquet_table

            files = event_files(spec)
            import pyarrow.parquet as pq

            try:
                names = pq.read_schema(files[0]).names
            except Exception:  # noqa: BLE001 - read_parquet_table words the error
                read_parquet_table(files[0])
                raise
            if "time" in names:
                log = aggregate_event_log(files, scheduler=scheduler, memory_limit=memory_limit)
                given["payments"] = log.table
                sources["payments"] = f"{len(files)} event file(s) ({files[0]}, ...)" if len(files) > 1 else files[0]
                meta["payment_events"] = log.events
                meta["import"] = {"payments": log.to_dict()}
            elif len(files) == 1:
                given["payments"] = read_parquet_table(files[0], required=_REQUIRED["payments"])
                sources["payments"] = files[0]
            else:
                raise InputError(
                    "several payment files without a 'time' column; give one edge file, or event files with 'time'",
                    source=str(spec[0]),
                    field="payments",
                )
        elif len(named) == 1:
            given["payments"] = _read_table(named[0], "payments", strict=strict)
            sources["payments"] = named[0]
        else:
            raise InputError(
                f"{len(named)} payment files that are not all Parquet; give one CSV file (read into memory) or Parquet event files",
                source=str(spec[0]),
                field="payments",
            )
    return from_frames(
        **given, social_directed=social_directed, duplicates=duplicates, strict=strict, meta=meta, sources=sources
    )
