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

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from graphmodel._seed import SeedLike, as_seed_sequence
from graphmodel.checks import check_optional_nonneg_int, check_positive_int, check_probability
from graphmodel.competition import _kernel as K
from graphmodel.competition.platform import Platform, parse_platform
from graphmodel.ecosystem import LAYERS
from graphmodel.errors import InputError
from graphmodel.estimate import Estimate, estimate
from graphmodel.jsonable import json_number
from graphmodel.propagation.regime import regime

__all__ = ["compete", "contest_seeds", "CompeteResult", "PlatformOutcome", "CompeteSweep", "parse_contest_sweep", "TIE_RULES",
           "CURVE_STEPS", "FOLLOWER_RULE"]

TIE_RULES: dict[str, int] = {"random": K.TIE_RANDOM, "strength": K.TIE_STRENGTH}
#: Steps the share curve covers when ``max_steps`` is not given (final shares are never truncated).
CURVE_STEPS = 200
#: Carry probabilities from this value up draw one coin per merchant arc instead of skipping.
_CARRY_PER_ARC = 0.3
_SWEEP_OPTIONS = ("switching", "lock_in", "multihoming", "merchant_carry")
#: Seed rule of a platform that chooses its seeds against its rival's (see graphmodel.competition.follower).
FOLLOWER_RULE = "imm-vs"


@dataclass(frozen=True)
class PlatformOutcome:
    """Final shares of one platform (see the module docstring for definitions)."""

    users: Estimate
    merchants: Estimate
    gmv: Estimate
    wins: float
    by_layer: dict[str, Estimate] = field(default_factory=dict)
    n_seeds: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "users": self.users.to_dict(),
            "merchants": self.merchants.to_dict(),
            "gmv": self.gmv.to_dict(),
            "wins": float(self.wins),
            "by_layer": {k: v.to_dict() for k, v in self.by_layer.items()},
            "n_seeds": int(self.n_seeds),
        }


@dataclass(frozen=True)
class CompeteSweep:
    """A contest re-run at each value of one parameter, with the same coins (paired).

    ``points[i]`` holds every platform's outcome at ``values[i]``;
    ``paired[i][name]`` the run-by-run difference of the platform's user share
    from the base contest (the contest without the sweep), an Estimate whose
    interval is the paired 95% CI.
    """

    param: str
    values: tuple[float, ...]
    points: tuple[dict[str, PlatformOutcome], ...]
    paired: tuple[dict[str, Estimate], ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "param": self.param,
            "values": [_num(v) for v in self.values],
            "points": [
                {"value": _num(v), "platforms": {k: o.to_dict() for k, o in pt.items()},
                 "paired_users_vs_base": {k: e.to_dict() for k, e in pr.items()}}
                for v, pt, pr in zip(self.values, self.points, self.paired)
            ],
        }


@dataclass(frozen=True)
class CompeteResult:
    """What :func:`compete` returns.

    Attributes
    ----------
    platforms : dict of name to :class:`PlatformOutcome`
    curve_mean, curve_q05, curve_q95 : (P, T) arrays
        User share of each platform after each step (step 0 = seeds): mean
        and 5% / 95% quantiles over runs.
    runs, seed : runs made; entropy of the seed sequence (repeats the result)
    params : every parameter that shaped the result
    regime : per platform, the :class:`~graphmodel.propagation.regime.Regime` of its own cascade
    sweep : :class:`CompeteSweep` or None
    """

    platforms: dict[str, PlatformOutcome]
    curve_mean: np.ndarray
    curve_q05: np.ndarray
    curve_q95: np.ndarray
    runs: int
    seed: int | None
    params: dict[str, Any] = field(default_factory=dict)
    sweep: CompeteSweep | None = None
    regime: dict[str, Any] = field(default_factory=dict)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self.platforms)

    def to_dict(self) -> dict[str, Any]:
        curve: dict[str, Any] = {"steps": list(range(self.curve_mean.shape[1]))}
        for i, name in enumerate(self.platforms):
            curve[name] = {
                "mean": [float(x) for x in self.curve_mean[i]],
                "q05": [float(x) for x in self.curve_q05[i]],
                "q95": [float(x) for x in self.curve_q95[i]],
            }
        return {
            "platforms": {k: v.to_dict() for k, v in self.platforms.items()},
            "curve": curve,
            "runs": int(self.runs),
            "seed": self.seed,
            "params": self.params,
            "sweep": None if self.sweep is None else self.sweep.to_dict(),
            "regime": {k: v.to_dict() for k, v in self.regime.items()},
        }

    def warnings(self) -> list[str]:
        """One line per platform whose cascade is supercritical on some layer."""
        return [f"{name}: {w}" for name, r in self.regime.items() for w in r.warnings()]


