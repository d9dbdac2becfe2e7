"""``graphmodel import``: node tables, edge lists and payment event logs (CSV or Parquet) to an ecosystem file."""

from __future__ import annotations

import warnings
from pathlib import Path

import typer

from graphmodel.cli.app import app, check_output, not_empty, note


@app.command("import")
def import_cmd(
    users: Path = typer.Option(..., "--users", help="Users table: .parquet, .csv or .csv.gz with an 'id' column."),
    out: Path = typer.Option(
        ..., "--out", "-o", help="Where to write: .npz, .parquet (a directory), a directory (CSV) or .graphml."
    ),
    merchants: Path | None = typer.Option(None, "--merchants", help="Merchants table ('id'); optional."),
    social: Path | None = typer.Option(None, "--social", help="Social ties ('src', 'dst' user ids)."),
    payments: str | None = typer.Option(
        None,
        "--payments",
        callback=not_empty,
        help="Payments: one edge file, or Parquet event files with a 'time' column (a glob such as 'events/*.parquet', quoted).",
    ),
    transfers: Path | None = typer.Option(None, "--transfers", help="Transfers ('src', 'dst' user ids)."),
    directed: bool = typer.Option(False, "--directed", help="Social ties are directed (trust), not friendships."),
    keep_duplicates: bool = typer.Option(
        False,
        "--keep-duplicates",
        help="Keep rows that join the same pair as parallel edges (default: merge and report).",
    ),
    strict: bool = typer.Option(
        False, "--strict", help="A stray non-numeric cell in a numeric column is an error, not a warning."
    ),
    scheduler: str | None = typer.Option(
        None,
        "--scheduler",
        help="Aggregate the events on this Dask scheduler (tcp://host:8786) instead of DuckDB here.",
    ),
    memory_limit: str = typer.Option(
        "2GB", "--memory-limit", help="DuckDB's memory limit for the event aggregation (it spills to disk beyond)."
    ),
    compress: bool = typer.Option(
        False, "--compress", help="Compress the output (gzip CSV, deflate .npz, zstd Parquet)."
    ),
) -> None:
    """Read the tables and event logs, aggregate payment events out of core, and write one ecosystem file."""
    from graphmodel.io import write
    from graphmodel.io.importer import import_ecosystem

    check_output(out, what="ecosystem", ecosystem=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        eco = import_ecosystem(
            users=users,
            merchants=merchants,
            social=social,
            payments=payments,
            transfers=transfers,
            social_directed=directed,
            duplicates="keep" if keep_duplicates else "merge",
            strict=strict,
            scheduler=scheduler,
            memory_limit=memory_limit,
        )
    from graphmodel.errors import GraphModelWarning

    for w in caught:
        if issubclass(w.category, GraphModelWarning):
            note("warning: " + " ".join(str(w.message).split()))
        else:
            warnings.showwarning(w.message, w.category, w.filename, w.lineno)
    write(eco, out, compress=compress)
    layers = ", ".join(f"{layer} {eco.n_edges(layer):,}" for layer in ("social", "payment", "transfer"))
    events = eco.meta.get("payment_events")
    from_events = f" (from {events:,} payment events)" if events is not None else ""
    note(f"{eco.n_users:,} users, {eco.n_merchants:,} merchants; edges: {layers}{from_events} -> {out}")
