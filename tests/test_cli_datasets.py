"""``graphmodel datasets list`` and ``graphmodel datasets load``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_datasets import write_release

import graphmodel as gm
import graphmodel.io
from graphmodel.cli.main import main


def test_list_shows_names_descriptions_and_citations(capsys):
    assert main(["datasets", "list"]) == 0
    out = capsys.readouterr().out
    for info in gm.list_datasets():
        assert out.count(f"{info.name}: {info.title}") == 1
        assert info.description in out
    assert out.count("cite: Tang, Gao, Liu") == 2
    assert "catalog_ciao.txt" in out and "catalog_epinion.txt" in out


def test_list_json(capsys):
    assert main(["datasets", "list", "--json", "-"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [d["name"] for d in data] == ["ciao", "epinions"]
    assert data[0] == gm.list_datasets()[0].to_dict()


@pytest.mark.parametrize("target", ["tiny", "tiny.npz", "tiny.graphml"])
def test_load_tiny_release_round_trips(tmp_path: Path, capsys, target: str):
    src = write_release(tmp_path / "release")
    out = tmp_path / target
    assert main(["datasets", "load", "ciao", str(src), "--out", str(out)]) == 0
    assert "5 users, 3 merchants, social 4 edges, payment 5 edges (7 rating rows)" in capsys.readouterr().err
    eco = gm.io.read(out)
    assert eco.equals(gm.load_dataset("ciao", src), meta=False)
    assert eco.meta == gm.load_dataset("ciao", src).meta


def test_load_errors_are_one_line(tmp_path: Path, capsys):
    out = tmp_path / "out.npz"
    assert main(["datasets", "load", "ciao", str(tmp_path / "missing"), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("graphmodel: error: ") and err.count("\n") == 1
    assert "expected the ciao release" in err and not out.exists()
    assert main(["datasets", "load", "yelp", str(tmp_path), "--out", str(out)]) == 2
    assert "unknown dataset 'yelp'" in capsys.readouterr().err


@pytest.mark.realdata
@pytest.mark.slow
def test_load_real_ciao_to_csv_dir(shared_datasets: Path, tmp_path: Path, capsys):
    out = tmp_path / "ciao"
    assert main(["datasets", "load", "ciao", str(shared_datasets / "ciao"), "--out", str(out)]) == 0
    capsys.readouterr()
    eco = gm.io.read(out)
    assert (eco.n_users, eco.n_merchants) == (7_375, 105_114)
    assert (eco.n_edges("social"), eco.n_edges("payment")) == (111_781, 282_650)
    assert eco.social_directed
    assert int(eco.edges("payment")["count"].sum()) == 284_086
    assert eco.meta["payment_layer"].startswith("review proxy")
    assert eco.meta["counts"]["rating_zero_rows"] == 34
