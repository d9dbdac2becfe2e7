"""The low-level face of the competition kernel: platforms in, flat arrays, raw per-run counts out.

:func:`prepare` builds a :class:`ContestArrays` (the graph over the union of
the platforms' layers, each platform's per-arc probabilities and skip
segments, every platform's seeds through :func:`resolve_seeds`, which caches
them across the points of a sweep); :func:`payments` groups the payment edges
by user for the GMV outcome; :func:`run_contest` runs the compiled kernel
(:mod:`graphmodel.competition._kernel`) in batches; :func:`platform_outcomes` turns the
raw counts into each platform's shares.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from graphmodel.competition import _kernel as K
from graphmodel.competition.platform import Platform
from graphmodel.competition.result import PlatformOutcome
from graphmodel.competition.seed_rules import follower_rule, platform_seeds
from graphmodel.ecosystem import LAYERS, Ecosystem
from graphmodel.errors import InputError
from graphmodel.estimate import estimate

__all__ = [
    "TIE_RULES",
    "CURVE_STEPS",
    "ContestArrays",
    "RawContest",
    "union_layers",
    "platform_arrays",
    "resolve_seeds",
    "prepare",
    "payments",
    "run_contest",
    "platform_outcomes",
]

TIE_RULES: dict[str, int] = {"random": K.TIE_RANDOM, "strength": K.TIE_STRENGTH}
#: Steps the share curve covers when ``max_steps`` is not given (final shares are never truncated).
CURVE_STEPS = 200
#: Carry probabilities from this value up draw one coin per merchant arc instead of skipping.
_CARRY_PER_ARC = 0.3


@dataclass(frozen=True, eq=False)
class ContestArrays:
    """What the competition kernel runs on: one graph, and per platform its probabilities, segments and seeds."""

    graph: Any  # PropagationGraph over the union of layers (structure and coins)
    prob: np.ndarray  # (P, m)
    seg_u: np.ndarray  # (P, L)
    seg_m: np.ndarray  # (P, L)
    seeds: np.ndarray
    seed_ptr: np.ndarray
    n_seeds: tuple[int, ...]
    selections: dict[str, dict[str, Any]] = field(default_factory=dict)  # follower platforms' OPIM-C reports


def union_layers(platforms: Sequence[Platform]) -> tuple[str, ...]:
    """The layers any platform spreads on, in the ecosystem's layer order."""
    used = {layer for p in platforms for layer in p.layers}
    return tuple(layer for layer in LAYERS if layer in used)


def platform_arrays(eco: Ecosystem, platforms: Sequence[Platform], merchant_carry: float | None, cache: dict | None):
    """Graph over the union of layers and each platform's per-arc probabilities and skip segments."""
    from graphmodel.propagation.engine import prepare as prepare_graph

    union = union_layers(platforms)
    probs, seg_u, seg_m = [], [], []
    graph = None
    for p in platforms:
        spec = {layer: (p.strength[layer] if layer in p.layers else 0.0) for layer in union}
        key = ("graph", tuple(spec.items()))
        g = cache.get(key) if cache is not None else None
        if g is None:
            g = prepare_graph(eco, list(union), spec, model="ic")
            if cache is not None:
                cache[key] = g
        graph = graph or g
        prob = g.prob.copy()
        su = g.seg_p.copy()
        sm = g.seg_p.copy()
        if merchant_carry is not None and "payment" in p.layers:
            lp = union.index("payment")
            # A high carry is cheaper arc by arc (one hash) than by geometric skipping (one log per success).
            sm[lp] = float(merchant_carry) if merchant_carry < _CARRY_PER_ARC else -1.0
            prob[int(g.indptr[g.n_users]) :] = float(merchant_carry)  # every merchant arc is a payment arc
        probs.append(prob)
        seg_u.append(su)
        seg_m.append(sm)
    return graph, probs, seg_u, seg_m


def _digest(a: np.ndarray) -> str:
    """A short key for an array's contents (cache keys without copying millions of values)."""
    import hashlib

    return hashlib.blake2b(memoryview(np.ascontiguousarray(a)).cast("B"), digest_size=16).hexdigest()


