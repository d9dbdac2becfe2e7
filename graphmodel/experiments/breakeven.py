"""Break-even: the social-over-payment ratio at which the purchase winner flips.

Two ratios are searched, each with everything else held fixed:

* ``conversion_ratio`` = conversion of social-reached users / conversion of
  payment-reached users. Social's conversion is set to ``r x payment's``;
  where that would exceed 1, social's is 1 and payment's ``1 / r``.
* ``transmission_ratio`` = mean social arc probability / mean payment arc
  probability. Social's per-arc probabilities are scaled (each capped at 1);
  payment's stay as they are.

Every evaluation reuses the comparison's run keys, so arc and purchase coins
are shared (common random numbers). A purchase coin is compared with the
conversion and an arc coin with the arc's probability, so per run the
difference ``purchases(payment) - purchases(social)`` can only fall as the
ratio grows: the root is unique, per run and for every resample. (For the
transmission search a uniform social layer is run arc by arc, not with
geometric skipping, whose successes are not nested across probabilities.)

The root of the mean difference is bracketed in ``[1/100, 100]`` and found by
the Illinois variant of regula falsi (on the ratio, bisection in log-ratio as a fallback). Its 95% interval is a
paired bootstrap over runs: each resample's root is found on the evaluated
points by linear interpolation in the ratio. Only the headline pair
(``payment`` and ``social`` scenarios) is re-run.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from graphmodel.experiments.scenarios import IntentSetup, run_scenario

__all__ = ["BreakEven", "breakeven_conversion", "breakeven_transmission", "RATIO_RANGE"]

#: The ratios searched.
RATIO_RANGE: tuple[float, float] = (0.01, 100.0)
#: Evaluations per search after the base point (one at the far end of the range, then regula falsi).
MAX_EVALS = 6
#: Bootstrap resamples of runs for the interval.
BOOTSTRAP = 1000


@dataclass(frozen=True)
class BreakEven:
    """Where the purchase winner between ``payment`` and ``social`` flips.

    ``mean`` is the ratio (social over payment) at which the mean paired
    difference is 0, ``ci95`` its bootstrap interval (``inf``/``0`` ends
    mean "beyond the searched range"); ``current`` the ratio in force.
    ``flip`` is False when the difference keeps its sign over the whole
    :data:`RATIO_RANGE` (``mean`` is then None and ``winner_everywhere`` says who).
    """

    what: str
    current: float | None
    mean: float | None
    ci95: tuple[float, float] | None
    flip: bool
    winner_everywhere: str | None
    evaluations: int
    points: list[tuple[float, float]]
    reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        def num(x: float | None) -> float | None:
            return None if x is None or math.isnan(x) or math.isinf(x) else float(x)

        return {
            "what": self.what,
            "current": num(self.current),
            "mean": num(self.mean),
            "ci95": None if self.ci95 is None else [num(self.ci95[0]), num(self.ci95[1])],
            "ci95_beyond_range": None
            if self.ci95 is None
            else [self.ci95[0] <= RATIO_RANGE[0], self.ci95[1] >= RATIO_RANGE[1]],
            "flip": self.flip,
            "winner_everywhere": self.winner_everywhere,
            "evaluations": self.evaluations,
            "points": [{"ratio": r, "difference": d} for r, d in self.points],
            "reason": self.reason,
        }


def _na(what: str, reason: str, current: float | None = None) -> BreakEven:
    return BreakEven(
        what=what,
        current=current,
        mean=None,
        ci95=None,
        flip=False,
        winner_everywhere=None,
        evaluations=0,
        points=[],
        reason=reason,
    )


def _search(
    what: str,
    current: float,
    d0: np.ndarray,
    evaluate: Callable[[float], np.ndarray],
    *,
    seed: np.random.SeedSequence,
    progress: Callable[[int], None] | None,
) -> BreakEven:
    """Root of ``mean(evaluate(r))`` (non-increasing in ``r``) given ``d0 = evaluate(current)``."""
    lo_r, hi_r = RATIO_RANGE
    pts: dict[float, np.ndarray] = {math.log(current): d0}

    def ev(lr: float) -> float:
        d = evaluate(math.exp(lr))
        pts[lr] = d
        if progress is not None:
            progress(1)
        return float(d.mean())

    x0, f0 = math.log(current), float(d0.mean())
    if f0 == 0.0:
        a = b = x0
    else:
        far = math.log(hi_r) if f0 > 0 else math.log(lo_r)
        ff = ev(far)
        if (ff > 0) == (f0 > 0) and ff != 0.0:
            winner = "payment" if f0 > 0 else "social"
            return BreakEven(
                what=what,
                current=current,
                mean=None,
                ci95=None,
                flip=False,
                winner_everywhere=winner,
                evaluations=len(pts) - 1,
                points=_points(pts),
            )
        # bracket: a (f > 0) < b (f < 0) in log-ratio
        (a, fa), (b, fb) = ((x0, f0), (far, ff)) if f0 > 0 else ((far, ff), (x0, f0))
        side = 0
        for _ in range(MAX_EVALS - 1):
            if fa == 0.0 or fb == 0.0 or b - a < 0.01:
                break
            # regula falsi in the ratio itself (the difference is close to linear in a conversion), Illinois
            # rule: halve the weight of an end kept twice in a row so the bracket keeps shrinking on both sides
            ea, eb = math.exp(a), math.exp(b)
            c = math.log(ea + fa * (eb - ea) / (fa - fb))
            if not a + 0.002 < c < b - 0.002:
                c = 0.5 * (a + b)
            fc = ev(c)
            d = pts[c]
            if abs(fc) <= 0.05 * d.std(ddof=1) / math.sqrt(d.size):  # the root is known to well within the noise
                break
            if fc > 0:
                a, fa = c, fc
                if side == 1:
                    fb /= 2
                side = 1
            elif fc < 0:
                b, fb = c, fc
                if side == -1:
                    fa /= 2
                side = -1
    root = _root(pts)
    ci = _bootstrap(pts, seed)
    return BreakEven(
        what=what,
        current=current,
        mean=root,
        ci95=ci,
        flip=True,
        winner_everywhere=None,
        evaluations=len(pts) - 1,
        points=_points(pts),
    )


def _points(pts: dict[float, np.ndarray]) -> list[tuple[float, float]]:
    return [(math.exp(k), float(pts[k].mean())) for k in sorted(pts)]


def _crossing(xs: np.ndarray, means: np.ndarray) -> np.ndarray:
    """Per row of ``means`` (over sorted ``xs``): the log-ratio where the mean crosses 0 (+-inf: beyond)."""
    pos = means > 0
    # last index still > 0 (means are non-increasing in x up to noise: take the first sign change)
    k = np.argmin(pos, axis=1)  # first index with mean <= 0
    allpos = pos.all(axis=1)
    first_nonpos = ~pos[:, 0]
    out = np.empty(means.shape[0])
    i = np.clip(k - 1, 0, len(xs) - 1)
    j = np.clip(k, 0, len(xs) - 1)
    fa, fb = means[np.arange(len(k)), i], means[np.arange(len(k)), j]
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(fa != fb, fa / (fa - fb), 0.0)
    xr = np.exp(xs)  # interpolate in the ratio itself: a conversion enters the difference about linearly
    out[:] = np.log(xr[i] + t * (xr[j] - xr[i]))
    out[allpos] = math.inf
    out[first_nonpos] = np.where(means[first_nonpos, 0] == 0, xs[0], -math.inf)
    return out


def _root(pts: dict[float, np.ndarray]) -> float:
    xs = np.array(sorted(pts))
    means = np.array([[pts[x].mean() for x in xs]])
    return float(np.exp(_crossing(xs, means)[0]))


def _bootstrap(pts: dict[float, np.ndarray], seed: np.random.SeedSequence) -> tuple[float, float]:
    xs = np.array(sorted(pts))
    D = np.stack([pts[x] for x in xs]).astype(np.float64)  # (points, runs)
    runs = D.shape[1]
    rng = np.random.default_rng(seed)
    W = rng.multinomial(runs, np.full(runs, 1.0 / runs), size=BOOTSTRAP).astype(np.float64)  # (B, runs)
    means = W @ D.T / runs  # (B, points): the same resample at every point (paired)
    roots = _crossing(xs, means)
    lo, hi = np.quantile(roots, [0.025, 0.975], method="inverted_cdf")  # an order statistic: +-inf stay as they are
    return float(np.exp(lo)), float(np.exp(hi))


# ---------------------------------------------------------------------------
def _purchases(
    setup: IntentSetup,
    layers: tuple[str, ...],
    key: int,
    runs: int,
    workers: int | None,
    run: Callable[..., Any] = run_scenario,
) -> np.ndarray:
    return run(setup, layers, key=key, runs=runs, workers=workers).purchases.astype(np.float64)


def breakeven_conversion(
    setup: IntentSetup,
    base_pay: np.ndarray,
    base_soc: np.ndarray,
    *,
    key: int,
    runs: int,
    workers: int | None,
    seed: np.random.SeedSequence,
    progress: Callable[[int], None] | None = None,
    run: Callable[..., Any] = run_scenario,
) -> BreakEven:
    """Search the conversion ratio (social over payment); ``base_*`` are the comparison's per-run purchases.

    ``run`` runs one scenario (:func:`~graphmodel.experiments.scenarios.run_scenario`, or a cluster's
    :meth:`~graphmodel.experiments.runner.ScenarioRunner.run_scenario`)."""
    names = list(setup.graph.layers)
    what = "conversion_ratio"
    if "social" not in names or "payment" not in names:
        return _na(what, "the ecosystem lacks a social or a payment layer")
    ls, lp = names.index("social"), names.index("payment")
    cs0, cp0 = float(setup.conv[ls]), float(setup.conv[lp])
    if cp0 <= 0 or cs0 <= 0:
        return _na(what, "a conversion of 0 has no ratio")
    current = cs0 / cp0

    def evaluate(r: float) -> np.ndarray:
        cs = min(1.0, r * cp0)
        cp = cs / r
        conv = setup.conv.copy()
        conv[ls], conv[lp] = cs, cp
        s = replace(setup, conv=conv)
        soc = _purchases(s, ("social",), key, runs, workers, run)
        pay = base_pay if cp == cp0 else _purchases(s, ("payment",), key, runs, workers, run)
        return pay - soc

    return _search(what, current, base_pay - base_soc, evaluate, seed=seed, progress=progress)


def breakeven_transmission(
    setup: IntentSetup,
    base_pay: np.ndarray,
    base_soc: np.ndarray,
    *,
    key: int,
    runs: int,
    workers: int | None,
    seed: np.random.SeedSequence,
    progress: Callable[[int], None] | None = None,
    run: Callable[..., Any] = run_scenario,
) -> BreakEven:
    """Search the transmission ratio (mean social over mean payment arc probability); ``run`` as above."""
    g = setup.graph
    names = list(g.layers)
    what = "transmission_ratio"
    if "social" not in names or "payment" not in names:
        return _na(what, "the ecosystem lacks a social or a payment layer")
    ls, lp = names.index("social"), names.index("payment")
    arc_layer = g.arc_layers()
    soc = arc_layer == ls
    pay = arc_layer == lp
    del arc_layer  # per-arc arrays are the memory of a large graph: keep only what the search needs
    ps = g.prob[soc]
    pp_mean = float(g.prob[pay].mean()) if pay.any() else 0.0
    del pay
    if ps.size == 0 or ps.mean() <= 0 or pp_mean <= 0:
        return _na(what, "the social or payment layer transmits nothing")
    current = float(ps.mean() / pp_mean)
    seg_p = g.seg_p.copy()
    seg_p[ls] = -1.0  # arc by arc: coins nested across probabilities

    def with_scale(m: float) -> IntentSetup:
        prob = g.prob.copy()
        scaled = ps * m
        prob[soc] = np.minimum(scaled, 1.0, out=scaled)
        return replace(setup, graph=replace(g, prob=prob, seg_p=seg_p))

    def evaluate(r: float) -> np.ndarray:
        s = with_scale(r / current)
        return base_pay - _purchases(s, ("social",), key, runs, workers, run)

    d0 = base_pay - base_soc
    if g.seg_p[ls] >= 0:  # the comparison ran social with skipping: re-run the base point arc by arc
        d0 = evaluate(current)
        if progress is not None:
            progress(1)
    return _search(what, current, d0, evaluate, seed=seed, progress=progress)
