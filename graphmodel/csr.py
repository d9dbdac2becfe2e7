"""Compressed sparse row adjacency over a chosen set of layers.

The propagation kernels, seed selection and analytics run on these flat
arrays rather than on igraph objects: building a CSR from numpy is well under a
second for 10M edges, building an igraph.Graph from Python is 6-14 s.

Node numbering is global: users are ``0 .. n_users-1``, merchants follow at
``n_users .. n_users+n_merchants-1``.

Arc directions, per layer:

* ``social``: both directions when the layer is undirected (friendship), the
  stored direction when it is directed (trust: ``src`` trusts ``dst``);
* ``payment``: both directions, user -> merchant and merchant -> user, because
  intent passes user -> merchant -> the merchant's other customers;
* ``transfer``: the stored direction, sender -> receiver.

``reverse=True`` transposes every arc (what reverse-reachable sets need).
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import Any

import numpy as np
from numba import njit

__all__ = ["CSR", "build_csr", "igraph_of"]


@dataclass(frozen=True, eq=False)
class CSR:
    """Arcs grouped by tail node.

    Attributes
    ----------
    indptr : int64 array, length ``n + 1``
        Arcs of node ``v`` are ``indptr[v]:indptr[v+1]``.
    indices : int32 array
        Head node of each arc.
    layer : int8 array
        Position in :attr:`layers` of the layer each arc belongs to.
    edge : int32 array (int64 when a row number needs it)
        Row of the arc's edge in that layer's edge table (for per-edge attributes).
    layers : tuple of str
        The layers, in the order ``layer`` refers to.
    n_users, n_merchants : int
        Node counts; ``n = n_users + n_merchants``.
    reverse : bool
        Whether arcs were transposed.
    """

    indptr: np.ndarray
    indices: np.ndarray
    layer: np.ndarray
    edge: np.ndarray
    layers: tuple[str, ...]
    n_users: int
    n_merchants: int
    reverse: bool = False

    @property
    def n(self) -> int:
        """Number of nodes (users and merchants)."""
        return self.n_users + self.n_merchants

    @property
    def m(self) -> int:
        """Number of arcs."""
        return int(self.indices.shape[0])

    def out_degree(self) -> np.ndarray:
        """Number of arcs leaving each node."""
        return np.diff(self.indptr)

    def in_degree(self) -> np.ndarray:
        """Number of arcs entering each node."""
        return np.bincount(self.indices, minlength=self.n).astype(np.int64)

    def tails(self) -> np.ndarray:
        """Tail node of each arc (the row expanded), int32."""
        return np.repeat(np.arange(self.n, dtype=np.int32), np.diff(self.indptr))


def build_csr(
    arcs: list[tuple[np.ndarray, np.ndarray, int, np.ndarray]],
    *,
    layers: tuple[str, ...],
    n_users: int,
    n_merchants: int,
    reverse: bool = False,
) -> CSR:
    """Group arcs ``(tail, head, layer_id, edge_row)`` by tail into a :class:`CSR`.

    A counting sort by tail: O(n + m), stable, so arcs of one node keep the
    order in which they were given (parts in list order, arcs within a part in order).
    """
    n = n_users + n_merchants
    parts = []
    for a in arcs:
        tail, head, row = (_int_array(x) for x in (a[0], a[1], a[3]))
        if reverse:
            tail, head = head, tail
        if tail.size and (int(tail.min()) < 0 or int(tail.max()) >= n):
            raise ValueError(f"arc tails must lie in [0, {n}), got {int(tail.min())}..{int(tail.max())}")
        parts.append((tail, head, int(a[2]), row))
    # numba counting sort: O(n + m), and ~10x faster than np.argsort(kind="stable") on 20M arcs
    counts = np.zeros(n, dtype=np.int64)
    for tail, _, _, _ in parts:
        _count_tails(tail, counts)
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    m = int(indptr[-1])
    indices = np.empty(m, dtype=np.int32)
    layer = np.empty(m, dtype=np.int8)
    # edge rows in 32 bits while they fit: 4 bytes an arc less (0.8 GiB at 10M users, 200M arcs)
    wide = any(row.size and int(row.max()) > np.iinfo(np.int32).max for _, _, _, row in parts)
    edge = np.empty(m, dtype=np.int64 if wide else np.int32)
    pos = indptr[:-1].copy()
    for tail, head, lid, row in parts:  # parts in order, arcs in order within a part: a stable sort
        _scatter_arcs(tail, head, lid, row, pos, indices, layer, edge)
    return CSR(
        indptr=indptr,
        indices=indices,
        layer=layer,
        edge=edge,
        layers=tuple(layers),
        n_users=n_users,
        n_merchants=n_merchants,
        reverse=reverse,
    )


def _int_array(x: object) -> np.ndarray:
    a = np.ascontiguousarray(x)
    return a if a.dtype in (np.int64, np.int32) else a.astype(np.int64)


_GRAPHS: "weakref.WeakKeyDictionary[CSR, Any]" = weakref.WeakKeyDictionary()


def igraph_of(csr: CSR) -> Any:
    """A directed :class:`igraph.Graph` with the arcs of ``csr`` (vertex i = global node i); cached."""
    g = _GRAPHS.get(csr)
    if g is None:
        import igraph

        g = igraph.Graph(n=csr.n, directed=True)
        if csr.m:
            g.add_edges(np.column_stack((csr.tails(), csr.indices)).astype(np.int64))
        _GRAPHS[csr] = g
    return g


@njit(cache=True)
def _count_tails(tail, counts):
    for k in range(tail.shape[0]):
        counts[tail[k]] += 1


@njit(cache=True)
def _scatter_arcs(tail, head, lid, row, pos, indices, layer, edge):
    """Append the arcs of one part to their tails' rows (``pos`` = next free slot of each row)."""
    for k in range(tail.shape[0]):
        t = tail[k]
        p = pos[t]
        pos[t] = p + 1
        indices[p] = head[k]
        layer[p] = lid
        edge[p] = row[k]
