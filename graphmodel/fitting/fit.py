"""``fit``: per-layer transmission of purchases, by maximum likelihood, with paired bootstrap intervals.

The model and its likelihood are in :mod:`graphmodel.fitting.likelihood`; the
exposures in :mod:`graphmodel.fitting.exposures`. This module runs the fit, the
bootstrap over users (the same resamples for every layer, so differences
between layers are paired), the time-shuffled baseline (purchase times
permuted across payment edges, as in :mod:`graphmodel.signals.conversion`),
the comparison with a generated timeline's truth and, with ``test_from``,
the out-of-sample validation (:mod:`graphmodel.fitting.validate`).

Assumptions (listed in every result's ``params.assumptions``):

1. independent chances: every live exposure and the background act
   independently on every day (the IC assumption, in discrete time);
2. one transmission probability per layer, the same for every tie, user and item;
3. background per item, constant in time and across users (no activity
   heterogeneity, no trend);
4. an exposure is live for ``window`` days after the neighbour's purchase;
   only first purchases of an item count;
5. ties without times (trust, transfers) exist from the start;
6. every user is at risk over the whole observed period.

Violations of 3 (active users, busy periods) and shared taste (homophily)
can pass for transmission; the time-shuffled baseline measures how much.
"""

from __future__ import annotations

import datetime as _dt
import os
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import numpy as np

from graphmodel._seed import SeedLike, as_generator, as_seed_sequence
from graphmodel.checks import check_int
from graphmodel.ecosystem import Ecosystem
from graphmodel.errors import InputError
from graphmodel.fitting.exposures import DAY, FIT_LAYERS, ExposureData, build_exposures, payment_times
from graphmodel.fitting.likelihood import MLE, maximize
from graphmodel.fitting.result import FitResult

if TYPE_CHECKING:
    from graphmodel.signals.split import TimeLike

__all__ = ["fit", "ASSUMPTIONS", "MIN_EXPOSURES", "MIN_ADOPTIONS"]

#: A layer with fewer exposures than this is reported as not estimable.
MIN_EXPOSURES = 100
#: ... or with fewer purchases made while exposed through it.
MIN_ADOPTIONS = 10

ASSUMPTIONS: tuple[str, ...] = (
    "every live exposure and the background act independently on every day (IC in discrete time)",
    "one transmission probability per layer, the same for every tie, user and item",
    "background per item, constant in time and across users",
    "an exposure is live for `window` days after the neighbour's first purchase; only first purchases count",
    "ties without times (trust, transfers) exist from the start; co-customer links from the first shared merchant",
    "every user is at risk over the whole observed period",
)
_BATCH = 8
#: The warning a layer gets when its fit does not exceed its time-shuffled baseline.
HOMOPHILY = "not distinguishable from shared taste (does not exceed the time-shuffled baseline)"
#: Users are dealt at random into this many groups for the bootstrap (all users when fewer).
BOOT_GROUPS = 400


def _iso(t: float) -> str:
    return _dt.datetime.fromtimestamp(float(t), _dt.timezone.utc).strftime("%Y-%m-%d")


def _seed_value(seed: SeedLike) -> Any:
    return int(seed) if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool) else None


def _p(b: np.ndarray | float, w: int) -> np.ndarray:
    return -np.expm1(-w * np.asarray(b, dtype=np.float64))


def _interval(x: np.ndarray) -> list[float | None]:
    x = np.asarray(x, dtype=np.float64)
    x = x[np.isfinite(x)]
    if x.size == 0:
        return [None, None]
    lo, hi = np.percentile(x, [2.5, 97.5])
    return [float(lo), float(hi)]


def _solve(ex: ExposureData, N: np.ndarray, A: np.ndarray, free: np.ndarray, start: np.ndarray | None = None) -> MLE:
    return maximize(ex.cfg_item, ex.cfg_k.astype(np.float64), N, A, ex.n_items, free=free, start=start)


