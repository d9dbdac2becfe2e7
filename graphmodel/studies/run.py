"""Run a study: split into tasks, execute in-process or on Dask, write as tasks finish, merge.

Output directory::

    study.json            the validated study and its fingerprint
    ecosystems/NAME.npz   generated ecosystems, made once, shared by every task
    tasks/cCCCCC-bBBBB.json   one finished task (written atomically)
    results.csv           one row per grid cell, sorted by cell, merged from the tasks

Each task's random stream comes from the study seed and the cell's coordinates
(plus the batch number), never from scheduling, so ``--workers 1``,
``--workers 2`` and a resumed run write a byte-identical ``results.csv``.

Why in-process for small work: starting a Dask LocalCluster costs seconds; a
study with a single pending task, or ``workers=1`` without a scheduler, runs in
this process instead.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy import stats as _st

from graphmodel.errors import InputError
from graphmodel.io.atomic import atomic_write_text
from graphmodel.studies.experiments import Stats, merge_stats, run_experiment
from graphmodel.studies.spec import Cell, Study, load_study

if TYPE_CHECKING:
    from graphmodel.clients import Scheduler

__all__ = ["sweep", "SweepResult", "task_seeds"]


@dataclass(frozen=True)
class SweepResult:
    """Where the results are and what this call did."""

    out: Path
    results: Path
    cells: int
    tasks: int
    ran: int
    skipped: int
    seconds: float
    engine: str
    dashboard: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: (str(v) if isinstance(v, Path) else v) for k, v in self.__dict__.items()}


def task_seeds(study: Study, cell: Cell, batch: int) -> tuple[np.random.SeedSequence, np.random.SeedSequence]:
    """The cell's seed-set stream and the batch's run stream, from the study seed and the coordinates."""
    digest = hashlib.sha256(cell.key.encode()).digest()
    words = tuple(int.from_bytes(digest[i : i + 4], "little") for i in range(0, 16, 4))
    cell_ss = np.random.SeedSequence(entropy=study.seed, spawn_key=(*words, 0))
    batch_ss = np.random.SeedSequence(entropy=study.seed, spawn_key=(*words, 1 + batch))
    return cell_ss, batch_ss


def _task_name(cell: int, batch: int) -> str:
    return f"c{cell:06d}-b{batch:04d}.json"


def _prepare_out(study: Study, out: Path, force: bool) -> None:
    out.mkdir(parents=True, exist_ok=True)
    meta_path = out / "study.json"
    record = {"fingerprint": study.fingerprint, "study": study.raw}
    if meta_path.exists():
        try:
            old = json.loads(meta_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            old = {}
        if old.get("fingerprint") != study.fingerprint:
            if not force:
                raise InputError(
                    "the study changed since this output directory was made; use --force to discard its results",
                    source=str(meta_path),
                )
            for p in (out / "tasks").glob("*.json"):
                p.unlink()
            (out / "results.csv").unlink(missing_ok=True)
            for p in (out / "ecosystems").glob("*.npz"):
                p.unlink()
    atomic_write_text(meta_path, json.dumps(record, indent=2, sort_keys=True, default=str) + "\n")
    (out / "tasks").mkdir(exist_ok=True)


def _ecosystem_files(study: Study, out: Path) -> dict[str, Path]:
    """Every ecosystem as a file: generated ones are made once into ``out/ecosystems``."""
    from graphmodel.io import write

    paths: dict[str, Path] = {}
    for name, e in study.ecosystems.items():
        if "path" in e:
            p = Path(e["path"])
            paths[name] = p if p.is_absolute() else Path(study.base_dir) / p
            continue
        target = out / "ecosystems" / f"{name}.npz"
        if not target.exists():
            from graphmodel.generator import generate

            kwargs = {k: v for k, v in e.items() if k not in ("params",)}
            kwargs.update(e.get("params", {}))
            eco = generate(**kwargs)
            write(eco, target)
        paths[name] = target
    return paths


_ECO_CACHE: dict[str, Any] = {}


def _load(path: str) -> Any:
    """Read an ecosystem once per process (workers keep it between tasks)."""
    eco = _ECO_CACHE.get(path)
    if eco is None:
        from graphmodel.io import read

        eco = read(path)
        _ECO_CACHE.clear()  # one study's ecosystems at a time keeps memory bounded
        _ECO_CACHE[path] = eco
    return eco


def _run_task(study: Study, cell: Cell, batch: int, eco_or_path: Any) -> dict[str, Any]:
    eco = _load(str(eco_or_path)) if isinstance(eco_or_path, (str, Path)) else eco_or_path
    cell_ss, batch_ss = task_seeds(study, cell, batch)
    runs = min(study.batch, study.runs - batch * study.batch)
    stats = run_experiment(
        study.experiment, eco, study.cell_params(cell), cell_seed=cell_ss, batch_seed=batch_ss, runs=runs
    )
    return {
        "cell": cell.index,
        "batch": batch,
        "coords": cell.coords,
        "runs": runs,
        "stats": {k: list(v) for k, v in sorted(stats.items())},
    }


def _write_task(out: Path, row: dict[str, Any]) -> None:
    text = json.dumps(row, sort_keys=True, allow_nan=True) + "\n"
    atomic_write_text(out / "tasks" / _task_name(row["cell"], row["batch"]), text)


def _fmt(x: float) -> str:
    return "" if x is None or (isinstance(x, float) and math.isnan(x)) else repr(float(x))


def merge_results(study: Study, out: Path) -> Path:
    """Merge finished tasks into ``results.csv``: one row per complete cell, sorted by cell."""
    cells = study.cells()
    per_cell: dict[int, dict[int, dict[str, Any]]] = {}
    for p in sorted((out / "tasks").glob("*.json")):
        row = json.loads(p.read_text(encoding="utf-8"))
        per_cell.setdefault(int(row["cell"]), {})[int(row["batch"])] = row
    axes = sorted(study.grid)
    metrics: list[str] = sorted({m for rows in per_cell.values() for r in rows.values() for m in r["stats"]})
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    header = ["cell", *axes, "runs"]
    for m in metrics:
        header += [f"{m}.mean", f"{m}.ci95_low", f"{m}.ci95_high", f"{m}.std"]
    w.writerow(header)
    for cell in cells:
        rows = per_cell.get(cell.index, {})
        if len(rows) < study.batches_per_cell:
            continue
        merged: dict[str, Stats] = {}
        for b in sorted(rows):
            for m, s in rows[b]["stats"].items():
                s = (int(s[0]), float(s[1]), float(s[2]))
                merged[m] = merge_stats(merged[m], s) if m in merged else s
        line: list[Any] = [cell.index, *[cell.coords[a] for a in axes], sum(r["runs"] for r in rows.values())]
        for m in metrics:
            n, mean, m2 = merged.get(m, (0, float("nan"), 0.0))
            std = math.sqrt(m2 / (n - 1)) if n > 1 else float("nan")
            h = float(_st.t.ppf(0.975, n - 1)) * std / math.sqrt(n) if n > 1 else float("nan")
            line += [_fmt(mean), _fmt(mean - h), _fmt(mean + h), _fmt(std)]
        w.writerow(line)
    target = out / "results.csv"
    atomic_write_text(target, buf.getvalue())
    return target


def sweep(
    spec: str | Path | dict[str, Any] | Study,
    *,
    out: str | Path,
    client: Scheduler = None,
    scheduler: str | None = None,
    workers: int | None = None,
    force: bool = False,
    progress: Callable[[int, int], None] | None = None,
    on_cluster: Callable[[str | None], None] | None = None,
) -> SweepResult:
    """Run a study, resuming from what ``out`` already holds.

    Parameters
    ----------
    spec
        A study file, a dict of the same shape, or a :class:`Study`.
    out
        Output directory (made if missing; finished tasks in it are skipped).
    client
        A ``dask.distributed.Client`` to use as is.
    scheduler
        Address of an existing Dask scheduler (``tcp://host:8786``).
    workers
        Local worker processes (default: all cores). ``1`` without a
        scheduler runs in this process.
    force
        Discard results made by a different study in ``out``.
    progress
        Called as ``progress(done, total)`` after each finished task.
    on_cluster
        Called with the Dask dashboard address once a cluster is up.
    """
    study = spec if isinstance(spec, Study) else load_study(spec)
    out = Path(out)
    t0 = time.perf_counter()
    _prepare_out(study, out, force)
    eco_paths = _ecosystem_files(study, out)
    cells = study.cells()
    all_tasks = [(c, b) for c in cells for b in range(study.batches_per_cell)]
    done_names = {p.name for p in (out / "tasks").glob("*.json")}
    pending = [(c, b) for c, b in all_tasks if _task_name(c.index, b) not in done_names]
    total, finished = len(all_tasks), len(all_tasks) - len(pending)
    if progress is not None:
        progress(finished, total)
    in_process = client is None and scheduler is None and (workers == 1 or len(pending) <= 1)
    engine, dashboard = "in-process", None
    if pending and in_process:
        for c, b in pending:
            _write_task(out, _run_task(study, c, b, str(eco_paths[study.ecosystem_of(c)])))
            finished += 1
            if progress is not None:
                progress(finished, total)
    elif pending:
        engine, dashboard, finished = _run_dask(
            study, out, pending, eco_paths, client, scheduler, workers, finished, total, progress, on_cluster
        )
    results = merge_results(study, out)
    return SweepResult(
        out=out,
        results=results,
        cells=len(cells),
        tasks=total,
        ran=len(pending),
        skipped=total - len(pending),
        seconds=time.perf_counter() - t0,
        engine=engine,
        dashboard=dashboard,
    )


def _run_dask(study, out, pending, eco_paths, client, scheduler, workers, finished, total, progress, on_cluster):
    try:
        from dask.distributed import Client, LocalCluster, as_completed
    except ImportError:  # pragma: no cover - the dask extra is missing
        raise InputError(
            "Dask is not installed: pip install 'graphmodel[dask]' (or use --workers 1)", field="workers"
        ) from None
    own_client = client is None
    cluster = None
    if own_client:
        if scheduler is not None:
            from graphmodel.clients import connect

            client = connect(scheduler)[0]
        else:
            n = workers or os.cpu_count() or 1
            cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=":0")
            client = Client(cluster)
    engine = "dask"
    dashboard = getattr(client, "dashboard_link", None)
    if on_cluster is not None:
        on_cluster(dashboard)
    try:
        # Ship each ecosystem once: a LocalCluster shares this machine's files; a remote
        # cluster gets the ecosystem objects scattered to every worker.
        if cluster is not None:
            handles = {k: str(p) for k, p in eco_paths.items()}
        else:
            from graphmodel.io import read

            needed = {study.ecosystem_of(c) for c, _ in pending}
            handles = {k: client.scatter(read(eco_paths[k]), broadcast=True) for k in needed}
        futures = [
            client.submit(_run_task, study, c, b, handles[study.ecosystem_of(c)], pure=False) for c, b in pending
        ]
        for fut in as_completed(futures):
            _write_task(out, fut.result())
            finished += 1
            if progress is not None:
                progress(finished, total)
    finally:
        if own_client:
            client.close()
            if cluster is not None:
                cluster.close()
    return engine, dashboard, finished
