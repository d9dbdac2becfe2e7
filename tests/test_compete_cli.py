"""graphmodel compete: the command line over gm.compete."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import graphmodel as gm
from graphmodel.cli.main import main

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def eco_path(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("compete") / "eco.npz"
    gm.write(gm.generate(preset="balanced", users=1500, seed=5), path)
    return path


def test_cli_platforms_json_plot(eco_path, tmp_path, capsys):
    out = tmp_path / "share.json"
    rc = main(
        [
            "compete",
            str(eco_path),
            "--platform",
            "wallet: seeds=top-degree:5:merchant, layers=payment, strength=payment:0.12",
            "--platform",
            "messenger: seeds=top-degree:10:user, layers=social,transfer, strength=social:0.05,transfer:0.2",
            "--runs",
            "50",
            "--seed",
            "1",
            "--json",
            str(out),
            "--plot",
            str(tmp_path / "share.png"),
        ]
    )
    assert rc == 0
    data = json.loads(out.read_text())
    assert set(data["platforms"]) == {"wallet", "messenger"}
    for o in data["platforms"].values():
        assert {"users", "merchants", "gmv", "wins", "by_layer"} <= set(o)
        assert {"mean", "ci95"} <= set(o["users"])
    assert set(data["curve"]) == {"steps", "wallet", "messenger"} and data["params"]["runs"] == 50
    assert "wallet" in capsys.readouterr().out
    assert (tmp_path / "share.png").stat().st_size > 0
    # the library call with the same arguments gives the same numbers
    lib = gm.compete(
        gm.read(eco_path),
        platforms=[
            "wallet: seeds=top-degree:5:merchant, layers=payment, strength=payment:0.12",
            "messenger: seeds=top-degree:10:user, layers=social,transfer, strength=social:0.05,transfer:0.2",
        ],
        runs=50,
        seed=1,
    )
    assert json.loads(json.dumps(lib.to_dict())) == data


def test_cli_config_and_sweep(eco_path, tmp_path, capsys):
    rc = main(
        [
            "compete",
            str(eco_path),
            "--config",
            str(REPO / "examples" / "contest.toml"),
            "--runs",
            "20",
            "--sweep",
            "wallet.budget=5:15:2",
            "--json",
            "-",
        ]
    )
    assert rc == 0
    data = json.loads(capsys.readouterr().out)
    assert data["sweep"]["values"] == [5, 15] and data["params"]["runs"] == 20


def test_cli_errors(eco_path, capsys):
    assert main(["compete", str(eco_path)]) == 2
    assert "--platform" in capsys.readouterr().err
    assert main(["compete", str(eco_path), "--platform", "w: seeds=random:3, layers=payment, strength=payment:7"]) == 2
    err = capsys.readouterr().err
    assert "strength" in err and err.count("\n") == 1
