"""``simulate``: Monte Carlo diffusion of shopping intent over chosen layers."""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from graphmodel import clients, cluster
from graphmodel._seed import SeedLike, as_seed_sequence
from graphmodel.checks import check_optional_nonneg_int, check_positive_int, check_positive_number, check_probability
from graphmodel.errors import InputError
from graphmodel.estimate import ADAPTIVE_BATCH, Estimate, estimate
from graphmodel.propagation.engine import MODELS, RawRuns, prepare, run_batch
from graphmodel.propagation.result import SimulationResult

if TYPE_CHECKING:
    from graphmodel.clients import Scheduler
    from graphmodel.ecosystem import Ecosystem, LayerSpec
    from graphmodel.params import ParamsLike
    from graphmodel.propagation.probability import ProbSpec
    from graphmodel.seedsets import SeedSpec

__all__ = ["simulate"]


def _fold(acc: RawRuns | None, part: RawRuns) -> RawRuns:
    """``acc`` followed by ``part``: per-run counts appended, per-node counts and the curve added.

    Folded as batches arrive, so a run in 20 batches holds one per-node count array, not 20
    (84 MB each at 10M users).
    """
    if acc is None:
        return part
    return RawRuns(
        users=np.concatenate([acc.users, part.users]),
        merchants=np.concatenate([acc.merchants, part.merchants]),
        steps=np.concatenate([acc.steps, part.steps]),
        layer_counts=np.concatenate([acc.layer_counts, part.layer_counts]),
        node_counts=np.add(
            acc.node_counts, part.node_counts, out=acc.node_counts if acc.node_counts.flags.writeable else None
        ),
        curve=acc.curve + part.curve,
    )


def _runs_on_worker(
    eco: Ecosystem,
    layers: tuple[str, ...],
    prob: Any,
    model: str,
    seeds: np.ndarray,
    key: int,
    recovery: float,
    max_steps: int | None,
    workers: int | None,
    *,
    run_start: int,
    runs: int,
) -> RawRuns:
    """One batch of :func:`simulate` on a Dask worker (the arrays are prepared once per worker process)."""
    if isinstance(prob, np.ndarray):
        graph = prepare(eco, layers, prob, model=model)
    else:
        graph = cluster.derived(
            eco,
            ("simulate", layers, model, tuple(sorted(prob.items()))),
            lambda: prepare(eco, layers, prob, model=model),
        )
    return run_batch(
        graph,
        seeds,
        model=model,
        key=key,
        run_start=run_start,
        runs=runs,
        recovery=recovery,
        max_steps=max_steps,
        workers=cluster.worker_threads(workers),
    )


def _point(x: float) -> Estimate:
    return Estimate(mean=float(x), std=0.0, ci95=(float(x), float(x)), n=1, quantiles={})