def _num(x: Any) -> Any:
    """A JSON number; whole values (budgets) as integers."""
    x = json_number(x)
    return int(x) if x is not None and x.is_integer() else x


# --------------------------------------------------------------------------
# preparation
# --------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class _Arrays:
    graph: Any  # PropagationGraph over the union of layers (structure and coins)
    prob: np.ndarray  # (P, m)
    seg_u: np.ndarray  # (P, L)
    seg_m: np.ndarray  # (P, L)
    seeds: np.ndarray
    seed_ptr: np.ndarray
    n_seeds: tuple[int, ...]
    selections: dict[str, dict[str, Any]] = field(default_factory=dict)  # follower platforms' OPIM-C reports


def _as_platforms(platforms: Any) -> list[Platform]:
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


def _union_layers(platforms: Sequence[Platform]) -> tuple[str, ...]:
    used = {layer for p in platforms for layer in p.layers}
    return tuple(layer for layer in LAYERS if layer in used)


def platform_seeds(eco: Any, p: Platform, ss: np.random.SeedSequence, workers: int | None) -> np.ndarray:
    """Global node numbers of platform ``p``'s seeds (its rules, ``imm:K`` included) drawn from ``ss``."""
    from graphmodel.seedsets import resolve_seeds

    if _follower_rule(p) is not None:
        raise InputError(f"platform {p.name!r}: {FOLLOWER_RULE} seeds depend on the rival's; use contest_seeds",
                         field="seeds")
    spec = p.seed_spec()
    items = [x.strip() for x in spec.split(",") if x.strip()]
    imm = [x for x in items if x.split(":", 1)[0] == "imm"]
    rest = [x for x in items if x.split(":", 1)[0] != "imm"]
    imm_ss, rule_ss = ss.spawn(2)
    parts: list[np.ndarray] = []
    for item in imm:
        k, node_type = _k_and_type(p, item, "imm")
        from graphmodel.seeding import seeds as choose

        res = choose(eco, k=k, method="imm", layers=list(p.layers), prob=dict(p.strength),
                     node_type=None if node_type == "any" else node_type, seed=imm_ss, validate_runs=0, workers=workers)
        parts.append(np.asarray(res.nodes, dtype=np.int64))
    if rest:
        try:
            parts.append(resolve_seeds(eco, ",".join(rest), seed=rule_ss, layers=list(p.layers)))
        except InputError as exc:
            raise InputError(f"platform {p.name!r}: {exc.message}", field="seeds") from None
    nodes = np.concatenate(parts) if parts else np.zeros(0, np.int64)
    return np.asarray(list(dict.fromkeys(nodes.tolist())), dtype=np.int64)


def _platform_arrays(eco: Any, platforms: Sequence[Platform], merchant_carry: float | None, cache: dict | None):
    """Graph over the union of layers and each platform's per-arc probabilities and skip segments."""
    from graphmodel.propagation.engine import prepare

    union = _union_layers(platforms)
    probs, seg_u, seg_m = [], [], []
    graph = None
    for p in platforms:
        spec = {layer: (p.strength[layer] if layer in p.layers else 0.0) for layer in union}
        key = ("graph", tuple(spec.items()))
        g = cache.get(key) if cache is not None else None
        if g is None:
            g = prepare(eco, list(union), spec, model="ic")
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
            prob[int(g.indptr[g.n_users]):] = float(merchant_carry)  # every merchant arc is a payment arc
        probs.append(prob)
        seg_u.append(su)
        seg_m.append(sm)
    return graph, probs, seg_u, seg_m


def _k_and_type(p: Platform, item: str, rule: str) -> tuple[int, str]:
    """``(K, node type)`` of a seed rule ``RULE:K[:user|merchant|any]`` (type defaults to user)."""
    bits = item.split(":")
    try:
        k = int(bits[1])
        node_type = bits[2] if len(bits) > 2 else "user"
        if len(bits) > 3 or node_type not in ("user", "merchant", "any"):
            raise ValueError
    except (ValueError, IndexError):
        raise InputError(f"platform {p.name!r}: bad seed rule {item!r}; expected '{rule}:K[:user|merchant|any]'",
                         field="seeds") from None
    return k, node_type


