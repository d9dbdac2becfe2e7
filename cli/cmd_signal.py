"""``graphmodel signal``: which signal predicts purchases, shopping data or social data?"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from graphmodel.cli.app import (
    ProgressBar,
    app,
    check_outputs,
    echo,
    format_table,
    not_empty,
    positive_number,
    require_module,
    save_json,
)


def _load(path: Path, dataset: str | None):
    """A graphmodel file, or (``--dataset`` or a folder named like one) a raw dataset release."""
    import graphmodel.io
    from graphmodel.datasets import list_datasets, load_dataset

    if dataset:
        return load_dataset(dataset, path)
    known = {d.name for d in list_datasets()}
    if (
        path.is_dir()
        and path.name in known
        and not any(path.glob("*.csv*"))
        and any(p.suffix in (".mat", ".zip") for p in path.iterdir())
    ):
        return load_dataset(path.name, path)
    return graphmodel.io.read(path)


def _cell(d: dict[str, Any]) -> str:
    if d["mean"] is None:
        return "-"
    lo, hi = d["ci95"]
    return f"{d['mean']:.4f} [{lo:.4f}, {hi:.4f}]" if lo is not None else f"{d['mean']:.4f}"


@app.command("signal")
def signal_cmd(
    path: Path = typer.Argument(..., help="Ecosystem file/folder, or a raw dataset release folder (see --dataset)."),
    dataset: str = typer.Option(None, "--dataset", help="Read PATH as this dataset's release (ciao, epinions)."),
    split: str = typer.Option(
        "time", "--split", callback=not_empty, help="'time' (needs payment first_time) or 'random'."
    ),
    test_from: str = typer.Option(
        None, "--test-from", callback=not_empty, help="Time split cut: YYYY-MM-DD or unix seconds."
    ),
    test_fraction: float = typer.Option(
        0.2, "--test-fraction", help="Share held out (random split, or time split without --test-from)."
    ),
    level: str = typer.Option(
        None,
        "--level",
        callback=not_empty,
        help="'merchant' or 'category' (default: merchant; category with --estimate-conversion).",
    ),
    k: int = typer.Option(10, "--k", min=1, help="Cut-off of recall@k and NDCG@k."),
    negatives: str = typer.Option(
        "auto", "--negatives", help="'all', 'auto' or a number of sampled negatives per batch."
    ),
    warm_only: bool = typer.Option(
        False, "--warm-only", help="Only items with a training buyer are candidates/targets."
    ),
    min_train: int = typer.Option(1, "--min-train", min=1, help="Training purchases a test user needs."),
    max_users: int = typer.Option(None, "--max-users", min=1, help="Evaluate a seeded subset of test users."),
    n_boot: int = typer.Option(1000, "--n-boot", min=0, help="Bootstrap resamples over users."),
    no_combine: bool = typer.Option(False, "--no-combine", help="Skip the fitted combination."),
    seed: int = typer.Option(None, "--seed", help="Random seed (split, samples, bootstrap)."),
    estimate_conversion: bool = typer.Option(
        False, "--estimate-conversion", help="Estimate per-layer conversion against a time-shuffled baseline instead."
    ),
    window_days: float = typer.Option(
        30.0, "--window-days", callback=positive_number, help="Conversion window (with --estimate-conversion)."
    ),
    n_shuffles: int = typer.Option(
        5, "--n-shuffles", min=1, help="Time-shuffled replicates (with --estimate-conversion)."
    ),
    json_out: Path = typer.Option(None, "--json", help="Write the result as JSON ('-' for stdout)."),
    plot: Path = typer.Option(None, "--plot", help="Write a bar chart (PNG/PDF/SVG)."),
) -> None:
    """Rank held-out purchases with own history, social ties, co-customers, transfers and popularity; report AUC, recall@k, NDCG@k."""
    from graphmodel.errors import InputError

    check_outputs((json_out, "JSON"), (plot, "figure"))
    if plot is not None:
        require_module("matplotlib", option="--plot", extra="plots")
    eco = _load(path, dataset)
    if estimate_conversion:
        from graphmodel.signals import estimate_conversion as est

        conv_level = level or "category"
        res = est(eco, level=conv_level, window_days=window_days, n_shuffles=n_shuffles, n_boot=n_boot, seed=seed)
        d = res.to_dict()
        rows = [
            [name, v["exposures"], v["conversions"], _cell(v["rate"]), _cell(v["baseline_rate"]), _cell(v["lift"])]
            for name, v in d["layers"].items()
        ]
        if json_out is None or str(json_out) != "-":
            echo(format_table(rows, ["layer", "exposures", "conversions", "rate", "shuffled baseline", "lift"]))
            for key, v in d["relative"].items():
                echo(f"{key}: rate ratio {_cell(v['rate'])}, lift ratio {_cell(v['lift'])}")
        save_json(d, json_out)
        return
    if negatives == "all":
        neg: Any = None
    elif negatives == "auto":
        neg = "auto"
    else:
        try:
            neg = int(negatives)
        except ValueError:
            raise InputError(f"expected 'all', 'auto' or an integer, got {negatives!r}", field="--negatives") from None
    from graphmodel.signals import signal

    level = level or "merchant"

    progress = ProgressBar("signal", unit="test users")
    try:
        res = signal(
            eco,
            split=split,
            test_from=test_from,
            test_fraction=test_fraction,
            level=level,
            k=k,
            seed=seed,
            negatives=neg,
            warm_only=warm_only,
            min_train=min_train,
            max_users=max_users,
            n_boot=n_boot,
            combine=not no_combine,
            progress=progress,
        )
    finally:
        progress.close()
    d = res.to_dict()
    if json_out is None or str(json_out) != "-":
        metrics = list(next(iter(d["scorers"].values())))
        rows = [[name] + [_cell(m[x]) for x in metrics] for name, m in d["scorers"].items()]
        s = d["split"]
        echo(
            f"{s['kind']} split: {s['test_users']} test users, {s['held_out_items']} held-out items; candidates: {d['params']['candidates']}"
        )
        echo(format_table(rows, ["scorer"] + metrics))
        if d["affordable"]:
            a = d["affordable"]
            echo(f"affordable only ({a['share_of_test_purchases_affordable']:.1%} of held-out purchases affordable):")
            echo(
                format_table(
                    [[n] + [_cell(m[x]) for x in metrics] for n, m in a["scorers"].items()], ["scorer"] + metrics
                )
            )
    save_json(d, json_out)
    if plot is not None:
        from graphmodel.signals.plot import plot_signal

        plot_signal(res, plot, title=f"{eco.meta.get('name') or path.name}: {d['split']['kind']} split, {level}")
