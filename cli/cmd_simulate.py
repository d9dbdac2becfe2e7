"""``graphmodel simulate``: spread intent from seeds over chosen layers (IC, LT, SIR, PPR)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from graphmodel.cli.app import (
    app,
    check_output,
    echo,
    fmt_num,
    format_table,
    not_empty,
    note,
    positive_number,
    prob_option,
    progress_bar,
    save_json,
    workers_option,
)


@app.command("simulate")
def simulate_cmd(
    path: Path = typer.Argument(..., help="Ecosystem: a CSV directory, .npz or .graphml."),
    model: str = typer.Option("ic", "--model", callback=not_empty, help="ic, lt, sir or ppr."),
    layers: str | None = typer.Option(
        None, "--layers", callback=not_empty, help="Comma-separated layers (default: all)."
    ),
    prob: list[str] = typer.Option(
        [],
        "--prob",
        callback=not_empty,
        help="Probability: a number or 'wc' for every layer, or per layer 'social=0.05', "
        "'payment=wc', 'payment=exp:0.5:count'; repeatable (default wc: 1/in-degree).",
    ),
    params: Path | None = typer.Option(
        None,
        "--params",
        help="Fitted parameters (graphmodel.params/1, from `graphmodel fit --json`) instead of --prob; IC only.",
    ),
    seeds: str | None = typer.Option(
        None,
        "--seeds",
        callback=not_empty,
        help="user:ID, merchant:ID, ID, random:K, top-degree:K, top-pagerank:K[:user|merchant], comma-separated "
        "(default: random:50).",
    ),
    seed_file: Path | None = typer.Option(None, "--seed-file", help="File with one seed spec per line."),
    runs: int = typer.Option(1000, "--runs", help="Monte Carlo runs (maximum under --target-ci)."),
    seed: int | None = typer.Option(None, "--seed", help="Random seed; the same seed gives the same result."),
    target_ci: float | None = typer.Option(
        None, "--target-ci", callback=positive_number, help="Stop when the 95% half-width / mean is below this."
    ),
    max_steps: int | None = typer.Option(None, "--max-steps", help="Stop each run after this many steps."),
    recovery: float = typer.Option(0.5, "--recovery", help="SIR: probability per step that intent fades."),
    damping: float = typer.Option(0.85, "--damping", help="PPR damping factor."),
    workers: int | None = typer.Option(
        None, "--workers", callback=workers_option, help="Threads (default: all cores); never changes the result."
    ),
    json_out: Path | None = typer.Option(None, "--json", help="Write the full result as JSON ('-' for stdout)."),
    nodes: bool = typer.Option(False, "--nodes", help="Include per-node activation frequency in the JSON."),
    scheduler: str | None = typer.Option(
        None,
        "--scheduler",
        help="Run on this Dask scheduler (tcp://host:8786): batches of runs over its workers, the same numbers as here.",
    ),
) -> None:
    """Spread intent from seeds and report spread, per-layer attribution and merchants reached."""
    import graphmodel as gm
    import graphmodel.io
    from graphmodel import clients
    from graphmodel.seedsets import read_seed_file

    check_output(json_out, what="JSON")
    spec: list[str] = []
    if seeds:
        spec.append(seeds)
    if seed_file is not None:
        spec.extend(read_seed_file(seed_file))
    eco = graphmodel.io.read(path)
    long_run = model != "ppr" and runs * max(eco.n_edges(), 1) >= 50_000_000
    with clients.using(scheduler) as client:
        with progress_bar("simulate", enabled=long_run) as progress:
            res = gm.simulate(
                eco,
                model=model,
                layers=layers,
                prob=prob_option(prob),
                params=params,
                seeds=spec or "random:50",
                runs=runs,
                seed=seed,
                max_steps=max_steps,
                recovery=recovery,
                damping=damping,
                target_ci=target_ci,
                workers=workers,
                progress=progress,
                client=client,
            )
    for line in res.regime.warnings() if res.regime is not None else []:
        note(f"warning: {line}")
    if save_json(res.to_dict(nodes=nodes), json_out):
        return
    echo(_summary(res))


def _summary(res: Any) -> str:
    p = res.params
    if res.model == "ppr":
        head = f"ppr over {','.join(p['layers'])} from {p['n_seeds']} seed(s), damping {p['damping']}"
        rows = [["users", res.spread.mean], ["merchants", res.merchants.mean]]
        return head + "\n" + format_table(rows, ["intent mass on", "share"])
    head = f"{res.model} over {','.join(p['layers'])} from {p['n_seeds']} seed(s), {res.runs} runs, seed {res.seed}"
    rows = []
    for name, e in [
        ("users reached", res.spread),
        *((f"  via {k}", v) for k, v in res.by_layer.items()),
        ("merchants reached", res.merchants),
    ]:
        rows.append([name, e.mean, e.std, f"[{fmt_num(e.ci95[0])}, {fmt_num(e.ci95[1])}]", e.quantiles.get("q50", "")])
    table = format_table(rows, ["", "mean", "std", "95% CI", "median"])
    if p.get("sources"):
        head += "\n" + "; ".join(f"{k[5:]} {fmt_num(p['prob'][k[5:]])}: {v}" for k, v in p["sources"].items())
    return (
        f"{head}\n{table}\nsteps (mean new users per step): "
        + " ".join(f"{x:.3g}" for x in res.curve[:12])
        + (" ..." if len(res.curve) > 12 else "")
    )
