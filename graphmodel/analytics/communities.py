"""Communities per layer and on the multiplex (Leiden, modularity), and how they mix across layers.

Each scope (a layer, or the ``"multiplex"`` of the selected layers) is taken as
its undirected simple projection over the nodes it touches; isolated nodes get
membership -1. ``method="leiden"`` runs igraph's ``community_leiden`` with the
modularity objective (Traag, Waltman & van Eck, Sci. Rep. 9:5233, 2019)
until an iteration no longer improves it; ``"louvain"`` runs
``community_multilevel`` (Blondel et al. 2008). ``modularity`` is Newman's
modularity of the partition on that graph.

Mixing between two scopes A and B:

* ``nmi`` / ``ari``: normalised mutual information (Danon et al. 2005) and
  adjusted Rand index (Hubert & Arabie 1985) of the two partitions restricted
  to nodes in both;
* ``edges_inside``: share of A's edges (both ends in B's partition) whose ends
  share a community of B — e.g. the share of social ties inside payment
  communities — with ``baseline``, the share expected if those ends were
  paired at random (sum over B's communities of the squared node share).

Seeding: igraph draws from its own random number generator; for the duration
of the call it is set to a :class:`random.Random` seeded from ``seed`` and
then restored, so a seed gives the same partition every time (this swap is
process-wide: do not run community detection concurrently in threads).
"""

from __future__ import annotations

import contextlib
import random
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from itertools import combinations, permutations
from typing import Any

import numpy as np

from graphmodel._seed import SeedLike, as_seed_sequence
from graphmodel.analytics._scopes import scope_size, scopes, undirected_keys
from graphmodel.analytics._views import finite_or_none
from graphmodel.ecosystem import Ecosystem, LayerSpec
from graphmodel.errors import InputError

__all__ = ["communities", "CommunityResult", "COMMUNITY_METHODS"]

COMMUNITY_METHODS: tuple[str, ...] = ("leiden", "louvain")


@dataclass(frozen=True)
class CommunityResult:
    """Partitions by scope and their agreement across scopes.

    Attributes
    ----------
    membership : dict scope -> int64 array over global nodes (-1: not in the scope's graph)
    modularity : dict scope -> float
    count : dict scope -> number of communities
    largest_share : dict scope -> share of the scope's nodes in the largest community
    mixing : dict ``"A|B"`` -> dict of nmi, ari, edges_inside, baseline
    method : str
    """

    membership: Mapping[str, np.ndarray]
    modularity: Mapping[str, float | None]
    count: Mapping[str, int]
    largest_share: Mapping[str, float | None]
    mixing: Mapping[str, Mapping[str, Any]]
    method: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "scopes": {
                s: {
                    "communities": self.count[s],
                    "modularity": finite_or_none(self.modularity[s]),
                    "largest_share": finite_or_none(self.largest_share[s]),
                    "nodes": int((self.membership[s] >= 0).sum()),
                }
                for s in self.membership
            },
            "mixing": {k: dict(v) for k, v in self.mixing.items()},
        }


@contextlib.contextmanager
def _igraph_rng(seed_int: int) -> Iterator[None]:
    import igraph

    igraph.set_random_number_generator(random.Random(seed_int))
    try:
        yield
    finally:
        igraph.set_random_number_generator(random)


