"""Platform competition: several platforms enter one ecosystem; who becomes the main mobile trader?

See :func:`compete` for the model and :mod:`graphmodel.competition.platform` for
how a platform and a contest file are described; seeds chosen against the
rival (``imm-vs:K``) are in :mod:`graphmodel.competition.follower`.
"""

from graphmodel.competition.compete import (
    CompeteResult,
    CompeteSweep,
    PlatformOutcome,
    compete,
    contest_seeds,
    parse_contest_sweep,
)
from graphmodel.competition.platform import Contest, Platform, load_contest, parse_platform

__all__ = [
    "compete",
    "contest_seeds",
    "CompeteResult",
    "CompeteSweep",
    "PlatformOutcome",
    "parse_contest_sweep",
    "Platform",
    "Contest",
    "parse_platform",
    "load_contest",
]
