"""OPIM-C: seed selection from RR sets with a certified approximation ratio.

We implement OPIM-C of Tang, Tang, Xiao and Lim, "Online Processing
Algorithms for Influence Maximization", SIGMOD 2018 (rather than IMM, Tang,
Shi and Xiao 2015, whose sampling-phase bound needed the correction of
Chen 2018): it needs fewer RR sets in practice and, usefully here, it
*certifies* the ratio each run achieved.

Two independent RR collections ``R1`` and ``R2`` of ``theta`` sets each are
drawn; greedy max coverage on ``R1`` gives ``S``; with ``a = ln(3 i_max /
delta)``

* a lower confidence bound on ``sigma(S)`` from ``S``'s coverage of ``R2``:
  ``((sqrt(c2 + 2a/9) - sqrt(a/2))^2 - a/18) * W / theta``,
* an upper confidence bound on the optimum from ``R1``: the greedy's own
  bound ``c1u`` (coverage so far + the best the remaining budget could add,
  minimised over checkpoints), ``(sqrt(c1u + a/2) + sqrt(a/2))^2 * W / theta``.

Their ratio is the approximation ratio achieved with probability at least
``1 - delta``. If it is below ``1 - 1/e - epsilon``, ``theta`` doubles, up to
``theta_max = 2 W ((1-1/e) alpha + beta)^2 / (epsilon^2 OPT_lb)`` with
``alpha = sqrt(ln(6/delta))``, ``beta = sqrt((1-1/e)(ln C(n_cand, k) +
ln(6/delta)))``, where the worst-case guarantee holds regardless.

Budgets with per-node costs use the same loop with two greedy orders (by
gain and by gain per cost) and keep the better on ``R1``: the better of the
two is a ``(1 - 1/e)/2`` approximation of budgeted max coverage (Leskovec et
al., "Cost-effective outbreak detection in networks", KDD 2007; Khuller, Moss
and Naor 1999), and the upper bound is the fractional-knapsack relaxation of
the marginal gains. Its certified ratio is reported the same way.

Memory is bounded (``max_bytes``): the first sets measure the mean RR-set
size, each round draws only as many sets as the budget holds (both
collections, the inverted index and the greedy's arrays), and when a round
cannot double within it, OPIM-C stops with the best ratio certified so far
(``stopped_by = "max_memory"``). The bounds hold in every round (the union
bound covers ``i_max`` rounds of any sizes), so a smaller last round, or a
floor on the sample cut short, leaves the certified ratio valid. Only the
seed candidates of each set are stored.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from graphmodel.seeding.progress import SeedProgress
from graphmodel.seeding.rrsets import PILOT, RRCollection, RRGraph

__all__ = ["opim_c", "RRSelection", "log_binom", "FLOOR_NODES", "MemoryBudgetError"]

#: The default floor on the sample (``min_sets``) stops once a collection has visited this many RR
#: nodes: with large RR sets (a supercritical cascade) 2^17 sets would take hours, and each large set
#: already carries much of the information the floor is there to buy.
FLOOR_NODES = 2**24


class MemoryBudgetError(ValueError):
    """The memory budget cannot hold the first RR sets."""


_E1 = 1.0 - 1.0 / math.e


def log_binom(n: int, k: int) -> float:
    """``ln C(n, k)``."""
    if k <= 0 or k >= n:
        return 0.0
    return math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)


@dataclass(frozen=True)
class RRSelection:
    """What one OPIM-C run found.

    ``stopped_by`` says why sampling stopped: ``"certified"`` (ratio reached,
    floor met or cut short), ``"max_memory"`` (the next round did not fit the
    memory budget; ``ratio`` is the best certified), ``"max_rounds"`` (the
    worst-case sample size was reached) or ``"max_rr_sets"``. ``floor`` tells
    what became of the ``min_sets`` floor, ``memory`` what the RR store held.
    ``r1_gains`` are the picks' coverage gains on the selection sample
    ``R1``; ``saturated_after`` is the number of picks with a positive gain
    when a later pick gained nothing (every sampled set already covered),
    else ``None``.
    """

    nodes: np.ndarray
    gains: np.ndarray
    estimate: float
    lower: float
    upper: float
    ratio: float
    target: float
    delta: float
    rounds: int
    max_rounds: int
    n_rr_sets: int
    n_members: int
    seconds: float
    rule: str
    timings: dict[str, float] = field(default_factory=dict)
    stopped_by: str = "certified"
    floor: dict[str, Any] = field(default_factory=dict)
    memory: dict[str, Any] = field(default_factory=dict)
    r1_gains: np.ndarray | None = None
    saturated_after: int | None = None

    def guarantee(self) -> dict[str, Any]:
        return {
            "ratio": float(self.ratio),
            "delta": float(self.delta),
            "target": float(self.target),
            "lower_bound": float(self.lower),
            "upper_bound_opt": float(self.upper),
            "rounds": int(self.rounds),
            "max_rounds": int(self.max_rounds),
            "rule": self.rule,
            "algorithm": "OPIM-C (Tang, Tang, Xiao, Lim, SIGMOD 2018)",
            "stopped_by": self.stopped_by,
            "floor": dict(self.floor),
        }


def _greedy_bytes(n_local: int) -> int:
    """Working arrays of one greedy run over ``n_local`` candidates (gains, flags, picks, costs)."""
    return 42 * (n_local + 1)


def _greedy(coll: RRCollection, cand: np.ndarray, cost: np.ndarray, budget: float, unit: bool):
    if unit:
        picks, gains, cov, bound = coll.greedy(cand, cost, budget, by_ratio=False, unit=True)
        return picks, gains, cov, bound, "greedy"
    a = coll.greedy(cand, cost, budget, by_ratio=False, unit=False)
    b = coll.greedy(cand, cost, budget, by_ratio=True, unit=False)
    bound = min(a[3], b[3])
    if b[2] > a[2]:
        return b[0], b[1], b[2], bound, "cost-ratio greedy"
    return a[0], a[1], a[2], bound, "unit-cost greedy"


def _fill(picks, gains, order, stop, cost, budget, unit):
    """Replace the picks after the first zero gain (see ``fill_order`` in :func:`opim_c`); fill gains are 0."""
    picks = np.asarray(picks, dtype=np.int64)
    gains = np.asarray(gains, dtype=np.int64)
    zero = np.flatnonzero(gains <= 0)
    if zero.size == 0:
        return picks, gains, None
    n_pos = int(zero[0])
    if order is None and not stop:
        return picks, gains, n_pos
    keep, kept_gains = picks[:n_pos], gains[:n_pos]
    if stop:
        return keep, kept_gains, n_pos
    taken = set(keep.tolist())
    left = float(budget) - float(cost[keep].sum())
    want = int(round(budget)) - n_pos if unit else None
    extra: list[int] = []
    for v in np.asarray(order, dtype=np.int64).tolist():
        if unit and len(extra) >= want:
            break
        if v in taken or cost[v] > left + 1e-12:
            continue
        extra.append(v)
        taken.add(v)
        left -= float(cost[v])
    out = np.concatenate([keep, np.asarray(extra, dtype=np.int64)])
    return out, np.concatenate([kept_gains, np.zeros(len(extra), dtype=np.int64)]), n_pos


def opim_c(
    graph: RRGraph,
    *,
    cand: np.ndarray,
    k: int | None = None,
    cost: np.ndarray | None = None,
    budget: float | None = None,
    epsilon: float = 0.1,
    delta: float | None = None,
    opt_lower: float = 1.0,
    keys: tuple[int, int] = (1, 2),
    workers: int | None = None,
    max_sets: int | None = None,
    min_sets: int = 0,
    min_cover: int | None = None,
    max_bytes: int | None = None,
    floor_nodes: int | None = None,
    progress: Callable[[SeedProgress], None] | None = None,
    fill_order: np.ndarray | None = None,
    stop_when_saturated: bool = False,
) -> RRSelection:
    """Run OPIM-C on ``graph`` (see the module docstring).

    Parameters
    ----------
    graph : the sampling problem
    cand : bool mask of nodes allowed as seeds
    k : number of seeds (cardinality constraint), or
    cost, budget : per-node costs (> 0) and the total budget
    epsilon : target ratio is ``1 - 1/e - epsilon``
    delta : failure probability (default ``1 / n``)
    opt_lower : a lower bound on the optimum (weight units), sets the worst-case sample size
    keys : stream keys of ``R1`` and ``R2``
    max_sets : optional cap on ``theta`` (the guarantee then is only what was certified)
    min_sets : keep doubling ``theta`` until it is at least this, even once the
        ratio is certified: the bounds hold in every round (union bound over
        ``i_max`` rounds), and a larger sample makes the greedy choice less noisy
    min_cover : the ``min_sets`` floor stops applying once the chosen seeds
        cover this many sets of ``R2`` (their estimate then has a relative
        standard error below ``1 / sqrt(min_cover)``): large RR sets (a
        supercritical cascade) carry enough information in fewer sets
    max_bytes : memory budget of the RR store (both collections, the index
        and the greedy's arrays; ``None``: unbounded). The floor shrinks to
        fit it; OPIM-C itself stops with the best certified ratio when its
        next round does not fit (``stopped_by="max_memory"``)
    floor_nodes : the ``min_sets`` floor stops applying once a collection
        would visit more than this many RR nodes (``None``: no such cap)
    progress : called with a :class:`~graphmodel.seeding.progress.SeedProgress`
        as sets are drawn (``"sampling"``) and after each round (``"round"``)
    fill_order, stop_when_saturated : once a greedy pick gains nothing on
        ``R1`` (saturation), the remaining picks are replaced by the first
        nodes of ``fill_order`` not yet chosen (that fit ``k`` or the
        budget), or dropped with ``stop_when_saturated``; ``None`` and
        ``False`` keep the greedy's own picks (lowest node numbers first).
        This happens inside each round, before ``R2`` is consulted, so the
        bounds refer to the seeds returned

    Raises
    ------
    MemoryBudgetError
        when ``max_bytes`` cannot hold the greedy's arrays and a first set
    """
    t0 = time.perf_counter()
    n_cand = int(np.count_nonzero(cand))
    W = graph.total_weight
    unit = cost is None
    if unit:
        cost = np.ones(graph.n, dtype=np.float64)
        budget = float(k)
        kmax = int(k)
        rule = "greedy"
        target = _E1 - epsilon
    else:
        cost = np.asarray(cost, dtype=np.float64)
        cmin = float(cost[cand].min()) if n_cand else 1.0
        kmax = int(min(n_cand, math.floor(budget / cmin + 1e-9)))
        rule = "better of unit-cost and cost-ratio greedy"
        target = _E1 - epsilon
    kmax = max(1, min(kmax, max(n_cand, 1)))
    if delta is None:
        delta = 1.0 / max(graph.n, 2)
    alpha = math.sqrt(math.log(6.0 / delta))
    beta = math.sqrt(_E1 * (log_binom(n_cand, kmax) + math.log(6.0 / delta)))
    c = ((_E1 * alpha + beta) ** 2) * 2.0
    opt_lower = max(float(opt_lower), 1e-12)
    theta_max = c * W / (epsilon**2 * opt_lower)
    theta0 = max(1, int(math.ceil(c)))
    i_max = max(1, int(math.ceil(math.log2(max(theta_max / theta0, 1.0)))) + 1)
    a = math.log(3.0 * i_max / delta)
    r1 = RRCollection(graph, keys[0], workers=workers, keep=cand, indexed=True)
    r2 = RRCollection(graph, keys[1], workers=workers, keep=cand)
    cap = None if max_bytes is None else int(max_bytes)
    fixed = _greedy_bytes(r1.n_local)
    if cap is not None and cap < fixed + r1.segment_overhead() + 64:
        raise MemoryBudgetError(
            f"a memory budget of {cap} bytes cannot hold the greedy's arrays "
            f"({fixed + r1.segment_overhead()} bytes for {r1.n_local} candidates)"
        )
    timings = {"sampling": 0.0, "greedy": 0.0}
    peak = [0]

    def store() -> int:
        return r1.nbytes + r2.nbytes

    def per_set(coll: RRCollection) -> float:
        m = r1.mean_stored() if r1.size else coll.mean_stored()
        return 8.0 + m * coll.member_bytes()

    def fit() -> int:
        """Sets per collection the budget holds (from the mean set size so far); huge when unbounded."""
        if cap is None or r1.size == 0:
            return 2**62
        free = cap - fixed - store() - r1.segment_overhead()
        p1, p2 = per_set(r1), per_set(r2) + 1.0  # + the greedy's covered flag per set
        return max(0, int((free + r1.size * per_set(r1) + r2.size * (p2 - 1.0)) / (p1 + p2) * 0.98))

    def sample(want: int, rnd: int, report: bool = True) -> int:
        cb1 = cb2 = None
        if progress is not None and report:

            def cb1(done: int) -> None:  # both collections: R1 first, then R2
                progress(
                    SeedProgress(
                        "sampling", int(done + r2.size), 2 * int(want), "RR sets", round=rnd, store_bytes=store()
                    )
                )

            def cb2(done: int) -> None:
                progress(
                    SeedProgress(
                        "sampling", int(r1.size + done), 2 * int(r1.size), "RR sets", round=rnd, store_bytes=store()
                    )
                )

        if cap is None:
            r1.grow_to(want, progress=cb1)
            r2.grow_to(want, progress=cb2)
        else:
            cap1 = cap - fixed - want - r2.nbytes - int(max(want - r2.size, 0) * per_set(r2))
            r1.grow_to(want, max_bytes=cap1, progress=cb1)
            peak[0] = max(peak[0], r1.peak_nbytes + r2.nbytes)
            r2.grow_to(r1.size, max_bytes=cap - fixed - r1.size - r1.nbytes, progress=cb2)
            peak[0] = max(peak[0], r1.nbytes + r2.peak_nbytes)
            if r2.size < r1.size:
                r1.truncate(r2.size)
        peak[0] = max(peak[0], store())
        return min(r1.size, r2.size)

    theta = theta0
    floor_req = int(min_sets)
    floor_eff, floor_cut = floor_req, None
    rounds: list[tuple] = []
    stopped = "certified"
    certified = False
    mem_bound = False
    rnd = 0
    ts = time.perf_counter()
    if cap is not None:
        sample(min(theta0, PILOT), 1, report=False)  # the first sets measure the mean RR-set size
        if r1.size == 0:
            raise MemoryBudgetError(
                f"a memory budget of {cap} bytes cannot hold one RR set beside the greedy's "
                f"arrays ({fixed + r1.segment_overhead()} bytes for {r1.n_local} candidates)"
            )
    timings["sampling"] += time.perf_counter() - ts
    for rnd in range(1, i_max + 1):
        want = theta if max_sets is None else min(theta, int(max_sets))
        if cap is not None:
            room = fit()
            if room < want:
                want, mem_bound = max(room, min(r1.size, r2.size)), True
        ts = time.perf_counter()
        got = sample(want, rnd)
        timings["sampling"] += time.perf_counter() - ts
        if got < want:
            mem_bound = True
        if rounds and got <= rounds[-1][0]:
            rnd -= 1  # nothing new fits: the previous round stands
            stopped = "certified" if certified else "max_memory"
            break
        theta = got
        ts = time.perf_counter()
        picks, gains, cov1, bound1, chosen_rule = _greedy(r1, cand, cost, budget, unit)
        picks, gains, sat = _fill(picks, gains, fill_order, stop_when_saturated, cost, budget, unit)
        timings["greedy"] += time.perf_counter() - ts
        cov2 = r2.coverage(picks) if len(picks) else 0
        scale = W / theta
        lower = max(((math.sqrt(cov2 + 2 * a / 9) - math.sqrt(a / 2)) ** 2 - a / 18), 0.0) * scale
        upper = (math.sqrt(bound1 + a / 2) + math.sqrt(a / 2)) ** 2 * scale
        ratio = lower / upper if upper > 0 else 1.0
        rounds.append((theta, picks, gains, chosen_rule, lower, upper, ratio, sat))
        if progress is not None:
            progress(
                SeedProgress(
                    "round",
                    int(theta),
                    int(want),
                    "RR sets",
                    round=rnd,
                    ratio=float(ratio),
                    target=float(target),
                    store_bytes=store(),
                )
            )
        certified = ratio >= target
        if certified and floor_req > theta and floor_cut is None:
            f, why = floor_req, None
            if floor_nodes is not None:
                mv = max(r1.mean_visited(), r2.mean_visited(), 1e-12)
                by_work = int(floor_nodes // mv)
                if by_work < f:
                    f, why = max(by_work, theta), "floor_nodes"
            if cap is not None and fit() < f:
                f, why = max(fit(), theta), "max_memory"
            floor_eff, floor_cut = f, why
        enough = theta >= floor_eff or (min_cover is not None and cov2 >= min_cover)
        if certified and enough:
            stopped = "certified"
            break
        if mem_bound:
            stopped = "certified" if certified else "max_memory"
            break
        if rnd == i_max:
            stopped = "certified" if certified else "max_rounds"
            break
        if max_sets is not None and theta >= max_sets:
            stopped = "certified" if certified else "max_rr_sets"
            break
        theta *= 2
        if certified and floor_cut is not None:
            theta = min(theta, floor_eff)
    pick = rounds[-1]
    if stopped == "max_memory":  # the best ratio certified so far
        pick = max(rounds, key=lambda r: r[6])
    theta_at, picks, gains1, chosen_rule, lower, upper, ratio, saturated = pick
    gains_r2 = r2.marginal_gains(picks)
    estimate = r2.coverage(picks) * W / r2.size if len(picks) else 0.0
    gains1 = np.asarray(gains1, dtype=np.int64)
    visited = r1.visited + r2.visited
    memory = {
        "max_bytes": cap,
        "store_bytes": store(),
        "peak_store_bytes": max(peak[0], store()),
        "greedy_bytes": fixed,
        "rr_nodes": int(visited),
        "stored_members": int(r1.n_members + r2.n_members),
        "mean_rr_set_size": float(visited / max(r1.size + r2.size, 1)),
        "bytes_per_rr_node": float(store() / visited) if visited else None,
        "bytes_per_stored_member": float(store() / max(r1.n_members + r2.n_members, 1)),
        "member_dtype": str(r1.dtype),
    }
    floor = {"requested": floor_req, "applied": int(floor_eff), "shrunk_by": floor_cut}
    return RRSelection(
        nodes=np.asarray(picks, dtype=np.int64),
        gains=gains_r2,
        estimate=float(estimate),
        lower=lower,
        upper=upper,
        ratio=ratio,
        target=target,
        delta=delta,
        rounds=rnd,
        max_rounds=i_max,
        n_rr_sets=int(r1.size + r2.size),
        n_members=r1.n_members + r2.n_members,
        seconds=time.perf_counter() - t0,
        rule=chosen_rule if not unit else rule,
        timings=timings,
        stopped_by=stopped,
        floor=floor,
        memory=memory,
        r1_gains=gains1,
        saturated_after=saturated,
    )
