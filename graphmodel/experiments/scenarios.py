"""Scenarios (which layers carry intent) and the raw Monte Carlo runs of one scenario.

Every scenario runs on the same arrays (a :class:`~graphmodel.propagation.PropagationGraph`
over ``social, payment, transfer``) with a mask of enabled layers, from the
same seeds and the same run keys: the same edge has the same coin in the same
run whatever the scenario (common random numbers), so scenario differences
are paired, and reach and purchases are monotone in the set of layers.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from graphmodel.checks import check_positive_int
from graphmodel.ecosystem import LAYERS, Ecosystem
from graphmodel.errors import InputError
from graphmodel.experiments import _intent_kernel as IK
from graphmodel.experiments.intent import IntentModel
from graphmodel.kernels.coins import layer_keys
from graphmodel.kernels.skip import max_out_csr
from graphmodel.propagation.engine import PropagationGraph, prepare

if TYPE_CHECKING:
    from graphmodel.propagation.probability import ProbSpec

__all__ = [
    "DEFAULT_SCENARIOS",
    "parse_scenarios",
    "IntentSetup",
    "ScenarioRuns",
    "make_setup",
    "run_scenario",
    "run_scenarios",
    "METRICS",
    "CURVE_LEN",
]

#: The default scenarios: each layer alone, a social-first platform (social +
#: transfer: a messenger with red envelopes) and everything.
DEFAULT_SCENARIOS: tuple[str, ...] = ("social", "payment", "transfer", "social+transfer", "all")
#: Metrics reported per scenario.
METRICS: tuple[str, ...] = ("reach", "purchases", "gmv", "half_time", "merchants")
#: Steps kept in the per-step curves (later steps are gathered in the last one).
CURVE_LEN = 64


def parse_scenarios(spec: str | Sequence[str] | Mapping[str, Sequence[str]] | None) -> dict[str, tuple[str, ...]]:
    """Scenario name -> layers. Names are ``all`` or layers joined by ``+`` (``social+transfer``).

    Examples
    --------
    >>> parse_scenarios("payment,social+transfer")
    {'payment': ('payment',), 'social+transfer': ('social', 'transfer')}
    """
    if spec is None:
        spec = DEFAULT_SCENARIOS
    if isinstance(spec, Mapping):
        items = [(str(k), tuple(v)) for k, v in spec.items()]
    else:
        if isinstance(spec, str):
            spec = [s for s in spec.split(",")]
        items = []
        for name in spec:
            name = str(name).strip()
            if not name:
                continue
            layers = LAYERS if name == "all" else tuple(x.strip() for x in name.split("+"))
            items.append((name, layers))
    out: dict[str, tuple[str, ...]] = {}
    for name, layers in items:
        for layer in layers:
            if layer not in LAYERS:
                raise InputError(
                    f"scenario {name!r}: unknown layer {layer!r}; expected some of {', '.join(LAYERS)} or 'all'",
                    field="scenarios",
                )
        if not layers:
            raise InputError(f"scenario {name!r} has no layer", field="scenarios")
        out[name] = tuple(dict.fromkeys(layers))
    if len(out) < 1:
        raise InputError("no scenario given", field="scenarios")
    return out


@dataclass(frozen=True, eq=False)
class IntentSetup:
    """Everything the kernel needs apart from the scenario mask and the runs."""

    graph: PropagationGraph
    seeds: np.ndarray
    buy: np.ndarray  # float32: affordability x access per user
    conv: np.ndarray  # (L + 1,): per CSR layer, then the seeds' own conversion
    pkey: np.ndarray  # (L + 1,) uint64 purchase-coin keys
    from_purchase: np.ndarray  # (L,) uint8
    max_out: int

    def mask(self, layers: Sequence[str]) -> np.ndarray:
        return np.array([name in layers for name in self.graph.layers], dtype=np.uint8)

    @property
    def params(self) -> IK.IntentParams:
        """The intent model's arrays as the kernels take them (``_intent_kernel.IntentParams``)."""
        return IK.IntentParams(from_purchase=self.from_purchase, conv=self.conv, pkey=self.pkey)


@dataclass(frozen=True)
class ScenarioRuns:
    """Per-run outcomes of one scenario (runs in order)."""

    reach: np.ndarray
    purchases: np.ndarray
    merchants: np.ndarray
    half_time: np.ndarray
    steps: np.ndarray
    reach_by: np.ndarray  # (runs, L + 1), column L = seeds
    purch_by: np.ndarray
    curve_i: np.ndarray  # (runs, CURVE_LEN) new intents per step
    curve_p: np.ndarray

    def metric(self, name: str, price: float) -> np.ndarray:
        if name == "gmv":
            return self.purchases * float(price)
        return np.asarray(getattr(self, name), dtype=np.float64)

    @staticmethod
    def concat(parts: Sequence["ScenarioRuns"]) -> "ScenarioRuns":
        if len(parts) == 1:
            return parts[0]
        return ScenarioRuns(
            *(np.concatenate([getattr(p, f) for p in parts]) for f in ScenarioRuns.__dataclass_fields__)
        )


def _kernel_graph(graph: PropagationGraph) -> tuple[IK.CascadeGraph, IK.SkipTable]:
    """The graph arrays and the skip table, as the intent kernels take them."""
    g = IK.CascadeGraph(
        lptr=graph.lptr,
        indices=graph.indices,
        arc_key=graph.arc_key,
        prob=graph.prob,
        seg_p=graph.seg_p,
        seg_key=graph.seg_key,
    )
    return g, IK.break_table(graph.seg_p, graph.lptr)