def resolve_seeds(eco, platforms, children, g, probs, *, tie, multihoming, workers, cache):
    """Every platform's seed nodes (followers last, against the others' seeds) and the followers' OPIM-C reports."""
    from graphmodel.competition.follower import follower_seeds

    out: list[np.ndarray | None] = [None] * len(platforms)
    reports: dict[str, dict[str, Any]] = {}
    rules = [follower_rule(p) for p in platforms]
    for i in sorted(range(len(platforms)), key=lambda i: rules[i] is not None):  # followers last
        p = platforms[i]
        rule = rules[i]
        if rule is None:
            skey = ("seeds", p.seed_spec(), p.layers, tuple(p.strength.items()), i)
            s = cache.get(skey) if cache is not None else None
            if s is None:
                s = platform_seeds(eco, p, children[i], workers)
            if cache is not None:
                cache[skey] = s
            out[i] = s
            continue
        j = 1 - i
        k, node_type = rule
        rival = out[j]
        skey = (
            "follower",
            p.seed_spec(),
            p.layers,
            tuple(p.strength.items()),
            i,
            _digest(rival),
            _digest(probs[i]),
            _digest(probs[j]),
            tie,
            float(multihoming),
        )
        hit = cache.get(skey) if cache is not None else None
        if hit is None:
            cand = np.zeros(g.n, np.bool_)
            if node_type in ("user", "any"):
                cand[: g.n_users] = True
            if node_type in ("merchant", "any"):
                cand[g.n_users :] = True
            if k > int(cand.sum()):
                raise InputError(
                    f"platform {p.name!r}: K={k} exceeds the {int(cand.sum())} candidate "
                    f"{node_type if node_type != 'any' else 'node'}s",
                    field="seeds",
                )
            sel = follower_seeds(
                g,
                probs[i],
                probs[j],
                rival,
                cand=cand,
                k=k,
                tie=TIE_RULES[tie],
                multihoming=multihoming,
                seed=children[i],
                workers=workers,
            )
            n_users = max(g.n_users, 1)
            report = {
                "seed_rule": p.seed_spec(),
                "against": platforms[j].name,
                "objective": "users won by arriving first (a lower bound on the platform's users)",
                "estimate_users_share": sel.estimate / n_users,
                "lower_bound_users_share": sel.lower / n_users,
                "guarantee": sel.guarantee(),
                "n_rr_sets": int(sel.n_rr_sets),
                "seconds": float(sel.seconds),
            }
            hit = (np.asarray(sel.nodes, dtype=np.int64), report)
            if cache is not None:
                cache[skey] = hit
        out[i], reports[p.name] = hit
    return out, reports


def prepare(
    eco: Ecosystem,
    platforms: Sequence[Platform],
    merchant_carry: float | None,
    seed_ss: np.random.SeedSequence,
    workers: int | None,
    cache: dict | None = None,
    *,
    tie: str = "random",
    multihoming: float = 0.0,
) -> ContestArrays:
    """Everything the kernel needs for ``platforms`` (``cache`` keeps graphs and seeds across a sweep's points)."""
    g, probs, seg_u, seg_m = platform_arrays(eco, platforms, merchant_carry, cache)
    seed_parts, reports = resolve_seeds(
        eco,
        platforms,
        seed_ss.spawn(len(platforms)),
        g,
        probs,
        tie=tie,
        multihoming=multihoming,
        workers=workers,
        cache=cache,
    )
    seed_ptr = np.zeros(len(platforms) + 1, np.int64)
    seed_ptr[1:] = np.cumsum([s.size for s in seed_parts])
    prob, seg_u_rows, seg_m_rows = stack_platforms(probs, seg_u, seg_m)
    return ContestArrays(
        graph=g,
        prob=prob,
        seg_u=seg_u_rows,
        seg_m=seg_m_rows,
        seeds=np.concatenate(seed_parts).astype(np.int64) if seed_parts else np.zeros(0, np.int64),
        seed_ptr=seed_ptr,
        n_seeds=tuple(int(s.size) for s in seed_parts),
        selections=reports,
    )


