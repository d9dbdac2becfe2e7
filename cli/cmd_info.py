"""``graphmodel info PATH``: what is in an ecosystem file (human or JSON summary)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from graphmodel.cli.app import app, check_output, echo, format_table, save_json


@app.command("info")
def info_cmd(
    path: Path = typer.Argument(..., help="A CSV directory, .npz snapshot or .graphml file."),
    json_out: Path | None = typer.Option(
        None, "--json", help="Write the summary as JSON to this file ('-' for stdout)."
    ),
) -> None:
    """Summarise an ecosystem file: sizes, layers (with direction), columns and metadata."""
    from graphmodel.io import describe

    check_output(json_out, what="JSON")
    info = describe(path)
    if json_out is not None:
        save_json(info, json_out)
        return
    echo(_human(info))


def _kinds(cols: dict[str, str], skip: tuple[str, ...]) -> str:
    return ", ".join(f"{k}:{v}" for k, v in cols.items() if k not in skip) or "-"


def _human(info: dict[str, Any]) -> str:
    lines = [
        f"{info.get('name') or Path(info['path']).name}  ({info['format']}: {info['path']})",
        f"users: {info['users']:,}   merchants: {info['merchants']:,}   edges: {info['edges']:,}",
        "",
    ]
    rows = [
        [layer, f"{e['edges']:,}", "directed" if e["directed"] else "undirected", _kinds(e["columns"], ("src", "dst"))]
        for layer, e in info["layers"].items()
    ]
    lines.append(format_table(rows, ["layer", "edges", "direction", "columns"]))
    lines.append("")
    for kind, n in info["nodes"].items():
        lines.append(f"{kind} columns: {_kinds(n['columns'], ())}")
    meta = info.get("meta") or {}
    if meta:
        lines.append("")
        lines.append("meta:")
        for k, v in meta.items():
            text = v if isinstance(v, str) else repr(v)
            if len(text) > 100:
                text = text[:97] + "..."
            lines.append(f"  {k}: {text}")
    return "\n".join(lines)
