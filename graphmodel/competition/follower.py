"""Seeds for a platform that enters against a rival whose seeds are known (the follower's problem).

The seed rule ``imm-vs:K[:user|merchant|any]`` of a contest: OPIM-C (see
:mod:`graphmodel.seeding.imm`) over *competitive* RR sets
(:mod:`graphmodel.competition._follower_kernel`), so the chosen seeds avoid
users the rival would reach first and aim where the platform arrives before
it. The objective is the users the platform wins by arriving first (a lower
bound on its users in the contest, see the kernel's docstring); the certified
ratio refers to that objective.

Defined for two platforms without switching: with one rival, seeds can only
delay it, which is what makes the bound hold. Ties, multi-homing and the
merchants' carry are those of the contest.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from graphmodel.competition import _follower_kernel as FK
from graphmodel.competition._kernel import FX

if TYPE_CHECKING:
    from graphmodel.propagation.engine import PropagationGraph

__all__ = ["FollowerRRGraph", "follower_seeds", "MIN_COVER"]

#: OPIM-C's floor on the sample (as in :func:`graphmodel.seeds`) stops once the chosen seeds cover this
#: many validation sets (relative standard error of their estimate < 1.6%): when the platform's cascades
#: are supercritical every set is as large as the giant component, and 2^17 of them would be needless.
MIN_COVER = 4096


def _arcs(keep: np.ndarray, by: np.ndarray, other: np.ndarray, arc_key: np.ndarray, prob: np.ndarray, n: int):
    """Arcs ``keep`` grouped by their ``by`` end: (ptr, ``other`` end, coin key, probability, fixed-point probability)."""
    keep = keep[np.argsort(by[keep], kind="stable")]
    ptr = np.zeros(n + 1, np.int64)
    np.cumsum(np.bincount(by[keep], minlength=n), out=ptr[1:])
    p = np.ascontiguousarray(prob[keep], dtype=np.float64)
    return FK.Arcs(
        ptr,
        np.ascontiguousarray(other[keep], dtype=np.int32),
        np.ascontiguousarray(arc_key[keep]),
        p,
        (p * FX).astype(np.int64),
    )


@dataclass(frozen=True, eq=False)
class FollowerRRGraph:
    """Competitive RR sampling: platform ``A`` (probabilities ``prob_a``) against ``B``'s fixed seeds.

    Duck-types :class:`graphmodel.seeding.rrsets.RRGraph` for
    :class:`~graphmodel.seeding.rrsets.RRCollection` and
    :func:`~graphmodel.seeding.imm.opim_c`: roots are the users (uniform), so
    ``total_weight`` is the number of users.
    """

    n: int
    n_users: int
    a: FK.Arcs
    b: FK.Arcs
    f: FK.Arcs
    b_seed: np.ndarray
    b_seeds: np.ndarray
    tie: int
    multihoming: float
    roots: np.ndarray
    cdf: np.ndarray
    total_weight: float
    mode: int = 0  # how the rival's steps are found: 0 adaptive, 1 ball, 2 forwards (the sets are the same)

    @classmethod
    def build(
        cls,
        graph: PropagationGraph,
        prob_a: np.ndarray,
        prob_b: np.ndarray,
        rival_seeds: np.ndarray,
        *,
        tie: int,
        multihoming: float,
    ) -> "FollowerRRGraph":
        """From a :class:`~graphmodel.propagation.engine.PropagationGraph` and per-arc probabilities of both platforms."""
        n, nu = graph.n, graph.n_users
        tails = np.repeat(np.arange(n, dtype=np.int32), np.diff(graph.indptr))
        heads = np.asarray(graph.indices)
        live_a = np.flatnonzero(np.asarray(prob_a) > 0)
        live_b = np.flatnonzero(np.asarray(prob_b) > 0)
        a = _arcs(live_a, heads, tails, graph.arc_key, np.asarray(prob_a), n)
        b = _arcs(live_b, heads, tails, graph.arc_key, np.asarray(prob_b), n)
        f = _arcs(live_b, tails, heads, graph.arc_key, np.asarray(prob_b), n)  # B forwards (already in tail order)
        seeds = np.unique(np.asarray(rival_seeds, dtype=np.int64))
        mask = np.zeros(n, np.bool_)
        mask[seeds] = True
        return cls(
            n,
            nu,
            a,
            b,
            f,
            mask,
            seeds,
            int(tie),
            float(multihoming),
            np.arange(nu, dtype=np.int32),
            np.zeros(0, np.float64),
            float(nu),
        )

    def new_scratch(self) -> list:
        """A thread's work arrays (:data:`~graphmodel.competition._follower_kernel.SetScratch`) and the next stamp."""
        n = max(self.n, 1)
        i32 = np.int32
        ws = FK.SetScratch(
            st_a=np.zeros(n, i32),
            pos_a=np.empty(n, i32),
            queue=np.empty(n, i32),
            st_b=np.zeros(n, i32),
            pos_b=np.empty(n, i32),
            qb=np.empty(n, i32),
            tbn=np.empty(n, np.int64),
            bbn=np.empty(n, np.int64),
            st_v=np.zeros(n, i32),
        )
        return [ws, 1]

    def sample(self, key: np.uint64, start: int, count: int, sc: list) -> tuple[np.ndarray, np.ndarray]:
        ws, stamp = sc
        if stamp + count >= 2**31 - 2:
            for st in (ws.st_a, ws.st_b, ws.st_v):
                st[:] = 0
            stamp = 1
        off, mem, sc[1] = FK.follower_chunk(
            np.uint64(key),
            int(start),
            int(count),
            self.roots,
            self.cdf,
            self.a,
            self.b,
            self.f,
            FK.RivalSeeds(self.b_seed, self.b_seeds),
            int(self.n_users),
            self.tie,
            self.multihoming,
            ws,
            stamp,
            self.mode,
        )
        return off, mem


def follower_seeds(
    graph: PropagationGraph,
    prob_a: np.ndarray,
    prob_b: np.ndarray,
    rival_seeds: np.ndarray,
    *,
    cand: np.ndarray,
    k: int,
    tie: int,
    multihoming: float,
    seed: np.random.SeedSequence,
    epsilon: float = 0.1,
    min_sets: int | None = None,
    workers: int | None = None,
):
    """Choose ``k`` seeds among ``cand`` for platform ``A`` against ``B``'s ``rival_seeds`` (OPIM-C).

    Returns the :class:`~graphmodel.seeding.imm.RRSelection`; its ``estimate``
    and bounds count the users ``A`` wins by arriving first.
    """
    from graphmodel.seeding.imm import opim_c
    from graphmodel.seeding.seeds import min_rr_sets_for

    rr = FollowerRRGraph.build(graph, prob_a, prob_b, rival_seeds, tie=tie, multihoming=multihoming)
    k1, k2 = (int(c.generate_state(1, dtype=np.uint64)[0]) for c in seed.spawn(2))
    # Every user seed that is not the rival's wins at least itself: a lower bound on the optimum.
    free = int(np.count_nonzero(cand[: graph.n_users] & ~rr.b_seed[: graph.n_users]))
    return opim_c(
        rr,
        cand=cand,
        k=int(k),
        epsilon=float(epsilon),
        opt_lower=float(max(1, min(k, free))),
        keys=(k1, k2),
        workers=workers,
        min_sets=min_rr_sets_for(epsilon) if min_sets is None else int(min_sets),
        min_cover=MIN_COVER,
    )
