"""``graphmodel fit``: learn per-layer transmission from timestamped purchases, with intervals and validation."""

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
    save_json,
    workers_option,
)


@app.command("fit")
def fit_cmd(
    path: Path = typer.Argument(
        ...,
        help="Ecosystem with payment first_time (CSV directory, .npz, .graphml), "
        "or a raw dataset release folder (see --dataset).",
    ),
    dataset: str = typer.Option(None, "--dataset", help="Read PATH as this dataset's release (ciao)."),
    level: str = typer.Option("category", "--level", callback=not_empty, help="What an item is: category or merchant."),
    window: int = typer.Option(30, "--window", help="Days an exposure stays live after a neighbour's purchase."),
    layers: str | None = typer.Option(
        None, "--layers", callback=not_empty, help="Comma-separated layers (default: every layer with edges)."
    ),
    test_from: str | None = typer.Option(
        None, "--test-from", help="Fit before this date (YYYY-MM-DD), validate after."
    ),
    bootstrap: int = typer.Option(200, "--bootstrap", help="Bootstrap resamples of users (paired across layers)."),
    shuffles: int = typer.Option(3, "--shuffles", help="Time-shuffled replicates for the baseline."),
    seed: int | None = typer.Option(None, "--seed", help="Random seed; the same seed gives the same numbers."),
    workers: int | None = typer.Option(
        None, "--workers", callback=workers_option, help="Threads (default: all cores); never changes the result."
    ),
    json_out: Path | None = typer.Option(None, "--json", help="Write the graphmodel.params/1 file ('-' for stdout)."),
    report: Path | None = typer.Option(None, "--report", help="Write one self-contained HTML page."),
) -> None:
    """Fit per-layer transmission (IC with background) to timestamped purchases; report intervals and validation."""
    import graphmodel as gm
    from graphmodel.cli.cmd_signal import _load  # the same reading rules as `signal`

    check_outputs((json_out, "JSON"), (report, "report"))
    eco = _load(path, dataset)
    res = gm.fit(
        eco,
        level=level,
        window=window,
        layers=layers,
        test_from=test_from,
        bootstrap=bootstrap,
        shuffles=shuffles,
        seed=seed,
        source=str(path),
        workers=workers,
    )
    if report is not None:
        from graphmodel.fitting.report import write_report

        write_report(res, report)
        note(f"wrote {report}")
    if save_json(res.to_dict(), json_out):
        return
    echo(_summary(res))


def _ci(c: Any) -> str:
    return "-" if not c or c[0] is None else f"[{fmt_num(c[0])}, {fmt_num(c[1])}]"


def _summary(res: Any) -> str:
    d = res.to_dict()
    p = d["params"]
    lines = [
        f"fit: {p['data']['n_users']:,} users, {p['data']['n_items']} {p['level']} items, "
        f"{p['data']['n_adoptions']:,} first purchases, {p['data']['first_day']} .. {p['data']['last_day']}; "
        f"window {p['window_days']} days, {p['bootstrap']} bootstrap resamples, seed {p['seed']}"
    ]
    rows = []
    for layer, e in d["transmission"].items():
        rows.append(
            [
                layer,
                e["mean"] if e["mean"] is not None else "not estimable",
                _ci(e["ci95"]),
                d["baseline"][layer]["mean"] if d["baseline"][layer]["mean"] is not None else "-",
                f"{e['exposures']:,}",
                e["reason"] or e["homophily"] or "",
            ]
        )
    lines.append(
        format_table(rows, ["layer", "p (reached and bought)", "95% CI", "time-shuffled", "exposures", "note"])
    )
    bg = d["background"]
    lines.append(f"background {fmt_num(bg['mean'])} {_ci(bg['ci95'])}: {bg['unit']}")
    for k, v in d["relative"].items():
        if v["mean"] is not None:
            lines.append(f"{k}: {fmt_num(v['mean'])} {_ci(v['ci95'])} (paired)")
    rec = d["recovery"]
    if rec:
        covered = [v["covered"] for v in rec["layers"].values() if v["covered"] is not None]
        lines.append(
            "recovery of the generated truth: "
            + ", ".join(
                f"{k} {fmt_num(v['truth'])} -> {v['estimate'] if v['estimate'] is None else fmt_num(v['estimate'])} "
                f"{'covered' if v['covered'] else 'NOT covered' if v['covered'] is not None else ''}".rstrip()
                for k, v in rec["layers"].items()
            )
            + f" ({sum(covered)}/{len(covered)} intervals cover)"
        )
    v = d["validation"]
    if v and "rows" in v:
        lines.append(
            f"out of sample from {p['split']['test_from_date']}: {v['test_users']} test users, "
            f"{v['pairs']:,} pairs, {v['positives']:,} first purchases (predicted {v['predicted_total']:.0f})"
        )
        rows = [
            [
                r["name"],
                r["auc"] if r["auc"] is not None else "-",
                r["auc_per_user"]["mean"] or "-",
                _ci(r["auc_per_user"]["ci95"]),
                _ci(r["fitted_minus_this"]["ci95"]) if "fitted_minus_this" in r else "",
            ]
            for r in v["rows"]
        ]
        lines.append(format_table(rows, ["predictor", "AUC pooled", "AUC per user", "95% CI", "fitted minus this"]))
        lines.append(
            "fitted model "
            + ("beats" if v["fitted_beats_all"] else "does not beat")
            + f" every other predictor on pooled AUC (best other: {v['best_other']['name']} "
            f"{fmt_num(v['best_other']['auc'])})"
        )
    elif v:
        lines.append(f"validation: {v['skipped']}")
    return "\n".join(lines)