def _follower_rule(p: Platform) -> tuple[int, str] | None:
    """``(K, node type)`` when ``p``'s seeds are ``imm-vs:K[:type]`` (the only rule then), else None."""
    items = [x.strip() for x in p.seed_spec().split(",") if x.strip()]
    hits = [x for x in items if x.split(":", 1)[0] == FOLLOWER_RULE]
    if not hits:
        return None
    k, node_type = _k_and_type(p, hits[0], FOLLOWER_RULE)
    if len(items) != 1 or k < 1:
        raise InputError(f"platform {p.name!r}: bad seed rule {p.seed_spec()!r}; expected '{FOLLOWER_RULE}:K"
                         "[:user|merchant|any]' with K >= 1 as the platform's only seed rule", field="seeds")
    return k, node_type


def _check_followers(platforms: Sequence[Platform], switching: float) -> None:
    followers = [p.name for p in platforms if _follower_rule(p) is not None]
    if not followers:
        return
    if len(platforms) != 2 or len(followers) != 1:
        raise InputError(f"seed rule {FOLLOWER_RULE!r} (platform {followers[0]!r}) chooses seeds against one rival "
                         f"whose seeds are fixed: it needs exactly two platforms, one of them with other seed rules "
                         f"(got {len(platforms)} platforms, {len(followers)} using it)", field="seeds")
    if switching > 0:
        raise InputError(f"seed rule {FOLLOWER_RULE!r} (platform {followers[0]!r}) assumes users never switch; "
                         f"got switching={switching}", field="switching")


def _digest(a: np.ndarray) -> str:
    """A short key for an array's contents (cache keys without copying millions of values)."""
    import hashlib

    return hashlib.blake2b(memoryview(np.ascontiguousarray(a)).cast("B"), digest_size=16).hexdigest()


def _resolve_seeds(eco, platforms, children, g, probs, *, tie, multihoming, workers, cache):
    """Every platform's seed nodes (followers last, against the others' seeds) and the followers' OPIM-C reports."""
    from graphmodel.competition.follower import follower_seeds

    out: list[np.ndarray | None] = [None] * len(platforms)
    reports: dict[str, dict[str, Any]] = {}
    rules = [_follower_rule(p) for p in platforms]
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
        skey = ("follower", p.seed_spec(), p.layers, tuple(p.strength.items()), i, _digest(rival),
                _digest(probs[i]), _digest(probs[j]), tie, float(multihoming))
        hit = cache.get(skey) if cache is not None else None
        if hit is None:
            cand = np.zeros(g.n, np.bool_)
            if node_type in ("user", "any"):
                cand[: g.n_users] = True
            if node_type in ("merchant", "any"):
                cand[g.n_users:] = True
            if k > int(cand.sum()):
                raise InputError(f"platform {p.name!r}: K={k} exceeds the {int(cand.sum())} candidate "
                                 f"{node_type if node_type != 'any' else 'node'}s", field="seeds")
            sel = follower_seeds(g, probs[i], probs[j], rival, cand=cand, k=k, tie=TIE_RULES[tie],
                                 multihoming=multihoming, seed=children[i], workers=workers)
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


