"""Fairness controls: layers differ in size, so compare them at equal volume and against their own null.

* :func:`equalize_edges` (``--normalize edges``): every non-empty layer is
  subsampled, without replacement, to the edge count of the smallest
  non-empty layer; :func:`compare` repeats it with several subsamples.
* :func:`rewire_layers` (``--null rewire``): every layer is randomised with
  its degrees kept, so what remains of a layer's advantage is its volume and
  degree sequence, not its structure (who is tied to whom). Directed layers
  (payment: user -> merchant, transfer, directed social) keep every node's
  out- and in-degree: the heads are shuffled over the edges (the limit of
  many double-edge swaps). An undirected social layer keeps every user's
  degree by stub matching. Self-loops the shuffle creates are swapped away
  (a few may remain in a tiny layer and are then dropped); parallel edges are
  kept. Edge attributes stay with their row.
"""

from __future__ import annotations

import numpy as np

from graphmodel._seed import SeedLike, as_generator
from graphmodel.ecosystem import LAYERS, Ecosystem
from graphmodel.table import Table

__all__ = ["equalize_edges", "rewire_layers", "NORMALIZE", "NULLS"]

NORMALIZE: tuple[str, ...] = ("edges",)
NULLS: tuple[str, ...] = ("rewire",)


def _with_edges(
    eco: Ecosystem,
    layer: str,
    rows: np.ndarray | None = None,
    src: np.ndarray | None = None,
    dst: np.ndarray | None = None,
) -> Table:
    t = eco.edges(layer)
    cols = dict(t.items())
    if rows is not None:
        cols = {k: v[rows] for k, v in cols.items()}
    if src is not None:
        cols["src"] = src
    if dst is not None:
        cols["dst"] = dst
    n = len(next(iter(cols.values()))) if cols else 0
    return Table(cols, name=layer, length=n)


def equalize_edges(
    eco: Ecosystem, *, seed: SeedLike = None, target: int | None = None
) -> tuple[Ecosystem, dict[str, int]]:
    """Each non-empty layer subsampled to ``target`` edges (default: the smallest non-empty layer's count).

    Returns the new ecosystem and the edge count per layer it keeps.

    Examples
    --------
    >>> import graphmodel as gm
    >>> eco = gm.generate(users=500, seed=1)
    >>> small, counts = equalize_edges(eco, seed=2)
    >>> len(set(counts.values())) == 1
    True
    """
    rng = as_generator(seed)
    sizes = {layer: eco.n_edges(layer) for layer in LAYERS}
    nonempty = [k for k, v in sizes.items() if v > 0]
    if target is None:
        target = min((sizes[k] for k in nonempty), default=0)
    changes: dict[str, Table] = {}
    counts: dict[str, int] = {}
    for layer in LAYERS:
        n = sizes[layer]
        if n > target:
            rows = np.sort(rng.choice(n, size=target, replace=False))
            changes[layer] = _with_edges(eco, layer, rows=rows)
        counts[layer] = min(n, target)
    meta = {**eco.meta, "control": {"normalize": "edges", "edges_per_layer": target}}
    return eco.replace(**changes, meta=meta), counts


def _fix_loops(src: np.ndarray, dst: np.ndarray, rng: np.random.Generator, rounds: int = 50) -> np.ndarray:
    """Swap the heads of self-loop edges with random other edges until none is left (or rounds run out)."""
    dst = dst.copy()
    m = dst.size
    for _ in range(rounds):
        loops = np.flatnonzero(src == dst)
        if loops.size == 0 or m < 2:
            break
        other = rng.integers(0, m, size=loops.size)
        a, b = dst[loops].copy(), dst[other].copy()
        ok = (src[loops] != b) & (src[other] != a) & (other != loops)
        dst[loops[ok]] = b[ok]
        dst[other[ok]] = a[ok]
    return dst


def rewire_layers(eco: Ecosystem, *, seed: SeedLike = None) -> Ecosystem:
    """Every layer randomised with its degrees kept (see the module docstring)."""
    rng = as_generator(seed)
    changes: dict[str, Table] = {}
    for layer in LAYERS:
        t = eco.edges(layer)
        m = len(t)
        if m < 2:
            continue
        src, dst = t["src"].copy(), t["dst"].copy()
        if layer == "payment":
            changes[layer] = _with_edges(eco, layer, dst=dst[rng.permutation(m)])
            continue
        if layer == "social" and not eco.is_directed("social"):
            stubs = np.concatenate([src, dst])[rng.permutation(2 * m)]
            src, dst = stubs[:m], stubs[m:]
        else:
            dst = dst[rng.permutation(m)]
        dst = _fix_loops(src, dst, rng)
        keep = src != dst
        if keep.all():
            changes[layer] = _with_edges(eco, layer, src=src, dst=dst)
        else:
            rows = np.flatnonzero(keep)
            changes[layer] = _with_edges(eco, layer, rows=rows, src=src[rows], dst=dst[rows])
    meta = {**eco.meta, "control": {"null": "rewire"}}
    return eco.replace(**changes, meta=meta)
