"""gm.compete: the competitive cascade against the propagation core, symmetry, ties, blocking, reproducibility.

Stochastic checks use bounds from the reported standard errors: 4 SE of a
mean, and for a difference of two (possibly dependent) means 4 * (SE1 + SE2),
which bounds 4 SE of the difference.
"""

from __future__ import annotations

import numpy as np
import pytest

import graphmodel as gm
from graphmodel.errors import InputError


@pytest.fixture(scope="module")
def eco() -> gm.Ecosystem:
    return gm.generate(preset="balanced", users=2000, seed=2)


def _close(a: gm.estimate.Estimate, b: gm.estimate.Estimate) -> bool:  # type: ignore[name-defined]
    return abs(a.mean - b.mean) <= 4 * (a.sem + b.sem) + 1e-12


def test_one_platform_equals_simulate_exactly(eco):
    res = gm.compete(
        eco,
        platforms=["solo: seeds=top-degree:10:user, layers=social,payment, strength=social:0.1,payment:0.15"],
        runs=200,
        seed=5,
        merchant_carry=None,
    )
    sim = gm.simulate(
        eco,
        model="ic",
        layers="social,payment",
        prob={"social": 0.1, "payment": 0.15},
        seeds="top-degree:10:user",
        runs=200,
        seed=5,
    )
    o = res.platforms["solo"]
    U, M = eco.n_users, eco.n_merchants
    # same coins (platform 0 draws the propagation core's coins): equal run by run, so equal summaries
    assert o.users.mean * U == pytest.approx(sim.spread.mean, rel=1e-12)
    assert o.users.std * U == pytest.approx(sim.spread.std, rel=1e-9)
    assert o.merchants.mean * M == pytest.approx(sim.merchants.mean, rel=1e-12)
    for layer in ("seed", "social", "payment"):
        assert o.by_layer[layer].mean * U == pytest.approx(sim.by_layer[layer].mean, rel=1e-12, abs=1e-12)
    assert o.wins == 1.0


def test_zero_strength_gets_only_its_seeds(eco):
    res = gm.compete(
        eco,
        platforms=[
            "dead: seeds=top-degree:20:user, layers=social,payment, strength=0",
            "live: seeds=random:5:user, layers=social, strength=social:0.2",
        ],
        runs=100,
        seed=3,
    )
    o = res.platforms["dead"]
    # seeds may lose a tie against the rival's seeds, never gain anyone else
    assert o.users.quantiles["q95"] <= 20 / eco.n_users + 1e-12
    assert o.users.mean == pytest.approx(o.by_layer["seed"].mean)
    assert o.merchants.mean == 0.0


def test_identical_platforms_same_seeds_share_equally(eco):
    spec = "seeds=top-degree:15:user, layers=social,transfer, strength=social:0.08,transfer:0.2"
    res = gm.compete(eco, platforms=[f"a: {spec}", f"b: {spec}"], runs=300, seed=11)
    a, b = res.platforms["a"], res.platforms["b"]
    assert _close(a.users, b.users)
    assert abs(a.wins - b.wins) <= 4 * np.sqrt(0.25 / 300) * 2


def test_mirrored_seeds_swap_shares(eco):
    s1, s2 = "top-degree:10:user", "random:10:user"
    body = "layers=social,payment, strength=social:0.08,payment:0.1"
    r1 = gm.compete(eco, platforms=[f"a: seeds={s1}, {body}", f"b: seeds={s2}, {body}"], runs=300, seed=21)
    r2 = gm.compete(eco, platforms=[f"a: seeds={s2}, {body}", f"b: seeds={s1}, {body}"], runs=300, seed=21)
    assert _close(r1.platforms["a"].users, r2.platforms["b"].users)
    assert _close(r1.platforms["b"].users, r2.platforms["a"].users)


def _line() -> gm.Ecosystem:
    # users 1 - 0 - 2: platform a seeds 1, b seeds 2; both reach 0 in step 1 (a tie)
    return gm.Ecosystem(users={"id": [0, 1, 2]}, social={"src": [1, 2], "dst": [0, 0]})


