"""The ``graphmodel.params/1`` file: fitted spread parameters, and how the engine uses them.

What purchase data identify is, per layer ``L``, ``p_L`` = P(reached through
``L`` and then bought within the window) = transmission x conversion. The
split between the two is not identified. :class:`Params` maps ``p_L`` to the
engine in one documented way and offers the alternative as a sensitivity
line:

* ``split="transmission"`` (the default): the arcs carry all of it and
  everyone reached buys. IC arc probability ``social = p_social``,
  ``transfer = p_transfer``, and ``payment = sqrt(p_payment)`` on each of the
  two arcs of a payment hop (purchaser -> merchant -> customer: the fitted
  co-customer transmission is one such hop); intent-model conversion 1 on
  every layer.
* ``split="even"``: half of it each way on a log scale: conversion
  ``sqrt(p_L)``, transmission ``sqrt(p_L)`` per hop (payment arcs
  ``p_payment ** 0.25``). The product per hop is the same ``p_L``; only
  cascades that pass intent on without a purchase differ.

A layer the fit could not estimate keeps the engine's default, and
:meth:`Params.sources` says so. Every value says where it came from:
``"fitted (FILE)"`` or ``"default (not estimable in FILE: REASON)"``.

Wiring: ``gm.simulate(eco, params=P)`` (``graphmodel simulate --params
fit.json``) uses ``P.prob_spec()``; a compare uses ``prob=P.prob_spec()``,
``intent=IntentModel().with_conversion(**P.conversion())`` and records ``P.sources()``; per batch of runs,
``P.draw(j)`` gives the parameters of bootstrap resample ``j`` (the same
resample for every layer) to carry parameter uncertainty into a verdict.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, Union

from graphmodel.errors import InputError

#: Format tag of a fitted-parameters file (written by ``graphmodel fit --json``, read by :func:`load_params`).
FORMAT = "graphmodel.params/1"

__all__ = ["Params", "ParamsLike", "load_params", "SPLITS", "as_params", "FORMAT"]


class SupportsToDict(Protocol):
    """A result read through its ``to_dict()`` (a :class:`~graphmodel.FitResult`)."""

    def to_dict(self) -> dict[str, Any]: ...


#: Fitted parameters as experiments take them (``params=``): a :class:`Params`, a fit result, a
#: ``graphmodel.params/1`` mapping or the path of such a file; None for none.
ParamsLike = Union["Params", SupportsToDict, Mapping[str, Any], str, os.PathLike, None]

#: The documented mappings of the identified quantity to (transmission, conversion).
SPLITS: tuple[str, ...] = ("transmission", "even")
_LAYERS = ("social", "payment", "transfer")


@dataclass(frozen=True)
class Params:
    """Fitted per-layer ``p_L`` with provenance (see the module docstring).

    Attributes
    ----------
    transmission
        ``p_L`` per fitted layer (layers not estimable are absent).
    ci95
        Bootstrap interval of each ``p_L``.
    draws
        Bootstrap draws of ``p_L`` (draw ``j`` of every layer from the same resample).
    not_estimable
        Layer -> reason, for layers the fit reported as null.
    background
        Mean probability of buying an item on one's own within a window (not used by cascades).
    window_days, level
        What ``p_L`` refers to.
    source
        The file (or ``"fit result"``) the values came from.
    """

    transmission: dict[str, float]
    ci95: dict[str, list[float | None]] = field(default_factory=dict)
    draws: dict[str, list[float]] = field(default_factory=dict)
    not_estimable: dict[str, str] = field(default_factory=dict)
    background: float | None = None
    window_days: int | None = None
    level: str | None = None
    source: str = "fit result"

    # -- construction --------------------------------------------------------------
    @classmethod
    def from_dict(cls, data: Any, *, source: str = "fit result") -> "Params":
        """From a ``graphmodel.params/1`` document (``FitResult.to_dict()``); one-line errors otherwise."""
        if not isinstance(data, dict):
            raise InputError(f'expected a JSON object with "format": "{FORMAT}"', source=source)
        fmt = data.get("format")
        if fmt != FORMAT:
            if isinstance(fmt, str) and fmt.startswith("graphmodel.params/"):
                raise InputError(
                    f"unsupported params version {fmt!r}; this graphmodel reads {FORMAT!r} "
                    "(re-run `graphmodel fit` to write one)",
                    source=source,
                    field="format",
                )
            what = f"format {fmt!r}" if fmt is not None else 'no "format"'
            hint = " (a conversion file: use `compare --conversion-from`)" if fmt == "graphmodel.conversion/1" else ""
            raise InputError(
                f"not a fitted-parameters file: {what}, expected {FORMAT!r} as written by "
                f"`graphmodel fit --json`{hint}",
                source=source,
                field="format",
            )
        tr = data.get("transmission")
        if not isinstance(tr, dict):
            raise InputError(
                "expected an object 'transmission' mapping layers to {mean, ci95}", source=source, field="transmission"
            )
        values: dict[str, float] = {}
        ci: dict[str, list[float | None]] = {}
        missing: dict[str, str] = {}
        for layer, entry in tr.items():
            if layer not in _LAYERS:
                raise InputError(
                    f"unknown layer {layer!r}; expected social, payment or transfer",
                    source=source,
                    field=f"transmission.{layer}",
                )
            if not isinstance(entry, dict) or "mean" not in entry:
                raise InputError(
                    "expected an object with 'mean' and 'ci95'", source=source, field=f"transmission.{layer}"
                )
            mean = entry["mean"]
            if mean is None:
                missing[layer] = str(entry.get("reason") or "not estimable")
                continue
            if (
                isinstance(mean, bool)
                or not isinstance(mean, (int, float))
                or not 0.0 <= float(mean) <= 1.0
                or math.isnan(float(mean))
            ):
                raise InputError(
                    f"expected a probability in [0, 1] or null, got {mean!r}",
                    source=source,
                    field=f"transmission.{layer}.mean",
                )
            values[layer] = float(mean)
            c = entry.get("ci95") or [None, None]
            ci[layer] = [None if v is None else float(v) for v in c]
        draws = data.get("draws") or {}
        if not isinstance(draws, dict):
            raise InputError("expected an object 'draws' mapping layers to lists", source=source, field="draws")
        dr = {k: [float(x) for x in v] for k, v in draws.items() if k in values and isinstance(v, list)}
        p = data.get("params") if isinstance(data.get("params"), dict) else {}
        bg = data.get("background", {}).get("mean") if isinstance(data.get("background"), dict) else None
        return cls(
            transmission=values,
            ci95=ci,
            draws=dr,
            not_estimable=missing,
            background=None if bg is None else float(bg),
            window_days=p.get("window_days"),
            level=p.get("level"),
            source=source,
        )

    @classmethod
    def from_result(cls, result: SupportsToDict) -> "Params":
        """From a :class:`~graphmodel.FitResult` (read through its ``to_dict()``: the file format sits below the fit)."""
        return cls.from_dict(result.to_dict(), source="fit result")

    # -- use -------------------------------------------------------------------------
    def _check_split(self, split: str) -> None:
        if split not in SPLITS:
            raise InputError(f"expected split 'transmission' or 'even', got {split!r}", field="split")

    def prob_spec(self, layers: str | Sequence[str] | None = None, *, split: str = "transmission") -> dict[str, float]:
        """IC arc probability per fitted layer (payment: per arc of the two-arc hop); see the module docstring.

        Examples
        --------
        >>> P = Params(transmission={"social": 0.04, "payment": 0.01})
        >>> P.prob_spec()
        {'social': 0.04, 'payment': 0.1}
        >>> {k: round(v, 4) for k, v in P.prob_spec(split="even").items()}
        {'social': 0.2, 'payment': 0.3162}
        """
        self._check_split(split)
        if isinstance(layers, str):
            layers = [x.strip() for x in layers.split(",") if x.strip()]
        out: dict[str, float] = {}
        for layer, p in self.transmission.items():
            if layers is not None and layer not in layers:
                continue
            hop = p if split == "transmission" else math.sqrt(p)
            out[layer] = math.sqrt(hop) if layer == "payment" else hop
        return out

    def conversion(self, *, split: str = "transmission") -> dict[str, float]:
        """Intent-model conversion per fitted layer: 1 (``transmission``) or ``sqrt(p_L)`` (``even``)."""
        self._check_split(split)
        return {k: (1.0 if split == "transmission" else math.sqrt(p)) for k, p in self.transmission.items()}

    def sources(self, *, split: str = "transmission") -> dict[str, str]:
        """Where every per-layer value comes from: ``fitted (FILE)`` or ``default (...)``."""
        out: dict[str, str] = {}
        how = "p_L on the arcs, conversion 1" if split == "transmission" else "sqrt(p_L) each way"
        for layer in _LAYERS:
            if layer in self.transmission:
                out[f"prob.{layer}"] = f"fitted ({self.source}; {how})"
                out[f"conversion.{layer}"] = f"fitted ({self.source}; {how})"
            else:
                why = self.not_estimable.get(layer, "not in the file")
                out[f"prob.{layer}"] = f"default (not estimable in {self.source}: {why})"
                out[f"conversion.{layer}"] = f"default (not estimable in {self.source}: {why})"
        return out

    @property
    def n_draws(self) -> int:
        return min((len(v) for v in self.draws.values()), default=0)

    def draw(self, j: int) -> "Params":
        """The parameters of bootstrap resample ``j`` (every layer from the same resample)."""
        n = self.n_draws
        if n == 0:
            raise InputError(
                "the params file has no bootstrap draws (fit with bootstrap > 0)", source=self.source, field="draws"
            )
        j = int(j) % n
        return Params(
            transmission={k: self.draws[k][j] for k in self.transmission},
            ci95=self.ci95,
            draws={},
            not_estimable=self.not_estimable,
            background=self.background,
            window_days=self.window_days,
            level=self.level,
            source=f"{self.source} draw {j}",
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "transmission": dict(self.transmission),
            "ci95": dict(self.ci95),
            "not_estimable": dict(self.not_estimable),
            "window_days": self.window_days,
            "level": self.level,
            "source": self.source,
            "prob": self.prob_spec(),
            "sources": self.sources(),
        }


def load_params(path: str | Path) -> Params:
    """Read a ``graphmodel.params/1`` file (``graphmodel fit --json``).

    Raises
    ------
    InputError
        Unreadable file, invalid JSON, another format or version (one line naming the file).
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read params file: {exc.strerror or exc}", source=str(path)) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"invalid JSON: {exc.msg}", source=str(path), line=exc.lineno) from None
    return Params.from_dict(data, source=str(path))


def as_params(params: ParamsLike) -> Params:
    """A :class:`Params` from a Params, a :class:`FitResult`, a ``graphmodel.params/1`` dict or a file path."""
    if isinstance(params, Params):
        return params
    if isinstance(params, dict):
        return Params.from_dict(params)
    if isinstance(params, (str, Path)):
        return load_params(params)
    if callable(getattr(params, "to_dict", None)):  # a FitResult
        return Params.from_result(params)
    raise InputError(f"expected a params file path, Params or FitResult, got {type(params).__name__}", field="params")
