"""Users: cities, friendship communities, purchasing power, activity and interests.

Users are generated grouped by city, then by community inside the city (rows
of one community are contiguous), which lets the social layer draw partners
inside a community or a city by a range lookup. :func:`graphmodel.generator.generate`
shuffles the rows at the end.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from graphmodel.generator.params import CATEGORIES, GenerateParams

__all__ = ["Users", "make_users", "city_shares", "draw_rows"]


@dataclass(frozen=True)
class Users:
    """Users in (city, community) order; arrays have one entry per user unless noted."""

    city: np.ndarray  #: int city index
    community: np.ndarray  #: int community index (communities numbered in row order)
    community_start: np.ndarray  #: first row of each community, plus the total at the end
    city_start: np.ndarray  #: first row of each city, plus the total at the end
    power: np.ndarray  #: purchasing power (float > 0)
    activity: np.ndarray  #: how often the user pays, mean 1
    interest: np.ndarray  #: (users, categories) float32 in [0, 1]; 1 = the strongest interest
    top_interest: np.ndarray  #: int category index of the strongest interest
    interest_strength: np.ndarray  #: share of interest draws on the top interest, in (0, 1]


def city_shares(n_cities: int, exponent: float) -> np.ndarray:
    """Zipf shares: city ``k`` (1-based) gets a share proportional to ``k ** -exponent``."""
    p = np.arange(1, n_cities + 1, dtype=float) ** -exponent
    return p / p.sum()


def draw_rows(cum: np.ndarray, row: np.ndarray, r: np.ndarray) -> np.ndarray:
    """Column drawn in each ``row`` of a matrix of row-wise cumulative weights.

    ``cum`` is (rows, k) with each row's last value > 0; ``r`` uniform in [0, 1).
    One vectorised searchsorted: row ``i`` is shifted by ``i`` so rows do not overlap.
    """
    n, k = cum.shape
    norm = cum / cum[:, -1:]
    flat = (norm + np.arange(n, dtype=float)[:, None]).ravel()
    pos = np.searchsorted(flat, row + r, side="right")
    return np.clip(pos - row * k, 0, k - 1)


def make_users(p: GenerateParams, rng: np.random.Generator) -> Users:
    U, C = p.users, len(CATEGORIES)
    counts = rng.multinomial(U, city_shares(p.n_cities, p.city_size_exponent))
    city_start = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    city = np.repeat(np.arange(p.n_cities, dtype=np.int64), counts)

    # Heavy-tailed community sizes (Pareto with minimum xm), cut at city borders.
    a = p.community_size_exponent
    xm = max(1.0, p.community_size * (a - 1) / a)
    n_draw = int(U / xm) + 2
    sizes = np.ceil(xm * (1.0 + rng.pareto(a, size=n_draw)))
    ends = np.cumsum(sizes)
    cuts = np.unique(np.concatenate([ends[ends < U].astype(np.int64), city_start[1:-1]]))
    cuts = cuts[(cuts > 0) & (cuts < U)]
    community_start = np.concatenate([[0], cuts, [U]]).astype(np.int64)
    community = np.repeat(np.arange(len(community_start) - 1, dtype=np.int64), np.diff(community_start))

    power = p.power_median * np.exp(p.power_sigma * rng.standard_normal(U))
    s = p.activity_sigma
    activity = np.exp(s * rng.standard_normal(U) - s * s / 2)

    # Interests: communities have sparse profiles (Dirichlet); users draw from theirs.
    n_comm = len(community_start) - 1
    g = rng.gamma(p.interest_concentration, size=(n_comm, C))
    empty = g.sum(axis=1) <= 0
    if empty.any():  # tiny concentrations can underflow to all zeros: put all mass on one category
        g[empty, rng.integers(0, C, size=int(empty.sum()))] = 1.0
    cum = np.cumsum(g, axis=1)
    k = p.interests_per_user
    draws = np.empty((U, k), dtype=np.int64)
    for j in range(k):
        from_profile = rng.random(U) < p.interest_homophily
        own = draw_rows(cum, community, rng.random(U))
        uniform = rng.integers(0, C, size=U)
        draws[:, j] = np.where(from_profile, own, uniform)
    tally = np.zeros((U, C), dtype=np.int16)
    rows = np.arange(U)
    for j in range(k):
        tally[rows, draws[:, j]] += 1
    best = tally.max(axis=1)
    first = np.argmax(tally[rows[:, None], draws] == best[:, None], axis=1)  # first drawn among the ties
    top = draws[rows, first]
    interest = (tally / best[:, None]).astype(np.float32)
    return Users(city, community, community_start, city_start, power, activity, interest, top, best / k)
