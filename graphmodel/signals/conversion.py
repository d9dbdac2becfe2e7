"""Does a purchase follow a neighbour's purchase? Per-layer conversion against a time-shuffled baseline.

For every user ``u``, item ``i`` (merchant or category) and layer:

* ``u`` is **exposed** to ``i`` at time ``e`` = the earliest purchase of ``i``
  by one of ``u``'s neighbours in that layer, provided ``u`` had not bought
  ``i`` by then (first adoption) and the window ``(e, e + window]`` ends
  within the data;
* the exposure **converts** when ``u``'s first purchase of ``i`` falls in
  that window.

Neighbours per layer: ``social`` -- the users ``u`` trusts (or befriends);
ties have no time and count from the start. ``payment`` -- co-customers:
``v`` becomes ``u``'s co-customer when both have paid at a common merchant
(at ``min over shared merchants of max(t_u, t_v)``) and only ``v``'s
purchases strictly after that moment count. ``transfer`` -- transfer
partners, both directions, no time.

**Baseline** (the shuffle test of Anagnostopoulos, Kumar & Mahdian, KDD 2008):
the purchase times are permuted at random across all payment edges and
everything is recomputed, ``n_shuffles`` times. Who bought what -- hence
homophily and taste shared with neighbours -- is kept; only the timing is
broken. ``lift = rate / baseline_rate`` above 1 says purchases follow
neighbours' purchases more often than timing alone explains.

Intervals are percentile bootstraps over users, the same resamples for every
layer, so ``relative`` (payment over social) is paired.

JSON shape (``ConversionResult.to_dict()``; ``graphmodel compare
--conversion-from conv.json`` reads ``conversion`` and ``lift``)::

    {
      "format": "graphmodel.conversion/1",
      "conversion": {"social": 0.012, "payment": 0.034},   # per-exposure probability within the window
      "lift": {"social": 1.4, "payment": 2.1},             # rate / time-shuffled baseline rate
      "layers": {"social": {"exposures": int, "conversions": int, "exposed_users": int,
                            "rate": {"mean", "ci95"}, "baseline_rate": {"mean", "ci95"},
                            "lift": {"mean", "ci95"}}, ...},
      "relative": {"payment/social": {"rate": {"mean", "ci95"}, "lift": {"mean", "ci95"}}},
      "params": {"level", "window_days", "n_shuffles", "n_boot", "seed", "time_range", ...}
    }
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from graphmodel._seed import SeedLike, as_generator, as_seed_sequence
from graphmodel.ecosystem import Ecosystem
from graphmodel.errors import InputError
from graphmodel.jsonable import json_number
from graphmodel.kernels.csr import CoCustomers
from graphmodel.signals._kernels import exposure_kernel
from graphmodel.signals.scorers import item_index, user_graph

__all__ = ["ConversionResult", "estimate_conversion", "FORMAT"]

FORMAT = "graphmodel.conversion/1"
_DAY = 86400.0


@dataclass(frozen=True)
class ConversionResult:
    """Per-layer conversion rates, time-shuffled baselines and lifts (see module docstring)."""

    layers: dict[str, dict[str, Any]]
    relative: dict[str, dict[str, Any]]
    params: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "conversion": {k: v["rate"]["mean"] for k, v in self.layers.items()},
            "lift": {k: v["lift"]["mean"] for k, v in self.layers.items()},
            "layers": self.layers,
            "relative": self.relative,
            "params": self.params,
        }


def _csr(rows: np.ndarray, cols: np.ndarray, vals: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    order = np.lexsort((vals, cols, rows))
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n), out=ptr[1:])
    return ptr, cols[order].astype(np.int64), vals[order].astype(np.float64)


def _first(users: np.ndarray, items: np.ndarray, times: np.ndarray, n_users: int):
    """CSR by user of (item, first time) with one entry per (user, item)."""
    order = np.lexsort((times, items, users))
    u, i, t = users[order], items[order], times[order]
    keep = np.ones(len(u), dtype=bool)
    keep[1:] = (u[1:] != u[:-1]) | (i[1:] != i[:-1])
    return _csr(u[keep], i[keep], t[keep], n_users)


def _run(layer: str, eco: Ecosystem, users, merchants, items, times, n_items, nbrs, window, t_end) -> np.ndarray:
    U, M = eco.n_users, eco.n_merchants
    f_ptr, f_item, f_time = _first(users, items, times, U)
    out = np.zeros((U, 2))
    if layer == "payment":
        m_ptr, m_merch, m_time = _first(users, merchants, times, U)
        b_ptr, b_user, b_time = _first(merchants, users, times, M)
        s_ptr, s_nbr = np.zeros(U + 1, np.int64), np.zeros(0, np.int64)
        use_link = True
    else:
        m_ptr = np.zeros(U + 1, np.int64)
        m_merch, m_time = np.zeros(0, np.int64), np.zeros(0)
        b_ptr, b_user, b_time = np.zeros(M + 1, np.int64), np.zeros(0, np.int64), np.zeros(0)
        s_ptr, s_nbr = nbrs.indptr.astype(np.int64), nbrs.indices.astype(np.int64)
        use_link = False
    exposure_kernel(
        U,
        n_items,
        f_ptr,
        f_item,
        f_time,
        s_ptr,
        s_nbr,
        CoCustomers(m_ptr, m_merch, m_time, b_ptr, b_user, b_time),
        use_link,
        float(window),
        float(t_end),
        out,
    )
    return out


def _interval(values: np.ndarray) -> dict[str, Any]:
    v = values[np.isfinite(values)]
    if v.size == 0:
        return {"mean": None, "ci95": [None, None]}
    lo, hi = np.percentile(v, [2.5, 97.5])
    return {"mean": None, "ci95": [float(lo), float(hi)]}


def _ratio(num: np.ndarray, den: np.ndarray) -> float:
    return float(num / den) if den > 0 else float("nan")


def estimate_conversion(
    eco: Ecosystem,
    *,
    level: str = "category",
    window_days: float = 30.0,
    n_shuffles: int = 5,
    n_boot: int = 1000,
    layers: tuple[str, ...] | None = None,
    seed: SeedLike = None,
) -> ConversionResult:
    """Empirical per-layer conversion ratios with bootstrap intervals.

    Parameters
    ----------
    eco
        Needs payment ``first_time``.
    level
        ``"category"`` (a neighbour bought in the same category) or ``"merchant"``.
    window_days
        A conversion is a first purchase within this many days after the exposure.
    n_shuffles
        Time-shuffled replicates averaged into the baseline.
    layers
        Subset of ``("social", "payment", "transfer")``; default: every layer with edges.
    seed
        Drives the shuffles and the bootstrap.

    Examples
    --------
    >>> import graphmodel as gm
    >>> day = 86400
    >>> eco = gm.Ecosystem.from_labels(users={"id": ["a", "b", "c"]},
    ...     merchants={"id": ["x", "y"], "category": ["c", "d"]},
    ...     social={"src": ["a"], "dst": ["b"]}, social_directed=True,
    ...     payment={"user": ["b", "a", "c"], "merchant": ["x", "x", "y"], "first_time": [0, day, 9 * day]})
    >>> r = estimate_conversion(eco, level="merchant", window_days=2, n_shuffles=2, n_boot=50, seed=0)
    >>> r.layers["social"]["exposures"], r.layers["social"]["conversions"]
    (1, 1)
    """
    pay = eco.edges("payment")
    if "first_time" not in pay:
        raise InputError(
            "conversion needs payment times (column first_time); this ecosystem has none",
            source="payment",
            field="first_time",
        )
    if window_days <= 0:
        raise InputError(f"expected window_days > 0, got {window_days}", field="window_days")
    if n_shuffles < 1:
        raise InputError(f"expected n_shuffles >= 1, got {n_shuffles}", field="n_shuffles")
    t = np.asarray(pay["first_time"], dtype=np.float64)
    ok = np.isfinite(t)
    users, merchants, times = pay["src"][ok].astype(np.int64), pay["dst"][ok].astype(np.int64), t[ok]
    if times.size == 0:
        raise InputError("no timed payment edges", source="payment", field="first_time")
    merchant_item, _, _ = item_index(eco, level)
    items = merchant_item[merchants]
    n_items = int(merchant_item.max()) + 1 if merchant_item.size else 0
    if layers is None:
        layers = tuple(x for x in ("social", "payment", "transfer") if eco.n_edges(x) > 0)
    for x in layers:
        if x not in ("social", "payment", "transfer"):
            raise InputError(f"unknown layer {x!r}; expected social, payment or transfer", field="layers")
    nbrs = {
        "social": user_graph(eco, "social", symmetric=False),
        "transfer": user_graph(eco, "transfer", symmetric=True),
        "payment": None,
    }
    window = float(window_days) * _DAY
    t_end = float(times.max())
    ss = as_seed_sequence(seed)
    s_shuffle, s_boot = ss.spawn(2)
    rng = as_generator(s_shuffle)
    real = {x: _run(x, eco, users, merchants, items, times, n_items, nbrs[x], window, t_end) for x in layers}
    base = {x: np.zeros((eco.n_users, 2)) for x in layers}
    for _ in range(n_shuffles):
        shuffled = rng.permutation(times)
        for x in layers:
            base[x] += _run(x, eco, users, merchants, items, shuffled, n_items, nbrs[x], window, t_end)
    idx = as_generator(s_boot).integers(0, eco.n_users, size=(n_boot, eco.n_users))
    out: dict[str, dict[str, Any]] = {}
    boots: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for x in layers:
        R, B = real[x], base[x]
        rate = _ratio(R[:, 1].sum(), R[:, 0].sum())
        brate = _ratio(B[:, 1].sum(), B[:, 0].sum())
        with np.errstate(divide="ignore", invalid="ignore"):
            r_b = R[idx, 1].sum(axis=1) / R[idx, 0].sum(axis=1)
            b_b = B[idx, 1].sum(axis=1) / B[idx, 0].sum(axis=1)
            l_b = r_b / b_b
        boots[x] = (r_b, l_b)
        entry = {
            "exposures": int(R[:, 0].sum()),
            "conversions": int(R[:, 1].sum()),
            "exposed_users": int((R[:, 0] > 0).sum()),
            "baseline_exposures": float(B[:, 0].sum() / n_shuffles),
            "baseline_conversions": float(B[:, 1].sum() / n_shuffles),
        }
        for key, mean, bs in (
            ("rate", rate, r_b),
            ("baseline_rate", brate, b_b),
            ("lift", rate / brate if brate > 0 else float("nan"), l_b),
        ):
            d = _interval(bs)
            d["mean"] = json_number(mean)
            entry[key] = d
        out[x] = entry
    relative: dict[str, dict[str, Any]] = {}
    if "payment" in out and "social" in out:
        with np.errstate(divide="ignore", invalid="ignore"):
            rr = boots["payment"][0] / boots["social"][0]
            lr = boots["payment"][1] / boots["social"][1]
        pr, sr = out["payment"]["rate"]["mean"], out["social"]["rate"]["mean"]
        pl, sl = out["payment"]["lift"]["mean"], out["social"]["lift"]["mean"]
        d_rate = _interval(rr)
        d_rate["mean"] = json_number(pr / sr) if pr is not None and sr else None
        d_lift = _interval(lr)
        d_lift["mean"] = json_number(pl / sl) if pl is not None and sl else None
        relative["payment/social"] = {"rate": d_rate, "lift": d_lift}
    params = {
        "level": level,
        "window_days": float(window_days),
        "n_shuffles": int(n_shuffles),
        "n_boot": int(n_boot),
        "seed": int(seed) if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool) else None,
        "time_range": [float(times.min()), t_end],
        "exposure": "earliest neighbour purchase of an item the user had not bought; window must end within the data",
        "baseline": "purchase times permuted across payment edges (shuffle test), averaged over n_shuffles",
        "social_ties_timed": False,
    }
    return ConversionResult(layers=out, relative=relative, params=params)