def contest_seeds(
    eco: Any,
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
    plats = _as_platforms(platforms)
    _check_options(tie, switching, 0.0, multihoming, merchant_carry, 1, None)
    _check_followers(plats, switching)
    seed_ss = as_seed_sequence(seed)
    g, probs, _, _ = _platform_arrays(eco, plats, merchant_carry, None)
    return _resolve_seeds(eco, plats, seed_ss.spawn(len(plats)), g, probs, tie=tie, multihoming=multihoming,
                          workers=workers, cache=None)


def _prepare(eco: Any, platforms: Sequence[Platform], merchant_carry: float | None, seed_ss: np.random.SeedSequence,
             workers: int | None, cache: dict | None = None, *, tie: str = "random", multihoming: float = 0.0) -> _Arrays:
    g, probs, seg_u, seg_m = _platform_arrays(eco, platforms, merchant_carry, cache)
    seed_parts, reports = _resolve_seeds(eco, platforms, seed_ss.spawn(len(platforms)), g, probs, tie=tie,
                                         multihoming=multihoming, workers=workers, cache=cache)
    seed_ptr = np.zeros(len(platforms) + 1, np.int64)
    seed_ptr[1:] = np.cumsum([s.size for s in seed_parts])
    return _Arrays(
        graph=g,
        prob=np.ascontiguousarray(np.stack(probs)),
        seg_u=np.ascontiguousarray(np.stack(seg_u)),
        seg_m=np.ascontiguousarray(np.stack(seg_m)),
        seeds=np.concatenate(seed_parts).astype(np.int64) if seed_parts else np.zeros(0, np.int64),
        seed_ptr=seed_ptr,
        n_seeds=tuple(int(s.size) for s in seed_parts),
        selections=reports,
    )


def _payments(eco: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, float, str]:
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
class _Raw:
    users: np.ndarray
    merch: np.ndarray
    gmv: np.ndarray
    layers: np.ndarray
    curve: np.ndarray
    steps: np.ndarray


def _run(eco, arr: _Arrays, pay, *, key, runs, tie, switching, lock_in, multihoming, max_steps, curve_len, workers,
         progress, done0=0, total=None) -> _Raw:
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
            out = K.compete_batch(
                np.uint64(key), int(done), int(n), int(max(1, min(n, n_workers))), g.indptr, g.indices, g.lptr,
                g.arc_key, arr.prob, arr.seg_u, arr.seg_m, g.seg_key, K.platform_keys(arr.prob.shape[0]), arr.seeds,
                arr.seed_ptr, int(g.n_users), int(TIE_RULES[tie]), float(switching), float(lock_in), float(multihoming),
                -1 if max_steps is None else int(max_steps), int(curve_len), pay[0], pay[1], pay[2],
            )
            parts.append(out)
            done += n
            if progress is not None:
                progress(done0 + done, total or runs)
    return _Raw(*(np.concatenate([p[i] for p in parts]) for i in range(6)))


def _outcomes(eco, raw: _Raw, names, union, n_seeds, total_w) -> dict[str, PlatformOutcome]:
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


# --------------------------------------------------------------------------
# sweeps
# --------------------------------------------------------------------------
def parse_contest_sweep(text: str) -> tuple[str, tuple[float, ...]]:
    """``"wallet.budget=10:100:10"`` -> ("wallet.budget", (10, 20, ..., 100)).

    Values: ``START:STOP:NUM`` (NUM evenly spaced values, both ends included),
    a comma-separated list, or one value. Parameters: ``NAME.budget``,
    ``NAME.strength.LAYER``, and the contest options ``switching``,
    ``lock_in``, ``multihoming``, ``merchant_carry``.

    Examples
    --------
    >>> parse_contest_sweep("wallet.strength.payment=0.05:0.2:4")
    ('wallet.strength.payment', (0.05, 0.1, 0.15, 0.2))
    """
    if not isinstance(text, str) or "=" not in text:
        raise InputError(f"expected 'PARAM=START:STOP:NUM' or 'PARAM=v1,v2,...', got {text!r}", field="sweep")
    param, values = (s.strip() for s in text.split("=", 1))
    try:
        if ":" in values:
            a, b, n = values.split(":")
            num = int(n)
            if num < 1:
                raise ValueError
            vals = tuple(float(x) for x in np.round(np.linspace(float(a), float(b), num), 12))
        else:
            vals = tuple(float(x) for x in values.split(",") if x.strip())
    except ValueError:
        raise InputError(f"bad sweep values {values!r}; expected START:STOP:NUM (NUM >= 1) or v1,v2,...",
                         field="sweep") from None
    if not vals or not all(math.isfinite(v) for v in vals):
        raise InputError(f"bad sweep values {values!r}", field="sweep")
    return param, vals


def _apply(param: str, value: float, platforms: list[Platform], options: dict[str, Any]) -> tuple[list[Platform], dict]:
    parts = param.split(".")
    if parts[0] == "contest":
        parts = parts[1:]
    if len(parts) == 1 and parts[0] in _SWEEP_OPTIONS:
        return platforms, {**options, parts[0]: value}
    names = [p.name for p in platforms]
    if parts[0] not in names:
        raise InputError(f"sweep parameter {param!r}: no platform {parts[0]!r} (platforms: {', '.join(names)}); "
                         f"contest options: {', '.join(_SWEEP_OPTIONS)}", field="sweep")
    i = names.index(parts[0])
    p = platforms[i]
    if parts[1:] == ["budget"]:
        if not float(value).is_integer() or value < 1:
            raise InputError(f"sweep {param}: a budget must be a positive integer, got {value}", field="sweep")
        p = p.with_budget(int(value))
    elif len(parts) == 3 and parts[1] == "strength":
        if not 0.0 <= value <= 1.0:
            raise InputError(f"sweep {param}: a strength must be in [0, 1], got {value}", field="sweep")
        p = p.with_strength(parts[2], float(value))
    else:
        raise InputError(f"sweep parameter {param!r}: expected NAME.budget or NAME.strength.LAYER", field="sweep")
    return [*platforms[:i], p, *platforms[i + 1:]], options


def _check_options(tie, switching, lock_in, multihoming, merchant_carry, runs, max_steps) -> None:
    if tie not in TIE_RULES:
        raise InputError(f"unknown tie rule {tie!r}; expected {' or '.join(TIE_RULES)}", field="tie")
    for name, v in (("switching", switching), ("lock_in", lock_in), ("multihoming", multihoming)):
        check_probability(v, name)
    if merchant_carry is not None and (isinstance(merchant_carry, bool) or not 0.0 <= merchant_carry <= 1.0):
        raise InputError(f"merchant_carry must be in [0, 1] or None, got {merchant_carry!r}", field="merchant_carry")
    check_positive_int(runs, "runs")
    check_optional_nonneg_int(max_steps, "max_steps")


def compete(
    eco: Any,
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
    params: Any = None,
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
    plats = _as_platforms(platforms)
    fitted_sources: dict[str, dict[str, str]] = {}
    if params is not None:
        from graphmodel.fitting.params import as_params  # fitting sits beside competition: import at use

        fitted = as_params(params)
        fp, src = fitted.prob_spec(), fitted.sources()
        new = []
        for p in plats:
            take = {k: v for k, v in fp.items() if k in p.layers and k not in p.strength_given}
            fitted_sources[p.name] = {k: src[f"prob.{k}"] if k in take else "given" if k in p.strength_given
                                      else "default" for k in p.layers}
            new.append(replace(p, strength={**p.strength, **take}) if take else p)
        plats = new
    _check_options(tie, switching, lock_in, multihoming, merchant_carry, runs, max_steps)
    _check_followers(plats, switching)
    ss = as_seed_sequence(seed)
    seed_ss, run_ss = ss.spawn(2)
    from graphmodel.propagation.engine import base_key

    key = base_key(run_ss)
    options = {"switching": float(switching), "lock_in": float(lock_in), "multihoming": float(multihoming),
               "merchant_carry": None if merchant_carry is None else float(merchant_carry)}
    sweep_spec = parse_contest_sweep(sweep) if sweep is not None else None
    if sweep_spec is not None:  # validate every point before running anything
        for v in sweep_spec[1]:
            _p, _o = _apply(sweep_spec[0], v, plats, options)
            _check_options(tie, _o["switching"], _o["lock_in"], _o["multihoming"], _o["merchant_carry"], runs, max_steps)
            _check_followers(_p, _o["switching"])
    curve_len = (max_steps + 1) if max_steps is not None else CURVE_STEPS + 1
    pay = _payments(eco)
    names = tuple(p.name for p in plats)
    total = runs * (1 + (len(sweep_spec[1]) if sweep_spec else 0))
    cache: dict = {}

    def run_one(pl, opts, done0):
        arr = _prepare(eco, pl, opts["merchant_carry"], seed_ss, workers, cache, tie=tie,
                       multihoming=opts["multihoming"])
        raw = _run(eco, arr, pay[:3], key=key, runs=runs, tie=tie, switching=opts["switching"],
                   lock_in=opts["lock_in"], multihoming=opts["multihoming"], max_steps=max_steps,
                   curve_len=curve_len, workers=workers, progress=progress, done0=done0, total=total)
        return arr, raw

    arr, raw = run_one(plats, options, 0)
    union = _union_layers(plats)
    outcomes = _outcomes(eco, raw, names, union, arr.n_seeds, pay[3])
    last = int(min(raw.steps.max(initial=0), curve_len - 1)) + 1
    share = raw.curve[:, :, :last] / max(eco.n_users, 1)
    sweep_res = None
    if sweep_spec is not None:
        points, paired = [], []
        for i, v in enumerate(sweep_spec[1]):
            pl, opts = _apply(sweep_spec[0], v, plats, options)
            a2, r2 = run_one(pl, opts, runs * (i + 1))
            points.append(_outcomes(eco, r2, names, _union_layers(pl), a2.n_seeds, pay[3]))
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
        "seed_nodes": {n: (eco.node_ids(arr.seeds[arr.seed_ptr[i]:arr.seed_ptr[i + 1]])
                           if arr.n_seeds[i] <= 1000 else None) for i, n in enumerate(names)},
        "random": "counter-based; coins keyed on (run, layer, edge, direction, platform position)",
    }
    if arr.selections:
        info["seed_selection"] = arr.selections
    if fitted_sources:
        info["sources"] = fitted_sources
    reg_ss = ss.spawn(1)[0].spawn(len(plats))
    regimes = {p.name: regime(eco, layers=p.layers, prob=p.strength, seed=reg_ss[i])
               for i, p in enumerate(plats)} if regime_check else {}
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
