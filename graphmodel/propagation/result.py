"""What a simulation returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from graphmodel.estimate import Estimate

__all__ = ["SimulationResult"]


@dataclass(frozen=True)
class SimulationResult:
    """Monte Carlo summary of a diffusion (or, for ``ppr``, its deterministic mass).

    Attributes
    ----------
    model : str
        ``"ic"``, ``"lt"``, ``"sir"`` or ``"ppr"``.
    spread : Estimate
        Users active at the end of a run, seeds included (sigma(S)). For
        ``ppr``: the share of intent mass resting on users (n = 1, no interval).
    by_layer : dict of str to Estimate
        Users activated through each layer inside the same multiplex run
        (``"seed"``: user seeds); the values add up to ``spread`` run by run.
    merchants : Estimate
        Merchants reached (merchant seeds included); ``ppr``: mass on merchants.
    curve : ndarray
        Mean number of newly active users per step (step 0 = seeds).
    activation_frequency : ndarray
        Per global node, the fraction of runs in which it was active (``ppr``:
        its intent mass). Users first, then merchants (see :mod:`graphmodel.csr`).
    runs : int
        Runs made (fewer than asked when ``target_ci`` stopped early).
    seed : int
        Entropy of the seed sequence: ``simulate(..., seed=result.seed)`` repeats the result.
    regime : Regime or None
        Per-layer regime of the cascade (:func:`graphmodel.propagation.regime.regime`); None for ``ppr``.
    params : dict
        Every parameter that shaped the result.
    """

    model: str
    spread: Estimate
    by_layer: dict[str, Estimate]
    merchants: Estimate
    curve: np.ndarray
    activation_frequency: np.ndarray
    runs: int
    seed: int | None
    params: dict[str, Any] = field(default_factory=dict)
    regime: Any = None

    def to_dict(self, *, nodes: bool = False) -> dict[str, Any]:
        """JSON-ready dict; ``nodes=True`` adds ``activation_frequency`` (one value per node)."""
        out: dict[str, Any] = {
            "model": self.model,
            "spread": self.spread.to_dict(),
            "by_layer": {k: v.to_dict() for k, v in self.by_layer.items()},
            "merchants": self.merchants.to_dict(),
            "curve": [float(x) for x in self.curve],
            "runs": int(self.runs),
            "seed": None if self.seed is None else int(self.seed),
            "params": self.params,
            "regime": None if self.regime is None else self.regime.to_dict(),
        }
        if nodes:
            out["activation_frequency"] = [float(x) for x in self.activation_frequency]
        return out
