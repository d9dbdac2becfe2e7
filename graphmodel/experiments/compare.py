"""``compare``: does shopping intent travel further through payment links or social links?

Runs the intent model (:mod:`graphmodel.experiments.intent`) from the same
seeds over several scenarios -- ``social``, ``payment``, ``transfer`` alone,
``social+transfer`` (a social-first platform) and ``all`` -- with common
random numbers, and reports per scenario reach, purchases, GMV, time to half
the final reach and merchants reached (mean, 95% CI, quantiles), paired
differences between scenarios, per-layer attribution inside ``all``, the
fairness controls and an optional winner map, and a plain-language verdict.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from graphmodel import clients, cluster
from graphmodel._seed import SeedLike, as_seed_sequence
from graphmodel.checks import check_int, check_positive_int, check_positive_number
from graphmodel.ecosystem import LAYERS, Ecosystem
from graphmodel.errors import InputError
from graphmodel.estimate import ADAPTIVE_BATCH, Estimate, estimate
from graphmodel.experiments.breakeven import MAX_EVALS, BreakEven, breakeven_conversion, breakeven_transmission
from graphmodel.experiments.campaign import Campaign, buy_scale, campaign_seeds, make_campaign
from graphmodel.experiments.fairness import NORMALIZE, NULLS, equalize_edges, rewire_layers
from graphmodel.experiments.intent import IntentModel
from graphmodel.experiments.runner import ScenarioRunner
from graphmodel.experiments.scenarios import (
    CURVE_LEN,
    DEFAULT_SCENARIOS,
    METRICS,
    IntentSetup,
    ScenarioRuns,
    parse_scenarios,
)
from graphmodel.experiments.sweep import WinnerMap, contenders_for, parse_winner_sweep
from graphmodel.experiments.verdict import control_line, fmt, verdict_lines, winner
from graphmodel.jsonable import jsonable
from graphmodel.propagation.regime import REGIME_SEED, Regime, regime

if TYPE_CHECKING:
    from graphmodel.clients import Scheduler
    from graphmodel.params import ParamsLike
    from graphmodel.propagation.probability import ProbSpec
    from graphmodel.seedsets import SeedSpec

__all__ = ["compare", "CompareResult", "DEFAULT", "paired_name"]

#: The default scenarios (see :data:`graphmodel.experiments.scenarios.DEFAULT_SCENARIOS`).
DEFAULT = DEFAULT_SCENARIOS
#: Subsamples (``normalize``) or rewired copies (``null``) a control averages over.
CONTROL_REPEATS = 5


def paired_name(a: str, b: str) -> str:
    """Key of the paired difference ``a - b``."""
    return f"{a}-{b}"


@dataclass(frozen=True)
class CompareResult:
    """What :func:`compare` returns.

    Attributes
    ----------
    scenarios : dict
        ``scenarios[name][metric]`` is an :class:`~graphmodel.Estimate`;
        metrics ``reach`` (users with intent, seeds included), ``purchases``
        (users who bought, seeds included), ``gmv`` (price x purchases),
        ``half_time`` (first step at which cumulative reach is at least half
        the final reach; steps count user-to-user hops), ``merchants``
        (merchants reached through payment links).
    paired : dict
        ``paired["a-b"][metric]``: the per-run differences ``a - b`` summarised
        (common random numbers make them paired).
    attribution : dict
        Inside ``all``: users reached and purchases by the layer of the first
        (resp. the purchasing) exposure, ``seed`` for seeds; each an Estimate,
        plus ``share`` (mean share of the total).
    curves : dict
        ``curves[name]["reach"|"purchases"]``: cumulative count per step,
        ``mean``, ``lo``/``hi`` (95% CI of the mean) and ``q05``/``q95``
        (spread of single runs).
    controls : dict
        ``"normalize"`` / ``"null"`` when asked: the same scenarios, paired
        differences and a verdict line under the fairness control.
    sweep : WinnerMap or None
        The winner map.
    verdict : str
        The plain-language verdict, one statement per line.
    winner : str
        ``"payment"``, ``"social"`` or ``"none"`` (paired 95% CI of the purchase difference crosses 0).
    breakeven : dict
        ``"conversion_ratio"`` / ``"transmission_ratio"``:
        :class:`~graphmodel.experiments.breakeven.BreakEven` (empty when not asked).
    parameters : dict
        ``parameters[name] = {"value": ..., "source": "default" | "given" | "fitted from FILE" | ...}``
        for every assumption that shapes the answer.
    regime : Regime or None
        Per-layer regime of the transmission (see :mod:`graphmodel.propagation.regime`).
    sensitivity : dict
        ``"spread"``: the payment - social purchase difference with social relaying under the rule
        payment uses (``rule``, ``difference`` Estimate, ``winner``, ``verdict``); empty without break-even.
    notes : list of str
        What the data lacked and how the model handled it.
    params : dict
        Every parameter that shaped the result.
    provenance : dict
        Where the ecosystem came from (its ``meta``) and its size.
    runs : int
        Runs per scenario.
    per_run : dict
        ``per_run[name][metric]``: the per-run arrays behind the estimates (not in :meth:`to_dict`).
    """

    scenarios: dict[str, dict[str, Estimate]]
    paired: dict[str, dict[str, Estimate]]
    attribution: dict[str, Any]
    curves: dict[str, Any]
    controls: dict[str, Any]
    sweep: WinnerMap | None
    verdict: str
    notes: list[str]
    params: dict[str, Any]
    provenance: dict[str, Any]
    runs: int
    per_run: dict[str, dict[str, np.ndarray]] = field(default_factory=dict, repr=False)
    winner: str = "none"
    breakeven: dict[str, BreakEven] = field(default_factory=dict)
    parameters: dict[str, dict[str, Any]] = field(default_factory=dict)
    regime: Regime | None = None
    sensitivity: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: ``winner``, ``verdict``, ``scenarios.<name>.<metric>.{mean, ci95, ...}``, ``paired.<a>-<b>.<metric>``,
        ``breakeven.<ratio>.{mean, ci95}``, ``controls.<name>.winner``, ``parameters.<name>.source``, ``regime.<layer>``, ..."""
        return {
            "winner": self.winner,
            "verdict": self.verdict,
            "breakeven": {k: v.to_dict() for k, v in self.breakeven.items()},
            "sensitivity": jsonable(self.sensitivity),
            "parameters": jsonable(self.parameters),
            "regime": None if self.regime is None else self.regime.to_dict(),
            "scenarios": jsonable(self.scenarios),
            "paired": jsonable(self.paired),
            "attribution": jsonable(self.attribution),
            "curves": jsonable(self.curves),
            "controls": jsonable(self.controls),
            "sweep": None if self.sweep is None else self.sweep.to_dict(),
            "notes": list(self.notes),
            "params": jsonable(self.params),
            "provenance": jsonable(self.provenance),
            "runs": self.runs,
        }


