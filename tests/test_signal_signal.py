"""gm.signal end to end: shape, combination fitted on training only, sampling, affordability."""

from __future__ import annotations

import json

import numpy as np
import pytest

import graphmodel as gm
from graphmodel.errors import InputError


def _random_eco(
    seed: int, *, users: int = 120, merchants: int = 40, edges: int = 900, afford: bool = False
) -> gm.Ecosystem:
    rng = np.random.default_rng(seed)
    u = rng.integers(0, users, edges)
    # merchants follow a user's "taste" so history carries signal
    m = (u % 8 * 5 + rng.integers(0, 5, edges)) % merchants
    m = np.where(rng.random(edges) < 0.3, rng.integers(0, merchants, edges), m)
    key = np.unique(u * merchants + m)
    u, m = key // merchants, key % merchants
    t = rng.integers(0, 100, len(u))
    s = rng.integers(0, users, (users * 3, 2))
    s = s[s[:, 0] != s[:, 1]]
    nodes_u: dict = {"id": np.arange(users)}
    nodes_m: dict = {"id": np.arange(merchants), "category": np.array(list("abcdefgh"))[np.arange(merchants) % 8]}
    if afford:
        nodes_u["purchasing_power"] = rng.uniform(0.5, 3, users)
        nodes_m["price_level"] = rng.uniform(0.5, 3, merchants)
    return gm.Ecosystem.from_labels(
        users=nodes_u,
        merchants=nodes_m,
        social={"src": s[:, 0], "dst": s[:, 1]},
        payment={"user": u, "merchant": m, "first_time": t},
        social_directed=True,
    )


def test_to_dict_shape_and_json():
    r = gm.signal(_random_eco(1), test_from=80, k=5, seed=3, n_boot=100)
    d = r.to_dict()
    assert set(d) == {"scorers", "paired", "split", "params", "combination", "affordable"}
    for name in ("own", "social", "cocustomer", "popularity", "combined"):
        for metric in ("auc", "recall@5", "ndcg@5"):
            cell = d["scorers"][name][metric]
            assert 0 <= cell["mean"] <= 1 and cell["ci95"][0] <= cell["mean"] <= cell["ci95"][1]
    assert d["paired"]["own - social"]["auc"]["p_value"] is not None
    assert d["split"]["kind"] == "time" and d["affordable"] is None
    json.dumps(d, allow_nan=False)
    # same seed, same numbers
    assert gm.signal(_random_eco(1), test_from=80, k=5, seed=3, n_boot=100).to_dict() == d


def test_combination_fitted_on_training_only():
    eco = _random_eco(2)
    r = gm.signal(eco, test_from=80, seed=1, n_boot=50)
    pay = eco.edges("payment")
    test = pay["first_time"] >= 80
    # move every test-period purchase to another merchant (parallel edges are allowed): training is unchanged
    dst = pay["dst"].copy()
    dst[test] = (dst[test] + 7) % eco.n_merchants
    other = eco.replace(payment=pay.with_columns(dst=dst))
    r2 = gm.signal(other, test_from=80, seed=1, n_boot=50)
    assert r.combination == r2.combination
    assert r.scorers != r2.scorers  # the test period did change


def test_sampled_negatives_and_max_users():
    eco = _random_eco(4)
    r = gm.signal(eco, split="random", seed=2, negatives=10, max_users=30, n_boot=50, combine=False)
    assert r.params["negatives"] == 10 and r.split["test_users"] <= 30
    assert r.split["kind"] == "random"
    full = gm.signal(eco, split="random", seed=2, negatives=None, n_boot=50, combine=False)
    assert full.params["candidates"] == "all items"


def test_affordability_section():
    r = gm.signal(_random_eco(5, afford=True), split="random", seed=1, n_boot=50)
    a = r.to_dict()["affordable"]
    assert a is not None and 0 < a["share_of_test_purchases_affordable"] <= 1
    assert set(a["scorers"]) == set(r.scorers)


def test_generated_ecosystem_has_transfer_and_affordability():
    eco = gm.generate(users=600, merchants=60, seed=1)
    r = gm.signal(eco, split="random", seed=1, n_boot=50, max_users=150)
    assert "transfer" in r.scorers and r.affordable is not None


def test_errors():
    eco = _random_eco(6)
    with pytest.raises(InputError, match="split"):
        gm.signal(eco, split="sideways")
    with pytest.raises(InputError, match="level"):
        gm.signal(eco, level="shelf")
    with pytest.raises(InputError, match="no test user"):
        gm.signal(eco, test_from=10_000)