def _compact(keys: np.ndarray, N: int, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    a, b = np.divmod(keys, N)
    hit = np.zeros(n, dtype=bool)
    hit[a] = True
    hit[b] = True
    nodes = np.flatnonzero(hit)
    return nodes, np.searchsorted(nodes, a), np.searchsorted(nodes, b)


def communities(
    eco: Ecosystem,
    *,
    method: str = "leiden",
    layers: LayerSpec = None,
    seed: SeedLike = None,
    resolution: float = 1.0,
    n_iterations: int = 2,
    progress: Callable[[int, int], None] | None = None,
) -> CommunityResult:
    """Detect communities in each layer and on the multiplex, and compare them.

    Parameters
    ----------
    eco
        The ecosystem.
    method
        ``"leiden"`` (modularity objective) or ``"louvain"``.
    layers
        Layers to use (default all); each non-empty one is a scope, and
        together they form ``"multiplex"``.
    seed
        Makes the partition reproducible.
    resolution
        Modularity resolution (1 = Newman's modularity).
    n_iterations
        Leiden iterations (igraph's default 2; a negative number iterates until
        the partition stops improving, which can take many minutes on 10M edges).
    progress
        Called as ``progress(done, total)`` after each scope and after the comparison; nothing is printed.

    Examples
    --------
    >>> import graphmodel as gm
    >>> eco = gm.Ecosystem(users={"id": list(range(6))},
    ...     social={"src": [0, 1, 0, 3, 4, 3, 2], "dst": [1, 2, 2, 4, 5, 5, 3]})
    >>> r = gm.communities(eco, seed=1)
    >>> r.count["social"], round(r.modularity["social"], 3)
    (2, 0.357)
    """
    if method not in COMMUNITY_METHODS:
        raise InputError(
            f"unknown community method {method!r}; expected one of {', '.join(COMMUNITY_METHODS)}", field="method"
        )
    import igraph

    scs = scopes(eco, layers)
    N = eco.n_nodes
    ss = as_seed_sequence(seed)
    child = ss.spawn(len(scs))
    membership: dict[str, np.ndarray] = {}
    modularity: dict[str, float | None] = {}
    count: dict[str, int] = {}
    largest: dict[str, float | None] = {}
    ukeys: dict[str, np.ndarray] = {}
    for (scope, lays), cs in zip(scs.items(), child):
        n = scope_size(eco, lays)
        keys = undirected_keys(eco, lays)
        ukeys[scope] = keys
        nodes, a, b = _compact(keys, N, n)
        g = igraph.Graph(n=nodes.size, directed=False)
        g.add_edges(np.column_stack([a, b]))
        with _igraph_rng(int(cs.generate_state(1, dtype=np.uint32)[0])):
            if method == "leiden":
                part = g.community_leiden(
                    objective_function="modularity", resolution=resolution, n_iterations=n_iterations
                )
            else:
                part = g.community_multilevel(resolution=resolution)
        memb = np.asarray(part.membership, dtype=np.int64)
        full = np.full(N, -1, dtype=np.int64)
        full[nodes] = memb
        membership[scope] = full
        modularity[scope] = float(g.modularity(memb.tolist(), resolution=resolution)) if g.ecount() else None
        sizes = np.bincount(memb) if memb.size else np.zeros(0, np.int64)
        count[scope] = int(sizes.size)
        largest[scope] = float(sizes.max() / memb.size) if memb.size else None
        if progress is not None:
            progress(len(membership), len(scs) + 1)
    mixing: dict[str, dict[str, Any]] = {}
    for x, y in combinations(membership, 2):
        mx, my = membership[x], membership[y]
        both = (mx >= 0) & (my >= 0)
        entry: dict[str, Any] = {"common_nodes": int(both.sum()), "nmi": None, "ari": None}
        if both.sum() >= 2:
            ax, ay = mx[both].tolist(), my[both].tolist()
            entry["nmi"] = finite_or_none(igraph.compare_communities(ax, ay, method="nmi"))
            entry["ari"] = finite_or_none(igraph.compare_communities(ax, ay, method="adjusted_rand"))
        mixing[f"{x}|{y}"] = entry
    for x, y in permutations(membership, 2):
        if x == "multiplex":
            continue
        my = membership[y]
        a, b = np.divmod(ukeys[x], N)
        sel = (my[a] >= 0) & (my[b] >= 0)
        key = f"{x}|{y}" if f"{x}|{y}" in mixing else f"{y}|{x}"
        name = f"{x}_edges_inside_{y}"
        if not sel.any():
            mixing[key][name] = None
            continue
        inside = float(np.mean(my[a[sel]] == my[b[sel]]))
        sizes = np.bincount(my[my >= 0]).astype(np.float64)
        p = sizes / sizes.sum()
        mixing[key][name] = {"share": inside, "baseline": float((p**2).sum()), "edges": int(sel.sum())}
    if progress is not None:
        progress(len(scs) + 1, len(scs) + 1)
    return CommunityResult(membership, modularity, count, largest, mixing, method)
