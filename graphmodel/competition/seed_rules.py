"""Seed rules of a platform: how each platform's seed nodes are drawn.

A platform's ``seeds`` are any rule of :mod:`graphmodel.seedsets`, ``imm:K``
(influence maximisation as if the platform were alone) or, as its only rule,
``imm-vs:K`` (:data:`FOLLOWER_RULE`: chosen against the rival's seeds, see
:mod:`graphmodel.competition.follower`). The contest-level resolution, with
its cache across the points of a sweep, is
:func:`graphmodel.competition.engine.resolve_seeds`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from graphmodel.competition.platform import Platform
from graphmodel.errors import InputError

if TYPE_CHECKING:
    from graphmodel.ecosystem import Ecosystem

__all__ = ["FOLLOWER_RULE", "platform_seeds", "follower_rule", "check_followers"]

#: Seed rule of a platform that chooses its seeds against its rival's (see graphmodel.competition.follower).
FOLLOWER_RULE = "imm-vs"


def platform_seeds(eco: Ecosystem, p: Platform, ss: np.random.SeedSequence, workers: int | None) -> np.ndarray:
    """Global node numbers of platform ``p``'s seeds (its rules, ``imm:K`` included) drawn from ``ss``."""
    from graphmodel.seedsets import resolve_seeds

    if follower_rule(p) is not None:
        raise InputError(
            f"platform {p.name!r}: {FOLLOWER_RULE} seeds depend on the rival's; use contest_seeds", field="seeds"
        )
    spec = p.seed_spec()
    items = [x.strip() for x in spec.split(",") if x.strip()]
    imm = [x for x in items if x.split(":", 1)[0] == "imm"]
    rest = [x for x in items if x.split(":", 1)[0] != "imm"]
    imm_ss, rule_ss = ss.spawn(2)
    parts: list[np.ndarray] = []
    for item in imm:
        k, node_type = _k_and_type(p, item, "imm")
        from graphmodel.seeding import seeds as choose

        res = choose(
            eco,
            k=k,
            method="imm",
            layers=list(p.layers),
            prob=dict(p.strength),
            node_type=None if node_type == "any" else node_type,
            seed=imm_ss,
            validate_runs=0,
            workers=workers,
        )
        parts.append(np.asarray(res.nodes, dtype=np.int64))
    if rest:
        try:
            parts.append(resolve_seeds(eco, ",".join(rest), seed=rule_ss, layers=list(p.layers)))
        except InputError as exc:
            raise InputError(f"platform {p.name!r}: {exc.message}", field="seeds") from None
    nodes = np.concatenate(parts) if parts else np.zeros(0, np.int64)
    return np.asarray(list(dict.fromkeys(nodes.tolist())), dtype=np.int64)


def _k_and_type(p: Platform, item: str, rule: str) -> tuple[int, str]:
    """``(K, node type)`` of a seed rule ``RULE:K[:user|merchant|any]`` (type defaults to user)."""
    bits = item.split(":")
    try:
        k = int(bits[1])
        node_type = bits[2] if len(bits) > 2 else "user"
        if len(bits) > 3 or node_type not in ("user", "merchant", "any"):
            raise ValueError
    except (ValueError, IndexError):
        raise InputError(
            f"platform {p.name!r}: bad seed rule {item!r}; expected '{rule}:K[:user|merchant|any]'", field="seeds"
        ) from None
    return k, node_type


def follower_rule(p: Platform) -> tuple[int, str] | None:
    """``(K, node type)`` when ``p``'s seeds are ``imm-vs:K[:type]`` (the only rule then), else None."""
    items = [x.strip() for x in p.seed_spec().split(",") if x.strip()]
    hits = [x for x in items if x.split(":", 1)[0] == FOLLOWER_RULE]
    if not hits:
        return None
    k, node_type = _k_and_type(p, hits[0], FOLLOWER_RULE)
    if len(items) != 1 or k < 1:
        raise InputError(
            f"platform {p.name!r}: bad seed rule {p.seed_spec()!r}; expected '{FOLLOWER_RULE}:K"
            "[:user|merchant|any]' with K >= 1 as the platform's only seed rule",
            field="seeds",
        )
    return k, node_type


def check_followers(platforms: Sequence[Platform], switching: float) -> None:
    followers = [p.name for p in platforms if follower_rule(p) is not None]
    if not followers:
        return
    if len(platforms) != 2 or len(followers) != 1:
        raise InputError(
            f"seed rule {FOLLOWER_RULE!r} (platform {followers[0]!r}) chooses seeds against one rival "
            f"whose seeds are fixed: it needs exactly two platforms, one of them with other seed rules "
            f"(got {len(platforms)} platforms, {len(followers)} using it)",
            field="seeds",
        )
    if switching > 0:
        raise InputError(
            f"seed rule {FOLLOWER_RULE!r} (platform {followers[0]!r}) assumes users never switch; "
            f"got switching={switching}",
            field="switching",
        )
