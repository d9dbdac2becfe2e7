"""Exposures per user, item and day, reduced to the likelihood's sufficient statistics.

Neighbours per layer are those of :mod:`graphmodel.signals.conversion`:
``social`` -- the users ``u`` trusts (or befriends), ties count from the
start; ``payment`` -- co-customers, linked from the first day both have paid
at a common merchant, and only purchases strictly after that day count;
``transfer`` -- transfer partners, both directions. Times are whole days
counted from the first timed purchase (Ciao's times have day resolution).

:func:`build_exposures` runs the compiled sweep
(:func:`graphmodel.fitting._kernels.exposure_records`) and returns
:class:`ExposureData`: per group of users and configuration the non-adoption
days and adoptions, where a configuration is ``(item, k_social, k_payment,
k_transfer)``. The likelihood depends on the data only through these sums, so
a bootstrap reweights groups instead of recomputing exposures. Users are dealt
into groups at random (``group``); with one user per group it is the plain
bootstrap over users, with fewer groups the same resampling of users in
random blocks, at a fraction of the memory (``groups x configurations``
numbers instead of one row per user and configuration).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from graphmodel.ecosystem import Ecosystem
from graphmodel.errors import InputError
from graphmodel.fitting._kernels import KBITS, exposure_stats
from graphmodel.kernels.csr import CoCustomers
from graphmodel.signals.scorers import item_index, user_graph

__all__ = ["ExposureData", "build_exposures", "FIT_LAYERS", "DAY", "payment_times"]

#: Layers the model fits, in the order of the exposure counts.
FIT_LAYERS: tuple[str, ...] = ("social", "payment", "transfer")
DAY = 86400.0


@dataclass(frozen=True, eq=False)
class ExposureData:
    """Sufficient statistics of the likelihood (see :mod:`graphmodel.fitting.likelihood`).

    Attributes
    ----------
    n_users, n_items, last_day, window
        Sizes, the last observed day ``T`` (days ``0 .. T``) and the window in days.
    grp_n, grp_a
        ``(groups, configurations)``: non-adoption days and adoptions; an
        untouched (user, item) pair is implicit: ``T + 1`` non-adoption days
        in configuration ``item`` (the item's zero configuration).
    grp_size
        Users per group.
    cfg_item, cfg_k
        Configuration table: the item and the exposure counts ``(C, 3)``.
    exposures
        Per layer, the number of exposures (neighbour purchases that reached a
        user who had not bought the item yet).
    layers
        Layers whose exposures were counted.
    """

    n_users: int
    n_items: int
    last_day: int
    window: int
    grp_n: np.ndarray
    grp_a: np.ndarray
    grp_size: np.ndarray
    cfg_item: np.ndarray
    cfg_k: np.ndarray
    exposures: dict[str, int]
    layers: tuple[str, ...]

    @property
    def n_cfg(self) -> int:
        return int(self.cfg_item.size)

    @property
    def n_groups(self) -> int:
        return int(self.grp_size.size)

    def base(self) -> np.ndarray:
        """Per configuration, the non-adoption days one untouched user contributes."""
        b = np.zeros(self.n_cfg)
        b[: self.n_items] = self.last_day + 1
        return b

    def totals(self, weights: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """``(N, A)`` per configuration, groups weighted by ``weights`` (default 1 each); ``weights`` may be
        ``(n_groups, B)`` for ``B`` resamples at once (then ``N``, ``A`` are ``(C, B)``)."""
        if weights is None:
            weights = np.ones(self.n_groups)
        w = np.asarray(weights, dtype=np.float64)
        N = self.grp_n.T.astype(np.float64) @ w
        A = self.grp_a.T.astype(np.float64) @ w
        users = self.grp_size.astype(np.float64) @ w
        base = self.base()
        N = N + (base[:, None] * users[None, :] if w.ndim == 2 else base * users)
        return N, A


def payment_times(eco: Ecosystem) -> np.ndarray:
    """Payment ``first_time`` as float seconds; one line naming the fix when there is none."""
    pay = eco.edges("payment")
    if "first_time" not in pay:
        raise InputError(
            "fit needs purchase times: the payment layer has no first_time column. Load a release with dates "
            "(e.g. gm.load_dataset('ciao', DIR), which reads rating_with_timestamp.mat), add a first_time column "
            "(unix seconds) to payment.csv, or generate one with `graphmodel generate --timeline`",
            source="payment",
            field="first_time",
        )
    t = np.asarray(pay["first_time"], dtype=np.float64)
    if not np.isfinite(t).any():
        raise InputError(
            "fit needs purchase times: every payment first_time is missing", source="payment", field="first_time"
        )
    return t


def _first(rows: np.ndarray, cols: np.ndarray, days: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """CSR by row of (col, first day), one entry per (row, col)."""
    order = np.lexsort((days, cols, rows))
    r, c, d = rows[order], cols[order], days[order]
    keep = np.ones(len(r), dtype=bool)
    keep[1:] = (r[1:] != r[:-1]) | (c[1:] != c[:-1])
    r, c, d = r[keep], c[keep], d[keep]
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(r, minlength=n), out=ptr[1:])
    return ptr, c.astype(np.int64), d.astype(np.int64)


def build_exposures(
    eco: Ecosystem,
    *,
    level: str = "category",
    window_days: int = 30,
    layers: tuple[str, ...] | None = None,
    times: np.ndarray | None = None,
    t0: float | None = None,
    t_end: float | None = None,
    info: dict[str, Any] | None = None,
    group: np.ndarray | None = None,
) -> ExposureData:
    """Count exposures and reduce them to :class:`ExposureData`.

    Parameters
    ----------
    eco
        Needs payment ``first_time``.
    level
        ``"category"`` or ``"merchant"``: what an item is.
    window_days
        An exposure is live on the ``window_days`` days after the neighbour's purchase.
    layers
        Layers to count (default: every layer with edges; payment always).
    times
        Purchase times to use instead of the payment ``first_time`` (the
        time-shuffled baseline passes permuted times); NaN: untimed, ignored.
    t0, t_end
        Day 0 starts at ``t0`` (default: the first time); only purchases
        before ``t_end`` are seen and the last observed day is the one before
        ``t_end`` (default: the last purchase's day is the last day).
    group
        Group of every user for the bootstrap (default: one group).
    """
    t = payment_times(eco) if times is None else np.asarray(times, dtype=np.float64)
    ok = np.isfinite(t)
    if t_end is not None:
        ok &= t < t_end
    if not ok.any():
        raise InputError("no timed payment edges in the period", source="payment", field="first_time")
    pay = eco.edges("payment")
    users = np.asarray(pay["src"])[ok].astype(np.int64)
    merchants = np.asarray(pay["dst"])[ok].astype(np.int64)
    start = float(np.min(t[ok])) if t0 is None else float(t0)
    days = np.floor((t[ok] - start) / DAY).astype(np.int64)
    if (days < 0).any():
        raise InputError("a purchase falls before day 0", source="payment", field="first_time")
    last_day = int(days.max()) if t_end is None else int(np.floor((t_end - start) / DAY - 1e-9))
    merchant_item, _, names = item_index(eco, level)
    n_items = len(names)
    items = merchant_item[merchants]
    U, M = eco.n_users, eco.n_merchants
    if layers is None:
        layers = tuple(x for x in FIT_LAYERS if x == "payment" or eco.n_edges(x) > 0)
    use = np.array([x in layers for x in FIT_LAYERS], dtype=np.bool_)
    f_ptr, f_item, f_day = _first(users, items, days, U)
    m_ptr, m_merch, m_day = _first(users, merchants, days, U)
    b_ptr, b_user, b_day = _first(merchants, users, days, M)
    soc = user_graph(eco, "social", symmetric=False) if use[0] else sp.csr_matrix((U, U))
    tra = user_graph(eco, "transfer", symmetric=True) if use[2] else sp.csr_matrix((U, U))
    window = int(window_days)
    group = np.zeros(U, np.int64) if group is None else np.asarray(group, dtype=np.int64)
    n_groups = int(group.max()) + 1 if U else 1
    grp_n, grp_a, cfg_item, cfg_key, expo = exposure_stats(
        U,
        n_items,
        last_day,
        window,
        f_ptr,
        f_item,
        f_day,
        soc.indptr.astype(np.int64),
        soc.indices.astype(np.int64),
        tra.indptr.astype(np.int64),
        tra.indices.astype(np.int64),
        CoCustomers(m_ptr, m_merch, m_day, b_ptr, b_user, b_day),
        use,
        group,
        n_groups,
    )
    mask = (1 << KBITS) - 1
    cfg_k = np.column_stack([(cfg_key >> (2 * KBITS)) & mask, (cfg_key >> KBITS) & mask, cfg_key & mask])
    cfg_k = cfg_k.astype(np.int64)
    if info is not None:
        info.update({"t0": start, "items": names, "n_purchases": int(ok.sum()), "n_adoptions": int(f_item.size)})
    return ExposureData(
        n_users=U,
        n_items=n_items,
        last_day=last_day,
        window=window,
        grp_n=grp_n,
        grp_a=grp_a,
        grp_size=np.bincount(group, minlength=n_groups),
        cfg_item=cfg_item,
        cfg_k=cfg_k,
        exposures={x: int(expo[j]) for j, x in enumerate(FIT_LAYERS) if use[j]},
        layers=tuple(layers),
    )
