"""Every parameter of the synthetic ecosystem generator, with its meaning, default and valid range.

:class:`GenerateParams` is the single source of truth: the command line, the
docs table (docs/guides/generate.md) and validation are all derived from its fields' metadata.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from graphmodel.errors import InputError

__all__ = ["GenerateParams", "ParamSpec", "PARAMETERS", "CATEGORIES", "make_params"]

#: Merchant categories: (name, base price, share of merchants). The base price is
#: the typical purchase in the category, in the same unit as ``purchasing_power``.
#: ``furniture`` is the article's mahogany furniture: wanted by many, affordable to few.
CATEGORIES: tuple[tuple[str, float, float], ...] = (
    ("convenience", 8.0, 0.20),
    ("grocery", 35.0, 0.15),
    ("restaurant", 45.0, 0.18),
    ("coffee_tea", 20.0, 0.08),
    ("fashion", 120.0, 0.09),
    ("beauty", 90.0, 0.05),
    ("electronics", 600.0, 0.05),
    ("books", 40.0, 0.04),
    ("travel", 800.0, 0.03),
    ("entertainment", 60.0, 0.06),
    ("home", 150.0, 0.04),
    ("furniture", 1500.0, 0.03),
)


def _p(
    default: Any,
    meaning: str,
    group: str,
    *,
    lo: float | None = None,
    hi: float | None = None,
    lo_open: bool = False,
    hi_open: bool = False,
) -> Any:
    return field(
        default=default,
        metadata={"meaning": meaning, "group": group, "lo": lo, "hi": hi, "lo_open": lo_open, "hi_open": hi_open},
    )


@dataclass(frozen=True)
class GenerateParams:
    """All parameters of :func:`graphmodel.generator.generate` (see ``graphmodel presets``).

    Construct with :func:`make_params`, which validates; the meaning and valid
    range of each field are in its metadata and in :data:`PARAMETERS`.
    """

    # -- sizes
    users: int = _p(10_000, "number of users", "sizes", lo=1)
    merchants: int = _p(0, "number of merchants (0: users / 20, at least 1)", "sizes", lo=0)
    # -- users
    n_cities: int = _p(60, "number of cities", "users", lo=1)
    city_size_exponent: float = _p(
        1.0,
        "Zipf exponent of city sizes: city k has a share proportional to k^-s (0: equal cities)",
        "users",
        lo=0,
        hi=5,
    )
    community_size: float = _p(
        40.0, "mean size of a friendship community (communities nest inside cities)", "users", lo=2
    )
    community_size_exponent: float = _p(
        2.0,
        "tail exponent a of community sizes, P(size > s) ~ s^-a (smaller: heavier tail)",
        "users",
        lo=1,
        lo_open=True,
        hi=10,
    )
    power_median: float = _p(
        100.0,
        "median purchasing power (the price a user pays without hesitation; log-normal)",
        "users",
        lo=0,
        lo_open=True,
    )
    power_sigma: float = _p(1.0, "log-normal sigma of purchasing power (inequality)", "users", lo=0, hi=5)
    activity_sigma: float = _p(0.8, "log-normal sigma of activity (how often a user pays; mean 1)", "users", lo=0, hi=5)
    interests_per_user: int = _p(
        3, "number of interest draws per user over merchant categories (sparse interests)", "users", lo=1, hi=50
    )
    interest_concentration: float = _p(
        0.3,
        "Dirichlet concentration of a community's interest profile (small: a community cares about few categories)",
        "users",
        lo=0,
        lo_open=True,
    )
    interest_homophily: float = _p(
        0.7,
        "share of a user's interest draws taken from the community profile (rest uniform): friends share interests",
        "users",
        lo=0,
        hi=1,
    )
    # -- social layer
    mean_degree: float = _p(8.0, "target mean number of friends per user", "social", lo=0)
    degree_exponent: float = _p(
        2.5,
        "power-law exponent gamma of expected degrees, P(k) ~ k^-gamma (heavy tail)",
        "social",
        lo=2,
        lo_open=True,
        hi=10,
    )
    inter_community_share: float = _p(
        0.2, "share of base ties to another community of the same city", "social", lo=0, hi=1
    )
    inter_city_share: float = _p(
        0.05, "share of base ties to a user anywhere (mostly another city)", "social", lo=0, hi=1
    )
    triadic_closure: float = _p(
        0.3,
        "share of ties made by closing a random wedge (a friend of a friend): clustering; near 0.9 too few base ties remain to close and the layer falls short of mean_degree",
        "social",
        lo=0,
        hi=0.9,
    )
    tie_weight_sigma: float = _p(0.5, "log-normal sigma of tie strength (weight)", "social", lo=0, hi=5)
    weak_tie_weight: float = _p(0.5, "weight factor of ties that leave the community (weak ties)", "social", lo=0)
    # -- merchants
    offline_share: float = _p(
        0.5,
        "share of merchants that are offline shops (QR code at the till) serving their own city",
        "merchants",
        lo=0,
        hi=1,
    )
    price_sigma: float = _p(
        0.5, "log-normal sigma of a merchant's price level around its category's base price", "merchants", lo=0, hi=5
    )
    popularity_exponent: float = _p(
        1.8,
        "Pareto tail exponent of merchant popularity (smaller: heavier tail)",
        "merchants",
        lo=1,
        lo_open=True,
        hi=10,
    )
    # -- payment layer
    payments_per_user: float = _p(
        5.0, "mean number of merchant choices per user (times activity; repeats merge into one edge)", "payment", lo=0
    )
    interest_purchase_coupling: float = _p(
        0.3,
        "how much interest drives merchant choice: weight (1 - c + c * interest); 0 none, 1 only interests",
        "payment",
        lo=0,
        hi=1,
    )
    affordability_steepness: float = _p(
        2.0, "steepness s of affordability 1 / (1 + (price / purchasing_power)^s)", "payment", lo=0, lo_open=True, hi=50
    )
    visits_mean: float = _p(3.0, "mean number of payments per chosen merchant (count; 1 + Poisson)", "payment", lo=1)
    amount_sigma: float = _p(0.3, "log-normal sigma of the amount around count * price_level", "payment", lo=0, hi=5)
    # -- transfer layer
    transfers_per_user: float = _p(1.5, "mean number of transfer relations sent per user", "transfer", lo=0)
    transfer_social_share: float = _p(
        0.85, "share of transfers sent along a social tie (rest: to a user of the same city)", "transfer", lo=0, hi=1
    )
    red_envelope_share: float = _p(
        0.5, "share of transfers that are red envelopes (small gifts)", "transfer", lo=0, hi=1
    )
    bill_split_share: float = _p(
        0.3, "share of transfers that split a bill (the rest are repayments)", "transfer", lo=0, hi=1
    )
    red_envelope_median: float = _p(8.0, "median amount of one red envelope", "transfer", lo=0, lo_open=True)
    transfer_median: float = _p(60.0, "median amount of one bill split or repayment", "transfer", lo=0, lo_open=True)
    transfer_sigma: float = _p(0.7, "log-normal sigma of transfer amounts", "transfer", lo=0, hi=5)
    transfer_repeat_mean: float = _p(
        2.0, "mean number of transfers per relation (count; 1 + Poisson)", "transfer", lo=1
    )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def n_merchants(self) -> int:
        """The number of merchants, with 0 resolved to ``max(1, users // 20)``."""
        return self.merchants if self.merchants > 0 else max(1, self.users // 20)


@dataclass(frozen=True)
class ParamSpec:
    """One parameter: name, type, default, meaning, group and valid range."""

    name: str
    type: type
    default: Any
    meaning: str
    group: str
    lo: float | None
    hi: float | None
    lo_open: bool
    hi_open: bool

    @property
    def range(self) -> str:
        """The valid range as text, e.g. ``[0, 1]`` or ``> 0``."""
        if self.lo is not None and self.hi is not None:
            return f"{'(' if self.lo_open else '['}{_num(self.lo)}, {_num(self.hi)}{')' if self.hi_open else ']'}"
        if self.lo is not None:
            return f"{'>' if self.lo_open else '>='} {_num(self.lo)}"
        return "any"

    @property
    def expected(self) -> str:
        """``in [0, 1]`` or ``>= 0``: the range as it reads after "expected a value"."""
        r = self.range
        return f"in {r}" if r[0] in "[(" else r

    def check(self, value: Any) -> Any:
        """Convert and validate ``value``; raise :class:`InputError` naming the parameter."""
        if isinstance(value, str):
            value = _parse(self, value)
        if isinstance(value, bool):
            raise InputError(f"expected a number {self.expected}, got {value!r}", field=self.name)
        if self.type is int:
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            if not isinstance(value, int) and not (hasattr(value, "dtype") and value.dtype.kind in "iu"):
                raise InputError(f"expected an integer {self.expected}, got {value!r}", field=self.name)
            value = int(value)
        else:
            try:
                value = float(value)
            except (TypeError, ValueError):
                raise InputError(f"expected a number {self.expected}, got {value!r}", field=self.name) from None
            if not math.isfinite(value):
                raise InputError(f"expected a finite number {self.expected}, got {value!r}", field=self.name)
        bad = (self.lo is not None and (value < self.lo or (self.lo_open and value == self.lo))) or (
            self.hi is not None and (value > self.hi or (self.hi_open and value == self.hi))
        )
        if bad:
            raise InputError(f"expected a value {self.expected}, got {value!r}", field=self.name)
        return value


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def _parse(spec: ParamSpec, text: str) -> Any:
    try:
        return int(text) if spec.type is int else float(text)
    except ValueError:
        kind = "an integer" if spec.type is int else "a number"
        raise InputError(f"expected {kind} {spec.expected}, got {text!r}", field=spec.name) from None


PARAMETERS: dict[str, ParamSpec] = {
    f.name: ParamSpec(
        f.name,
        int if f.type in (int, "int") else float,
        f.default,
        f.metadata["meaning"],
        f.metadata["group"],
        f.metadata["lo"],
        f.metadata["hi"],
        f.metadata["lo_open"],
        f.metadata["hi_open"],
    )
    for f in fields(GenerateParams)
}


def make_params(values: dict[str, Any] | None = None, *, source: str | None = None) -> GenerateParams:
    """Validated :class:`GenerateParams` from defaults overridden by ``values``.

    Unknown names raise :class:`InputError` listing the valid ones; bad values
    raise :class:`InputError` naming the parameter and its valid range.

    Examples
    --------
    >>> make_params({"users": 500, "offline_share": 0.8}).offline_share
    0.8
    """
    values = dict(values or {})
    unknown = sorted(set(values) - set(PARAMETERS))
    if unknown:
        raise InputError(
            f"unknown parameter; valid parameters: {', '.join(PARAMETERS)}", source=source, field=unknown[0]
        )
    checked: dict[str, Any] = {}
    for name, value in values.items():
        try:
            checked[name] = PARAMETERS[name].check(value)
        except InputError as exc:
            if source is None:
                raise
            raise InputError(exc.message, source=source, field=name) from None
    params = GenerateParams(**checked)
    for a, b in (("inter_community_share", "inter_city_share"), ("red_envelope_share", "bill_split_share")):
        total = getattr(params, a) + getattr(params, b)
        if total > 1 + 1e-12:
            raise InputError(f"{a} + {b} must be at most 1, got {total:g}", source=source, field=f"{a}+{b}")
    return params
