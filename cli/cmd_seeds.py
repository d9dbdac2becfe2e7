"""``graphmodel seeds``: choose entry points (seed merchants or users) for a campaign."""

from __future__ import annotations

from pathlib import Path

import typer

from graphmodel.cli.app import app, echo, format_table, note, write_json


@app.command("seeds")
def seeds_cmd(
    path: Path = typer.Argument(..., help="Ecosystem: a CSV directory, .npz or .graphml."),
    k: int | None = typer.Option(None, "--k", help="Number of seeds (or use --budget)."),
    budget: float | None = typer.Option(None, "--budget", help="Total budget; seeds cost --cost each."),
    cost: list[str] | None = typer.Option(None, "--cost", help="Cost per node type, e.g. --cost merchant=5 --cost user=1 (default 1)."),
    method: str = typer.Option("imm", "--method", help="imm | celf | degree | pagerank | degree-discount | random."),
    model: str = typer.Option("ic", "--model", help="Cascade model: ic or lt."),
    layers: str | None = typer.Option(None, "--layers", help="Comma-separated layers (default: all)."),
    prob: list[str] | None = typer.Option(None, "--prob", help="Probability: a number, or per layer 'social=0.05', 'payment=wc' (default wc: 1/in-degree)."),
    node_type: str | None = typer.Option(None, "--node-type", help="Seeds only among 'user' or 'merchant' (default: both)."),
    epsilon: float = typer.Option(0.1, "--epsilon", help="IMM (OPIM-C) accuracy: certified 1-1/e-epsilon."),
    min_rr_sets: int | None = typer.Option(
        None, "--min-rr-sets", help="Sample at least this many RR sets per collection (default 2^17 (0.1/epsilon)^2; 0 = plain OPIM-C)."
    ),
    runs: int = typer.Option(500, "--runs", help="Monte Carlo runs per evaluation (celf)."),
    objective: str = typer.Option("reach", "--objective", help="reach | purchases | gmv."),
    campaign: str | None = typer.Option(None, "--campaign", help="Campaign merchant for purchases/gmv, e.g. merchant:123."),
    seed: int | None = typer.Option(None, "--seed", help="Random seed (selection and validation)."),
    validate_runs: int = typer.Option(1000, "--validate-runs", help="Monte Carlo runs validating the final seeds (0: none)."),
    workers: int | None = typer.Option(None, "--workers", help="Threads (default: all cores); results do not depend on it."),
    json_out: Path | None = typer.Option(None, "--json", help="Write the result as JSON to this file ('-' for stdout)."),
) -> None:
    """Pick seeds maximising the expected spread (IMM/OPIM-C, CELF or a heuristic) and validate them."""
    import graphmodel.io
    from graphmodel.seeding import seeds

    eco = graphmodel.io.read(path)
    p: object = None
    if prob:
        p = prob[0] if len(prob) == 1 and "=" not in prob[0] else prob
    res = seeds(
        eco, k=k, budget=budget, cost=cost or None, method=method, model=model, layers=layers, prob=p,
        node_type=node_type, epsilon=epsilon, min_rr_sets=min_rr_sets, runs=runs, objective=objective, campaign=campaign, seed=seed,
        validate_runs=validate_runs, workers=workers,
    )
    if json_out is not None:
        write_json(res.to_dict(), json_out)
        if str(json_out) == "-":
            return
    rows = [[i + 1, s, g] for i, (s, g) in enumerate(zip(res.seeds, res.gains))]
    echo(format_table(rows, ["pick", "seed", "gain"]))
    if res.validation is not None:
        v = res.validation
        echo(f"spread (users reached, {v.n} runs): {v.mean:.4g}  95% CI [{v.ci95[0]:.4g}, {v.ci95[1]:.4g}]")
        if res.objective_value is not None and objective != "reach":
            o = res.objective_value
            echo(f"{objective}: {o.mean:.4g}  95% CI [{o.ci95[0]:.4g}, {o.ci95[1]:.4g}]")
    if res.guarantee is not None and "ratio" in res.guarantee:
        note(f"guarantee: {res.guarantee['ratio']:.3f} ({res.guarantee.get('rule', '')})")
    note(f"{method}: {len(res.seeds)} seeds, cost {res.cost:g}, {res.n_rr_sets} RR sets, {res.seconds:.2f} s")
