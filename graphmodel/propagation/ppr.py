"""Personalized PageRank as a deterministic intent-mass diffusion (igraph computes it).

Intent mass starts on the seeds; at every step a share ``damping`` of it
follows the arcs of the chosen layers (split evenly over a node's out-arcs)
and the rest returns to the seeds. The stationary distribution is the share
of intent resting on each node. It is the expectation-level counterpart of a
cascade: no randomness, no runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from graphmodel.csr import igraph_of
from graphmodel.errors import InputError

if TYPE_CHECKING:
    from graphmodel.ecosystem import Ecosystem, LayerSpec

__all__ = ["personalized_pagerank", "igraph_of"]


def personalized_pagerank(
    eco: Ecosystem, seeds: np.ndarray, *, layers: LayerSpec = None, damping: float = 0.85
) -> np.ndarray:
    """Intent mass per global node (sums to 1) after diffusing from ``seeds`` over ``layers``.

    Examples
    --------
    >>> import graphmodel as gm
    >>> eco = gm.Ecosystem(users={"id": [0, 1]}, social={"src": [0], "dst": [1]})
    >>> m = personalized_pagerank(eco, np.array([0]), damping=0.5)
    >>> [round(float(x), 3) for x in m]
    [0.667, 0.333]
    """
    if not 0.0 <= damping < 1.0:
        raise InputError(f"damping must be in [0, 1), got {damping}", field="damping")
    seeds = np.asarray(seeds, dtype=np.int64)
    if seeds.size == 0:
        raise InputError("empty seed set", field="seeds")
    g = igraph_of(eco.csr(layers))
    mass = np.asarray(g.personalized_pagerank(directed=True, damping=damping, reset_vertices=seeds.tolist()))
    return mass / mass.sum()
