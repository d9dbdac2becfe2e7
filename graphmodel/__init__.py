"""graphmodel: a commerce ecosystem as one heterogeneous graph.

Users, merchants, social ties, payments and transfers form an
:class:`Ecosystem`; a compiled propagation core measures how shopping intent
spreads through payment links compared with social links.
"""

from graphmodel.csr import CSR
from graphmodel.ecosystem import KNOWN_ATTRIBUTES, LAYERS, NODE_TYPES, Ecosystem
from graphmodel.errors import GraphModelError, GraphModelWarning, InputError
from graphmodel.io import read, write
from graphmodel.propagation import SimulationResult, simulate
from graphmodel.seedsets import resolve_seeds
from graphmodel.seeding import SeedResult, seeds
from graphmodel.generator import generate
from graphmodel.analytics import CentralityResult, CommunityResult, StatsResult, centrality, communities, stats
from graphmodel.signals import ConversionResult, SignalResult, estimate_conversion, signal
from graphmodel.table import Table
from graphmodel.studies import SweepResult, sweep
from graphmodel.experiments import CompareResult, IntentModel, compare
from graphmodel.competition import CompeteResult, Platform, compete
from graphmodel.fit import FitResult, Params, fit, load_params

__version__ = "0.1.0"


def load_dataset(name: str, path: "str | os.PathLike[str]", **options: "Any") -> Ecosystem:
    """Load a real dataset release (see :func:`graphmodel.datasets.load_dataset`; imported lazily)."""
    from graphmodel.datasets import load_dataset as _load

    return _load(name, path, **options)


def list_datasets() -> "list[DatasetInfo]":
    """The datasets :func:`load_dataset` knows (see :func:`graphmodel.datasets.list_datasets`)."""
    from graphmodel.datasets import list_datasets as _list

    return _list()


__all__ = [
    "CentralityResult",
    "CommunityResult",
    "StatsResult",
    "centrality",
    "communities",
    "stats",
    "signal",
    "SignalResult",
    "estimate_conversion",
    "ConversionResult",
    "CSR",
    "CompareResult",
    "IntentModel",
    "compare",
    "compete",
    "CompeteResult",
    "Platform",
    "Ecosystem",
    "GraphModelError",
    "GraphModelWarning",
    "InputError",
    "KNOWN_ATTRIBUTES",
    "LAYERS",
    "NODE_TYPES",
    "SimulationResult",
    "Table",
    "read",
    "write",
    "__version__",
    "resolve_seeds",
    "simulate",
    "seeds",
    "SeedResult",
    "generate",
    "list_datasets",
    "load_dataset",
    "sweep",
    "SweepResult",
    "fit", "FitResult", "Params", "load_params",
]
