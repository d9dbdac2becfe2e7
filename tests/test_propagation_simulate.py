"""simulate(): reproducibility, common random numbers, limits, results."""

from __future__ import annotations

import json

import numpy as np
import pytest

import graphmodel as gm
from graphmodel.propagation import engine as E
from graphmodel.propagation.ppr import igraph_of


def _eco(seed: int = 0, U: int = 400, M: int = 30) -> gm.Ecosystem:
    rng = np.random.default_rng(seed)
    s, d = rng.integers(0, U, 1200), rng.integers(0, U, 1200)
    k = s != d
    return gm.Ecosystem(
        users={"id": np.arange(U)},
        merchants={"id": np.arange(1000, 1000 + M)},
        social={"src": s[k], "dst": d[k], "weight": rng.random(int(k.sum()))},
        payment={"src": rng.integers(0, U, 600), "dst": rng.integers(0, M, 600), "count": rng.integers(0, 5, 600)},
        transfer={"src": rng.integers(0, U, 300), "dst": rng.integers(0, U, 300)},
    )


@pytest.fixture(scope="module")
def eco() -> gm.Ecosystem:
    return _eco()


def test_same_seed_same_result_any_workers(eco):
    kw = dict(
        layers=["social", "payment"],
        prob={"social": 0.1, "payment": "exp:0.3:count"},
        seeds="random:10",
        runs=300,
        seed=7,
    )
    a = gm.simulate(eco, workers=1, **kw)
    b = gm.simulate(eco, workers=2, **kw)
    c = gm.simulate(eco, workers=2, progress=lambda d, t: None, **kw)  # other batching
    assert a.to_dict(nodes=True) == b.to_dict(nodes=True) == c.to_dict(nodes=True)
    d = gm.simulate(eco, workers=1, **{**kw, "seed": 8})
    assert d.to_dict() != a.to_dict()


def test_batches_are_a_prefix_of_one_sequence(eco):
    g = E.prepare(eco, None, 0.1)
    seeds = np.array([0, 1, 2])
    whole = E.run_batch(g, seeds, key=11, runs=200)
    left = E.run_batch(g, seeds, key=11, runs=120)
    right = E.run_batch(g, seeds, key=11, run_start=120, runs=80)
    assert (np.concatenate([left.users, right.users]) == whole.users).all()
    assert (left.node_counts + right.node_counts == whole.node_counts).all()


def test_probability_zero_activates_nobody(eco):
    res = gm.simulate(
        eco, layers="social,payment", prob={"social": 0.0, "payment": 0.0}, seeds="random:5", runs=50, seed=1
    )
    assert res.spread.mean == 5 and res.spread.std == 0
    assert res.by_layer["social"].mean == 0 and res.merchants.mean == 0
    res = gm.simulate(
        eco, layers="social,payment", prob={"social": 0.3, "payment": 0.0}, seeds="random:5", runs=50, seed=1
    )
    assert res.by_layer["payment"].mean == 0 and res.merchants.mean == 0


@pytest.mark.parametrize("model", ["ic", "sir"])
def test_probability_one_gives_the_reachable_set(eco, model):
    layers = ["social", "payment", "transfer"]
    seeds = gm.resolve_seeds(eco, "random:3", seed=4)
    g = igraph_of(eco.csr(layers))
    reach = set()
    for s in seeds.tolist():
        reach.update(g.subcomponent(s, mode="out"))
    reach_users = sum(1 for v in reach if v < eco.n_users)
    res = gm.simulate(eco, model=model, layers=layers, prob=1.0, seeds=seeds, runs=20, seed=1, recovery=0.3)
    assert res.spread.mean == reach_users and res.spread.std == 0
    freq = res.activation_frequency
    assert set(np.flatnonzero(freq == 1).tolist()) == reach and set(np.flatnonzero(freq).tolist()) == reach