def _compact(graph: PropagationGraph) -> PropagationGraph:
    """32-bit layer offsets when the arcs allow: half the memory per node the kernel touches (~12% faster at 1M users)."""
    if graph.m < 2**31 - 1:
        return replace(graph, lptr=np.ascontiguousarray(graph.lptr, dtype=np.int32))
    return graph


def make_setup(
    eco: Ecosystem, *, prob: ProbSpec, intent: IntentModel, buy: np.ndarray, seeds: np.ndarray
) -> IntentSetup:
    """Arrays over all three layers; ``prob`` is a spec for :mod:`graphmodel.propagation.probability`."""
    graph = _compact(prepare(eco, list(LAYERS), prob, model="ic"))
    L = len(graph.layers)
    conv = np.array([intent.conversion[x] for x in graph.layers] + [intent.seed_conversion], dtype=np.float64)
    glayer = np.array(list(graph.glayer) + [len(LAYERS)], dtype=np.int64)
    pkey = layer_keys(glayer)
    from_purchase = np.array([intent.spread[x] == "purchase" for x in graph.layers], dtype=np.uint8)
    assert from_purchase.shape == (L,)
    return IntentSetup(
        graph=graph,
        seeds=np.ascontiguousarray(seeds, dtype=np.int64),
        # float32: half the bytes of a per-user array read on every exposure (a cache miss on big graphs)
        buy=np.ascontiguousarray(buy, dtype=np.float32),
        conv=conv,
        pkey=pkey,
        from_purchase=from_purchase,
        max_out=max_out_csr(graph.indptr),
    )


def with_prob(setup: IntentSetup, eco: Ecosystem, prob: ProbSpec) -> IntentSetup:
    """The same setup with other transmission probabilities (coins unchanged)."""
    g = _compact(prepare(eco, list(LAYERS), prob, model="ic"))
    return replace(setup, graph=g)


def _n_workers(workers: int | None) -> int:
    if workers is None:
        return max(1, os.cpu_count() or 1)
    return int(check_positive_int(workers, "workers"))


def run_scenarios(
    setup: IntentSetup,
    scenarios: Mapping[str, Sequence[str]],
    *,
    key: int,
    runs: int,
    run_start: int = 0,
    workers: int | None = None,
) -> dict[str, ScenarioRuns]:
    """Runs ``run_start .. run_start + runs - 1`` of every scenario (name -> layers carrying intent).

    One compiled call per worker thread (the kernel releases the GIL); the workers take
    (run, scenario) items from a shared counter and keep one workspace for all of them. Run ``r``
    of a scenario depends on ``key``, ``r`` and the scenario only, so the numbers never depend on
    ``workers``.
    """
    g = setup.graph
    L = g.lptr.shape[1] - 1
    names = list(scenarios)
    S = len(names)
    masks = np.ascontiguousarray(np.stack([setup.mask(scenarios[k]) for k in names]), dtype=np.uint8)
    out = IK.IntentRuns(
        reach=np.zeros((S, runs), np.int64),
        purchases=np.zeros((S, runs), np.int64),
        merchants=np.zeros((S, runs), np.int64),
        half_time=np.zeros((S, runs), np.int64),
        steps=np.zeros((S, runs), np.int64),
        reach_by=np.zeros((S, runs, L + 1), np.int64),
        purch_by=np.zeros((S, runs, L + 1), np.int64),
        curve_i=np.zeros((S, runs, CURVE_LEN), np.int32),
        curve_p=np.zeros((S, runs, CURVE_LEN), np.int32),
    )
    kg, sk = _kernel_graph(g)
    im = setup.params
    counter = np.zeros(1, np.int64)
    nw = min(_n_workers(workers), max(1, S * runs))

    def work() -> None:
        IK.intent_worker(
            np.uint64(key),
            int(run_start),
            int(runs),
            counter,
            kg,
            sk,
            masks,
            im,
            setup.buy,
            setup.seeds,
            int(g.n_users),
            int(setup.max_out),
            out,
        )

    if nw == 1:
        work()
    else:
        with ThreadPoolExecutor(max_workers=nw) as pool:
            futures = [pool.submit(work) for _ in range(nw)]
            try:
                for f in futures:
                    f.result()
            except BaseException:
                # Ctrl-C or SIGTERM while the workers run: move the shared counter past the last item, so each
                # worker stops after its current run and the pool can be joined (the results are discarded).
                counter[0] = S * runs
                raise
    return {name: ScenarioRuns(**{f: v[i] for f, v in out._asdict().items()}) for i, name in enumerate(names)}


def run_scenario(
    setup: IntentSetup, layers: Sequence[str], *, key: int, runs: int, run_start: int = 0, workers: int | None = None
) -> ScenarioRuns:
    """Runs ``run_start .. run_start + runs - 1`` with only ``layers`` carrying intent (see :func:`run_scenarios`)."""
    return run_scenarios(setup, {"": layers}, key=key, runs=runs, run_start=run_start, workers=workers)[""]


def trace_run(setup: IntentSetup, layers: Sequence[str], *, key: int, run: int = 0) -> dict[str, np.ndarray]:
    """One run node by node: ``intent_step``, ``purchase_step``, ``exposure_layer``, ``purchase_layer`` (-1: none).

    Layers are CSR positions (``graph.layers``); ``len(graph.layers)`` means a seed.
    """
    g = setup.graph
    kg, sk = _kernel_graph(g)
    i, p, e, pl = IK.intent_trace(
        np.uint64(key),
        int(run),
        kg,
        sk,
        setup.mask(layers),
        setup.params,
        setup.buy,
        setup.seeds,
        int(g.n_users),
        int(setup.max_out),
    )
    return {"intent_step": i, "purchase_step": p, "exposure_layer": e, "purchase_layer": pl}
