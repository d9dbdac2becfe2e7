"""What :func:`~graphmodel.competition.compete` returns: per-platform outcomes, the share curve, a sweep."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from graphmodel.estimate import Estimate
from graphmodel.jsonable import json_number

__all__ = ["CompeteResult", "PlatformOutcome", "CompeteSweep"]


@dataclass(frozen=True)
class PlatformOutcome:
    """Final shares of one platform (defined in :mod:`graphmodel.competition.compete`)."""

    users: Estimate
    merchants: Estimate
    gmv: Estimate
    wins: float
    by_layer: dict[str, Estimate] = field(default_factory=dict)
    n_seeds: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "users": self.users.to_dict(),
            "merchants": self.merchants.to_dict(),
            "gmv": self.gmv.to_dict(),
            "wins": float(self.wins),
            "by_layer": {k: v.to_dict() for k, v in self.by_layer.items()},
            "n_seeds": int(self.n_seeds),
        }


@dataclass(frozen=True)
class CompeteSweep:
    """A contest re-run at each value of one parameter, with the same coins (paired).

    ``points[i]`` holds every platform's outcome at ``values[i]``;
    ``paired[i][name]`` the run-by-run difference of the platform's user share
    from the base contest (the contest without the sweep), an Estimate whose
    interval is the paired 95% CI.
    """

    param: str
    values: tuple[float, ...]
    points: tuple[dict[str, PlatformOutcome], ...]
    paired: tuple[dict[str, Estimate], ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "param": self.param,
            "values": [_num(v) for v in self.values],
            "points": [
                {
                    "value": _num(v),
                    "platforms": {k: o.to_dict() for k, o in pt.items()},
                    "paired_users_vs_base": {k: e.to_dict() for k, e in pr.items()},
                }
                for v, pt, pr in zip(self.values, self.points, self.paired)
            ],
        }


@dataclass(frozen=True)
class CompeteResult:
    """What :func:`compete` returns.

    Attributes
    ----------
    platforms : dict of name to :class:`PlatformOutcome`
    curve_mean, curve_q05, curve_q95 : (P, T) arrays
        User share of each platform after each step (step 0 = seeds): mean
        and 5% / 95% quantiles over runs.
    runs, seed : runs made; entropy of the seed sequence (repeats the result)
    params : every parameter that shaped the result
    regime : per platform, the :class:`~graphmodel.propagation.regime.Regime` of its own cascade
    sweep : :class:`CompeteSweep` or None
    """

    platforms: dict[str, PlatformOutcome]
    curve_mean: np.ndarray
    curve_q05: np.ndarray
    curve_q95: np.ndarray
    runs: int
    seed: int | None
    params: dict[str, Any] = field(default_factory=dict)
    sweep: CompeteSweep | None = None
    regime: dict[str, Any] = field(default_factory=dict)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self.platforms)

    def to_dict(self) -> dict[str, Any]:
        curve: dict[str, Any] = {"steps": list(range(self.curve_mean.shape[1]))}
        for i, name in enumerate(self.platforms):
            curve[name] = {
                "mean": [float(x) for x in self.curve_mean[i]],
                "q05": [float(x) for x in self.curve_q05[i]],
                "q95": [float(x) for x in self.curve_q95[i]],
            }
        return {
            "platforms": {k: v.to_dict() for k, v in self.platforms.items()},
            "curve": curve,
            "runs": int(self.runs),
            "seed": self.seed,
            "params": self.params,
            "sweep": None if self.sweep is None else self.sweep.to_dict(),
            "regime": {k: v.to_dict() for k, v in self.regime.items()},
        }

    def warnings(self) -> list[str]:
        """One line per platform whose cascade is supercritical on some layer."""
        return [f"{name}: {w}" for name, r in self.regime.items() for w in r.warnings()]


def _num(x: Any) -> Any:
    """A JSON number; whole values (budgets) as integers."""
    x = json_number(x)
    return int(x) if x is not None and x.is_integer() else x
