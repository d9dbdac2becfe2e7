"""The timed cascade of ``generate(timeline=...)``: determinism, the stored truth, and the background alone."""

from __future__ import annotations

import math

import numpy as np
import pytest

import graphmodel as gm
from graphmodel.errors import InputError
from graphmodel.generator.timeline import START


def test_same_seed_same_timeline_and_static_layers_unchanged():
    a = gm.generate(users=1500, seed=4, timeline=True)
    b = gm.generate(users=1500, seed=4, timeline=True)
    assert a.equals(b)
    static = gm.generate(users=1500, seed=4)
    # the timeline replaces payments only; users, merchants, social and transfer are those of the static run
    for layer in ("social", "transfer"):
        assert np.array_equal(a.edges(layer)["src"], static.edges(layer)["src"])
    assert np.array_equal(a.nodes("user")["city"], static.nodes("user")["city"])
    pay = a.edges("payment")
    assert "first_time" in pay and pay["first_time"].min() >= START
    # one edge per (user, category): first purchases only
    cat = np.asarray(a.nodes("merchant")["category"])[pay["dst"]]
    keys = {(int(u), c) for u, c in zip(pay["src"], cat)}
    assert len(keys) == len(pay)
    tl = a.meta["timeline"]
    assert sum(tl["purchases_by_cause"].values()) == tl["purchases"] == len(pay)


def test_background_alone_matches_its_binomial():
    # no transmission: each (user, category) is bought on one's own with probability background * share_c
    eco = gm.generate(users=6000, seed=9, timeline={"social": 0, "payment": 0, "transfer": 0, "background": 0.2})
    tl = eco.meta["timeline"]
    assert tl["purchases_by_cause"]["background"] == tl["purchases"]
    days = tl["days"]
    expected = sum(1 - (1 - lam) ** days for lam in tl["background_per_day"].values()) * eco.n_users
    var = sum((1 - (1 - lam) ** days) * (1 - lam) ** days for lam in tl["background_per_day"].values()) * eco.n_users
    assert abs(tl["purchases"] - expected) < 4 * math.sqrt(var)


def test_bad_timeline_options():
    with pytest.raises(InputError, match="unknown timeline parameter"):
        gm.generate(users=100, seed=1, timeline={"speed": 1})
    with pytest.raises(InputError, match=r"\[0, 1\)"):
        gm.generate(users=100, seed=1, timeline={"social": 1.5})
    with pytest.raises(InputError, match="positive integer"):
        gm.generate(users=100, seed=1, timeline={"days": 0})
