"""``graphmodel compare`` on the command line."""

from __future__ import annotations

import json

import pytest

import graphmodel as gm
from graphmodel.cli.main import main


@pytest.mark.slow
def test_default_run_prints_the_verdict(capsys):
    """No PATH: the built-in ecosystem, the documented defaults; the command the README leads with."""
    assert main(["compare", "--seed", "1"]) == 0
    out = capsys.readouterr().out
    assert "Winner on purchases:" in out and "Break-even:" in out
    assert "Assumed (default, not measured): conversion 0.05 (social, payment, transfer)" in out
    assert "2000 runs per scenario" in out
    for name in ("social", "payment", "transfer", "social+transfer", "all"):
        assert name in out


def test_path_json_report_plot_and_sweep(tmp_path, capsys):
    eco = gm.generate(users=600, seed=1)
    gm.write(eco, tmp_path / "eco")
    m = eco.nodes("merchant")["id"][0]
    conv = tmp_path / "conv.json"
    conv.write_text(json.dumps({"conversion": {"social": 0.03, "payment": 0.2}}))
    args = [
        "compare",
        str(tmp_path / "eco"),
        "--runs",
        "30",
        "--seed",
        "2",
        "--campaign",
        f"merchant:{m}",
        "--seeds",
        "customers:5",
        "--prob",
        "social=0.2",
        "--conversion-from",
        str(conv),
        "--conversion",
        "transfer=0.01",
        "--json",
        str(tmp_path / "c.json"),
        "--report",
        str(tmp_path / "c.html"),
        "--plot",
        str(tmp_path / "w.svg"),
        "--sweep",
        "social=0.05,0.2",
        "--sweep",
        "payment=0.05,0.2",
        "--sweep-runs",
        "10",
    ]
    assert main(args) == 0
    d = json.loads((tmp_path / "c.json").read_text())
    assert d["params"]["intent"]["conversion"] == {"social": 0.03, "payment": 0.2, "transfer": 0.01}
    assert d["params"]["prob"]["social"] == 0.2 and d["params"]["campaign"]["spec"] == f"merchant:{m}"
    assert d["sweep"]["axes"] == {"social": [0.05, 0.2], "payment": [0.05, 0.2]}
    assert (tmp_path / "c.html").stat().st_size > 10_000
    assert b"<svg" in (tmp_path / "w.svg").read_bytes()[:2000]
    assert "Winner map" in capsys.readouterr().out


def test_bad_option_is_one_line_exit_2(tmp_path, capsys):
    assert main(["compare", "--runs", "5", "--normalize", "nodes"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("graphmodel: error:") and "normalize" in err[-1]
