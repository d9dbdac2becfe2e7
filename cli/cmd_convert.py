"""``graphmodel convert SRC DST``: any format to any format (written atomically)."""

from __future__ import annotations

from pathlib import Path

import typer

from graphmodel.cli.app import app, check_output, not_empty, note, progress_bar

#: From this many bytes of input on, ``convert`` shows a progress bar (read, then write).
LARGE_BYTES = 50 * 2**20


def _size(path: Path) -> int:
    """Bytes of a file, or of the files directly in a directory (0 when unreadable: the reader will say why)."""
    try:
        if path.is_dir():
            return sum(p.stat().st_size for p in path.iterdir() if p.is_file())
        return path.stat().st_size
    except OSError:
        return 0


@app.command("convert")
def convert_cmd(
    src: Path = typer.Argument(..., help="Input: a CSV directory, .npz or .graphml."),
    dst: Path = typer.Argument(..., help="Output: a directory (CSV tables), .npz or .graphml."),
    compress: bool = typer.Option(False, "--compress", help="Gzip the CSV tables / compress the .npz."),
    viewer: str = typer.Option(
        None,
        "--for",
        callback=not_empty,
        help="GraphML for a viewer: 'gephi' (Gephi, Gephi Lite) writes the node type as node_type and the layer "
        "as each edge's label. Only with a .graphml DST.",
    ),
) -> None:
    """Read SRC and write it to DST; the formats follow from the paths."""
    import graphmodel.io
    from graphmodel.errors import InputError

    check_output(dst, what="ecosystem", ecosystem=True)
    fmt = graphmodel.io.format_of(dst)
    if viewer is not None and fmt != "graphml":
        raise InputError(f"--for applies to GraphML output; {dst} is {fmt}", field="--for")
    with progress_bar("convert", enabled=_size(src) >= LARGE_BYTES, unit="steps") as bar:
        eco = graphmodel.io.read(src)
        if bar is not None:
            bar(1, 2)
        if viewer is not None:
            from graphmodel.io.graphml import write_graphml

            write_graphml(eco, dst, viewer=viewer)
        else:
            graphmodel.io.write(eco, dst, compress=compress)
        if bar is not None:
            bar(2, 2)
    note(f"{src} -> {dst}: {eco.n_users:,} users, {eco.n_merchants:,} merchants, {eco.n_edges():,} edges")
