"""Know the regime: is a cascade over these layers sub- or supercritical?

An independent cascade is equivalent to reachability in a *live-edge graph*
that keeps each arc with its transmission probability (Kempe, Kleinberg and
Tardos 2003). When that graph has a giant strongly connected component, one
seed that touches it reaches a fixed share of all users whatever else is
true: a comparison then measures the size of the giant component, not how
intent spreads. :func:`regime` measures, per layer and for the union of the
layers in use:

* ``giant_scc``: the share of users in the largest strongly connected
  component of a sampled live-edge graph (mean over ``samples`` graphs), the
  percolation order parameter;
* ``reach``: the share of users one random user seed reaches (an
  :class:`~graphmodel.Estimate` over ``samples x roots`` live-edge searches;
  the seed counts);
* ``branching``: the spectral radius of the probability-weighted
  non-backtracking matrix (an arc's expected offspring arcs, the way back
  excluded), by power iteration. On a locally tree-like graph the cascade is
  supercritical exactly when it exceeds 1 (Karrer, Newman and Zdeborova,
  "Percolation on sparse networks", PRL 2014); on Erdos-Renyi graphs of mean
  degree ``d`` it is ``p * d``.

``supercritical`` is the measured criterion: the largest strongly connected
component of the live-edge graph holds at least :data:`GIANT_SHARE` of the
users (and at least :data:`GIANT_MIN` users). The branching factor is the
theory beside it; they disagree near the threshold and on heavy-tailed
graphs, where hubs make the spectral radius large without a giant component.

The independent cascade (``model="ic"``, and the transmission part of the
intent model) has exactly this live-edge form. SIR with per-step probability
``p`` and recovery ``r`` transmits along an arc with probability
``T = p / (1 - (1 - p)(1 - r))`` over an infection, and is measured with
``T``; LT's weights are read as IC probabilities (an approximation, noted).

Cost: every layer set is a mask over the layers of the union graph, so no
per-layer graph is built or kept; the reverse-arc table is built once per
graph; live-edge graphs come from counter-based arc coins (the same coins for
every layer set of a sample) in parallel kernels whose results do not depend
on the thread count; sampling stops early once the giant share is decided;
the power iteration stops once its proved bracket excludes 1 (see
:func:`_branching`); and results of calls with an integer seed are cached
per graph and transmission (simulate and compare use :data:`REGIME_SEED`).
``Regime.timings`` holds the seconds per phase of the call that computed it
(``benchmarks/bench_regime.py --phases``).
"""

from __future__ import annotations

import math
import time
import weakref
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy import sparse
from scipy.sparse import csgraph

from graphmodel._seed import SeedLike, as_generator
from graphmodel.arcs import arc_structure
from graphmodel.checks import check_positive_int
from graphmodel.csr import CSR
from graphmodel.errors import InputError
from graphmodel.estimate import Estimate, estimate
from graphmodel.memory import available_memory
from graphmodel.propagation import _kernels as K
from graphmodel.propagation.engine import PropagationGraph, prepare
from graphmodel.propagation.probability import arc_probabilities, parse_prob_spec

if TYPE_CHECKING:
    from graphmodel.ecosystem import Ecosystem, LayerSpec

__all__ = ["regime", "Regime", "LayerRegime", "GIANT_SHARE", "GIANT_MIN", "UNION"]

#: A live-edge graph whose largest strongly connected component holds this share of the users is supercritical.
GIANT_SHARE = 0.01
#: ... and at least this many users (on tiny graphs 1% is a handful of nodes).
GIANT_MIN = 20
#: Key of the union of the layers in use.
UNION = "union"


@dataclass(frozen=True)
class LayerRegime:
    """The regime of a cascade over ``layers`` (see the module docstring)."""

    layers: tuple[str, ...]
    giant_scc: float
    reach: Estimate
    branching: float
    supercritical: bool
    users: int
    #: Collatz-Wielandt bounds (lower, upper) on the branching factor proved by the last power iterate.
    branching_bounds: tuple[float, float] = (0.0, math.inf)
    #: Live-edge graphs sampled (at most ``Regime.samples``; fewer when the giant share's CI is decided).
    samples: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "layers": list(self.layers),
            "giant_scc": self.giant_scc,
            "reach": self.reach.to_dict(),
            "branching": None if math.isnan(self.branching) else self.branching,
            "branching_bounds": [_num(b) for b in self.branching_bounds],
            "samples": self.samples,
            "supercritical": self.supercritical,
        }

    def warning(self, name: str) -> str | None:
        """One line when supercritical, else None."""
        if not self.supercritical:
            return None
        return (
            f"regime: {name} is supercritical: one seed reaches {_pct(self.reach.mean)} of users on average "
            f"(largest live-edge component {_pct(self.giant_scc)}, branching {self.branching:.2g}); "
            f"the result measures the giant component, not spread."
        )


