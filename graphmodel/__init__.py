"""graphmodel: a commerce ecosystem as one heterogeneous graph.

Users, merchants, social ties, payments and transfers form an
:class:`Ecosystem`; a compiled propagation core measures how shopping intent
spreads through payment links compared with social links.

Public names are imported on first use (PEP 562 ``__getattr__``): ``import
graphmodel`` and ``graphmodel --help`` load neither numba nor scipy, igraph or
networkx, which cost seconds; the first call that needs them does.
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

#: Public name -> the module that defines it.
_EXPORTS: dict[str, str] = {
    **dict.fromkeys(("Ecosystem", "KNOWN_ATTRIBUTES", "LAYERS", "NODE_TYPES"), "graphmodel.ecosystem"),
    **dict.fromkeys(("GraphModelError", "GraphModelWarning", "InputError"), "graphmodel.errors"),
    **dict.fromkeys(("read", "write"), "graphmodel.io"),
    **dict.fromkeys(("SimulationResult", "simulate"), "graphmodel.propagation"),
    **dict.fromkeys(("SeedResult", "seeds"), "graphmodel.seeding"),
    **dict.fromkeys(
        ("CentralityResult", "CommunityResult", "StatsResult", "centrality", "communities", "stats"),
        "graphmodel.analytics",
    ),
    **dict.fromkeys(("ConversionResult", "SignalResult", "estimate_conversion", "signal"), "graphmodel.signals"),
    **dict.fromkeys(("SweepResult", "sweep"), "graphmodel.studies"),
    **dict.fromkeys(("CompareResult", "IntentModel", "compare"), "graphmodel.experiments"),
    **dict.fromkeys(("CompeteResult", "Platform", "compete"), "graphmodel.competition"),
    **dict.fromkeys(("FitResult", "fit"), "graphmodel.fitting"),
    **dict.fromkeys(("Params", "load_params"), "graphmodel.params"),
    "CSR": "graphmodel.csr",
    "resolve_seeds": "graphmodel.seedsets",
    "generate": "graphmodel.generator",
    "Table": "graphmodel.table",
    "Estimate": "graphmodel.estimate",
}
#: Subpackages and modules reachable as attributes (``gm.experiments.write_report``).
_SUBMODULES = frozenset(
    {
        "analytics",
        "competition",
        "experiments",
        "fitting",
        "generator",
        "io",
        "propagation",
        "seeding",
        "signals",
        "studies",
        "datasets",
        "csr",
        "ecosystem",
        "errors",
        "estimate",
        "table",
        "seedsets",
        "convert",
    }
)

if TYPE_CHECKING:  # static tools see the real names
    from graphmodel.analytics import CentralityResult, CommunityResult, StatsResult, centrality, communities, stats
    from graphmodel.competition import CompeteResult, Platform, compete
    from graphmodel.csr import CSR
    from graphmodel.ecosystem import KNOWN_ATTRIBUTES, LAYERS, NODE_TYPES, Ecosystem
    from graphmodel.errors import GraphModelError, GraphModelWarning, InputError
    from graphmodel.estimate import Estimate
    from graphmodel.experiments import CompareResult, IntentModel, compare
    from graphmodel.fitting import FitResult, fit
    from graphmodel.generator import generate
    from graphmodel.io import read, write
    from graphmodel.params import Params, load_params
    from graphmodel.propagation import SimulationResult, simulate
    from graphmodel.seeding import SeedResult, seeds
    from graphmodel.seedsets import resolve_seeds
    from graphmodel.signals import ConversionResult, SignalResult, estimate_conversion, signal
    from graphmodel.studies import SweepResult, sweep
    from graphmodel.table import Table


#: Modules that attach the Ecosystem's conversion methods (to_igraph, from_frames, ...; see graphmodel.ecosystem).
_ECOSYSTEM_METHODS = ("graphmodel.convert", "graphmodel.io.frames")


def _attach_ecosystem_methods() -> None:
    if "graphmodel.ecosystem" in sys.modules:
        for module in _ECOSYSTEM_METHODS:
            importlib.import_module(module)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is not None:
        value = getattr(importlib.import_module(module), name)
        _attach_ecosystem_methods()
        globals()[name] = value  # later look-ups skip this function
        return value
    if name in _SUBMODULES:
        value = importlib.import_module(f"graphmodel.{name}")
        _attach_ecosystem_methods()
        return value
    raise AttributeError(f"module 'graphmodel' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS) | _SUBMODULES)


def load_dataset(name: str, path: str | os.PathLike[str], **options: Any) -> "Ecosystem":
    """Load a real dataset release (see :func:`graphmodel.datasets.load_dataset`)."""
    from graphmodel.datasets import load_dataset as _load

    _attach_ecosystem_methods()
    return _load(name, path, **options)


def list_datasets() -> list[Any]:
    """The datasets :func:`load_dataset` knows (see :func:`graphmodel.datasets.list_datasets`)."""
    from graphmodel.datasets import list_datasets as _list

    return _list()


__all__ = sorted([*_EXPORTS, "load_dataset", "list_datasets", "__version__"])
