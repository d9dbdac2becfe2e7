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
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from scipy import sparse
from scipy.sparse import csgraph

from graphmodel._seed import SeedLike, as_generator
from graphmodel.errors import InputError
from graphmodel.estimate import Estimate, estimate
from graphmodel.propagation import _kernels as K
from graphmodel.propagation.engine import PropagationGraph, prepare

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

    def to_dict(self) -> dict[str, Any]:
        return {
            "layers": list(self.layers),
            "giant_scc": self.giant_scc,
            "reach": self.reach.to_dict(),
            "branching": None if math.isnan(self.branching) else self.branching,
            "supercritical": self.supercritical,
        }

    def warning(self, name: str) -> str | None:
        """One line when supercritical, else None."""
        if not self.supercritical:
            return None
        return (f"regime: {name} is supercritical: one seed reaches {_pct(self.reach.mean)} of users on average "
                f"(largest live-edge component {_pct(self.giant_scc)}, branching {self.branching:.2g}); "
                f"the result measures the giant component, not spread.")


def _pct(x: float) -> str:
    return f"{100 * x:.2g}%"


@dataclass(frozen=True)
class Regime:
    """Per-layer regimes; ``layers[UNION]`` is the union of the layers in use (when more than one)."""

    layers: dict[str, LayerRegime]
    samples: int
    roots: int
    note: str | None = None
    method: str = field(default=(
        "live-edge graphs sampled with each arc's transmission probability: largest strongly connected component "
        f"(supercritical when >= {GIANT_SHARE:.0%} of users and >= {GIANT_MIN} users) and searches from random user "
        "seeds; branching = spectral radius of the probability-weighted non-backtracking matrix"))

    @property
    def supercritical(self) -> bool:
        return any(r.supercritical for r in self.layers.values())

    def warnings(self) -> list[str]:
        """One line per supercritical layer (the union only when no single layer is)."""
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
        return d


