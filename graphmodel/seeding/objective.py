"""What a reached user is worth: the weights of the seed-selection objectives.

* ``reach``: every user counts 1 (the expected number of users reached,
  seeds included; merchants are never counted, as in the propagation core).
* ``purchases``: a reached user counts the chance that reaching them ends in a
  purchase at the campaign merchant ``m``:
  ``affordability * access`` with

  - ``affordability = min(1, purchasing_power[u] / price_level[m])``
    (the article's point: interest without purchasing power predicts
    nothing); 1 when either column is missing or the value is missing;
  - ``access = 0`` when ``m`` is an offline shop (``channel == "offline"``)
    in a city (``city``) other than the user's, else 1; unknown cities give 1.
* ``gmv``: ``purchases * price_level[m]`` (gross merchandise value: the same
  seeds as ``purchases``, in money units).

This is deliberately a simple, documented proxy; the full intent model
belongs to the comparison experiments.

RR-set methods sample the root user with probability proportional to its
weight, so the fraction of sets a seed set hits times the total weight is an
unbiased estimate of its expected weighted reach.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from graphmodel.errors import InputError

if TYPE_CHECKING:
    from graphmodel.ecosystem import Ecosystem

__all__ = ["OBJECTIVES", "Objective", "objective_weights"]

OBJECTIVES: tuple[str, ...] = ("reach", "purchases", "gmv")


@dataclass(frozen=True, eq=False)
class Objective:
    """Per-user weights (``None`` for plain reach) and a description."""

    name: str
    weights: np.ndarray | None
    campaign: str | None
    unit: str

    @property
    def total(self) -> float:
        return float(self.weights.sum()) if self.weights is not None else float("nan")

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "campaign": self.campaign, "unit": self.unit}
        if self.weights is not None:
            out["total_weight"] = float(self.weights.sum())
            out["targets_with_weight"] = int(np.count_nonzero(self.weights > 0))
        return out


def _merchant_row(eco: Ecosystem, campaign: str | int | None) -> int:
    if campaign is None:
        raise InputError(
            "objectives 'purchases' and 'gmv' need a campaign merchant (e.g. 'merchant:123')", field="campaign"
        )
    text = str(campaign)
    if text.startswith("merchant:"):
        text = text[len("merchant:") :]
    elif ":" in text:
        raise InputError(f"a campaign is a merchant id such as 'merchant:123', got {campaign!r}", field="campaign")
    ids = eco.nodes("merchant")["id"]
    key: Any = text
    if ids.dtype.kind in "iu":
        try:
            key = int(text)
        except ValueError:
            raise InputError(f"unknown merchant id {text!r}", field="campaign") from None
    try:
        return int(eco.index_of("merchant", [key])[0])
    except InputError:
        raise InputError(f"unknown merchant id {text!r}", field="campaign") from None


def _float_col(table: Any, name: str) -> np.ndarray | None:
    if name not in table:
        return None
    col = table[name]
    if col.dtype.kind not in "iuf":
        return None
    return col.astype(np.float64)


def objective_weights(eco: Ecosystem, objective: str = "reach", campaign: str | int | None = None) -> Objective:
    """Per-user weights of ``objective`` (see the module docstring).

    Examples
    --------
    >>> import graphmodel as gm
    >>> eco = gm.Ecosystem.from_labels(
    ...     users={"id": ["a", "b"], "purchasing_power": [2.0, 0.5], "city": ["x", "y"]},
    ...     merchants={"id": ["m"], "price_level": [1.0], "channel": ["offline"], "city": ["x"]},
    ... )
    >>> objective_weights(eco, "purchases", "merchant:m").weights.tolist()
    [1.0, 0.0]
    """
    if objective not in OBJECTIVES:
        raise InputError(f"unknown objective {objective!r}; expected one of {', '.join(OBJECTIVES)}", field="objective")
    if objective == "reach":
        return Objective("reach", None, None, "users")
    m = _merchant_row(eco, campaign)
    users, merchants = eco.nodes("user"), eco.nodes("merchant")
    nu = eco.n_users
    afford = np.ones(nu)
    power = _float_col(users, "purchasing_power")
    price_col = _float_col(merchants, "price_level")
    price = float(price_col[m]) if price_col is not None else float("nan")
    if power is not None and np.isfinite(price) and price > 0:
        pw = np.where(np.isfinite(power), power, np.inf)
        afford = np.minimum(1.0, np.maximum(pw, 0.0) / price)
    access = np.ones(nu)
    if "channel" in merchants and str(merchants["channel"][m]) == "offline" and "city" in merchants and "city" in users:
        mcity = str(merchants["city"][m])
        ucity = users["city"].astype(str)
        if mcity:
            access = np.where((ucity != "") & (ucity != mcity), 0.0, 1.0)
    w = afford * access
    label = f"merchant:{merchants['id'][m]}"
    if objective == "gmv":
        if not (np.isfinite(price) and price > 0):
            raise InputError(f"objective 'gmv' needs a positive price_level for {label}", field="campaign")
        return Objective("gmv", w * price, label, "price_level units")
    return Objective("purchases", w, label, "expected purchases")
