"""Across-layer measures: how the social, payment and transfer layers overlap.

* ``edge_overlap``: the user-user layers (social, transfer) as sets of
  unordered user pairs: Jaccard of the two sets and the share of each inside
  the other.
* ``neighbour_jaccard``: per user active in both user-user layers,
  ``|N_social & N_transfer| / |N_social | N_transfer|``; mean over those users.
* ``degree_correlation``: Spearman rank correlation of users' degrees between
  two layers (payment degree = distinct merchants), over all users.
* ``participation``: multiplex participation coefficient of Battiston, Nicosia
  & Latora, "Structural measures for multiplex networks", Phys. Rev. E 89,
  032804 (2014): ``P_i = M/(M-1) * (1 - sum_a (k_i^a / o_i)^2)`` with ``k_i^a``
  the user's degree in layer ``a``, ``o_i`` the sum over the ``M`` layers; 0 for
  a user active in one layer, 1 for equal activity in all. Mean over users with
  ``o_i > 0``.
* ``layer_combinations``: share of users active in exactly each combination of
  the non-empty layers (``"none"`` for isolated users).
* ``merchant_reach``: distinct customers per merchant, over all merchants.
* ``offline_share``: share of payments at offline merchants (the payment's own
  ``channel`` column if present, else the merchant's), weighted by the payment
  ``count`` column when there is one.
* ``same_city_share``: among those offline payments where both cities are
  known, the share where the user's ``city`` equals the merchant's.
"""

from __future__ import annotations

from itertools import combinations
from typing import Any

import numpy as np
from scipy.stats import spearmanr

from graphmodel.analytics._views import LayerView, finite_or_none, summary
from graphmodel.ecosystem import Ecosystem

__all__ = ["multiplex_measures", "user_degrees", "participation_coefficient"]


def user_degrees(views: dict[str, LayerView]) -> dict[str, np.ndarray]:
    """Distinct neighbours of every user in each layer (payment: distinct merchants)."""
    return {layer: v.degree[: v.U] for layer, v in views.items()}


def participation_coefficient(degrees: dict[str, np.ndarray]) -> np.ndarray:
    """Battiston et al. (2014) participation coefficient per user (NaN where the user has no edge)."""
    k = np.vstack([d.astype(np.float64) for d in degrees.values()])
    m = k.shape[0]
    o = k.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = m / (m - 1) * (1.0 - ((k / o) ** 2).sum(axis=0))
    p[o == 0] = np.nan
    return p


def _edge_overlap(a: LayerView, b: LayerView) -> dict[str, Any]:
    both = np.intersect1d(a.ukeys, b.ukeys, assume_unique=True).size
    na, nb = a.ukeys.size, b.ukeys.size
    return {
        "common_pairs": int(both),
        "jaccard": both / (na + nb - both),
        f"share_of_{a.layer}": both / na,
        f"share_of_{b.layer}": both / nb,
    }


def _neighbour_jaccard(a: LayerView, b: LayerView) -> dict[str, Any] | None:
    common = np.intersect1d(a.ukeys, b.ukeys, assume_unique=True)
    x, y = np.divmod(common, a.N)
    inter = (np.bincount(x, minlength=a.N) + np.bincount(y, minlength=a.N))[: a.U]
    da, db = a.degree[: a.U], b.degree[: a.U]
    active = (da > 0) & (db > 0)
    if not active.any():
        return None
    j = inter[active] / (da[active] + db[active] - inter[active])
    return {"mean": float(j.mean()), "users": int(active.sum())}


def _is(col: np.ndarray, word: str) -> np.ndarray:
    """Vectorised case-tolerant equality (lower, Capitalised, UPPER) without per-string work."""
    return (col == word) | (col == word.capitalize()) | (col == word.upper())