# ---------------------------------------------------------------------------
# summaries of raw runs
# ---------------------------------------------------------------------------
def _summaries(raw: Mapping[str, ScenarioRuns], price: float) -> tuple[dict, dict, dict]:
    per_run = {name: {m: r.metric(m, price) for m in METRICS} for name, r in raw.items()}
    scen = {name: {m: estimate(v) for m, v in d.items()} for name, d in per_run.items()}
    names = list(raw)
    paired: dict[str, dict[str, Estimate]] = {}
    for j in range(len(names)):
        for i in range(j):
            a, b = names[j], names[i]
            paired[paired_name(a, b)] = {m: estimate(per_run[a][m] - per_run[b][m]) for m in METRICS}
    return scen, paired, per_run


def _attribution(r: ScenarioRuns, layers: Sequence[str], name: str) -> dict[str, Any]:
    labels = list(layers) + ["seed"]
    out: dict[str, Any] = {"scenario": name}
    for what, arr, total in (("reach", r.reach_by, r.reach), ("purchases", r.purch_by, r.purchases)):
        est = {lab: estimate(arr[:, i]) for i, lab in enumerate(labels)}
        tot = max(float(total.mean()), 0.0)
        out[what] = est
        out[f"{what}_share"] = {
            lab: (float(arr[:, i].mean()) / tot if tot > 0 else None) for i, lab in enumerate(labels)
        }
    return out


def _curves(raw: Mapping[str, ScenarioRuns]) -> dict[str, Any]:
    last = 1
    for r in raw.values():
        tot = r.curve_i.sum(axis=0) + r.curve_p.sum(axis=0)
        nz = np.flatnonzero(tot)
        if nz.size:
            last = max(last, int(nz[-1]) + 1)
    # Drop the long flat tail a few slow runs leave: stop once every mean curve is within 0.5% of its end.
    settled = 1
    for r in raw.values():
        for c in (r.curve_i, r.curve_p):
            m = np.cumsum(c.mean(axis=0))
            if m[-1] > 0:
                settled = max(settled, int(np.argmax(m >= 0.995 * m[-1])) + 1)
    last = min(last, settled + 2, CURVE_LEN)
    out: dict[str, Any] = {}
    for name, r in raw.items():
        d = {}
        for what, c in (("reach", r.curve_i), ("purchases", r.curve_p)):
            cum = np.cumsum(c[:, :last], axis=1, dtype=np.float64)
            n = cum.shape[0]
            mean = cum.mean(axis=0)
            sem = cum.std(axis=0, ddof=1) / math.sqrt(n) if n > 1 else np.zeros(last)
            q05, q95 = np.quantile(cum, [0.05, 0.95], axis=0)
            d[what] = {
                "mean": mean.tolist(),
                "lo": (mean - 1.96 * sem).tolist(),
                "hi": (mean + 1.96 * sem).tolist(),
                "q05": q05.tolist(),
                "q95": q95.tolist(),
            }
        out[name] = d
    return out


