"""Seed handling: every random function takes ``seed`` as int, SeedSequence or Generator."""

from __future__ import annotations

from typing import TypeAlias

import numpy as np

SeedLike: TypeAlias = int | np.random.SeedSequence | np.random.Generator | None

__all__ = ["SeedLike", "as_seed_sequence", "as_generator"]


def as_seed_sequence(seed: SeedLike) -> np.random.SeedSequence:
    """Turn ``seed`` into a :class:`numpy.random.SeedSequence`.

    A Generator contributes fresh entropy drawn from it (so passing the same
    Generator twice gives different streams, as it should); ``None`` takes
    entropy from the operating system.
    """
    if isinstance(seed, np.random.SeedSequence):
        return seed
    if isinstance(seed, np.random.Generator):
        return np.random.SeedSequence(seed.integers(0, 2**63, size=4, dtype=np.uint64))
    if seed is None:
        return np.random.SeedSequence()
    from graphmodel.errors import InputError

    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)):
        raise InputError(
            f"expected an int >= 0, SeedSequence, Generator or None, got {type(seed).__name__}", field="seed"
        )
    if seed < 0:
        raise InputError(f"expected an integer >= 0, got {int(seed)}", field="seed")
    return np.random.SeedSequence(int(seed))


def as_generator(seed: SeedLike) -> np.random.Generator:
    """Turn ``seed`` into a :class:`numpy.random.Generator` (a Generator is returned as is)."""
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(as_seed_sequence(seed))
