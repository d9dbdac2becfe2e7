"""Argument checks shared by the public functions: one wording, one rule, one place.

Each check raises :class:`graphmodel.errors.InputError` naming the argument
(``field``) and what was expected, and returns the value, so a check reads as
an assignment. Booleans are never accepted as numbers.

Examples
--------
>>> check_positive_int(3, "runs")
3
>>> check_probability(0.25, "switching")
0.25
>>> check_positive_int(0, "runs")
Traceback (most recent call last):
...
graphmodel.errors.InputError: 'runs': runs must be a positive integer, got 0
>>> check_int(0, "validate_runs", at_least=0)
0
>>> check_positive_number(float("nan"), "target_ci")
Traceback (most recent call last):
...
graphmodel.errors.InputError: 'target_ci': target_ci must be a number > 0, got nan
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from graphmodel.errors import InputError

__all__ = [
    "check_int",
    "check_positive_int",
    "check_optional_nonneg_int",
    "check_positive_number",
    "check_probability",
    "check_workers",
]


def _is_int(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, (int, np.integer))


def check_int(value: Any, name: str, *, at_least: int = 1) -> Any:
    """``value`` if it is an integer >= ``at_least``, else an :class:`InputError` on field ``name``."""
    if not _is_int(value) or value < at_least:
        what = "a positive integer" if at_least == 1 else f"an integer >= {at_least}"
        raise InputError(f"{name} must be {what}, got {value!r}", field=name)
    return value


def check_positive_int(value: Any, name: str) -> Any:
    """``value`` if it is an integer >= 1, else an :class:`InputError` on field ``name``."""
    return check_int(value, name, at_least=1)


def check_optional_nonneg_int(value: Any, name: str) -> Any:
    """``value`` if it is None or an integer >= 0 (a step limit, say)."""
    if value is not None and (not _is_int(value) or value < 0):
        raise InputError(f"{name} must be an integer >= 0, got {value!r}", field=name)
    return value


def check_positive_number(value: Any, name: str) -> Any:
    """``value`` if it is a finite number > 0 (not a bool): a target width, a budget."""
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float, np.integer, np.floating))
        or not math.isfinite(value)
        or not value > 0
    ):
        raise InputError(f"{name} must be a number > 0, got {value!r}", field=name)
    return value


def check_probability(value: Any, name: str) -> Any:
    """``value`` if it is a number in [0, 1] (not NaN, not a bool)."""
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float, np.integer, np.floating))
        or math.isnan(value)
        or not 0.0 <= value <= 1.0
    ):
        raise InputError(f"{name} must be a probability in [0, 1], got {value!r}", field=name)
    return value


def check_workers(value: Any) -> Any:
    """``workers``: None (numba's setting) or a number of threads >= 1."""
    if value is not None and (isinstance(value, bool) or int(value) < 1):
        raise InputError(f"workers must be >= 1, got {value}", field="workers")
    return value