# ---------------------------------------------------------------------------
def regime(
    eco: Any,
    *,
    layers: str | Sequence[str] | None = None,
    prob: Any = None,
    model: str = "ic",
    samples: int = 4,
    roots: int = 25,
    seed: SeedLike = None,
    each_layer: bool = True,
    recovery: float = 0.5,
) -> Regime:
    """Measure whether a cascade over ``layers`` with ``prob`` is supercritical.

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
        Live-edge graphs sampled per layer set.
    roots
        Random user seeds searched per sampled graph.
    seed
        Randomness of the samples.
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
    for name, v in (("samples", samples), ("roots", roots)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
            raise InputError(f"{name} must be a positive integer, got {v!r}", field=name)
    if layers is None:
        use = [x for x in ("social", "payment", "transfer") if eco.n_edges(x) > 0]
    else:
        use = list(eco._layers_arg(layers))
    use = [x for x in use if eco.n_edges(x) > 0]
    rng = as_generator(seed)
    note = {"ic": None, "sir": f"SIR: per-arc transmissibility p / (1 - (1 - p)(1 - {recovery:g})) over an infection",
            "lt": "LT: per-arc weights read as IC transmission probabilities (an approximation)"}.get(model)
    out: dict[str, LayerRegime] = {}
    if not use:
        return Regime(layers=out, samples=int(samples), roots=int(roots), note="no non-empty layer in use")
    sets: list[tuple[str, list[str]]] = []
    if each_layer:
        sets += [(x, [x]) for x in use]
    if len(use) > 1 or not each_layer:
        sets.append((UNION, use))
    base = prepare(eco, use, _restrict(prob, use), model=model)
    for name, ls in sets:
        g = base if ls == use else prepare(eco, ls, _restrict(prob, ls), model=model)
        if model == "sir":
            den = 1.0 - (1.0 - g.prob) * (1.0 - float(recovery))
            g = replace(g, prob=np.divide(g.prob, den, out=np.zeros_like(g.prob), where=den > 0))
        out[name] = _measure(g, tuple(ls), samples=int(samples), roots=int(roots), rng=rng)
    return Regime(layers=out, samples=int(samples), roots=int(roots), note=note)


def _restrict(prob: Any, ls: Sequence[str]) -> Any:
    """The spec for a subset of layers (a mapping keeps only those layers; 'wc' is recomputed on the subset)."""
    if isinstance(prob, Mapping):
        return {k: v for k, v in prob.items() if k in ls}
    if isinstance(prob, (list, tuple)):
        return [s for s in prob if isinstance(s, str) and s.split("=", 1)[0].strip() in ls]
    if isinstance(prob, np.ndarray):
        raise InputError("a per-arc probability array covers one layer set; pass a spec to measure layers apart",
                         field="prob")
    return prob


def _measure(g: PropagationGraph, layers: tuple[str, ...], *, samples: int, roots: int,
             rng: np.random.Generator) -> LayerRegime:
    n, U = g.n, g.n_users
    tails, heads, rev = _arcs(g)
    p = np.asarray(g.prob, dtype=np.float64)
    giant, reach = [], []
    for _ in range(samples):
        live = rng.random(p.shape[0]) < p
        a = sparse.csr_matrix((np.ones(int(live.sum()), np.int8), (tails[live], heads[live])), shape=(n, n))
        k, lab = csgraph.connected_components(a, directed=True, connection="strong")
        sizes = np.bincount(lab[:U], minlength=k) if U else np.zeros(1, np.int64)
        giant.append(sizes.max() / U if U else 0.0)
        for r in rng.integers(0, U, size=roots) if U else []:
            order = csgraph.breadth_first_order(a, int(r), directed=True, return_predecessors=False)
            reach.append(np.count_nonzero(order < U) / U)
    share = float(np.mean(giant))
    sup = bool(share >= GIANT_SHARE and share * U >= GIANT_MIN)
    return LayerRegime(layers=layers, giant_scc=share, reach=estimate(reach), branching=_branching(g, rev, p),
                       supercritical=sup, users=int(U))


#: Tails, heads and reverse arcs of the last graph structure measured, keyed by the identity of their
#: ``indices`` array (shared by every graph prepared from one CSR): they depend on the structure alone,
#: and finding the reverse arcs (a sort and a search over all arcs) was most of a call's cost.
_ARCS: dict[int, tuple] = {}


def _arcs(g: PropagationGraph) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    hit = _ARCS.get(id(g.indices))
    if hit is not None and hit[0]() is g.indices:
        return hit[1]
    n, m = g.n, g.m
    tails = np.repeat(np.arange(n, dtype=np.int64), np.diff(g.indptr))
    heads = np.asarray(g.indices, dtype=np.int64)
    # the reverse arc of each arc (u->v -> v->u), if any: sort arcs by (tail, head) and by (head, tail), then
    # look the second up in the first with the needles in sorted order (random-order needles cost 10x more)
    rev = np.zeros(0, np.int64)
    if m:
        key = tails * n + heads
        want = heads * n + tails
        order = np.argsort(key, kind="stable")
        skey = key[order]
        worder = np.argsort(want, kind="stable")
        pos = np.minimum(np.searchsorted(skey, want[worder]), m - 1)
        rev = np.full(m, -1, dtype=np.int64)
        hit = skey[pos] == want[worder]
        rev[worder[hit]] = order[pos[hit]]
    _ARCS.clear()  # one structure at a time: 24 bytes per arc stay held until the next one
    _ARCS[id(g.indices)] = (weakref.ref(g.indices), (tails, heads, rev))
    return tails, heads, rev


def _branching(g: PropagationGraph, rev: np.ndarray, p: np.ndarray, iters: int = 200, tol: float = 1e-3) -> float:
    """Spectral radius of ``B[a, b] = p_b`` for arcs ``a = u->v``, ``b = v->w``, ``w != u`` (power iteration).

    ``B x`` costs O(arcs): the sum over ``v``'s out-arcs minus the arc straight back. The
    iteration runs on ``B + I`` (same Perron vector, radius + 1): bipartite layers (user ->
    merchant -> user) make ``B`` periodic, and the shift makes the iteration converge.
    """
    m = p.shape[0]
    if m == 0:
        return 0.0
    n = g.n
    x = np.full(m, 1.0 / m)
    y = np.empty(m)
    s = np.empty(n)
    lam = 0.0
    for _ in range(iters):
        norm = K.nonbacktracking_step(g.indptr, g.indices, p, rev, x, s, y)
        if norm <= 0:
            return 0.0
        new = norm - 1.0  # sum(x) == 1
        np.divide(y, norm, out=x)
        if abs(new - lam) <= tol * max(1.0, abs(new)):
            return float(max(new, 0.0))
        lam = new
    return float(max(lam, 0.0))
