"""The compiled exposure sweep against the plain-Python reference, and hand-checked cases."""

from __future__ import annotations

import numpy as np
import pytest

import graphmodel as gm
from graphmodel.errors import InputError
from graphmodel.fitting.exposures import build_exposures
from graphmodel.fitting.reference import exposure_totals_reference

DAY = 86400


def _random_eco(seed: int, *, directed: bool, n_users: int = 25, n_merch: int = 6, days: int = 40) -> gm.Ecosystem:
    rng = np.random.default_rng(seed)
    n_pay = 70
    t = rng.integers(0, days, n_pay) * DAY + rng.integers(0, DAY, n_pay)
    t = t.astype(float)
    t[rng.random(n_pay) < 0.05] = np.nan  # untimed purchases are ignored
    return gm.Ecosystem(
        users={"id": np.arange(n_users)},
        merchants={"id": np.arange(n_merch), "category": np.array(["a", "b", "c"])[rng.integers(0, 3, n_merch)]},
        social={"src": rng.integers(0, n_users, 60), "dst": rng.integers(0, n_users, 60)},
        payment={"src": rng.integers(0, n_users, n_pay), "dst": rng.integers(0, n_merch, n_pay), "first_time": t},
        transfer={"src": rng.integers(0, n_users, 15), "dst": rng.integers(0, n_users, 15)},
        social_directed=directed,
    )


def _kernel_totals(ex) -> dict[tuple[int, int, int, int], list[int]]:
    N, A = ex.totals()
    out = {}
    for c in range(ex.n_cfg):
        if N[c] or A[c]:
            out[(int(ex.cfg_item[c]), *map(int, ex.cfg_k[c]))] = [int(round(N[c])), int(round(A[c]))]
    return out


@pytest.mark.filterwarnings("ignore::graphmodel.GraphModelWarning")
@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("level", ["category", "merchant"])
def test_kernel_matches_reference(seed, level):
    eco = _random_eco(seed, directed=bool(seed % 2))
    window = 3 + seed
    ex = build_exposures(eco, level=level, window_days=window)
    ref = exposure_totals_reference(eco, level=level, window_days=window)
    assert _kernel_totals(ex) == {k: v for k, v in ref.items() if v != [0, 0]}


@pytest.mark.filterwarnings("ignore::graphmodel.GraphModelWarning")
def test_kernel_matches_reference_with_cut_and_layer_subset():
    eco = _random_eco(11, directed=True)
    t_end = float(np.nanmin(eco.edges("payment")["first_time"])) + 25 * DAY
    ex = build_exposures(
        eco,
        window_days=5,
        layers=("social", "payment"),
        t_end=t_end,
        t0=float(np.nanmin(eco.edges("payment")["first_time"])),
    )
    ref = exposure_totals_reference(eco, window_days=5, layers=("social", "payment"), t_end=t_end)
    assert _kernel_totals(ex) == {k: v for k, v in ref.items() if v != [0, 0]}


def test_hand_checked_chain():
    # b trusts a; a buys x on day 0, b on day 2: window 3 -> b is exposed on days 1, 2 (buys on 2).
    eco = gm.Ecosystem.from_labels(
        users={"id": ["a", "b"]},
        merchants={"id": ["x"], "category": ["c"]},
        social={"src": ["b"], "dst": ["a"]},
        social_directed=True,
        payment={"user": ["a", "b"], "merchant": ["x", "x"], "first_time": [0, 2 * DAY]},
    )
    ex = build_exposures(eco, window_days=3)
    got = _kernel_totals(ex)
    # a: at risk day 0 only (buys then): zero config, 1 adoption; b: day 0 zero config, days 1-2 exposed (adopts day 2)
    assert got == {(0, 0, 0, 0): [1, 1], (0, 1, 0, 0): [1, 1]}
    assert ex.exposures == {"social": 1, "payment": 0}


def test_cocustomer_needs_the_link_first():
    # a and b share merchant m (a day 0, b day 5): linked from day 5. a buys y on day 3 (before the link:
    # no exposure) and z on day 6 (after it: b exposed on days 7..10); b buys y on day 10, the last day.
    eco = gm.Ecosystem.from_labels(
        users={"id": ["a", "b"]},
        merchants={"id": ["m", "y", "z"], "category": ["c1", "c2", "c3"]},
        payment={
            "user": ["a", "b", "a", "a", "b"],
            "merchant": ["m", "m", "y", "z", "y"],
            "first_time": [0, 5 * DAY, 3 * DAY, 6 * DAY, 10 * DAY],
        },
    )
    ex = build_exposures(eco, level="merchant", window_days=30)
    assert ex.exposures["payment"] == 1
    got = _kernel_totals(ex)
    assert got[(2, 0, 1, 0)] == [4, 0]  # b, item z, days 7..10, no purchase
    assert (1, 0, 1, 0) not in got  # a's purchase of y came before the link
    ref = exposure_totals_reference(eco, level="merchant", window_days=30)
    assert got == {k: v for k, v in ref.items() if v != [0, 0]}


def test_no_times_is_one_clear_error():
    eco = gm.generate(users=200, seed=1)
    with pytest.raises(InputError, match="first_time") as exc:
        build_exposures(eco)
    assert "--timeline" in str(exc.value) and "\n" not in str(exc.value)
