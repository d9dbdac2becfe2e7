"""Splits, scorers on a crafted case, and proof that the future never leaks into training."""

from __future__ import annotations

import math

import numpy as np
import pytest

import graphmodel as gm
from graphmodel.errors import InputError
from graphmodel.signals.scorers import BASE_SCORERS, build_train, item_index
from graphmodel.signals.split import parse_time, random_split, time_split

HISTORY_SCORERS = ("social", "cocustomer", "transfer", "popularity")


@pytest.fixture
def crafted() -> gm.Ecosystem:
    # training (t < 10): a,b buy m1; b,c buy m2; c,d buy m3.  test: b then a buy "fut", a buys m2, c buys m1.
    return gm.Ecosystem.from_labels(
        users={"id": ["a", "b", "c", "d"]},
        merchants={"id": ["m1", "m2", "m3", "fut"], "category": ["f", "f", "g", "g"]},
        social={"src": ["a", "c"], "dst": ["b", "b"]},
        transfer={"src": ["d"], "dst": ["a"]},
        payment={
            "user": ["a", "b", "b", "c", "d", "c", "b", "a", "a", "c"],
            "merchant": ["m1", "m1", "m2", "m2", "m3", "m3", "fut", "fut", "m2", "m1"],
            "first_time": [1, 1, 2, 2, 3, 3, 11, 12, 12, 13],
        },
        social_directed=True,
    )


def test_time_split_masks(crafted):
    s = time_split(crafted, test_from=10)
    t = crafted.edges("payment")["first_time"]
    assert (t[s.train] < 10).all() and (t[s.test] >= 10).all()
    assert not (s.train & s.test).any() and (s.train | s.test).all()
    assert s.info["test_from"] == 10 and s.info["test_edges"] == 4
    # cut chosen by fraction: 4 of 10 edges at or after the 60% quantile
    assert time_split(crafted, test_fraction=0.4).info["test_edges"] == 4


def test_parse_time_and_errors(crafted):
    assert parse_time("2010-01-01") == 1262304000
    with pytest.raises(InputError, match="test_from"):
        parse_time("January")
    no_time = crafted.replace(payment=crafted.edges("payment").drop("first_time"))
    with pytest.raises(InputError, match="first_time"):
        time_split(no_time, test_from=10)


def test_random_split_seeded():
    eco = gm.Ecosystem.from_labels(
        users={"id": [0]},
        merchants={"id": list(range(4000))},
        payment={"user": [0] * 4000, "merchant": list(range(4000))},
    )
    a, b = random_split(eco, test_fraction=0.2, seed=5), random_split(eco, test_fraction=0.2, seed=5)
    assert np.array_equal(a.test, b.test)
    se = math.sqrt(0.2 * 0.8 / 4000)
    assert abs(a.test.mean() - 0.2) <= 4 * se


def test_scorer_values(crafted):
    s = time_split(crafted, test_from=10)
    data = build_train(crafted, s.train, level="merchant")
    a = crafted.index_of("user", ["a"])
    m = {x: int(crafted.index_of("merchant", [x])[0]) for x in ("m1", "m2", "m3", "fut")}
    assert BASE_SCORERS["social"](data, a)[0, m["m2"]] == 1.0  # b bought m2
    assert math.isclose(BASE_SCORERS["cocustomer"](data, a)[0, m["m2"]], 0.5)  # cos(m1, m2) = 1/sqrt(2*2)
    assert BASE_SCORERS["own"](data, a)[0, m["m2"]] == 1.0 and BASE_SCORERS["own"](data, a)[0, m["m3"]] == 0.0
    assert BASE_SCORERS["transfer"](data, a)[0, m["m3"]] == 1.0  # d sent money to a, d bought m3
    assert BASE_SCORERS["popularity"](data, a)[0, m["m2"]] == 2.0
    # co-customers exclude the user: m1's buyers are a and b, only b counts (1/sqrt(2*2), not 2/2)
    assert math.isclose(BASE_SCORERS["cocustomer"](data, a)[0, m["m1"]], 0.5)
    cols = np.array([m["m2"], m["fut"]])
    full = BASE_SCORERS["cocustomer"](data, a)
    assert np.allclose(BASE_SCORERS["cocustomer"](data, a, cols), full[:, cols])


def test_future_item_scores_zero_and_peeking_is_caught(crafted):
    s = time_split(crafted, test_from=10)
    users = np.arange(crafted.n_users)
    fut = int(crafted.index_of("merchant", ["fut"])[0])
    honest = build_train(crafted, s.train)
    for name in HISTORY_SCORERS:
        assert (BASE_SCORERS[name](honest, users)[:, fut] == 0).all(), name
    # a scorer that peeks at the test period would see b's purchase of "fut"
    peeking = build_train(crafted, s.train | s.test)
    assert BASE_SCORERS["social"](peeking, users)[:, fut].max() > 0
    assert BASE_SCORERS["popularity"](peeking, users)[:, fut].max() > 0


def test_signal_unchanged_by_test_period_scores(crafted):
    # the scores a test user gets depend only on training: a copy whose test-period
    # purchases go elsewhere ranks the same candidates identically.
    r = gm.signal(crafted, test_from=10, combine=False, seed=0, n_boot=50)
    assert r.split["test_users"] >= 1
    assert set(r.scorers) == {"own", "social", "cocustomer", "transfer", "popularity"}
    # a: candidates m2, m3, fut (m1 seen); targets m2, fut. social ranks m2 top, fut ties with m3 at 0
    i = list(r.users).index(int(crafted.index_of("user", ["a"])[0]))
    auc_social = r.per_user["social"][i, 0]
    assert math.isclose(auc_social, (1.0 + 0.5) / 2)


def test_category_level_items(crafted):
    mi, cat, names = item_index(crafted, "category")
    assert names == ["f", "g"] and mi.tolist() == [0, 0, 1, 1]
    r = gm.signal(crafted, test_from=10, level="category", combine=False, seed=0, n_boot=20)
    assert r.params["exclude_seen"] is False and r.params["n_items"] == 2
