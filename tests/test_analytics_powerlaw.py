"""Discrete power-law fit (Clauset, Shalizi & Newman 2009) recovers known exponents.

Tolerances: the MLE's asymptotic standard error is (alpha - 1) / sqrt(n_tail);
an estimate within 4 standard errors fails with probability < 1e-4.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from graphmodel.analytics import fit_powerlaw
from graphmodel.errors import InputError


def _zipf_tail(alpha: float, xmin: int, n: int, rng: np.random.Generator) -> np.ndarray:
    """Exact discrete power law on x >= xmin: Zipf samples conditioned on x >= xmin."""
    out = []
    while sum(len(o) for o in out) < n:
        x = stats.zipf.rvs(alpha, size=20 * n, random_state=rng)
        out.append(x[x >= xmin])
    return np.concatenate(out)[:n]


@pytest.mark.parametrize("alpha", [2.0, 2.5, 3.2])
def test_fixed_xmin_recovers_alpha(alpha):
    rng = np.random.default_rng(int(alpha * 10))
    x = stats.zipf.rvs(alpha, size=4000, random_state=rng)
    f = fit_powerlaw(x, xmin=1)
    assert f.xmin == 1 and f.n_tail == 4000
    se = (alpha - 1) / math.sqrt(f.n_tail)
    assert abs(f.alpha - alpha) <= 4 * se
    assert f.alpha_se == pytest.approx((f.alpha - 1) / math.sqrt(4000))


def test_xmin_search_finds_tail_above_body():
    rng = np.random.default_rng(7)
    alpha, xmin, n_tail = 2.3, 10, 3000
    body = rng.integers(1, xmin, size=3000)  # uniform below xmin: not a power law
    tail = _zipf_tail(alpha, xmin, n_tail, rng)
    f = fit_powerlaw(np.concatenate([body, tail]))
    # the chosen xmin may sit a little above the true one (it never should sit in the body)
    assert xmin <= f.xmin <= 3 * xmin
    assert abs(f.alpha - alpha) <= 4 * (alpha - 1) / math.sqrt(f.n_tail)
    assert 0 < f.ks < 0.05
    assert "Clauset" in f.method


def test_too_few_values_and_bad_input():
    f = fit_powerlaw([1, 2, 3])
    assert f.alpha is None and f.to_dict()["alpha"] is None
    assert fit_powerlaw([]).n == 0
    with pytest.raises(InputError):
        fit_powerlaw([1.5, 2.0])
    with pytest.raises(InputError):
        fit_powerlaw([1, 2], xmin=0)
    # zeros are not part of a tail
    assert fit_powerlaw(np.r_[np.zeros(50, int), np.arange(1, 40)]).n == 39
