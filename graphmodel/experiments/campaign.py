"""A campaign: what the intent is about, what it costs, and who starts with it.

A campaign names the merchant(s) whose product people may buy (one merchant,
several, or a whole category), its price and its seed users. Specs, as on the
command line:

* ``merchant:ID`` (several: ``merchant:ID1,merchant:ID2`` or ``merchant:ID1,ID2``);
* ``category:NAME``: every merchant whose ``category`` is ``NAME``;
* ``None`` / ``"market"``: the whole market, no particular merchant.

Price: the ``price`` given, else the median ``price_level`` of the campaign's
merchants (the whole market's for ``market``), else 1. Seeds: any
:func:`~graphmodel.seedsets.resolve_seeds` spec, plus ``customers:K``: K
customers of the campaign merchant(s), drawn at random (they got a coupon).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from graphmodel._seed import SeedLike, as_generator
from graphmodel.errors import GraphModelWarning, InputError
from graphmodel.experiments.intent import IntentModel

if TYPE_CHECKING:
    from graphmodel.ecosystem import Ecosystem
    from graphmodel.seedsets import SeedSpec

__all__ = ["Campaign", "make_campaign", "campaign_seeds", "buy_scale"]


@dataclass(frozen=True)
class Campaign:
    """A resolved campaign.

    Attributes
    ----------
    spec : str
        What was asked (``"market"``, ``"merchant:123"``, ``"category:Books"``).
    merchants : ndarray of int64 or None
        Merchant rows (not global node numbers); ``None`` for the whole market.
    price : float
        Price of one purchase (GMV = price x purchases).
    price_source : str
        Where the price came from (``"given"``, ``"price_level"``, ``"default"``).
    """

    spec: str
    merchants: np.ndarray | None
    price: float
    price_source: str

    def to_dict(self, eco: Ecosystem | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {"spec": self.spec, "price": self.price, "price_source": self.price_source}
        if self.merchants is not None:
            out["n_merchants"] = int(self.merchants.size)
            if eco is not None and self.merchants.size <= 20:
                ids = eco.nodes("merchant")["id"][self.merchants]
                out["merchant_ids"] = [x.item() if hasattr(x, "item") else x for x in ids]
        return out


def _merchant_rows(eco: Ecosystem, items: Sequence[str]) -> np.ndarray:
    try:
        return eco.index_of("merchant", list(items))
    except InputError as exc:
        raise InputError(exc.message, field="campaign") from None


def make_campaign(eco: Ecosystem, spec: str | Campaign | None = None, *, price: float | None = None) -> Campaign:
    """Resolve a campaign spec on ``eco``.

    Examples
    --------
    >>> import graphmodel as gm
    >>> eco = gm.Ecosystem.from_labels(merchants={"id": ["a", "b"], "price_level": [2.0, 4.0]})
    >>> make_campaign(eco, "merchant:b").price
    4.0
    >>> make_campaign(eco).price
    3.0
    """
    if isinstance(spec, Campaign):
        return spec if price is None else Campaign(spec.spec, spec.merchants, _price(price), "given")
    text = "market" if spec is None else str(spec).strip()
    rows: np.ndarray | None
    if text in ("", "market", "all"):
        text, rows = "market", None
    else:
        head, _, rest = text.partition(":")
        if head == "merchant" and rest:
            items = [x.strip().removeprefix("merchant:") for x in rest.split(",") if x.strip()]
            rows = np.unique(_merchant_rows(eco, items))
        elif head == "category" and rest:
            t = eco.nodes("merchant")
            if "category" not in t:
                raise InputError("the ecosystem's merchants have no 'category' column", field="campaign")
            rows = np.flatnonzero(t["category"].astype(str) == rest)
            if rows.size == 0:
                raise InputError(f"no merchant has category {rest!r}", field="campaign")
        else:
            raise InputError(
                f"expected 'merchant:ID[,ID...]', 'category:NAME' or 'market', got {text!r}", field="campaign"
            )
    if price is not None:
        return Campaign(text, rows, _price(price), "given")
    t = eco.nodes("merchant")
    if "price_level" in t and t["price_level"].dtype.kind in "iuf":
        pl = t["price_level"].astype(np.float64)
        pl = pl if rows is None else pl[rows]
        pl = pl[np.isfinite(pl) & (pl > 0)]
        if pl.size:
            return Campaign(text, rows, float(np.median(pl)), "price_level")
    return Campaign(text, rows, 1.0, "default")


def _price(p: Any) -> float:
    try:
        v = float(p)
    except (TypeError, ValueError):
        raise InputError(f"expected a price > 0, got {p!r}", field="price") from None
    if not v > 0 or math.isinf(v):
        raise InputError(f"expected a price > 0, got {p!r}", field="price")
    return v


def _customers(eco: Ecosystem, campaign: Campaign) -> np.ndarray:
    pay = eco.edges("payment")
    src, dst = pay["src"], pay["dst"]
    if campaign.merchants is not None:
        src = src[np.isin(dst, campaign.merchants)]
    return np.unique(src)


def campaign_seeds(eco: Ecosystem, campaign: Campaign, spec: SeedSpec, *, seed: SeedLike = None) -> np.ndarray:
    """Global node numbers of the seeds: ``customers:K`` or any :func:`~graphmodel.seedsets.resolve_seeds` spec.

    ``customers:K`` takes K distinct customers of the campaign merchant(s) at
    random (of any merchant for the whole market); when there are fewer, all
    of them, with a :class:`GraphModelWarning`.
    """
    if isinstance(spec, str) and spec.strip().startswith("customers:"):
        k_text = spec.strip().split(":", 1)[1]
        try:
            k = int(k_text)
        except ValueError:
            raise InputError(f"bad seed rule {spec!r}: K must be an integer", field="seeds") from None
        if k < 1:
            raise InputError(f"bad seed rule {spec!r}: K must be >= 1", field="seeds")
        cust = _customers(eco, campaign)
        if cust.size == 0:
            raise InputError(f"the campaign ({campaign.spec}) has no customers to seed", field="seeds")
        if cust.size < k:
            warnings.warn(
                f"customers:{k}: the campaign has only {cust.size} customers; seeding all of them",
                GraphModelWarning,
                stacklevel=2,
            )
            return cust.astype(np.int64)
        rng = as_generator(seed)
        return np.sort(rng.choice(cust, size=k, replace=False)).astype(np.int64)
    from graphmodel.seedsets import resolve_seeds

    return resolve_seeds(eco, spec, seed=seed)


def buy_scale(eco: Ecosystem, campaign: Campaign, intent: IntentModel) -> tuple[np.ndarray, dict[str, Any]]:
    """Per user ``affordability x access`` for this campaign, and notes on what was missing.

    The notes say which attributes were absent (so the factor was 1) and how
    many users were priced out or out of reach.
    """
    users = eco.nodes("user")
    U = eco.n_users
    scale = np.ones(U, dtype=np.float64)
    notes: dict[str, Any] = {}
    power = None
    if "purchasing_power" in users and users["purchasing_power"].dtype.kind in "iuf":
        power = users["purchasing_power"].astype(np.float64)
    aff = intent.affordability_of(power, campaign.price)
    if aff is None:
        notes["affordability"] = "off" if intent.affordability == "none" else "no purchasing_power: affordability 1"
    else:
        scale *= aff
        notes["affordability"] = {"mean": float(aff.mean()) if U else None}
    acc = _access(eco, campaign, intent)
    if isinstance(acc, str):
        notes["access"] = acc
    else:
        scale *= acc
        notes["access"] = {"share_with_access": float(acc.mean()) if U else None}
    return scale, notes


def _access(eco: Ecosystem, campaign: Campaign, intent: IntentModel) -> np.ndarray | str:
    if intent.access == "none":
        return "off"
    if campaign.merchants is None:
        return "whole market: access 1"
    m, users = eco.nodes("merchant"), eco.nodes("user")
    if "channel" not in m:
        return "no merchant channel: access 1"
    ch = m["channel"].astype(str)[campaign.merchants]
    offline = ch == "offline"
    if not offline.all():
        return "an online (or unknown-channel) campaign merchant: access 1"
    if "city" not in m or "city" not in users:
        return "no city: access 1"
    mcity = m["city"].astype(str)[campaign.merchants]
    if (mcity == "").any():
        return "an offline campaign merchant without a city: access 1"
    ucity = users["city"].astype(str)
    ok = np.isin(ucity, np.unique(mcity)) | (ucity == "")
    return ok.astype(np.float64)
