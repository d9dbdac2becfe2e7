"""``graphmodel datasets``: list the real datasets and load one into a graphmodel file."""

from __future__ import annotations

from pathlib import Path

import typer

from graphmodel.cli.app import app, check_output, echo, note, save_json

datasets_app = typer.Typer(
    help="Real datasets: list what can be loaded (with citations) and load a release into a graphmodel file.",
    no_args_is_help=True,
)
app.add_typer(datasets_app, name="datasets")


@datasets_app.command("list")
def list_cmd(
    json_out: Path | None = typer.Option(None, "--json", help="Write the list as JSON to this file ('-' for stdout)."),
) -> None:
    """Show the datasets that can be loaded, the files each expects and how to cite them."""
    from graphmodel.datasets import list_datasets

    check_output(json_out, what="JSON")
    infos = list_datasets()
    if json_out is not None:
        save_json([i.to_dict() for i in infos], json_out)
        return
    for n, info in enumerate(infos):
        if n:
            echo()
        echo(f"{info.name}: {info.title}")
        echo(f"  {info.description}")
        echo("  files: " + "; ".join(info.files))
        echo(f"  cite: {info.citation}")


@datasets_app.command("load")
def load_cmd(
    name: str = typer.Argument(..., help="Dataset name (see 'graphmodel datasets list')."),
    source: Path = typer.Argument(
        ..., help="Folder holding the release (zip or extracted .mat files + catalog), or the zip."
    ),
    out: Path = typer.Option(..., "--out", "-o", help="Output: a directory (CSV tables), .npz or .graphml."),
    no_timestamps: bool = typer.Option(False, "--no-timestamps", help="Ignore rating_with_timestamp.mat (Ciao)."),
) -> None:
    """Load a dataset release and write it as a graphmodel file."""
    import graphmodel.io
    from graphmodel.datasets import load_dataset

    check_output(out, what="ecosystem", ecosystem=True)
    options = {"timestamps": False} if no_timestamps else {}
    eco = load_dataset(name, source, **options)
    graphmodel.io.write(eco, out)
    counts = eco.meta.get("counts", {})
    note(
        f"{eco.meta.get('name', name)}: {eco.n_users} users, {eco.n_merchants} merchants, "
        f"social {eco.n_edges('social')} edges, payment {eco.n_edges('payment')} edges "
        f"({counts.get('rating_rows', '?')} rating rows) -> {out}"
    )
