"""The params file: format, loader errors, the documented mapping, and its use by simulate and the CLI."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

import graphmodel as gm
from graphmodel.cli.main import main
from graphmodel.errors import InputError
from graphmodel.fitting import Params, load_params


@pytest.fixture(scope="module")
def timeline_eco():
    return gm.generate(users=1500, seed=2, timeline=True)


@pytest.fixture(scope="module")
def result(timeline_eco):
    return gm.fit(timeline_eco, bootstrap=30, shuffles=1, seed=3)


def test_result_is_a_params_document(result):
    d = result.to_dict()
    assert d["format"] == "graphmodel.params/1"
    for layer in ("social", "payment", "transfer"):
        e = d["transmission"][layer]
        assert set(e) >= {"mean", "ci95", "estimable", "reason", "homophily"}
        assert set(d["baseline"][layer]) == {"mean", "values"}
    assert set(d["background"]) >= {"mean", "ci95"}
    assert {"level", "window_days", "split", "seed", "data"} <= set(d["params"])
    json.dumps(d, allow_nan=False)  # JSON-ready, no NaN
    # paired draws: one per resample and layer
    assert all(len(v) == 30 for v in d["draws"].values())


def test_same_seed_same_numbers(timeline_eco, result):
    again = gm.fit(timeline_eco, bootstrap=30, shuffles=1, seed=3)
    assert again.to_dict() == result.to_dict()


def test_load_round_trip_and_mapping(tmp_path, result):
    path = tmp_path / "fit.json"
    path.write_text(json.dumps(result.to_dict()))
    P = load_params(path)
    p = {k: v["mean"] for k, v in result.transmission.items() if v["mean"] is not None}
    assert P.transmission == p
    spec = P.prob_spec()
    assert spec["social"] == p["social"] and spec["payment"] == pytest.approx(math.sqrt(p["payment"]))
    # the alternative split keeps transmission x conversion per hop
    even, conv = P.prob_spec(split="even"), P.conversion(split="even")
    assert even["social"] * conv["social"] == pytest.approx(p["social"])
    assert even["payment"] ** 2 * conv["payment"] == pytest.approx(p["payment"])
    assert P.conversion()["social"] == 1.0
    assert all(str(path) in v and v.startswith("fitted") for v in P.sources().values())
    d0 = P.draw(0)
    assert d0.transmission == {k: result.draws[k][0] for k in p}


def test_not_estimable_layer_is_null_and_keeps_the_default(tmp_path):
    eco = gm.generate(users=600, seed=3, timeline={"transfer": 0.0})
    r = gm.fit(eco, bootstrap=10, shuffles=0, seed=1, min_exposures=10**9)
    for e in r.transmission.values():
        assert e["mean"] is None and e["ci95"] == [None, None] and not e["estimable"]
        assert "too few exposures" in e["reason"]
    P = Params.from_result(r)
    assert P.prob_spec() == {}
    assert P.sources()["prob.social"].startswith("default (not estimable")


@pytest.mark.parametrize(
    "doc, message",
    [
        ({"format": "graphmodel.params/2"}, "unsupported params version"),
        ({"format": "graphmodel.conversion/1", "conversion": {}}, "conversion-from"),
        ({"transmission": {}}, "not a fitted-parameters file"),
        ({"format": "graphmodel.params/1", "transmission": {"social": {"mean": 1.5}}}, "probability"),
        ({"format": "graphmodel.params/1", "transmission": {"video": {"mean": 0.1}}}, "unknown layer"),
        ([1, 2], "expected a JSON object"),
    ],
)
def test_loader_errors_are_one_line(tmp_path, doc, message):
    path = tmp_path / "p.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(InputError, match=message) as exc:
        load_params(path)
    assert "\n" not in str(exc.value) and str(path) in str(exc.value)


def test_loader_bad_json(tmp_path):
    path = tmp_path / "p.json"
    path.write_text("{\n oops")
    with pytest.raises(InputError, match="invalid JSON"):
        load_params(path)


def test_simulate_with_params_equals_simulate_with_its_prob_spec(timeline_eco, result, tmp_path):
    path = tmp_path / "fit.json"
    path.write_text(json.dumps(result.to_dict()))
    a = gm.simulate(timeline_eco, params=path, runs=50, seed=7, seeds="random:20")
    b = gm.simulate(timeline_eco, prob=load_params(path).prob_spec(), runs=50, seed=7, seeds="random:20")
    assert np.array_equal(a.activation_frequency, b.activation_frequency)
    assert a.params["sources"]["prob.social"].startswith("fitted")
    with pytest.raises(InputError, match="either prob or params"):
        gm.simulate(timeline_eco, params=path, prob=0.1, runs=5)
    with pytest.raises(InputError, match="model='ic'"):
        gm.simulate(timeline_eco, params=path, model="lt", runs=5)


def test_cli_fit_generate_and_simulate(tmp_path, capsys):
    eco_dir, out, html = tmp_path / "eco", tmp_path / "fit.json", tmp_path / "fit.html"
    assert (
        main(
            [
                "generate",
                "--users",
                "1200",
                "--seed",
                "3",
                "--timeline",
                "--timeline-set",
                "social=0.05",
                "--out",
                str(eco_dir),
            ]
        )
        == 0
    )
    assert (
        main(
            [
                "fit",
                str(eco_dir),
                "--json",
                str(out),
                "--bootstrap",
                "20",
                "--shuffles",
                "1",
                "--seed",
                "1",
                "--report",
                str(html),
                "--test-from",
                "2020-10-01",
            ]
        )
        == 0
    )
    d = json.loads(out.read_text())
    assert d["format"] == "graphmodel.params/1" and d["params"]["data"]["source"] == str(eco_dir)
    assert d["recovery"]["layers"]["social"]["truth"] == pytest.approx(0.05)
    assert {"auc", "calibration", "rows"} <= set(d["validation"])
    assert "<table>" in html.read_text()
    capsys.readouterr()
    assert main(["fit", str(eco_dir), "--bootstrap", "10", "--shuffles", "0", "--seed", "1"]) == 0
    text = capsys.readouterr().out
    assert "recovery of the generated truth" in text and "social" in text
    assert main(["simulate", str(eco_dir), "--params", str(out), "--runs", "20", "--seed", "1"]) == 0
    assert "fitted (" in capsys.readouterr().out


def test_cli_fit_without_times_is_one_line(tmp_path, capsys):
    eco_dir = tmp_path / "eco"
    gm.write(gm.generate(users=300, seed=1), eco_dir)
    assert main(["fit", str(eco_dir)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "first_time" in err and "--timeline" in err


def test_cli_simulate_rejects_other_formats(tmp_path, capsys):
    eco_dir = tmp_path / "eco"
    gm.write(gm.generate(users=300, seed=1), eco_dir)
    bad = tmp_path / "conv.json"
    bad.write_text(json.dumps({"format": "graphmodel.conversion/1", "conversion": {"social": 0.1}}))
    assert main(["simulate", str(eco_dir), "--params", str(bad), "--runs", "5"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "graphmodel.params/1" in err


def test_workers_never_change_the_result(timeline_eco, result):
    one = gm.fit(timeline_eco, bootstrap=30, shuffles=1, seed=3, workers=1)
    two = gm.fit(timeline_eco, bootstrap=30, shuffles=1, seed=3, workers=2)
    assert one.to_dict() == two.to_dict() == result.to_dict()


def test_merchant_level_and_bad_test_from(timeline_eco):
    r = gm.fit(timeline_eco, level="merchant", bootstrap=10, shuffles=0, seed=1, test_from="2020-09-01")
    assert r.params["level"] == "merchant" and len(r.background["per_item"]) == timeline_eco.n_merchants
    assert "level='category'" in r.validation["skipped"]
    with pytest.raises(InputError, match="no purchase before test_from"):
        gm.fit(timeline_eco, test_from="2019-01-01", bootstrap=0, shuffles=0)
    with pytest.raises(InputError, match="unknown layer"):
        gm.fit(timeline_eco, layers="social,video")
    with pytest.raises(InputError, match="window must be a positive integer"):
        gm.fit(timeline_eco, window=0)
