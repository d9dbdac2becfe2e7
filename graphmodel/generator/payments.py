"""Payment layer: users choose merchants by popularity, locality, affordability and interest.

A user ``u`` makes ``Poisson(payments_per_user * activity_u)`` merchant choices.
Each choice picks merchant ``m`` with probability proportional to::

    popularity_m * locality(u, m) * afford(price_m / power_u) * (1 - c + c * interest[u, category_m])

with ``c = interest_purchase_coupling`` and ``afford(x) = 1 / (1 + x^s)``.
Locality: an offline merchant serves only its own city; inside a city the
offline merchants share the same total attraction as the offline merchants of
the whole market (so the offline share of choices does not depend on the
city's size, and a small town's shop is not drowned by the national online
stores). Online merchants serve everyone.

Sampling is exact and vectorised: a choice is proposed from popularity,
locality and interest (a block ``(channel, city, category)`` by the user's
block weights, then a merchant of the block by popularity: cumulative sums and
searchsorted), and accepted with probability ``afford``; rejected choices are
proposed again, up to :data:`MAX_ROUNDS` times (a user who can afford almost
nothing buys less). Repeated choices of the same merchant merge into one edge;
``count`` is the number of payments and ``amount`` their total.
"""

from __future__ import annotations

import numpy as np

from graphmodel.generator.merchants import Merchants
from graphmodel.generator.params import CATEGORIES, GenerateParams
from graphmodel.generator.users import Users

__all__ = ["make_payments", "MAX_ROUNDS"]

#: Proposals per choice before giving up (the user cannot afford what attracts them).
MAX_ROUNDS = 50
_CHUNK = 65_536


def _draw_in_ranges(cw: np.ndarray, start: np.ndarray, end: np.ndarray, r: np.ndarray) -> np.ndarray:
    x = cw[start] + r * (cw[end] - cw[start])
    return np.clip(np.searchsorted(cw, x, side="right") - 1, start, end - 1)


def make_payments(
    p: GenerateParams, users: Users, merchants: Merchants, rng: np.random.Generator
) -> tuple[dict[str, np.ndarray], int]:
    """Payment edges (user row, merchant row, count, amount, offline flag) and the number of choices given up."""
    U, C, M = p.users, len(CATEGORIES), len(merchants.price)
    n_cities = len(users.city_start) - 1
    c = p.interest_purchase_coupling
    block = np.where(merchants.offline, C + merchants.city * C + merchants.category, merchants.category)
    n_blocks = C + n_cities * C
    order = np.argsort(block, kind="stable")
    bstart = np.searchsorted(block[order], np.arange(n_blocks + 1))
    cpop = np.concatenate([[0.0], np.cumsum(merchants.popularity[order])])
    mass = np.bincount(block, weights=merchants.popularity, minlength=n_blocks)
    online = mass[:C]
    off = mass[C:].reshape(n_cities, C)
    per_city = off.sum(axis=1, keepdims=True)
    off = np.divide(off * off.sum(), per_city, out=np.zeros_like(off), where=per_city > 0)

    k = rng.poisson(p.payments_per_user * users.activity)
    out_u, out_m = [], []
    given_up = 0
    for u0 in range(0, U, _CHUNK):
        u1 = min(U, u0 + _CHUNK)
        n = u1 - u0
        f = (1.0 - c) + c * users.interest[u0:u1].astype(np.float64)
        w = np.concatenate([online[None, :] * f, off[users.city[u0:u1]] * f], axis=1)
        cum = np.cumsum(w, axis=1)
        total = cum[:, -1].copy()
        ok = total > 0
        cum /= np.where(ok, total, 1.0)[:, None]
        flat = (cum + np.arange(n, dtype=np.float64)[:, None]).ravel()
        lu = np.repeat(np.arange(n, dtype=np.int64), k[u0:u1])
        given_up += int((~ok[lu]).sum())
        lu = lu[ok[lu]]
        for _ in range(MAX_ROUNDS):
            if not len(lu):
                break
            j = np.clip(np.searchsorted(flat, lu + rng.random(len(lu)), side="right") - lu * (2 * C), 0, 2 * C - 1)
            b = np.where(j < C, j, C + users.city[u0 + lu] * C + (j - C))
            m = order[_draw_in_ranges(cpop, bstart[b], bstart[b + 1], rng.random(len(lu)))]
            x = merchants.price[m] / users.power[u0 + lu]
            accept = rng.random(len(lu)) * (1.0 + x**p.affordability_steepness) < 1.0
            out_u.append(u0 + lu[accept])
            out_m.append(m[accept])
            lu = lu[~accept]
        given_up += len(lu)
    uu = np.concatenate(out_u) if out_u else np.zeros(0, np.int64)
    mm = np.concatenate(out_m) if out_m else np.zeros(0, np.int64)
    visits = 1 + rng.poisson(p.visits_mean - 1.0, size=len(uu))
    s = p.amount_sigma
    amount = visits * merchants.price[mm] * np.exp(s * rng.standard_normal(len(uu)) - s * s / 2)
    key = uu * np.int64(M) + mm
    srt = np.argsort(key, kind="stable")
    key = key[srt]
    starts = np.flatnonzero(np.concatenate([[True], key[1:] != key[:-1]])) if len(key) else np.zeros(0, np.int64)
    count = np.add.reduceat(visits[srt], starts) if len(key) else np.zeros(0, np.int64)
    total_amount = np.add.reduceat(amount[srt], starts) if len(key) else np.zeros(0)
    key = key[starts]
    dst = key % M
    edges = {
        "src": key // M,
        "dst": dst,
        "count": count.astype(np.int64),
        "amount": np.round(total_amount, 2),
        "offline": merchants.offline[dst],
    }
    return edges, given_up