def test_tie_random_is_fair_and_strength_prefers_the_stronger_arc():
    eco = _line()
    runs = 400
    res = gm.compete(
        eco,
        platforms=["a: seeds=user:1, strength=social:1", "b: seeds=user:2, strength=social:1"],
        runs=runs,
        seed=4,
        tie="random",
    )
    # a gets node 0 with probability 1/2: users share = (1 + X) / 3
    p_hat = res.platforms["a"].users.mean * 3 - 1
    assert abs(p_hat - 0.5) <= 4 * np.sqrt(0.25 / runs)
    assert res.platforms["a"].wins == pytest.approx(p_hat)
    weak_strong = ["a: seeds=user:1, strength=social:0.9", "b: seeds=user:2, strength=social:1"]
    res = gm.compete(eco, platforms=weak_strong, runs=runs, seed=4, tie="strength")
    assert res.platforms["a"].users.mean == pytest.approx(1 / 3)  # b's arc (1.0) beats a's (0.9) every time
    res = gm.compete(eco, platforms=weak_strong, runs=runs, seed=4, tie="random")
    p_hat = res.platforms["a"].users.mean * 3 - 1  # a reaches 0 with 0.9 and then wins half the ties
    assert abs(p_hat - 0.45) <= 4 * np.sqrt(0.45 * 0.55 / runs)


def test_seed_claimed_by_both_is_a_tie():
    eco = _line()
    res = gm.compete(eco, platforms=["a: seeds=user:0, strength=0", "b: seeds=user:0, strength=0"], runs=400, seed=8)
    a = res.platforms["a"].users.mean * 3
    assert abs(a - 0.5) <= 4 * np.sqrt(0.25 / 400)
    assert res.platforms["a"].users.mean + res.platforms["b"].users.mean == pytest.approx(1 / 3)


def test_multihoming_lets_the_rival_into_merchants(eco):
    plats = [
        "wallet: seeds=top-degree:10:merchant, layers=payment, strength=payment:0.15",
        "rival: seeds=top-degree:30:user, layers=social,payment, strength=social:0.1,payment:0.15",
    ]
    blocked = gm.compete(eco, platforms=plats, runs=200, seed=9, multihoming=0.0)
    multi = gm.compete(eco, platforms=plats, runs=200, seed=9, multihoming=1.0)
    bm, mm = blocked.platforms, multi.platforms
    # exclusive merchants: merchant shares add up to at most 1; multi-homed ones may hold both
    assert bm["wallet"].merchants.mean + bm["rival"].merchants.mean <= 1.0 + 1e-12
    assert mm["wallet"].merchants.mean + mm["rival"].merchants.mean > 1.0
    for name in ("wallet", "rival"):  # every platform gains merchants when merchants stop blocking
        assert mm[name].merchants.mean - bm[name].merchants.mean > 4 * (mm[name].merchants.sem + bm[name].merchants.sem)
    # the wallet's offline preemption weakens: the rival's users gain
    assert mm["rival"].users.mean - bm["rival"].users.mean > 4 * (mm["rival"].users.sem + bm["rival"].users.sem)


def test_merchant_carry_strengthens_the_merchant_platform(eco):
    plats = [
        "wallet: seeds=top-degree:10:merchant, layers=payment, strength=payment:0.05",
        "rival: seeds=top-degree:30:user, layers=social, strength=social:0.1",
    ]
    weak = gm.compete(eco, platforms=plats, runs=150, seed=2, merchant_carry=0.1)
    strong = gm.compete(eco, platforms=plats, runs=150, seed=2, merchant_carry=0.9)
    w, s = weak.platforms["wallet"].users, strong.platforms["wallet"].users
    assert s.mean - w.mean > 4 * (s.sem + w.sem)


def test_switching_invariants(eco):
    plats = [
        "a: seeds=top-degree:20:user, layers=social, strength=social:0.15",
        "b: seeds=random:20:user, layers=social,transfer, strength=social:0.15,transfer:0.3",
    ]
    res = gm.compete(eco, platforms=plats, runs=100, seed=6, switching=0.5, lock_in=0.2)
    total = sum(o.users.mean for o in res.platforms.values())
    assert total <= 1.0 + 1e-12
    for o in res.platforms.values():
        assert sum(e.mean for e in o.by_layer.values()) == pytest.approx(o.users.mean, abs=1e-12)
        assert 0.0 <= o.gmv.mean <= 1.0
    assert sum(o.wins for o in res.platforms.values()) == pytest.approx(1.0)
    # the curve ends at the final shares
    for i, o in enumerate(res.platforms.values()):
        assert res.curve_mean[i, -1] == pytest.approx(o.users.mean)
    none = gm.compete(eco, platforms=plats, runs=100, seed=6)
    assert none.to_dict()["platforms"] != res.to_dict()["platforms"]


