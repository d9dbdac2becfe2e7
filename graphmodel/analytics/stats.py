"""One call for the structure of an ecosystem: per-layer and across-layer measures.

Defaults are what stays fast on a 10M-edge ecosystem: every per-layer and
multiplex measure (see :mod:`graphmodel.analytics.layers` and
:mod:`graphmodel.analytics.multiplex`). Centrality and communities are
computed only when asked (``centrality=``, ``communities=``); betweenness and
Leiden are the expensive ones.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from graphmodel._seed import SeedLike, as_seed_sequence
from graphmodel.analytics._scopes import scopes
from graphmodel.analytics._views import layer_views
from graphmodel.analytics.centrality import CentralityResult
from graphmodel.analytics.centrality import centrality as _centrality
from graphmodel.analytics.communities import CommunityResult
from graphmodel.analytics.communities import communities as _communities
from graphmodel.analytics.layers import layer_measures
from graphmodel.analytics.multiplex import multiplex_measures
from graphmodel.ecosystem import Ecosystem, LayerSpec

__all__ = ["stats", "StatsResult"]


@dataclass(frozen=True)
class StatsResult:
    """Measures of an ecosystem.

    ``to_dict()`` is shaped ``layers.<layer>.<measure>``, ``multiplex.<measure>``,
    plus ``centrality`` / ``communities`` when computed and ``notes``: for each
    measure path (``"layers.social.reciprocity"``) what it is computed on, or
    why it is None.
    """

    ecosystem: dict[str, Any]
    layers: dict[str, dict[str, Any]]
    multiplex: dict[str, Any]
    notes: dict[str, str] = field(default_factory=dict)
    centrality: CentralityResult | None = None
    communities: CommunityResult | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"ecosystem": self.ecosystem, "layers": self.layers, "multiplex": self.multiplex}
        if self.centrality is not None:
            out["centrality"] = self.centrality.to_dict()
        if self.communities is not None:
            out["communities"] = self.communities.to_dict()
        out["notes"] = self.notes
        return out


def stats(
    eco: Ecosystem,
    *,
    layers: LayerSpec = None,
    clustering: bool = True,
    powerlaw: bool = True,
    centrality: Sequence[str] | str = (),
    communities: str | None = None,
    betweenness_samples: int = 64,
    seed: SeedLike = None,
    progress: Callable[[int, int], None] | None = None,
) -> StatsResult:
    """Structure of each layer and of the layers together.

    Parameters
    ----------
    eco
        The ecosystem.
    layers
        Layers to describe (default: all three).
    clustering, powerlaw
        Switch off transitivity/clustering or the power-law tail fit.
    centrality
        Centrality measures to add (``"degree"``, ``"pagerank"``,
        ``"betweenness"``); none by default.
    communities
        ``"leiden"`` or ``"louvain"`` to add communities; none by default.
    betweenness_samples
        Sampled sources for betweenness (see :func:`graphmodel.centrality`).
    seed
        Seeds betweenness sampling and community detection.
    progress
        Called as ``progress(done, total)`` after each step (a layer, the multiplex measures, a centrality
        measure on a scope, communities on a scope); nothing is printed.

    Examples
    --------
    >>> import graphmodel as gm
    >>> eco = gm.Ecosystem(users={"id": [0, 1, 2]}, social={"src": [0, 1, 1], "dst": [1, 0, 2]},
    ...                    social_directed=True)
    >>> d = gm.stats(eco).to_dict()
    >>> d["layers"]["social"]["edges"], round(d["layers"]["social"]["reciprocity"], 3)
    (3, 0.667)
    """
    views = layer_views(eco, layers)
    out_layers: dict[str, dict[str, Any]] = {}
    notes: dict[str, str] = {}
    n_scopes = len(scopes(eco, layers)) if centrality or communities else 0
    n_measures = len(
        {s.strip() for s in centrality.split(",") if s.strip()} if isinstance(centrality, str) else set(centrality)
    )
    total = len(views) + 1 + n_scopes * n_measures + ((n_scopes + 1) if communities else 0)
    step = [0]

    def advance(k: int = 1) -> None:
        step[0] += k
        if progress is not None:
            progress(step[0], total)

    for name, view in views.items():
        measures, n = layer_measures(view, clustering_on=clustering, powerlaw=powerlaw)
        out_layers[name] = measures
        # the across-layer measures need only these: the rest (renumbered edges, ordered keys) can go
        view.release(keep=("degree", "touched") + (("ukeys",) if name in ("social", "transfer") else ()))
        notes.update({f"layers.{name}.{k}": v for k, v in n.items()})
        advance()
    mx, n = multiplex_measures(eco, views)
    advance()
    notes.update({f"multiplex.{k}": v for k, v in n.items()})
    notes["layers.*.degree"] = "distinct neighbours in the undirected simple projection, over touched nodes"
    notes["layers.*.edges"] = "rows of the edge table; other measures merge parallel edges and drop self-loops"
    ss = as_seed_sequence(seed)
    s_cent, s_comm = ss.spawn(2)
    cent = comm = None
    if centrality:
        cent = _centrality(
            eco,
            measures=centrality,
            layers=layers,
            betweenness_samples=betweenness_samples,
            seed=s_cent,
            progress=_follow(advance),
        )
    if communities:
        comm = _communities(eco, method=communities, layers=layers, seed=s_comm, progress=_follow(advance))
    info = {
        "name": eco.meta.get("name"),
        "users": eco.n_users,
        "merchants": eco.n_merchants,
        "social_directed": eco.social_directed,
    }
    return StatsResult(info, out_layers, mx, notes, cent, comm)


def _follow(advance: Callable[[int], None]) -> Callable[[int, int], None]:
    """A sub-step's ``progress(done, total)`` that advances the outer count by the steps done since its last call."""
    last = [0]

    def follow(done: int, total: int) -> None:  # noqa: ARG001 - the outer total already counts these steps
        advance(done - last[0])
        last[0] = done

    return follow
