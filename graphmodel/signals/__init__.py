"""Which signal predicts purchases -- shopping data or social data?

* :func:`signal` -- hold out purchases, rank candidates with every scorer,
  report AUC / recall@k / NDCG@k with bootstrap intervals and paired tests;
* :func:`estimate_conversion` -- how often a purchase follows a neighbour's
  purchase per layer, against a time-shuffled baseline.
"""

from graphmodel.signals.conversion import ConversionResult, estimate_conversion
from graphmodel.signals.signal import SignalResult, signal

__all__ = ["ConversionResult", "SignalResult", "estimate_conversion", "signal"]
