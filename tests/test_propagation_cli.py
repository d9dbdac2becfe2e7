"""``graphmodel simulate`` end to end on a small CSV directory."""

from __future__ import annotations

import json

from typer.testing import CliRunner

import graphmodel as gm
import graphmodel.cli.cmd_simulate  # noqa: F401  (registers the command)
from graphmodel.cli.app import app


def test_simulate_cli(tmp_path, tiny_eco):
    gm.write(tiny_eco, tmp_path / "eco")
    seeds = tmp_path / "seeds.txt"
    seeds.write_text("user:ann\n")
    out = tmp_path / "out.json"
    runner = CliRunner()
    r = runner.invoke(
        app,
        [
            "simulate",
            str(tmp_path / "eco"),
            "--layers",
            "social,payment",
            "--prob",
            "social=0.5",
            "--prob",
            "payment=wc",
            "--seed-file",
            str(seeds),
            "--runs",
            "200",
            "--seed",
            "1",
            "--json",
            str(out),
        ],
    )
    assert r.exit_code == 0, r.output
    assert "users reached" in r.stdout and "via payment" in r.stdout
    d = json.loads(out.read_text())
    lib = gm.simulate(
        tiny_eco,
        layers=["social", "payment"],
        prob={"social": 0.5, "payment": "wc"},
        seeds=["user:ann"],
        runs=200,
        seed=1,
    )
    assert d["spread"] == lib.spread.to_dict() and d["params"]["prob"] == {"social": 0.5, "payment": "wc"}
    r = runner.invoke(app, ["simulate", str(tmp_path / "eco"), "--model", "ppr", "--seeds", "ann", "--json", "-"])
    assert r.exit_code == 0 and json.loads(r.stdout)["model"] == "ppr"
