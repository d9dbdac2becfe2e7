"""``seeds``: choose entry points (seed users or merchants) for a campaign.

One function for every method; the result always lists the seeds in pick
order with each pick's marginal gain and a Monte Carlo validation of the final
set by the propagation core (its own random stream).
"""

from __future__ import annotations

import contextlib
import math
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from graphmodel import clients, cluster
from graphmodel._seed import SeedLike, as_seed_sequence
from graphmodel.checks import check_int, check_positive_int, check_positive_number, check_workers
from graphmodel.errors import InputError
from graphmodel.estimate import Estimate, estimate
from graphmodel.jsonable import json_number, jsonable
from graphmodel.memory import physical_memory
from graphmodel.propagation.regime import REGIME_SEED, regime
from graphmodel.seeding import heuristics as H
from graphmodel.seeding.objective import objective_weights
from graphmodel.seeding.progress import SeedProgress

if TYPE_CHECKING:
    from graphmodel.clients import Scheduler
    from graphmodel.ecosystem import Ecosystem, LayerSpec
    from graphmodel.params import ParamsLike
    from graphmodel.propagation.probability import ProbSpec

__all__ = [
    "seeds",
    "SeedResult",
    "METHODS",
    "parse_costs",
    "parse_memory",
    "default_max_memory",
    "SeedProgress",
    "MEMORY_SHARE",
]

METHODS: tuple[str, ...] = ("imm", "celf") + H.HEURISTICS
#: Default memory budget of the RR store: this share of the machine's physical memory.
MEMORY_SHARE = 0.25
#: How the seeds after saturation are filled (unless ``stop_when_saturated``).
FILL_RULE = "next by out-degree"


@dataclass(frozen=True)
class SeedResult:
    """Seeds chosen by :func:`seeds`.

    Attributes
    ----------
    seeds : typed ids (``"user:ID"``, ``"merchant:ID"``) in pick order
    nodes : global node numbers (see :mod:`graphmodel.csr`), same order
    gains : estimated marginal gain of each pick, in objective units (users
        reached for ``reach``). IMM: from the independent validation RR sets;
        CELF: Monte Carlo; heuristics: NaN (they draw no RR set; their value
        is the validation)
    validation : users reached by the final set (seeds included), Monte
        Carlo over ``validate_runs`` cascades; ``None`` when ``validate_runs=0``
    objective_value : the objective of the final set (weighted objectives:
        mean over 20 batches of runs, CI from the batch means); equals the
        spread for ``reach``
    guarantee : certified approximation ratio and the bounds behind it
        (IMM/OPIM-C), the greedy's worst-case ratio (CELF), ``None`` for heuristics
    n_rr_sets : RR sets drawn (0 when none were)
    seconds : time to select the seeds (validation excluded)
    cost : total cost of the seeds
    params : the parameters of the run
    saturation : ``None``, or when a pick gained nothing (everything the
        cascade reaches in the sample already covered): ``after`` (the picks
        that matter, first in ``seeds``), ``filled`` (seeds added after them)
        and ``rule`` (how they were chosen)
    sampling : IMM only: why sampling stopped, the floor (requested, applied,
        what shrank it) and the RR store's memory (``memory.store_bytes``,
        ``bytes_per_rr_node``, ...)
    notes : one-line statements about the run (saturation, budgets that
        bound it), for display
    regime : the cascade's :class:`~graphmodel.propagation.regime.Regime` (None for a per-arc array);
        a supercritical layer adds a note: every pick after the first can only gain little
    """

    seeds: tuple[str, ...]
    nodes: tuple[int, ...]
    gains: tuple[float, ...]
    validation: Estimate | None
    objective_value: Estimate | None
    guarantee: dict[str, Any] | None
    n_rr_sets: int
    seconds: float
    cost: float
    params: dict[str, Any] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    saturation: dict[str, Any] | None = None
    sampling: dict[str, Any] | None = None
    notes: tuple[str, ...] = ()
    regime: Any = None

    def to_dict(self) -> dict[str, Any]:
        val: dict[str, Any] | None = None
        if self.validation is not None:
            val = {"spread": self.validation.to_dict()}
            if self.objective_value is not None:
                val["objective"] = self.objective_value.to_dict()
        return {
            "seeds": list(self.seeds),
            "nodes": [int(v) for v in self.nodes],
            "gains": [json_number(g) for g in self.gains],
            "validation": val,
            "guarantee": jsonable(self.guarantee),
            "n_rr_sets": int(self.n_rr_sets),
            "seconds": float(self.seconds),
            "cost": float(self.cost),
            "params": jsonable(self.params),
            "timings": {k: float(v) for k, v in self.timings.items()},
            "saturation": jsonable(self.saturation),
            "sampling": jsonable(self.sampling),
            "notes": list(self.notes),
            "regime": None if self.regime is None else self.regime.to_dict(),
        }


