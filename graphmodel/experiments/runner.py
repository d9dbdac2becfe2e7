"""Where the scenario runs of an experiment go: this process's threads, or batches over a Dask cluster.

:class:`ScenarioRunner` has the faces of :func:`~graphmodel.experiments.scenarios.make_setup`,
:func:`~graphmodel.experiments.scenarios.with_prob`,
:func:`~graphmodel.experiments.scenarios.run_scenarios` and
:func:`~graphmodel.experiments.scenarios.run_scenario`. Without a client it
calls them. With one, it remembers how each setup's graph was made (which
ecosystem, which probability spec; or, for a graph whose per-arc
probabilities were changed in memory, that graph's probabilities, scattered
once), so that each worker rebuilds the same arrays from the ecosystem it
opens (:mod:`graphmodel.cluster`); the per-run outcomes come back in run
order and are concatenated as local batches are. Run ``r`` of a scenario
depends on the key, ``r`` and the scenario only, so the numbers are the
same to the bit.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np

from graphmodel import cluster
from graphmodel.ecosystem import LAYERS
from graphmodel.experiments.intent import IntentModel
from graphmodel.experiments.scenarios import IntentSetup, ScenarioRuns, make_setup, run_scenarios, with_prob

if TYPE_CHECKING:
    from distributed import Client

    from graphmodel.ecosystem import Ecosystem
    from graphmodel.propagation.engine import PropagationGraph
    from graphmodel.propagation.probability import ProbSpec

__all__ = ["ScenarioRunner"]

#: The small per-setup arrays shipped with every batch (the graph is rebuilt on the worker).
_SMALL = ("seeds", "conv", "pkey", "from_purchase", "max_out")


class ScenarioRunner:
    """Runs scenarios here (``client=None``) or on a Dask cluster (a connected ``distributed.Client``).

    Parameters
    ----------
    workers
        Threads of the compiled kernel (here; on a worker, default its Dask thread count).
    client
        A connected ``distributed.Client``, or None.
    """

    def __init__(self, *, workers: int | None = None, client: Client | None = None) -> None:
        self.workers = workers
        self.client = client
        self._graphs: dict[int, tuple[Any, Any, Any]] = {}  # id(graph) -> (graph, eco, spec)
        self._refs: dict[int, tuple[Any, cluster.EcoRef]] = {}  # id(eco) -> (eco, ref)
        self._scattered: dict[int, tuple[Any, Any]] = {}  # id(array) -> (array, future)

    # -- setups --------------------------------------------------------------
    def setup(
        self, eco: Ecosystem, *, prob: ProbSpec, intent: IntentModel, buy: np.ndarray, seeds: np.ndarray
    ) -> IntentSetup:
        """:func:`~graphmodel.experiments.scenarios.make_setup`, remembered."""
        s = make_setup(eco, prob=prob, intent=intent, buy=buy, seeds=seeds)
        self._graphs[id(s.graph)] = (s.graph, eco, prob)
        return s

    def with_prob(self, setup: IntentSetup, eco: Ecosystem, prob: ProbSpec) -> IntentSetup:
        """:func:`~graphmodel.experiments.scenarios.with_prob`, remembered."""
        s = with_prob(setup, eco, prob)
        self._graphs[id(s.graph)] = (s.graph, eco, prob)
        return s

    # -- runs ----------------------------------------------------------------
    def batch_size(self, runs: int) -> int:
        """Runs per batch when nothing else asks for one: all of them here, about two batches a worker there."""
        if self.client is None:
            return int(runs)
        return max(1, math.ceil(runs / (2 * cluster.n_workers(self.client))))

    def iter_batches(
        self, setup: IntentSetup, scenarios: Mapping[str, Sequence[str]], *, key: int, ranges: Sequence[tuple[int, int]]
    ) -> Iterator[dict[str, ScenarioRuns]]:
        """:func:`~graphmodel.experiments.scenarios.run_scenarios` of each ``(run_start, runs)``, in that order."""
        scen = {k: tuple(v) for k, v in scenarios.items()}
        if self.client is None:
            for s, n in ranges:
                yield run_scenarios(setup, scen, key=key, runs=n, run_start=s, workers=self.workers)
            return
        ref, spec, override = self._recipe(setup.graph)
        small = {k: getattr(setup, k) for k in _SMALL}
        buy = self._scatter(setup.buy)
        it = cluster.iter_batches(
            self.client,
            ref,
            _scenarios_on_worker,
            ranges,
            args=(spec, override, buy, small, scen, int(key), self.workers),
        )
        try:
            yield from it
        finally:
            it.close()

    def run_scenarios(
        self,
        setup: IntentSetup,
        scenarios: Mapping[str, Sequence[str]],
        *,
        key: int,
        runs: int,
        run_start: int = 0,
        workers: int | None = None,
    ) -> dict[str, ScenarioRuns]:
        """Like :func:`~graphmodel.experiments.scenarios.run_scenarios` (``workers`` is the runner's)."""
        ranges = cluster.batches(runs, size=self.batch_size(runs), start=run_start)
        parts = list(self.iter_batches(setup, scenarios, key=key, ranges=ranges))
        return {k: ScenarioRuns.concat([p[k] for p in parts]) for k in scenarios}

    def run_scenario(
        self,
        setup: IntentSetup,
        layers: Sequence[str],
        *,
        key: int,
        runs: int,
        run_start: int = 0,
        workers: int | None = None,
    ) -> ScenarioRuns:
        """Like :func:`~graphmodel.experiments.scenarios.run_scenario`."""
        return self.run_scenarios(setup, {"": tuple(layers)}, key=key, runs=runs, run_start=run_start)[""]

    # -- helpers -------------------------------------------------------------
    def _ref(self, eco: Ecosystem) -> cluster.EcoRef:
        hit = self._refs.get(id(eco))
        if hit is None:
            hit = self._refs[id(eco)] = (eco, cluster.share(self.client, eco))
        return hit[1]

    def _scatter(self, arr: np.ndarray) -> Any:
        hit = self._scattered.get(id(arr))
        if hit is None:
            hit = self._scattered[id(arr)] = (arr, self.client.scatter(arr, broadcast=True, hash=False))
        return hit[1]

    def _recipe(self, graph: PropagationGraph) -> tuple[cluster.EcoRef, Any, Any]:
        """(ecosystem, probability spec, per-arc override or None) a worker rebuilds ``graph`` from."""
        hit = self._graphs.get(id(graph))
        if hit is not None and hit[0] is graph:
            return self._ref(hit[1]), hit[2], None
        # A graph made in memory from a remembered one (new per-arc probabilities, same arcs and coins).
        for g0, eco, spec in self._graphs.values():
            if g0.indptr is graph.indptr and g0.indices is graph.indices and g0.arc_key is graph.arc_key:
                return self._ref(eco), spec, (self._scatter(graph.prob), np.asarray(graph.seg_p))
        raise ValueError("a setup whose graph the runner did not make (use ScenarioRunner.setup / with_prob)")


def _scenarios_on_worker(
    eco: Ecosystem,
    spec: Any,
    override: Any,
    buy: np.ndarray,
    small: dict[str, Any],
    scen: dict[str, tuple[str, ...]],
    key: int,
    workers: int | None,
    *,
    run_start: int,
    runs: int,
) -> dict[str, ScenarioRuns]:
    """One batch of :meth:`ScenarioRunner.run_scenarios` on a Dask worker (arrays prepared once per process)."""
    stub = IntentSetup(graph=None, buy=buy, **small)  # type: ignore[arg-type]
    graph = cluster.derived(eco, ("scenarios", LAYERS, _spec_key(spec)), lambda: with_prob(stub, eco, spec).graph)
    if override is not None:
        graph = replace(graph, prob=override[0], seg_p=override[1])
    setup = replace(stub, graph=graph)
    return run_scenarios(setup, scen, key=key, runs=runs, run_start=run_start, workers=cluster.worker_threads(workers))


def _spec_key(spec: Any) -> Any:
    return tuple(sorted(spec.items())) if isinstance(spec, Mapping) else repr(spec)
