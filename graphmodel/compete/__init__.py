"""Platform competition: several platforms enter one ecosystem; who becomes the main mobile trader?

See :func:`compete` for the model and :mod:`graphmodel.compete.platform` for
how a platform and a contest file are described.
"""

from graphmodel.compete.compete import CompeteResult, CompeteSweep, PlatformOutcome, compete, parse_sweep
from graphmodel.compete.platform import Contest, Platform, load_contest, parse_platform

__all__ = [
    "compete",
    "CompeteResult",
    "CompeteSweep",
    "PlatformOutcome",
    "parse_sweep",
    "Platform",
    "Contest",
    "parse_platform",
    "load_contest",
]
