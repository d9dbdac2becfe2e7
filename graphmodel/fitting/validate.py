"""Out-of-sample check of a fit: predict first purchases of a held-out period.

Fit on purchases before ``cut``; then for every *test user* (a purchase in
both periods) and every category they had not bought in training, predict
the probability of buying it in the test period ``[cut, end]`` from what the
training period shows around them. The fitted model says::

    P(u buys i in the test period) = 1 - exp(-(a_i D + sum_L b_L live_L(u, i)))

with ``D`` the test period's length in days and ``live_L(u, i)`` the
exposure-days that training purchases of ``i`` by ``u``'s ``L``-neighbours
still have in the test period (a purchase on day ``e`` is live until
``e + window``). Exposures that test-period purchases would create are not
known at prediction time and are left out, so the model predicts from
training data alone. Co-customers are users who shared a merchant in
training (the link-before-purchase rule of the fit is not applied here).

Compared on the same (user, category) pairs:

* ``fitted``: the formula above with the fitted ``a``, ``b``;
* ``default``: the same formula with today's default parameters in place of
  the fitted transmissions -- "reached through L and then bought" =
  transmission x conversion = ``0.1 x 0.02`` (social), ``0.1 x 0.1 x 0.10``
  (payment: two arcs, purchaser -> merchant -> customer), ``0.1 x 0.05``
  (transfer) -- and the fitted background (the defaults have none);
* the ``signal`` scorers (:mod:`graphmodel.signals.scorers`): ``social``,
  ``cocustomer``, ``transfer``, ``popularity``, ``own``.

Reported: pooled AUC over all pairs (ties count one half), per-user AUC with a
bootstrap interval over test users and the paired difference against
``fitted``, and a calibration table by decile of the predicted probability.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.stats import rankdata

from graphmodel._seed import SeedLike
from graphmodel.ecosystem import Ecosystem
from graphmodel.fitting.exposures import DAY, FIT_LAYERS, payment_times
from graphmodel.signals.metrics import bootstrap_indices, paired_difference, rank_metrics, summarize
from graphmodel.signals.scorers import BASE_SCORERS, available_scorers, build_train, item_index, user_graph

__all__ = ["validate", "default_transmission", "pooled_auc", "calibration"]


def default_transmission(eco: Ecosystem) -> dict[str, float]:
    """Today's defaults as "reached through L and then bought": mean default arc probability x default conversion.

    The default transmission (weighted cascade) varies per arc; its mean over the layer's arcs in the
    all-layer graph stands for the layer (payment: the square, two arcs per hop).
    """
    from graphmodel.experiments.intent import DEFAULT_CONVERSION
    from graphmodel.propagation.engine import prepare

    layers = [x for x in ("social", "payment", "transfer") if eco.n_edges(x) > 0]
    out = {x: 0.0 for x in ("social", "payment", "transfer")}
    if not layers:
        return out
    g = prepare(eco, layers, None)
    arc_layer = g.arc_layers()
    for lid, name in enumerate(g.layers):
        arc = float(g.prob[arc_layer == lid].mean())
        out[name] = (arc * arc if name == "payment" else arc) * DEFAULT_CONVERSION[name]
    return out


def pooled_auc(score: np.ndarray, y: np.ndarray) -> float | None:
    """Mann-Whitney AUC of ``score`` for labels ``y`` (ties count one half).

    Examples
    --------
    >>> pooled_auc(np.array([0.1, 0.4, 0.35, 0.8]), np.array([0, 0, 1, 1]))
    0.75
    """
    y = np.asarray(y, dtype=bool)
    npos, nneg = int(y.sum()), int((~y).sum())
    if npos == 0 or nneg == 0:
        return None
    r = rankdata(score)
    return float((r[y].sum() - npos * (npos + 1) / 2) / (npos * nneg))


def calibration(pred: np.ndarray, y: np.ndarray, *, bins: int = 10) -> list[dict[str, Any]]:
    """Predicted vs observed by decile of ``pred`` (equal-count bins, ties kept together)."""
    order = np.argsort(pred, kind="stable")
    p, yy = pred[order], np.asarray(y, dtype=np.float64)[order]
    edges = np.linspace(0, len(p), bins + 1).astype(np.int64)
    out = []
    for j in range(bins):
        lo, hi = edges[j], edges[j + 1]
        if hi <= lo:
            continue
        out.append(
            {
                "decile": j + 1,
                "n": int(hi - lo),
                "predicted": float(p[lo:hi].mean()),
                "observed": float(yy[lo:hi].mean()),
            }
        )
    return out


def validate(
    eco: Ecosystem,
    *,
    level: str,
    window: int,
    t0: float,
    cut: float,
    a: np.ndarray,
    b: np.ndarray,
    layers: tuple[str, ...],
    seed: SeedLike = None,
    n_boot: int = 1000,
) -> dict[str, Any]:
    """Out-of-sample validation of fitted ``a`` (per item, per day) and ``b`` (per layer, per day).

    See the module docstring.
    """
    if level != "category":
        return {"skipped": "validation predicts categories: fit with level='category' to validate"}
    times = payment_times(eco)
    pay = eco.edges("payment")
    finite = np.isfinite(times)
    mi, _, names = item_index(eco, level)
    I = len(names)
    U = eco.n_users
    users = np.asarray(pay["src"]).astype(np.int64)
    items = mi[np.asarray(pay["dst"]).astype(np.int64)]
    days = np.where(finite, np.floor((np.where(finite, times, t0) - t0) / DAY), -1).astype(np.int64)
    cut_day = int(np.floor((cut - t0) / DAY + 1e-9))
    train = finite & (times < cut)
    test = finite & (times >= cut)
    last_day = int(days[test].max())
    D = last_day - cut_day + 1
    first = np.full((U, I), np.iinfo(np.int64).max)
    np.minimum.at(first, (users[train], items[train]), days[train])
    bought = first < np.iinfo(np.int64).max
    in_test = np.zeros((U, I), bool)
    in_test[users[test], items[test]] = True
    test_users = np.flatnonzero(bought.any(axis=1) & in_test.any(axis=1))
    cand = ~bought[test_users]
    pos = in_test[test_users] & cand
    # live exposure-days in the test period from training purchases
    live_days = np.where(bought & (first >= cut_day - window), np.minimum(first + window, last_day) - cut_day + 1, 0)
    R = sp.csr_matrix(np.maximum(live_days, 0).astype(np.float64))
    live = np.zeros((3, len(test_users), I))
    if "social" in layers:
        live[0] = (user_graph(eco, "social", symmetric=False)[test_users] @ R).toarray()
    if "transfer" in layers:
        live[2] = (user_graph(eco, "transfer", symmetric=True)[test_users] @ R).toarray()
    if "payment" in layers:
        Bm = sp.csr_matrix(
            (np.ones(int(train.sum())), (users[train], np.asarray(pay["dst"])[train])), shape=(U, eco.n_merchants)
        )
        Bm.data[:] = 1.0
        Bm.sum_duplicates()
        Bm.data[:] = 1.0
        Cc = (Bm[test_users] @ Bm.T).tocsr()
        Cc.data[:] = 1.0
        Cc[np.arange(len(test_users)), test_users] = 0.0  # not one's own co-customer
        Cc.eliminate_zeros()
        live[1] = (Cc @ R).toarray()

    def predict(bb: np.ndarray) -> np.ndarray:
        eta = a[None, :] * D + np.tensordot(bb, live, axes=(0, 0))
        return -np.expm1(-eta)

    dflt = default_transmission(eco)
    b_default = np.array([-np.log1p(-dflt[x]) / window for x in FIT_LAYERS])
    preds = {"fitted": predict(b), "default": predict(b_default)}
    data = build_train(eco, train, level=level)
    scorer_names = [n for n in available_scorers(data) if n in BASE_SCORERS]
    scores = {n: BASE_SCORERS[n](data, test_users, None) for n in scorer_names}
    y = pos[cand]
    idx_ok = None
    per_user: dict[str, np.ndarray] = {}
    rows = []
    for name, s in [*preds.items(), *scores.items()]:
        m = rank_metrics(np.ascontiguousarray(s, dtype=np.float64), cand, pos, k=10)
        per_user[name] = m[:, 0]
        if idx_ok is None:
            idx_ok = np.flatnonzero(np.isfinite(m[:, 0]))
    boot = bootstrap_indices(len(idx_ok), n_boot=n_boot, seed=seed)
    for name, s in [*preds.items(), *scores.items()]:
        row = {
            "name": name,
            "kind": "model" if name in preds else "signal scorer",
            "auc": pooled_auc(s[cand], y),
            "auc_per_user": summarize(per_user[name][idx_ok], boot),
        }
        if name != "fitted":
            row["fitted_minus_this"] = paired_difference(per_user["fitted"][idx_ok], per_user[name][idx_ok], boot)
        rows.append(row)
    pf = preds["fitted"][cand]
    pdf = preds["default"][cand]
    best = max((r for r in rows if r["name"] != "fitted"), key=lambda r: r["auc"] if r["auc"] is not None else -1)
    fitted_row = rows[0]
    return {
        "test_from": int(cut),
        "test_days": D,
        "test_users": int(len(test_users)),
        "pairs": int(cand.sum()),
        "positives": int(y.sum()),
        "auc": fitted_row["auc"],
        "auc_per_user": fitted_row["auc_per_user"],
        "calibration": calibration(pf, y),
        "calibration_default": calibration(pdf, y),
        "predicted_total": float(pf.sum()),
        "observed_total": int(y.sum()),
        "brier": {"fitted": float(np.mean((pf - y) ** 2)), "default": float(np.mean((pdf - y) ** 2))},
        "default_transmission": dflt,
        "rows": rows,
        "best_other": {"name": best["name"], "auc": best["auc"]},
        "fitted_beats_all": bool(
            fitted_row["auc"] is not None
            and all(r["auc"] is None or fitted_row["auc"] > r["auc"] for r in rows if r["name"] != "fitted")
        ),
        "note": "prediction uses training data only: exposures still live at the cut, the fitted background, "
        "co-customers from training; pooled AUC over all (test user, category not bought in training) pairs",
    }
