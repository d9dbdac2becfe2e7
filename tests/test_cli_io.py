"""graphmodel info / convert, and how a bad file is reported on the command line."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import graphmodel as gm
from graphmodel.cli.main import main


def test_info_human(tiny_eco, tmp_path, capsys):
    gm.write(tiny_eco, tmp_path / "eco")
    assert main(["info", str(tmp_path / "eco")]) == 0
    out = capsys.readouterr().out
    assert "tiny" in out and "users: 3" in out and "merchants: 2" in out
    assert "social" in out and "undirected" in out and "weight:float" in out
    assert "description: fixture" in out


def test_info_json_stdout_and_file(tiny_eco, tmp_path, capsys):
    gm.write(tiny_eco, tmp_path / "eco.npz")
    assert main(["info", str(tmp_path / "eco.npz"), "--json", "-"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["format"] == "npz" and data["users"] == 3 and data["edges"] == 6
    assert data["layers"]["payment"] == {
        "edges": 3,
        "directed": True,
        "columns": {"src": "int", "dst": "int", "count": "int", "amount": "float"},
        "sources": 3,
        "targets": 2,
    }
    assert main(["info", str(tmp_path / "eco.npz"), "--json", str(tmp_path / "s.json")]) == 0
    assert json.loads((tmp_path / "s.json").read_text()) == data


def test_convert_chain(tiny_eco, tmp_path, capsys):
    gm.write(tiny_eco, tmp_path / "a")
    assert main(["convert", str(tmp_path / "a"), str(tmp_path / "b.npz")]) == 0
    assert main(["convert", str(tmp_path / "b.npz"), str(tmp_path / "c.graphml")]) == 0
    assert main(["convert", str(tmp_path / "c.graphml"), str(tmp_path / "d"), "--compress"]) == 0
    assert (tmp_path / "d" / "users.csv.gz").exists()
    assert gm.read(tmp_path / "d").equals(tiny_eco)
    assert "->" in capsys.readouterr().err


def test_bad_input_one_line_exit_2(tmp_path, capsys):
    d = tmp_path / "eco"
    d.mkdir()
    (d / "users.csv").write_text("id\n1\n2\n")
    (d / "merchants.csv").write_text("id\nm\n")
    (d / "payments.csv").write_text("user,merchant,amount\n1,m,3\n2,m,-4\n")
    assert main(["info", str(d)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert f"{d / 'payments.csv'}:3" in err and "amount" in err
    assert main(["convert", str(d), str(tmp_path / "out.npz")]) == 2
    assert not (tmp_path / "out.npz").exists()
    with pytest.raises(gm.InputError):
        main(["--debug", "info", str(d)])


def test_console_script_subprocess(tmp_path):
    (tmp_path / "x.graphml").write_text("<graphml><graph><node id='a'></graph>")
    r = subprocess.run(
        [sys.executable, "-m", "graphmodel.cli.main", "info", str(tmp_path / "x.graphml")],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 2 and r.stderr.startswith("graphmodel: error:") and "x.graphml:1" in r.stderr
    assert "Traceback" not in r.stderr
    r = subprocess.run(
        [sys.executable, "-m", "graphmodel.cli.main", "--debug", "info", str(tmp_path / "x.graphml")],
        capture_output=True,
        text=True,
    )
    assert r.returncode != 0 and "Traceback" in r.stderr
