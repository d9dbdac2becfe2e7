"""Event-level payments (one row per payment) aggregated into one edge per (user, merchant)."""

from __future__ import annotations

import numpy as np

from graphmodel.errors import InputError
from graphmodel.table import Table

__all__ = ["aggregate_payment_events"]


def aggregate_payment_events(
    events: Table,
    *,
    user: str | None = None,
    merchant: str | None = None,
    time: str = "time",
    source: str | None = None,
) -> tuple[Table, int]:
    """Aggregate payment events into one row per (user, merchant) pair.

    Parameters
    ----------
    events
        One row per payment. Columns ``user`` and ``merchant`` (or ``src`` and
        ``dst``) name the two ends, ``time`` is numeric; optional ``amount``
        (summed) and ``count`` (summed; without it every row counts 1).
    user, merchant
        Column names of the two ends (default: ``user``/``merchant`` if
        present, else ``src``/``dst``).
    time
        Name of the time column.
    source
        File name for error messages.

    Returns
    -------
    (Table, int)
        The aggregated table -- the two end columns, ``count``, ``amount`` (when
        given), ``first_time`` = min time, ``last_time`` = max time, then every
        other column with the value of the pair's latest event (ties: the later
        row) -- in order of each pair's first appearance, and the number of events.

    Examples
    --------
    >>> t = Table({"user": [1, 1, 2], "merchant": ["a", "a", "a"], "time": [5, 3, 4], "amount": [1.0, 2.0, 4.0]})
    >>> agg, n = aggregate_payment_events(t)
    >>> n, agg["count"].tolist(), agg["amount"].tolist(), agg["first_time"].tolist()
    (3, [2, 1], [3.0, 4.0], [3, 4])
    """
    src = source or events.name
    if user is None or merchant is None:
        if "user" in events and "merchant" in events:
            user, merchant = user or "user", merchant or "merchant"
        else:
            user, merchant = user or "src", merchant or "dst"
    for col in (user, merchant, time):
        if col not in events:
            raise InputError(f"missing required column {col!r}", source=src, field=col)
    t = events[time]
    if t.dtype.kind not in "iuf":
        raise InputError(f"expected a numeric time column, got {t.dtype}", source=src, field=time)
    n = len(events)
    for col in ("count", "amount"):
        if col in events:
            v = events[col]
            if v.dtype.kind not in "iuf":
                raise InputError(f"expected numbers, got {v.dtype}", source=src, field=col)
            bad = v < 0
            if bad.any():
                raise InputError(f"row {int(np.argmax(bad))}: expected a value >= 0", source=src, field=col)
    # Pair key: codes of each end, combined into one int64 key.
    _, ucode = np.unique(events[user], return_inverse=True)
    _, mcode = np.unique(events[merchant], return_inverse=True)
    ucode = ucode.astype(np.int64).ravel()
    mcode = mcode.astype(np.int64).ravel()
    key = ucode * (int(mcode.max()) + 1 if n else 1) + mcode
    _, first_row, inv = np.unique(key, return_index=True, return_inverse=True)
    inv = inv.ravel()
    # Renumber groups by first appearance.
    rank = np.empty(len(first_row), dtype=np.int64)
    rank[np.argsort(first_row, kind="stable")] = np.arange(len(first_row))
    group = rank[inv]
    g = len(first_row)
    order = np.lexsort((t, group))  # by group, then time; stable: ties keep row order
    gs = group[order]
    starts = np.flatnonzero(np.r_[True, gs[1:] != gs[:-1]]) if n else np.zeros(0, dtype=np.int64)
    ends = np.r_[starts[1:] - 1, n - 1] if n else np.zeros(0, dtype=np.int64)
    first_ev = order[starts]
    last_ev = order[ends]
    anchor = order[starts]  # any row of the group: the ends are the same on every row
    cols: dict[str, np.ndarray] = {user: events[user][anchor], merchant: events[merchant][anchor]}
    if "count" in events:
        c = events["count"]
        s = np.bincount(group, weights=c.astype(np.float64), minlength=g)
        cols["count"] = s.astype(np.int64) if c.dtype.kind in "iu" else s
    else:
        cols["count"] = np.bincount(group, minlength=g).astype(np.int64)
    if "amount" in events:
        cols["amount"] = np.bincount(group, weights=events["amount"].astype(np.float64), minlength=g)
    cols["first_time"] = t[first_ev]
    cols["last_time"] = t[last_ev]
    skip = {user, merchant, time, "count", "amount", "first_time", "last_time"}
    for name, values in events.items():
        if name not in skip:
            cols[name] = values[last_ev]
    return Table(cols, name=events.name, length=g), n
