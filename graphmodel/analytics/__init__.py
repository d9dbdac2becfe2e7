"""Structure of an ecosystem: per-layer and multiplex measures, centrality, communities.

``stats`` gives the per-layer and across-layer measures (fast defaults),
``centrality`` and ``communities`` the node-level ones; ``with_measures`` puts
node measures on the node tables for GraphML export; ``plot_degrees`` draws
degree distributions (matplotlib, the ``plots`` extra).
"""

from graphmodel.analytics.centrality import CENTRALITY_MEASURES, CentralityResult, centrality
from graphmodel.analytics.communities import COMMUNITY_METHODS, CommunityResult, communities
from graphmodel.analytics.export import with_measures
from graphmodel.analytics.plot import plot_degrees
from graphmodel.analytics.powerlaw import PowerLawFit, fit_powerlaw
from graphmodel.analytics.stats import StatsResult, stats

__all__ = [
    "CENTRALITY_MEASURES",
    "COMMUNITY_METHODS",
    "CentralityResult",
    "CommunityResult",
    "PowerLawFit",
    "StatsResult",
    "centrality",
    "communities",
    "fit_powerlaw",
    "plot_degrees",
    "stats",
    "with_measures",
]