def _num(x: float) -> float | None:
    return None if not math.isfinite(x) else float(x)


def _pct(x: float) -> str:
    return f"{100 * x:.2g}%"


@dataclass(frozen=True)
class Regime:
    """Per-layer regimes; ``layers[UNION]`` is the union of the layers in use (when more than one)."""

    layers: dict[str, LayerRegime]
    samples: int
    roots: int
    note: str | None = None
    method: str = field(
        default=(
            "live-edge graphs sampled with each arc's transmission probability: largest strongly connected component "
            f"(supercritical when >= {GIANT_SHARE:.0%} of users and >= {GIANT_MIN} users) and searches from random user "
            "seeds; branching = spectral radius of the probability-weighted non-backtracking matrix"
        )
    )
    #: Seconds per phase of the call that computed this result, wall (``_cpu``: CPU seconds summed over the
    #: process's threads); not part of :meth:`to_dict`.
    timings: dict[str, float] = field(default_factory=dict, compare=False, repr=False)
    #: Why nothing was measured (the machine lacks the memory the check needs); None when measured.
    skipped: str | None = None

    @property
    def supercritical(self) -> bool:
        return any(r.supercritical for r in self.layers.values())

    def warnings(self) -> list[str]:
        """One line per supercritical layer (the union only when no single layer is), or why none was measured."""
        if self.skipped:
            return [self.skipped]
        single = [(k, r) for k, r in self.layers.items() if k != UNION]
        out = [w for k, r in single if (w := r.warning(k))]
        if not out and UNION in self.layers:
            w = self.layers[UNION].warning("the union of " + " + ".join(self.layers[UNION].layers))
            if w:
                out.append(w)
        return out

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {k: r.to_dict() for k, r in self.layers.items()}
        d["_method"] = self.method
        d["_samples"] = self.samples
        d["_roots"] = self.roots
        if self.note:
            d["_note"] = self.note
        if self.skipped:
            d["_skipped"] = self.skipped
        return d


# ---------------------------------------------------------------------------
#: Seed of the regime measured inside simulate / compare / seeds / compete: the regime is a property of the
#: graph and the transmission, not of a call, so every call on one graph and spec measures (and caches) the
#: same samples.
REGIME_SEED = 0x5EED_4E61
#: Fewest live-edge graphs sampled per layer set before the giant share's CI may stop the sampling.
MIN_SAMPLES = 2
#: Scratch the check holds at its peak, per arc of the graph in use: the power iteration's two float64
#: vectors, one float64 per-layer probability buffer and the int32 reverse-arc table.
BYTES_PER_ARC = 28
#: Relative accuracy of the branching factor (see :func:`_branching`).
BRANCHING_TOL = 1e-2