def simulate(
    eco: Ecosystem,
    *,
    model: str = "ic",
    layers: LayerSpec = None,
    prob: ProbSpec = None,
    params: ParamsLike = None,
    seeds: SeedSpec = "random:50",
    runs: int = 1000,
    seed: SeedLike = None,
    max_steps: int | None = None,
    recovery: float = 0.5,
    damping: float = 0.85,
    target_ci: float | None = None,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    regime_check: bool = True,
    client: Scheduler = None,
) -> SimulationResult:
    """Spread intent from ``seeds`` over ``layers`` and summarise it.

    Parameters
    ----------
    eco
        The ecosystem.
    model
        ``"ic"`` independent cascade, ``"lt"`` linear threshold, ``"sir"``
        (discrete time: an active node keeps trying its susceptible
        neighbours every step until it recovers with probability
        ``recovery``; ``recovery=1`` is IC), ``"ppr"`` personalized PageRank
        (deterministic intent mass; ``runs`` is ignored).
    layers
        Layers to spread on (names or ``"social,payment"``; default all).
    prob
        Per-layer probability spec (LT: weights); see
        :mod:`graphmodel.propagation.probability`. A float array with one
        value per arc of ``eco.csr(layers)`` is used as is.
    params
        Fitted parameters instead of ``prob`` (IC only): a ``graphmodel.params/1``
        file path, :class:`~graphmodel.fitting.Params` or :class:`~graphmodel.fitting.FitResult`;
        the arcs get :meth:`Params.prob_spec` and ``result.params["sources"]``
        says, per layer, whether the value was fitted (from which file) or a default.
    seeds
        Seed spec (see :mod:`graphmodel.seedsets`) or global node numbers.
    runs
        Monte Carlo runs (the maximum under ``target_ci``).
    seed
        Randomness; the same seed gives the same result for any ``workers``.
        Scenarios run with the same seed share the coin of every edge they
        have in common (common random numbers): their difference is paired.
    max_steps
        Stop every run after this many steps (default: until it dies out;
        SIR: 10,000).
    recovery
        SIR recovery probability per step.
    damping
        PPR damping factor.
    target_ci
        Adaptive stopping: run batches of :data:`graphmodel.estimate.ADAPTIVE_BATCH` runs until the
        95% half-width of the spread is at most ``target_ci`` times its mean.
    workers
        Threads of the compiled kernel (default: numba's default, all cores).
    progress
        Called as ``progress(runs_done, runs_max)`` after each batch.
    regime_check
        Measure the regime of the cascade (:mod:`graphmodel.propagation.regime`:
        is a giant live-edge component what the result measures?) into
        ``result.regime``; measured once per graph and transmission (then cached),
        off saves its cost (live-edge samples and a power iteration).
    client
        Run the cascades on a Dask cluster: a ``distributed.Client``, a
        ``LocalCluster`` or a scheduler address (``tcp://host:8786``). The
        runs are split into batches over the workers (:mod:`graphmodel.cluster`);
        the result is the same, to the bit, as without ``client``, adaptive
        stopping included (batches are taken in run order and the same rule stops them).

    Examples
    --------
    >>> import graphmodel as gm
    >>> eco = gm.Ecosystem(users={"id": [0, 1, 2]}, social={"src": [0, 1], "dst": [1, 2]})
    >>> res = gm.simulate(eco, prob=1.0, seeds="user:0", runs=10, seed=1)
    >>> res.spread.mean, res.by_layer["social"].mean
    (3.0, 2.0)
    """
    if model not in (*MODELS, "ppr"):
        raise InputError(f"unknown model {model!r}; expected ic, lt, sir or ppr", field="model")
    check_positive_int(runs, "runs")
    check_optional_nonneg_int(max_steps, "max_steps")
    check_probability(recovery, "recovery")
    if target_ci is not None:
        check_positive_number(target_ci, "target_ci")
    if params is not None and model != "ic":
        raise InputError(
            f"fitted parameters are independent-cascade probabilities: use model='ic', got {model!r}", field="params"
        )
    ss = as_seed_sequence(seed)
    seed_ss, run_ss = ss.spawn(2)
    layer_names = eco.csr(layers).layers
    from graphmodel.seedsets import resolve_seeds

    seed_nodes = resolve_seeds(eco, seeds, seed=seed_ss, layers=layer_names)
    info: dict[str, Any] = {
        "model": model,
        "layers": list(layer_names),
        "seeds": seeds if isinstance(seeds, str) else [s if isinstance(s, str) else int(s) for s in seeds],
        "n_seeds": int(seed_nodes.size),
        "seed_nodes": eco.node_ids(seed_nodes) if seed_nodes.size <= 1000 else None,
    }
    if model == "ppr":
        from graphmodel.propagation.ppr import personalized_pagerank

        mass = personalized_pagerank(eco, seed_nodes, layers=layer_names, damping=damping)
        info["damping"] = float(damping)
        U = eco.n_users
        return SimulationResult(
            model="ppr",
            spread=_point(mass[:U].sum()),
            by_layer={},
            merchants=_point(mass[U:].sum()),
            curve=np.zeros(0),
            activation_frequency=mass,
            runs=1,
            seed=None,
            params=info,
        )
    if params is not None:
        if prob is not None:
            raise InputError("give either prob or params (fitted parameters set the probabilities)", field="params")
        from graphmodel.params import as_params

        fitted = as_params(params)
        prob = fitted.prob_spec(layer_names)
        sources = fitted.sources()
        info["sources"] = {k: v for k, v in sources.items() if k.startswith("prob.") and k[5:] in layer_names}
        info["params_file"] = fitted.source
    if isinstance(prob, np.ndarray):
        info["prob"] = "per-arc array"
    else:
        from graphmodel.propagation.probability import parse_prob_spec

        info["prob"] = parse_prob_spec(prob, layer_names, model=model)
    if model == "sir" and max_steps is None:
        max_steps = 10_000
    info.update(
        {
            "runs": int(runs),
            "max_steps": max_steps,
            "recovery": float(recovery) if model == "sir" else None,
            "target_ci": target_ci,
            "random": "counter-based (splitmix64 of run key and arc identity)",
        }
    )
    from graphmodel.propagation.engine import base_key

    key = base_key(run_ss)
    if target_ci is not None:
        batch = ADAPTIVE_BATCH
    elif progress is not None:
        batch = max(1, math.ceil(runs / 20))
    else:
        batch = runs
    spec = prob if isinstance(prob, np.ndarray) else info["prob"]
    with contextlib.ExitStack() as stack:
        if client is None:
            graph = prepare(eco, layer_names, spec, model=model)
            results: Any = (
                run_batch(
                    graph,
                    seed_nodes,
                    model=model,
                    key=key,
                    run_start=s,
                    runs=n,
                    recovery=recovery,
                    max_steps=max_steps,
                    workers=workers,
                )
                for s, n in cluster.batches(runs, size=batch)
            )
        else:
            c = stack.enter_context(clients.using(client))
            if target_ci is None:
                batch = max(1, math.ceil(runs / (2 * cluster.n_workers(c))))
            if isinstance(spec, np.ndarray):
                spec = c.scatter(spec, broadcast=True, hash=False)
            results = stack.enter_context(
                contextlib.closing(
                    cluster.iter_batches(
                        c,
                        cluster.share(c, eco),
                        _runs_on_worker,
                        cluster.batches(runs, size=batch),
                        args=(tuple(layer_names), spec, model, seed_nodes, key, recovery, max_steps, workers),
                    )
                )
            )
        raw: RawRuns | None = None
        done = 0
        for part in results:
            raw = _fold(raw, part)
            done += part.users.shape[0]
            if progress is not None:
                progress(done, runs)
            if target_ci is not None and done >= 2 * ADAPTIVE_BATCH:
                e = estimate(raw.users)
                if e.half_width <= target_ci * abs(e.mean):
                    break
    assert raw is not None
    nl = len(layer_names)
    by_layer = {"seed": estimate(raw.layer_counts[:, nl])}
    for lid, name in enumerate(layer_names):
        by_layer[name] = estimate(raw.layer_counts[:, lid])
    curve = raw.curve / done
    nonzero = curve != 0  # cut after the last step with news (argmax over the reversed mask: no index array)
    curve = curve[: (curve.size - int(np.argmax(nonzero[::-1]))) if nonzero.any() else 1]
    freq = raw.node_counts / done
    for arr in (curve, freq):
        arr.flags.writeable = False
    reg = None
    if regime_check and not isinstance(prob, np.ndarray):
        from graphmodel.propagation.regime import REGIME_SEED, regime

        # a property of the graph and transmission: a fixed seed, so repeated calls reuse the cached result
        reg = regime(eco, layers=layer_names, prob=info["prob"], model=model, recovery=recovery, seed=REGIME_SEED)
    return SimulationResult(
        model=model,
        spread=estimate(raw.users),
        by_layer=by_layer,
        merchants=estimate(raw.merchants),
        curve=curve,
        activation_frequency=freq,
        runs=done,
        seed=int(ss.entropy) if isinstance(ss.entropy, int) else None,
        params=info,
        regime=reg,
    )
