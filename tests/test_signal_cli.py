"""``graphmodel signal`` writes the documented JSON shapes."""

from __future__ import annotations

import json

import numpy as np

import graphmodel as gm
from graphmodel.cli.main import main


def _eco() -> gm.Ecosystem:
    rng = np.random.default_rng(0)
    U, M = 80, 25
    u, m = rng.integers(0, U, 700), rng.integers(0, M, 700)
    key = np.unique(u * M + m)
    u, m = key // M, key % M
    s = rng.integers(0, U, (200, 2))
    s = s[s[:, 0] != s[:, 1]]
    return gm.Ecosystem.from_labels(
        users={"id": np.arange(U)},
        merchants={"id": np.arange(M), "category": np.array(list("abcde"))[np.arange(M) % 5]},
        social={"src": s[:, 0], "dst": s[:, 1]},
        social_directed=True,
        payment={"user": u, "merchant": m, "first_time": rng.integers(0, 400, len(u)) * 86400},
    )


def test_cli_signal_json_and_plot(tmp_path, capsys):
    path = tmp_path / "eco"
    gm.write(_eco(), path)
    out, png = tmp_path / "sig.json", tmp_path / "sig.png"
    rc = main(
        [
            "signal",
            str(path),
            "--split",
            "time",
            "--test-from",
            "1970-10-28",
            "--k",
            "5",
            "--seed",
            "1",
            "--n-boot",
            "50",
            "--json",
            str(out),
            "--plot",
            str(png),
        ]
    )
    assert rc == 0
    d = json.loads(out.read_text())
    assert set(d) == {"scorers", "paired", "split", "params", "combination", "affordable"}
    assert set(d["scorers"]["social"]) == {"auc", "recall@5", "ndcg@5"}
    assert set(d["scorers"]["own"]["auc"]) >= {"mean", "ci95"}
    assert png.stat().st_size > 0
    assert "scorer" in capsys.readouterr().out


def test_cli_conversion_json(tmp_path):
    path = tmp_path / "eco"
    gm.write(_eco(), path)
    out = tmp_path / "conv.json"
    rc = main(
        [
            "signal",
            str(path),
            "--estimate-conversion",
            "--seed",
            "1",
            "--n-boot",
            "50",
            "--n-shuffles",
            "2",
            "--json",
            str(out),
        ]
    )
    assert rc == 0
    d = json.loads(out.read_text())
    assert d["format"] == "graphmodel.conversion/1" and d["params"]["level"] == "category"
    assert set(d["conversion"]) == {"social", "payment"}


def test_combination_skipped_not_failed(tmp_path):
    r = gm.signal(_eco(), test_from=300, seed=1, n_boot=20)  # 300 s: nearly everything is test
    assert "combined" not in r.scorers and "combination not fitted" in r.params["combination_note"]


def test_cli_bad_option_is_one_line(tmp_path, capsys):
    path = tmp_path / "eco"
    gm.write(_eco(), path)
    assert main(["signal", str(path), "--split", "sideways"]) == 2
    assert "split" in capsys.readouterr().err
