"""Seed selection (influence maximization) over typed layers.

:func:`seeds` is the entry point; :mod:`~graphmodel.seeding.imm` holds OPIM-C
on reverse-reachable sets, :mod:`~graphmodel.seeding.greedy` CELF and the
cost-aware greedy, :mod:`~graphmodel.seeding.heuristics` the baselines and
:mod:`~graphmodel.seeding.objective` the weighted objectives.
"""

from graphmodel.seeding.progress import SeedProgress
from graphmodel.seeding.seeds import METHODS, SeedResult, seeds

__all__ = ["seeds", "SeedResult", "METHODS", "SeedProgress"]
