"""The bundled presets (``datasets/presets.toml``): named parameter overrides with a rationale."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

from graphmodel.errors import InputError
from graphmodel.generator.params import GenerateParams, make_params

__all__ = ["Preset", "presets", "get_preset", "parameter_table"]

_FILE = "presets.toml"


@dataclass(frozen=True)
class Preset:
    """A named set of parameter overrides, with the article's rationale for it."""

    name: str
    rationale: str
    overrides: dict[str, Any] = field(default_factory=dict)

    def params(self, **changes: Any) -> GenerateParams:
        """Validated parameters: defaults, then this preset's overrides, then ``changes``."""
        return make_params({**self.overrides, **changes})

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "rationale": self.rationale, "overrides": dict(self.overrides)}


@lru_cache(maxsize=1)
def _load() -> tuple[Preset, ...]:
    text = resources.files("graphmodel.datasets").joinpath(_FILE).read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"invalid TOML: {exc}", source=_FILE) from None
    out = []
    for name, body in data.items():
        if not isinstance(body, dict) or not isinstance(body.get("rationale"), str):
            raise InputError("a preset needs a 'rationale' string", source=_FILE, field=name)
        overrides = dict(body.get("params", {}))
        make_params(overrides, source=f"{_FILE} [{name}]")  # validate once, name the preset on error
        out.append(Preset(name, body["rationale"], overrides))
    return tuple(out)


def presets() -> dict[str, Preset]:
    """The bundled presets by name (``balanced``, ``payment-first``, ``social-first``).

    Examples
    --------
    >>> sorted(presets())
    ['balanced', 'payment-first', 'social-first']
    """
    return {p.name: p for p in _load()}


def get_preset(name: str) -> Preset:
    """The preset called ``name``; :class:`InputError` listing the valid names otherwise."""
    all_ = presets()
    if name not in all_:
        raise InputError(f"unknown preset {name!r}; expected one of {', '.join(all_)}", field="preset")
    return all_[name]


def parameter_table() -> list[dict[str, Any]]:
    """Every parameter with its meaning, group, valid range, default and value in each preset (JSON-ready).

    Examples
    --------
    >>> row = parameter_table()[0]
    >>> row["name"], row["values"]["balanced"]
    ('users', 10000)
    """
    from graphmodel.generator.params import PARAMETERS

    all_ = presets()
    resolved = {name: p.params() for name, p in all_.items()}
    return [
        {
            "name": spec.name,
            "group": spec.group,
            "type": spec.type.__name__,
            "range": spec.range,
            "default": spec.default,
            "values": {name: getattr(params, spec.name) for name, params in resolved.items()},
            "meaning": spec.meaning,
        }
        for spec in PARAMETERS.values()
    ]
