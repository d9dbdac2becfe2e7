"""The grammar of a contest sweep: ``PARAM=START:STOP:NUM`` over a platform's budget or strength, or a contest option."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from graphmodel.competition.platform import Platform
from graphmodel.errors import InputError

__all__ = ["parse_contest_sweep", "apply_sweep", "SWEEP_OPTIONS"]

#: Contest options a sweep may vary (besides ``NAME.budget`` and ``NAME.strength.LAYER``).
SWEEP_OPTIONS = ("switching", "lock_in", "multihoming", "merchant_carry")


def parse_contest_sweep(text: str) -> tuple[str, tuple[float, ...]]:
    """``"wallet.budget=10:100:10"`` -> ("wallet.budget", (10, 20, ..., 100)).

    Values: ``START:STOP:NUM`` (NUM evenly spaced values, both ends included),
    a comma-separated list, or one value. Parameters: ``NAME.budget``,
    ``NAME.strength.LAYER``, and the contest options ``switching``,
    ``lock_in``, ``multihoming``, ``merchant_carry``.

    Examples
    --------
    >>> parse_contest_sweep("wallet.strength.payment=0.05:0.2:4")
    ('wallet.strength.payment', (0.05, 0.1, 0.15, 0.2))
    """
    if not isinstance(text, str) or "=" not in text:
        raise InputError(f"expected 'PARAM=START:STOP:NUM' or 'PARAM=v1,v2,...', got {text!r}", field="sweep")
    param, values = (s.strip() for s in text.split("=", 1))
    try:
        if ":" in values:
            a, b, n = values.split(":")
            num = int(n)
            if num < 1:
                raise ValueError
            vals = tuple(float(x) for x in np.round(np.linspace(float(a), float(b), num), 12))
        else:
            vals = tuple(float(x) for x in values.split(",") if x.strip())
    except ValueError:
        raise InputError(
            f"bad sweep values {values!r}; expected START:STOP:NUM (NUM >= 1) or v1,v2,...", field="sweep"
        ) from None
    if not vals or not all(math.isfinite(v) for v in vals):
        raise InputError(f"bad sweep values {values!r}", field="sweep")
    return param, vals


def apply_sweep(
    param: str, value: float, platforms: list[Platform], options: dict[str, Any]
) -> tuple[list[Platform], dict]:
    parts = param.split(".")
    if parts[0] == "contest":
        parts = parts[1:]
    if len(parts) == 1 and parts[0] in SWEEP_OPTIONS:
        return platforms, {**options, parts[0]: value}
    names = [p.name for p in platforms]
    if parts[0] not in names:
        raise InputError(
            f"sweep parameter {param!r}: no platform {parts[0]!r} (platforms: {', '.join(names)}); "
            f"contest options: {', '.join(SWEEP_OPTIONS)}",
            field="sweep",
        )
    i = names.index(parts[0])
    p = platforms[i]
    if parts[1:] == ["budget"]:
        if not float(value).is_integer() or value < 1:
            raise InputError(f"sweep {param}: a budget must be a positive integer, got {value}", field="sweep")
        p = p.with_budget(int(value))
    elif len(parts) == 3 and parts[1] == "strength":
        if not 0.0 <= value <= 1.0:
            raise InputError(f"sweep {param}: a strength must be in [0, 1], got {value}", field="sweep")
        p = p.with_strength(parts[2], float(value))
    else:
        raise InputError(f"sweep parameter {param!r}: expected NAME.budget or NAME.strength.LAYER", field="sweep")
    return [*platforms[:i], p, *platforms[i + 1 :]], options
