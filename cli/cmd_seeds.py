"""``graphmodel seeds``: choose entry points (seed merchants or users) for a campaign."""

from __future__ import annotations

from pathlib import Path

import typer

from graphmodel.cli.app import (
    ProgressBar,
    app,
    check_output,
    echo,
    fmt_num,
    format_table,
    not_empty,
    note,
    prob_option,
    workers_option,
    write_json,
)


def _size(b: float) -> str:
    return f"{b / 2**30:.2f} GiB" if b >= 2**30 else f"{b / 2**20:.1f} MiB"


class _SeedProgress:
    """Renders the library's seed-selection progress on stderr (a bar per stage, a line per OPIM-C round)."""

    def __init__(self) -> None:
        self.bar: ProgressBar | None = None
        self.key: tuple | None = None

    def __call__(self, p) -> None:
        if p.stage == "round":
            self.close()
            mib = f", store {_size(p.store_bytes)}" if p.store_bytes is not None else ""
            note(
                f"imm round {p.round}: {p.done:,} RR sets per collection, certified ratio {p.ratio:.3f} "
                f"(target {p.target:.3f}){mib}"
            )
            return
        label = {"sampling": f"imm round {p.round}", "celf": "celf", "validate": "validate"}.get(p.stage, p.stage)
        key = (label, p.unit)
        if key != self.key:
            self.close()
            self.bar, self.key = ProgressBar(label, unit=p.unit), key
        self.bar(p.done, p.total)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
        self.bar = self.key = None


@app.command("seeds")
def seeds_cmd(
    path: Path = typer.Argument(..., help="Ecosystem: a CSV directory, .npz or .graphml."),
    k: int | None = typer.Option(None, "--k", help="Number of seeds (or use --budget)."),
    budget: float | None = typer.Option(None, "--budget", help="Total budget; seeds cost --cost each."),
    cost: list[str] | None = typer.Option(
        None, "--cost", callback=not_empty, help="Cost per node type, e.g. --cost merchant=5 --cost user=1 (default 1)."
    ),
    method: str = typer.Option(
        "imm", "--method", callback=not_empty, help="imm | celf | degree | pagerank | degree-discount | random."
    ),
    model: str = typer.Option("ic", "--model", callback=not_empty, help="Cascade model: ic or lt."),
    layers: str | None = typer.Option(
        None, "--layers", callback=not_empty, help="Comma-separated layers (default: all)."
    ),
    prob: list[str] | None = typer.Option(
        None,
        "--prob",
        callback=not_empty,
        help="Probability: a number or 'wc' for every layer, or per layer 'social=0.05', 'payment=wc' (default wc: 1/in-degree).",
    ),
    params: Path | None = typer.Option(
        None, "--params", help="Fitted parameters ('graphmodel fit --json' file) instead of --prob."
    ),
    node_type: str | None = typer.Option(
        None, "--node-type", callback=not_empty, help="Seeds only among 'user' or 'merchant' (default: both)."
    ),
    epsilon: float = typer.Option(0.1, "--epsilon", help="IMM (OPIM-C) accuracy: certified 1-1/e-epsilon."),
    min_rr_sets: int | None = typer.Option(
        None,
        "--min-rr-sets",
        min=0,
        help="Sample at least this many RR sets per collection (default 2^17 (0.1/epsilon)^2; 0 = plain OPIM-C).",
    ),
    max_memory: str | None = typer.Option(
        None, "--max-memory", help="Budget of the RR store: bytes, '2G', '512MiB' or '10%' of RAM (default 25% of RAM)."
    ),
    stop_when_saturated: bool = typer.Option(
        False,
        "--stop-when-saturated",
        help="Once a pick gains nothing, return only the seeds that matter (default: fill by out-degree).",
    ),
    runs: int = typer.Option(500, "--runs", help="Monte Carlo runs per evaluation (celf)."),
    objective: str = typer.Option("reach", "--objective", callback=not_empty, help="reach | purchases | gmv."),
    campaign: str | None = typer.Option(
        None, "--campaign", callback=not_empty, help="Campaign merchant for purchases/gmv, e.g. merchant:123."
    ),
    seed: int | None = typer.Option(None, "--seed", help="Random seed (selection and validation)."),
    validate_runs: int = typer.Option(
        1000, "--validate-runs", help="Monte Carlo runs validating the final seeds (0: none)."
    ),
    workers: int | None = typer.Option(
        None, "--workers", callback=workers_option, help="Threads (default: all cores); results do not depend on it."
    ),
    scheduler: str | None = typer.Option(
        None,
        "--scheduler",
        help="Run on this Dask scheduler (tcp://host:8786): batches of runs over its workers, the same numbers as here.",
    ),
    json_out: Path | None = typer.Option(
        None, "--json", help="Write the result as JSON to this file ('-' for stdout)."
    ),
) -> None:
    """Pick seeds maximising the expected spread (IMM/OPIM-C, CELF or a heuristic) and validate them."""
    import graphmodel.io
    from graphmodel import clients
    from graphmodel.seeding import seeds

    check_output(json_out, what="JSON")
    eco = graphmodel.io.read(path)
    p = prob_option(prob)
    progress = _SeedProgress()
    with clients.using(scheduler) as client:
        try:
            res = seeds(
                eco,
                k=k,
                budget=budget,
                cost=cost or None,
                method=method,
                model=model,
                layers=layers,
                prob=p,
                node_type=node_type,
                epsilon=epsilon,
                min_rr_sets=min_rr_sets,
                max_memory=max_memory,
                stop_when_saturated=stop_when_saturated,
                runs=runs,
                objective=objective,
                campaign=campaign,
                seed=seed,
                validate_runs=validate_runs,
                workers=workers,
                progress=progress,
                params=params,
                client=client,
            )
        finally:
            progress.close()
    if json_out is not None:
        write_json(res.to_dict(), json_out)
        if str(json_out) == "-":
            return
    sat = res.saturation["after"] if res.saturation else None
    rows = [
        [i + 1, s, "-" if g != g else g] + ([("" if i < sat else "filled")] if sat is not None else [])
        for i, (s, g) in enumerate(zip(res.seeds, res.gains))
    ]
    echo(format_table(rows, ["pick", "seed", "gain"] + (["note"] if sat is not None else [])))
    for line in res.notes:
        note(line)
    if res.validation is not None:
        v = res.validation
        echo(
            f"spread (users reached, {v.n} runs): {fmt_num(v.mean)}  95% CI [{fmt_num(v.ci95[0])}, {fmt_num(v.ci95[1])}]"
        )
        if res.objective_value is not None and objective != "reach":
            o = res.objective_value
            echo(f"{objective}: {fmt_num(o.mean)}  95% CI [{fmt_num(o.ci95[0])}, {fmt_num(o.ci95[1])}]")
    if res.guarantee is not None and "ratio" in res.guarantee:
        note(f"guarantee: {res.guarantee['ratio']:.3f} ({res.guarantee.get('rule', '')})")
    if res.sampling is not None:
        m = res.sampling["memory"]
        note(
            f"RR store: {_size(m['store_bytes'])} of {_size(m['max_bytes'])} allowed, "
            f"{(m['bytes_per_rr_node'] or 0):.2f} bytes per RR node ({m['mean_rr_set_size']:.1f} nodes per set, "
            f"candidates stored as {m['member_dtype']}); stopped: {res.sampling['stopped_by']}"
        )
    note(f"{method}: {len(res.seeds)} seeds, cost {res.cost:g}, {res.n_rr_sets} RR sets, {res.seconds:.2f} s")
