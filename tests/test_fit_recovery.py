"""Recovery: data generated with known per-layer transmission and background, then fitted.

Over 20 seeds, the 95% intervals must cover the truth for about 95% of
(seed, layer) pairs. The number covered is Binomial(n, 0.95) when the
intervals are right; the test accepts down to 3 standard deviations below
the mean (n = 60: at least 52). Error shrinks as users grow: the interval
width scales as 1 / sqrt(users), so 8x the users gives about 0.35x.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import graphmodel as gm

pytestmark = pytest.mark.slow


def _min_covered(n: int, level: float = 0.95, k: float = 3.0) -> int:
    return math.ceil(n * level - k * math.sqrt(n * level * (1 - level)))


def test_intervals_cover_the_truth_about_95_percent():
    covered, n = 0, 0
    bg_covered = 0
    for s in range(20):
        eco = gm.generate(users=2000, seed=1000 + s, timeline=True)
        r = gm.fit(eco, bootstrap=100, shuffles=0, seed=s)
        for layer, v in r.recovery["layers"].items():
            assert v["covered"] is not None, layer
            covered += bool(v["covered"])
            n += 1
        bg_covered += bool(r.recovery["background"]["covered"])
    assert n == 60
    assert covered >= _min_covered(60), covered
    assert bg_covered >= _min_covered(20), bg_covered


def test_error_shrinks_as_users_grow():
    width = {}
    err = {}
    for users in (1000, 8000):
        w, e = [], []
        for s in range(3):
            eco = gm.generate(users=users, seed=2000 + s, timeline=True)
            r = gm.fit(eco, bootstrap=60, shuffles=0, seed=s)
            for layer in ("social", "transfer"):
                v = r.recovery["layers"][layer]
                w.append((v["ci95"][1] - v["ci95"][0]) / v["truth"])
                e.append((v["estimate"] / v["truth"] - 1) ** 2)
        width[users], err[users] = float(np.mean(w)), float(np.sqrt(np.mean(e)))
    ratio = width[8000] / width[1000]
    assert 0.2 < ratio < 0.6, width  # 1 / sqrt(8) = 0.354
    assert err[8000] < err[1000], err


def test_truth_in_meta_survives_a_round_trip(tmp_path):
    eco = gm.generate(users=800, seed=5, timeline={"social": 0.05, "window_days": 20, "days": 200})
    gm.write(eco, tmp_path / "eco")
    back = gm.read(tmp_path / "eco")
    tl = back.meta["timeline"]
    assert tl["transmission"]["social"] == 0.05 and tl["window_days"] == 20 and tl["days"] == 200
    r = gm.fit(back, window=20, bootstrap=20, shuffles=0, seed=1)
    assert r.recovery["layers"]["social"]["truth"] == pytest.approx(0.05)
    # a fit with another window compares with the truth converted to that window
    r2 = gm.fit(back, window=10, bootstrap=0, shuffles=0, seed=1)
    q = tl["transmission_per_day"]["social"]
    assert r2.recovery["layers"]["social"]["truth"] == pytest.approx(1 - (1 - q) ** 10)


def test_a_layer_without_transmission_is_flagged_and_a_strong_one_is_not():
    # social transmission 0: its estimate cannot clear the time-shuffled baseline; transfer (0.05) clears it
    eco = gm.generate(users=3000, seed=4, timeline={"social": 0.0})
    r = gm.fit(eco, bootstrap=50, shuffles=2, seed=1)
    assert r.transmission["social"]["homophily"] is not None
    assert r.transmission["transfer"]["homophily"] is None
    assert r.transmission["transfer"]["ci95"][0] > r.baseline["transfer"]["mean"]
