"""A fitted params file drives compare, seeds and compete, and every result says what was fitted."""

from __future__ import annotations

import json

import numpy as np
import pytest

import graphmodel as gm


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    eco = gm.generate(preset="balanced", users=3000, seed=3, timeline=True)
    res = gm.fit(eco, bootstrap=20, shuffles=1, seed=1)
    path = tmp_path_factory.mktemp("fit") / "fit.json"
    path.write_text(json.dumps(res.to_dict()))
    return eco, path, gm.load_params(path)


def test_compare_under_fitted_parameters(fitted) -> None:
    eco, path, P = fitted
    res = gm.compare(eco, params=path, runs=200, seed=1)
    par = res.parameters
    for layer in P.transmission:
        assert par[f"transmission.{layer}"]["source"].startswith(f"fitted ({path}")
        assert par[f"conversion.{layer}"]["value"] == 1.0
    assert par["affordability"]["value"] == "none" and par["affordability"]["source"].startswith("fitted mapping")
    assert "Fitted (" in res.verdict and "Fitted split:" in res.verdict
    assert "parameter uncertainty" in res.verdict and res.params["param_draws"] == 20
    assert res.sensitivity["split"]["winner"] in ("payment", "social", "none")
    # draws are part of the numbers: the point estimate alone gives other runs, the same seed the same ones
    point = gm.compare(eco, params=path, runs=200, seed=1, param_draws=0, breakeven=False)
    again = gm.compare(eco, params=path, runs=200, seed=1, breakeven=False)
    assert np.array_equal(again.per_run["all"]["purchases"], res.per_run["all"]["purchases"])
    assert not np.array_equal(point.per_run["all"]["purchases"], res.per_run["all"]["purchases"])
    with pytest.raises(gm.InputError, match="either prob or params"):
        gm.compare(eco, params=path, prob=0.1, runs=10)


def test_seeds_and_compete_take_params(fitted) -> None:
    eco, path, P = fitted
    s = gm.seeds(eco, k=3, method="degree", params=path, layers="social", seed=1, validate_runs=20)
    assert s.params["prob"] == {"social": pytest.approx(P.prob_spec(["social"])["social"])}
    assert s.params["sources"]["prob.social"].startswith("fitted")
    c = gm.compete(
        eco,
        platforms=[
            "a: seeds=random:5, layers=social",
            "b: seeds=random:5, layers=social,payment, strength=payment:0.2",
        ],
        runs=40,
        seed=1,
        params=path,
    )
    src = c.params["sources"]
    assert src["a"]["social"].startswith("fitted") and src["b"]["payment"] == "given"
    assert c.params["platforms"][1]["strength"]["payment"] == 0.2
    assert c.params["platforms"][0]["strength"]["social"] == pytest.approx(P.prob_spec()["social"])


def test_cli_compare_params(fitted, tmp_path, capsys) -> None:
    from graphmodel.cli.main import main

    eco, path, _ = fitted
    d = tmp_path / "eco"
    gm.write(eco, d)
    assert main(["compare", str(d), "--params", str(path), "--runs", "40", "--seed", "1", "--param-draws", "4"]) == 0
    out = capsys.readouterr().out
    assert "Fitted (" in out and "4 bootstrap draws" in out


def test_study_with_a_params_file(fitted, tmp_path) -> None:
    eco, path, _ = fitted
    (tmp_path / "fit.json").write_text(path.read_text())
    gm.write(eco, tmp_path / "eco")
    (tmp_path / "s.toml").write_text(
        '[study]\nexperiment = "compare"\nruns = 20\nbatch = 10\n\n[ecosystems.e]\npath = "eco"\n\n'
        '[params]\nseeds = "random:5"\nparams = "fit.json"\nscenarios = "social,payment"\n'
    )
    res = gm.sweep(tmp_path / "s.toml", out=tmp_path / "o", workers=1)
    import csv

    rows = list(csv.DictReader(open(res.results)))
    assert len(rows) == 1 and float(rows[0]["scenarios.social.purchases.mean"]) > 0
