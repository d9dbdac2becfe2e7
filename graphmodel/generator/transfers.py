"""Transfer layer: money sent mostly along social ties, small amounts, a ``kind``.

``Poisson(users * transfers_per_user)`` transfer relations are drawn. A
``transfer_social_share`` of them follow a social tie (a tie chosen in
proportion to its weight, in a random direction); the rest go to a random
user of the sender's city. Each relation is a ``red_envelope`` (share
``red_envelope_share``), a ``bill_split`` (``bill_split_share``) or a
``repayment``; it carries ``count = 1 + Poisson(transfer_repeat_mean - 1)``
transfers whose amounts are log-normal around the kind's median. Relations
repeated between the same sender and receiver merge (counts and amounts add,
the first relation's kind is kept).
"""

from __future__ import annotations

import numpy as np

from graphmodel.generator.params import GenerateParams
from graphmodel.generator.users import Users

__all__ = ["make_transfers", "KINDS"]

KINDS: tuple[str, ...] = ("red_envelope", "bill_split", "repayment")


def make_transfers(
    p: GenerateParams, users: Users, social: dict[str, np.ndarray], rng: np.random.Generator
) -> dict[str, np.ndarray]:
    U = p.users
    n = int(rng.poisson(U * p.transfers_per_user))
    n_ties = len(social["src"])
    n_social = int(rng.binomial(n, p.transfer_social_share)) if n_ties else 0
    cw = np.cumsum(social["weight"]) if n_ties else np.zeros(0)
    if n_social and cw[-1] <= 0:  # every tie has weight 0: choose ties uniformly
        cw = np.arange(1, n_ties + 1, dtype=float)
    tie = np.searchsorted(cw, np.sort(rng.random(n_social)) * (cw[-1] if n_social else 0.0), side="right").clip(
        0, max(n_ties - 1, 0)
    )
    flip = rng.random(n_social) < 0.5
    a, b = social["src"][tie], social["dst"][tie]
    src_s, dst_s = np.where(flip, b, a), np.where(flip, a, b)
    n_other = n - n_social
    src_o = rng.integers(0, U, size=n_other)
    cty = users.city[src_o]
    lo, hi = users.city_start[cty], users.city_start[cty + 1]
    dst_o = lo + (rng.random(n_other) * (hi - lo)).astype(np.int64)
    src = np.concatenate([src_s, src_o]).astype(np.int64)
    dst = np.concatenate([dst_s, dst_o]).astype(np.int64)

    u = rng.random(n)
    kind = np.where(u < p.red_envelope_share, 0, np.where(u < p.red_envelope_share + p.bill_split_share, 1, 2))
    count = 1 + rng.poisson(p.transfer_repeat_mean - 1.0, size=n)
    median = np.where(kind == 0, p.red_envelope_median, p.transfer_median)
    amount = count * median * np.exp(p.transfer_sigma * rng.standard_normal(n))

    keep = src != dst
    src, dst, kind, count, amount = src[keep], dst[keep], kind[keep], count[keep], amount[keep]
    key = src * np.int64(U) + dst
    srt = np.argsort(key, kind="stable")
    key = key[srt]
    if len(key):
        starts = np.flatnonzero(np.concatenate([[True], key[1:] != key[:-1]]))
        count = np.add.reduceat(count[srt], starts)
        amount = np.add.reduceat(amount[srt], starts)
        kind = kind[srt][starts]
        key = key[starts]
    return {
        "src": key // U,
        "dst": key % U,
        "count": count.astype(np.int64),
        "amount": np.round(amount, 2),
        "kind": np.array(KINDS)[kind] if len(key) else np.zeros(0, dtype="<U12"),
    }