@pytest.mark.parametrize("social", [0.05, "exp:1:weight"])
def test_more_layers_never_reach_fewer_users_run_by_run(eco, social):
    seeds = gm.resolve_seeds(eco, "random:5", seed=2)
    small = E.prepare(eco, ["social"], {"social": social})
    big = E.prepare(eco, ["social", "payment", "transfer"], {"social": social, "payment": 0.1, "transfer": 0.2})
    a = E.run_batch(small, seeds, key=5, runs=500)
    b = E.run_batch(big, seeds, key=5, runs=500)
    assert (b.users >= a.users).all() and (b.users > a.users).any()
    # the same seed in the CSR order of another layer set: identical social cascades
    c = E.run_batch(E.prepare(eco, ["transfer", "social"], {"social": social, "transfer": 0.0}), seeds, key=5, runs=500)
    assert (c.users == a.users).all()


def test_result_fields_and_json(eco):
    res = gm.simulate(
        eco, layers=["social", "payment"], prob=["social=0.05", "payment=wc"], seeds="random:20", runs=200, seed=3
    )
    layered = sum(res.by_layer[k].mean for k in ("seed", "social", "payment"))
    assert abs(layered - res.spread.mean) < 1e-9
    assert res.curve[0] == 20 and abs(res.curve.sum() - res.spread.mean) < 1e-9
    assert res.activation_frequency.shape == (eco.n_nodes,)
    assert abs(res.activation_frequency[: eco.n_users].sum() - res.spread.mean) < 1e-9
    assert abs(res.activation_frequency[eco.n_users :].sum() - res.merchants.mean) < 1e-9
    d = res.to_dict()
    json.dumps(d, allow_nan=False)
    assert d["params"]["prob"] == {"social": 0.05, "payment": "wc"} and d["runs"] == 200 and d["seed"] == 3
    again = gm.simulate(
        eco,
        layers=["social", "payment"],
        prob=["social=0.05", "payment=wc"],
        seeds="random:20",
        runs=200,
        seed=res.seed,
    )
    assert again.to_dict() == d


def test_target_ci_stops_early_and_reproducibly(eco):
    kw = dict(layers="social", prob=0.05, seeds="random:20", runs=5000, seed=1, target_ci=0.05)
    a = gm.simulate(eco, **kw)
    assert a.runs < 5000 and a.runs % 100 == 0
    assert a.spread.half_width <= 0.05 * a.spread.mean
    full = gm.simulate(eco, **{**kw, "target_ci": None, "runs": a.runs})
    da, df = a.to_dict(), full.to_dict()
    assert da.pop("params")["target_ci"] == 0.05 and df.pop("params")["target_ci"] is None
    assert da == df


def test_ppr_mass(eco):
    res = gm.simulate(eco, model="ppr", layers="payment", seeds="user:0")
    assert abs(res.activation_frequency.sum() - 1) < 1e-9
    assert abs(res.spread.mean + res.merchants.mean - 1) < 1e-9
    assert res.activation_frequency[0] == res.activation_frequency.max()


def test_trace_records_step_and_layer(tiny_eco):
    g = E.prepare(tiny_eco, ["payment"], 1.0)
    step, layer = E.trace(g, np.array([0]), key=1)
    # ann (seed) -> m1 (step 1) -> cy (step 2); bob and m2 are not reached
    assert step.tolist() == [0, -1, 2, 1, -1]
    assert layer.tolist() == [1, -1, 0, 0, -1]


@pytest.mark.parametrize(
    "kw",
    [
        {"model": "xx"},
        {"runs": 0},
        {"prob": {"social": 1.5}},
        {"prob": {"nope": 0.1}},
        {"prob": "exp:1:nocolumn"},
        {"prob": "exp:x:count"},
        {"recovery": 2.0},
        {"target_ci": 0},
        {"seeds": "random:0"},
    ],
)
def test_bad_parameters_raise_input_error(tiny_eco, kw):
    with pytest.raises(gm.InputError):
        gm.simulate(tiny_eco, **{"seeds": "user:ann", "runs": 10, **kw})
