"""Sweeps over per-layer transmission probabilities and the winner map they give.

A sweep names one or two layers and the values to try (``social=0.01:0.2:8``
is 8 values from 0.01 to 0.2). In every cell of the grid the two contending
single-layer scenarios run with common random numbers and the paired
difference of purchases decides the cell: a layer *wins* a cell when the 95%
interval of the difference excludes 0; otherwise the cell is *uncertain*
(the leading layer is still named).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from graphmodel.ecosystem import LAYERS
from graphmodel.errors import InputError
from graphmodel.estimate import Estimate

__all__ = ["WinnerMap", "parse_winner_sweep", "contenders_for"]


def _values(text: str, layer: str) -> list[float]:
    text = text.strip()
    try:
        if ":" in text:
            parts = text.split(":")
            if len(parts) != 3:
                raise ValueError
            lo, hi, n = float(parts[0]), float(parts[1]), int(parts[2])
            if n < 1:
                raise ValueError
            vals = np.linspace(lo, hi, n).tolist() if n > 1 else [lo]
        else:
            vals = [float(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise InputError(f"expected 'LO:HI:N' or 'V1,V2,...', got {text!r}", field=f"sweep {layer}") from None
    if not vals:
        raise InputError("no value to sweep", field=f"sweep {layer}")
    for v in vals:
        if not 0.0 <= v <= 1.0 or math.isnan(v):
            raise InputError(f"a probability must be in [0, 1], got {v}", field=f"sweep {layer}")
    return [round(float(v), 12) for v in vals]


def parse_winner_sweep(spec: str | Sequence[str] | Mapping[str, Any] | None) -> dict[str, list[float]]:
    """``{layer: values}`` from ``["social=0.01:0.2:8", "payment=0.05,0.1"]`` or a mapping (at most two layers).

    Examples
    --------
    >>> parse_winner_sweep(["social=0.1:0.3:3", "payment=0.05,0.1"])
    {'social': [0.1, 0.2, 0.3], 'payment': [0.05, 0.1]}
    """
    if spec is None:
        return {}
    if isinstance(spec, str):
        spec = [spec]
    out: dict[str, list[float]] = {}
    items = list(spec.items()) if isinstance(spec, Mapping) else []
    if not isinstance(spec, Mapping):
        for s in spec:
            if not isinstance(s, str) or "=" not in s:
                raise InputError(f"expected 'layer=LO:HI:N', got {s!r}", field="sweep")
            k, v = s.split("=", 1)
            items.append((k.strip(), v))
    for k, v in items:
        if k not in LAYERS:
            raise InputError(f"unknown layer {k!r}; expected one of {', '.join(LAYERS)}", field="sweep")
        if k in out:
            raise InputError(f"layer {k!r} swept twice", field="sweep")
        out[k] = _values(v, k) if isinstance(v, str) else _values(",".join(str(x) for x in v), k)
    if len(out) > 2:
        raise InputError(f"sweep at most two layers (a winner map), got {', '.join(out)}", field="sweep")
    return out


def contenders_for(axes: Mapping[str, Sequence[float]]) -> tuple[str, str]:
    """The two single-layer scenarios a winner map compares.

    Two swept layers contend with each other; one swept layer contends with
    ``social`` (or, for ``social``, with ``payment``).
    """
    names = list(axes)
    if len(names) == 2:
        return names[0], names[1]
    if names == ["social"]:
        return "payment", "social"
    return names[0], "social"


@dataclass(frozen=True)
class WinnerMap:
    """A winner map.

    Attributes
    ----------
    axes : dict of str to list of float
        Swept layers and their values (first axis = rows).
    contenders : (str, str)
        The scenarios compared; ``diff`` is ``contenders[0] - contenders[1]``.
    metric : str
        What decides a cell (``"purchases"``).
    diff : list (of lists) of Estimate
        Paired difference per cell, shaped like the grid.
    runs : int
        Runs per scenario and cell.
    """

    axes: dict[str, list[float]]
    contenders: tuple[str, str]
    metric: str
    diff: list[Any]
    runs: int
    fixed_prob: dict[str, Any] = field(default_factory=dict)

    def _cells(self) -> list[Estimate]:
        if len(self.axes) == 1:
            return list(self.diff)
        return [e for row in self.diff for e in row]

    @staticmethod
    def decide(e: Estimate, a: str, b: str) -> tuple[str, bool]:
        """(leading layer, uncertain?) of one cell."""
        lo, hi = e.ci95
        lead = a if e.mean > 0 else b if e.mean < 0 else "tie"
        certain = (lo > 0 or hi < 0) if not (math.isnan(lo) or math.isnan(hi)) else False
        return lead, not certain

    def winners(self) -> list[Any]:
        """The winner grid: each cell ``{"winner": name, "uncertain": bool}``, shaped like :attr:`diff`."""
        a, b = self.contenders

        def one(e: Estimate) -> dict[str, Any]:
            w, u = self.decide(e, a, b)
            return {"winner": w, "uncertain": u}

        if len(self.axes) == 1:
            return [one(e) for e in self.diff]
        return [[one(e) for e in row] for row in self.diff]

    def counts(self) -> dict[str, int]:
        """Cells won by each contender, and uncertain cells."""
        a, b = self.contenders
        out = {a: 0, b: 0, "uncertain": 0}
        for e in self._cells():
            w, u = self.decide(e, a, b)
            if u or w == "tie":
                out["uncertain"] += 1
            else:
                out[w] += 1
        return out

    def to_dict(self) -> dict[str, Any]:
        def d(x: Any) -> Any:
            return [d(y) for y in x] if isinstance(x, list) else x.to_dict()

        return {
            "axes": {k: list(v) for k, v in self.axes.items()},
            "contenders": list(self.contenders),
            "metric": self.metric,
            "diff": d(self.diff),
            "winner": self.winners(),
            "counts": self.counts(),
            "runs": self.runs,
            "fixed_prob": dict(self.fixed_prob),
        }
