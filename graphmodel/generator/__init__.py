"""Synthetic ecosystems: users, merchants, social ties, payments and transfers.

:func:`generate` builds an :class:`~graphmodel.Ecosystem` from a preset
(``balanced``, ``payment-first``, ``social-first``; see :func:`presets`) and
parameter overrides (every parameter is listed in
:data:`~graphmodel.generator.params.PARAMETERS`). One module per part:
:mod:`.users`, :mod:`.social`, :mod:`.merchants`, :mod:`.payments`,
:mod:`.transfers`; each part has its own random stream (a child
:class:`numpy.random.SeedSequence`), so changing, say, the transfer parameters
leaves the social layer unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from graphmodel._seed import SeedLike, as_seed_sequence
from graphmodel.ecosystem import Ecosystem
from graphmodel.generator.merchants import make_merchants
from graphmodel.generator.params import CATEGORIES, PARAMETERS, GenerateParams, ParamSpec, make_params
from graphmodel.generator.payments import make_payments
from graphmodel.generator.presets import Preset, get_preset, parameter_table, presets
from graphmodel.generator.social import make_social
from graphmodel.generator.transfers import make_transfers
from graphmodel.generator.users import make_users

__all__ = [
    "generate",
    "presets",
    "parameter_table",
    "Preset",
    "GenerateParams",
    "ParamSpec",
    "PARAMETERS",
    "CATEGORIES",
    "make_params",
]

#: Order of the child seed streams; append new parts at the end to keep old streams stable.
_PARTS = ("users", "social", "merchants", "payments", "transfers", "shuffle", "timeline")


def _seed_record(seed: SeedLike, ss: np.random.SeedSequence) -> Any:
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
        return int(seed)
    entropy = ss.entropy
    entropy = [int(x) for x in entropy] if isinstance(entropy, (list, tuple, np.ndarray)) else int(entropy)
    return {"entropy": entropy, "spawn_key": [int(x) for x in ss.spawn_key]}


def _names(prefix: str, n: int) -> np.ndarray:
    width = len(str(max(n - 1, 0)))
    return np.array([f"{prefix}{i:0{width}d}" for i in range(n)])


def generate(
    *,
    preset: str = "balanced",
    users: int | None = None,
    merchants: int | None = None,
    seed: SeedLike = None,
    timeline: Any = None,
    progress: Callable[[int, int], None] | None = None,
    **params: Any,
) -> Ecosystem:
    """Generate a synthetic ecosystem.

    Parameters
    ----------
    preset
        ``"balanced"``, ``"payment-first"`` or ``"social-first"`` (see :func:`presets`).
    users, merchants
        Sizes (default: 10 000 users, ``users // 20`` merchants).
    seed
        int, SeedSequence or Generator; the same arguments and seed give the same ecosystem.
    timeline
        ``True``, a mapping or a :class:`~graphmodel.generator.timeline.TimelineParams`: replace the
        payment layer with timestamped first purchases (``first_time``) from a timed cascade with known
        per-layer transmission and background (see :mod:`graphmodel.generator.timeline`); the truth
        goes to ``meta["timeline"]``. Default: no timeline (static payments, no times).
    progress
        Called as ``progress(done, total)`` after each part (users, social ties, merchants, payments,
        transfers, tables, the timeline); nothing is printed.
    **params
        Overrides of any parameter in :data:`PARAMETERS` (values may be strings, as from a command line).

    Returns
    -------
    Ecosystem
        Users (``city``, ``community``, ``purchasing_power``, ``activity``,
        ``top_interest``, ``interest_strength``), merchants (``category``,
        ``price_level``, ``channel``, ``city``, ``popularity``), an undirected
        ``social`` layer (``weight``), ``payment`` (``count``, ``amount``,
        ``channel``) and ``transfer`` (``count``, ``amount``, ``kind``).
        ``meta`` records the generator, preset, every parameter value and the seed.

    Raises
    ------
    InputError
        Unknown preset or parameter, or a value outside its range (the message names it).

    Examples
    --------
    >>> import graphmodel as gm
    >>> eco = gm.generate(preset="payment-first", users=2000, seed=7)
    >>> eco.n_users, eco.n_merchants
    (2000, 100)
    >>> set(eco.edges("payment")["channel"]) <= {"online", "offline"}
    True
    """
    chosen = get_preset(preset)
    overrides = dict(params)
    if users is not None:
        overrides["users"] = users
    if merchants is not None:
        overrides["merchants"] = merchants
    p = chosen.params(**overrides)
    ss = as_seed_sequence(seed)
    streams = dict(zip(_PARTS, (np.random.default_rng(s) for s in ss.spawn(len(_PARTS)))))

    with_timeline = timeline is not None and timeline is not False
    total, step = 6 + with_timeline, [0]

    def advance() -> None:
        step[0] += 1
        if progress is not None:
            progress(step[0], total)

    u = make_users(p, streams["users"])
    advance()
    social = make_social(p, u, streams["social"])
    advance()
    m = make_merchants(p, u, streams["merchants"])
    advance()
    payment, given_up = make_payments(p, u, m, streams["payments"])
    advance()
    transfer = make_transfers(p, u, social, streams["transfers"])
    advance()

    # Users were built grouped by city and community; shuffle the rows so that
    # row order carries no information.
    perm = streams["shuffle"].permutation(p.users)
    new_row = np.empty_like(perm)
    new_row[perm] = np.arange(p.users)
    categories = np.array([c[0] for c in CATEGORIES])
    cities = _names("city", p.n_cities)
    user_table = {
        "city": cities[u.city[perm]],
        "community": u.community[perm],
        "purchasing_power": np.round(u.power[perm], 2),
        "activity": np.round(u.activity[perm], 4),
        "top_interest": categories[u.top_interest[perm]],
        "interest_strength": np.round(u.interest_strength[perm], 4),
    }
    merchant_table = {
        "category": categories[m.category],
        "price_level": np.round(m.price, 2),
        "channel": np.where(m.offline, "offline", "online"),
        "city": np.where(m.offline, cities[np.maximum(m.city, 0)], ""),
        "popularity": np.round(m.popularity, 4),
    }
    social_table = {
        "src": new_row[social["src"]],
        "dst": new_row[social["dst"]],
        "weight": np.round(social["weight"], 4),
    }
    payment_table = {
        "src": new_row[payment["src"]],
        "dst": payment["dst"],
        "count": payment["count"],
        "amount": payment["amount"],
        "channel": np.where(payment["offline"], "offline", "online"),
    }
    transfer_table = {
        "src": new_row[transfer["src"]],
        "dst": new_row[transfer["dst"]],
        **{k: v for k, v in transfer.items() if k not in ("src", "dst")},
    }
    meta = {
        "name": f"synthetic-{chosen.name}",
        "description": f"graphmodel.generator, preset {chosen.name}: {chosen.rationale}",
        "generator": "graphmodel.generator",
        "preset": chosen.name,
        "params": {**p.to_dict(), "merchants": p.n_merchants},
        "seed": _seed_record(seed, ss),
        "categories": {name: price for name, price, _ in CATEGORIES},
        "payment_choices_given_up": int(given_up),
    }
    advance()
    if with_timeline:
        from graphmodel.generator.timeline import TimelineParams, make_timeline

        tp = TimelineParams.from_options(timeline)
        payment_table, meta["timeline"] = make_timeline(
            user_table,
            merchant_table,
            social_table,
            transfer_table,
            tp,
            streams["timeline"],
            [c[0] for c in CATEGORIES],
        )
        meta["description"] += "; payments are the first purchases of a timed cascade (meta.timeline holds the truth)"
        advance()
    for table in (user_table, merchant_table, social_table, payment_table, transfer_table):
        for col in table.values():
            col.flags.writeable = False  # read-only columns go into the tables without a copy
    return Ecosystem(
        user_table, merchant_table, social=social_table, payment=payment_table, transfer=transfer_table, meta=meta
    )
