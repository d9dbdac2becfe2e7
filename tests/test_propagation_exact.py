"""The kernels against exact expectations (live-edge enumeration) and against the pure-Python reference."""

from __future__ import annotations

import math
from contextlib import nullcontext

import numpy as np
import pytest

import graphmodel as gm
from graphmodel.propagation import engine as E
from graphmodel.propagation.reference import arcs_of, exact_ic_spread, exact_lt_spread, reference_runs


def _close(sample: np.ndarray, exact: float, k: float = 4.0) -> None:
    se = sample.std(ddof=1) / math.sqrt(sample.size)
    assert abs(sample.mean() - exact) <= k * se + 1e-12, (sample.mean(), exact, se)


def _two_sample(a: np.ndarray, b: np.ndarray, k: float = 4.0) -> None:
    se = math.sqrt(a.var(ddof=1) / a.size + b.var(ddof=1) / b.size)
    assert abs(a.mean() - b.mean()) <= k * se + 1e-12, (a.mean(), b.mean(), se)


def _small_social() -> gm.Ecosystem:
    # 6 users, 6 directed trust ties: a diamond with a tail and a back edge.
    return gm.Ecosystem(
        users={"id": np.arange(6)},
        social={"src": [0, 0, 1, 2, 3, 4], "dst": [1, 2, 3, 3, 4, 1]},
        social_directed=True,
    )


@pytest.mark.parametrize("spec", [{"social": 0.3}, {"social": 0.7}, {"social": "wc"}])
def test_ic_matches_enumeration(spec):
    eco = _small_social()
    arcs = arcs_of(eco, ["social"], spec)
    exact = exact_ic_spread(arcs, [0], n_users=eco.n_users)
    g = E.prepare(eco, ["social"], spec)
    raw = E.run_batch(g, np.array([0]), key=E.base_key(3), runs=20000)
    _close(raw.users, exact)


def test_ic_mixed_layers_through_merchants(tiny_eco):
    # ann -m1- cy: payment intent reaches cy through the merchant in two hops.
    spec = {"social": 0.4, "payment": 0.6, "transfer": 0.5}
    arcs = arcs_of(tiny_eco, list(gm.LAYERS), spec)
    assert len(arcs) == 11
    for seeds in ([0], [1], [3]):
        exact = exact_ic_spread(arcs, seeds, n_users=3)
        g = E.prepare(tiny_eco, None, spec)
        raw = E.run_batch(g, np.array(seeds), key=E.base_key(5), runs=20000)
        _close(raw.users, exact)
    # Payment only: cy is reached from ann exactly when both hops fire.
    g = E.prepare(tiny_eco, ["payment"], {"payment": 0.6})
    raw = E.run_batch(g, np.array([0]), key=E.base_key(5), runs=20000)
    _close(raw.users, 1 + 0.6 * 0.6)
    _close(raw.merchants, 0.6)
    assert (raw.layer_counts[:, 0] == raw.users - 1).all()


def test_lt_matches_enumeration(tiny_eco):
    for layers, spec in (
        (["social"], {"social": "wc"}),
        (list(gm.LAYERS), {"social": 0.5, "payment": "wc", "transfer": 0.3}),
    ):
        with pytest.warns(gm.GraphModelWarning) if spec.get("social") == 0.5 else nullcontext():
            arcs = arcs_of(tiny_eco, layers, spec)
            tot: dict[int, float] = {}
            for _, h, _, p in arcs:
                tot[h] = tot.get(h, 0.0) + p
            arcs = [(t, h, la, p / tot[h] if tot[h] > 1 else p) for t, h, la, p in arcs]
            g = E.prepare(tiny_eco, layers, spec, model="lt")
        exact = exact_lt_spread(arcs, [0], n_users=3, n=tiny_eco.n_nodes)
        raw = E.run_batch(g, np.array([0]), model="lt", key=E.base_key(2), runs=20000)
        _close(raw.users, exact)


def test_sir_on_a_path_matches_closed_form():
    # Each arc fires with 1 - E[(1-p)^T], T ~ Geometric(recovery) infectious steps.
    eco = gm.Ecosystem(users={"id": np.arange(4)}, social={"src": [0, 1, 2], "dst": [1, 2, 3]}, social_directed=True)
    p, r = 0.4, 0.5
    q = 1 - sum((1 - p) ** k * r * (1 - r) ** (k - 1) for k in range(1, 200))
    g = E.prepare(eco, ["social"], {"social": p})
    raw = E.run_batch(g, np.array([0]), model="sir", recovery=r, key=E.base_key(1), runs=20000)
    _close(raw.users, 1 + q + q**2 + q**3)
    raw = E.run_batch(g, np.array([0]), model="sir", recovery=1.0, key=E.base_key(1), runs=20000)
    _close(raw.users, 1 + p + p**2 + p**3)


def test_skipping_and_per_arc_coins_agree_in_distribution():
    rng = np.random.default_rng(0)
    n, m = 300, 1500
    src, dst = rng.integers(0, n, m), rng.integers(0, n, m)
    keep = src != dst
    eco = gm.Ecosystem(users={"id": np.arange(n)}, social={"src": src[keep], "dst": dst[keep]})
    seeds = np.array([0, 1, 2])
    g_skip = E.prepare(eco, ["social"], {"social": 0.15})
    g_coin = E.prepare(eco, ["social"], np.full(eco.csr(["social"]).m, 0.15))
    assert g_skip.seg_p[0] == 0.15 and g_coin.seg_p[0] == -1
    a = E.run_batch(g_skip, seeds, key=E.base_key(1), runs=4000)
    b = E.run_batch(g_coin, seeds, key=E.base_key(2), runs=4000)
    _two_sample(a.users.astype(float), b.users.astype(float))
    _two_sample(a.steps.astype(float), b.steps.astype(float))


def _medium_eco(seed: int = 0) -> gm.Ecosystem:
    rng = np.random.default_rng(seed)
    U, M = 150, 15
    s = rng.integers(0, U, 450)
    d = rng.integers(0, U, 450)
    k = s != d
    return gm.Ecosystem(
        users={"id": np.arange(U)},
        merchants={"id": np.arange(M)},
        social={"src": s[k], "dst": d[k]},
        payment={"src": rng.integers(0, U, 250), "dst": rng.integers(0, M, 250)},
        transfer={"src": rng.integers(0, U, 100), "dst": rng.integers(0, U, 100)},
    )


@pytest.mark.parametrize("model", ["ic", "lt", "sir"])
def test_kernel_agrees_with_reference(model):
    eco = _medium_eco()
    layers = list(gm.LAYERS)
    spec = (
        {"social": 0.08, "payment": 0.1, "transfer": "wc"}
        if model != "lt"
        else {"social": "wc", "payment": "wc", "transfer": "wc"}
    )
    seeds = [0, 5, 151]
    ref = reference_runs(eco, model=model, layers=layers, prob=spec, seeds=seeds, runs=400, seed=1, recovery=0.6)
    g = E.prepare(eco, layers, spec, model=model)
    raw = E.run_batch(g, np.array(seeds), model=model, key=E.base_key(1), runs=4000, recovery=0.6)
    _two_sample(ref["users"], raw.users.astype(float))
    _two_sample(ref["merchants"], raw.merchants.astype(float))
    for lid, layer in enumerate(layers):
        _two_sample(ref[f"layer:{layer}"], raw.layer_counts[:, lid].astype(float))
