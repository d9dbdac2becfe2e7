"""``graphmodel generate`` (a synthetic ecosystem to a file) and ``graphmodel presets`` (presets and parameters)."""

from __future__ import annotations

from pathlib import Path

import typer

from graphmodel.cli.app import app, check_output, echo, format_table, not_empty, note, progress_bar, save_json


def _parse_sets(items: list[str], flag: str = "--set") -> dict[str, str]:
    from graphmodel.errors import InputError

    out: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise InputError(f"expected name=value, got {item!r}", field=flag)
        out[name.strip()] = value.strip()
    return out


#: From this many users on, ``generate`` shows a progress bar (about ten seconds of work on a laptop).
LARGE_USERS = 200_000


@app.command("generate")
def generate_cmd(
    out: Path = typer.Option(..., "--out", "-o", help="Where to write: a directory (CSV tables), .npz or .graphml."),
    preset: str = typer.Option(
        "balanced",
        "--preset",
        "-p",
        callback=not_empty,
        help="balanced, payment-first or social-first (see `graphmodel presets`).",
    ),
    users: int | None = typer.Option(None, "--users", "-u", min=1, help="Number of users (default 10000)."),
    merchants: int | None = typer.Option(
        None, "--merchants", "-m", min=1, help="Number of merchants (default users / 20)."
    ),
    seed: int | None = typer.Option(
        None, "--seed", "-s", help="Random seed (same arguments and seed: identical files)."
    ),
    sets: list[str] = typer.Option([], "--set", help="Override a parameter: --set name=value (repeatable)."),
    timeline: bool = typer.Option(
        False,
        "--timeline",
        help="Timestamped purchases from a timed cascade with known "
        "per-layer transmission (stored in meta.timeline; `graphmodel fit` recovers it).",
    ),
    timeline_sets: list[str] = typer.Option(
        [],
        "--timeline-set",
        help="Timeline truth: social=, payment=, transfer= "
        "(transmission), background=, window_days=, days= (repeatable).",
    ),
) -> None:
    """Generate a synthetic ecosystem from a preset and parameter overrides, and write it."""
    from graphmodel.generator import generate
    from graphmodel.io import write

    check_output(out, what="ecosystem", ecosystem=True)
    params: dict[str, object] = dict(_parse_sets(sets))
    # --users/--merchants win over --set users=/merchants=.
    users_arg = users if users is not None else params.pop("users", None)
    merchants_arg = merchants if merchants is not None else params.pop("merchants", None)
    params.pop("users", None), params.pop("merchants", None)
    tl: object = None
    if timeline or timeline_sets:
        tl = dict(_parse_sets(timeline_sets, "--timeline-set")) or True
    big = int(users_arg if users_arg is not None else 10_000) >= LARGE_USERS
    with progress_bar("generate", enabled=big, unit="steps") as bar:
        # The generator's parts, then one more step: writing the file.
        steps = [1]

        def follow(done: int, total: int) -> None:
            steps[0] = total + 1
            if bar is not None:
                bar(done, total + 1)

        eco = generate(
            preset=preset, users=users_arg, merchants=merchants_arg, seed=seed, timeline=tl, progress=follow, **params
        )
        write(eco, out)
        if bar is not None:
            bar(steps[0], steps[0])
    layers = ", ".join(f"{layer} {eco.n_edges(layer):,}" for layer in ("social", "payment", "transfer"))
    note(f"{preset}: {eco.n_users:,} users, {eco.n_merchants:,} merchants; edges: {layers} -> {out}")
    if "timeline" in eco.meta:
        t = eco.meta["timeline"]
        truth = ", ".join(f"{k} {v:g}" for k, v in t["transmission"].items())
        note(
            f"timeline: {t['purchases']:,} first purchases over {t['days']} days; transmission within "
            f"{t['window_days']} days: {truth}; by cause {t['purchases_by_cause']}"
        )


@app.command("presets")
def presets_cmd(
    json_out: Path | None = typer.Option(
        None, "--json", help="Write presets and parameters as JSON to this file ('-' for stdout)."
    ),
) -> None:
    """List the generator's presets (with their rationale) and every parameter with its meaning and value per preset."""
    from graphmodel.generator import parameter_table, presets

    check_output(json_out, what="JSON")
    all_ = presets()
    table = parameter_table()
    if json_out is not None:
        save_json({"presets": [p.to_dict() for p in all_.values()], "parameters": table}, json_out)
        return
    import textwrap

    # At most 100 columns: long texts wrap, and each parameter's meaning goes on the lines below its values.
    for p in all_.values():
        echo(textwrap.fill(f"{p.name}: {p.rationale}", width=100, subsequent_indent="  "))
    echo()
    names = list(all_)
    rows = [[r["name"], r["range"], *(r["values"][n] for n in names)] for r in table]
    lines = format_table(rows, ["parameter", "range", *names]).splitlines()
    echo("\n".join(lines[:2]))
    for line, r in zip(lines[2:], table):
        echo(line)
        echo(textwrap.fill(r["meaning"], width=100, initial_indent="    ", subsequent_indent="    "))
