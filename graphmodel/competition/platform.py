"""Platforms and contests: who enters the ecosystem, where, and with what strength.

A :class:`Platform` is a name, a seed rule, the layers it spreads on and a
strength (transmission probability) per layer. The command-line form is one
string::

    wallet: seeds=top-degree:30:merchant, layers=payment, strength=payment:0.12
    messenger: seeds=top-degree:30:user, layers=social,transfer, strength=social:0.05,transfer:0.2

* ``seeds``: any seed rule of :mod:`graphmodel.seedsets` (``top-degree:K``,
  ``top-pagerank:K``, ``random:K``, each with an optional ``:user`` /
  ``:merchant``; ``user:ID``; ...), ``imm:K[:user|merchant|any]``: influence
  maximisation by :func:`graphmodel.seeds` on the platform's own layers and
  strengths *as if the platform were alone*, or ``imm-vs:K[:user|merchant|any]``:
  influence maximisation *against the rival's seeds* (the users the platform
  reaches before the rival, with the contest's ties, carry and multi-homing;
  two-platform contests without switching; see
  :mod:`graphmodel.competition.follower`).
* ``layers``: comma-separated layers (default: the layers ``strength`` names,
  else all layers).
* ``strength``: ``layer:value`` pairs; a value is a probability in [0, 1] or
  any per-arc rule of :mod:`graphmodel.propagation.probability` (``wc``,
  ``exp:K:ATTR``, ``attr:ATTR``); a bare value applies to every layer. Layers
  not named get the weighted cascade (``wc``), subcritical on every bundled preset.
* ``budget``: the number of seeds ``K``; when given it replaces the ``K`` of
  the (single) seed rule, which is what a sweep over ``NAME.budget`` varies.

A contest file (TOML) holds ``[[platform]]`` tables with the same keys
(``name``, ``seeds``, ``layers`` as a list or string, ``strength`` as a table,
``budget``) and an optional ``[contest]`` table with the options of
:func:`graphmodel.competition.compete` (``tie``, ``switching``, ``lock_in``,
``multihoming``, ``merchant_carry``, ``runs``, ``seed``, ``max_steps``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from graphmodel.ecosystem import LAYERS, LayerSpec
from graphmodel.errors import InputError

__all__ = ["Platform", "parse_platform", "load_contest", "Contest", "CONTEST_OPTIONS", "SEED_RULES_WITH_K"]

#: Seed rules whose second field is the number of seeds K.
SEED_RULES_WITH_K: tuple[str, ...] = ("random", "top-degree", "top-pagerank", "imm", "imm-vs")
#: Keys of the ``[contest]`` table and their expected Python types.
CONTEST_OPTIONS: dict[str, tuple[type, ...]] = {
    "tie": (str,),
    "switching": (int, float),
    "lock_in": (int, float),
    "multihoming": (int, float),
    "merchant_carry": (int, float),
    "runs": (int,),
    "seed": (int,),
    "max_steps": (int,),
}
_KEYS = ("seeds", "layers", "strength", "budget")
DEFAULT_STRENGTH = "wc"


@dataclass(frozen=True)
class Platform:
    """One competitor.

    Attributes
    ----------
    name : str
        Unique name (a JSON key of the result).
    seeds : str
        Seed rule (see the module docstring).
    layers : tuple of str
        Layers the platform spreads on.
    strength : dict of str to float or str
        Per-layer transmission probability (or per-arc rule), one entry per layer.
    budget : int or None
        Number of seeds; replaces K of the seed rule when given.

    Examples
    --------
    >>> p = Platform("wallet", seeds="top-degree:30:merchant", layers=("payment",), strength={"payment": 0.12})
    >>> p.with_budget(50).seed_spec()
    'top-degree:50:merchant'
    """

    name: str
    seeds: str
    layers: tuple[str, ...] = LAYERS
    strength: Mapping[str, float | str] = field(default_factory=dict)
    budget: int | None = None
    #: Layers whose strength the platform named (the others took the default; fitted parameters may replace them).
    strength_given: tuple[str, ...] = field(default=(), init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        from graphmodel.propagation.probability import parse_prob_spec

        where = f"platform {self.name!r}"
        if not isinstance(self.name, str) or not self.name.strip() or any(c in self.name for c in ".:=, "):
            raise InputError(
                f"a platform name must be a non-empty word without '.:=, ', got {self.name!r}", field="name"
            )
        if not isinstance(self.seeds, str) or not self.seeds.strip():
            raise InputError(f"{where}: seeds must be a non-empty seed rule", field="seeds")
        layers = (self.layers,) if isinstance(self.layers, str) else tuple(self.layers)
        layers = tuple(dict.fromkeys(x.strip() for s in layers for x in s.split(",") if x.strip()))
        if not layers:
            raise InputError(f"{where}: no layers", field="layers")
        for layer in layers:
            if layer not in LAYERS:
                raise InputError(
                    f"{where}: unknown layer {layer!r}; expected some of {', '.join(LAYERS)}", field="layers"
                )
        object.__setattr__(self, "layers", layers)
        strength = dict(self.strength) if isinstance(self.strength, Mapping) else self.strength
        for k in strength if isinstance(strength, dict) else ():
            if k not in layers:
                raise InputError(
                    f"{where}: strength for layer {k!r}, which is not among its layers {', '.join(layers)}",
                    field="strength",
                )
        try:
            spec = parse_prob_spec(strength if strength != {} else DEFAULT_STRENGTH, layers, model="ic")
        except InputError as exc:
            raise InputError(f"{where}: {exc}", field="strength") from None
        object.__setattr__(self, "strength", spec)
        named = tuple(strength) if isinstance(strength, dict) else (layers if strength not in ({}, None) else ())
        object.__setattr__(self, "strength_given", named)
        if self.budget is not None:
            if isinstance(self.budget, bool) or int(self.budget) != self.budget or self.budget < 1:
                raise InputError(f"{where}: budget must be a positive integer, got {self.budget!r}", field="budget")
            object.__setattr__(self, "budget", int(self.budget))
            self.seed_spec()  # the rule must have a K to replace

    def seed_spec(self) -> str:
        """The seed rule with ``budget`` applied."""
        if self.budget is None:
            return self.seeds
        items = [x.strip() for x in self.seeds.split(",") if x.strip()]
        hits = [i for i, x in enumerate(items) if x.split(":", 1)[0] in SEED_RULES_WITH_K]
        if len(hits) != 1:
            raise InputError(
                f"platform {self.name!r}: a budget needs exactly one rule with a K ({', '.join(SEED_RULES_WITH_K)}) "
                f"in seeds, got {self.seeds!r}",
                field="budget",
            )
        parts = items[hits[0]].split(":")
        if len(parts) < 2:
            raise InputError(f"platform {self.name!r}: seed rule {items[hits[0]]!r} has no K", field="seeds")
        parts[1] = str(self.budget)
        items[hits[0]] = ":".join(parts)
        return ",".join(items)

    def with_budget(self, k: int) -> "Platform":
        return replace(self, budget=int(k))

    def with_strength(self, layer: str, value: float | str) -> "Platform":
        if layer not in self.layers:
            raise InputError(f"platform {self.name!r} does not spread on layer {layer!r}", field="strength")
        return replace(self, strength={**self.strength, layer: value})

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "seeds": self.seed_spec(),
            "layers": list(self.layers),
            "strength": dict(self.strength),
            "budget": self.budget,
        }


def _split_options(text: str) -> list[tuple[str, str]]:
    """``"a=1,2, b=x"`` -> [("a", "1,2"), ("b", "x")]: a comma piece without '=' continues the previous value."""
    out: list[list[str]] = []
    for piece in text.split(","):
        piece = piece.strip()
        if not piece:
            continue
        if "=" in piece:
            k, v = piece.split("=", 1)
            out.append([k.strip(), v.strip()])
        elif out:
            out[-1][1] += "," + piece
        else:
            raise InputError(f"expected 'key=value' after the platform name, got {piece!r}", field="platform")
    return [(k, v) for k, v in out]


def _parse_strength(text: str, name: str) -> dict[str, str] | str:
    pieces = [x.strip() for x in text.split(",") if x.strip()]
    if len(pieces) == 1 and pieces[0].split(":", 1)[0] not in LAYERS:
        return pieces[0]  # one value for every layer
    out: dict[str, str] = {}
    for piece in pieces:
        layer, sep, value = piece.partition(":")
        if not sep or layer.strip() not in LAYERS:
            raise InputError(
                f"platform {name!r}: bad strength {piece!r}; expected 'layer:value' with layer one of "
                f"{', '.join(LAYERS)}",
                field="strength",
            )
        out[layer.strip()] = value.strip()
    return out


def parse_platform(text: str) -> Platform:
    """A :class:`Platform` from its command-line form ``"NAME: key=value, ..."``.

    Examples
    --------
    >>> p = parse_platform("messenger: seeds=top-degree:30:user, layers=social,transfer, strength=social:0.05,transfer:0.2")
    >>> p.layers, p.strength
    (('social', 'transfer'), {'social': 0.05, 'transfer': 0.2})
    """
    if not isinstance(text, str) or ":" not in text:
        raise InputError(f"expected 'NAME: seeds=..., layers=..., strength=...', got {text!r}", field="platform")
    name, rest = text.split(":", 1)
    name = name.strip()
    opts: dict[str, str] = {}
    for k, v in _split_options(rest):
        if k not in _KEYS:
            raise InputError(f"platform {name!r}: unknown key {k!r}; expected {', '.join(_KEYS)}", field="platform")
        if k in opts:
            raise InputError(f"platform {name!r}: {k} given twice", field=k)
        opts[k] = v
    if "seeds" not in opts:
        raise InputError(f"platform {name!r}: seeds=... is required", field="seeds")
    strength: Any = _parse_strength(opts["strength"], name) if "strength" in opts else {}
    if "layers" in opts:
        layers: LayerSpec = opts["layers"]
    elif isinstance(strength, dict) and strength:
        layers = tuple(strength)
    else:
        layers = LAYERS
    budget: Any = None
    if "budget" in opts:
        try:
            budget = int(opts["budget"])
        except ValueError:
            raise InputError(
                f"platform {name!r}: budget must be an integer, got {opts['budget']!r}", field="budget"
            ) from None
    return Platform(name, seeds=opts["seeds"], layers=layers, strength=strength, budget=budget)


@dataclass(frozen=True)
class Contest:
    """Platforms and options read from a contest file."""

    platforms: tuple[Platform, ...]
    options: dict[str, Any]


def load_contest(path: str | Path) -> Contest:
    """Read a TOML contest file (see the module docstring and ``examples/contest.toml``)."""
    import tomllib

    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"cannot read contest file: {exc.strerror or exc}", source=str(path)) from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"not valid TOML: {exc}", source=str(path)) from None
    for key in data:
        if key not in ("platform", "contest"):
            raise InputError(f"unknown table {key!r}; expected [[platform]] and [contest]", source=str(path), field=key)
    tables = data.get("platform", [])
    if not isinstance(tables, list) or not tables:
        raise InputError("no [[platform]] tables", source=str(path), field="platform")
    platforms = []
    for i, t in enumerate(tables):
        where = f"platform[{i}]"
        for k in t:
            if k not in ("name", *_KEYS):
                raise InputError(
                    f"unknown key {k!r}; expected name, {', '.join(_KEYS)}", source=str(path), field=f"{where}.{k}"
                )
        if "name" not in t or "seeds" not in t:
            raise InputError("a platform needs name and seeds", source=str(path), field=where)
        strength = t.get("strength", {})
        if not isinstance(strength, (dict, int, float, str)) or isinstance(strength, bool):
            raise InputError(
                "strength must be a table layer = value or one value", source=str(path), field=f"{where}.strength"
            )
        layers = t.get("layers", tuple(strength) if isinstance(strength, dict) and strength else LAYERS)
        try:
            platforms.append(
                Platform(
                    str(t["name"]), seeds=str(t["seeds"]), layers=layers, strength=strength, budget=t.get("budget")
                )
            )
        except InputError as exc:
            raise InputError(exc.message, source=str(path), field=f"{where}.{exc.field or 'platform'}") from None
    options = dict(data.get("contest", {}))
    for k, v in options.items():
        if k not in CONTEST_OPTIONS:
            raise InputError(
                f"unknown option {k!r}; expected {', '.join(CONTEST_OPTIONS)}", source=str(path), field=f"contest.{k}"
            )
        if isinstance(v, bool) or not isinstance(v, CONTEST_OPTIONS[k]):
            raise InputError(f"{k} has the wrong type ({type(v).__name__})", source=str(path), field=f"contest.{k}")
        if isinstance(v, float) and not math.isfinite(v):
            raise InputError(f"{k} must be finite", source=str(path), field=f"contest.{k}")
    return Contest(tuple(platforms), options)