def fit(
    eco: Ecosystem,
    *,
    level: str = "category",
    window: int = 30,
    layers: tuple[str, ...] | list[str] | str | None = None,
    test_from: TimeLike | None = None,
    bootstrap: int = 200,
    shuffles: int = 3,
    min_exposures: int = MIN_EXPOSURES,
    min_adoptions: int = MIN_ADOPTIONS,
    seed: SeedLike = None,
    source: str | None = None,
    workers: int | None = None,
) -> FitResult:
    """Fit per-layer transmission of purchases (IC with background) to timestamped purchases.

    Parameters
    ----------
    eco
        Needs payment ``first_time`` (unix seconds).
    level
        ``"category"`` (an item is a merchant category) or ``"merchant"``.
    window
        Days an exposure stays live after a neighbour's purchase.
    layers
        Subset of ``social, payment, transfer`` (default: every layer with edges; payment always).
    test_from
        Date (``YYYY-MM-DD``) or unix seconds: fit on purchases before it and
        validate on the purchases from it on (see :mod:`graphmodel.fitting.validate`).
    bootstrap
        Resamples of users for the intervals (0: no intervals).
    shuffles
        Time-shuffled replicates for the baseline (0: no baseline).
    min_exposures, min_adoptions
        Below either, a layer is "not estimable" (null, with the reason).
    seed
        Drives the bootstrap, the shuffles and the validation; same seed, same numbers.
    source
        Provenance recorded in ``params.data.source`` (e.g. the directory read).
    workers
        Threads for the real and time-shuffled exposure passes (default: all
        cores); never changes the result.

    Returns
    -------
    FitResult
        ``to_dict()`` is a ``graphmodel.params/1`` document.

    Examples
    --------
    >>> import graphmodel as gm
    >>> eco = gm.generate(users=1500, seed=1, timeline=True)
    >>> r = gm.fit(eco, bootstrap=20, shuffles=1, seed=0)
    >>> sorted(r.transmission)
    ['payment', 'social', 'transfer']
    >>> r.to_dict()["format"]
    'graphmodel.params/1'
    """
    window = int(check_int(window, "window", at_least=1))
    bootstrap = int(check_int(bootstrap, "bootstrap", at_least=0))
    shuffles = int(check_int(shuffles, "shuffles", at_least=0))
    if isinstance(layers, str):
        layers = tuple(x.strip() for x in layers.split(",") if x.strip())
    if layers is not None:
        for x in layers:
            if x not in FIT_LAYERS:
                raise InputError(f"unknown layer {x!r}; expected social, payment or transfer", field="layers")
        layers = tuple(x for x in FIT_LAYERS if x in layers)
    times = payment_times(eco)
    finite = np.isfinite(times)
    t0 = float(times[finite].min())
    cut = None
    if test_from is not None:
        from graphmodel.signals.split import parse_time

        cut = float(parse_time(test_from))
        if not (times[finite] < cut).any():
            raise InputError(f"no purchase before test_from {_iso(cut)}", field="test_from")
        if not (times[finite] >= cut).any():
            raise InputError(f"no purchase on or after test_from {_iso(cut)}", field="test_from")
    ss = as_seed_sequence(seed)
    s_boot, s_shuffle, s_valid = ss.spawn(3)
    U = eco.n_users
    n_groups = min(U, BOOT_GROUPS) if bootstrap else 1
    group = np.zeros(U, np.int64)
    if n_groups > 1:
        rng_g, s_boot = s_boot.spawn(2)
        group[as_generator(rng_g).permutation(U)] = np.arange(U) % n_groups
    # the real pass and the time-shuffled passes are independent: run them on threads (the kernel releases the GIL)
    shuffled = []
    if shuffles:
        rng = as_generator(s_shuffle)
        idx = np.flatnonzero(finite & (times < cut if cut is not None else True))
        for _ in range(shuffles):
            t_sh = np.full(times.shape, np.nan)
            t_sh[idx] = rng.permutation(times[idx])
            shuffled.append(t_sh)
    info: dict[str, Any] = {}
    common = dict(level=level, window_days=window, layers=layers, t0=t0, t_end=cut)
    n_threads = max(1, min(1 + shuffles, workers if workers is not None else (os.cpu_count() or 1)))
    with ThreadPoolExecutor(max_workers=n_threads) as pool:
        job = pool.submit(build_exposures, eco, info=info, group=group, **common)
        sh_jobs = [pool.submit(build_exposures, eco, times=t_sh, **common) for t_sh in shuffled]
        ex = job.result()
        sh_stats = [j.result() for j in sh_jobs]
    used = ex.layers
    N, A = ex.totals()
    K = ex.cfg_k
    # estimability
    status: dict[str, tuple[bool, str | None]] = {}
    adopt_exposed: dict[str, int] = {}
    for j, x in enumerate(FIT_LAYERS):
        if x not in used:
            why = "layer not fitted (not requested)" if layers is not None else "layer has no edges"
            status[x] = (False, why)
            adopt_exposed[x] = 0
            continue
        ae = int(A[K[:, j] > 0].sum())
        adopt_exposed[x] = ae
        if ex.exposures[x] < min_exposures:
            status[x] = (False, f"too few exposures to fit ({ex.exposures[x]} < {min_exposures})")
        elif ae < min_adoptions:
            status[x] = (False, f"too few purchases while exposed to fit ({ae} < {min_adoptions})")
        else:
            status[x] = (True, None)
    free = np.array([status[x][0] for x in FIT_LAYERS])
    point = _solve(ex, N, A, free)
    theta0 = np.concatenate([point.a, point.b])
    # bootstrap over users (in random groups): the same resamples for every layer (one joint fit per resample)
    boot_b = np.zeros((bootstrap, 3))
    boot_a = np.zeros((bootstrap, ex.n_items))
    if bootstrap:
        rng = as_generator(s_boot)
        G = ex.n_groups
        for j0 in range(0, bootstrap, _BATCH):
            nb = min(_BATCH, bootstrap - j0)
            W = np.stack([np.bincount(rng.integers(0, G, size=G), minlength=G) for _ in range(nb)], axis=1)
            Nb, Ab = ex.totals(W)
            for c in range(nb):
                m = _solve(ex, Nb[:, c], Ab[:, c], free, start=theta0)
                boot_b[j0 + c] = m.b
                boot_a[j0 + c] = m.a
    # time-shuffled baseline
    base_p = np.full((shuffles, 3), np.nan)
    for s, exs in enumerate(sh_stats):
        Ns, As = exs.totals()
        m = _solve(exs, Ns, As, free)
        base_p[s] = _p(m.b, window)
    p_hat = _p(point.b, window)
    p_boot = _p(boot_b, window)
    transmission: dict[str, dict[str, Any]] = {}
    baseline: dict[str, dict[str, Any]] = {}
    draws: dict[str, list[float]] = {}
    for j, x in enumerate(FIT_LAYERS):
        ok, why = status[x]
        entry: dict[str, Any] = {
            "mean": float(p_hat[j]) if ok else None,
            "ci95": _interval(p_boot[:, j]) if (ok and bootstrap) else [None, None],
            "per_day": float(-np.expm1(-point.b[j])) if ok else None,
            "exposures": int(ex.exposures.get(x, 0)),
            "adoptions_exposed": adopt_exposed[x],
            "estimable": ok,
            "reason": why,
            "homophily": None,
        }
        bl = {"mean": None, "values": []}
        if ok and shuffles:
            bl = {"mean": float(np.mean(base_p[:, j])), "values": [float(v) for v in base_p[:, j]]}
            lo = entry["ci95"][0] if entry["ci95"][0] is not None else entry["mean"]
            if lo <= bl["mean"]:
                entry["homophily"] = HOMOPHILY
        transmission[x] = entry
        baseline[x] = bl
        if ok and bootstrap:
            draws[x] = [float(v) for v in p_boot[:, j]]
    bg_hat = _p(point.a, window)
    bg_boot = _p(boot_a, window)
    names = info["items"]
    background: dict[str, Any] = {
        "mean": float(bg_hat.mean()),
        "ci95": _interval(bg_boot.mean(axis=1)) if bootstrap else [None, None],
        "unit": f"P(buying an item on one's own within {window} days), averaged over items",
    }
    if ex.n_items <= 200:
        background["per_item"] = {
            names[i]: {"mean": float(bg_hat[i]), "ci95": _interval(bg_boot[:, i]) if bootstrap else [None, None]}
            for i in range(ex.n_items)
        }
    relative: dict[str, dict[str, Any]] = {}
    if status["payment"][0] and status["social"][0]:
        with np.errstate(divide="ignore", invalid="ignore"):
            relative["payment/social"] = {
                "mean": float(p_hat[1] / p_hat[0]) if p_hat[0] > 0 else None,
                "ci95": _interval(p_boot[:, 1] / p_boot[:, 0]) if bootstrap else [None, None],
            }
        relative["payment-social"] = {
            "mean": float(p_hat[1] - p_hat[0]),
            "ci95": _interval(p_boot[:, 1] - p_boot[:, 0]) if bootstrap else [None, None],
        }
    recovery = _recovery(eco, level, window, transmission, background) if "timeline" in eco.meta else None
    validation = None
    if cut is not None:
        from graphmodel.fitting.validate import validate

        validation = validate(
            eco, level=level, window=window, t0=t0, cut=cut, a=point.a, b=point.b, layers=used, seed=s_valid
        )
    t_fin = times[finite]
    params = {
        "level": level,
        "window_days": window,
        "layers": list(used),
        "split": (
            {
                "kind": "time",
                "test_from": int(cut),
                "test_from_date": _iso(cut),
                "train_purchases": int((t_fin < cut).sum()),
                "test_purchases": int((t_fin >= cut).sum()),
            }
            if cut is not None
            else None
        ),
        "seed": _seed_value(seed),
        "bootstrap": bootstrap,
        "bootstrap_unit": f"users, dealt at random into {ex.n_groups} groups that are resampled "
        "(the same resamples for every layer: paired)",
        "shuffles": shuffles,
        "min_exposures": int(min_exposures),
        "min_adoptions": int(min_adoptions),
        "data": {
            "source": source if source is not None else eco.meta.get("name"),
            "name": eco.meta.get("name"),
            "payment_layer": eco.meta.get("payment_layer"),
            "n_users": ex.n_users,
            "n_items": ex.n_items,
            "n_purchases": info["n_purchases"],
            "n_adoptions": info["n_adoptions"],
            "first_day": _iso(t0),
            "last_day": _iso(t0 + ex.last_day * DAY),
        },
        "model": "discrete-time independent cascade with per-item background (IC with background, "
        "Saito et al. 2008; Goyal et al. 2010); see graphmodel.fitting.likelihood",
        "loglik": point.loglik,
        "converged": point.converged,
        "assumptions": list(ASSUMPTIONS),
    }
    return FitResult(
        transmission=transmission,
        background=background,
        baseline=baseline,
        relative=relative,
        validation=validation,
        recovery=recovery,
        draws=draws,
        params=params,
    )


