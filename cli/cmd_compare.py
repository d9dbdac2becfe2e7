"""``graphmodel compare``: does shopping intent travel further through payment links or social links?"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from graphmodel.cli.app import (
    app,
    check_output,
    echo,
    fmt_ci,
    format_table,
    not_empty,
    note,
    positive_number,
    prob_option,
    progress_bar,
    require_module,
    save_json,
    workers_option,
)

#: The built-in ecosystem ``graphmodel compare`` uses without a PATH (small enough to answer in seconds).
DEFAULT_ECOSYSTEM: dict[str, Any] = {"preset": "balanced", "users": 5000, "seed": 1}


@app.command("compare")
def compare_cmd(
    path: Path | None = typer.Argument(
        None,
        help="Ecosystem: a CSV directory, .npz or .graphml (default: a generated 'balanced' ecosystem, 5,000 users).",
    ),
    seeds: str = typer.Option(
        "random:50",
        "--seeds",
        callback=not_empty,
        help="customers:K, random:K, top-degree:K, user:ID, ... (comma-separated).",
    ),
    campaign: str | None = typer.Option(
        None, "--campaign", callback=not_empty, help="merchant:ID[,ID], category:NAME (default: the whole market)."
    ),
    price: float | None = typer.Option(
        None, "--price", help="Price of one purchase (default: median price_level of the campaign)."
    ),
    prob: list[str] = typer.Option(
        [],
        "--prob",
        callback=not_empty,
        help="Transmission per arc: a number or 'wc' for every layer, or per layer 'social=0.05', 'payment=wc'; repeatable (default wc: 1/in-degree, subcritical).",
    ),
    conversion: list[str] = typer.Option(
        [], "--conversion", callback=not_empty, help="Conversion per layer, 'payment=0.1'; repeatable."
    ),
    conversion_from: Path | None = typer.Option(
        None, "--conversion-from", help="JSON from 'graphmodel signal --estimate-conversion'."
    ),
    seed_conversion: float | None = typer.Option(
        None, "--seed-conversion", help="Probability that a seed buys (default 0.5)."
    ),
    affordability: str | None = typer.Option(
        None, "--affordability", callback=not_empty, help="power (default), logistic or none."
    ),
    access: str | None = typer.Option(
        None, "--access", callback=not_empty, help="city (default: offline merchants sell in their city) or none."
    ),
    scenarios: str | None = typer.Option(
        None, "--scenarios", callback=not_empty, help="Comma-separated, e.g. 'social,payment,all' (default: all five)."
    ),
    runs: int = typer.Option(2000, "--runs", help="Monte Carlo runs per scenario (the maximum under --target-ci)."),
    target_ci: float | None = typer.Option(
        None,
        "--target-ci",
        callback=positive_number,
        help="Stop when the 95% half-width of payment - social purchases is below this share of it.",
    ),
    seed: int | None = typer.Option(None, "--seed", help="Random seed; the same seed gives the same result."),
    normalize: str | None = typer.Option(
        None,
        "--normalize",
        callback=not_empty,
        help="'edges': also compare with every layer cut to the same edge count.",
    ),
    null: str | None = typer.Option(
        None, "--null", callback=not_empty, help="'rewire': also compare on degree-preserving rewired layers."
    ),
    sweep: list[str] = typer.Option(
        [], "--sweep", callback=not_empty, help="'social=0.01:0.2:8'; repeat for a second axis: a winner map."
    ),
    sweep_runs: int | None = typer.Option(
        None, "--sweep-runs", help="Runs per scenario and sweep cell (default min(runs, 300))."
    ),
    workers: int | None = typer.Option(
        None, "--workers", callback=workers_option, help="Threads (default: all cores); never changes the result."
    ),
    json_out: Path | None = typer.Option(None, "--json", help="Write every number as JSON ('-' for stdout)."),
    report: Path | None = typer.Option(None, "--report", help="Write one self-contained HTML page."),
    plot: Path | None = typer.Option(
        None, "--plot", help="Write a figure (.png or .svg): the winner map with --sweep, else curves and bars."
    ),
    breakeven: bool = typer.Option(
        True, "--breakeven/--no-breakeven", help="Search the ratios at which the winner flips (default on)."
    ),
    params: Path | None = typer.Option(
        None, "--params", help="Fitted parameters ('graphmodel fit --json' file) instead of --prob."
    ),
    param_draws: int | None = typer.Option(
        None,
        "--param-draws",
        help="With --params: bootstrap draws the runs are split over (default min(20, draws); 0: point estimate).",
    ),
    scheduler: str | None = typer.Option(
        None,
        "--scheduler",
        help="Run on this Dask scheduler (tcp://host:8786): batches of runs over its workers, the same numbers as here.",
    ),
) -> None:
    """Run the intent model over social, payment, transfer, social+transfer and all; print the verdict."""
    import dataclasses

    import graphmodel as gm
    from graphmodel import clients
    from graphmodel.experiments import DEFAULT, IntentModel

    # Everything that could fail after minutes of work is checked first.
    for out, what in ((json_out, "JSON"), (report, "report"), (plot, "figure")):
        check_output(out, what=what)
    if report is not None or plot is not None:
        require_module("matplotlib", option="--report" if report is not None else "--plot", extra="plots")
    if path is None:
        note(
            f"no ecosystem given: generating preset {DEFAULT_ECOSYSTEM['preset']!r} with "
            f"{DEFAULT_ECOSYSTEM['users']:,} users (seed {DEFAULT_ECOSYSTEM['seed']})"
        )
        eco = gm.generate(**DEFAULT_ECOSYSTEM)
    else:
        import graphmodel.io

        eco = graphmodel.io.read(path)
    intent = IntentModel.from_conversion_json(conversion_from) if conversion_from is not None else None
    sources = {"conversion": f"estimated from {conversion_from}"} if conversion_from is not None else {}
    changes: dict[str, Any] = {}
    if conversion:
        conv = dict((intent if intent is not None else IntentModel()).conversion)
        for item in conversion:
            k, sep, v = item.partition("=")
            if not sep:
                raise gm.InputError(f"expected 'layer=probability', got {item!r}", field="conversion")
            conv[k.strip()] = v.strip()
            sources[f"conversion.{k.strip()}"] = "given"
        changes["conversion"] = conv
    for name, value in (("seed_conversion", seed_conversion), ("affordability", affordability), ("access", access)):
        if value is not None:
            changes[name] = value
    if changes:
        base = intent if intent is not None else IntentModel()
        intent = IntentModel(**{**{f.name: getattr(base, f.name) for f in dataclasses.fields(base)}, **changes})

    long_run = runs * max(eco.n_edges(), 1) >= 200_000_000 or bool(sweep)
    with clients.using(scheduler) as client:
        with progress_bar("compare", enabled=long_run) as progress:
            res = gm.compare(
                eco,
                seeds=seeds,
                campaign=campaign,
                price=price,
                prob=prob_option(prob),
                intent=intent,
                scenarios=scenarios if scenarios else DEFAULT,
                runs=runs,
                seed=seed,
                normalize=normalize,
                null=null,
                sweep=sweep or None,
                sweep_runs=sweep_runs,
                target_ci=target_ci,
                workers=workers,
                progress=progress,
                breakeven=breakeven,
                parameter_sources=sources,
                params=params,
                param_draws=param_draws,
                client=client,
            )
    if json_out is None or str(json_out) != "-":
        echo(_summary(res))  # printed before any file is written: a failed write loses no result
    save_json(res.to_dict(), json_out)
    if report is not None:
        from graphmodel.experiments.report import write_report

        write_report(res, report)
        note(f"wrote {report}")
    if plot is not None:
        from graphmodel.experiments.report import save_figure

        save_figure(res, plot)
        note(f"wrote {plot}")


def _summary(res: Any) -> str:
    rows = []
    for name, m in res.scenarios.items():
        p = m["purchases"]
        rows.append(
            [name, m["reach"].mean, p.mean, fmt_ci(p.ci95), m["gmv"].mean, m["half_time"].mean, m["merchants"].mean]
        )
    table = format_table(rows, ["scenario", "reach", "purchases", "95% CI", "gmv", "half-time", "merchants"])
    seed = res.params.get("seed")
    head = f"{res.runs} runs per scenario, {res.params['n_seeds']} seeds ({res.params['seeds']}), seed {seed}"
    return f"{head}\n{table}\n\n{res.verdict}"
