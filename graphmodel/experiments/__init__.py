"""Experiments built on the propagation core: the payment-versus-social comparison.

:func:`compare` runs the intent model (:class:`IntentModel`) over the
scenarios ``social``, ``payment``, ``transfer``, ``social+transfer`` and
``all`` with common random numbers and returns a :class:`CompareResult`;
:func:`write_report` turns it into one self-contained HTML page.
"""

from graphmodel.experiments.campaign import Campaign, make_campaign
from graphmodel.experiments.compare import DEFAULT, CompareResult, compare
from graphmodel.experiments.intent import IntentModel
from graphmodel.experiments.report import write_report
from graphmodel.experiments.sweep import WinnerMap

__all__ = [
    "Campaign",
    "CompareResult",
    "DEFAULT",
    "IntentModel",
    "WinnerMap",
    "compare",
    "make_campaign",
    "write_report",
]