# ---------------------------------------------------------------------------
# running
# ---------------------------------------------------------------------------
class _Progress:
    def __init__(self, total: int, cb: Callable[[int, int], None] | None) -> None:
        self.total, self.done, self.cb = total, 0, cb

    def add(self, n: int) -> None:
        self.done += n
        if self.cb is not None:
            self.cb(self.done, self.total)


def _run_all(
    setup: IntentSetup,
    scen: Mapping[str, Sequence[str]],
    *,
    key: int,
    runs: int,
    run_start: int,
    runner: ScenarioRunner,
    prog: _Progress,
) -> dict[str, ScenarioRuns]:
    out = runner.run_scenarios(setup, scen, key=key, runs=runs, run_start=run_start)
    prog.add(runs * len(out))
    return out


def _headline_pair(names: Sequence[str]) -> tuple[str, str] | None:
    if "payment" in names and "social" in names:
        return "payment", "social"
    return (names[1], names[0]) if len(names) >= 2 else None


def _batched(
    setup: IntentSetup,
    scen: Mapping[str, Sequence[str]],
    *,
    key: int,
    runs: int,
    runner: ScenarioRunner,
    prog: _Progress,
    batch: int,
    target_ci: float | None = None,
) -> dict[str, ScenarioRuns]:
    """Runs in batches (always a prefix of the same run sequence); with ``target_ci``, stop early once the
    headline paired difference of purchases is known to ``target_ci`` x |mean| (95% half-width).
    On a cluster the batches are computed ahead and taken in order: the same rule stops at the same batch."""
    parts: dict[str, list[ScenarioRuns]] = {k: [] for k in scen}
    pair = _headline_pair(list(scen))
    done = 0
    batches = runner.iter_batches(setup, scen, key=key, ranges=cluster.batches(runs, size=batch))
    for got in batches:
        n = next(iter(got.values())).reach.shape[0]
        prog.add(n * len(got))
        for k, v in got.items():
            parts[k].append(v)
        done += n
        if target_ci is not None and done >= 2 * batch and done < runs:
            if pair is None:
                e = estimate(np.concatenate([p.purchases for p in parts[next(iter(scen))]]))
            else:
                a = np.concatenate([p.purchases for p in parts[pair[0]]])
                b = np.concatenate([p.purchases for p in parts[pair[1]]])
                e = estimate(a.astype(np.float64) - b)
            if e.half_width <= target_ci * abs(e.mean):
                batches.close()
                break
    return {k: ScenarioRuns.concat(v) for k, v in parts.items()}


def _control(
    eco: Ecosystem,
    variants: Callable[[int], Any],
    *,
    scen: Mapping[str, Sequence[str]],
    prob: Any,
    intent: IntentModel,
    buy: np.ndarray,
    seeds: np.ndarray,
    key: int,
    runs: int,
    repeats: int,
    runner: ScenarioRunner,
    prog: _Progress,
) -> dict[str, ScenarioRuns]:
    """Runs split over ``repeats`` variants of the ecosystem; run indices continue across variants."""
    parts: dict[str, list[ScenarioRuns]] = {k: [] for k in scen}
    repeats = max(1, min(repeats, runs))
    for i in range(repeats):
        lo, hi = runs * i // repeats, runs * (i + 1) // repeats
        if hi <= lo:
            continue
        v = variants(i)
        setup = runner.setup(v, prob=prob, intent=intent, buy=buy, seeds=seeds)
        got = _run_all(setup, scen, key=key, runs=hi - lo, run_start=lo, runner=runner, prog=prog)
        for k, r in got.items():
            parts[k].append(r)
    return {k: ScenarioRuns.concat(v) for k, v in parts.items()}


def _sweep(
    eco: Ecosystem,
    setup: IntentSetup,
    axes: dict[str, list[float]],
    base_prob: dict[str, Any],
    *,
    key: int,
    runs: int,
    runner: ScenarioRunner,
    prog: _Progress,
) -> WinnerMap:
    a, b = contenders_for(axes)
    names = list(axes)

    def cell(values: dict[str, float]) -> Estimate:
        s = runner.with_prob(setup, eco, {**base_prob, **values})
        ra = runner.run_scenario(s, (a,), key=key, runs=runs)
        rb = runner.run_scenario(s, (b,), key=key, runs=runs)
        prog.add(2 * runs)
        return estimate(ra.purchases.astype(np.float64) - rb.purchases)

    if len(names) == 1:
        diff: list[Any] = [cell({names[0]: x}) for x in axes[names[0]]]
    else:
        diff = [[cell({names[0]: x, names[1]: y}) for y in axes[names[1]]] for x in axes[names[0]]]
    fixed = {k: v for k, v in base_prob.items() if k not in axes}
    return WinnerMap(axes=dict(axes), contenders=(a, b), metric="purchases", diff=diff, runs=runs, fixed_prob=fixed)


