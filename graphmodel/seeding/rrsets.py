"""A growing collection of random reverse-reachable (RR) sets.

An RR set is drawn by picking a root user (uniformly, or with probability
proportional to the objective's weight of the user) and collecting every node
that reaches the root in a random live-edge graph (IC), or along the random
in-arc walk (LT). For any seed set ``S``,
``total_weight * P(S meets a random RR set)`` is exactly ``S``'s expected
weighted reach (Borgs, Brautbar, Chayes, Lucier 2014; Tang, Xiao, Shi 2014),
so a fraction of sets hit is an unbiased spread estimate.

Generation runs in chunks of :data:`CHUNK` sets on a pool of threads (the
kernel releases the GIL). Set ``i`` depends only on ``(key, i)``, so the
collection is the same for any number of workers.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np

from graphmodel.seeding import _rr_kernels as K

__all__ = ["RRGraph", "RRCollection", "CHUNK"]

#: Sets per task. Fixed (not derived from the worker count) only for tidiness:
#: the sets themselves never depend on the chunking.
CHUNK = 2048


@dataclass(frozen=True, eq=False)
class RRGraph:
    """What RR-set sampling needs: the reversed arcs, their probabilities and the roots.

    Attributes
    ----------
    indptr, indices : reversed CSR (``indices[indptr[v]:indptr[v+1]]`` can activate ``v``)
    prob : float64 per reversed arc
    node_p : float64 per node; meaningful when ``per_node`` (all arcs into a node share it)
    per_node : bool
    model : ``"ic"`` or ``"lt"``
    roots : int32 root candidates (users with positive weight)
    cdf : float64 cumulative root probabilities, empty when roots are uniform
    total_weight : sum of the roots' weights (the spread scale)
    n : number of nodes
    """

    indptr: np.ndarray
    indices: np.ndarray
    prob: np.ndarray
    node_p: np.ndarray
    per_node: bool
    model: str
    roots: np.ndarray
    cdf: np.ndarray
    total_weight: float
    n: int

    @classmethod
    def from_propagation(cls, graph: Any, *, model: str, weights: np.ndarray | None = None) -> "RRGraph":
        """Reverse the arcs of a :class:`graphmodel.propagation.engine.PropagationGraph` (same probabilities)."""
        rptr, rind, rprob = K.transpose(graph.indptr, graph.indices, graph.prob)
        return cls.build(rptr, rind, rprob, model=model, n_users=graph.n_users, weights=weights)

    @classmethod
    def build(
        cls,
        indptr: np.ndarray,
        indices: np.ndarray,
        prob: np.ndarray,
        *,
        model: str,
        n_users: int,
        weights: np.ndarray | None = None,
    ) -> "RRGraph":
        """Prepare arrays for the kernels; detect per-node probabilities (uniform IC, weighted cascade)."""
        indptr = np.ascontiguousarray(indptr, dtype=np.int64)
        indices = np.ascontiguousarray(indices, dtype=np.int32)
        prob = np.ascontiguousarray(prob, dtype=np.float64)
        n = indptr.shape[0] - 1
        deg = np.diff(indptr)
        first = np.zeros(n, dtype=np.float64)
        has = deg > 0
        first[has] = prob[indptr[:-1][has]]
        per_node = bool(np.array_equal(np.repeat(first, deg), prob))
        if weights is None:
            roots = np.arange(n_users, dtype=np.int32)
            cdf = np.zeros(0, dtype=np.float64)
            total = float(n_users)
        else:
            w = np.asarray(weights, dtype=np.float64)
            roots = np.flatnonzero(w > 0).astype(np.int32)
            pw = w[roots]
            total = float(pw.sum())
            if roots.size == np.count_nonzero(w == w.max()) and roots.size == n_users:
                cdf = np.zeros(0, dtype=np.float64)  # all equal: uniform
            else:
                cdf = np.cumsum(pw) / total if total > 0 else np.zeros(0)
        return cls(indptr, indices, prob, first, per_node, model, roots, cdf, total, n)

    # The two methods RRCollection samples through (a competitive sampler provides the same pair).
    def new_scratch(self) -> list:
        """Per-thread work arrays: stamps, a queue, the next stamp."""
        return [np.zeros(self.n, dtype=np.int32), np.empty(max(self.n, 1), dtype=np.int32), 1]

    def sample(self, key: np.uint64, start: int, count: int, sc: list) -> tuple[np.ndarray, np.ndarray]:
        """RR sets ``start .. start+count-1`` of stream ``key`` as ``(offsets, members)``."""
        if sc[2] + count >= 2**31 - 2:
            sc[0][:] = 0
            sc[2] = 1
        off, mem, nxt = K.rr_chunk(
            self.indptr, self.indices, self.prob, self.node_p, self.per_node,
            K.MODEL_LT if self.model == "lt" else K.MODEL_IC, self.roots, self.cdf, key, start, count,
            sc[0], sc[1], sc[2],
        )
        sc[2] = nxt
        return off, mem


class RRCollection:
    """RR sets ``0 .. T-1`` of one random stream, stored flat; extend with :meth:`grow_to`."""

    def __init__(self, graph: RRGraph, key: int, *, workers: int | None = None) -> None:
        self.graph = graph
        self.key = np.uint64(key)
        self.workers = max(1, int(workers or os.cpu_count() or 1))
        self._offsets = [np.zeros(1, dtype=np.int64)]
        self._members: list[np.ndarray] = []
        self._flat: tuple[np.ndarray, np.ndarray] | None = (np.zeros(1, np.int64), np.zeros(0, np.int32))
        self.size = 0
        self._local = threading.local()

    # -- generation -------------------------------------------------------------
    def _chunk(self, start: int, count: int) -> tuple[np.ndarray, np.ndarray]:
        sc = getattr(self._local, "sc", None)
        if sc is None:
            sc = self._local.sc = self.graph.new_scratch()
        return self.graph.sample(self.key, start, count, sc)

    def grow_to(self, total: int) -> None:
        """Generate sets until there are ``total`` of them."""
        total = int(total)
        if total <= self.size:
            return
        if self.graph.roots.size == 0:
            raise ValueError("no root with positive weight: every target has weight 0")
        starts = list(range(self.size, total, CHUNK))
        tasks = [(s, min(CHUNK, total - s)) for s in starts]
        if self.workers == 1 or len(tasks) == 1:
            results = [self._chunk(s, c) for s, c in tasks]
        else:
            with ThreadPoolExecutor(max_workers=self.workers) as pool:
                results = list(pool.map(lambda t: self._chunk(*t), tasks))
        base = int(self._offsets[-1][-1]) if self._offsets else 0
        for off, mem in results:
            self._offsets.append(off[1:] + base)
            self._members.append(mem)
            base += int(mem.shape[0])
        self.size = total
        self._flat = None

    # -- access -----------------------------------------------------------------
    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """``(offsets, members)`` of every set so far (concatenated once, then cached)."""
        if self._flat is None:
            offsets = np.concatenate(self._offsets)
            members = np.concatenate(self._members) if self._members else np.zeros(0, np.int32)
            self._offsets = [offsets]
            self._members = [members]
            self._flat = (offsets, members)
        return self._flat

    def coverage(self, nodes: np.ndarray) -> int:
        """Number of sets holding at least one of ``nodes``."""
        offsets, members = self.arrays()
        mask = np.zeros(self.graph.n, dtype=np.bool_)
        mask[np.asarray(nodes, dtype=np.int64)] = True
        return int(K.coverage_of(offsets, members, mask))

    def estimate(self, nodes: np.ndarray) -> tuple[float, float]:
        """Spread of ``nodes`` and its standard error, from the fraction of sets hit."""
        T = self.size
        f = self.coverage(nodes) / T
        se = np.sqrt(max(f * (1 - f), 0.0) / T)
        return self.graph.total_weight * f, self.graph.total_weight * float(se)

    def marginal_gains(self, picks: np.ndarray) -> np.ndarray:
        """Estimated marginal gain of each pick in order (weight units)."""
        offsets, members = self.arrays()
        rank = np.full(self.graph.n, -1, dtype=np.int64)
        picks = np.asarray(picks, dtype=np.int64)
        rank[picks[::-1]] = np.arange(len(picks))[::-1]
        hits = K.first_hit_gains(offsets, members, rank, len(picks))
        return hits * (self.graph.total_weight / max(self.size, 1))

    @property
    def n_members(self) -> int:
        return int(sum(m.shape[0] for m in self._members))
