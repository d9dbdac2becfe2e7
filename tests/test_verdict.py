"""The verdict says what it rests on: regimes against theory, break-even against closed forms, flips named."""

from __future__ import annotations

import math

import numpy as np
import pytest

import graphmodel as gm
from graphmodel.experiments.breakeven import RATIO_RANGE
from graphmodel.propagation.regime import regime


# ---------------------------------------------------------------------------
# regime: Erdos-Renyi, where IC is supercritical exactly when p * d > 1
# ---------------------------------------------------------------------------
def _er(n: int, d: float, seed: int, directed: bool = True) -> gm.Ecosystem:
    rng = np.random.default_rng(seed)
    m = int(n * d) if directed else int(n * d / 2)
    src = rng.integers(0, n, m)
    dst = (src + rng.integers(1, n, m)) % n
    return gm.Ecosystem(users={"id": np.arange(n)}, social={"src": src, "dst": dst}, social_directed=directed)


@pytest.mark.parametrize("directed", [True, False])
@pytest.mark.parametrize("pd, expected", [(0.5, False), (2.0, True)])
def test_regime_flag_flips_where_theory_says(directed: bool, pd: float, expected: bool) -> None:
    d = 4.0
    eco = _er(4000, d, seed=7, directed=directed)
    r = regime(eco, prob=pd / d, seed=3).layers["social"]
    assert r.supercritical is expected
    # branching factor of ER: p * d (mean degree of a directed ER, mean excess degree of an undirected one)
    assert 0.85 * pd < r.branching < 1.15 * pd
    if expected:
        # IC keeps each arc (each direction of an undirected tie) on its own coin: the live-edge graph has giant
        # in- and out-components of share y = 1 - exp(-2 y) = 0.797 each, so its giant SCC holds about y^2,
        # and one random seed reaches about y^2 (it joins the giant with probability y, then reaches y)
        y = 0.7968
        assert abs(r.giant_scc - y * y) < 0.05
        assert abs(r.reach.mean - y * y) < 4 * r.reach.sem + 0.02
    else:
        assert r.giant_scc < 0.01 and r.reach.mean < 0.01


def test_regime_union_and_warning_line() -> None:
    eco = _er(3000, 4.0, seed=1)
    sup = regime(eco, prob=0.5, seed=1)
    (w,) = sup.warnings()
    assert "supercritical" in w and "giant component" in w and "social" in w
    assert regime(eco, prob=0.1, seed=1).warnings() == []
    d = sup.to_dict()
    assert d["social"]["supercritical"] is True and 0 < d["social"]["reach"]["mean"] <= 1


def test_default_transmission_is_subcritical_on_presets() -> None:
    for preset in ("balanced", "payment-first", "social-first"):
        eco = gm.generate(preset=preset, users=3000, seed=2)
        r = regime(eco, prob=None, seed=1)
        assert not r.supercritical, (preset, r.to_dict())
        # and the old default (0.1 per arc) was not: the diagnostic sees it
    assert regime(gm.generate(preset="social-first", users=3000, seed=2), prob=0.1, seed=1).supercritical


# ---------------------------------------------------------------------------
# break-even against closed forms
# ---------------------------------------------------------------------------
def _stars(n_seeds: int = 20, friends: int = 4, customers: int = 20) -> tuple[gm.Ecosystem, list[int]]:
    """Each seed has ``friends`` own friends (directed ties, nothing beyond) and its own merchant with
    ``customers`` other customers who shop nowhere else. Every user is distinct."""
    src, dst, pu, pm = [], [], [], []
    nxt = n_seeds
    for s in range(n_seeds):
        for _ in range(friends):
            src.append(s)
            dst.append(nxt)
            nxt += 1
        pu.append(s)
        pm.append(s)
        for _ in range(customers):
            pu.append(nxt)
            pm.append(s)
            nxt += 1
    eco = gm.Ecosystem(
        users={"id": np.arange(nxt)},
        merchants={"id": np.arange(n_seeds)},
        social={"src": src, "dst": dst},
        payment={"src": pu, "dst": pm},
        social_directed=True,
    )
    return eco, list(range(n_seeds))


def _contains(ci: tuple[float, float], x: float) -> bool:
    return ci[0] <= x <= ci[1]


def test_breakeven_conversion_matches_closed_form() -> None:
    # payment: a seed buys (1/2), its merchant reaches 20 customers who buy with c_p -> 20 * 0.5 * 20 c_p
    # social: every seed passes intent to 4 friends who buy with c_s -> 20 * 4 c_s.  Equal at c_s / c_p = 2.5.
    eco, seeds = _stars()
    intent = gm.IntentModel(conversion={"social": 0.1, "payment": 0.1}, affordability="none", access="none")
    res = gm.compare(
        eco, seeds=[f"user:{s}" for s in seeds], prob=1.0, intent=intent, runs=3000, seed=5, scenarios="social,payment"
    )
    assert res.winner == "payment"
    be = res.breakeven["conversion_ratio"]
    assert be.flip and be.current == pytest.approx(1.0)
    assert _contains(be.ci95, 2.5), be
    half = (be.ci95[1] - be.ci95[0]) / 2
    assert abs(be.mean - 2.5) < 2.5 * half  # the point estimate sits well inside the interval's scale
    assert "payment wins unless social-reached users convert at least" in res.verdict


