"""``graphmodel convert SRC DST``: any format to any format (written atomically)."""

from __future__ import annotations

from pathlib import Path

import typer

from graphmodel.cli.app import app, note


@app.command("convert")
def convert_cmd(
    src: Path = typer.Argument(..., help="Input: a CSV directory, .npz or .graphml."),
    dst: Path = typer.Argument(..., help="Output: a directory (CSV tables), .npz or .graphml."),
    compress: bool = typer.Option(False, "--compress", help="Gzip the CSV tables / compress the .npz."),
) -> None:
    """Read SRC and write it to DST; the formats follow from the paths."""
    import graphmodel.io

    eco = graphmodel.io.read(src)
    graphmodel.io.write(eco, dst, compress=compress)
    note(f"{src} -> {dst}: {eco.n_users} users, {eco.n_merchants} merchants, {eco.n_edges()} edges")