def parse_costs(eco: Ecosystem, cost: Any) -> np.ndarray:
    """Per-node cost array from ``{"merchant": 5, "user": 1}``, ``["merchant=5", ...]`` or an array.

    Types not named cost 1. Costs must be positive.
    """
    n = eco.n_nodes
    if cost is None:
        return np.ones(n)
    if isinstance(cost, np.ndarray) and cost.dtype.kind in "iuf":
        if cost.shape != (n,):
            raise InputError(f"expected {n} per-node costs, got shape {cost.shape}", field="cost")
        out = cost.astype(np.float64)
    else:
        if isinstance(cost, str):
            cost = [c for c in cost.split(",") if c.strip()]
        items: list[tuple[str, Any]]
        if isinstance(cost, Mapping):
            items = list(cost.items())
        else:
            items = []
            for c in cost:
                if not isinstance(c, str) or "=" not in c:
                    raise InputError(f"expected 'type=cost' such as 'merchant=5', got {c!r}", field="cost")
                a, b = c.split("=", 1)
                items.append((a.strip(), b.strip()))
        out = np.ones(n)
        for kind, val in items:
            if kind not in ("user", "merchant"):
                raise InputError(f"unknown node type {kind!r} in a cost; expected 'user' or 'merchant'", field="cost")
            try:
                v = float(val)
            except (TypeError, ValueError):
                raise InputError(f"cost of {kind!r} must be a number, got {val!r}", field="cost") from None
            sl = slice(0, eco.n_users) if kind == "user" else slice(eco.n_users, n)
            out[sl] = v
    if not np.all(np.isfinite(out)) or (out <= 0).any():
        raise InputError("costs must be finite and > 0", field="cost")
    return out


def _keys(seed: SeedLike) -> tuple[int, int, int, int]:
    ss = as_seed_sequence(seed)
    kids = ss.spawn(4)
    return tuple(int(c.generate_state(1, dtype=np.uint64)[0]) for c in kids)  # type: ignore[return-value]


