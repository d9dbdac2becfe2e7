"""``graphmodel compete``: platforms enter one ecosystem; who becomes the main mobile trader?"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from graphmodel.cli.app import (
    app,
    check_outputs,
    echo,
    fmt_num,
    format_table,
    not_empty,
    note,
    progress_bar,
    require_module,
    save_json,
    workers_option,
)


@app.command("compete")
def compete_cmd(
    path: Path = typer.Argument(..., help="Ecosystem: a CSV directory, .npz or .graphml."),
    platform: list[str] = typer.Option(
        [],
        "--platform",
        callback=not_empty,
        help="'NAME: seeds=RULE, layers=L1,L2, strength=L1:P1,L2:P2[, budget=K]'; repeatable (added to --config's). "
        "RULE: top-degree:K[:user|merchant], random:K, user:ID, ..., imm:K (as if alone) or imm-vs:K "
        "(against the other platform's seeds).",
    ),
    config: Path | None = typer.Option(
        None, "--config", help="Contest file (TOML: [[platform]] tables, [contest] options)."
    ),
    runs: int | None = typer.Option(None, "--runs", help="Monte Carlo runs (default: the config's, else 1000)."),
    seed: int | None = typer.Option(None, "--seed", help="Random seed; the same seed gives the same result."),
    tie: str | None = typer.Option(
        None, "--tie", callback=not_empty, help="Simultaneous arrivals: 'random' (default) or 'strength'."
    ),
    switching: float | None = typer.Option(
        None, "--switching", help="Probability a user switches to a rival reaching them later."
    ),
    lock_in: float | None = typer.Option(
        None, "--lock-in", help="Per-step decay of the switching probability (habit)."
    ),
    multihoming: float | None = typer.Option(
        None, "--multihoming", help="Probability a merchant accepts several platforms."
    ),
    merchant_carry: float | None = typer.Option(
        None, "--merchant-carry", help="Probability a merchant carries its platform to a customer (default 0.9)."
    ),
    max_steps: int | None = typer.Option(None, "--max-steps", help="Stop each run after this many steps."),
    sweep: str | None = typer.Option(
        None,
        "--sweep",
        callback=not_empty,
        help="'NAME.budget=10:100:10', 'NAME.strength.LAYER=0.05:0.2:4' or 'multihoming=0:1:5' (START:STOP:NUM).",
    ),
    workers: int | None = typer.Option(
        None, "--workers", callback=workers_option, help="Threads (default: all cores); never changes the result."
    ),
    scheduler: str | None = typer.Option(
        None,
        "--scheduler",
        help="Run on this Dask scheduler (tcp://host:8786): batches of runs over its workers, the same numbers as here.",
    ),
    params: Path | None = typer.Option(
        None, "--params", help="Fitted parameters ('graphmodel fit --json'): strengths a platform does not name."
    ),
    json_out: Path | None = typer.Option(None, "--json", help="Write the full result as JSON ('-' for stdout)."),
    plot: Path | None = typer.Option(
        None, "--plot", help="Share over steps with bands (or the sweep) as .png/.pdf/.svg."
    ),
) -> None:
    """Run a competitive cascade between platforms and report shares of users, merchants and GMV."""
    import graphmodel as gm
    import graphmodel.io
    from graphmodel import clients
    from graphmodel.competition import load_contest, parse_platform
    from graphmodel.errors import InputError

    check_outputs((json_out, "JSON"), (plot, "figure"))
    if plot is not None:
        require_module("matplotlib", option="--plot", extra="plots")
    plats: list[Any] = []
    options: dict[str, Any] = {}
    if config is not None:
        contest = load_contest(config)
        plats.extend(contest.platforms)
        options.update(contest.options)
    plats.extend(parse_platform(p) for p in platform)
    if not plats:
        raise InputError("give --platform (twice or more) or --config", field="platform")
    given = {
        "runs": runs,
        "seed": seed,
        "tie": tie,
        "switching": switching,
        "lock_in": lock_in,
        "multihoming": multihoming,
        "merchant_carry": merchant_carry,
        "max_steps": max_steps,
    }
    options.update({k: v for k, v in given.items() if v is not None})
    options.setdefault("runs", 1000)
    eco = graphmodel.io.read(path)
    long_run = options["runs"] * max(eco.n_edges(), 1) >= 50_000_000
    with clients.using(scheduler) as client, progress_bar("compete", enabled=long_run) as progress:
        res = gm.compete(
            eco,
            platforms=plats,
            sweep=sweep,
            workers=workers,
            progress=progress,
            params=params,
            client=client,
            **options,
        )
    for line in res.warnings():
        note(f"warning: {line}")
    to_stdout = save_json(res.to_dict(), json_out)
    if plot is not None:
        from graphmodel.competition.plot import plot_result

        plot_result(res, plot)
        note(f"wrote {plot}")
    if not to_stdout:
        echo(_summary(res))


def _ci(e: Any) -> str:
    return f"{e.mean:.4f} [{e.ci95[0]:.4f}, {e.ci95[1]:.4f}]" if e.n > 1 and e.mean == e.mean else f"{fmt_num(e.mean)}"


def _summary(res: Any) -> str:
    p = res.params
    head = (
        f"{len(res.platforms)} platforms over {','.join(p['layers'])}, {res.runs} runs, seed {res.seed}, "
        f"tie {p['tie']}, switching {p['switching']}, multihoming {p['multihoming']}, "
        f"merchant_carry {p['merchant_carry']}"
    )
    rows = [[name, _ci(o.users), _ci(o.merchants), _ci(o.gmv), f"{o.wins:.3f}"] for name, o in res.platforms.items()]
    out = head + "\n" + format_table(rows, ["platform", "users share", "merchants share", "GMV share", "wins"])
    for name, sel in p.get("seed_selection", {}).items():
        out += (
            f"\n{name}: {sel['seed_rule']} chosen against {sel['against']}: first-arrival share "
            f"{sel['estimate_users_share']:.4f} (lower bound {sel['lower_bound_users_share']:.4f}, certified ratio "
            f"{sel['guarantee']['ratio']:.3f}, {sel['n_rr_sets']:,} RR sets, {sel['seconds']:.1f} s)"
        )
    if res.sweep is not None:
        sw = res.sweep
        names = list(res.platforms)
        srows = [
            [v, *(f"{pt[n].users.mean:.4f}" for n in names), *(f"{pr[n].mean:+.4f}" for n in names)]
            for v, pt, pr in zip(sw.values, sw.points, sw.paired)
        ]
        out += f"\nsweep {sw.param} (user share; paired difference from the base contest)\n" + format_table(
            srows, [sw.param, *names, *(f"d {n}" for n in names)]
        )
    return out
