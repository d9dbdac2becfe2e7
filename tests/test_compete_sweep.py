"""Sweeps of gm.compete: common random numbers across points, direction of effects, plots."""

from __future__ import annotations

import pytest

import graphmodel as gm
from graphmodel.errors import InputError

PLATS = [
    "wallet: seeds=top-degree:5:merchant, layers=payment, strength=payment:0.1",
    "messenger: seeds=top-degree:20:user, layers=social,transfer, strength=social:0.06,transfer:0.2",
]


@pytest.fixture(scope="module")
def eco() -> gm.Ecosystem:
    return gm.generate(preset="balanced", users=2000, seed=2)


@pytest.fixture(scope="module")
def budget_sweep(eco):
    return gm.compete(eco, platforms=PLATS, runs=120, seed=3, sweep="wallet.budget=5:25:3")


def test_budget_sweep_points_are_paired(eco, budget_sweep):
    sw = budget_sweep.sweep
    assert sw.values == (5.0, 15.0, 25.0)
    # the point equal to the base contest draws the same coins: identical outcome, zero paired difference
    assert sw.points[0]["wallet"].to_dict() == budget_sweep.platforms["wallet"].to_dict()
    assert sw.paired[0]["wallet"].mean == 0.0 and sw.paired[0]["wallet"].std == 0.0
    # more merchant seeds: the wallet gains users (paired difference beyond its CI)
    d = sw.paired[2]["wallet"]
    assert d.ci95[0] > 0
    assert sw.points[2]["wallet"].n_seeds == 25
    # a point equals the same contest run on its own with the same seed
    alone = gm.compete(eco, platforms=[PLATS[0].replace(":5:", ":15:"), PLATS[1]], runs=120, seed=3)
    assert alone.platforms["wallet"].to_dict() == sw.points[1]["wallet"].to_dict()
    js = budget_sweep.to_dict()["sweep"]
    assert js["param"] == "wallet.budget" and js["values"] == [5, 15, 25]


def test_strength_and_option_sweeps(eco):
    res = gm.compete(eco, platforms=PLATS, runs=80, seed=4, sweep="messenger.strength.social=0.02:0.2:2")
    lo, hi = res.sweep.points
    assert hi["messenger"].users.mean > lo["messenger"].users.mean
    res = gm.compete(eco, platforms=PLATS, runs=40, seed=4, sweep="contest.multihoming=0,1")
    assert res.sweep.values == (0.0, 1.0)
    with pytest.raises(InputError, match="no platform"):
        gm.compete(eco, platforms=PLATS, runs=5, sweep="nobody.budget=1:2:2")
    with pytest.raises(InputError, match="strength must be in"):
        gm.compete(eco, platforms=PLATS, runs=5, sweep="wallet.strength.payment=0.5:1.5:2")
    with pytest.raises(InputError, match="does not spread"):
        gm.compete(eco, platforms=PLATS, runs=5, sweep="wallet.strength.social=0.1:0.2:2")


def test_plots(tmp_path, budget_sweep):
    pytest.importorskip("matplotlib")
    from graphmodel.competition.plot import plot_shares, plot_sweep

    a = plot_shares(budget_sweep, tmp_path / "share.png")
    b = plot_sweep(budget_sweep, tmp_path / "sweep.svg")
    assert a.stat().st_size > 1000 and b.read_text().lstrip().startswith("<?xml")