def regime(
    eco: Ecosystem,
    *,
    layers: LayerSpec = None,
    prob: Any = None,
    model: str = "ic",
    samples: int = 4,
    roots: int = 25,
    seed: SeedLike = None,
    each_layer: bool = True,
    recovery: float = 0.5,
) -> Regime:
    """Measure whether a cascade over ``layers`` with ``prob`` is supercritical.

    Every layer set is measured on the arrays of the union graph (a layer set
    is a mask over its layers), so nothing per arc is copied per layer. With an
    integer seed the result is cached per (graph, transmission, options): a
    second call on the same ecosystem costs nothing.

    Parameters
    ----------
    eco : Ecosystem
    layers
        The layers in use (default all non-empty layers).
    prob
        Transmission spec (:mod:`graphmodel.propagation.probability`) as the
        cascade uses it, or a mapping from layer to such a value.
    model
        ``"ic"`` (exact live-edge form); ``"lt"``/``"sir"`` use the per-arc
        values as IC probabilities (noted in the result).
    samples
        At most this many live-edge graphs per layer set. Sampling stops after
        :data:`MIN_SAMPLES` once the 95% CI of the giant share lies wholly on
        one side of the supercritical threshold.
    roots
        Random user seeds searched per sampled graph.
    seed
        Randomness of the samples (the live-edge coins and the roots).
    each_layer
        Also measure every layer alone (else only the union).
    recovery
        SIR recovery probability per step (``model="sir"`` only).

    Returns
    -------
    Regime

    Examples
    --------
    >>> import graphmodel as gm
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> n = 2000
    >>> src = rng.integers(0, n, 8000)                   # mean out-degree 4
    >>> dst = (src + rng.integers(1, n, 8000)) % n       # no self-loops
    >>> eco = gm.Ecosystem(users={"id": np.arange(n)}, social={"src": src, "dst": dst}, social_directed=True)
    >>> regime(eco, prob=0.125, seed=1).layers["social"].supercritical   # p * d = 0.5
    False
    >>> regime(eco, prob=0.5, seed=1).layers["social"].supercritical     # p * d = 2
    True
    """
    check_positive_int(samples, "samples")
    check_positive_int(roots, "roots")
    if layers is None:
        use = [x for x in ("social", "payment", "transfer") if eco.n_edges(x) > 0]
    else:
        use = list(eco._layers_arg(layers))
    use = [x for x in use if eco.n_edges(x) > 0]
    note = {
        "ic": None,
        "sir": f"SIR: per-arc transmissibility p / (1 - (1 - p)(1 - {recovery:g})) over an infection",
        "lt": "LT: per-arc weights read as IC transmission probabilities (an approximation)",
    }.get(model)
    if not use:
        return Regime(layers={}, samples=int(samples), roots=int(roots), note="no non-empty layer in use")
    t_all, c_all = time.perf_counter(), time.process_time()
    csr = eco.csr(use)
    ckey = _cache_key(
        prob, use, model=model, recovery=recovery, samples=samples, roots=roots, seed=seed, each_layer=each_layer
    )
    if ckey is not None:
        hit = _RESULTS.get(csr, {}).get(ckey)
        if hit is not None:
            return hit
    need = BYTES_PER_ARC * csr.m
    avail = available_memory()
    if avail is not None and need > avail:  # predicted, not discovered by the OOM killer
        return Regime(
            layers={},
            samples=int(samples),
            roots=int(roots),
            note=note,
            skipped=(
                f"regime not measured: the check needs about {need / 2**30:.1f} GiB ({BYTES_PER_ARC} bytes per arc, "
                f"{csr.m:,} arcs) and {avail / 2**30:.1f} GiB is available; whether a giant live-edge component "
                "drives the result is unchecked (free memory, or measure it on a machine that has it)"
            ),
        )
    rng = as_generator(seed)
    coin_base = int(rng.integers(0, 2**63))  # live-edge coins; the same per sample for every layer set
    sets: list[tuple[str, list[str]]] = []
    if each_layer:
        sets += [(x, [x]) for x in use]
    if len(use) > 1 or not each_layer:
        sets.append((UNION, use))
    tm: dict[str, float] = {}
    t = time.perf_counter()
    base = prepare(eco, use, _restrict(prob, use), model=model)
    tm["prepare"] = time.perf_counter() - t
    t = time.perf_counter()
    rev = _arcs(base)
    tm["reverse_arcs"] = time.perf_counter() - t
    work = _Work(base, rev)
    out: dict[str, LayerRegime] = {}
    for name, ls in sets:
        t = time.perf_counter()
        if ls == use:
            p = base.prob
        else:
            p = _set_probabilities(eco, csr, base, ls[0], prob, model=model, out=work.pbuf(base.m))
        if model == "sir":
            den = 1.0 - (1.0 - p) * (1.0 - float(recovery))
            p = np.divide(p, den, out=np.zeros_like(p), where=den > 0)
        lmask = np.array([x in ls for x in base.layers], dtype=np.bool_)
        tm[f"{name}.probabilities"] = time.perf_counter() - t
        out[name] = _measure(
            work,
            p,
            lmask,
            tuple(ls),
            samples=int(samples),
            roots=int(roots),
            rng=rng,
            coin_base=coin_base,
            timings=tm,
            name=name,
        )
        del p
    tm["total"] = time.perf_counter() - t_all
    tm["total_cpu"] = time.process_time() - c_all  # all threads of the process
    res = Regime(layers=out, samples=int(samples), roots=int(roots), note=note, timings=tm)
    if ckey is not None:
        entries = _RESULTS.setdefault(csr, OrderedDict())
        entries[ckey] = res
        while len(entries) > _RESULTS_PER_GRAPH:
            entries.popitem(last=False)
    return res


