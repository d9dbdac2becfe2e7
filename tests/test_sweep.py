"""Sweeps: validation, determinism across engines, resume after a kill."""

from __future__ import annotations

import math
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import graphmodel as gm
from graphmodel.studies import load_study, sweep
from graphmodel.studies.experiments import merge_stats

STUDY = """
[study]
name = "t"
experiment = "simulate"
seed = 11
runs = 120
batch = 40

[ecosystems.g]
preset = "balanced"
users = 1500
merchants = 80
seed = 3

[params]
seeds = "random:5"
"prob.payment" = 0.05

[grid]
"prob.social" = [0.02, 0.08]
layers = ["social", "social,payment"]
"""


@pytest.fixture
def study_file(tmp_path: Path) -> Path:
    p = tmp_path / "study.toml"
    p.write_text(STUDY)
    return p


def test_merge_stats_equals_direct_computation():
    rng = np.random.default_rng(0)
    x = rng.normal(size=37)
    parts = [x[:10], x[10:11], x[11:]]
    acc = None
    for p in parts:
        s = (p.size, float(p.mean()), float(((p - p.mean()) ** 2).sum()))
        acc = s if acc is None else merge_stats(acc, s)
    n, mean, m2 = acc
    assert n == 37
    assert mean == pytest.approx(x.mean(), rel=1e-12)
    assert math.sqrt(m2 / (n - 1)) == pytest.approx(x.std(ddof=1), rel=1e-12)


def test_cell_result_matches_a_direct_simulation(study_file, tmp_path):
    """The merged cell equals the statistics of the same batches run by hand."""
    res = sweep(study_file, out=tmp_path / "out", workers=1)
    study = load_study(study_file)
    from graphmodel.seedsets import resolve_seeds
    from graphmodel.studies.run import task_seeds

    eco = gm.read(tmp_path / "out" / "ecosystems" / "g.npz")
    cell = study.cells()[3]
    params = study.cell_params(cell)
    spreads = []
    for b in range(study.batches_per_cell):
        cell_ss, batch_ss = task_seeds(study, cell, b)
        seeds = resolve_seeds(eco, "random:5", seed=cell_ss, layers=eco.csr(params["layers"]).layers)
        r = gm.simulate(eco, layers=params["layers"], prob=params["prob"], seeds=seeds, runs=40, seed=batch_ss)
        spreads.append((r.spread.n, r.spread.mean, r.spread.std))
    import csv

    rows = list(csv.DictReader(open(res.results)))
    row = rows[3]
    total = sum(n * m for n, m, _ in spreads) / 120
    assert float(row["spread.mean"]) == pytest.approx(total, rel=1e-12)
    assert int(row["runs"]) == 120


def test_two_dask_workers_give_the_same_table_as_one_process(study_file, tmp_path):
    a = sweep(study_file, out=tmp_path / "a", workers=1)
    b = sweep(study_file, out=tmp_path / "b", workers=2)
    assert a.engine == "in-process" and b.engine == "dask"
    assert a.results.read_bytes() == b.results.read_bytes()
    assert b.dashboard is not None


def test_rerun_skips_finished_tasks_and_changed_study_is_refused(study_file, tmp_path):
    out = tmp_path / "o"
    first = sweep(study_file, out=out, workers=1)
    again = sweep(study_file, out=out, workers=1)
    assert (first.ran, again.ran, again.skipped) == (12, 0, 12)
    assert first.results.read_bytes() == again.results.read_bytes()
    study_file.write_text(STUDY.replace("seed = 11", "seed = 12"))
    with pytest.raises(gm.InputError, match="study changed.*--force"):
        sweep(study_file, out=out, workers=1)
    forced = sweep(study_file, out=out, workers=1, force=True)
    assert forced.ran == 12


@pytest.mark.parametrize(
    "mutate, key",
    [
        (lambda s: s.replace('experiment = "simulate"', 'experiment = "nope"'), "study.experiment"),
        (lambda s: s.replace("runs = 120", "runs = -1"), "study.runs"),
        (lambda s: s.replace('layers = ["social", "social,payment"]', "layers = []"), "grid.layers"),
        (lambda s: s.replace("[params]", "[params]\nseed = 3"), "params.seed"),
        (lambda s: s.replace('preset = "balanced"', 'preset = "balanced"\npath = "x"'), "ecosystems.g"),
        (lambda s: s + "\n[extra]\na = 1\n", "extra"),
    ],
)
def test_bad_study_names_the_key(tmp_path, mutate, key):
    p = tmp_path / "s.toml"
    p.write_text(mutate(STUDY))
    with pytest.raises(gm.InputError) as err:
        load_study(p)
    assert f"'{key}'" in str(err.value) and "s.toml" in str(err.value)


