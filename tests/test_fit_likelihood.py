"""The projected-Newton maximiser against scipy, the gradient against finite differences."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import minimize

from graphmodel.fitting.likelihood import maximize, negloglik


def _problem(seed: int, n_items: int = 4, n_cfg: int = 60):
    rng = np.random.default_rng(seed)
    item = np.concatenate([np.arange(n_items), rng.integers(0, n_items, n_cfg - n_items)])
    K = np.vstack([np.zeros((n_items, 3)), rng.integers(0, 4, (n_cfg - n_items, 3))]).astype(float)
    a = rng.uniform(1e-4, 1e-3, n_items)
    b = np.array([3e-3, 1e-3, 0.0])
    eta = a[item] + K @ b
    days = rng.integers(500, 5000, n_cfg).astype(float)
    A = rng.binomial(days.astype(int), -np.expm1(-eta)).astype(float)
    N = days - A
    return item, K, N, A, n_items


@pytest.mark.parametrize("seed", range(5))
def test_gradient_matches_finite_differences(seed):
    item, K, N, A, I = _problem(seed)
    theta = np.concatenate([np.full(I, 5e-4), [2e-3, 1e-3, 1e-3]])
    f, g = negloglik(theta, item, K, N, A, I)
    for j in range(theta.size):
        h = 1e-9
        e = np.zeros_like(theta)
        e[j] = h
        fd = (negloglik(theta + e, item, K, N, A, I)[0] - negloglik(theta - e, item, K, N, A, I)[0]) / (2 * h)
        assert fd == pytest.approx(g[j], rel=1e-4, abs=1e-3)


@pytest.mark.parametrize("seed", range(5))
def test_newton_matches_scipy(seed):
    item, K, N, A, I = _problem(seed)
    free = np.array([True, True, True])
    m = maximize(item, K, N, A, I, free=free)
    assert m.converged
    x0 = np.concatenate([np.full(I, 5e-4), [1e-3, 1e-3, 1e-3]])
    scale = 1e-3

    def fun(x):
        f, g = negloglik(x * scale, item, K, N, A, I)
        return f, g * scale

    ref = minimize(
        fun,
        x0 / scale,
        jac=True,
        method="L-BFGS-B",
        bounds=[(1e-9, None)] * I + [(0, None)] * 3,
        options={"ftol": 1e-15, "gtol": 1e-12, "maxiter": 10000},
    )
    # both at the same maximum: the log likelihoods agree to far below one unit
    assert m.loglik >= -ref.fun - 1e-6
    assert m.loglik == pytest.approx(-ref.fun, abs=1e-4)


def test_fixed_layer_stays_zero_and_boundary_is_reached():
    item, K, N, A, I = _problem(7)
    m = maximize(item, K, N, A, I, free=np.array([True, False, True]))
    assert m.b[1] == 0.0
    # KKT: at the boundary the gradient of -log L points outward; inside, moving b by its own
    # order of magnitude (1e-4 per day) changes log L by far less than one unit
    f, g = negloglik(np.concatenate([m.a, m.b]), item, K, N, A, I)
    if m.b[2] == 0.0:
        assert g[I + 2] >= -1e-6
    else:
        assert abs(g[I + 2]) * 1e-4 < 1e-4
