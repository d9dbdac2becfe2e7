"""The intent model: who buys once shopping intent reaches them, and who passes it on.

States are ``unaware -> intent -> purchase``. Seeds start with intent. A user
reached through layer ``L`` buys with probability

    ``conversion[L] x affordability(user) x access(user)``

where

* ``affordability`` compares the user's ``purchasing_power`` with the
  campaign's price (the article's mahogany furniture: interest without money
  buys nothing). ``"power"``: ``min(1, (power / price) ** gamma)``;
  ``"logistic"``: ``1 / (1 + (price / power) ** slope)`` (one half at
  ``power == price``); ``"none"``: 1. A user without a purchasing power (no
  column, or NaN) gets 1: the model cannot say they cannot afford it.
* ``access`` is 0 when every campaign merchant is an offline shop in
  another city than the user's (``access="city"``), else 1. A user or a
  merchant without a city gets 1; ``access="none"`` switches the rule off.

Which state passes intent on along which layer is :attr:`IntentModel.spread`:
by default users with intent talk to friends (``social``), users who bought
pass it on through the merchants they pay at (``payment``: coupons,
promotions; purchaser -> merchant -> the merchant's other customers) and
through money transfers (``transfer``: red envelopes).

The default conversion is the same on every layer: whether intent that
arrives through a payment relationship converts more often than intent that
arrives through a friend (the background article's claim) is what the engine
tests, so no default may assume it. Every compare result states the
conversions and their source, reports the conversion ratio at which its
winner flips, and :meth:`IntentModel.from_conversion_json` reads conversions
estimated from real data.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from graphmodel.ecosystem import LAYERS
from graphmodel.errors import InputError

__all__ = ["IntentModel", "DEFAULT_CONVERSION", "SPREAD_STATES", "AFFORDABILITY", "ACCESS"]

#: Default conversion per layer: equal, so that no default decides which layer sells more
#: (the article's claim, payment above social, is a hypothesis to test, not an input).
DEFAULT_CONVERSION: dict[str, float] = {"social": 0.05, "payment": 0.05, "transfer": 0.05}
#: Which state a user must reach before passing intent on along a layer.
SPREAD_STATES: tuple[str, ...] = ("intent", "purchase")
AFFORDABILITY: tuple[str, ...] = ("power", "logistic", "none")
ACCESS: tuple[str, ...] = ("city", "none")
_DEFAULT_SPREAD: dict[str, str] = {"social": "intent", "payment": "purchase", "transfer": "purchase"}


def _prob(x: Any, name: str) -> float:
    try:
        v = float(x)
    except (TypeError, ValueError):
        raise InputError(f"expected a probability in [0, 1], got {x!r}", field=name) from None
    if isinstance(x, bool) or not 0.0 <= v <= 1.0 or math.isnan(v):
        raise InputError(f"expected a probability in [0, 1], got {x!r}", field=name)
    return v


@dataclass(frozen=True)
class IntentModel:
    """Every assumption of the intent model, with documented defaults.

    Parameters
    ----------
    conversion
        Probability that a user reached through a layer buys (before
        affordability and access), per layer. Default
        :data:`DEFAULT_CONVERSION`: 0.05 on every layer.
    seed_conversion
        Probability that a seed buys (times affordability and access). Seeds
        are the campaign's starting audience, e.g. customers who got a coupon;
        default 0.5.
    spread
        Per layer, the state a user needs to pass intent on along it:
        ``"intent"`` or ``"purchase"``. Default: social from intent, payment
        and transfer from purchase.
    affordability
        ``"power"`` (default), ``"logistic"`` or ``"none"`` (see the module docstring).
    gamma
        Exponent of the ``"power"`` affordability (default 1: a user with half
        the price's purchasing power buys half as often).
    slope
        Slope of the ``"logistic"`` affordability in log(power / price) (default 4).
    access
        ``"city"`` (default): an offline campaign merchant sells only in its
        city; ``"none"``: everybody has access.

    Examples
    --------
    >>> m = IntentModel()
    >>> m.conversion["payment"] == m.conversion["social"]
    True
    >>> m.with_conversion(social=0.1).conversion["social"]
    0.1
    """

    conversion: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_CONVERSION))
    seed_conversion: float = 0.5
    spread: Mapping[str, str] = field(default_factory=lambda: dict(_DEFAULT_SPREAD))
    affordability: str = "power"
    gamma: float = 1.0
    slope: float = 4.0
    access: str = "city"

    def __post_init__(self) -> None:
        conv = dict(DEFAULT_CONVERSION)
        for k, v in dict(self.conversion).items():
            if k not in LAYERS:
                raise InputError(f"unknown layer {k!r}; expected some of {', '.join(LAYERS)}", field="conversion")
            conv[k] = _prob(v, f"conversion {k}")
        object.__setattr__(self, "conversion", conv)
        object.__setattr__(self, "seed_conversion", _prob(self.seed_conversion, "seed_conversion"))
        spread = dict(_DEFAULT_SPREAD)
        for k, v in dict(self.spread).items():
            if k not in LAYERS:
                raise InputError(f"unknown layer {k!r}; expected some of {', '.join(LAYERS)}", field="spread")
            if v not in SPREAD_STATES:
                raise InputError(f"expected 'intent' or 'purchase', got {v!r}", field=f"spread {k}")
            spread[k] = v
        object.__setattr__(self, "spread", spread)
        if self.affordability not in AFFORDABILITY:
            raise InputError(
                f"expected one of {', '.join(AFFORDABILITY)}, got {self.affordability!r}", field="affordability"
            )
        if self.access not in ACCESS:
            raise InputError(f"expected one of {', '.join(ACCESS)}, got {self.access!r}", field="access")
        for name in ("gamma", "slope"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not v >= 0 or math.isinf(v):
                raise InputError(f"expected a finite number >= 0, got {v!r}", field=name)
            object.__setattr__(self, name, float(v))

    # -- variations -------------------------------------------------------------
    def with_conversion(self, **conversion: float) -> "IntentModel":
        """A copy with some per-layer conversions changed."""
        return replace(self, conversion={**self.conversion, **conversion})

    @classmethod
    def from_conversion_json(cls, path: str | Path, **options: Any) -> "IntentModel":
        """An intent model whose conversions come from a JSON file.

        The file is the one ``graphmodel signal --estimate-conversion --json``
        writes (format ``graphmodel.conversion/1``: ``conversion`` maps a
        layer to its per-exposure conversion rate), or any JSON with a
        top-level ``conversion`` object mapping a layer to a number or to an
        estimate with a ``mean``::

            {"conversion": {"social": 0.013, "payment": 0.061, "transfer": 0.02}}
            {"conversion": {"social": {"mean": 0.013, "ci95": [0.01, 0.016]}, ...}}

        Layers the file does not name (or gives as null) keep their default; values above 1
        (ratios against a baseline, say) are rejected: a conversion is a
        probability. ``options`` set the other fields.
        """
        path = Path(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise InputError(f"cannot read conversion file: {exc.strerror or exc}", source=str(path)) from None
        except json.JSONDecodeError as exc:
            raise InputError(f"invalid JSON: {exc.msg}", source=str(path), line=exc.lineno) from None
        conv = data.get("conversion") if isinstance(data, dict) else None
        if isinstance(conv, dict) and isinstance(conv.get("layers"), dict):
            conv = conv["layers"]
        if not isinstance(conv, dict) or not conv:
            raise InputError(
                "expected an object 'conversion' mapping layers to probabilities", source=str(path), field="conversion"
            )
        out: dict[str, float] = {}
        for layer, v in conv.items():
            if layer not in LAYERS:
                continue  # other keys (baseline, window, ...) are not conversions
            if isinstance(v, dict):
                for key in ("mean", "rate", "conversion", "value"):
                    if key in v:
                        v = v[key]
                        break
                else:
                    raise InputError(
                        "expected a number or an object with 'mean'", source=str(path), field=f"conversion.{layer}"
                    )
            if v is None:
                continue
            try:
                out[layer] = _prob(v, f"conversion.{layer}")
            except InputError as exc:
                raise InputError(exc.message, source=str(path), field=f"conversion.{layer}") from None
        if not out:
            raise InputError(
                f"no layer among {', '.join(LAYERS)} in 'conversion'", source=str(path), field="conversion"
            )
        model = cls(**options)
        return replace(model, conversion={**model.conversion, **out})

    # -- evaluation ---------------------------------------------------------------
    def affordability_of(self, power: np.ndarray | None, price: float) -> np.ndarray | None:
        """Per-user affordability for ``price`` (``None`` when there is nothing to compare: all 1)."""
        if power is None or self.affordability == "none" or not price > 0:
            return None
        pw = np.asarray(power, dtype=np.float64)
        ratio = np.where(pw > 0, pw / price, 0.0)
        with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
            if self.affordability == "power":
                a = np.minimum(1.0, ratio**self.gamma) if self.gamma > 0 else np.ones_like(ratio)
            else:
                a = 1.0 / (1.0 + np.where(ratio > 0, ratio, 1e-300) ** (-self.slope))
        a = np.where(np.isnan(pw), 1.0, np.nan_to_num(a, nan=1.0, posinf=1.0, neginf=0.0))
        return np.clip(a, 0.0, 1.0)

    def to_dict(self) -> dict[str, Any]:
        return {
            "conversion": dict(self.conversion),
            "seed_conversion": self.seed_conversion,
            "spread": dict(self.spread),
            "affordability": self.affordability,
            "gamma": self.gamma,
            "slope": self.slope,
            "access": self.access,
        }

    def describe(self) -> str:
        """One line for a verdict: the conversions and the rules in force."""
        c = self.conversion
        aff = {
            "power": f"affordability min(1,(power/price)^{self.gamma:g})",
            "logistic": f"affordability logistic (slope {self.slope:g})",
            "none": "no affordability",
        }[self.affordability]
        acc = "offline merchants sell only in their city" if self.access == "city" else "no access rule"
        return (
            f"conversion social {c['social']:g}, payment {c['payment']:g}, transfer {c['transfer']:g}, "
            f"seeds {self.seed_conversion:g}; {aff}; {acc}"
        )
