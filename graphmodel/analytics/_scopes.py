"""Scopes for node measures: each selected layer alone, and all of them together ("multiplex")."""

from __future__ import annotations

import numpy as np

from graphmodel.ecosystem import Ecosystem, LayerSpec

__all__ = ["scopes", "scope_size", "scope_arcs"]


def scopes(eco: Ecosystem, layers: LayerSpec) -> dict[str, tuple[str, ...]]:
    """``{layer: (layer,)}`` for each non-empty selected layer, plus ``"multiplex"`` when two or more."""
    chosen = [layer for layer in eco._layers_arg(layers) if eco.n_edges(layer)]
    out = {layer: (layer,) for layer in chosen}
    if len(chosen) >= 2:
        out["multiplex"] = tuple(chosen)
    return out


def scope_size(eco: Ecosystem, layers: tuple[str, ...]) -> int:
    """Scope nodes are a prefix of the global numbering: users, plus merchants when payment is in."""
    return eco.n_nodes if "payment" in layers else eco.n_users


def scope_arcs(eco: Ecosystem, layers: tuple[str, ...]) -> np.ndarray:
    """Arcs (tail, head) of the scope as an (m, 2) int64 array, directions as in :mod:`graphmodel.csr`."""
    c = eco.csr(layers)
    return np.column_stack([c.tails().astype(np.int64), c.indices.astype(np.int64)])


def undirected_keys(eco: Ecosystem, layers: tuple[str, ...]) -> np.ndarray:
    """Sorted unique unordered pairs ``a * N + b`` (a < b) over the scope's layers, loops dropped."""
    from graphmodel.analytics._views import LayerView, sorted_unique

    keys = [LayerView(eco, layer).ukeys for layer in layers]
    return sorted_unique(np.concatenate(keys)) if len(keys) > 1 else keys[0]