def _recovery(
    eco: Ecosystem, level: str, window: int, transmission: dict[str, dict[str, Any]], background: dict[str, Any]
) -> dict[str, Any] | None:
    tl = eco.meta.get("timeline")
    if not isinstance(tl, dict) or "transmission_per_day" not in tl:
        return None
    out: dict[str, Any] = {"level_matches": level == tl.get("level", "category"), "layers": {}}
    for x, q in tl["transmission_per_day"].items():
        truth = float(-np.expm1(window * np.log1p(-float(q))))
        est = transmission.get(x, {})
        lo, hi = est.get("ci95", [None, None])
        out["layers"][x] = {
            "truth": truth,
            "estimate": est.get("mean"),
            "ci95": [lo, hi],
            "covered": (lo <= truth <= hi) if lo is not None else None,
        }
    bpd = tl.get("background_per_day")
    if isinstance(bpd, dict) and level == "category":
        # the fit's items are the categories that have merchants; average the truth over the same ones
        items = background.get("per_item", {})
        truth = float(np.mean([-np.expm1(window * np.log1p(-float(v))) for k, v in bpd.items() if k in items]))
        lo, hi = background["ci95"]
        out["background"] = {
            "truth": truth,
            "estimate": background["mean"],
            "ci95": [lo, hi],
            "covered": (lo <= truth <= hi) if lo is not None else None,
        }
    return out
