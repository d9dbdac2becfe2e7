"""The low-level face of the propagation kernels: explicit per-arc arrays in, raw per-run counts out.

:func:`prepare` turns an ecosystem, a set of layers and a probability spec
into a :class:`PropagationGraph`; :func:`run_batch` runs a range of cascades
on it; :func:`trace` replays one run node by node. Experiments that need a
different per-arc probability (say, an intent model that makes some layers
carry less) build the graph with :func:`prepare` and then
``dataclasses.replace(graph, prob=..., seg_p=...)``: per-arc probabilities
change, coins stay the same (common random numbers across scenarios).

To let a node's *state* choose which layers it spreads on, write a kernel in
your own module from the primitives of :mod:`graphmodel.kernels`
(``run_key``, ``arc_coin``, ``skip_next`` and ``segment_targets`` give the same coins).
"""

from __future__ import annotations

import time
import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from graphmodel.arcs import arc_structure
from graphmodel.csr import CSR
from graphmodel.ecosystem import LAYERS, Ecosystem, LayerSpec
from graphmodel.kernels import cpu
from graphmodel.kernels.coins import layer_keys
from graphmodel.propagation import _kernels as K

if TYPE_CHECKING:
    from graphmodel._seed import SeedLike
    from graphmodel.propagation.probability import ProbSpec

__all__ = ["PropagationGraph", "RawRuns", "prepare", "run_batch", "trace", "base_key", "MODELS"]

#: Model name -> kernel code.
MODELS: dict[str, int] = {"ic": K.MODEL_IC, "lt": K.MODEL_LT, "sir": K.MODEL_SIR}


@dataclass(frozen=True, eq=False)
class PropagationGraph:
    """Flat arrays the kernels run on (see :mod:`graphmodel.propagation._kernels`).

    ``layers`` are the CSR layer names in the order ``lptr`` columns, ``seg_p``
    and ``seg_key`` refer to; ``glayer`` their positions in :data:`graphmodel.LAYERS`.
    """

    indptr: np.ndarray
    indices: np.ndarray
    lptr: np.ndarray
    arc_key: np.ndarray
    prob: np.ndarray
    seg_p: np.ndarray
    seg_key: np.ndarray
    layers: tuple[str, ...]
    glayer: tuple[int, ...]
    n_users: int
    n_merchants: int

    @property
    def n(self) -> int:
        return self.n_users + self.n_merchants

    @property
    def m(self) -> int:
        return int(self.indices.shape[0])

    def arc_layers(self) -> np.ndarray:
        """The CSR layer (position in ``layers``) of every arc, in kernel arc order."""
        counts = np.diff(np.asarray(self.lptr, dtype=np.int64), axis=1)  # (n, L): arcs of a node are grouped by layer
        # int8: one byte an arc (a few layers), not eight -- 1.4 GiB less at 10M users
        return np.repeat(np.tile(np.arange(len(self.layers), dtype=np.int8), self.n), counts.ravel())


@dataclass(frozen=True)
class RawRuns:
    """Per-run counts of a batch (runs ``run_start .. run_start + len(users) - 1``)."""

    users: np.ndarray
    merchants: np.ndarray
    steps: np.ndarray
    layer_counts: np.ndarray  # (runs, L + 1): users reached through each layer; column L = user seeds
    node_counts: np.ndarray  # (n,): runs in which each node was active
    curve: np.ndarray  # newly active users per step, summed over runs


#: The last per-arc probabilities of each CSR whose spec depends on the graph alone (numbers and "wc"):
#: repeated calls (a sweep, a loop over seeds) skip filling an array over every arc. Like the structure
#: arrays, the cached array is shared by the graphs prepared from it and must not be written to.
_PROB_CACHE: "weakref.WeakKeyDictionary[CSR, tuple]" = weakref.WeakKeyDictionary()


def _arc_probabilities(eco: Ecosystem, csr: CSR, spec: Any, model: str, perm: np.ndarray | None):
    from graphmodel.propagation.probability import arc_probabilities

    cacheable = model != "lt" and all(isinstance(v, float) or v == "wc" for v in spec.values())
    key = (model, tuple(sorted(spec.items())))
    if cacheable:
        hit = _PROB_CACHE.get(csr)
        if hit is not None and hit[0] == key:
            return hit[1], hit[2].copy()
    p, seg_p = arc_probabilities(eco, csr, spec, model=model)
    p = p if perm is None else p[perm]
    if cacheable:
        _PROB_CACHE[csr] = (key, p, seg_p.copy())
    return p, seg_p


