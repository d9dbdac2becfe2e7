"""Node centrality per layer and on the multiplex: degree, PageRank, sampled betweenness.

* ``degree``: distinct neighbours in the undirected simple projection of the
  scope (on the multiplex: distinct neighbours over all its layers).
* ``pagerank``: igraph PageRank (damping 0.85) on the scope's arcs, directed
  as in :mod:`graphmodel.csr` (trust ``src -> dst``, payment both ways,
  transfer sender -> receiver); parallel arcs count with their multiplicity.
* ``betweenness``: shortest-path betweenness on the same directed arcs, counted
  over ordered (source, target) pairs and not normalised. With ``k`` sources
  sampled uniformly without replacement from the ``n`` scope nodes the value is
  ``n / k`` times the sum of those sources' dependencies, an unbiased estimate
  (Brandes & Pich, "Centrality estimation in large networks", 2007); exact when
  ``k >= n``. The sample size is in the result.

Values are arrays over the global node numbering (users, then merchants); a
node outside a scope (a merchant in the social layer) has NaN.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from graphmodel._seed import SeedLike, as_generator
from graphmodel.analytics._scopes import scope_arcs, scope_size, scopes, undirected_keys
from graphmodel.analytics._views import summary
from graphmodel.checks import check_positive_int
from graphmodel.ecosystem import Ecosystem, LayerSpec
from graphmodel.errors import InputError

__all__ = ["centrality", "CentralityResult", "CENTRALITY_MEASURES"]

CENTRALITY_MEASURES: tuple[str, ...] = ("degree", "pagerank", "betweenness")


@dataclass(frozen=True)
class CentralityResult:
    """Centrality arrays by scope and measure, with a JSON summary.

    Attributes
    ----------
    values : dict scope -> dict measure -> float array of length ``n_nodes``
    betweenness_samples : dict scope -> number of sampled sources (when betweenness was asked)
    scope_nodes : dict scope -> number of nodes in the scope
    top : dict scope -> dict measure -> list of ``(typed id, value)``, highest first
    """

    values: Mapping[str, Mapping[str, np.ndarray]]
    betweenness_samples: Mapping[str, int] = field(default_factory=dict)
    scope_nodes: Mapping[str, int] = field(default_factory=dict)
    top: Mapping[str, Mapping[str, list]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for scope, measures in self.values.items():
            out[scope] = {}
            for m, arr in measures.items():
                entry: dict[str, Any] = {"summary": summary(arr[~np.isnan(arr)])}
                entry["top"] = [{"node": node, "value": float(v)} for node, v in self.top[scope][m]]
                if m == "betweenness":
                    k = self.betweenness_samples[scope]
                    entry["samples"] = k
                    entry["exact"] = k >= self.scope_nodes[scope]
                out[scope][m] = entry
        return out


def _graph(n: int, arcs: np.ndarray):
    import igraph

    g = igraph.Graph(n=n, directed=True)
    if arcs.size:
        g.add_edges(arcs)
    return g


def centrality(
    eco: Ecosystem,
    *,
    measures: Sequence[str] | str = ("degree", "pagerank"),
    layers: LayerSpec = None,
    betweenness_samples: int = 64,
    seed: SeedLike = None,
    top: int = 10,
    progress: Callable[[int, int], None] | None = None,
) -> CentralityResult:
    """Degree, PageRank and (sampled) betweenness per layer and on the multiplex.

    Parameters
    ----------
    eco
        The ecosystem.
    measures
        Some of ``"degree"``, ``"pagerank"``, ``"betweenness"`` (a comma-separated string works).
    layers
        Layers to measure (default all); each non-empty one is a scope, and
        together they form the ``"multiplex"`` scope.
    betweenness_samples
        Number of source nodes sampled for betweenness (exact when >= scope size).
        Each sampled source costs one breadth-first search of the scope.
    seed
        Seeds the choice of betweenness sources.
    top
        How many highest-ranked nodes the JSON summary lists.
    progress
        Called as ``progress(done, total)`` after each (scope, measure); nothing is printed.

    Examples
    --------
    >>> import graphmodel as gm
    >>> eco = gm.Ecosystem(users={"id": [0, 1, 2]}, social={"src": [0, 1], "dst": [1, 2]})
    >>> r = gm.centrality(eco, measures=("degree",))
    >>> r.values["social"]["degree"].tolist()
    [1.0, 2.0, 1.0]
    """
    if isinstance(measures, str):
        measures = [s.strip() for s in measures.split(",") if s.strip()]
    measures = tuple(dict.fromkeys(measures))
    for m in measures:
        if m not in CENTRALITY_MEASURES:
            raise InputError(
                f"unknown centrality measure {m!r}; expected some of {', '.join(CENTRALITY_MEASURES)}", field="measures"
            )
    check_positive_int(betweenness_samples, "betweenness_samples")
    scs = scopes(eco, layers)
    N = eco.n_nodes
    rng = as_generator(seed)
    values: dict[str, dict[str, np.ndarray]] = {}
    samples: dict[str, int] = {}
    sizes: dict[str, int] = {}
    tops: dict[str, dict[str, list]] = {}
    done, total = 0, len(scs) * len(measures)
    for scope, lays in scs.items():
        n = scope_size(eco, lays)
        sizes[scope] = n
        values[scope] = {}
        g = None
        for m in measures:
            arr = np.full(N, np.nan)
            if m == "degree":
                k = undirected_keys(eco, lays)
                a, b = np.divmod(k, N)
                arr[:n] = (np.bincount(a, minlength=N) + np.bincount(b, minlength=N))[:n]
            else:
                if g is None:
                    g = _graph(n, scope_arcs(eco, lays))
                if m == "pagerank":
                    arr[:n] = g.pagerank(damping=0.85, directed=True)
                else:
                    k = min(int(betweenness_samples), n)
                    if k >= n:
                        arr[:n] = g.betweenness(directed=True)
                    else:
                        src = np.sort(rng.choice(n, size=k, replace=False))
                        arr[:n] = np.asarray(g.betweenness(directed=True, sources=src.tolist())) * (n / k)
                    samples[scope] = k
            values[scope][m] = arr
            done += 1
            if progress is not None:
                progress(done, total)
        tops[scope] = {}
        for m, arr in values[scope].items():
            sub = arr[:n]
            idx = np.argsort(-sub, kind="stable")[:top]
            tops[scope][m] = list(zip(eco.node_ids(idx), sub[idx].tolist()))
    return CentralityResult(values=values, betweenness_samples=samples, scope_nodes=sizes, top=tops)