def _validate(
    eco: Ecosystem,
    nodes: np.ndarray,
    *,
    model: str,
    layers,
    prob,
    seed: np.random.SeedSequence,
    runs: int,
    weights: np.ndarray | None,
    workers,
    progress=None,
    client: Scheduler = None,
) -> tuple[Estimate, Estimate]:
    """Users reached (one :func:`~graphmodel.propagation.simulate` call) and the objective.

    A weighted objective is the mean over 20 independent batches of runs of
    ``sum(weight * activation frequency)``; its interval comes from the batch means.
    """
    from graphmodel.propagation import simulate

    main, extra = seed.spawn(2)
    cb = None
    if progress is not None:

        def cb(done: int, total: int) -> None:
            progress(SeedProgress("validate", int(done), int(total), "runs"))

    res = simulate(
        eco,
        model=model,
        layers=layers,
        prob=prob,
        seeds=nodes,
        runs=runs,
        seed=main,
        workers=workers,
        progress=cb,
        client=client,
    )
    if weights is None:
        return res.spread, res.spread
    nu = len(weights)
    batches = max(2, min(20, runs))
    size = max(1, runs // batches)
    values = []
    for ss in extra.spawn(batches):
        r = simulate(
            eco, model=model, layers=layers, prob=prob, seeds=nodes, runs=size, seed=ss, workers=workers, client=client
        )
        values.append(float((r.activation_frequency[:nu] * weights).sum()))
    return res.spread, estimate(values)


_UNITS = {
    "": 1,
    "b": 1,
    "k": 2**10,
    "kb": 10**3,
    "kib": 2**10,
    "m": 2**20,
    "mb": 10**6,
    "mib": 2**20,
    "g": 2**30,
    "gb": 10**9,
    "gib": 2**30,
    "t": 2**40,
    "tb": 10**12,
    "tib": 2**40,
}


def parse_memory(value: Any) -> int:
    """Bytes from ``2147483648``, ``"2G"``/``"2GiB"`` (binary), ``"2GB"`` (decimal), ``"512M"`` or ``"25%"`` of physical memory."""
    if isinstance(value, bool):
        raise InputError(f"memory must be bytes or a size such as '2G', got {value!r}", field="max_memory")
    if isinstance(value, (int, np.integer)):
        out = int(value)
    elif isinstance(value, float):
        out = int(value)
    else:
        text = str(value).strip().lower().replace(" ", "")
        m = re.fullmatch(r"([0-9]*\.?[0-9]+)(%|[kmgt]?i?b?)", text)
        if m is None:
            raise InputError(
                f"memory must be bytes or a size such as '2G', '512MiB' or '25%', got {value!r}", field="max_memory"
            )
        num, unit = float(m.group(1)), m.group(2)
        if unit == "%":
            out = int(physical_memory() * num / 100)
        elif unit in _UNITS:
            out = int(num * _UNITS[unit])
        else:
            raise InputError(
                f"unknown memory unit in {value!r}; expected K, M, G, T (binary), KB, MB, GB, TB or %",
                field="max_memory",
            )
    if out <= 0:
        raise InputError(f"memory must be > 0, got {value!r}", field="max_memory")
    return out


def default_max_memory() -> int:
    """The default budget of the RR store: :data:`MEMORY_SHARE` of physical memory."""
    return int(physical_memory() * MEMORY_SHARE)


def min_rr_sets_for(epsilon: float) -> int:
    """Default floor on OPIM-C's sample size per RR collection: 2^17 at epsilon 0.1, scaling as 1/epsilon^2."""
    return int(math.ceil(2**17 * (0.1 / float(epsilon)) ** 2))


def seeds(
    eco: Ecosystem,
    *,
    k: int | None = None,
    budget: float | None = None,
    cost: Any = None,
    method: str = "imm",
    model: str = "ic",
    layers: LayerSpec = None,
    prob: ProbSpec = None,
    node_type: str | None = None,
    epsilon: float = 0.1,
    runs: int = 500,
    objective: str = "reach",
    campaign: str | int | None = None,
    seed: SeedLike = None,
    validate_runs: int = 1000,
    workers: int | None = None,
    delta: float | None = None,
    min_rr_sets: int | None = None,
    max_memory: int | str | None = None,
    stop_when_saturated: bool = False,
    progress: Callable[[SeedProgress], None] | None = None,
    params: ParamsLike = None,
    client: Scheduler = None,
) -> SeedResult:
    """Choose seeds that maximise the expected spread of a cascade.

    Parameters
    ----------
    eco : Ecosystem
    k : number of seeds; or
    budget, cost : a total budget and per-type costs (``{"merchant": 5, "user": 1}``,
        ``["merchant=5"]``, or one cost per node); types not named cost 1
    method : ``"imm"`` (OPIM-C on RR sets, certified ``1 - 1/e - epsilon``),
        ``"celf"`` (lazy greedy on Monte Carlo, small graphs), ``"degree"``,
        ``"pagerank"``, ``"degree-discount"`` or ``"random"``
    model : ``"ic"`` or ``"lt"``
    layers, prob : layers the cascade uses and their probabilities (see
        :mod:`graphmodel.propagation.probability`; default IC 0.1, LT ``wc``)
    node_type : ``"user"``, ``"merchant"`` or ``None`` (both) as seeds
    epsilon : OPIM-C accuracy
    min_rr_sets : OPIM-C keeps sampling until each of its two RR collections
        holds at least this many sets, even once its ratio is certified
        (default 2^17 (0.1/epsilon)^2, see ``min_rr_sets_for``; 0 gives plain
        OPIM-C). Early certification on small samples leaves the greedy
        choice noisy: on a 100k-node BA graph (p=0.05, k=50, epsilon 0.1)
        plain OPIM-C stopped at 23k sets per collection and validated 2% below
        degree discount; with the floor it beats it. The floor shrinks to fit
        ``max_memory``, and the default floor also stops once a collection
        has visited 2^24 RR nodes (``FLOOR_NODES``; large, supercritical
        sets); ``sampling["floor"]`` says what applied
    max_memory : budget of the RR store in bytes, or a size (``"2G"``,
        ``"512MiB"``, ``"10%"`` of physical memory); default 25% of physical
        memory (``MEMORY_SHARE``). When OPIM-C's next round does not fit,
        it stops with the best ratio certified so far and says so
        (``guarantee["stopped_by"] == "max_memory"`` and a line in ``notes``)
    stop_when_saturated : when a pick gains nothing (every RR set, or every
        Monte Carlo run for CELF, already reached), return only the seeds
        that matter; by default the rest are filled by out-degree (stated in
        ``saturation`` and ``notes``)
    params : fitted parameters (``graphmodel fit --json`` file, Params or FitResult) instead
        of ``prob`` (IC only): fitted layers get :meth:`~graphmodel.fitting.Params.prob_spec`,
        the others the default; ``params["sources"]`` says which
    progress : called with :class:`~graphmodel.seeding.progress.SeedProgress`
        reports (OPIM-C sampling and rounds, CELF evaluations, validation runs)
    runs : Monte Carlo runs per evaluation (CELF)
    objective, campaign : ``"reach"``, ``"purchases"`` or ``"gmv"`` with a
        campaign merchant (see :mod:`graphmodel.seeding.objective`)
    seed : randomness of the selection and of the validation (separate streams)
    validate_runs : Monte Carlo runs of the final validation (0: none)
    workers : threads (default: all cores); results do not depend on it
    delta : OPIM-C failure probability (default ``1 / n``)
    client : run on a Dask cluster (a ``distributed.Client``, a ``LocalCluster`` or a
        scheduler address): the RR sets of ``imm`` are drawn by the workers
        (:mod:`graphmodel.seeding.remote`) and the validation runs split over them;
        the seeds and every number are those of a run without ``client``. ``celf``
        and the heuristics select here (only their validation goes to the cluster).

    Examples
    --------
    >>> import graphmodel as gm
    >>> eco = gm.Ecosystem(users={"id": [0, 1, 2, 3]}, social={"src": [0, 0, 0], "dst": [1, 2, 3]})
    >>> r = gm.seeds(eco, k=1, layers="social", prob=0.5, seed=1, validate_runs=200)
    >>> r.seeds
    ('user:0',)
    """
    from graphmodel.propagation.engine import prepare

    t_start = time.perf_counter()
    if method not in METHODS:
        raise InputError(f"unknown method {method!r}; expected one of {', '.join(METHODS)}", field="method")
    if model not in ("ic", "lt"):
        raise InputError(f"unknown model {model!r}; expected 'ic' or 'lt'", field="model")
    if (k is None) == (budget is None):
        raise InputError("give exactly one of k (number of seeds) or budget (with costs)", field="k")
    if k is not None:
        check_positive_int(k, "k")
    if budget is not None:
        check_positive_number(budget, "budget")
    if budget is None and cost is not None:
        raise InputError("costs need a budget", field="cost")
    if not (0.0 < float(epsilon) < 1.0 - 1.0 / math.e):
        raise InputError(f"epsilon must be in (0, {1 - 1 / math.e:.3f}), got {epsilon}", field="epsilon")
    default_floor = min_rr_sets is None
    min_rr_sets = min_rr_sets_for(epsilon) if min_rr_sets is None else int(min_rr_sets)
    max_bytes = default_max_memory() if max_memory is None else parse_memory(max_memory)
    if node_type not in (None, "user", "merchant"):
        raise InputError(f"node type must be 'user', 'merchant' or omitted, got {node_type!r}", field="node_type")
    check_positive_int(runs, "runs")
    check_int(validate_runs, "validate_runs", at_least=0)
    check_workers(workers)

    sources = None
    if params is not None:
        if prob is not None or model != "ic":
            raise InputError("params (fitted IC probabilities) replace prob and need model 'ic'", field="params")
        from graphmodel.params import as_params

        fitted = as_params(params)
        names = eco.csr(layers).layers
        prob = fitted.prob_spec(names)
        sources = {k: v for k, v in fitted.sources().items() if k.startswith("prob.") and k[5:] in names}
    graph = prepare(eco, layers, prob, model=model)
    n, nu = graph.n, graph.n_users
    cand = np.zeros(n, dtype=np.bool_)
    if node_type in (None, "user"):
        cand[:nu] = True
    if node_type in (None, "merchant"):
        cand[nu:] = True
    if not cand.any():
        raise InputError(f"no {node_type or 'node'} to choose seeds from", field="node_type")
    if k is not None and k > int(cand.sum()):
        raise InputError(f"k={k} exceeds the {int(cand.sum())} candidate {node_type or 'node'}s", field="k")
    costs = parse_costs(eco, cost) if budget is not None else None
    if costs is not None and not (costs[cand] <= float(budget)).any():
        raise InputError(f"no candidate costs at most the budget {budget}", field="budget")
    obj = objective_weights(eco, objective, campaign)
    weights = obj.weights
    k_sel, k_val, k_gain, k_rand = _keys(seed)

    guarantee: dict[str, Any] | None = None
    n_rr = 0
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    timings["prepare"] = t0 - t_start
    rr_graph = None

    def make_rr_graph():
        from graphmodel.seeding.rrsets import RRGraph

        return RRGraph.from_propagation(graph, model=model, weights=weights)

    fill_order = None
    if method in ("imm", "celf"):  # who fills the seeds after saturation
        fill_order = H.degree(graph.indptr, graph.indices, graph.prob, cand=cand, k=int(cand.sum()))
    saturation: dict[str, Any] | None = None
    sampling: dict[str, Any] | None = None
    notes: list[str] = []
    if method == "imm":
        from graphmodel.seeding.imm import FLOOR_NODES, MemoryBudgetError, opim_c

        rr_graph = make_rr_graph()
        if rr_graph.roots.size == 0:
            raise InputError(f"objective {objective!r}: no user has a positive weight", field="objective")
        with contextlib.ExitStack() as stack:
            rr_workers = workers
            if client is not None:
                from graphmodel.seeding.remote import ClusterRRGraph

                conn = stack.enter_context(clients.using(client))
                rr_graph = ClusterRRGraph(
                    rr_graph, client=conn, eco=eco, layers=layers, prob=prob, model=model, weights=weights
                )
                rr_workers = 2 * cluster.n_workers(conn)  # threads waiting on chunks: two in flight per worker
            try:
                sel = opim_c(
                    rr_graph,
                    cand=cand,
                    k=k,
                    cost=costs,
                    budget=budget,
                    epsilon=float(epsilon),
                    delta=delta,
                    opt_lower=_opt_lower(cand, nu, weights, k, costs, budget),
                    keys=(k_sel, k_gain),
                    workers=rr_workers,
                    min_sets=min_rr_sets,
                    max_bytes=max_bytes,
                    floor_nodes=FLOOR_NODES if default_floor else None,
                    progress=progress,
                    fill_order=fill_order,
                    stop_when_saturated=bool(stop_when_saturated),
                )
            except MemoryBudgetError as exc:
                raise InputError(f"max_memory too small: {exc}", field="max_memory") from None
        nodes, gains = sel.nodes, sel.gains
        guarantee = sel.guarantee()
        n_rr = sel.n_rr_sets
        timings.update(sel.timings)
        sampling = {"stopped_by": sel.stopped_by, "floor": sel.floor, "memory": sel.memory}
        if sel.saturated_after is not None:
            saturation = _saturation(
                sel.saturated_after,
                len(nodes),
                stop_when_saturated,
                f"no candidate left covers any uncovered set of the {sel.n_rr_sets // 2:,} selection RR sets",
            )
        notes.extend(_imm_notes(sel))
    elif method == "celf":
        from graphmodel.seeding.greedy import BUDGET_RATIO, cost_aware_celf, mc_objective

        f = mc_objective(graph, model=model, key=k_sel, runs=int(runs), weights=weights, workers=workers)
        res = cost_aware_celf(f, np.flatnonzero(cand).tolist(), k=k, cost=costs, budget=budget, progress=progress)
        nodes, gains = np.asarray(res.nodes, dtype=np.int64), np.asarray(res.gains, dtype=np.float64)
        zero = np.flatnonzero(gains <= 0)
        if zero.size:
            n_pos = int(zero[0])
            nodes, gains = nodes[:n_pos], gains[:n_pos]
            if not stop_when_saturated:
                from graphmodel.seeding.imm import _fill

                c = costs if costs is not None else np.ones(n)
                b = float(budget) if budget is not None else float(k)
                full, _, _ = _fill(
                    np.concatenate([nodes, res.nodes[n_pos:]]),
                    np.concatenate([np.ones(n_pos, np.int64), np.zeros(len(res.nodes) - n_pos, np.int64)]),
                    fill_order,
                    False,
                    c,
                    b,
                    costs is None,
                )
                value = f(nodes.tolist())
                extra = []
                for j in range(n_pos, len(full)):
                    new = f(full[: j + 1].tolist())
                    extra.append(new - value)
                    value = new
                nodes, gains = full, np.concatenate([gains, np.asarray(extra, dtype=np.float64)])
            saturation = _saturation(
                n_pos,
                len(nodes),
                stop_when_saturated,
                f"no further user reached in any of the {int(runs)} Monte Carlo runs",
            )
        guarantee = {
            "ratio": float(1 - 1 / math.e) if costs is None else float(BUDGET_RATIO),
            "rule": "CELF lazy greedy" if costs is None else f"CELF, {res.rule} (better of two)",
            "note": "worst-case ratio of the greedy given exact spreads; spreads here are Monte Carlo means",
            "evaluations": res.evaluations,
            "runs_per_evaluation": int(runs),
        }
    else:
        fn = {
            "degree": H.degree,
            "pagerank": H.pagerank,
            "degree-discount": H.degree_discount,
            "random": H.random_seeds,
        }[method]
        extra = {"seed": np.random.SeedSequence(k_rand)} if method == "random" else {}
        nodes = fn(graph.indptr, graph.indices, graph.prob, cand=cand, k=k, cost=costs, budget=budget, **extra)
        gains = np.full(len(nodes), np.nan)  # heuristics draw no RR set: their value is the validation
        timings["select"] = time.perf_counter() - t0
    if saturation is not None:
        notes.insert(0, _saturation_note(saturation))
    seconds = time.perf_counter() - t0
    nodes = np.asarray(nodes, dtype=np.int64)

    validation = objective_value = None
    if validate_runs and len(nodes):
        tv = time.perf_counter()
        validation, objective_value = _validate(
            eco,
            nodes,
            model=model,
            layers=graph.layers,
            prob=prob,
            seed=np.random.SeedSequence(k_val),
            runs=int(validate_runs),
            weights=weights,
            workers=workers,
            progress=progress,
            client=client,
        )
        timings["validate"] = time.perf_counter() - tv
    reg = None
    if not isinstance(prob, np.ndarray):
        # the regime says whether every pick after the first can only gain little (a giant live-edge component)
        reg = regime(
            eco, layers=graph.layers, prob=prob, model=model, seed=REGIME_SEED
        )  # cached: the validation's simulate shares it
        notes.extend(reg.warnings())
    params = {
        "method": method,
        "model": model,
        "layers": list(graph.layers),
        "prob": _prob_param(prob),
        "k": None if k is None else int(k),
        "budget": None if budget is None else float(budget),
        "cost": _cost_param(cost),
        "node_type": node_type,
        "epsilon": float(epsilon) if method == "imm" else None,
        "min_rr_sets": min_rr_sets if method == "imm" else None,
        "max_memory": int(max_bytes) if method == "imm" else None,
        "stop_when_saturated": bool(stop_when_saturated),
        "runs": int(runs) if method == "celf" else None,
        "objective": obj.to_dict(),
        "seed": seed if isinstance(seed, int) else None,
        "validate_runs": int(validate_runs),
        "workers": workers,
        "n_candidates": int(cand.sum()),
        "sources": sources,
    }
    return SeedResult(
        seeds=tuple(eco.node_ids(nodes)),
        nodes=tuple(int(v) for v in nodes),
        gains=tuple(float(g) for g in gains),
        validation=validation,
        objective_value=objective_value,
        guarantee=guarantee,
        n_rr_sets=int(n_rr),
        seconds=float(seconds),
        cost=float(costs[nodes].sum()) if costs is not None else float(len(nodes)),
        params=params,
        timings=timings,
        saturation=saturation,
        sampling=sampling,
        notes=tuple(notes),
        regime=reg,
    )


def _saturation(after: int, n_seeds: int, stop: bool, why: str) -> dict[str, Any]:
    return {
        "after": int(after),
        "filled": int(n_seeds - after),
        "rule": "none (stop_when_saturated)" if stop else FILL_RULE,
        "evidence": why,
    }


def _saturation_note(sat: dict[str, Any]) -> str:
    n = sat["after"]
    tail = (
        f"the other {sat['filled']} seeds are filled {sat['rule']}"
        if sat["filled"]
        else "no further seed returned"
        if sat["rule"].startswith("none")
        else ""
    )
    return f"the cascade is saturated after {n} seed{'s' if n != 1 else ''} ({sat['evidence']})" + (
        f"; {tail}" if tail else ""
    )


def _gib(b: float) -> str:
    return f"{b / 2**30:.2f} GiB" if b >= 2**30 else f"{b / 2**20:.1f} MiB"


def _imm_notes(sel: Any) -> list[str]:
    out = []
    mem = sel.memory
    if sel.stopped_by == "max_memory":
        out.append(
            f"stopped by the memory budget (max_memory {_gib(mem['max_bytes'])}): certified ratio "
            f"{sel.ratio:.3f} < target {sel.target:.3f}; raise --max-memory or epsilon"
        )
    elif sel.stopped_by in ("max_rounds", "max_rr_sets"):
        out.append(f"stopped by {sel.stopped_by}: certified ratio {sel.ratio:.3f} (target {sel.target:.3f})")
    fl = sel.floor
    if fl.get("shrunk_by"):
        why = {
            "max_memory": f"the memory budget ({_gib(mem['max_bytes'])})",
            "floor_nodes": "the floor's cap of 2^24 RR nodes per collection (large RR sets)",
        }[fl["shrunk_by"]]
        out.append(
            f"sample floor {fl['requested']:,} RR sets per collection shrunk to {fl['applied']:,} by {why}; "
            f"the certified ratio is unaffected"
        )
    return out


def _opt_lower(cand: np.ndarray, nu: int, weights: np.ndarray | None, k, costs, budget) -> float:
    """A lower bound on the optimum: user seeds reach at least themselves."""
    w = np.ones(nu) if weights is None else weights
    wc = w[cand[:nu]]
    if costs is None:
        kk = int(k)
        top = np.sort(wc)[::-1][:kk].sum() if wc.size else 0.0
    else:
        ok = costs[:nu][cand[:nu]] <= budget
        top = float(wc[ok].max()) if ok.any() else 0.0
    if top > 0:
        return float(top)
    pos = w[w > 0]
    return float(pos.min()) if pos.size else 1.0


def _prob_param(prob: Any) -> Any:
    if prob is None or isinstance(prob, (int, float, str)):
        return prob
    if isinstance(prob, Mapping):
        return {str(k): v for k, v in prob.items()}
    if isinstance(prob, np.ndarray):
        return "per-arc array"
    return [str(p) for p in prob]


def _cost_param(cost: Any) -> Any:
    if cost is None or isinstance(cost, str):
        return cost
    if isinstance(cost, Mapping):
        return {str(k): float(v) for k, v in cost.items()}
    if isinstance(cost, np.ndarray):
        return "per-node array"
    return [str(c) for c in cost]
