"""Conversion estimator: exact counts on a crafted case, no lift without influence, JSON shape."""

from __future__ import annotations

import json

import numpy as np
import pytest

import graphmodel as gm
from graphmodel.errors import InputError
from graphmodel.signals.conversion import FORMAT

DAY = 86400


@pytest.fixture
def crafted() -> gm.Ecosystem:
    users, merchants, src, dst, pu, pm, pt = ["p", "q", "z"], ["s", "y", "late"], [], [], [], [], []
    for k in range(10):
        a, b, x = f"a{k}", f"b{k}", f"x{k}"
        users += [a, b]
        merchants.append(x)
        src.append(a)
        dst.append(b)  # a trusts b
        t = (20 * k + 1) * DAY
        lag = 1 if k < 5 else 10  # five convert within 2 days, five too late
        pu += [b, a]
        pm += [x, x]
        pt += [t, t + lag * DAY]
    # co-customers p and q meet at shop s on day 1; q buys y on day 5, p follows on day 6
    pu += ["p", "q", "q", "p", "z"]
    pm += ["s", "s", "y", "y", "late"]
    pt += [DAY, DAY, 5 * DAY, 6 * DAY, 500 * DAY]
    return gm.Ecosystem.from_labels(
        users={"id": users},
        merchants={"id": merchants, "category": merchants},
        social={"src": src, "dst": dst},
        social_directed=True,
        payment={"user": pu, "merchant": pm, "first_time": pt},
    )


def test_known_counts(crafted):
    r = gm.estimate_conversion(crafted, level="merchant", window_days=2, n_shuffles=3, n_boot=200, seed=1)
    soc, pay = r.layers["social"], r.layers["payment"]
    assert (soc["exposures"], soc["conversions"]) == (10, 5)
    assert soc["rate"]["mean"] == 0.5
    assert (pay["exposures"], pay["conversions"]) == (1, 1)
    d = r.to_dict()
    assert d["format"] == FORMAT and d["conversion"] == {"social": 0.5, "payment": 1.0}
    assert set(d["lift"]) == {"social", "payment"} and "payment/social" in d["relative"]
    json.dumps(d, allow_nan=False)
    # a window too short for anyone: no conversion
    r1 = gm.estimate_conversion(crafted, level="merchant", window_days=0.5, n_shuffles=1, n_boot=50, seed=1)
    assert r1.layers["social"]["conversions"] == 0


def test_no_influence_no_lift():
    # purchase times independent of neighbours: the real and the time-shuffled rates agree
    rng = np.random.default_rng(0)
    U, M, E = 400, 30, 6000
    u, m = rng.integers(0, U, E), rng.integers(0, M, E)
    key = np.unique(u * M + m)
    u, m = key // M, key % M
    s = rng.integers(0, U, (U * 5, 2))
    s = s[s[:, 0] != s[:, 1]]
    eco = gm.Ecosystem.from_labels(
        users={"id": np.arange(U)},
        merchants={"id": np.arange(M), "category": np.arange(M) % 5},
        social={"src": s[:, 0], "dst": s[:, 1]},
        social_directed=True,
        payment={"user": u, "merchant": m, "first_time": rng.integers(0, 1000, len(u)) * DAY},
    )
    r = gm.estimate_conversion(eco, level="merchant", window_days=60, n_shuffles=4, n_boot=300, seed=2)
    lift = r.layers["social"]["lift"]
    half = (lift["ci95"][1] - lift["ci95"][0]) / 2
    # |lift - 1| within 4 standard errors (SE ~ half-width / 1.96)
    assert abs(lift["mean"] - 1.0) <= 4 * half / 1.96


def test_needs_times(crafted):
    no_time = crafted.replace(payment=crafted.edges("payment").drop("first_time"))
    with pytest.raises(InputError, match="first_time"):
        gm.estimate_conversion(no_time)
