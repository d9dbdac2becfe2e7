"""Train/test splits of the payment layer that never let the future leak into training.

Two kinds:

* ``time``: a payment edge is *test* when its ``first_time`` is at or after
  ``test_from`` and *train* when it is before (edges without a time belong to
  neither and are counted). Only training edges feed the scorers.
* ``random``: each edge is test with probability ``test_fraction`` (a seeded
  draw), for data without times (Epinions).

Social and transfer ties carry no time in the real datasets (the Ciao and
Epinions trust lists are crawl-time snapshots), so every tie is used in both
periods; a tie formed after ``test_from`` is therefore visible in training.
That is the only information from the future that the time split lets in, and
it only ever helps the social scorer. It is recorded in ``Split.info``.

For the fitted combination, a *validation* slice is carved out of the training
edges the same way (the last ``val_fraction`` of training edges by time, or a
random share), so the combination never sees a test edge.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from graphmodel._seed import SeedLike, as_generator
from graphmodel.ecosystem import Ecosystem
from graphmodel.errors import InputError

#: A time: unix seconds (int or float) or an ISO date ``YYYY-MM-DD[THH:MM:SS]`` (UTC when no zone is given).
TimeLike = int | float | str

__all__ = ["Split", "time_split", "random_split", "make_split", "parse_time"]


@dataclass(frozen=True)
class Split:
    """Boolean masks over the payment edges.

    Attributes
    ----------
    train, test
        Disjoint masks; ``train`` edges are the only purchases scorers see.
    info
        JSON-ready description (kind, cut time, counts, caveats).
    """

    train: np.ndarray
    test: np.ndarray
    info: dict[str, Any] = field(default_factory=dict)


def parse_time(value: TimeLike, *, field_name: str = "test_from") -> int:
    """Unix seconds from an int/float or an ISO date ``YYYY-MM-DD[THH:MM:SS]`` (UTC).

    Examples
    --------
    >>> parse_time("2010-01-01")
    1262304000
    >>> parse_time(5)
    5
    """
    if isinstance(value, (bool, np.bool_)):
        raise InputError(f"expected a date or unix seconds, got {value!r}", field=field_name)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)) and np.isfinite(value):
        return int(value)
    if isinstance(value, str):
        s = value.strip()
        try:
            return int(s)
        except ValueError:
            pass
        try:
            d = _dt.datetime.fromisoformat(s)
        except ValueError:
            raise InputError(f"expected a date YYYY-MM-DD or unix seconds, got {value!r}", field=field_name) from None
        if d.tzinfo is None:
            d = d.replace(tzinfo=_dt.timezone.utc)
        return int(d.timestamp())
    raise InputError(f"expected a date YYYY-MM-DD or unix seconds, got {value!r}", field=field_name)


def _iso(t: int) -> str:
    return _dt.datetime.fromtimestamp(int(t), _dt.timezone.utc).strftime("%Y-%m-%d")


def _times(eco: Ecosystem) -> tuple[np.ndarray, np.ndarray]:
    pay = eco.edges("payment")
    if "first_time" not in pay:
        raise InputError(
            "a time split needs payment times (column first_time); this ecosystem has none: use split='random'",
            source="payment",
            field="first_time",
        )
    t = pay["first_time"]
    if t.dtype.kind == "f":
        known = np.isfinite(t)
        return np.where(known, t, 0).astype(np.int64), known
    return t.astype(np.int64), np.ones(len(t), dtype=bool)


def _check_fraction(x: float, name: str) -> float:
    x = float(x)
    if not 0.0 < x < 1.0:
        raise InputError(f"expected a fraction strictly between 0 and 1, got {x}", field=name)
    return x


def time_split(
    eco: Ecosystem, *, test_from: TimeLike | None = None, test_fraction: float = 0.2, within: np.ndarray | None = None
) -> Split:
    """Split payment edges at a time: ``first_time < test_from`` is train, the rest is test.

    ``test_from=None`` puts the cut at the time that leaves ``test_fraction``
    of the timed edges in the test period. ``within`` restricts the split to a
    subset of edges (used to carve a validation slice out of training).

    Examples
    --------
    >>> import graphmodel as gm
    >>> eco = gm.Ecosystem.from_labels(users={"id": [1]}, merchants={"id": [7, 8]},
    ...     payment={"user": [1, 1], "merchant": [7, 8], "first_time": [10, 20]})
    >>> s = time_split(eco, test_from=15)
    >>> s.train.tolist(), s.test.tolist()
    ([True, False], [False, True])
    """
    t, known = _times(eco)
    scope = known if within is None else (known & within)
    if test_from is None:
        _check_fraction(test_fraction, "test_fraction")
        if not scope.any():
            raise InputError("no timed payment edges to split", source="payment", field="first_time")
        cut = int(np.quantile(t[scope], 1.0 - test_fraction, method="higher"))
    else:
        cut = parse_time(test_from)
    train = scope & (t < cut)
    test = scope & (t >= cut)
    info = {
        "kind": "time",
        "test_from": cut,
        "test_from_date": _iso(cut),
        "train_edges": int(train.sum()),
        "test_edges": int(test.sum()),
        "untimed_edges": int((~known).sum() if within is None else (~known & within).sum()),
        "caveat": "social/transfer ties have no time: all ties are used for training and test",
    }
    return Split(train, test, info)


def random_split(
    eco: Ecosystem, *, test_fraction: float = 0.2, seed: SeedLike = None, within: np.ndarray | None = None
) -> Split:
    """Each payment edge (in ``within``, default all) is test with probability ``test_fraction``."""
    _check_fraction(test_fraction, "test_fraction")
    n = eco.n_edges("payment")
    scope = np.ones(n, dtype=bool) if within is None else np.asarray(within, dtype=bool)
    draw = as_generator(seed).random(n) < test_fraction
    test = scope & draw
    train = scope & ~draw
    info = {
        "kind": "random",
        "test_fraction": test_fraction,
        "train_edges": int(train.sum()),
        "test_edges": int(test.sum()),
    }
    return Split(train, test, info)


def make_split(
    eco: Ecosystem,
    kind: str,
    *,
    test_from: TimeLike | None = None,
    test_fraction: float = 0.2,
    seed: SeedLike = None,
    within: np.ndarray | None = None,
) -> Split:
    """Dispatch on ``kind`` (``"time"`` or ``"random"``)."""
    if kind == "time":
        return time_split(eco, test_from=test_from, test_fraction=test_fraction, within=within)
    if kind == "random":
        if test_from is not None:
            raise InputError("test_from only applies to split='time'", field="test_from")
        return random_split(eco, test_fraction=test_fraction, seed=seed, within=within)
    raise InputError(f"unknown split {kind!r}; expected 'time' or 'random'", field="split")
