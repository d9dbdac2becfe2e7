"""``compete``: platforms enter the same ecosystem; who becomes the main mobile trader?

The model (a competitive independent cascade, see :mod:`graphmodel.competition._kernel`):

* every platform starts from its seeds and spreads on its own layers with its
  own per-layer strengths (independent-cascade probabilities);
* a user adopts the first platform that reaches them; platforms arriving in
  the same step are a tie, broken by ``tie``: ``"random"`` (uniform among the
  platforms that arrived) or ``"strength"`` (the platform whose strongest
  arriving arc has the highest probability; equal probabilities: random);
* ``switching``: a user holding platform Q who is later reached by a rival
  switches with probability ``switching * (1 - lock_in) ** age`` (``age``:
  steps since adopting Q; ``lock_in`` is the habit that builds up); a node
  adopts each platform at most once;
* offline preemption: a merchant that adopts a platform carries it to its
  customers (merchant -> user payment arcs) with probability
  ``merchant_carry`` (``None``: the platform's own payment strength), for
  platforms that spread on ``payment``. A merchant holding one platform
  refuses the others unless it multi-homes: each merchant multi-homes in a
  run with probability ``multihoming`` and then holds and carries every
  platform that reaches it. Merchants never switch.

Outcomes, as shares of the whole ecosystem (each a Monte Carlo
:class:`~graphmodel.estimate.Estimate` over runs):

* ``users``: users holding the platform at the end / all users;
* ``merchants``: merchants holding it / all merchants (a multi-homed merchant
  counts for every platform it holds, so merchant shares may add up to more
  than 1);
* ``gmv``: the payment weight between the platform's users and the merchants
  that accept it / the total payment weight of the ecosystem. The weight of a
  payment edge is its ``amount`` (else its ``count``, else 1; missing = 0);
* ``wins``: fraction of runs in which the platform had the largest user
  share (a tie between k platforms gives each 1/k);
* ``by_layer``: the platform's users by the layer of the arc that brought
  them (``seed``: its user seeds), as shares of all users; they add up to ``users``.

Common random numbers: contests run with the same ``seed`` share every coin
(arcs are keyed on run, layer, edge, direction and platform position), so
the points of a sweep are paired run by run. With one platform and
``merchant_carry=None`` the result is exactly :func:`graphmodel.simulate`
(model ``ic``, same layers, probabilities and seed).

``wc`` strengths use the in-degree in the union of all platforms' layers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np

from graphmodel._seed import SeedLike, as_seed_sequence
from graphmodel.checks import check_optional_nonneg_int, check_positive_int, check_probability
from graphmodel.competition import _kernel as K
from graphmodel.competition.engine import (
    CURVE_STEPS,
    TIE_RULES,
    RawContest,
    payments,
    platform_arrays,
    platform_outcomes,
    prepare,
    resolve_seeds,
    run_contest,
    union_layers,
)
from graphmodel.competition.platform import Platform, parse_platform
from graphmodel.competition.remote import run_on_cluster
from graphmodel.competition.result import CompeteResult, CompeteSweep, PlatformOutcome
from graphmodel.competition.seed_rules import FOLLOWER_RULE, check_followers
from graphmodel.competition.sweep import apply_sweep, parse_contest_sweep
from graphmodel.errors import InputError
from graphmodel.estimate import estimate
from graphmodel.propagation.regime import REGIME_SEED, regime

if TYPE_CHECKING:
    from graphmodel.clients import Scheduler
    from graphmodel.ecosystem import Ecosystem
    from graphmodel.params import ParamsLike

__all__ = [
    "compete",
    "contest_seeds",
    "CompeteResult",
    "PlatformOutcome",
    "CompeteSweep",
    "parse_contest_sweep",
    "TIE_RULES",
    "CURVE_STEPS",
    "FOLLOWER_RULE",
]


def compete(
    eco: Ecosystem,
    *,
    platforms: Sequence[Platform | str],
    runs: int = 1000,
    seed: SeedLike = None,
    tie: str = "random",
    switching: float = 0.0,
    lock_in: float = 0.0,
    multihoming: float = 0.0,
    merchant_carry: float | None = 0.9,
    max_steps: int | None = None,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    sweep: str | None = None,
    regime_check: bool = True,
    params: ParamsLike = None,
    client: Scheduler = None,
) -> CompeteResult:
    """Run a contest between ``platforms`` and report their final shares.

    Parameters
    ----------
    eco
        The ecosystem.
    platforms
        :class:`Platform` objects or their string form (``parse_platform``).
    runs
        Monte Carlo runs.
    seed
        Randomness; the same seed gives the same result for any ``workers``,
        and contests with the same seed share their coins (paired).
    tie
        ``"random"`` or ``"strength"`` (see the module docstring).
    switching, lock_in
        Probability that an adopted user switches to a rival reaching them
        later, and the per-step decay of that probability (habit).
    multihoming
        Probability that a merchant accepts several platforms (drawn per
        merchant and run); 0 = full offline preemption.
    merchant_carry
        Probability that a merchant carries its platform to each of its
        customers; ``None``: the platform's payment strength.
    max_steps
        Stop every run after this many steps (default: until no one adopts).
    workers
        Threads of the compiled kernel (default: all cores).
    progress
        Called as ``progress(runs_done, runs_total)``.
    sweep
        ``"PARAM=START:STOP:NUM"`` (see :func:`parse_contest_sweep`): re-run the
        contest at each value with the same coins.
    regime_check
        Measure each platform's cascade regime into ``result.regime`` (see
        :mod:`graphmodel.propagation.regime`); off saves its cost.
    client
        Run on a Dask cluster (a ``distributed.Client``, a ``LocalCluster`` or a
        scheduler address): the runs of the contest and of every sweep point are
        split into batches over the workers (:mod:`graphmodel.competition.remote`);
        seeds are chosen here. The result is the same, to the bit, as without ``client``.
    params
        Fitted parameters (``graphmodel fit --json`` file, Params or FitResult): every layer
        whose strength a platform did not name gets the fitted probability
        (:meth:`~graphmodel.fitting.Params.prob_spec`); ``params["sources"]`` says which.

    Examples
    --------
    >>> import graphmodel as gm
    >>> eco = gm.Ecosystem(users={"id": [0, 1, 2, 3]}, social={"src": [0, 1, 2], "dst": [1, 2, 3]})
    >>> res = gm.compete(eco, platforms=["a: seeds=user:0, strength=social:1", "b: seeds=user:3, strength=social:1"],
    ...                  runs=20, seed=1, tie="random")
    >>> round(res.platforms["a"].users.mean + res.platforms["b"].users.mean, 6)
    1.0
    """
    plats = as_platforms(platforms)
    fitted_sources: dict[str, dict[str, str]] = {}
    if params is not None:
        from graphmodel.params import as_params

        fitted = as_params(params)
        fp, src = fitted.prob_spec(), fitted.sources()
        new = []
        for p in plats:
            take = {k: v for k, v in fp.items() if k in p.layers and k not in p.strength_given}
            fitted_sources[p.name] = {
                k: src[f"prob.{k}"] if k in take else "given" if k in p.strength_given else "default" for k in p.layers
            }
            new.append(replace(p, strength={**p.strength, **take}) if take else p)
        plats = new
    check_options(tie, switching, lock_in, multihoming, merchant_carry, runs, max_steps)
    check_followers(plats, switching)
    ss = as_seed_sequence(seed)
    seed_ss, run_ss = ss.spawn(2)
    from graphmodel.propagation.engine import base_key

    key = base_key(run_ss)
    options = {
        "switching": float(switching),
        "lock_in": float(lock_in),
        "multihoming": float(multihoming),
        "merchant_carry": None if merchant_carry is None else float(merchant_carry),
    }
    sweep_spec = parse_contest_sweep(sweep) if sweep is not None else None
    if sweep_spec is not None:  # validate every point before running anything
        for v in sweep_spec[1]:
            _p, _o = apply_sweep(sweep_spec[0], v, plats, options)
            check_options(tie, _o["switching"], _o["lock_in"], _o["multihoming"], _o["merchant_carry"], runs, max_steps)
            check_followers(_p, _o["switching"])
    curve_len = (max_steps + 1) if max_steps is not None else CURVE_STEPS + 1
    pay = payments(eco)
    names = tuple(p.name for p in plats)
    total = runs * (1 + (len(sweep_spec[1]) if sweep_spec else 0))
    cache: dict = {}

    def run_one(pl, opts, done0):
        arr = prepare(
            eco, pl, opts["merchant_carry"], seed_ss, workers, cache, tie=tie, multihoming=opts["multihoming"]
        )
        run_opts = {
            "key": key,
            "runs": runs,
            "switching": opts["switching"],
            "lock_in": opts["lock_in"],
            "multihoming": opts["multihoming"],
            "max_steps": max_steps,
            "curve_len": curve_len,
            "workers": workers,
            "progress": progress,
            "done0": done0,
            "total": total,
        }
        if client is not None:  # the cluster's workers take the kernel's tie code
            cells = run_on_cluster(
                client, eco, pl, opts["merchant_carry"], arr.seeds, arr.seed_ptr, tie=TIE_RULES[tie], **run_opts
            )
            return arr, RawContest(*cells)
        return arr, run_contest(eco, arr, pay[:3], tie=tie, **run_opts)

    arr, raw = run_one(plats, options, 0)
    union = union_layers(plats)
    outcomes = platform_outcomes(eco, raw, names, union, arr.n_seeds, pay[3])
    last = int(min(raw.steps.max(initial=0), curve_len - 1)) + 1
    share = raw.curve[:, :, :last] / max(eco.n_users, 1)
    sweep_res = None
    if sweep_spec is not None:
        points, paired = [], []
        for i, v in enumerate(sweep_spec[1]):
            pl, opts = apply_sweep(sweep_spec[0], v, plats, options)
            a2, r2 = run_one(pl, opts, runs * (i + 1))
            points.append(platform_outcomes(eco, r2, names, union_layers(pl), a2.n_seeds, pay[3]))
            diff = (r2.users - raw.users) / max(eco.n_users, 1)
            paired.append({n: estimate(diff[:, j]) for j, n in enumerate(names)})
        sweep_res = CompeteSweep(sweep_spec[0], sweep_spec[1], tuple(points), tuple(paired))
    info: dict[str, Any] = {
        "platforms": [p.to_dict() for p in plats],
        "layers": list(union),
        "runs": int(runs),
        "tie": tie,
        **options,
        "max_steps": max_steps,
        "gmv_weight": pay[4],
        "n_users": int(eco.n_users),
        "n_merchants": int(eco.n_merchants),
        "seed_nodes": {
            n: (eco.node_ids(arr.seeds[arr.seed_ptr[i] : arr.seed_ptr[i + 1]]) if arr.n_seeds[i] <= 1000 else None)
            for i, n in enumerate(names)
        },
        "random": "counter-based; coins keyed on (run, layer, edge, direction, platform position)",
    }
    if arr.selections:
        info["seed_selection"] = arr.selections
    if fitted_sources:
        info["sources"] = fitted_sources
    # one fixed seed, as in simulate and compare: measured once per graph and transmission, then cached
    regimes = (
        {p.name: regime(eco, layers=p.layers, prob=p.strength, seed=REGIME_SEED) for p in plats} if regime_check else {}
    )
    return CompeteResult(
        platforms=outcomes,
        curve_mean=share.mean(axis=0),
        curve_q05=np.quantile(share, 0.05, axis=0),
        curve_q95=np.quantile(share, 0.95, axis=0),
        runs=int(runs),
        seed=int(ss.entropy) if isinstance(ss.entropy, int) else None,
        params=info,
        sweep=sweep_res,
        regime=regimes,
    )


def contest_seeds(
    eco: Ecosystem,
    platforms: Sequence[Platform | str],
    *,
    seed: SeedLike = None,
    tie: str = "random",
    switching: float = 0.0,
    multihoming: float = 0.0,
    merchant_carry: float | None = 0.9,
    workers: int | None = None,
) -> tuple[list[np.ndarray], dict[str, dict[str, Any]]]:
    """Seed nodes of every platform of a contest, as :func:`compete` draws them from ``seed``'s seed stream.

    A platform whose rule is ``imm-vs:K`` gets its seeds against the other
    platform's (see :mod:`graphmodel.competition.follower`); the second
    value reports those selections (estimate, certified ratio, RR sets).
    Use it to fix the seed sets of a contest once (e.g. per cell of a study).
    """
    plats = as_platforms(platforms)
    check_options(tie, switching, 0.0, multihoming, merchant_carry, 1, None)
    check_followers(plats, switching)
    seed_ss = as_seed_sequence(seed)
    g, probs, _, _ = platform_arrays(eco, plats, merchant_carry, None)
    return resolve_seeds(
        eco, plats, seed_ss.spawn(len(plats)), g, probs, tie=tie, multihoming=multihoming, workers=workers, cache=None
    )


# --------------------------------------------------------------------------
# checks at the boundary
# --------------------------------------------------------------------------
def as_platforms(platforms: Any) -> list[Platform]:
    """A contest's platforms from :class:`Platform` objects or their string form, checked (count, unique names)."""
    if isinstance(platforms, (str, Platform)):
        platforms = [platforms]
    out = []
    for p in platforms or ():
        if isinstance(p, str):
            p = parse_platform(p)
        elif not isinstance(p, Platform):
            raise InputError(f"a platform must be a Platform or its string form, got {p!r}", field="platforms")
        out.append(p)
    if not out:
        raise InputError("no platforms", field="platforms")
    if len(out) > K.MAX_PLATFORMS:
        raise InputError(f"at most {K.MAX_PLATFORMS} platforms, got {len(out)}", field="platforms")
    names = [p.name for p in out]
    dup = {n for n in names if names.count(n) > 1}
    if dup:
        raise InputError(f"platform names must be unique; repeated: {', '.join(sorted(dup))}", field="platforms")
    return out


def check_options(tie, switching, lock_in, multihoming, merchant_carry, runs, max_steps) -> None:
    """Refuse contest options out of range, naming the field."""
    if tie not in TIE_RULES:
        raise InputError(f"unknown tie rule {tie!r}; expected {' or '.join(TIE_RULES)}", field="tie")
    for name, v in (("switching", switching), ("lock_in", lock_in), ("multihoming", multihoming)):
        check_probability(v, name)
    if merchant_carry is not None:
        check_probability(merchant_carry, "merchant_carry")
    check_positive_int(runs, "runs")
    check_optional_nonneg_int(max_steps, "max_steps")