def _provenance(eco: Ecosystem) -> dict[str, Any]:
    return {
        "name": eco.meta.get("name"),
        "users": eco.n_users,
        "merchants": eco.n_merchants,
        "edges": {layer: eco.n_edges(layer) for layer in LAYERS},
        "social_directed": eco.social_directed,
        "meta": eco.meta,
    }


def _notes(eco: Ecosystem, campaign_notes: dict[str, Any], scen: Mapping[str, Sequence[str]]) -> list[str]:
    notes = []
    empty = [layer for layer in LAYERS if eco.n_edges(layer) == 0 and any(layer in v for v in scen.values())]
    for layer in empty:
        notes.append(
            f"The ecosystem has no {layer} edges: intent cannot travel on that layer, so the "
            f"'{layer}' scenario holds the seeds only."
        )
    aff = campaign_notes.get("affordability")
    if isinstance(aff, str):
        notes.append(f"Affordability: {aff}.")
    acc = campaign_notes.get("access")
    if isinstance(acc, str) and acc != "whole market: access 1":
        notes.append(f"Access: {acc}.")
    return notes


def _parameters(
    intent: IntentModel,
    intent_given: bool,
    prob_spec: Mapping[str, Any],
    prob: Any,
    camp: Campaign,
    seeds: Any,
    seed_nodes: np.ndarray,
    sources: Mapping[str, str] | None,
) -> dict[str, dict[str, Any]]:
    """Every assumption that shapes the verdict, with where it came from (default / given / a named source)."""
    default = IntentModel()
    named_prob = (
        set(prob)
        if isinstance(prob, Mapping)
        else ({s.split("=", 1)[0].strip() for s in prob} if isinstance(prob, (list, tuple)) else None)
    )
    out: dict[str, dict[str, Any]] = {}

    def put(name: str, value: Any, given: bool) -> None:
        src = "given" if given else "default"
        for key, text in (sources or {}).items():
            if name == key or name.startswith(key + "."):
                src = text
        out[name] = {"value": value, "source": src}

    for layer in LAYERS:
        put(
            f"conversion.{layer}",
            intent.conversion[layer],
            intent_given and intent.conversion[layer] != default.conversion[layer],
        )
    put("seed_conversion", intent.seed_conversion, intent_given and intent.seed_conversion != default.seed_conversion)
    for layer, v in prob_spec.items():
        given = prob is not None and (named_prob is None or layer in named_prob)
        put(f"transmission.{layer}", "weighted cascade (1/in-degree)" if v == "wc" else v, given)
    for layer in LAYERS:
        put(
            f"spread.{layer}",
            f"from {intent.spread[layer]}",
            intent_given and intent.spread[layer] != default.spread[layer],
        )
    put(
        "affordability",
        intent.affordability
        if intent.affordability == "none"
        else f"{intent.affordability} (gamma {intent.gamma:g})"
        if intent.affordability == "power"
        else f"logistic (slope {intent.slope:g})",
        intent_given and intent.affordability != default.affordability,
    )
    put("access", intent.access, intent_given and intent.access != default.access)
    put("price", camp.price, camp.price_source == "given")
    if camp.price_source == "price_level":
        out["price"]["source"] = "data (median price_level of the campaign's merchants)"
    put("seeds", f"{seed_nodes.size} ({seeds if isinstance(seeds, str) else 'given nodes'})", True)
    return out


def _spread_sensitivity(
    setup: IntentSetup, intent: IntentModel, pay: np.ndarray, *, key: int, runs: int, runner: ScenarioRunner
) -> dict[str, Any]:
    """The headline pair again with social relaying from the state payment relays from (a structural assumption)."""
    names = list(setup.graph.layers)
    ls = names.index("social")
    rule = intent.spread["payment"]
    if intent.spread["social"] == rule:
        rule = "purchase" if rule == "intent" else "intent"
        which = "both layers relaying from " + rule
    else:
        which = (
            f"social also relaying only from {'buyers' if rule == 'purchase' else 'users with intent'}, as payment does"
        )
    fp = setup.from_purchase.copy()
    fp[ls] = rule == "purchase"
    alt = replace(setup, from_purchase=fp)
    soc = runner.run_scenario(alt, ("social",), key=key, runs=runs).purchases.astype(np.float64)
    pay2 = pay
    if rule != intent.spread["payment"]:
        fp2 = fp.copy()
        fp2[names.index("payment")] = rule == "purchase"
        pay2 = runner.run_scenario(
            replace(setup, from_purchase=fp2), ("payment",), key=key, runs=runs
        ).purchases.astype(np.float64)
    return _sensitivity(which, f"Spread rule: with {which}", pay2 - soc)


