"""Learn the spread from timestamped purchases.

* :func:`fit` -- per-layer transmission of purchases (discrete-time
  independent cascade with per-item background) by maximum likelihood, with
  paired bootstrap intervals over users, a time-shuffled baseline and, with
  ``test_from``, an out-of-sample validation;
* :func:`load_params` -- read a ``graphmodel.params/1`` file (what ``fit``
  writes) as :class:`Params`, which maps the fitted quantity to a probability
  spec and intent-model conversions (re-exported from :mod:`graphmodel.params`,
  the file format, which sits below the experiments that read it).
"""

from graphmodel.fitting.fit import fit
from graphmodel.fitting.result import FitResult
from graphmodel.params import FORMAT, Params, as_params, load_params

__all__ = ["fit", "FitResult", "Params", "as_params", "load_params", "FORMAT"]
