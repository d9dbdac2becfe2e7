"""Monte Carlo summaries: mean, spread, 95% interval and quantiles of a sample.

Every stochastic result in graphmodel reports an :class:`Estimate`, so the
same fields mean the same thing everywhere (simulate, compare, compete, ...).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from numpy.typing import ArrayLike
from scipy import stats as _st

from graphmodel.jsonable import json_number as _clean

__all__ = ["Estimate", "estimate", "QUANTILES", "ADAPTIVE_BATCH"]

#: Quantiles reported with every estimate.
QUANTILES: tuple[float, ...] = (0.05, 0.25, 0.5, 0.75, 0.95)

#: Runs per batch under adaptive stopping (``target_ci`` of simulate and compare): the runs used are
#: always a prefix of the same fixed sequence, so an adaptively stopped result is reproducible.
ADAPTIVE_BATCH = 100


@dataclass(frozen=True)
class Estimate:
    """Summary of ``n`` independent samples of one quantity.

    ``ci95`` is the Student-t 95% confidence interval of the mean (a normal
    approximation by the central limit theorem; exact for normal samples).
    """

    mean: float
    std: float
    ci95: tuple[float, float]
    n: int
    quantiles: dict[str, float] = field(default_factory=dict)

    @property
    def half_width(self) -> float:
        """Half the width of the 95% interval."""
        return (self.ci95[1] - self.ci95[0]) / 2.0

    @property
    def sem(self) -> float:
        """Standard error of the mean."""
        return self.std / math.sqrt(self.n) if self.n > 0 else math.nan

    def to_dict(self) -> dict[str, Any]:
        return {
            "mean": _clean(self.mean),
            "std": _clean(self.std),
            "ci95": [_clean(self.ci95[0]), _clean(self.ci95[1])],
            "n": self.n,
            "quantiles": {k: _clean(v) for k, v in self.quantiles.items()},
        }


@functools.lru_cache(maxsize=1024)
def _t975(df: int) -> float:
    """The 97.5% Student-t quantile (a scipy.stats call costs ~0.15 ms; runs repeat the same few df)."""
    return float(_st.t.ppf(0.975, df))


def estimate(samples: ArrayLike, *, quantiles: tuple[float, ...] = QUANTILES) -> Estimate:
    """Summarise independent samples.

    Examples
    --------
    >>> e = estimate([1.0, 2.0, 3.0, 4.0])
    >>> e.mean, e.n
    (2.5, 4)
    >>> round(e.ci95[0], 3), round(e.ci95[1], 3)
    (0.446, 4.554)
    """
    x = np.asarray(samples, dtype=np.float64).ravel()
    n = int(x.size)
    if n == 0:
        nan = math.nan
        return Estimate(nan, nan, (nan, nan), 0, {f"q{int(q * 100):02d}": nan for q in quantiles})
    mean = float(x.mean())
    std = float(x.std(ddof=1)) if n > 1 else 0.0
    if n > 1:
        h = _t975(n - 1) * std / math.sqrt(n)
    else:
        h = math.nan
    qs = np.quantile(x, quantiles) if n else []
    return Estimate(
        mean=mean,
        std=std,
        ci95=(mean - h, mean + h),
        n=n,
        quantiles={f"q{int(round(q * 100)):02d}": float(v) for q, v in zip(quantiles, qs)},
    )
