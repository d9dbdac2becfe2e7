"""What seed selection reports while it runs (the ``progress=`` callback of :func:`graphmodel.seeds`)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["SeedProgress"]


@dataclass(frozen=True)
class SeedProgress:
    """One progress report.

    Attributes
    ----------
    stage : ``"sampling"`` (OPIM-C drawing RR sets for a round), ``"round"``
        (an OPIM-C round finished: ``ratio`` is its certified ratio),
        ``"celf"`` (CELF: ``done`` evaluations of ``total`` singletons, then
        picks), ``"validate"`` (Monte Carlo runs of the validation)
    done, total : progress of the stage, in ``unit``
    unit : ``"RR sets"`` (``"sampling"``: both collections, ``"round"``: per
        collection), ``"evaluations"``, ``"picks"`` or ``"runs"``
    round : OPIM-C round (1-based), else ``None``
    ratio, target : certified ratio of the round and the ratio it aims at
    store_bytes : bytes the RR store holds (both collections and the index)
    """

    stage: str
    done: int
    total: int
    unit: str
    round: int | None = None
    ratio: float | None = None
    target: float | None = None
    store_bytes: int | None = None
