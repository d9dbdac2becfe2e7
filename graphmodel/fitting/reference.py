"""Plain-Python reference for :func:`graphmodel.fitting.exposures.build_exposures` (tests only: slow).

Walks every (user, item, day) at risk and counts the live exposures per layer
straight from the definitions, with neighbour sets built from the raw edge
tables (not from the compiled kernel's CSR views).
"""

from __future__ import annotations

import math
from collections import defaultdict

import numpy as np

from graphmodel.ecosystem import Ecosystem
from graphmodel.fitting.exposures import DAY

__all__ = ["exposure_totals_reference"]


def exposure_totals_reference(
    eco: Ecosystem,
    *,
    level: str = "category",
    window_days: int = 30,
    layers: tuple[str, ...] = ("social", "payment", "transfer"),
    t_end: float | None = None,
) -> dict[tuple[int, int, int, int], list[int]]:
    """``{(item, k_social, k_payment, k_transfer): [non-adoption days, adoptions]}`` over every user, item, day."""
    pay = eco.edges("payment")
    t = np.asarray(pay["first_time"], dtype=float)
    ok = [i for i in range(len(t)) if math.isfinite(t[i]) and (t_end is None or t[i] < t_end)]
    t0 = min(t[i] for i in ok)
    merchants = eco.nodes("merchant")
    if level == "category":
        names = sorted(set(str(c) for c in merchants["category"]))
        item_of = [names.index(str(c)) for c in merchants["category"]]
    else:
        names = list(range(eco.n_merchants))
        item_of = list(range(eco.n_merchants))
    n_items = len(names)
    day = {i: int(math.floor((t[i] - t0) / DAY)) for i in ok}
    last = max(day.values()) if t_end is None else int(math.floor((t_end - t0) / DAY - 1e-9))
    own: dict[tuple[int, int], int] = {}
    at: dict[tuple[int, int], int] = {}  # (user, merchant) -> first day
    for e in ok:
        u, m = int(pay["src"][e]), int(pay["dst"][e])
        key = (u, item_of[m])
        own[key] = min(own.get(key, 10**9), day[e])
        at[(u, m)] = min(at.get((u, m), 10**9), day[e])
    U = eco.n_users
    nbrs: dict[str, list[set[int]]] = {x: [set() for _ in range(U)] for x in ("social", "transfer")}
    soc = eco.edges("social")
    for s, d in zip(soc["src"].tolist(), soc["dst"].tolist()):
        if s != d:
            nbrs["social"][s].add(d)  # s trusts d: d's purchases count for s
            if not eco.social_directed:
                nbrs["social"][d].add(s)
    tra = eco.edges("transfer")
    for s, d in zip(tra["src"].tolist(), tra["dst"].tolist()):
        if s != d:
            nbrs["transfer"][s].add(d)
            nbrs["transfer"][d].add(s)
    link: dict[tuple[int, int], int] = {}
    buyers: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for (u, m), d in at.items():
        buyers[m].append((u, d))
    for lst in buyers.values():
        for u, du in lst:
            for v, dv in lst:
                if u != v:
                    link[(u, v)] = min(link.get((u, v), 10**9), max(du, dv))
    cocust: list[dict[int, int]] = [dict() for _ in range(U)]
    for (u, v), d in link.items():
        cocust[u][v] = d
    out: dict[tuple[int, int, int, int], list[int]] = defaultdict(lambda: [0, 0])
    W = int(window_days)
    for u in range(U):
        for i in range(n_items):
            end = own.get((u, i), last)
            for d in range(0, end + 1):
                k = [0, 0, 0]
                if "social" in layers:
                    for v in nbrs["social"][u]:
                        e = own.get((v, i))
                        if e is not None and e < d <= e + W:
                            k[0] += 1
                if "payment" in layers:
                    for v, lv in cocust[u].items():
                        e = own.get((v, i))
                        if e is not None and e > lv and e < d <= e + W:
                            k[1] += 1
                if "transfer" in layers:
                    for v in nbrs["transfer"][u]:
                        e = own.get((v, i))
                        if e is not None and e < d <= e + W:
                            k[2] += 1
                y = 1 if ((u, i) in own and d == own[(u, i)]) else 0
                cell = out[(i, k[0], k[1], k[2])]
                cell[0] += 1 - y
                cell[1] += y
    return dict(out)