@pytest.fixture(scope="module")
def kill_study(tmp_path_factory):
    """A study with many small tasks, and its table from an uninterrupted run.

    480 tasks (about 5 s here): the signal must land midway even when a loaded machine leaves the
    polling test unscheduled for a second or two (with 80 tasks the run once finished first)."""
    d = tmp_path_factory.mktemp("kill")
    study = d / "s.toml"
    study.write_text(STUDY.replace("runs = 120", "runs = 2400").replace("batch = 40", "batch = 20"))
    return study, sweep(study, out=d / "ref", workers=1)


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL])
def test_killed_run_resumes_to_the_same_table(tmp_path, kill_study, sig):
    study, ref = kill_study
    out = tmp_path / "killed"
    cmd = [sys.executable, "-m", "graphmodel.cli.main", "sweep", str(study), "--out", str(out), "--workers", "1"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.time() + 120
    while time.time() < deadline and len(list((out / "tasks").glob("*.json"))) < 5:
        time.sleep(0.02)
    proc.send_signal(sig)
    proc.wait(timeout=60)
    done_before = len(list((out / "tasks").glob("*.json")))
    assert 5 <= done_before < ref.tasks, "the run must be interrupted midway"
    resumed = sweep(study, out=out, workers=1)
    assert resumed.skipped == done_before and resumed.ran + resumed.skipped == ref.tasks
    assert resumed.results.read_bytes() == ref.results.read_bytes()
    rows = resumed.results.read_text().splitlines()
    assert len(rows) == 1 + 4  # header + one row per cell, no duplicates


def test_cli_sweep_and_report(study_file, tmp_path):
    from graphmodel.cli.main import main

    out = tmp_path / "cli"
    assert main(["sweep", str(study_file), "--out", str(out), "--workers", "1"]) == 0
    assert (out / "results.csv").exists()
    report = tmp_path / "r.html"
    assert main(["sweep-report", str(out), "--report", str(report)]) == 0
    text = report.read_text()
    assert "<img" in text and "spread" in text and "http" not in text.replace("http-equiv", "")
    assert main(["sweep-report", str(tmp_path / "nothing"), "--report", str(report)]) == 2


def test_compare_study_runs_and_merges(tmp_path):
    study = (
        STUDY.replace('experiment = "simulate"', 'experiment = "compare"')
        .replace("runs = 120", "runs = 60")
        .replace("batch = 40", "batch = 30")
    )
    study = study.replace('layers = ["social", "social,payment"]', '"intent.conversion.payment" = [0.05, 0.2]')
    study = study.replace('"prob.payment" = 0.05', '"prob.payment" = 0.3')
    p = tmp_path / "c.toml"
    p.write_text(study)
    res = sweep(p, out=tmp_path / "c", workers=1)
    import csv

    rows = list(csv.DictReader(open(res.results)))
    assert len(rows) == 4 and all(int(r["runs"]) == 60 for r in rows)
    assert {"scenarios.all.purchases.mean", "paired.payment-social.purchases.mean"} <= set(rows[0])
    # More payment conversion -> more purchases in the payment scenario (same coins, paired).
    by = {
        (r["intent.conversion.payment"], r["prob.social"]): float(r["scenarios.payment.purchases.mean"]) for r in rows
    }
    assert by[("0.2", "0.02")] > by[("0.05", "0.02")]


def test_compete_study_runs_and_merges(tmp_path):
    study = (
        STUDY.replace('experiment = "simulate"', 'experiment = "compete"')
        .replace("runs = 120", "runs = 40")
        .replace("batch = 40", "batch = 20")
    )
    study = study.replace(
        'seeds = "random:5"\n"prob.payment" = 0.05',
        "platforms = ["
        '"wallet: seeds=random:5:merchant, layers=payment, strength=payment:0.1", '
        '"messenger: seeds=random:5:user, layers=social, strength=social:0.1"]',
    )
    study = study.replace(
        '"prob.social" = [0.02, 0.08]\nlayers = ["social", "social,payment"]', "multihoming = [0.0, 1.0]"
    )
    p = tmp_path / "k.toml"
    p.write_text(study)
    a = sweep(p, out=tmp_path / "k1", workers=1)
    import csv

    rows = list(csv.DictReader(open(a.results)))
    assert len(rows) == 2 and {"platforms.wallet.users.mean", "platforms.messenger.gmv.ci95_high"} <= set(rows[0])
    for r in rows:
        assert 0.0 <= float(r["platforms.wallet.users.mean"]) <= 1.0


@pytest.mark.parametrize(
    "bad, field",
    [
        ('modle = "ic"', "modle"),
        ('"intent.conversoin.payment" = 0.2', "intent.conversoin.payment"),
    ],
)
def test_study_typos_are_refused_before_anything_runs(tmp_path, bad, field):
    study = (
        STUDY.replace('experiment = "simulate"', 'experiment = "compare"')
        .replace('layers = ["social", "social,payment"]', "")
        .replace('seeds = "random:5"', 'seeds = "random:5"\n' + bad)
    )
    p = tmp_path / "typo.toml"
    p.write_text(study)
    with pytest.raises(gm.InputError) as err:
        sweep(p, out=tmp_path / "o", workers=1)
    assert err.value.field == field
    assert not (tmp_path / "o").exists()  # nothing generated, nothing written
