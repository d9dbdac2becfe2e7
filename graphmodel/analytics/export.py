"""Computed node measures as node-table columns, for GraphML viewers (Gephi sizes and colours by them).

Columns added (float columns hold NaN where undefined; writers omit those values):

* ``degree_<layer>`` (int): distinct neighbours in each layer;
* ``participation`` (float, users): multiplex participation coefficient;
* ``<measure>_<scope>`` (float): every centrality computed, e.g. ``pagerank_multiplex``;
* ``community_<scope>`` (int, -1 = none): every partition computed.

A name that already exists in the node table gets the suffix ``_computed``;
existing columns are never overwritten.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from graphmodel.analytics._views import layer_views
from graphmodel.analytics.centrality import CentralityResult
from graphmodel.analytics.communities import CommunityResult
from graphmodel.analytics.multiplex import participation_coefficient, user_degrees
from graphmodel.ecosystem import Ecosystem

__all__ = ["with_measures"]


def with_measures(
    eco: Ecosystem,
    *,
    centrality: CentralityResult | None = None,
    communities: CommunityResult | None = None,
) -> Ecosystem:
    """A copy of ``eco`` whose user and merchant tables carry the computed node measures.

    Examples
    --------
    >>> import graphmodel as gm
    >>> eco = gm.Ecosystem(users={"id": [0, 1]}, social={"src": [0], "dst": [1]})
    >>> with_measures(eco).nodes("user")["degree_social"].tolist()
    [1, 1]
    """
    U = eco.n_users
    cols: dict[str, np.ndarray] = {}
    views = layer_views(eco)
    for layer, v in views.items():
        cols[f"degree_{layer}"] = v.degree.astype(np.int64)
    active = {k: v for k, v in views.items() if v.edges}
    if len(active) >= 2:
        p = np.full(eco.n_nodes, np.nan)
        p[:U] = participation_coefficient(user_degrees(active))
        cols["participation"] = p
    if centrality is not None:
        for scope, measures in centrality.values.items():
            for m, arr in measures.items():
                # degree_<layer> is already there as an int column (same values, 0 instead of NaN)
                cols.setdefault(f"{m}_{scope}", np.asarray(arr, dtype=np.float64))
    if communities is not None:
        for scope, memb in communities.membership.items():
            cols[f"community_{scope}"] = np.asarray(memb, dtype=np.int64)
    users, merchants = eco.nodes("user"), eco.nodes("merchant")
    new_u: dict[str, Any] = {}
    new_m: dict[str, Any] = {}
    for name, arr in cols.items():
        new_u[name if name not in users else f"{name}_computed"] = arr[:U]
        new_m[name if name not in merchants else f"{name}_computed"] = arr[U:]
    return eco.replace(users=users.with_columns(**new_u), merchants=merchants.with_columns(**new_m))
