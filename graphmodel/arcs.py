"""What the kernels read beside a CSR: arcs grouped by layer, each arc's coin key, weighted-cascade values.

:func:`arc_structure` gives, for a CSR of an ecosystem, the layer pointers
``lptr`` (arcs of node ``v`` in layer ``l`` are ``lptr[v, l]:lptr[v, l+1]``)
and the coin key of every arc (a hash of global layer, edge row and direction,
so an arc's coin is the same whatever other layers the CSR holds);
:func:`weighted_cascade` the ``1 / in-degree`` of each arc's head. Both are
computed once per CSR and cached while it lives, or handed over by
:func:`attach` from a snapshot that stored them (:mod:`graphmodel.io.mmapdir`),
so several processes mapping one file share their pages.

They live here, below both the readers and the propagation engine, because a
snapshot writer computes them and the engine reads them: neither has to know the other.
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from graphmodel.csr import CSR
from graphmodel.ecosystem import LAYERS
from graphmodel.kernels.coins import arc_keys
from graphmodel.kernels.csr import grouped_structure

if TYPE_CHECKING:
    from graphmodel.ecosystem import Ecosystem

__all__ = ["ArcStructure", "arc_structure", "weighted_cascade", "attach"]


class ArcStructure(NamedTuple):
    """A CSR's arcs in kernel order (arcs of a node grouped by layer) with their layer pointers and coin keys.

    ``perm`` maps the kernel's arc order to the CSR's; None when they are the same (the usual case:
    :meth:`Ecosystem.csr <graphmodel.Ecosystem.csr>` gives arcs of a node layer by layer).
    """

    indptr: np.ndarray
    indices: np.ndarray
    layer: np.ndarray
    lptr: np.ndarray
    arc_key: np.ndarray
    perm: np.ndarray | None


_STRUCTURE: "weakref.WeakKeyDictionary[CSR, ArcStructure]" = weakref.WeakKeyDictionary()
_WC: "weakref.WeakKeyDictionary[CSR, np.ndarray]" = weakref.WeakKeyDictionary()


def arc_structure(eco: Ecosystem, csr: CSR) -> ArcStructure:
    """Layer pointers and coin keys of ``csr`` (a CSR of ``eco``); cached per CSR.

    Examples
    --------
    >>> import graphmodel as gm
    >>> eco = gm.Ecosystem(users={"id": [1, 2]}, social={"src": [0], "dst": [1]})
    >>> s = arc_structure(eco, eco.csr("social"))
    >>> s.lptr.tolist(), s.perm is None
    ([[0, 1], [1, 2]], True)
    """
    hit = _STRUCTURE.get(csr)
    if hit is not None:
        return hit
    n, L = csr.n, len(csr.layers)
    # Coin identity: (global layer, edge row, direction). Direction 1 = merchant -> user for payment,
    # dst -> src for undirected social; so a coin is the same whatever other layers the CSR holds.
    lmode = np.zeros(L, dtype=np.int64)
    social_src = np.zeros(0, dtype=np.int64)
    for lid, name in enumerate(csr.layers):
        if name == "payment":
            lmode[lid] = 1
        elif name == "social" and not eco.is_directed("social"):
            lmode[lid] = 2
            social_src = np.ascontiguousarray(eco.edges("social")["src"], dtype=np.int64)
    lglayer = np.array([LAYERS.index(x) for x in csr.layers], dtype=np.int64)
    # build_csr is a stable sort of arcs given layer by layer, so arcs of a node are already grouped by
    # layer: then one compiled pass gives the layer pointers and coin keys, with no permutation.
    ok, lptr, arc_key = grouped_structure(
        csr.indptr, csr.layer, csr.edge, csr.n_users, lmode, lglayer, social_src, bool(csr.reverse)
    )
    if ok:
        out = ArcStructure(csr.indptr, csr.indices, csr.layer, lptr, arc_key, None)
        _STRUCTURE[csr] = out
        return out
    # a CSR from elsewhere: sort arcs of each node by layer
    tails = csr.tails().astype(np.int64)
    layer = csr.layer.astype(np.int64)
    perm = np.lexsort((layer, tails))
    indices = csr.indices[perm]
    layer_s = layer[perm]
    edge = csr.edge[perm]
    counts = np.bincount(tails * L + layer_s, minlength=n * L).reshape(n, L) if L else np.zeros((n, 0), np.int64)
    lptr = np.empty((n, L + 1), dtype=np.int64)
    lptr[:, 0] = csr.indptr[:-1]
    np.cumsum(counts, axis=1, out=lptr[:, 1:])
    lptr[:, 1:] += csr.indptr[:-1, None]
    direction = np.zeros(csr.m, dtype=np.int64)
    glayer = np.zeros(csr.m, dtype=np.int64)
    for lid, name in enumerate(csr.layers):
        mask = layer_s == lid
        glayer[mask] = LAYERS.index(name)
        if name == "payment":
            direction[mask] = tails[mask] >= csr.n_users
        elif name == "social" and not eco.is_directed("social"):
            direction[mask] = tails[mask] != eco.edges("social")["src"][edge[mask]]
    if csr.reverse:
        direction ^= 1
    out = ArcStructure(csr.indptr, indices, layer_s.astype(np.int8), lptr, arc_keys(glayer, edge, direction), perm)
    _STRUCTURE[csr] = out
    return out


def weighted_cascade(csr: CSR, mask: np.ndarray | None = None) -> np.ndarray:
    """``1 / in-degree`` (at least 1) of the head of every arc of ``csr``, in its arc order (or of ``csr``'s arcs in ``mask``).

    The whole array is the one :func:`attach` handed over, when there is one (then read-only);
    otherwise it is computed afresh (not cached: the engine caches the probabilities it uses).
    """
    if mask is None:
        stored = _WC.get(csr)
        if stored is not None:
            return stored
    indeg = np.maximum(csr.in_degree(), 1).astype(np.float64)
    return 1.0 / indeg[csr.indices if mask is None else csr.indices[mask]]


def attach(csr: CSR, *, lptr: np.ndarray, arc_key: np.ndarray, wc: np.ndarray | None = None) -> None:
    """Hand over arrays computed before (a memory-mapped snapshot's) instead of computing them.

    ``csr`` must be in the usual arc order (arcs of a node grouped by layer, as
    :meth:`Ecosystem.csr <graphmodel.Ecosystem.csr>` builds it); ``lptr`` and
    ``arc_key`` are then what :func:`arc_structure` gives, ``wc`` what
    :func:`weighted_cascade` gives. They are used as they are (read-only views stay views).
    """
    _STRUCTURE[csr] = ArcStructure(csr.indptr, csr.indices, csr.layer, lptr, arc_key, None)
    if wc is not None:
        _WC[csr] = wc