def stack_platforms(probs, seg_u, seg_m) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The per-platform probabilities and skip segments as the kernel reads them: one contiguous row each."""
    return tuple(np.ascontiguousarray(np.stack(x)) for x in (probs, seg_u, seg_m))


def contest_batch(
    g,
    prob: np.ndarray,
    seg_u: np.ndarray,
    seg_m: np.ndarray,
    seeds: np.ndarray,
    seed_ptr: np.ndarray,
    pay,
    *,
    key: int,
    run_start: int,
    runs: int,
    threads: int,
    tie: int,
    switching: float,
    lock_in: float,
    multihoming: float,
    max_steps: int | None,
    curve_len: int,
) -> tuple[np.ndarray, ...]:
    """Runs ``run_start .. run_start + runs - 1`` in the compiled kernel (``tie``: its code); the six per-run arrays.

    The one call of the kernel, locally (:func:`run_contest`) and on a cluster's workers.
    """
    return K.compete_batch(
        np.uint64(key),
        int(run_start),
        int(runs),
        int(max(1, min(runs, threads))),
        K.ContestGraph(g.lptr, g.indices, g.arc_key, g.seg_key, int(g.n_users)),
        K.Platforms(prob, seg_u, seg_m, K.platform_keys(prob.shape[0]), seeds, seed_ptr),
        K.Rules(
            tie=int(tie),
            switching=float(switching),
            lock_in=float(lock_in),
            multihoming=float(multihoming),
            max_steps=-1 if max_steps is None else int(max_steps),
        ),
        K.Payments(*pay),
        int(curve_len),
    )


def payments(eco: Ecosystem) -> tuple[np.ndarray, np.ndarray, np.ndarray, float, str]:
    """Payment edges grouped by user: (ptr, merchant global number, weight), total weight, weight column."""
    U = eco.n_users
    t = eco.edges("payment")
    src = np.asarray(t["src"], dtype=np.int64)
    dst = np.asarray(t["dst"], dtype=np.int64)
    col = next((c for c in ("amount", "count") if c in t and t[c].dtype.kind in "iuf"), None)
    w = np.ones(src.size) if col is None else np.nan_to_num(np.asarray(t[col], dtype=np.float64), nan=0.0)
    if src.size and not bool(np.all(src[1:] >= src[:-1])):
        order = np.argsort(src, kind="stable")
        dst, w = dst[order], w[order]
    ptr = np.zeros(U + 1, np.int64)
    ptr[1:] = np.cumsum(np.bincount(src, minlength=U))
    return ptr, (dst + U).astype(np.int32), np.ascontiguousarray(w), float(w.sum()), col or "1 per edge"


@dataclass(frozen=True)
class RawContest:
    """Per-run counts from the kernel: users, merchants, GMV and users by layer per platform, share curve, steps."""

    users: np.ndarray
    merch: np.ndarray
    gmv: np.ndarray
    layers: np.ndarray
    curve: np.ndarray
    steps: np.ndarray


def run_contest(
    eco,
    arr: ContestArrays,
    pay,
    *,
    key,
    runs,
    tie,
    switching,
    lock_in,
    multihoming,
    max_steps,
    curve_len,
    workers,
    progress,
    done0=0,
    total=None,
) -> RawContest:
    """Runs ``0..runs-1`` of the contest on ``arr`` (in 20 batches when ``progress`` is given, to report it)."""
    import numba

    from graphmodel.kernels.cpu import threads

    g = arr.graph
    batch = runs if progress is None else max(1, math.ceil(runs / 20))
    parts = []
    done = 0
    with threads(workers):
        n_workers = numba.get_num_threads()  # runs are handed out one at a time: one worker per thread
        while done < runs:
            n = min(batch, runs - done)
            out = contest_batch(
                g,
                arr.prob,
                arr.seg_u,
                arr.seg_m,
                arr.seeds,
                arr.seed_ptr,
                pay,
                key=key,
                run_start=done,
                runs=n,
                threads=n_workers,
                tie=TIE_RULES[tie],
                switching=switching,
                lock_in=lock_in,
                multihoming=multihoming,
                max_steps=max_steps,
                curve_len=curve_len,
            )
            parts.append(out)
            done += n
            if progress is not None:
                progress(done0 + done, total or runs)
    return RawContest(*(np.concatenate([p[i] for p in parts]) for i in range(6)))


def platform_outcomes(eco, raw: RawContest, names, union, n_seeds, total_w) -> dict[str, PlatformOutcome]:
    """Each platform's shares of users, merchants and GMV, its wins and its users by layer, over the runs."""
    U, M = eco.n_users, eco.n_merchants
    users = raw.users / max(U, 1)
    top = raw.users.max(axis=1, keepdims=True)
    is_top = raw.users == top
    wins = (is_top / is_top.sum(axis=1, keepdims=True)).mean(axis=0)
    out = {}
    for i, name in enumerate(names):
        by_layer = {"seed": estimate(raw.layers[:, i, len(union)] / max(U, 1))}
        for lid, layer in enumerate(union):
            by_layer[layer] = estimate(raw.layers[:, i, lid] / max(U, 1))
        out[name] = PlatformOutcome(
            users=estimate(users[:, i]),
            merchants=estimate(raw.merch[:, i] / M) if M else estimate([math.nan]),
            gmv=estimate(raw.gmv[:, i] / total_w) if total_w > 0 else estimate([math.nan]),
            wins=float(wins[i]),
            by_layer=by_layer,
            n_seeds=int(n_seeds[i]),
        )
    return out