def test_reproducible_for_any_worker_count(eco):
    plats = [
        "wallet: seeds=top-degree:10:merchant, layers=payment, strength=payment:0.12",
        "messenger: seeds=top-degree:20:user, layers=social,transfer, strength=social:0.05,transfer:0.2",
    ]
    kw = dict(platforms=plats, runs=60, seed=13, multihoming=0.3, switching=0.2)
    one = gm.compete(eco, workers=1, **kw).to_dict()
    two = gm.compete(eco, workers=2, **kw).to_dict()
    assert one == two
    assert gm.compete(eco, workers=2, **{**kw, "seed": 14}).to_dict() != one


def test_gmv_share_definition():
    # one user pays two merchants; the platform holds the user and merchant m1 only
    eco = gm.Ecosystem.from_labels(
        users={"id": ["u"]},
        merchants={"id": ["m1", "m2"]},
        payment={"user": ["u", "u"], "merchant": ["m1", "m2"], "amount": [30.0, 10.0]},
    )
    res = gm.compete(eco, platforms=["p: seeds=user:u,merchant:m1, layers=payment, strength=0"], runs=3, seed=1)
    o = res.platforms["p"]
    assert o.gmv.mean == pytest.approx(0.75)
    assert o.users.mean == 1.0 and o.merchants.mean == 0.5
    assert res.params["gmv_weight"] == "amount"


def test_bad_options(eco):
    p = ["a: seeds=random:3, layers=social"]
    with pytest.raises(InputError, match="tie"):
        gm.compete(eco, platforms=p, tie="coin")
    with pytest.raises(InputError, match="switching"):
        gm.compete(eco, platforms=p, switching=2.0)
    with pytest.raises(InputError, match="unique"):
        gm.compete(eco, platforms=p * 2)
    with pytest.raises(InputError, match="runs"):
        gm.compete(eco, platforms=p, runs=0)


@pytest.mark.parametrize("tie", ["random", "strength"])
def test_kernel_matches_python_reference(tie):
    import importlib

    from graphmodel.competition import _kernel as K
    from graphmodel.competition.reference import reference_run

    C = importlib.import_module("graphmodel.competition.compete")

    E = importlib.import_module("graphmodel.competition.engine")
    small = gm.generate(preset="balanced", users=300, seed=7)
    plats = C.as_platforms(
        [
            "w: seeds=top-degree:3:merchant,random:3:user, layers=payment,social, strength=payment:0.2,social:wc",
            "m: seeds=top-degree:6:user, layers=social,transfer,payment, strength=social:0.15,transfer:0.4,payment:0.1",
            "x: seeds=random:4:merchant, layers=payment, strength=payment:0.3",
        ]
    )
    arr = E.prepare(small, plats, 0.8, np.random.SeedSequence(1), None)
    pay = E.payments(small)[:3]
    opts = dict(tie=C.TIE_RULES[tie], switching=0.4, lock_in=0.3, multihoming=0.3)
    g = arr.graph
    out = K.compete_batch(
        np.uint64(99),
        0,
        12,
        3,
        K.ContestGraph(g.lptr, g.indices, g.arc_key, g.seg_key, g.n_users),
        K.Platforms(arr.prob, arr.seg_u, arr.seg_m, K.platform_keys(3), arr.seeds, arr.seed_ptr),
        K.Rules(tie=opts["tie"], switching=0.4, lock_in=0.3, multihoming=0.3, max_steps=-1),
        K.Payments(*pay),
        50,
    )
    for r in range(12):
        ref = reference_run(arr, pay, key=99, r=r, **opts)
        assert out[0][r].tolist() == ref["users"].tolist()
        assert out[1][r].tolist() == ref["merchants"].tolist()
        assert out[3][r].tolist() == ref["layers"].tolist()
        assert np.allclose(out[2][r], ref["gmv"])
        assert out[5][r] == ref["steps"]
