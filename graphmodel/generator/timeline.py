"""Timestamped purchases from a timed cascade with known parameters (``generate(timeline=...)``).

The static generator says who is connected to whom; the timeline says who
bought which category when, and why. Days ``0 .. days-1`` from
:data:`START` (2020-01-01 UTC). For every user ``u`` and merchant category
``c`` (an *item* at ``level="category"``):

* background: on every day ``u`` buys ``c`` on their own with probability
  ``lambda_c`` (per category, proportional to the category's share of
  merchants, scaled so that the mean over categories of ``P(u buys c on their
  own during the timeline)`` is ``background``);
* transmission: when ``v`` first buys ``c`` on day ``e``, every neighbour ``x``
  of ``v`` through layer ``L`` who has not bought ``c`` yet gets, on each of
  the days ``e+1 .. e+window``, an independent chance ``q_L`` of buying it
  (so ``P(x buys within the window because of v) = p_L = 1 - (1 - q_L)^window``).
  Neighbours: friends (``social``), transfer partners both ways
  (``transfer``), and co-customers (``payment``): users who paid at a
  merchant where ``v`` had paid, both before day ``e``.

A user buys ``c`` on the first day any of these chances succeeds (that is the
discrete-time IC with background that :func:`graphmodel.fit` fits, exactly).
The purchase goes to a merchant of category ``c`` that the user can reach (an
online one or an offline shop in their city), uniformly. The payment layer of
the timeline ecosystem is these first purchases: one edge per (user,
category) with ``first_time``; the static payment layer is replaced.
The truth is stored in ``meta["timeline"]``.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numba as nb
import numpy as np

from graphmodel.errors import InputError

__all__ = ["TimelineParams", "make_timeline", "timed_cascade", "START", "DEFAULT_TRANSMISSION"]

#: Day 0 of a generated timeline: 2020-01-01 00:00 UTC (unix seconds).
START = 1577836800
#: Default per-layer transmission within the window: subcritical on the presets.
DEFAULT_TRANSMISSION: dict[str, float] = {"social": 0.03, "payment": 0.0005, "transfer": 0.05}
_NEVER = np.int64(2**62)


@dataclass(frozen=True)
class TimelineParams:
    """Known truth of a generated timeline.

    Parameters
    ----------
    transmission
        Per layer ``p_L``: probability that one neighbour's purchase makes the
        user buy within ``window_days`` (absent other causes).
    background
        Mean over categories of the probability that a user buys a category
        on their own during the timeline.
    window_days
        Days an exposure stays live.
    days
        Length of the timeline in days.
    """

    transmission: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_TRANSMISSION))
    background: float = 0.15
    window_days: int = 30
    days: int = 365

    def __post_init__(self) -> None:
        tr = dict(DEFAULT_TRANSMISSION)
        for k, v in dict(self.transmission).items():
            if k not in tr:
                raise InputError(
                    f"unknown layer {k!r}; expected social, payment or transfer", field="timeline transmission"
                )
            v = float(v)
            if not 0.0 <= v < 1.0:
                raise InputError(f"expected a probability in [0, 1), got {v!r}", field=f"timeline transmission {k}")
            tr[k] = v
        object.__setattr__(self, "transmission", tr)
        if not 0.0 <= float(self.background) < 1.0:
            raise InputError(f"expected a probability in [0, 1), got {self.background!r}", field="timeline background")
        for name in ("window_days", "days"):
            v = getattr(self, name)
            if isinstance(v, bool) or int(v) != v or int(v) < 1:
                raise InputError(f"expected a positive integer, got {v!r}", field=f"timeline {name}")
            object.__setattr__(self, name, int(v))

    @classmethod
    def from_options(cls, options: Any) -> "TimelineParams":
        """From ``True``, a :class:`TimelineParams`, or a mapping of ``social``/``payment``/``transfer``
        (transmissions), ``background``, ``window_days``, ``days`` (strings accepted)."""
        if isinstance(options, TimelineParams):
            return options
        if options is True:
            return cls()
        if not isinstance(options, dict):
            raise InputError(f"expected True or a mapping of timeline parameters, got {options!r}", field="timeline")
        tr: dict[str, float] = {}
        kw: dict[str, Any] = {}
        for k, v in options.items():
            if k not in (*DEFAULT_TRANSMISSION, "background", "window_days", "days"):
                raise InputError(
                    "unknown timeline parameter; expected social, payment, transfer, background, window_days or days",
                    field=k,
                )
            try:
                if k in DEFAULT_TRANSMISSION:
                    tr[k] = float(v)
                elif k == "background":
                    kw[k] = float(v)
                else:
                    kw[k] = int(float(v))
            except (TypeError, ValueError):
                raise InputError(f"expected a number, got {v!r}", field=f"timeline {k}") from None
        return cls(transmission=tr, **kw)

    def per_day(self) -> dict[str, float]:
        """``q_L = 1 - (1 - p_L)^(1/window)`` per layer."""
        return {k: -math.expm1(math.log1p(-p) / self.window_days) for k, p in self.transmission.items()}

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _sym_csr(src: np.ndarray, dst: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    a = np.concatenate([src, dst]).astype(np.int64)
    b = np.concatenate([dst, src]).astype(np.int64)
    keep = a != b
    a, b = a[keep], b[keep]
    key = np.unique(a * n + b)
    a, b = key // n, key % n
    ptr = np.zeros(n + 1, np.int64)
    np.cumsum(np.bincount(a, minlength=n), out=ptr[1:])
    return ptr, b


@nb.njit(cache=True)
def _grow(a: np.ndarray, n: int) -> np.ndarray:
    b = np.empty(max(2 * a.size, n, 16), a.dtype)
    b[: a.size] = a
    return b


@nb.njit(cache=True)
def timed_cascade(
    n_users,
    n_cat,
    days,
    window,
    bg_day,
    s_ptr,
    s_nbr,
    x_ptr,
    x_nbr,
    q,
    use_payment,
    user_city,
    on_ptr,
    on_list,
    off_ptr,
    off_list,
    cat_ptr,
    cat_list,
    seed,
):
    """Run the timed cascade; return purchases ``(user, merchant, day, cause)`` in time order.

    ``bg_day[u * n_cat + c]``: the day of ``u``'s own purchase of ``c``
    (background; ``>= days`` for never). ``q``: per-day transmission per layer
    (social, payment, transfer). ``cause``: -1 background, else the layer
    whose exposure fired first on that day (ties: the lowest layer number).
    """
    np.random.seed(seed)
    UC = n_users * n_cat
    cand = bg_day.copy()
    cause = np.full(UC, -1, np.int64)
    own = np.full(UC, _NEVER)
    head = np.full(days, -1, np.int64)
    e_uc = np.empty(max(16, UC // 4), np.int64)
    e_next = np.empty(max(16, UC // 4), np.int64)
    ne = 0
    for uc in range(UC):
        d = cand[uc]
        if d < days:
            if ne >= e_uc.size:
                e_uc = _grow(e_uc, ne + 1)
                e_next = _grow(e_next, ne + 1)
            e_uc[ne] = uc
            e_next[ne] = head[d]
            head[d] = ne
            ne += 1
    p_user = np.empty(1024, np.int64)
    p_merch = np.empty(1024, np.int64)
    p_day = np.empty(1024, np.int64)
    p_cause = np.empty(1024, np.int64)
    p_nu = np.empty(1024, np.int64)
    p_nm = np.empty(1024, np.int64)
    np_ = 0
    head_u = np.full(n_users, -1, np.int64)
    n_merch = 0
    for c in range(cat_list.size):
        if cat_list[c] + 1 > n_merch:
            n_merch = cat_list[c] + 1
    head_m = np.full(n_merch, -1, np.int64)
    mark = np.full(n_users, -1, np.int64)
    for d in range(days):
        e = head[d]
        while e != -1:
            uc = e_uc[e]
            e = e_next[e]
            if own[uc] != _NEVER or cand[uc] != d:
                continue
            u = uc // n_cat
            c = uc % n_cat
            if cat_ptr[c + 1] == cat_ptr[c]:
                continue  # no merchant sells the category
            own[uc] = d
            n_on = on_ptr[c + 1] - on_ptr[c]
            ob = user_city[u] * n_cat + c
            n_off = off_ptr[ob + 1] - off_ptr[ob]
            if n_on + n_off > 0:
                r = np.random.randint(0, n_on + n_off)
                m = on_list[on_ptr[c] + r] if r < n_on else off_list[off_ptr[ob] + r - n_on]
            else:  # nothing reachable: any merchant of the category
                m = cat_list[cat_ptr[c] + np.random.randint(0, cat_ptr[c + 1] - cat_ptr[c])]
            if np_ >= p_user.size:
                p_user = _grow(p_user, np_ + 1)
                p_merch = _grow(p_merch, np_ + 1)
                p_day = _grow(p_day, np_ + 1)
                p_cause = _grow(p_cause, np_ + 1)
                p_nu = _grow(p_nu, np_ + 1)
                p_nm = _grow(p_nm, np_ + 1)
            p_user[np_] = u
            p_merch[np_] = m
            p_day[np_] = d
            p_cause[np_] = cause[uc]
            p_nu[np_] = head_u[u]
            head_u[u] = np_
            p_nm[np_] = head_m[m]
            head_m[m] = np_
            np_ += 1
            # exposures: layer 0 social, 2 transfer, 1 co-customers
            for layer in (0, 2, 1):
                if q[layer] <= 0.0:
                    continue
                if layer == 1:
                    if not use_payment:
                        continue
                    pu = head_u[u]
                    while pu != -1:
                        if p_day[pu] < d:
                            pm = head_m[p_merch[pu]]
                            while pm != -1:
                                x = p_user[pm]
                                if p_day[pm] < d and x != u and mark[x] != np_:
                                    mark[x] = np_
                                    xc = x * n_cat + c
                                    if own[xc] == _NEVER:
                                        g = np.random.geometric(q[1])
                                        if g <= window and d + g < days and d + g < cand[xc]:
                                            cand[xc] = d + g
                                            cause[xc] = 1
                                            if ne >= e_uc.size:
                                                e_uc = _grow(e_uc, ne + 1)
                                                e_next = _grow(e_next, ne + 1)
                                            e_uc[ne] = xc
                                            e_next[ne] = head[d + g]
                                            head[d + g] = ne
                                            ne += 1
                                pm = p_nm[pm]
                        pu = p_nu[pu]
                else:
                    ptr = s_ptr if layer == 0 else x_ptr
                    nbr = s_nbr if layer == 0 else x_nbr
                    for a in range(ptr[u], ptr[u + 1]):
                        x = nbr[a]
                        xc = x * n_cat + c
                        if own[xc] == _NEVER:
                            g = np.random.geometric(q[layer])
                            if g <= window and d + g < days and d + g < cand[xc]:
                                cand[xc] = d + g
                                cause[xc] = layer
                                if ne >= e_uc.size:
                                    e_uc = _grow(e_uc, ne + 1)
                                    e_next = _grow(e_next, ne + 1)
                                e_uc[ne] = xc
                                e_next[ne] = head[d + g]
                                head[d + g] = ne
                                ne += 1
    return p_user[:np_], p_merch[:np_], p_day[:np_], p_cause[:np_]


def make_timeline(
    users: dict[str, np.ndarray],
    merchants: dict[str, np.ndarray],
    social: dict[str, np.ndarray],
    transfer: dict[str, np.ndarray],
    params: TimelineParams,
    rng: np.random.Generator,
    categories: list[str],
) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Payment table (first purchases with ``first_time``) and ``meta["timeline"]`` from the final tables."""
    U = len(users["city"])
    cat_names = list(categories)
    C = len(cat_names)
    names_arr = np.array(cat_names)
    sorter = np.argsort(names_arr)
    mcat = sorter[np.searchsorted(names_arr, np.asarray(merchants["category"]).astype(str), sorter=sorter)]
    mcat = mcat.astype(np.int64)
    cities, ucity = np.unique(np.asarray(users["city"]).astype(str), return_inverse=True)
    online = np.asarray(merchants["channel"]) == "online"
    mcity = np.searchsorted(cities, np.asarray(merchants["city"]).astype(str))
    mcity = np.where(online | (mcity >= len(cities)), 0, mcity)
    known_city = np.isin(np.asarray(merchants["city"]).astype(str), cities)
    offline_ok = ~online & known_city
    order_on = np.flatnonzero(online)[np.argsort(mcat[online], kind="stable")]
    on_ptr = np.zeros(C + 1, np.int64)
    np.cumsum(np.bincount(mcat[online], minlength=C), out=on_ptr[1:])
    offk = (mcity * C + mcat)[offline_ok]
    order_off = np.flatnonzero(offline_ok)[np.argsort(offk, kind="stable")]
    off_ptr = np.zeros(len(cities) * C + 1, np.int64)
    np.cumsum(np.bincount(offk, minlength=len(cities) * C), out=off_ptr[1:])
    order_cat = np.argsort(mcat, kind="stable")
    cat_ptr = np.zeros(C + 1, np.int64)
    np.cumsum(np.bincount(mcat, minlength=C), out=cat_ptr[1:])
    share = np.bincount(mcat, minlength=C).astype(np.float64)
    share = share / share.mean() if share.sum() > 0 else share
    # P(own purchase during the timeline) = background * share_c, capped below 1
    prob_c = np.minimum(params.background * share, 0.95)
    lam = -np.expm1(np.log1p(-prob_c) / params.days)
    with np.errstate(divide="ignore"):
        bg = rng.geometric(np.where(lam > 0, lam, 1.0), size=(U, C)).astype(np.int64) - 1
    bg[:, lam <= 0] = _NEVER
    s_ptr, s_nbr = _sym_csr(social["src"], social["dst"], U)
    x_ptr, x_nbr = _sym_csr(transfer["src"], transfer["dst"], U)
    qd = params.per_day()
    q = np.array([qd["social"], qd["payment"], qd["transfer"]])
    seed = int(rng.integers(0, 2**31 - 1))
    pu, pm, pd, pc = timed_cascade(
        U,
        C,
        params.days,
        params.window_days,
        bg.ravel(),
        s_ptr,
        s_nbr,
        x_ptr,
        x_nbr,
        q,
        True,
        ucity.astype(np.int64),
        on_ptr,
        order_on.astype(np.int64),
        off_ptr,
        order_off.astype(np.int64),
        cat_ptr,
        order_cat.astype(np.int64),
        seed,
    )
    price = np.asarray(merchants["price_level"], dtype=np.float64)
    payment = {
        "src": pu,
        "dst": pm,
        "count": np.ones(len(pu), np.int64),
        "amount": np.round(price[pm], 2),
        "channel": np.asarray(merchants["channel"])[pm],
        "first_time": START + pd * 86400,
    }
    w = params.window_days
    meta = {
        "model": "discrete-time independent cascade with background (graphmodel.fitting's model)",
        "level": "category",
        "start": START,
        "start_date": "2020-01-01",
        **params.to_dict(),
        "transmission_per_day": qd,
        "background_per_window": {cat_names[c]: float(-np.expm1(w * np.log1p(-lam[c]))) for c in range(C)},
        "background_per_day": {cat_names[c]: float(lam[c]) for c in range(C)},
        "purchases": int(len(pu)),
        "purchases_by_cause": {
            name: int((pc == code).sum())
            for name, code in (("background", -1), ("social", 0), ("payment", 1), ("transfer", 2))
        },
    }
    return payment, meta