def _split_sensitivity(
    eco: Ecosystem,
    fitted: Any,
    prob_spec: Mapping[str, Any],
    intent: IntentModel,
    buy: np.ndarray,
    seeds: np.ndarray,
    *,
    key: int,
    runs: int,
    runner: ScenarioRunner,
) -> dict[str, Any]:
    """The headline pair under the other reading of a fitted "reached and bought": half on the arcs, half in conversion."""
    alt = runner.setup(
        eco,
        prob={**prob_spec, **fitted.prob_spec(LAYERS, split="even")},
        intent=intent.with_conversion(**fitted.conversion(split="even")),
        buy=buy,
        seeds=seeds,
    )
    got = runner.run_scenarios(alt, {"payment": ("payment",), "social": ("social",)}, key=key, runs=runs)
    return _sensitivity(
        "even",
        "Fitted split: with sqrt(p) on the arcs and sqrt(p) as conversion instead of p on the arcs",
        got["payment"].purchases.astype(np.float64) - got["social"].purchases,
    )


def _sensitivity(rule: str, lead: str, diff: np.ndarray) -> dict[str, Any]:
    """A sensitivity line from the per-run payment - social purchase differences under another assumption."""
    d = estimate(diff)
    w = "payment" if d.ci95[0] > 0 else "social" if d.ci95[1] < 0 else "none"
    text = (
        f"{lead}, the winner is {w} (payment - social {fmt(d.mean, True)} purchases, "
        f"95% CI {fmt(d.ci95[0], True)} to {fmt(d.ci95[1], True)})."
    )
    return {"rule": rule, "difference": d, "winner": w, "verdict": text}


def compare(
    eco: Ecosystem,
    *,
    seeds: SeedSpec = "random:50",
    campaign: str | Campaign | None = None,
    price: float | None = None,
    prob: ProbSpec = None,
    intent: IntentModel | None = None,
    scenarios: str | Sequence[str] | Mapping[str, Sequence[str]] | None = DEFAULT,
    runs: int = 2000,
    seed: SeedLike = None,
    normalize: str | None = None,
    null: str | None = None,
    sweep: str | Sequence[str] | Mapping[str, Any] | None = None,
    sweep_runs: int | None = None,
    repeats: int = CONTROL_REPEATS,
    target_ci: float | None = None,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    breakeven: bool = True,
    parameter_sources: Mapping[str, str] | None = None,
    params: ParamsLike = None,
    param_draws: int | None = None,
    client: Scheduler = None,
) -> CompareResult:
    """Compare how far shopping intent travels, and how much it sells, per layer.

    Parameters
    ----------
    eco
        The ecosystem.
    seeds
        Who starts with intent: ``customers:K`` (K customers of the campaign
        merchant(s), who got a coupon) or any :func:`~graphmodel.resolve_seeds`
        spec (``random:50``, ``top-degree:20``, ``user:ID``, ...). The same
        seeds in every scenario.
    campaign
        ``merchant:ID[,ID]``, ``category:NAME`` or None (the whole market);
        see :mod:`graphmodel.experiments.campaign`.
    price
        Price of one purchase (default: the median ``price_level`` of the
        campaign's merchants, else 1).
    prob
        Transmission probability per layer (a spec of
        :mod:`graphmodel.propagation.probability`, e.g. ``{"social": 0.05,
        "payment": "wc"}``); default weighted cascade (``1 / in-degree`` of
        the arc's head) on every layer, subcritical on every bundled preset
        and real dataset (see :mod:`graphmodel.propagation.regime`). A
        payment hop is purchaser -> merchant -> customer: two arcs, each with
        this probability.
    intent
        The intent model (default :class:`IntentModel`: the same conversion,
        0.05, on every layer; seeds 0.5).
    scenarios
        Scenario names (``all`` or layers joined by ``+``); default
        ``social, payment, transfer, social+transfer, all``.
    runs
        Monte Carlo runs per scenario.
    seed
        Randomness (seed choice and every coin); the same seed gives the same
        result whatever ``workers``.
    normalize
        ``"edges"``: also run every scenario with each layer subsampled to
        the same edge count (``repeats`` subsamples, runs split over them).
    null
        ``"rewire"``: also run every scenario on degree-preserving rewired
        layers (``repeats`` rewirings): structure versus volume.
    sweep
        Per-layer probabilities to sweep (``["social=0.01:0.2:8",
        "payment=0.01:0.2:8"]``); gives a winner map on purchases.
    sweep_runs
        Runs per scenario and sweep cell (default ``min(runs, 300)``).
    repeats
        Subsamples / rewirings per fairness control.
    target_ci
        Adaptive stopping: run batches of :data:`graphmodel.estimate.ADAPTIVE_BATCH` runs and stop
        once the 95% half-width of the headline paired difference (purchases,
        ``payment - social``) is at most ``target_ci`` times its absolute
        mean; ``runs`` is then the maximum. The runs used are always a prefix
        of the same sequence, so the result is reproducible. The controls use
        as many runs as the main comparison did.
    workers
        Threads of the compiled kernel (default all cores).
    progress
        Called as ``progress(runs_done, runs_total)`` (runs summed over scenarios).
    breakeven
        Also search the conversion and transmission ratios (social over
        payment) at which the purchase winner flips
        (:mod:`graphmodel.experiments.breakeven`; at most 2 x 7 re-runs of one scenario).
    parameter_sources
        Where given parameters came from, by name or prefix (``{"conversion":
        "estimated from conv.json"}``); reported in ``parameters`` and the verdict.
    params
        Fitted parameters (``graphmodel fit --json`` file, :class:`~graphmodel.fitting.Params`
        or :class:`~graphmodel.fitting.FitResult`) instead of ``prob``: fitted layers get
        :meth:`~graphmodel.fitting.Params.prob_spec` on their arcs and conversion 1 (the fitted
        probability already is "reached and bought", so affordability and access are off unless
        ``intent`` is given); unfitted layers keep the defaults. The other split (half on the arcs,
        half in conversion) is reported as a sensitivity line.
    param_draws
        With ``params``: split the runs over this many bootstrap draws of the fitted parameters
        (paired across layers), so the intervals include parameter uncertainty; default
        ``min(20, draws in the file)``, 0 for the point estimate only.
    client
        Run on a Dask cluster: a ``distributed.Client``, a ``LocalCluster`` or a
        scheduler address (``tcp://host:8786``). Every Monte Carlo part (the
        scenarios, break-even, sensitivity lines, controls, winner map) is split
        into batches of runs over the workers (:mod:`graphmodel.cluster`); the
        result is the same, to the bit, as without ``client``, adaptive stopping
        included.

    Returns
    -------
    CompareResult

    Examples
    --------
    >>> import graphmodel as gm
    >>> eco = gm.generate(users=2000, seed=1)
    >>> res = gm.compare(eco, runs=50, seed=1)
    >>> sorted(res.scenarios) == sorted(["social", "payment", "transfer", "social+transfer", "all"])
    True
    >>> bool((res.per_run["all"]["purchases"] >= res.per_run["social"]["purchases"]).all())
    True
    """
    with clients.using(client) as conn:
        return _compare(
            eco,
            runner=ScenarioRunner(workers=workers, client=conn),
            seeds=seeds,
            campaign=campaign,
            price=price,
            prob=prob,
            intent=intent,
            scenarios=scenarios,
            runs=runs,
            seed=seed,
            normalize=normalize,
            null=null,
            sweep=sweep,
            sweep_runs=sweep_runs,
            repeats=repeats,
            target_ci=target_ci,
            workers=workers,
            progress=progress,
            breakeven=breakeven,
            parameter_sources=parameter_sources,
            params=params,
            param_draws=param_draws,
        )


