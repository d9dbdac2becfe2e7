"""Diffusion of shopping intent over typed layers: IC, LT, SIR (compiled Monte Carlo) and PPR.

:func:`simulate` is the entry point; :mod:`~graphmodel.propagation.engine`
is the low-level face (explicit per-arc arrays) for experiments that need more.
"""

from graphmodel.propagation.engine import PropagationGraph, RawRuns, prepare, run_batch, trace
from graphmodel.propagation.ppr import personalized_pagerank
from graphmodel.propagation.result import SimulationResult
from graphmodel.propagation.simulate import simulate

__all__ = [
    "PropagationGraph",
    "RawRuns",
    "SimulationResult",
    "personalized_pagerank",
    "prepare",
    "run_batch",
    "simulate",
    "trace",
]
