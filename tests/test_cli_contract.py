"""CLI contract: bad seeds and unwritable outputs are one line and exit 2, refused before any work."""

from __future__ import annotations

import numpy as np
import pytest

import graphmodel as gm
from graphmodel._seed import as_seed_sequence
from graphmodel.cli.main import main


@pytest.fixture(scope="module")
def eco_dir(tmp_path_factory) -> str:
    d = tmp_path_factory.mktemp("eco") / "eco"
    gm.write(gm.generate(users=300, seed=1), d)
    return str(d)


@pytest.mark.parametrize("cmd", [
    ["compare", "{eco}", "--runs", "4"],
    ["simulate", "{eco}", "--runs", "4"],
    ["seeds", "{eco}", "--k", "2", "--method", "degree"],
    ["generate", "--users", "50", "--out", "{tmp}/g"],
])
def test_negative_seed_is_one_line(cmd, eco_dir, tmp_path, capsys) -> None:
    args = [a.format(eco=eco_dir, tmp=tmp_path) for a in cmd] + ["--seed", "-1"]
    assert main(args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err and "Traceback" not in "\n".join(err)
    assert any("'seed'" in line and "-1" in line for line in err)


def test_seed_checks() -> None:
    with pytest.raises(gm.InputError, match="seed"):
        as_seed_sequence(-3)
    with pytest.raises(gm.InputError, match="seed"):
        as_seed_sequence(1.5)
    assert as_seed_sequence(np.int64(4)).entropy == 4


def test_compare_refuses_unwritable_outputs_before_running(tmp_path, capsys) -> None:
    missing = tmp_path / "no" / "such" / "dir" / "cmp.json"
    assert main(["compare", "--runs", "4", "--json", str(missing)]) == 2
    err = capsys.readouterr().err
    assert "does not exist" in err and "Traceback" not in err
    assert "generating preset" not in err  # refused before the ecosystem was even built
    assert main(["compare", "--runs", "4", "--report", str(tmp_path)]) == 2
    assert "is a directory" in capsys.readouterr().err