def multiplex_measures(eco: Ecosystem, views: dict[str, LayerView]) -> tuple[dict[str, Any], dict[str, str]]:
    """All across-layer measures for the layers in ``views``."""
    out: dict[str, Any] = {}
    notes: dict[str, str] = {}
    U = eco.n_users
    active = {k: v for k, v in views.items() if v.edges}
    uu = [k for k in ("social", "transfer") if k in active]

    # -- user-user layers --------------------------------------------------------
    if len(uu) == 2:
        a, b = active["social"], active["transfer"]
        out["edge_overlap"] = {"social_transfer": _edge_overlap(a, b)}
        nj = _neighbour_jaccard(a, b)
        out["neighbour_jaccard"] = {"social_transfer": nj}
        if nj is None:
            notes["neighbour_jaccard"] = "no user is active in both social and transfer"
        else:
            notes["neighbour_jaccard"] = "mean over users active in both layers"
    else:
        out["edge_overlap"] = out["neighbour_jaccard"] = None
        missing = [k for k in ("social", "transfer") if k not in active]
        notes["edge_overlap"] = notes["neighbour_jaccard"] = (
            f"needs edges in both user-user layers; empty or not selected: {', '.join(missing)}"
        )

    # -- user degrees across layers ------------------------------------------------
    deg = user_degrees(active)
    corr: dict[str, float | None] = {}
    for x, y in combinations(active, 2):
        dx, dy = deg[x], deg[y]
        if U < 3 or dx.min() == dx.max() or dy.min() == dy.max():
            corr[f"{x}~{y}"] = None
        else:
            corr[f"{x}~{y}"] = finite_or_none(spearmanr(dx, dy).statistic)
    out["degree_correlation"] = corr or None
    if not corr:
        notes["degree_correlation"] = "needs at least two non-empty layers"
    else:
        notes["degree_correlation"] = "Spearman, users' degrees (payment: distinct merchants), over all users"

    if len(active) >= 2:
        p = participation_coefficient(deg)
        ok = ~np.isnan(p)
        out["participation"] = {
            "mean": float(p[ok].mean()) if ok.any() else None,
            "layers": len(active),
            "users": int(ok.sum()),
            "share_single_layer": float(np.mean(p[ok] == 0)) if ok.any() else None,
        }
    else:
        out["participation"] = None
        notes["participation"] = "needs at least two non-empty layers"

    # -- combinations of layers --------------------------------------------------
    names = list(active)
    code = np.zeros(U, dtype=np.int64)
    for i, layer in enumerate(names):
        code |= active[layer].touched[:U].astype(np.int64) << i
    counts = np.bincount(code, minlength=1 << len(names))
    combos: dict[str, float] = {}
    for c in range(1 << len(names)):
        key = "+".join(layer for i, layer in enumerate(names) if c >> i & 1) or "none"
        combos[key] = float(counts[c] / U) if U else 0.0
    out["layer_combinations"] = combos

    # -- merchants and payments ----------------------------------------------------
    pay = views.get("payment")
    if pay is None:
        for k in ("merchant_reach", "offline_share", "same_city_share"):
            out[k] = None
            notes[k] = "payment layer not selected"
        return out, notes
    out["merchant_reach"] = summary(pay.degree[U:])
    notes["merchant_reach"] = "distinct customers per merchant, over all merchants"
    ptab, mtab, utab = eco.edges("payment"), eco.nodes("merchant"), eco.nodes("user")
    src, dst = ptab["src"], ptab["dst"]
    channel = None
    if "channel" in ptab and ptab["channel"].dtype.kind == "U":
        channel, basis = ptab["channel"], "payment channel column"
    elif "channel" in mtab and mtab["channel"].dtype.kind == "U":
        channel, basis = mtab["channel"][dst], "merchant channel column"
    if "count" in ptab and ptab["count"].dtype.kind in "iuf":
        w = np.nan_to_num(ptab["count"].astype(np.float64), nan=0.0)
        wbasis = "weighted by payment count"
    else:
        w = np.ones(len(ptab))
        wbasis = "one per payment edge (no count column)"
    if channel is None:
        out["offline_share"] = out["same_city_share"] = None
        notes["offline_share"] = notes["same_city_share"] = "needs a 'channel' column on merchants or payments"
        return out, notes
    offline = _is(channel, "offline")
    known = offline | _is(channel, "online")
    total = w[known].sum()
    out["offline_share"] = float(w[offline].sum() / total) if total > 0 else None
    notes["offline_share"] = f"{basis}, {wbasis}; payments whose channel is neither online nor offline left out"
    if total <= 0:
        out["same_city_share"] = None
        notes["offline_share"] = notes["same_city_share"] = f"no payment with a known channel ({basis} is empty)"
        return out, notes
    if not ("city" in utab and "city" in mtab and utab["city"].dtype.kind == "U" and mtab["city"].dtype.kind == "U"):
        out["same_city_share"] = None
        notes["same_city_share"] = "needs a 'city' column on both users and merchants"
        return out, notes
    # gather the cities of offline payments only: a city string per payment row is 24+ bytes a row
    rows = np.flatnonzero(offline)
    ucity = utab["city"][src[rows]]
    mcity = mtab["city"][dst[rows]]
    known = (ucity != "") & (mcity != "")
    w_off = w[rows]
    tot = w_off[known].sum()
    out["same_city_share"] = float(w_off[known & (ucity == mcity)].sum() / tot) if tot > 0 else None
    notes["same_city_share"] = f"offline payments with both cities known, {wbasis}"
    if tot == 0:
        notes["same_city_share"] = "no offline payment with both cities known"
    return out, notes
