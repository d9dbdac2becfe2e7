"""gm.compare: result shape, paired statistics, parameter directions, campaigns, fairness controls, sweeps."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

import graphmodel as gm
from graphmodel.estimate import estimate
from graphmodel.experiments.campaign import buy_scale, campaign_seeds, make_campaign
from graphmodel.experiments.fairness import equalize_edges, rewire_layers
from graphmodel.experiments.sweep import WinnerMap, parse_winner_sweep

METRICS = ("reach", "purchases", "gmv", "half_time", "merchants")


@pytest.fixture(scope="module")
def eco() -> gm.Ecosystem:
    return gm.generate(users=1500, seed=5)


@pytest.fixture(scope="module")
def res(eco):
    return gm.compare(eco, runs=200, seed=3)


def test_json_shape(res):
    d = res.to_dict()
    json.dumps(d, allow_nan=False)
    assert set(d["scenarios"]) == {"social", "payment", "transfer", "social+transfer", "all"}
    for metrics in d["scenarios"].values():
        assert set(metrics) == set(METRICS)
        for m in metrics.values():
            assert {"mean", "ci95", "std", "n", "quantiles"} <= set(m) and m["n"] == 200
    assert "payment-social" in d["paired"] and "all-social+transfer" in d["paired"]
    assert set(d["paired"]["payment-social"]) == set(METRICS)
    assert d["attribution"]["scenario"] == "all"
    assert set(d["attribution"]["purchases"]) == {"social", "payment", "transfer", "seed"}
    assert isinstance(d["verdict"], str) and "payment" in d["verdict"] and "95% CI" in d["verdict"]
    for key in ("intent", "prob", "campaign", "seeds", "runs", "seed"):
        assert key in d["params"]
    assert d["params"]["intent"]["conversion"] == {"social": 0.05, "payment": 0.05, "transfer": 0.05}
    assert d["provenance"]["meta"]["generator"]
    c = d["curves"]["all"]["purchases"]
    assert len(c["mean"]) == len(c["q05"]) == len(c["hi"]) and c["mean"] == sorted(c["mean"])


def test_paired_statistics_equal_direct_computation(res):
    pr = res.per_run
    for key, metrics in res.paired.items():
        a, b = key.split("-", 1) if key.count("-") == 1 else (None, None)
        if a is None:
            continue
        for m, e in metrics.items():
            d = pr[a][m] - pr[b][m]
            direct = estimate(d)
            assert e.mean == pytest.approx(d.mean()) and e.ci95 == pytest.approx(direct.ci95)
            n = d.size
            h = 1.959963984540054 * d.std(ddof=1) / math.sqrt(n)  # Student t at n=200 is within 1% of this
            assert e.ci95[1] - e.mean == pytest.approx(h, rel=0.01)
    # scenario estimates are the per-run means; gmv = price x purchases
    price = res.params["campaign"]["price"]
    for name in res.scenarios:
        assert res.scenarios[name]["purchases"].mean == pytest.approx(pr[name]["purchases"].mean())
        assert np.allclose(pr[name]["gmv"], price * pr[name]["purchases"])


def test_attribution_adds_up(res):
    att = res.attribution
    tot = sum(e.mean for e in att["purchases"].values())
    assert tot == pytest.approx(res.scenarios["all"]["purchases"].mean)
    assert sum(v for v in att["reach_share"].values()) == pytest.approx(1.0)


def test_same_seed_same_result_and_workers_do_not_matter(eco):
    a = gm.compare(eco, runs=30, seed=9, scenarios=["social", "payment"], workers=1)
    b = gm.compare(eco, runs=30, seed=9, scenarios=["social", "payment"], workers=2)
    assert a.to_dict() == b.to_dict()


def _purch(eco, scen="payment", **kw):
    kw.setdefault("runs", 150)
    kw.setdefault("seed", 4)
    r = gm.compare(eco, scenarios=[scen, "social"], **kw)
    return r.per_run[scen]["purchases"], r


def test_parameters_move_outcomes_the_way_they_should(eco):
    base, _ = _purch(eco)
    IM = gm.IntentModel
    # higher payment conversion -> more purchases in the payment scenario (run by run, common random numbers)
    hi, _ = _purch(eco, intent=IM().with_conversion(payment=0.3))
    assert (hi >= base).all() and hi.mean() > base.mean()
    # higher social conversion -> more purchases through social
    s0, _ = _purch(eco, scen="all")
    s1, _ = _purch(eco, scen="all", intent=IM().with_conversion(social=0.1))
    assert (s1 >= s0).all() and s1.mean() > s0.mean()
    # higher price -> fewer purchases
    cheap, _ = _purch(eco, price=5.0)
    dear, _ = _purch(eco, price=500.0)
    assert (dear <= cheap).all() and dear.mean() < cheap.mean()
    # seeds that buy more often -> more purchases (and payment spreads from purchasers)
    sc, _ = _purch(eco, intent=IM(seed_conversion=1.0))
    assert (sc >= base).all() and sc.mean() > base.mean()
    # higher transmission -> larger reach
    _, lo = _purch(eco, prob={"social": 0.05, "payment": 0.05, "transfer": 0.05})
    _, hi_r = _purch(eco, prob={"social": 0.2, "payment": 0.2, "transfer": 0.2})
    for s in ("payment", "social"):
        assert hi_r.scenarios[s]["reach"].mean > lo.scenarios[s]["reach"].mean
    # payment spreading from intent (not only from purchase) reaches more
    _, r_int = _purch(eco, intent=IM(spread={"payment": "intent"}))
    _, r_pur = _purch(eco)
    assert (r_int.per_run["payment"]["reach"] >= r_pur.per_run["payment"]["reach"]).all()
    # no affordability -> more purchases than with it
    none, _ = _purch(eco, intent=IM(affordability="none"))
    assert (none >= base).all() and none.mean() > base.mean()


def test_offline_merchant_sells_to_its_own_city_only(eco):
    m = eco.nodes("merchant")
    off = int(np.flatnonzero(m["channel"] == "offline")[0])
    mid = m["id"][off]
    camp = make_campaign(eco, f"merchant:{mid}")
    scale, notes = buy_scale(eco, camp, gm.IntentModel())
    other = eco.nodes("user")["city"] != m["city"][off]
    assert other.any() and np.all(scale[other] == 0) and np.all(scale[~other] > 0)
    buy_city, r_city = _purch(eco, scen="all", campaign=f"merchant:{mid}")
    buy_all, _ = _purch(eco, scen="all", campaign=f"merchant:{mid}", intent=gm.IntentModel(access="none"))
    assert (buy_city <= buy_all).all() and buy_city.mean() < buy_all.mean()
    # an online merchant is open to everybody
    on = int(np.flatnonzero(m["channel"] == "online")[0])
    s2, _ = buy_scale(eco, make_campaign(eco, f"merchant:{m['id'][on]}"), gm.IntentModel(affordability="none"))
    assert np.all(s2 == 1.0)


def test_affordability_functions():
    im = gm.IntentModel()
    a = im.affordability_of(np.array([50.0, 100.0, 400.0, np.nan, 0.0]), 100.0)
    assert a.tolist() == [0.5, 1.0, 1.0, 1.0, 0.0]
    lg = gm.IntentModel(affordability="logistic", slope=4).affordability_of(np.array([100.0, 50.0, 200.0]), 100.0)
    assert lg[0] == pytest.approx(0.5) and lg[1] < 0.5 < lg[2]
    assert gm.IntentModel(affordability="none").affordability_of(np.array([1.0]), 100.0) is None
    sq = gm.IntentModel(gamma=2).affordability_of(np.array([50.0]), 100.0)
    assert sq[0] == pytest.approx(0.25)


def test_campaigns_and_customer_seeds(eco):
    m = eco.nodes("merchant")
    mid = m["id"][0]
    camp = make_campaign(eco, f"merchant:{mid}")
    assert camp.price == pytest.approx(float(m["price_level"][0])) and camp.price_source == "price_level"
    seeds = campaign_seeds(eco, camp, "customers:5", seed=1)
    pay = eco.edges("payment")
    customers = set(pay["src"][pay["dst"] == 0].tolist())
    assert set(seeds.tolist()) <= customers and len(seeds) == min(5, len(customers))
    cat = str(m["category"][0])
    c2 = make_campaign(eco, f"category:{cat}", price=12.5)
    assert c2.price == 12.5 and np.all(m["category"][c2.merchants] == cat)
    assert make_campaign(eco).price == pytest.approx(float(np.median(m["price_level"])))
    with pytest.raises(gm.InputError, match="campaign"):
        make_campaign(eco, "merchant:nope")
    with pytest.raises(gm.InputError, match="campaign"):
        make_campaign(eco, "shop:1")
    with pytest.raises(gm.InputError, match="price"):
        make_campaign(eco, price=-1)
    r = gm.compare(eco, runs=20, seed=1, seeds="customers:10", campaign=f"merchant:{mid}", scenarios=["payment"])
    assert r.params["n_seeds"] == min(10, len(customers))


def test_bad_arguments_are_input_errors(eco):
    for kw, field in [
        ({"runs": 1}, "runs"),
        ({"normalize": "nodes"}, "normalize"),
        ({"null": "shuffle"}, "null"),
        ({"scenarios": ["social+fax"]}, "scenarios"),
        ({"sweep": ["social=0:2:3"]}, "sweep social"),
        ({"sweep": ["a=1", "b=2", "c=3"]}, "sweep"),
        ({"workers": 0}, "workers"),
    ]:
        with pytest.raises(gm.InputError) as exc:
            gm.compare(eco, runs=kw.pop("runs", 5), **kw)
        assert field in str(exc.value)
    with pytest.raises(gm.InputError, match="conversion"):
        gm.IntentModel(conversion={"social": 2})
    with pytest.raises(gm.InputError, match="spread"):
        gm.IntentModel(spread={"social": "always"})


def test_conversion_json(tmp_path):
    p = tmp_path / "conv.json"
    p.write_text(
        json.dumps({"conversion": {"social": {"mean": 0.01, "ci95": [0.0, 0.02]}, "payment": 0.07, "window": 30}})
    )
    m = gm.IntentModel.from_conversion_json(p)
    assert m.conversion == {"social": 0.01, "payment": 0.07, "transfer": 0.05}
    # the shape 'graphmodel signal --estimate-conversion --json' writes (graphmodel.signals.conversion)
    p.write_text(
        json.dumps(
            {
                "format": "graphmodel.conversion/1",
                "conversion": {"social": 0.012, "payment": 0.034},
                "lift": {"social": 1.4, "payment": 2.1},
                "layers": {},
                "params": {},
            }
        )
    )
    assert gm.IntentModel.from_conversion_json(p).conversion == {"social": 0.012, "payment": 0.034, "transfer": 0.05}
    p.write_text(json.dumps({"conversion": {"social": None, "payment": 0.2}}))
    assert gm.IntentModel.from_conversion_json(p).conversion["social"] == 0.05  # no estimate: the default stays
    p.write_text(json.dumps({"conversion": {"social": 3.0}}))
    with pytest.raises(gm.InputError, match="conv.json"):
        gm.IntentModel.from_conversion_json(p)
    p.write_text("{")
    with pytest.raises(gm.InputError, match="invalid JSON"):
        gm.IntentModel.from_conversion_json(p)


def test_fairness_controls(eco):
    small, counts = equalize_edges(eco, seed=1)
    target = min(eco.n_edges(x) for x in gm.LAYERS)
    assert all(small.n_edges(x) == target for x in gm.LAYERS) and set(counts.values()) == {target}
    empty = eco.replace(transfer={"src": np.zeros(0, np.int64), "dst": np.zeros(0, np.int64)})
    cut, counts = equalize_edges(empty, seed=1)  # an empty layer does not drag the others to 0
    target = min(eco.n_edges("social"), eco.n_edges("payment"))
    assert cut.n_edges("social") == cut.n_edges("payment") == target and counts["transfer"] == 0
    rw = rewire_layers(eco, seed=2)
    for layer in gm.LAYERS:
        a, b = eco.edges(layer), rw.edges(layer)
        assert len(b) == len(a)
        if layer == "social":  # undirected: degree = appearances at either end

            def deg(t):
                return np.bincount(np.concatenate([t["src"], t["dst"]]), minlength=eco.n_users)

            assert np.array_equal(deg(a), deg(b))
        else:
            assert np.array_equal(
                np.bincount(a["src"], minlength=eco.n_users), np.bincount(b["src"], minlength=eco.n_users)
            )
            assert np.array_equal(np.sort(a["dst"]), np.sort(b["dst"]))
        assert not np.array_equal(a["dst"], b["dst"])
    r = gm.compare(eco, runs=40, seed=2, normalize="edges", null="rewire", repeats=2, scenarios=["social", "payment"])
    d = r.to_dict()["controls"]
    assert d["normalize"]["scenarios"]["payment"]["purchases"]["n"] == 40
    assert "payment-social" in d["null"]["paired"]
    assert "rewired" in r.verdict and "cut to" in r.verdict


def test_sweep_winner_map(eco):
    assert parse_winner_sweep(["social=0.1:0.3:3"]) == {"social": [0.1, 0.2, 0.3]}
    r = gm.compare(
        eco,
        runs=20,
        seed=1,
        scenarios=["social", "payment"],
        sweep=["social=0.02,0.3", "payment=0.02,0.3"],
        sweep_runs=60,
    )
    d = r.to_dict()["sweep"]
    assert d["contenders"] == ["social", "payment"] and len(d["winner"]) == 2 and len(d["winner"][0]) == 2
    assert sum(d["counts"].values()) == 4
    # a cell's sign follows the parameter: strong social vs weak payment is a social cell, and the reverse
    assert d["diff"][1][0]["mean"] > 0 > d["diff"][0][1]["mean"]
    e = estimate([1.0, -1.0, 2.0, -2.0])
    assert WinnerMap.decide(e, "a", "b")[1] is True  # interval crosses 0 -> uncertain
    assert WinnerMap.decide(estimate([3.0, 4.0, 5.0]), "a", "b") == ("a", False)


@pytest.mark.slow
@pytest.mark.parametrize("preset", ["balanced", "payment-first", "social-first"])
def test_every_preset(preset):
    eco = gm.generate(preset=preset, users=2000, seed=1)
    r = gm.compare(eco, runs=60, seed=1)
    assert r.scenarios["all"]["purchases"].mean >= r.scenarios["payment"]["purchases"].mean
    assert r.verdict


@pytest.mark.slow
@pytest.mark.parametrize("name", ["ciao", "epinions"])
def test_real_datasets(shared_datasets, name):
    eco = gm.load_dataset(name, shared_datasets / name)
    r = gm.compare(eco, runs=30, seed=1, scenarios=["social", "payment", "transfer", "all"])
    assert "no transfer edges" in r.verdict and "no purchasing_power" in r.verdict
    t = r.scenarios["transfer"]
    assert t["reach"].mean == r.params["n_seeds"]  # the seeds only


def test_adaptive_stopping_uses_a_prefix_of_the_same_runs(eco):
    r = gm.compare(eco, runs=2000, seed=6, target_ci=0.3, scenarios=["social", "payment"])
    assert r.runs < 2000 and r.runs % 100 == 0 and r.params["runs_asked"] == 2000
    e = r.paired["payment-social"]["purchases"]
    assert e.half_width <= 0.3 * abs(e.mean)
    same = gm.compare(eco, runs=r.runs, seed=6, scenarios=["social", "payment"])
    assert np.array_equal(same.per_run["payment"]["purchases"], r.per_run["payment"]["purchases"])
    with pytest.raises(gm.InputError, match="target_ci"):
        gm.compare(eco, runs=10, target_ci=0)
