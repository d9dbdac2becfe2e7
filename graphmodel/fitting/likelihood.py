"""The likelihood of independent cascades with background, in discrete time, and its maximum.

Model (discrete-time independent cascade with background; Saito, Nakano &
Kimura 2008 for the IC likelihood from time-stamped adoptions, Goyal, Bonchi &
Lakshmanan 2010 for learning per-tie influence from an action log, with a
background hazard as in Myers, Zhu & Leskovec 2012). A user ``u`` is at risk of
first buying item ``i`` on every day ``d = 0 .. min(own_ui, T)``. On day ``d``

* background: ``u`` buys ``i`` on their own with probability ``lambda_i``
  (per item: a popular category is bought more often, neighbours or not);
* every live exposure through layer ``L`` -- a neighbour's purchase of ``i``
  on a day ``e`` with ``e < d <= e + w`` -- independently makes ``u`` buy
  with probability ``q_L``.

So, with ``k_L(u, i, d)`` the live exposures and ``a_i = -log(1 - lambda_i)``,
``b_L = -log(1 - q_L)``, ``eta = a_i + sum_L k_L b_L``::

    P(no purchase on d) = exp(-eta)
    log L = sum_{u,i,d at risk} [ -eta (1 - y) + y log(1 - exp(-eta)) ]

with ``y = 1`` on the day of ``u``'s first purchase of ``i``. The log
likelihood is concave in ``(a, b)`` (``log(1 - e^-eta)`` is concave and
``eta`` linear), so the maximum is unique. It depends on the data only
through ``N_c`` (non-purchase days) and ``A_c`` (purchase days) per
configuration ``c = (i, k_social, k_payment, k_transfer)``
(:class:`~graphmodel.fitting.exposures.ExposureData`).

Reported per layer: ``p_L = 1 - (1 - q_L)^w = 1 - exp(-w b_L)``, the
probability that one neighbour's purchase through ``L`` makes ``u`` buy
within the window (absent every other cause): "reached through L and then
bought". Background: ``1 - exp(-w a_i)``, the chance of buying ``i`` in a
window on one's own.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["MLE", "negloglik", "maximize"]


@dataclass(frozen=True)
class MLE:
    """Maximum-likelihood per-day hazards: ``a`` per item (background), ``b`` per layer."""

    a: np.ndarray
    b: np.ndarray
    loglik: float
    converged: bool
    iterations: int


def negloglik(
    theta: np.ndarray, item: np.ndarray, K: np.ndarray, N: np.ndarray, A: np.ndarray, n_items: int
) -> tuple[float, np.ndarray]:
    """Negative log likelihood and gradient at ``theta = (a_0 .. a_{I-1}, b_social, b_payment, b_transfer)``."""
    # elementwise sums on purpose: BLAS dot products stall when threads are oversubscribed
    a, b = theta[:n_items], theta[n_items:]
    eta = a[item]
    for j in range(K.shape[1]):
        if b[j] != 0.0:
            eta = eta + K[:, j] * b[j]
    pos = A > 0
    em = np.expm1(eta[pos])
    with np.errstate(divide="ignore"):
        f = float((N * eta).sum()) - float((A[pos] * np.log(-np.expm1(-eta[pos]))).sum())
    g_eta = N.astype(np.float64).copy()
    g_eta[pos] -= A[pos] / np.where(em > 0, em, np.inf)
    grad = np.empty_like(theta)
    grad[:n_items] = np.bincount(item, weights=g_eta, minlength=n_items)
    grad[n_items:] = [(g_eta * K[:, j]).sum() for j in range(K.shape[1])]
    return f, grad


def _eta(theta: np.ndarray, item: np.ndarray, K: np.ndarray, n_items: int) -> np.ndarray:
    eta = theta[:n_items][item]
    b = theta[n_items:]
    for j in range(K.shape[1]):
        if b[j] != 0.0:
            eta = eta + K[:, j] * b[j]
    return eta


def _value(eta: np.ndarray, N: np.ndarray, A: np.ndarray, pos: np.ndarray) -> float:
    with np.errstate(divide="ignore"):
        return float((N * eta).sum()) - float((A[pos] * np.log(-np.expm1(-eta[pos]))).sum())


def maximize(
    item: np.ndarray,
    K: np.ndarray,
    N: np.ndarray,
    A: np.ndarray,
    n_items: int,
    *,
    free: np.ndarray,
    start: np.ndarray | None = None,
    max_iter: int = 200,
    tol: float = 1e-9,
) -> MLE:
    """Maximise the log likelihood over ``a >= 0`` and the free ``b >= 0`` (the others fixed at 0).

    Projected Newton (Bertsekas 1982): variables at their bound whose gradient
    points outward are held; the Newton step on the others uses the exact
    Hessian ``J' diag(h) J`` with ``J = [item one-hot, K]``, solved through
    the Schur complement of the diagonal item block (so it scales to
    merchant-level items), then an Armijo backtracking search along the
    projected path. The objective is convex, so this converges to the unique
    maximum. Stops when the Newton decrement (the predicted gain in log
    likelihood) is below ``tol``.
    """
    n_l = K.shape[1]
    pos = A > 0
    Ni = np.bincount(item, weights=N, minlength=n_items)
    Ai = np.bincount(item, weights=A, minlength=n_items)
    if start is None:
        a0 = np.where(Ai > 0, (Ai + 0.5) / np.maximum(Ni + Ai, 1.0), 0.0)
        theta = np.concatenate([a0, np.full(n_l, 0.1 * float(np.median(a0[a0 > 0])) if (a0 > 0).any() else 1e-6)])
    else:
        theta = np.array(start, dtype=np.float64)
        theta[:n_items] = np.where(Ai > 0, np.maximum(theta[:n_items], 1e-300), 0.0)
    theta[n_items:][~free] = 0.0
    eta = _eta(theta, item, K, n_items)
    f = _value(eta, N, A, pos)
    converged = False
    it = 0
    for it in range(1, max_iter + 1):  # noqa: B007  (the count is read after the loop)
        em = np.expm1(eta[pos])
        ge = N.astype(np.float64).copy()
        ge[pos] -= A[pos] / em
        he = np.zeros_like(ge)
        he[pos] = A[pos] / (em * -np.expm1(-eta[pos]))
        g = np.empty(n_items + n_l)
        g[:n_items] = np.bincount(item, weights=ge, minlength=n_items)
        g[n_items:] = [(ge * K[:, j]).sum() for j in range(n_l)]
        held = (theta <= 0.0) & (g > 0.0)
        held[n_items:] |= ~free
        D = np.bincount(item, weights=he, minlength=n_items)
        held[:n_items] |= D <= 0.0
        fa = ~held[:n_items]
        fb = np.flatnonzero(~held[n_items:])
        Cm = (
            np.column_stack([np.bincount(item, weights=he * K[:, j], minlength=n_items) for j in fb])
            if fb.size
            else np.zeros((n_items, 0))
        )
        E = np.array([[(he * K[:, j] * K[:, k]).sum() for k in fb] for j in fb]).reshape(fb.size, fb.size)
        Dinv = np.where(fa, 1.0 / np.where(D > 0, D, 1.0), 0.0)
        ga = np.where(fa, g[:n_items], 0.0)
        gb = g[n_items:][fb]
        d = np.zeros_like(theta)
        if fb.size:
            S = E - (Cm * Dinv[:, None]).T @ Cm
            rhs = -gb + (Cm * Dinv[:, None]).T @ ga
            try:
                db = np.linalg.solve(S + 1e-300 * np.eye(fb.size), rhs)
            except np.linalg.LinAlgError:
                db = np.linalg.lstsq(S, rhs, rcond=None)[0]
            d[n_items:][fb] = db
            d[:n_items] = Dinv * (-ga - Cm @ db)
        else:
            d[:n_items] = -Dinv * ga
        decrement = -float(g @ d)
        if decrement < 0:  # not a descent direction (numerical): fall back to scaled gradient
            eb = max(float(E.max()) if E.size else 1.0, 1e-300)
            d = np.where(held, 0.0, -g * np.concatenate([Dinv, np.full(n_l, 1.0 / eb)]))
            decrement = -float(g @ d)
        if decrement / 2 < tol:
            converged = True
            break
        t = 1.0
        while True:
            new = np.maximum(theta + t * d, 0.0)
            new[n_items:][~free] = 0.0
            eta_new = _eta(new, item, K, n_items)
            f_new = _value(eta_new, N, A, pos)
            if np.isfinite(f_new) and f_new <= f + 1e-4 * float(g @ (new - theta)):
                break
            t *= 0.5
            if t < 1e-12:
                break
        if t < 1e-12:
            converged = decrement / 2 < 1e-6
            break
        theta, eta, f = new, eta_new, f_new
    return MLE(a=theta[:n_items], b=theta[n_items:], loglik=-f, converged=converged, iterations=it)
