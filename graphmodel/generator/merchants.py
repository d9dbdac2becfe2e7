"""Merchants: category, price level tied to the category, channel, city, popularity."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from graphmodel.generator.params import CATEGORIES, GenerateParams
from graphmodel.generator.users import Users

__all__ = ["Merchants", "make_merchants"]


@dataclass(frozen=True)
class Merchants:
    category: np.ndarray  #: int category index (into CATEGORIES)
    price: np.ndarray  #: price level: category base price x log-normal
    offline: np.ndarray  #: bool, an offline shop serving its city
    city: np.ndarray  #: int city index, -1 for online merchants
    popularity: np.ndarray  #: heavy-tailed (Pareto), mean 1


def make_merchants(p: GenerateParams, users: Users, rng: np.random.Generator) -> Merchants:
    M = p.n_merchants
    base = np.array([c[1] for c in CATEGORIES])
    share = np.array([c[2] for c in CATEGORIES])
    category = np.searchsorted(np.cumsum(share) / share.sum(), rng.random(M), side="right").clip(0, len(base) - 1)
    price = base[category] * np.exp(p.price_sigma * rng.standard_normal(M))
    offline = rng.random(M) < p.offline_share
    # Offline shops open where the people are: a city is chosen in proportion to its users.
    people = np.diff(users.city_start).astype(float)
    city_draw = np.searchsorted(np.cumsum(people) / people.sum(), rng.random(M), side="right").clip(0, len(people) - 1)
    city = np.where(offline, city_draw, -1)
    a = p.popularity_exponent
    popularity = (a - 1.0) / a * (1.0 + rng.pareto(a, size=M))
    return Merchants(category.astype(np.int64), price, offline, city.astype(np.int64), popularity)
