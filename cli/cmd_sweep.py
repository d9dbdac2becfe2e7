"""``graphmodel sweep`` and ``graphmodel sweep-report``: studies on Dask, resumable."""

from __future__ import annotations

from pathlib import Path

import typer

from graphmodel.cli.app import app, check_output, echo, note, progress_bar, require_module, workers_option


@app.command("sweep")
def sweep_cmd(
    study: Path = typer.Argument(..., help="Study file (TOML): ecosystems, experiment, [params], [grid]."),
    out: Path = typer.Option(..., "--out", help="Output directory; rerun with the same one to resume."),
    workers: int = typer.Option(
        None,
        "--workers",
        callback=workers_option,
        help="Local worker processes (default: all cores; 1 = this process).",
    ),
    scheduler: str = typer.Option(
        None, "--scheduler", help="Address of an existing Dask scheduler, e.g. tcp://host:8786."
    ),
    force: bool = typer.Option(False, "--force", help="Discard results of a different study in --out."),
) -> None:
    """Run a parameter study: every grid cell x batch is an independent task."""
    from graphmodel.errors import InputError
    from graphmodel.studies import sweep

    if out.exists() and not out.is_dir():
        raise InputError("the sweep output must be a directory; this is a file", source=str(out))
    if not out.exists():
        check_output(out, what="sweep output")
    with progress_bar("sweep", unit="tasks") as bar:
        res = sweep(
            study,
            out=out,
            workers=workers,
            scheduler=scheduler,
            force=force,
            progress=bar,
            on_cluster=lambda link: note(f"Dask dashboard: {link}") if link else None,
        )
    echo(
        f"{res.cells} cells, {res.tasks} tasks: {res.ran} run, {res.skipped} already done ({res.engine}, {res.seconds:.1f} s)"
    )
    echo(f"results: {res.results}")


@app.command("sweep-report")
def sweep_report_cmd(
    out: Path = typer.Argument(..., help="Output directory of a sweep."),
    report: Path = typer.Option(..., "--report", help="HTML file to write (self-contained)."),
) -> None:
    """Tables and plots of a whole study as one HTML page."""
    check_output(report, what="report")
    require_module("matplotlib", option="--report", extra="plots")
    from graphmodel.studies.report import write_sweep_report

    write_sweep_report(out, report)
    echo(f"report: {report}")
