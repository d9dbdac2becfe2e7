"""The intent cascade: monotone in the layers run by run, equal to the fixed-point reference, exact on tiny graphs."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import graphmodel as gm
from graphmodel.experiments import _intent_kernel as IK
from graphmodel.experiments.intent import IntentModel
from graphmodel.experiments.scenarios import make_setup, parse_scenarios, run_scenario, trace_run

SCEN = parse_scenarios(None)


def _random_eco(seed: int, users: int = 12, merchants: int = 3, directed: bool = False) -> gm.Ecosystem:
    rng = np.random.default_rng(seed)
    ns, npay, ntr = rng.integers(0, 3 * users), rng.integers(0, 3 * users), rng.integers(0, users)
    s_src, s_dst = rng.integers(0, users, ns), rng.integers(0, users, ns)
    keep = s_src != s_dst
    t_src, t_dst = rng.integers(0, users, ntr), rng.integers(0, users, ntr)
    return gm.Ecosystem(
        users={"id": np.arange(users)},
        merchants={"id": np.arange(merchants)},
        social={"src": s_src[keep], "dst": s_dst[keep]},
        payment={"src": rng.integers(0, users, npay), "dst": rng.integers(0, merchants, npay)},
        transfer={"src": t_src, "dst": t_dst},
        social_directed=directed,
    )


def _setup(eco, prob, intent=None, seeds=(0, 1), buy=None):
    intent = intent or IntentModel(conversion={"social": 0.3, "payment": 0.5, "transfer": 0.4}, seed_conversion=0.6)
    buy = np.ones(eco.n_users) if buy is None else buy
    return make_setup(eco, prob=prob, intent=intent, buy=buy, seeds=np.asarray(seeds, dtype=np.int64))


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), p=st.sampled_from([0.2, 0.5, 0.9, "wc"]), directed=st.booleans())
def test_more_layers_never_reach_or_sell_less_run_by_run(seed, p, directed):
    eco = _random_eco(seed, directed=directed)
    s = _setup(eco, {"social": p, "payment": p, "transfer": p})
    runs = {name: run_scenario(s, layers, key=seed + 1, runs=40) for name, layers in SCEN.items()}
    for sub, sup in [
        ("social", "all"),
        ("payment", "all"),
        ("transfer", "all"),
        ("social+transfer", "all"),
        ("social", "social+transfer"),
        ("transfer", "social+transfer"),
    ]:
        assert (runs[sup].reach >= runs[sub].reach).all(), (sub, sup)
        assert (runs[sup].purchases >= runs[sub].purchases).all(), (sub, sup)
        assert (runs[sup].merchants >= runs[sub].merchants).all(), (sub, sup)
    # node by node too: the users who buy with fewer layers buy with more
    for r in range(5):
        small = trace_run(s, ("social",), key=seed + 1, run=r)
        big = trace_run(s, SCEN["all"], key=seed + 1, run=r)
        assert np.all((small["purchase_step"] < 0) | (big["purchase_step"] >= 0))
        assert np.all((small["intent_step"] < 0) | (big["intent_step"] >= 0))


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10_000), p=st.sampled_from([0.3, 0.7, "wc"]), spread=st.sampled_from(["intent", "purchase"]))
def test_kernel_matches_the_fixed_point_reference(seed, p, spread):
    eco = _random_eco(seed, users=10)
    intent = IntentModel(
        conversion={"social": 0.4, "payment": 0.5, "transfer": 0.3}, seed_conversion=0.5, spread={"payment": spread}
    )
    buy = np.random.default_rng(seed).uniform(0.3, 1.0, eco.n_users)
    seeds = [0, 3, eco.n_users]  # two users and a merchant
    s = _setup(eco, {"social": p, "payment": p, "transfer": p}, intent=intent, seeds=seeds, buy=buy)
    for layers in SCEN.values():
        for r in range(4):
            t = trace_run(s, layers, key=7, run=r)
            intent_ref, bought_ref, merch_ref = IK.reference_final_state(
                7, r, s.graph, s.mask(layers), s.params, s.buy, s.seeds
            )
            U = eco.n_users
            assert np.array_equal(t["intent_step"][:U] >= 0, intent_ref), layers
            assert np.array_equal(t["purchase_step"][:U] >= 0, bought_ref), layers
            assert np.array_equal(t["intent_step"][U:] >= 0, merch_ref), layers
            # the batch kernel counts what the trace shows
            b = run_scenario(s, layers, key=7, runs=1, run_start=r)
            assert b.reach[0] == intent_ref.sum() and b.purchases[0] == bought_ref.sum()
            assert b.merchants[0] == merch_ref.sum()
            assert b.reach_by[0].sum() == b.reach[0] and b.purch_by[0].sum() == b.purchases[0]


def test_same_numbers_for_any_worker_count_and_batching():
    eco = gm.generate(users=800, seed=3)
    s = _setup(eco, {"social": 0.2, "payment": 0.2, "transfer": 0.2}, seeds=np.arange(10))
    one = run_scenario(s, SCEN["all"], key=11, runs=60, workers=1)
    two = run_scenario(s, SCEN["all"], key=11, runs=60, workers=2)
    parts = [run_scenario(s, SCEN["all"], key=11, runs=30, run_start=k, workers=2) for k in (0, 30)]
    for f in ("reach", "purchases", "merchants", "half_time", "curve_i", "curve_p", "reach_by", "purch_by"):
        assert np.array_equal(getattr(one, f), getattr(two, f)), f
        assert np.array_equal(getattr(one, f), np.concatenate([getattr(p, f) for p in parts])), f


def test_curves_add_up_and_half_time_is_where_half_the_reach_is():
    eco = gm.generate(users=800, seed=4)
    s = _setup(eco, {"social": 0.3, "payment": 0.3, "transfer": 0.3}, seeds=np.arange(5))
    r = run_scenario(s, SCEN["all"], key=3, runs=50)
    assert np.array_equal(r.curve_i.sum(axis=1), r.reach)
    assert np.array_equal(r.curve_p.sum(axis=1), r.purchases)
    cum = np.cumsum(r.curve_i, axis=1)
    expect = np.argmax(2 * cum >= r.reach[:, None], axis=1)
    assert np.array_equal(expect, r.half_time)


# --------------------------------------------------------------------------
# exact expectations on tiny graphs, by enumerating every coin
# --------------------------------------------------------------------------
def _exact(eco, prob: float, conv: dict, seed_conv: float, seeds: list[int], layers: tuple[str, ...], spread: dict):
    """Exact mean and variance of (reach, purchases) by enumerating arc and purchase coins (no kernel involved)."""
    U = eco.n_users
    arcs = []  # (tail, head, layer) over global nodes, as graphmodel.csr defines directions
    for layer in layers:
        t = eco.edges(layer)
        for a, b in zip(t["src"].tolist(), t["dst"].tolist()):
            if layer == "payment":
                arcs += [(a, U + b, layer), (U + b, a, layer)]
            else:
                arcs.append((a, b, layer))
                if layer == "social" and not eco.social_directed:
                    arcs.append((b, a, layer))
    coins = sorted({(h, lay) for _, h, lay in arcs if h < U} | {(s, "seed") for s in seeds if s < U})
    qs = {(u, lay): (seed_conv if lay == "seed" else conv[lay]) for u, lay in coins}
    m1 = np.zeros(2)
    m2 = np.zeros(2)
    for live in itertools.product([0, 1], repeat=len(arcs)):
        p_arcs = math.prod(prob if x else 1 - prob for x in live)
        for buys in itertools.product([0, 1], repeat=len(coins)):
            w = p_arcs * math.prod(qs[c] if x else 1 - qs[c] for c, x in zip(coins, buys))
            if w == 0:
                continue
            won = {c for c, x in zip(coins, buys) if x}
            intent = set(seeds)
            bought = {s for s in seeds if (s, "seed") in won}
            changed = True
            while changed:
                changed = False
                for (t, h, lay), x in zip(arcs, live):
                    if not x:
                        continue
                    ok = t in intent if (t >= U or spread[lay] == "intent") else t in bought
                    if not ok:
                        continue
                    if h not in intent:
                        intent.add(h)
                        changed = True
                    if h < U and h not in bought and (h, lay) in won:
                        bought.add(h)
                        changed = True
            v = np.array([len([x for x in intent if x < U]), len(bought)], dtype=float)
            m1 += w * v
            m2 += w * v * v
    return m1, m2 - m1 * m1


@pytest.mark.parametrize(
    "layers", [("social",), ("payment",), ("social", "transfer"), ("social", "payment", "transfer")]
)
def test_tiny_graph_matches_exact_expectation(layers):
    eco = gm.Ecosystem(
        users={"id": [0, 1, 2]},
        merchants={"id": [0]},
        social={"src": [0], "dst": [1]},
        payment={"src": [0, 2], "dst": [0, 0]},
        transfer={"src": [1], "dst": [2]},
    )
    prob, conv, seed_conv = 0.6, {"social": 0.3, "payment": 0.7, "transfer": 0.5}, 0.8
    intent = IntentModel(conversion=conv, seed_conversion=seed_conv)
    s = make_setup(
        eco,
        prob={"social": prob, "payment": prob, "transfer": prob},
        intent=intent,
        buy=np.ones(3),
        seeds=np.array([0]),
    )
    mean, var = _exact(eco, prob, conv, seed_conv, [0], layers, dict(intent.spread))
    n = 20_000
    r = run_scenario(s, layers, key=12345, runs=n)
    for k, got in enumerate((r.reach, r.purchases)):
        se = math.sqrt(var[k] / n)
        assert abs(got.mean() - mean[k]) <= 4 * se + 1e-12, (layers, k, got.mean(), mean[k], se)


def test_two_node_closed_form():
    """Seed a, a directed tie a -> b: E[purchases] = s0 + p * c_social; E[reach] = 1 + p.

    (Undirected, b could pass intent back: a would buy with s0 + (1 - s0) p^2 c; the enumeration test covers that.)
    """
    eco = gm.Ecosystem(users={"id": [0, 1]}, social={"src": [0], "dst": [1]}, social_directed=True)
    p, c, s0 = 0.35, 0.4, 0.25
    s = make_setup(
        eco,
        prob={"social": p, "payment": 0.1, "transfer": 0.1},
        intent=IntentModel(conversion={"social": c}, seed_conversion=s0),
        buy=np.ones(2),
        seeds=np.array([0]),
    )
    n = 20_000
    r = run_scenario(s, ("social",), key=99, runs=n)
    mp, vp = s0 + p * c, s0 * (1 - s0) + p * c * (1 - p * c)
    assert abs(r.purchases.mean() - mp) <= 4 * math.sqrt(vp / n)
    assert abs(r.reach.mean() - (1 + p)) <= 4 * math.sqrt(p * (1 - p) / n)