def test_breakeven_transmission_matches_closed_form() -> None:
    # payment: 20 seeds * 1/2 (buy) * q_p (to merchant) * 20 * q_p (to customers) * c = 5 at q_p = 0.5, c = 0.1
    # social: 20 * 4 * q_s * c = 8 q_s.  Equal at q_s = 0.625: ratio q_s / q_p = 1.25.
    eco, seeds = _stars()
    intent = gm.IntentModel(conversion={"social": 0.1, "payment": 0.1}, affordability="none", access="none")
    res = gm.compare(
        eco,
        seeds=[f"user:{s}" for s in seeds],
        prob={"social": 0.5, "payment": 0.5},
        intent=intent,
        runs=4000,
        seed=11,
        scenarios="social,payment",
    )
    be = res.breakeven["transmission_ratio"]
    assert be.current == pytest.approx(1.0)
    assert be.flip and _contains(be.ci95, 1.25), be


def test_breakeven_reports_no_flip_in_range() -> None:
    # no payment customers: payment never adds purchases beyond the seeds', social wins at any ratio
    eco, seeds = _stars(customers=0)
    intent = gm.IntentModel(affordability="none", access="none")
    res = gm.compare(
        eco, seeds=[f"user:{s}" for s in seeds], prob=1.0, intent=intent, runs=200, seed=1, scenarios="social,payment"
    )
    be = res.breakeven["conversion_ratio"]
    assert not be.flip and be.winner_everywhere == "social" and be.mean is None
    assert "no flip" in res.verdict
    assert RATIO_RANGE == (0.01, 100.0)


# ---------------------------------------------------------------------------
# verdict: controls that flip the winner are named; sources are stated
# ---------------------------------------------------------------------------
def test_verdict_names_a_flip_under_equal_edges() -> None:
    # payment wins on volume (420 payment edges vs 40 social); cut to 40 edges each, social wins
    eco, seeds = _stars(friends=2, customers=20)
    intent = gm.IntentModel(conversion={"social": 0.5, "payment": 0.5}, affordability="none", access="none")
    res = gm.compare(
        eco,
        seeds=[f"user:{s}" for s in seeds],
        prob=1.0,
        intent=intent,
        runs=400,
        seed=2,
        scenarios="social,payment",
        normalize="edges",
        breakeven=False,
    )
    assert res.winner == "payment"
    c = res.controls["normalize"]
    assert c["winner"] == "social" and c["survives"] is False
    assert "the winner changes from payment to social" in res.verdict
    d = res.to_dict()
    assert d["winner"] == "payment" and d["controls"]["normalize"]["winner"] == "social"


def test_parameters_say_where_they_come_from(tiny_eco: gm.Ecosystem) -> None:
    res = gm.compare(tiny_eco, seeds="user:ann", runs=20, seed=1, breakeven=False)
    p = res.to_dict()["parameters"]
    assert p["conversion.social"] == {"value": 0.05, "source": "default"}
    assert p["conversion.social"]["value"] == p["conversion.payment"]["value"]  # neutral default
    assert p["transmission.payment"]["source"] == "default"
    assert "Assumed (default, not measured): conversion 0.05 (social, payment, transfer)" in res.verdict
    given = gm.compare(
        tiny_eco,
        seeds="user:ann",
        runs=20,
        seed=1,
        breakeven=False,
        prob={"social": 0.2},
        intent=gm.IntentModel(conversion={"payment": 0.2}),
        parameter_sources={"conversion": "estimated from conv.json"},
    )
    q = given.parameters
    assert q["transmission.social"]["source"] == "given" and q["transmission.payment"]["source"] == "default"
    assert q["conversion.payment"]["source"] == "estimated from conv.json"
    assert "Estimated from conv.json: conversion" in given.verdict
    assert all(len(line) < 400 for line in given.verdict.splitlines())


def test_compare_json_carries_regime_and_breakeven() -> None:
    eco = gm.generate(users=1500, seed=3)
    d = gm.compare(eco, runs=60, seed=1).to_dict()
    assert d["winner"] in ("payment", "social", "none")
    assert set(d["breakeven"]) == {"conversion_ratio", "transmission_ratio"}
    for v in d["breakeven"].values():
        assert v["flip"] is False or (v["ci95"][0] is None or v["ci95"][0] <= v["mean"])
    assert {"social", "payment", "transfer", "union"} <= set(d["regime"])
    assert all(d["regime"][k]["supercritical"] is False for k in ("social", "payment", "transfer", "union"))
    assert math.isfinite(d["regime"]["union"]["branching"])


def test_seeds_and_simulate_report_the_regime() -> None:
    eco = _er(2000, 4.0, seed=5)
    sup = gm.seeds(eco, k=3, method="degree", prob=0.5, seed=1, validate_runs=20)
    assert sup.regime.layers["social"].supercritical
    assert any("supercritical" in n for n in sup.notes)
    assert sup.to_dict()["regime"]["social"]["supercritical"] is True
    sub = gm.simulate(eco, prob=0.1, seeds="user:0", runs=20, seed=1)
    assert sub.regime.warnings() == [] and sub.to_dict()["regime"]["social"]["supercritical"] is False