#: Regimes of each graph (a CSR of the ecosystem's cache), keyed by transmission and options; the last
#: :data:`_RESULTS_PER_GRAPH` per graph. Only calls with an integer seed are cached (same seed, same numbers).
_RESULTS: "weakref.WeakKeyDictionary[CSR, OrderedDict]" = weakref.WeakKeyDictionary()
_RESULTS_PER_GRAPH = 8


def _cache_key(
    prob: Any,
    use: Sequence[str],
    *,
    model: str,
    recovery: float,
    samples: int,
    roots: int,
    seed: SeedLike,
    each_layer: bool,
) -> tuple | None:
    """A hashable key of everything a result depends on besides the graph; None when not cacheable."""
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)):
        return None
    if isinstance(prob, np.ndarray):
        return None
    try:
        spec = parse_prob_spec(_restrict(prob, use), use, model=model)
    except InputError:
        return None  # raised again, with its message, by the measurement
    return (
        model,
        tuple(sorted(spec.items())),
        float(recovery) if model == "sir" else None,
        int(samples),
        int(roots),
        int(seed),
        bool(each_layer),
        tuple(use),
    )


def _restrict(prob: Any, ls: Sequence[str]) -> Any:
    """The spec for a subset of layers (a mapping keeps only those layers; 'wc' is recomputed on the subset)."""
    if isinstance(prob, Mapping):
        return {k: v for k, v in prob.items() if k in ls}
    if isinstance(prob, (list, tuple)):
        return [s for s in prob if isinstance(s, str) and s.split("=", 1)[0].strip() in ls]
    if isinstance(prob, np.ndarray):
        raise InputError(
            "a per-arc probability array covers one layer set; pass a spec to measure layers apart", field="prob"
        )
    return prob