def prepare(eco: Ecosystem, layers: LayerSpec = None, prob: ProbSpec = None, *, model: str = "ic") -> PropagationGraph:
    """Arrays for the kernels: ``eco.csr(layers)`` plus per-arc probabilities from ``prob``.

    ``prob`` is a spec (see :mod:`graphmodel.propagation.probability`) or a
    float array with one value per arc of ``eco.csr(layers)`` (per-arc, no skipping).

    Examples
    --------
    >>> import graphmodel as gm
    >>> eco = gm.Ecosystem(users={"id": [1, 2]}, social={"src": [0], "dst": [1]})
    >>> g = prepare(eco, ["social"], {"social": 0.5})
    >>> g.m, g.seg_p.tolist()
    (2, [0.5])
    """
    from graphmodel.propagation.probability import parse_prob_spec

    csr = eco.csr(layers)
    indptr, indices, _, lptr, arc_key, perm = arc_structure(eco, csr)
    if isinstance(prob, np.ndarray):
        if prob.shape != (csr.m,):
            from graphmodel.errors import InputError

            raise InputError(f"expected {csr.m} per-arc values, got shape {prob.shape}", field="prob")
        p = np.asarray(prob, dtype=np.float64)
        p = p if perm is None else p[perm]
        seg_p = np.full(len(csr.layers), -1.0)
    else:
        spec = parse_prob_spec(prob, csr.layers, model=model)
        p, seg_p = _arc_probabilities(eco, csr, spec, model, perm)
    glayer = tuple(LAYERS.index(x) for x in csr.layers)
    seg_key = layer_keys(np.array(glayer, dtype=np.int64))
    return PropagationGraph(
        indptr=indptr,
        indices=indices,
        lptr=lptr,
        arc_key=arc_key,
        prob=np.ascontiguousarray(p),
        seg_p=np.ascontiguousarray(seg_p, dtype=np.float64),
        seg_key=seg_key,
        layers=tuple(csr.layers),
        glayer=glayer,
        n_users=csr.n_users,
        n_merchants=csr.n_merchants,
    )


_LPTR32: "weakref.WeakKeyDictionary[PropagationGraph, np.ndarray]" = weakref.WeakKeyDictionary()


def _kernel_lptr(graph: PropagationGraph) -> np.ndarray:
    """``graph.lptr`` as int32 when the arc count allows (half the cache lines per activated node)."""
    hit = _LPTR32.get(graph)
    if hit is None:
        lptr = graph.lptr
        hit = lptr.astype(np.int32) if graph.m < 2**31 - 1 else np.ascontiguousarray(lptr)
        _LPTR32[graph] = hit
    return hit


def _cascade_graph(graph: PropagationGraph) -> K.CascadeGraph:
    """The arrays the cascade kernels read, as their one named argument."""
    return K.CascadeGraph(_kernel_lptr(graph), graph.indices, graph.arc_key, graph.prob, graph.seg_p, graph.seg_key)


def base_key(seed: SeedLike) -> int:
    """The 64-bit key all runs derive from (see :func:`graphmodel._seed.as_seed_sequence`)."""
    from graphmodel._seed import as_seed_sequence

    return int(as_seed_sequence(seed).generate_state(1, dtype=np.uint64)[0])


#: Runs done on the calling thread to estimate the cost of a batch, and the estimated remaining time
#: below which the batch stays on that thread.
_PROBE_RUNS = 16
_SERIAL_BELOW_S = 0.02


def run_batch(
    graph: PropagationGraph,
    seeds: np.ndarray,
    *,
    model: str = "ic",
    key: int,
    run_start: int = 0,
    runs: int = 1,
    recovery: float = 1.0,
    max_steps: int | None = None,
    workers: int | None = None,
    curve_len: int | None = None,
) -> RawRuns:
    """Run cascades ``run_start .. run_start + runs - 1`` from global node numbers ``seeds``.

    Run ``r`` depends on ``key`` and ``r`` only: any split into batches, any
    number of workers gives the same numbers.
    """
    import numba

    seeds = np.ascontiguousarray(seeds, dtype=np.int64)
    if curve_len is None:
        curve_len = (max_steps + 1) if max_steps is not None else graph.n + 1
    curve_len = max(1, min(int(curve_len), graph.n + 2 if max_steps is None else max_steps + 1))
    args = (
        _cascade_graph(graph),
        seeds,
        int(graph.n_users),
        float(recovery),
        -1 if max_steps is None else int(max_steps),
        int(curve_len),
    )
    code, key_ = MODELS[model], np.uint64(key)
    with cpu.threads(workers):
        threads = int(numba.get_num_threads())
        if threads == 1 or runs <= _PROBE_RUNS:
            return RawRuns(*K.cascade_batch_serial(code, key_, int(run_start), int(runs), 1, *args))
        # A few runs on this thread first: if the rest is a few milliseconds of work, waking the worker
        # threads (milliseconds on a busy machine) would cost more than it saves.
        t = time.perf_counter()
        head = K.cascade_batch_serial(code, key_, int(run_start), _PROBE_RUNS, 1, *args)
        rest = runs - _PROBE_RUNS
        serial = (time.perf_counter() - t) / _PROBE_RUNS * rest < _SERIAL_BELOW_S
        fn = K.cascade_batch_serial if serial else K.cascade_batch
        tail = fn(code, key_, int(run_start) + _PROBE_RUNS, rest, 1 if serial else threads, *args)
    out = tuple(np.concatenate([a, b]) for a, b in zip(head[:4], tail[:4])) + (head[4] + tail[4], head[5] + tail[5])
    return RawRuns(*out)


def trace(
    graph: PropagationGraph,
    seeds: np.ndarray,
    *,
    model: str = "ic",
    key: int,
    run: int = 0,
    recovery: float = 1.0,
    max_steps: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Replay run ``run``: per node the step it became active and the CSR layer that activated it.

    Both are -1 for nodes never reached; the layer of a seed is ``len(graph.layers)``.
    """
    return K.cascade_trace(
        MODELS[model],
        np.uint64(key),
        int(run),
        _cascade_graph(graph),
        np.ascontiguousarray(seeds, dtype=np.int64),
        int(graph.n_users),
        float(recovery),
        -1 if max_steps is None else int(max_steps),
    )
