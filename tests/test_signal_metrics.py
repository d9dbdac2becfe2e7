"""Ranking metrics against brute-force formulas; bootstrap reproducibility and coverage."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from graphmodel.signals.metrics import (
    bootstrap_indices,
    paired_difference,
    rank_metrics,
    rank_metrics_reference,
    summarize,
)


def _mann_whitney(pos: np.ndarray, neg: np.ndarray) -> float:
    return sum(1.0 if p > n else 0.5 if p == n else 0.0 for p in pos for n in neg) / (len(pos) * len(neg))


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000), st.integers(1, 6), st.integers(2, 25), st.integers(1, 8))
def test_kernel_equals_bruteforce(seed, rows, cols, k):
    rng = np.random.default_rng(seed)
    s = rng.integers(0, 4, size=(rows, cols)).astype(float)  # many ties on purpose
    cand = rng.random((rows, cols)) < 0.85
    pos = rng.random((rows, cols)) < 0.3
    a = rank_metrics(s, cand, pos, k=k)
    b = rank_metrics_reference(s, cand, pos, k=k)
    assert np.allclose(a, b, equal_nan=True, atol=1e-12)


def test_auc_is_mann_whitney():
    rng = np.random.default_rng(3)
    s = rng.normal(size=(1, 40)).round(1)
    pos = np.zeros((1, 40), bool)
    pos[0, :7] = True
    auc = rank_metrics(s, np.ones_like(pos), pos, k=5)[0, 0]
    assert math.isclose(auc, _mann_whitney(s[0, :7], s[0, 7:]))


def test_ndcg_hand_computed():
    # ranking: p(0.9) n(0.8) p(0.7) n(0.1); k=3
    s = np.array([[0.9, 0.8, 0.7, 0.1]])
    pos = np.array([[True, False, True, False]])
    out = rank_metrics(s, np.ones_like(pos), pos, k=3)[0]
    dcg = 1 / math.log2(2) + 1 / math.log2(4)
    idcg = 1 / math.log2(2) + 1 / math.log2(3)
    assert math.isclose(out[2], dcg / idcg)
    assert out[1] == 1.0  # both positives in the top 3
    assert out[0] == 0.75


def test_ties_are_expected_values():
    # one positive tied with 3 negatives, k=2: in the top 2 with probability 2/4
    s = np.zeros((1, 4))
    pos = np.array([[True, False, False, False]])
    out = rank_metrics(s, np.ones_like(pos), pos, k=2)[0]
    assert out[0] == 0.5
    assert math.isclose(out[1], 0.5)
    assert math.isclose(out[2], (1 + 1 / math.log2(3)) / 4)


def test_non_candidates_and_empty_rows():
    s = np.array([[5.0, 1.0, 2.0], [1.0, 1.0, 1.0]])
    cand = np.array([[False, True, True], [True, True, True]])
    pos = np.array([[True, False, True], [False, False, False]])
    out = rank_metrics(s, cand, pos, k=1)
    assert out[0, 0] == 1.0 and out[0, 3] == 1 and out[0, 4] == 1  # the non-candidate positive is ignored
    assert np.isnan(out[1, :3]).all()


def test_bootstrap_reproducible_and_paired():
    v = np.random.default_rng(0).random(200)
    a = summarize(v, bootstrap_indices(200, n_boot=300, seed=7))
    b = summarize(v, bootstrap_indices(200, n_boot=300, seed=7))
    assert a == b
    idx = bootstrap_indices(200, n_boot=300, seed=7)
    d = paired_difference(v + 0.1, v, idx)
    # identical per-user shift: the paired interval collapses onto it
    assert math.isclose(d["mean"], 0.1) and math.isclose(d["ci95"][0], 0.1) and math.isclose(d["ci95"][1], 0.1)
    assert d["p_value"] <= 1 / 300 + 1e-12


def test_bootstrap_interval_covers_truth():
    # 200 replicates of n=300 Bernoulli(0.3): nominal coverage 95%; binomial SE of
    # the coverage is sqrt(.95*.05/200) = 1.5%, so >= 0.95 - 4*0.015 - (percentile
    # bootstrap's small-sample undercoverage, ~1%) is a safe floor.
    rng = np.random.default_rng(11)
    hits = 0
    reps = 200
    for r in range(reps):
        v = (rng.random(300) < 0.3).astype(float)
        s = summarize(v, bootstrap_indices(300, n_boot=400, seed=r))
        hits += s["ci95"][0] <= 0.3 <= s["ci95"][1]
    assert hits / reps >= 0.95 - 4 * math.sqrt(0.95 * 0.05 / reps) - 0.01