def _set_probabilities(
    eco: Ecosystem,
    csr: CSR,
    base: PropagationGraph,
    layer: str,
    prob: Any,
    *,
    model: str,
    out: np.ndarray | None = None,
) -> np.ndarray:
    """Per-arc probabilities of ``layer`` alone, on the union's arcs (the kernels read no other arc).

    The values are those :func:`prepare` gives on ``eco.csr(layer)``: a number, 'exp' and 'attr' do not
    depend on the other layers, so the union's values serve as they are (no copy); 'wc' counts in-degree
    within the layer (written into ``out``, one buffer for every layer of a call); LT normalises within the
    layer, so its arcs are handed to :func:`arc_probabilities` as a CSR of their own.
    """
    lid = base.layers.index(layer)
    v = parse_prob_spec(_restrict(prob, [layer]), [layer], model=model)[layer]
    union_v = parse_prob_spec(_restrict(prob, list(base.layers)), list(base.layers), model=model)[layer]
    if model != "lt" and v == union_v and v != "wc":
        return base.prob
    if out is None:
        out = np.zeros(base.m, dtype=np.float64)
    if model != "lt" and v == "wc":
        K.layer_wc(base.lptr, base.indices, lid, np.empty(base.n, dtype=np.int64), out)
        return out
    spec = {layer: v}
    perm = arc_structure(eco, csr).perm
    mask = csr.layer == lid
    counts = base.lptr[:, lid + 1] - base.lptr[:, lid]  # arcs of the layer per node (any arc order)
    indptr = np.zeros(csr.n + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    m_l = int(indptr[-1])
    attr = isinstance(v, str) and v != "wc"
    sub = CSR(
        indptr=indptr,
        indices=csr.indices[mask],
        layer=np.broadcast_to(np.int8(0), (m_l,)),
        edge=csr.edge[mask] if attr else np.broadcast_to(np.int64(0), (m_l,)),
        layers=(layer,),
        n_users=csr.n_users,
        n_merchants=csr.n_merchants,
        reverse=csr.reverse,
    )
    p_l, _ = arc_probabilities(eco, sub, spec, model=model)
    if perm is None:
        out[mask] = p_l
    else:
        full = np.zeros(csr.m, dtype=np.float64)
        full[mask] = p_l
        out[:] = full[perm]
    return out


class _Work:
    """Scratch shared by the layer sets of one call: the per-arc power-iteration vectors and per-node arrays."""

    def __init__(self, g: PropagationGraph, rev: np.ndarray) -> None:
        self.g, self.rev = g, rev
        self.x = np.empty(g.m)
        self.y = np.empty(g.m)
        self.s = np.empty(g.n)
        nb = max(1, (g.n + K.REGIME_BLOCK - 1) // K.REGIME_BLOCK)
        self.part, self.lo, self.hi = np.empty(nb), np.empty(nb), np.empty(nb)
        self.counts = np.empty(g.n + 1, dtype=np.int64)
        self.stamp = np.full(g.n, -1, dtype=np.int64)
        self.queue = np.empty(g.n, dtype=np.int64)
        self.tag = 0
        self._pbuf: np.ndarray | None = None

    def pbuf(self, m: int) -> np.ndarray:
        """One per-arc buffer for the per-layer probabilities of every layer of the call."""
        if self._pbuf is None:
            self._pbuf = np.zeros(m, dtype=np.float64)
        return self._pbuf


def _measure(
    w: _Work,
    p: np.ndarray,
    lmask: np.ndarray,
    layers: tuple[str, ...],
    *,
    samples: int,
    roots: int,
    rng: np.random.Generator,
    coin_base: int,
    timings: dict[str, float],
    name: str,
) -> LayerRegime:
    g = w.g
    n, U = g.n, g.n_users
    t = time.perf_counter()
    giant: list[float] = []
    reach: list[np.ndarray] = []
    th = max(GIANT_SHARE, GIANT_MIN / U) if U else math.inf
    for k in range(samples):
        rkey = np.uint64(K.run_key(np.uint64(coin_base), np.uint64(k)))
        indptr, indices = K.live_edge_graph(g.lptr, g.indices, g.arc_key, p, lmask, rkey, U, w.counts)
        a = sparse.csr_matrix((np.ones(indices.shape[0], np.int8), indices, indptr), shape=(n, n))
        nc, lab = csgraph.connected_components(a, directed=True, connection="strong")
        sizes = np.bincount(lab[:U], minlength=nc) if U else np.zeros(1, np.int64)
        giant.append(sizes.max() / U if U else 0.0)
        if U:
            r = rng.integers(0, U, size=roots)
            reach.append(K.live_reach(indptr, indices, r, U, w.stamp, w.tag, w.queue) / U)
            w.tag += roots
        if k + 1 >= MIN_SAMPLES:
            e = estimate(giant)
            if e.ci95[1] < th or e.ci95[0] >= th:  # the CI lies on one side of the threshold: decided
                break
    timings[f"{name}.samples"] = time.perf_counter() - t
    share = float(np.mean(giant))
    sup = bool(share >= GIANT_SHARE and share * U >= GIANT_MIN)
    t, c = time.perf_counter(), time.process_time()
    b, lo, hi, it = _branching(w, p, lmask)
    timings[f"{name}.branching"] = time.perf_counter() - t
    timings[f"{name}.branching_cpu"] = time.process_time() - c
    timings[f"{name}.iterations"] = it
    return LayerRegime(
        layers=layers,
        giant_scc=share,
        reach=estimate(np.concatenate(reach) if reach else []),
        branching=b,
        supercritical=sup,
        users=int(U),
        branching_bounds=(lo, hi),
        samples=len(giant),
    )


#: Reverse arcs of the last graph structure measured, keyed by its ``indices`` array (shared by every
#: graph prepared from one CSR): they depend on the structure alone. One structure at a time: 4 bytes
#: per arc (8 beyond 2**31 arcs) stay held until the next one.
_ARCS: dict[int, tuple] = {}


def _arcs(g: PropagationGraph) -> np.ndarray:
    """``rev[a]``: the arc from ``a``'s head back to its tail in ``a``'s own layer (the first such), -1 if none."""
    hit = _ARCS.get(id(g.indices))
    if hit is not None and hit[0]() is g.indices:
        return hit[1]
    it = np.int32 if g.m < 2**31 - 1 else np.int64
    rev = np.empty(g.m, dtype=it)
    tin = np.empty(g.m, dtype=it)
    tkey = np.empty(g.m, dtype=np.int32 if g.n * max(1, len(g.layers)) < 2**31 - 1 else np.int64)
    K.reverse_arcs(g.lptr, g.indices, np.empty(g.n + 1, dtype=np.int64), tin, tkey, rev)
    del tin, tkey
    _ARCS.clear()
    _ARCS[id(g.indices)] = (weakref.ref(g.indices), rev)
    return rev


def _branching(
    w: _Work, p: np.ndarray, lmask: np.ndarray, iters: int = 200, tol: float = BRANCHING_TOL, min_iters: int = 8
) -> tuple[float, float, float, int]:
    """Spectral radius of ``B[a, b] = p_b`` for arcs ``a = u->v``, ``b = v->w`` of the set, ``b`` not ``a``
    reversed (power iteration). Returns (estimate, lower bound, upper bound, iterations).

    ``B x`` costs O(arcs): the sum over ``v``'s out-arcs minus the arc straight back. The iteration runs on
    ``B + I`` (same Perron vector, radius + 1): bipartite layers (user -> merchant -> user) make ``B``
    periodic, and the shift makes the iteration converge.

    Bounds (proved, not estimated): ``x > 0`` on the set's arcs (it starts uniform and ``B + I >= I``), so
    by Collatz-Wielandt the least and greatest ratio ``((B + I) x)_a / x_a`` over the set bracket the radius
    of ``B + I`` (up to floating-point rounding, ~1e-12 relative); every iterate's bracket holds, so their
    intersection does. The upper bound falls to the radius as the iterate converges; the lower one stays 0
    once one arc of the set has no way on (a dead end, which real graphs have): there only a subcritical
    side can be proved, and a supercritical one is left to the giant component (the flag's own criterion).

    Stopping, after at least ``min_iters`` steps: (1) the bracket excludes 1, so the side of 1 the radius lies
    on (sub- or supercritical in the branching sense) is proved; or (2) the a-posteriori error of geometric
    convergence, ``|d_k| q / (1 - q)`` (``d_k`` the last change of the estimate, ``q`` the largest of its
    last three contraction ratios ``|d_k / d_(k-1)|``), is below ``tol`` relative; or (3) the bracket is
    narrower than ``tol`` relative; else after ``iters`` steps. (1) and (3) are proofs; (2) is an estimate
    that assumes one dominant mode, and it is fooled when a tiny structure holds the radius (a cycle of
    certain arcs under ``wc``: the bulk converges, the radius creeps to 1 over hundreds of steps); the
    reported bracket then stays wide and says so. The estimate is clipped to the bracket.
    """
    g = w.g
    L = len(g.layers)
    m_set = sum(int(np.sum(g.lptr[:, i + 1] - g.lptr[:, i])) for i in range(L) if lmask[i])
    if m_set == 0:
        return 0.0, 0.0, 0.0, 0
    x, y = w.x, w.y
    x.fill(1.0 / m_set)
    inv = 1.0
    lo, hi = 0.0, math.inf
    lam = math.nan
    diffs: list[float] = []
    k = 0
    for k in range(1, iters + 1):
        K.nonbacktracking_step(g.lptr, g.indices, p, w.rev, lmask, x, inv, w.s, y, w.part, w.lo, w.hi)
        norm = float(np.sum(w.part))
        lo = max(lo, float(np.min(w.lo)) - 1.0)
        hi = min(hi, float(np.max(w.hi)) - 1.0)
        new = norm - 1.0  # sum(x) == 1
        inv = 1.0 / norm
        if not math.isnan(lam):
            diffs.append(new - lam)
        lam = new
        scale = max(1.0, abs(lam))
        if hi - lo <= tol * scale:
            break
        if k < min_iters:
            continue
        if hi < 1.0 or lo > 1.0:
            break
        if len(diffs) >= 4 and all(d != 0.0 for d in diffs[-4:-1]):
            q = max(abs(diffs[-j] / diffs[-j - 1]) for j in (1, 2, 3))
            if q < 1.0 and abs(diffs[-1]) * q / (1.0 - q) <= tol * scale:
                break
    return float(min(max(lam, lo, 0.0), hi)), max(lo, 0.0), hi, k