def _compare(
    eco: Ecosystem,
    *,
    runner: ScenarioRunner,
    seeds: SeedSpec,
    campaign: str | Campaign | None,
    price: float | None,
    prob: ProbSpec,
    intent: IntentModel | None,
    scenarios: str | Sequence[str] | Mapping[str, Sequence[str]] | None,
    runs: int,
    seed: SeedLike,
    normalize: str | None,
    null: str | None,
    sweep: str | Sequence[str] | Mapping[str, Any] | None,
    sweep_runs: int | None,
    repeats: int,
    target_ci: float | None,
    workers: int | None,
    progress: Callable[[int, int], None] | None,
    breakeven: bool,
    parameter_sources: Mapping[str, str] | None,
    params: ParamsLike,
    param_draws: int | None,
) -> CompareResult:
    """:func:`compare` with its runner (local threads or a cluster's workers); every option as given there."""
    check_int(runs, "runs", at_least=2)
    if normalize is not None and normalize not in NORMALIZE:
        raise InputError(f"expected one of {', '.join(NORMALIZE)}, got {normalize!r}", field="normalize")
    if null is not None and null not in NULLS:
        raise InputError(f"expected one of {', '.join(NULLS)}, got {null!r}", field="null")
    if target_ci is not None:
        check_positive_number(target_ci, "target_ci")
    check_positive_int(repeats, "repeats")
    intent_given = intent is not None
    intent = IntentModel() if intent is None else intent
    if not isinstance(intent, IntentModel):
        raise InputError(f"intent must be an IntentModel, got {type(intent).__name__}", field="intent")
    scen = parse_scenarios(scenarios)
    axes = parse_winner_sweep(sweep)
    if sweep_runs is None:
        sweep_runs = min(int(runs), 300)
    if sweep_runs < 2:
        raise InputError(f"sweep_runs must be >= 2, got {sweep_runs}", field="sweep_runs")
    from graphmodel.propagation.engine import base_key
    from graphmodel.propagation.probability import parse_prob_spec

    fitted = None
    sources = dict(parameter_sources or {})
    if params is not None:
        if prob is not None:
            raise InputError("give either prob or params (fitted parameters set the probabilities)", field="params")
        from graphmodel.params import as_params

        fitted = as_params(params)
        prob = fitted.prob_spec(LAYERS)
        if not intent_given:
            intent = replace(intent, affordability="none", access="none")
            sources.update(
                {
                    k: f"fitted mapping ({fitted.source}: the fitted probability already counts who buys)"
                    for k in ("affordability", "access")
                }
            )
        intent = intent.with_conversion(**fitted.conversion())
        for k, v in fitted.sources().items():
            sources[k.replace("prob.", "transmission.")] = v
    prob_spec = parse_prob_spec(prob, LAYERS, model="ic")
    camp = make_campaign(eco, campaign, price=price)
    ss = as_seed_sequence(seed)
    seed_ss, run_ss, norm_ss, null_ss = ss.spawn(4)
    seed_nodes = campaign_seeds(eco, camp, seeds, seed=seed_ss)
    if seed_nodes.size == 0:
        raise InputError("empty seed set", field="seeds")
    buy, cnotes = buy_scale(eco, camp, intent)
    key = base_key(run_ss)
    setup = runner.setup(eco, prob=prob_spec, intent=intent, buy=buy, seeds=seed_nodes)

    n_cells = int(np.prod([len(v) for v in axes.values()])) if axes else 0
    n_be = 2 * (MAX_EVALS + 1) + 1 if breakeven and "payment" in scen and "social" in scen else 0
    total = runs * (len(scen) * (1 + (normalize is not None) + (null is not None)) + n_be) + 2 * sweep_runs * n_cells
    prog = _Progress(total, progress)
    if target_ci is not None:
        batch = ADAPTIVE_BATCH
    elif runner.client is not None:
        batch = runner.batch_size(runs)
    else:
        batch = runs if progress is None else max(1, math.ceil(runs / 10))
    n_draws = 0 if fitted is None else (min(20, fitted.n_draws) if param_draws is None else int(param_draws))
    if n_draws < 0 or (fitted is not None and n_draws > fitted.n_draws):
        raise InputError(
            f"param_draws must be in 0..{0 if fitted is None else fitted.n_draws}, got {param_draws!r}",
            field="param_draws",
        )
    if n_draws:
        # Parameter uncertainty: run r uses draw (r * n_draws // runs); coins stay common across scenarios.
        parts: dict[str, list[ScenarioRuns]] = {k: [] for k in scen}
        for j in range(n_draws):
            lo, hi = runs * j // n_draws, runs * (j + 1) // n_draws
            if hi <= lo:
                continue
            dj = fitted.draw(j)
            sj = runner.setup(eco, prob={**prob_spec, **dj.prob_spec(LAYERS)}, intent=intent, buy=buy, seeds=seed_nodes)
            for k, v in _run_all(sj, scen, key=key, runs=hi - lo, run_start=lo, runner=runner, prog=prog).items():
                parts[k].append(v)
        raw = {k: ScenarioRuns.concat(v) for k, v in parts.items()}
    else:
        raw = _batched(setup, scen, key=key, runs=runs, runner=runner, prog=prog, batch=batch, target_ci=target_ci)
    asked, runs = runs, int(next(iter(raw.values())).reach.shape[0])
    if runs < asked:
        prog.total -= (asked - runs) * len(scen) * (1 + (normalize is not None) + (null is not None))
    scen_est, paired, per_run = _summaries(raw, camp.price)
    attribution = _attribution(raw["all"], setup.graph.layers, "all") if "all" in raw else {}

    main_winner = winner(scen_est, paired)
    be: dict[str, BreakEven] = {}
    sensitivity: dict[str, Any] = {}
    if breakeven and "payment" in raw and "social" in raw:
        be_ss = ss.spawn(1)[0]
        c_ss, t_ss = be_ss.spawn(2)
        if n_draws:  # the break-even holds the point estimate fixed: its own base runs
            base = runner.run_scenarios(setup, {k: scen[k] for k in ("payment", "social")}, key=key, runs=runs)
        else:
            base = raw
        pay, soc = (base[k].purchases.astype(np.float64) for k in ("payment", "social"))

        def step(n: int, prog=prog, runs=runs) -> None:
            prog.add(n * runs)

        be["conversion_ratio"] = breakeven_conversion(
            setup, pay, soc, key=key, runs=runs, workers=workers, seed=c_ss, run=runner.run_scenario, progress=step
        )
        be["transmission_ratio"] = breakeven_transmission(
            setup, pay, soc, key=key, runs=runs, workers=workers, seed=t_ss, run=runner.run_scenario, progress=step
        )
        sensitivity["spread"] = _spread_sensitivity(setup, intent, pay, key=key, runs=runs, runner=runner)
        prog.add(runs)
        if fitted is not None:
            sensitivity["split"] = _split_sensitivity(
                eco, fitted, prob_spec, intent, buy, seed_nodes, key=key, runs=runs, runner=runner
            )

    controls: dict[str, Any] = {}
    if normalize == "edges":
        subs = [equalize_edges(eco, seed=s) for s in norm_ss.spawn(repeats)]
        nraw = _control(
            eco,
            lambda i: subs[i][0],
            scen=scen,
            prob=prob_spec,
            intent=intent,
            buy=buy,
            seeds=seed_nodes,
            key=key,
            runs=runs,
            repeats=repeats,
            runner=runner,
            prog=prog,
        )
        s_, p_, _ = _summaries(nraw, camp.price)
        edges = subs[0][1]
        w_, line = control_line(
            "equal edges",
            s_,
            p_,
            main_winner=main_winner,
            what=f"With every non-empty layer cut to {max(edges.values()):,} edges ({repeats} subsamples)",
        )
        controls["normalize"] = {
            "method": "edges",
            "repeats": repeats,
            "edges_per_layer": edges,
            "scenarios": s_,
            "paired": p_,
            "winner": w_,
            "survives": w_ == main_winner,
            "verdict": line,
        }
    if null == "rewire":
        kids = null_ss.spawn(repeats)
        nraw = _control(
            eco,
            lambda i: rewire_layers(eco, seed=kids[i]),
            scen=scen,
            prob=prob_spec,
            intent=intent,
            buy=buy,
            seeds=seed_nodes,
            key=key,
            runs=runs,
            repeats=repeats,
            runner=runner,
            prog=prog,
        )
        s_, p_, _ = _summaries(nraw, camp.price)
        w_, line = control_line(
            "rewired null",
            s_,
            p_,
            main_winner=main_winner,
            what=f"On degree-preserving rewired layers ({repeats} rewirings)",
        )
        controls["null"] = {
            "method": "rewire",
            "repeats": repeats,
            "scenarios": s_,
            "paired": p_,
            "winner": w_,
            "survives": w_ == main_winner,
            "verdict": line,
        }
    sweep_res = None
    if axes:
        sweep_res = _sweep(eco, setup, axes, prob_spec, key=key, runs=int(sweep_runs), runner=runner, prog=prog)

    used = [x for x in LAYERS if eco.n_edges(x) > 0 and any(x in v for v in scen.values())]
    # the regime is a property of the graph and transmission: a fixed seed, so it is measured once per graph
    reg = (
        regime(eco, layers=used, prob={k: v for k, v in prob_spec.items() if k in used}, seed=REGIME_SEED)
        if used
        else None
    )
    notes = _notes(eco, cnotes, scen)
    if n_draws:
        notes.append(
            f"Intervals include parameter uncertainty: runs split over {n_draws} bootstrap draws of "
            f"{fitted.source} (the break-even and controls hold its point estimate)."
        )
    if reg is not None and reg.warnings() and any(intent.spread[x] == "purchase" for x in used):
        notes.append(
            "Regime is that of transmission alone; layers that relay only from buyers "
            f"({', '.join(x for x in used if intent.spread[x] == 'purchase')}) spread less in the intent model."
        )
    parameters = _parameters(intent, intent_given, prob_spec, prob, camp, seeds, seed_nodes, sources)
    lines = verdict_lines(
        scen_est,
        paired,
        runs=int(runs),
        parameters=parameters,
        breakeven=be,
        controls=controls,
        regime_warnings=reg.warnings() if reg is not None else [],
        notes=notes,
        sensitivity=[v["verdict"] for v in sensitivity.values()],
    )
    if sweep_res is not None:
        c = sweep_res.counts()
        a, b = sweep_res.contenders
        lines.append(
            f"Winner map over {', '.join(axes)}: {a} wins {c[a]} cells, {b} wins {c[b]}, {c['uncertain']} uncertain."
        )
    verdict = "\n".join(lines)

    params = {
        "seeds": seeds if isinstance(seeds, str) else [int(s) if not isinstance(s, str) else s for s in seeds],
        "n_seeds": int(seed_nodes.size),
        "seed_nodes": eco.node_ids(seed_nodes) if seed_nodes.size <= 200 else None,
        "campaign": camp.to_dict(eco),
        "prob": prob_spec,
        "intent": intent.to_dict(),
        "scenarios": {k: list(v) for k, v in scen.items()},
        "runs": int(runs),
        "runs_asked": int(asked),
        "target_ci": target_ci,
        "seed": int(ss.entropy) if isinstance(ss.entropy, int) else None,
        "normalize": normalize,
        "null": null,
        "repeats": int(repeats),
        "sweep": {k: list(v) for k, v in axes.items()} or None,
        "sweep_runs": int(sweep_runs) if axes else None,
        "params_file": None if fitted is None else fitted.source,
        "param_draws": n_draws if fitted is not None else None,
        "affordability": cnotes.get("affordability"),
        "access": cnotes.get("access"),
        "random": "counter-based: arc coins keyed on (run, edge, direction), purchase coins on (run, user, layer)",
        "steps": "user-to-user hops; a merchant relays within the step it is reached",
    }
    return CompareResult(
        scenarios=scen_est,
        paired=paired,
        attribution=attribution,
        curves=_curves(raw),
        controls=controls,
        sweep=sweep_res,
        verdict=verdict,
        notes=notes,
        params=params,
        provenance=_provenance(eco),
        runs=int(runs),
        per_run=per_run,
        winner=main_winner,
        breakeven=be,
        sensitivity=sensitivity,
        parameters=parameters,
        regime=reg,
    )
