"""Reverse-reachable sets drawn on a Dask cluster: the same sets, sampled by the workers.

:class:`ClusterRRGraph` has the two methods :class:`~graphmodel.seeding.rrsets.RRCollection`
samples through (``new_scratch`` and ``sample``). Its ``sample`` sends the
chunk (stream key, first set, count) to a worker, which draws it from an
:class:`~graphmodel.seeding.rrsets.RRGraph` it built once from the ecosystem
it opened (:mod:`graphmodel.cluster`). Set ``i`` depends on ``(key, i)``
only and the collection takes chunks in set order, so the sets, and the
seeds chosen from them, are those of a local run.
"""

from __future__ import annotations

import hashlib
import threading
from typing import TYPE_CHECKING, Any

import numpy as np

from graphmodel import cluster
from graphmodel.seeding.rrsets import RRGraph

if TYPE_CHECKING:
    from distributed import Client

    from graphmodel.ecosystem import Ecosystem, LayerSpec
    from graphmodel.propagation.probability import ProbSpec

__all__ = ["ClusterRRGraph"]


class ClusterRRGraph:
    """An :class:`RRGraph` whose chunks are drawn on Dask workers.

    Parameters
    ----------
    local
        The graph built here (its sizes, roots and weights describe the sets;
        its arrays are not shipped).
    client
        A connected ``distributed.Client``.
    eco, layers, prob, model, weights
        What :func:`graphmodel.seeding.seeds` built ``local`` from; each worker
        builds the same graph from them.
    """

    def __init__(
        self,
        local: RRGraph,
        *,
        client: Client,
        eco: Ecosystem,
        layers: LayerSpec,
        prob: ProbSpec,
        model: str,
        weights: np.ndarray | None,
    ) -> None:
        self.local = local
        self.client = client
        self.ref = cluster.share(client, eco)
        token = "none" if weights is None else hashlib.sha1(np.ascontiguousarray(weights).tobytes()).hexdigest()
        if isinstance(prob, np.ndarray):
            token += hashlib.sha1(np.ascontiguousarray(prob).tobytes()).hexdigest()
            prob = client.scatter(prob, broadcast=True, hash=False)
        w = None if weights is None else client.scatter(np.asarray(weights), broadcast=True, hash=False)
        self._args = (tuple(layers) if isinstance(layers, list) else layers, prob, model, w, token)

    def __getattr__(self, name: str) -> Any:  # n, roots, total_weight, ... of the local graph
        return getattr(self.__dict__["local"], name)

    def new_scratch(self) -> list:
        return []

    def sample(self, key: np.uint64, start: int, count: int, sc: list) -> tuple[np.ndarray, np.ndarray]:
        """RR sets ``start .. start+count-1`` of stream ``key``, drawn on a worker."""
        return cluster.submit(
            self.client, self.ref, _sample_on_worker, run_start=start, runs=count, args=(*self._args, int(key))
        ).result()


_SCRATCH = threading.local()


def _sample_on_worker(
    eco: Ecosystem,
    layers: LayerSpec,
    prob: ProbSpec,
    model: str,
    weights: np.ndarray | None,
    token: str,
    key: int,
    *,
    run_start: int,
    runs: int,
) -> tuple[np.ndarray, np.ndarray]:
    from graphmodel.propagation.engine import prepare

    spec = (
        repr(sorted(prob.items()))
        if isinstance(prob, dict)
        else repr(prob)
        if not isinstance(prob, np.ndarray)
        else "array"
    )

    def build() -> RRGraph:
        return RRGraph.from_propagation(prepare(eco, layers, prob, model=model), model=model, weights=weights)

    g = cluster.derived(eco, ("rr", layers, spec, model, token), build)
    scratch = getattr(_SCRATCH, "by_graph", None)
    if scratch is None or scratch[0] is not g:
        scratch = _SCRATCH.by_graph = (g, g.new_scratch())
    return g.sample(np.uint64(key), int(run_start), int(runs), scratch[1])
