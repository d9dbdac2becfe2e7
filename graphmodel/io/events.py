"""Event-level payments aggregated into one edge per (user, merchant); duplicate edge rows merged by a stated rule."""

from __future__ import annotations

from typing import Any

import numpy as np

from graphmodel.errors import InputError
from graphmodel.table import Table

__all__ = ["aggregate_payment_events", "merge_duplicate_edges", "DUPLICATE_RULES"]


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


#: What ``duplicates=`` may say: merge (the rule below) or keep parallel edges as they are.
DUPLICATE_RULES = ("merge", "keep")
_SUMMED = ("count", "amount")


def merge_duplicate_edges(
    table: Table, *, layer: str, directed: bool, rule: str = "merge"
) -> tuple[Table, dict[str, Any] | None]:
    """Merge the rows of ``table`` that join the same pair of nodes, by the stated rule.

    Parameters
    ----------
    table
        An edge table with integer ``src`` and ``dst`` (dense row indices, as an
        :class:`~graphmodel.ecosystem.Ecosystem` holds them).
    layer
        ``"social"``, ``"payment"`` or ``"transfer"``.
    directed
        Whether the layer's edges have a direction. In an undirected layer
        ``(a, b)`` and ``(b, a)`` are the same tie (a *reverse* duplicate).
    rule
        ``"merge"`` or ``"keep"`` (return the table unchanged).

    Returns
    -------
    (Table, dict or None)
        The table with one row per pair, in the order of each pair's first row,
        and a JSON-ready account (None when nothing was merged):
        ``{"rule", "merged_rows", ...}``.

    Notes
    -----
    Rules for ``"merge"``:

    * ``social``: a tie is a tie; the first row of each pair is kept (with its
      attributes) and the later ones dropped. The account splits them into
      ``exact`` (same direction as the first row) and ``reverse``.
    * ``payment`` / ``transfer`` (edge-level tables): the rows of a pair are
      summed into one edge by the event rules: ``count`` summed (without a
      ``count`` column one is added, counting the rows), ``amount`` summed,
      ``first_time`` the minimum, ``last_time`` the maximum, every other column
      from the pair's last row. ``identical_rows`` counts rows equal in every
      column to the pair's first row (copies, if the source double-wrote them).

    Examples
    --------
    >>> t = Table({"src": [0, 1, 0], "dst": [1, 0, 1], "weight": [1.0, 2.0, 3.0]}, name="social")
    >>> merged, info = merge_duplicate_edges(t, layer="social", directed=False)
    >>> merged["weight"].tolist(), info["exact"], info["reverse"]
    ([1.0], 1, 1)
    """
    if rule not in DUPLICATE_RULES:
        raise InputError(f"expected one of {', '.join(DUPLICATE_RULES)}, got {rule!r}", field="duplicates")
    n = len(table)
    if rule == "keep" or n < 2:
        return table, None
    src, dst = table["src"], table["dst"]
    a, b = (src, dst) if directed else (np.minimum(src, dst), np.maximum(src, dst))
    width = int(max(int(src.max()), int(dst.max()))) + 1
    key = a.astype(np.int64) * width + b
    order = np.argsort(key, kind="stable")
    sk = key[order]
    new = np.empty(n, dtype=bool)
    new[0] = True
    np.not_equal(sk[1:], sk[:-1], out=new[1:])
    if new.all():
        return table, None
    starts = np.flatnonzero(new)
    ends = np.r_[starts[1:] - 1, n - 1]
    gid = np.empty(n, dtype=np.int64)
    gid[order] = np.cumsum(new) - 1
    first = order[starts]  # stable sort: the smallest row of each group
    last = order[ends]
    keep = np.sort(first)
    g_keep = gid[keep]
    dup = np.ones(n, dtype=bool)
    dup[first] = False
    merged_rows = int(dup.sum())
    f_of_row = first[gid]
    info: dict[str, Any] = {"rule": "first row kept" if layer == "social" else "summed", "merged_rows": merged_rows}
    if layer == "social":
        same = (src == src[f_of_row]) & (dst == dst[f_of_row])
        info["exact"] = int((dup & same).sum())
        info["reverse"] = merged_rows - info["exact"]
        return table.take(keep), info
    ident = dup.copy()
    for _name, values in table.items():
        col_same = values == values[f_of_row]
        if values.dtype.kind == "f":
            col_same |= np.isnan(values) & np.isnan(values[f_of_row])
        ident &= col_same
    info["identical_rows"] = int(ident.sum())
    g = len(starts)
    cols: dict[str, np.ndarray] = {}
    for name, values in table.items():
        if name in ("src", "dst"):
            cols[name] = values[keep]
        elif name in _SUMMED and values.dtype.kind in "iuf":
            s = np.bincount(gid, weights=values.astype(np.float64), minlength=g)[g_keep]
            cols[name] = s.astype(np.int64) if values.dtype.kind in "iu" else s
        elif name == "first_time" and values.dtype.kind in "iuf":
            cols[name] = _group_reduce(np.minimum, values, order, starts)[g_keep]
        elif name == "last_time" and values.dtype.kind in "iuf":
            cols[name] = _group_reduce(np.maximum, values, order, starts)[g_keep]
        else:
            cols[name] = values[last][g_keep]
    if "count" not in table:
        cols["count"] = np.bincount(gid, minlength=g).astype(np.int64)[g_keep]
    return Table(cols, name=table.name, length=len(keep)), info


def _group_reduce(ufunc: Any, values: np.ndarray, order: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """``ufunc.reduceat`` of ``values`` over the groups of the sorted ``order`` (NaN-free minimum/maximum)."""
    v = values[order]
    if v.dtype.kind == "f":
        fill = np.inf if ufunc is np.minimum else -np.inf
        v = np.where(np.isnan(v), fill, v)
        out = ufunc.reduceat(v, starts)
        return np.where(np.isinf(out) & (out == fill), np.nan, out)
    return ufunc.reduceat(v, starts)


def describe_merge(layer: str, info: dict[str, Any], *, source: str | None = None) -> str:
    """One sentence for the :class:`GraphModelWarning` that reports a merge."""
    where = f"{source}: " if source and source != layer else ""
    if layer == "social":
        return (
            f"{where}{layer}: merged {info['merged_rows']} duplicate tie row(s) into the first row of their pair "
            f"({info['exact']} exact, {info['reverse']} reverse); pass duplicates='keep' for parallel edges"
        )
    return (
        f"{where}{layer}: merged {info['merged_rows']} row(s) into the first row of their (src, dst) pair: count and "
        f"amount summed, first_time min, last_time max, other columns from the last row "
        f"({info['identical_rows']} of them identical to the pair's first row); pass duplicates='keep' for parallel edges"
    )
