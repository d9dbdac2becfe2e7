"""What :func:`graphmodel.fit` returns: a frozen :class:`FitResult`; its ``to_dict()`` is a params file."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from graphmodel.params import FORMAT

__all__ = ["FitResult"]


@dataclass(frozen=True)
class FitResult:
    """Fitted per-layer transmission, background, time-shuffled baselines and validation.

    Attributes
    ----------
    transmission
        Per layer: ``mean`` (the maximum-likelihood ``p_L``, "reached through
        L and then bought within the window"), ``ci95`` (bootstrap over
        users), ``per_day``, ``exposures``, ``adoptions_exposed``,
        ``estimable`` (False: ``mean`` and ``ci95`` are null and ``reason``
        says why) and ``homophily`` (a warning or null).
    background
        ``mean``/``ci95``: probability of buying an item on one's own within a
        window, averaged over items; ``per_item`` the same per item (category level).
    baseline
        Per layer, the fit on time-shuffled purchases (``mean`` over shuffles, ``values``).
    relative
        Paired bootstrap comparisons between layers (``payment/social``, ``payment-social``).
    validation
        Out-of-sample check (``auc``, ``calibration``, comparison ``rows``), or None without a test period.
    recovery
        With a generated timeline: the truth, the estimate and whether the interval covers it.
    draws
        Per layer, the bootstrap draws of ``p_L`` (paired: draw ``j`` of every layer comes from resample ``j``).
    params
        Level, window, split, seed, data provenance, likelihood and assumptions.
    """

    transmission: dict[str, dict[str, Any]]
    background: dict[str, Any]
    baseline: dict[str, dict[str, Any]]
    relative: dict[str, dict[str, Any]]
    validation: dict[str, Any] | None
    recovery: dict[str, Any] | None
    draws: dict[str, list[float]] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "identified": "per layer, P(reached through the layer and then bought within the window): "
            "transmission x conversion; the split between them is not identified",
            "transmission": self.transmission,
            "background": self.background,
            "baseline": self.baseline,
            "relative": self.relative,
            "validation": self.validation,
            "recovery": self.recovery,
            "draws": self.draws,
            "params": self.params,
        }
