"""A growing collection of random reverse-reachable (RR) sets.

An RR set is drawn by picking a root user (uniformly, or with probability
proportional to the objective's weight of the user) and collecting every node
that reaches the root in a random live-edge graph (IC), or along the random
in-arc walk (LT). For any seed set ``S``,
``total_weight * P(S meets a random RR set)`` is exactly ``S``'s expected
weighted reach (Borgs, Brautbar, Chayes, Lucier 2014; Tang, Xiao, Shi 2014),
so a fraction of sets hit is an unbiased spread estimate.

Generation runs in chunks of at most :data:`CHUNK` sets (fewer when sets are
large: a chunk visits about :data:`CHUNK_NODES` RR nodes) on a pool of
threads (the kernel releases the GIL). Set ``i`` depends only on ``(key, i)``,
so the collection is the same for any number of workers.

Storage is compact and bounded: a collection can keep only the seed
candidates of each set (renumbered, uint16 when there are at most 65,535
of them: nothing else is needed to choose seeds or to count coverage),
grows in segments that are written once, and stops at an exact set when a
byte budget would be exceeded (the stopping point does not depend on the
workers either).
"""

from __future__ import annotations

import itertools
import os
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np

from graphmodel.seeding import _rr_kernels as K

__all__ = ["RRGraph", "RRCollection", "CHUNK", "CHUNK_NODES"]

#: Sets per task. Fixed (not derived from the worker count) only for tidiness:
#: the sets themselves never depend on the chunking.
CHUNK = 2048
#: RR nodes a chunk should visit: sets per chunk shrink to ``CHUNK_NODES / mean set size`` (large sets).
CHUNK_NODES = 2**22
#: Sets per chunk while a collection is empty (the first sets measure the mean set size).
PILOT = 64


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
        g = K.RRSource(
            self.indptr,
            self.indices,
            self.prob,
            self.node_p,
            self.per_node,
            K.MODEL_LT if self.model == "lt" else K.MODEL_IC,
            self.roots,
            self.cdf,
        )
        off, mem, nxt = K.rr_chunk(g, key, start, count, K.RRScratch(sc[0], sc[1]), sc[2])
        sc[2] = nxt
        return off, mem


class _Segment:
    """Sets ``base .. base + size - 1`` of a collection: ``offsets[: size + 1]``, ``members[: used]``.

    ``offsets`` and ``members`` are the allocated arrays (their bytes are what
    the segment holds); ``ptr``/``sets`` its inverted index when built.
    """

    __slots__ = ("base", "size", "used", "offsets", "members", "ptr", "sets")

    def __init__(self, base: int, size: int, used: int, offsets: np.ndarray, members: np.ndarray) -> None:
        self.base, self.size, self.used = base, size, used
        self.offsets, self.members = offsets, members
        self.ptr: np.ndarray | None = None
        self.sets: np.ndarray | None = None

    def view(self) -> tuple[np.ndarray, np.ndarray]:
        return self.offsets[: self.size + 1], self.members[: self.used]

    @property
    def nbytes(self) -> int:
        b = self.offsets.nbytes + self.members.nbytes
        if self.ptr is not None:
            b += self.ptr.nbytes + self.sets.nbytes
        return int(b)


class RRCollection:
    """RR sets ``0 .. T-1`` of one random stream, stored in segments; extend with :meth:`grow_to`.

    Parameters
    ----------
    graph : an :class:`RRGraph` (or any object with ``n``, ``roots``, ``new_scratch`` and ``sample``)
    key : stream key
    workers : threads (default: all cores); the sets do not depend on it
    keep : bool mask of the nodes to store (default: all). Kept nodes are
        renumbered ``0 .. n_kept - 1`` in node order (uint16 when at most
        65,535 are kept, else int32); the methods taking nodes take global
        node numbers and ignore nodes not kept.
    indexed : build each segment's inverted index (node -> sets) as it is
        drawn, for :meth:`greedy`; its bytes count in :attr:`nbytes`
    """

    def __init__(
        self,
        graph: RRGraph,
        key: int,
        *,
        workers: int | None = None,
        keep: np.ndarray | None = None,
        indexed: bool = False,
    ) -> None:
        self.graph = graph
        self.key = np.uint64(key)
        self.workers = max(1, int(workers or os.cpu_count() or 1))
        n = int(graph.n)
        if keep is None:
            self.kept = None
            self.local = None
            self.n_local = n
            self.dtype = np.dtype(np.int32)
        else:
            keep = np.asarray(keep, dtype=np.bool_)
            self.kept = np.flatnonzero(keep).astype(np.int64)
            self.local = np.full(n, -1, dtype=np.int32)
            self.local[self.kept] = np.arange(self.kept.size, dtype=np.int32)
            self.n_local = int(self.kept.size)
            self.dtype = np.dtype(np.uint16 if self.n_local <= 65535 else np.int32)
        self._filter = self.local is not None and self.n_local < n  # every node kept: numbers unchanged
        self.indexed = bool(indexed)
        self.counts = np.zeros(self.n_local, dtype=np.int64) if indexed else None
        self._segs: list[_Segment] = []
        self.size = 0
        self.visited = 0  # RR nodes drawn, before dropping the nodes not kept
        self.peak_nbytes = 0  # most bytes held during the last grow_to (arrays being regrown included)
        self._local = threading.local()

    # -- sizes -------------------------------------------------------------------
    @property
    def n_members(self) -> int:
        """Members stored (after dropping the nodes not kept)."""
        return int(sum(g.used for g in self._segs))

    @property
    def nbytes(self) -> int:
        """Bytes of the arrays this collection holds (sets, members, inverted indexes)."""
        b = sum(g.nbytes for g in self._segs)
        if self.counts is not None:
            b += self.counts.nbytes
        return int(b)

    def member_bytes(self) -> int:
        """Bytes per stored member: its number, and its entry in the inverted index if indexed."""
        return int(self.dtype.itemsize + (4 if self.indexed else 0))

    def segment_overhead(self) -> int:
        """Fixed bytes of one more segment: its index pointers (and the fill counters used to build them)."""
        return 16 * (self.n_local + 1) if self.indexed else 0

    def mean_visited(self) -> float:
        """Mean RR-set size (all nodes, before dropping those not kept); 0 before any set."""
        return self.visited / self.size if self.size else 0.0

    def mean_stored(self) -> float:
        """Mean number of stored members per set; 0 before any set."""
        return self.n_members / self.size if self.size else 0.0

    # -- generation -------------------------------------------------------------
    def _chunk(self, start: int, count: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Sets ``start .. start+count-1``: stored offsets and members, and the offsets before filtering."""
        sc = getattr(self._local, "sc", None)
        if sc is None:
            sc = self._local.sc = self.graph.new_scratch()
        full, mem = self.graph.sample(self.key, start, count, sc)
        off = full
        if self._filter:
            off, mem = K.keep_members(full, mem, self.local)
        if mem.dtype != self.dtype:
            mem = mem.astype(self.dtype)
        return off, mem, full

    def _per_chunk(self) -> int:
        if self.size == 0:
            return PILOT
        mean = max(1.0, self.mean_visited())
        return int(max(1, min(CHUNK, CHUNK_NODES // mean)))

    def grow_to(
        self, total: int, *, max_bytes: int | None = None, progress: Callable[[int], None] | None = None
    ) -> int:
        """Generate sets until there are ``total`` of them, or until ``max_bytes`` would be exceeded.

        With ``max_bytes``, :attr:`nbytes` stays at most ``max_bytes`` (the
        new segment's arrays are allocated within it, with its inverted index
        when ``indexed``): generation stops before the first set that would
        not fit. ``progress(sets)`` is called as chunks complete. Returns the
        number of sets now held.
        """
        total = int(total)
        if total <= self.size:
            return self.size
        if self.graph.roots.size == 0:
            raise ValueError("no root with positive weight: every target has weight 0")
        count = total - self.size
        mb = self.member_bytes()
        self.peak_nbytes = self.nbytes  # the peak of this call
        room = None  # members the budget allows in this segment
        if max_bytes is not None:
            free = int(max_bytes) - self.nbytes - self.segment_overhead() - 8
            # offsets for no more sets than the budget could hold at half the mean size so far
            count = int(min(count, max(free, 0) // (8 + mb * 0.5 * self.mean_stored())))
            room = (free - 8 * count) // mb
            if count <= 0 or room < 0:
                return self.size
            total = self.size + count
        per = self._per_chunk()
        tasks = [(s, min(per, total - s)) for s in range(self.size, total, per)]
        offsets = np.empty(count + 1, dtype=np.int64)
        offsets[0] = 0
        est = self.mean_stored() * count * 1.1 + 1024 if self.size else 0
        cap = int(est) if room is None else int(min(est, room))
        members = np.empty(max(cap, 0), dtype=self.dtype)
        used = 0
        done = 0
        stop = False
        pool = ThreadPoolExecutor(max_workers=self.workers) if self.workers > 1 and len(tasks) > 1 else None
        pending: deque = deque()
        queue = iter(tasks)

        def submit() -> None:  # keep 2 chunks per worker in flight; results are taken in set order
            for t in itertools.islice(queue, 2 * self.workers - len(pending)):
                pending.append(pool.submit(self._chunk, *t))

        try:
            while True:
                if pool is None:
                    t = next(queue, None)
                    if t is None:
                        break
                    results = [self._chunk(*t)]
                else:
                    submit()
                    if not pending:
                        break
                    results = [pending.popleft().result()]
                    submit()
                for off, mem, full in results:
                    c = off.shape[0] - 1
                    take = c
                    if room is not None and used + int(off[c]) > room:
                        take = int(np.searchsorted(off, room - used, side="right")) - 1
                        stop = True
                    need = used + int(off[take])
                    if need > members.shape[0]:
                        grown = max(need, int(members.shape[0] * 1.5) + 1024)
                        if room is not None:  # the old and the new array live together while copying
                            grown = min(grown, room - members.shape[0])
                            if grown < need:
                                fit = max(grown, members.shape[0])
                                take = int(np.searchsorted(off, fit - used, side="right")) - 1
                                need = used + int(off[take])
                                stop = True
                        if need > members.shape[0]:
                            new = np.empty(grown, dtype=self.dtype)
                            new[:used] = members[:used]
                            self.peak_nbytes = max(
                                self.peak_nbytes, self.nbytes + offsets.nbytes + members.nbytes + new.nbytes
                            )
                            members = new
                    members[used:need] = mem[: int(off[take])]
                    offsets[done + 1 : done + take + 1] = off[1 : take + 1] + used
                    self.visited += int(full[take])
                    used = need
                    done += take
                    if stop:
                        break
                if progress is not None:
                    progress(self.size + done)
                if stop:
                    break
        finally:
            if pool is not None:
                for f in pending:
                    f.cancel()
                pool.shutdown()
        if done == 0:
            return self.size
        seg = _Segment(self.size, done, used, offsets, members)
        self._segs.append(seg)
        self.size += done
        if self.indexed:
            self._index(seg)
        self.peak_nbytes = max(self.peak_nbytes, self.nbytes)
        return self.size

    def _index(self, seg: _Segment) -> None:
        off, mem = seg.view()
        seg.ptr, seg.sets = K.invert(off, mem, self.n_local)
        self.counts += np.diff(seg.ptr)

    def truncate(self, total: int) -> None:
        """Keep only sets ``0 .. total-1`` (``total`` must fall in the last segment)."""
        total = int(total)
        if total >= self.size:
            return
        seg = self._segs[-1]
        if total < seg.base:
            raise ValueError("can only cut the last segment")
        if seg.ptr is not None:
            self.counts -= np.diff(seg.ptr)
            seg.ptr = seg.sets = None
        cut = total - seg.base
        if cut == 0:
            self._segs.pop()
        else:
            seg.used = int(seg.offsets[cut])
            seg.size = cut
            if self.indexed:
                self._index(seg)
        self.size = total

    # -- access -----------------------------------------------------------------
    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """``(offsets, members)`` of every set so far, as one flat pair (a copy; members as stored)."""
        if not self._segs:
            return np.zeros(1, np.int64), np.zeros(0, self.dtype)
        offs = [np.zeros(1, np.int64)]
        mems = []
        base = 0
        for g in self._segs:
            off, mem = g.view()
            offs.append(off[1:] + base)
            mems.append(mem)
            base += g.used
        return np.concatenate(offs), np.concatenate(mems)

    def _local_mask(self, nodes: np.ndarray) -> np.ndarray:
        nodes = np.asarray(nodes, dtype=np.int64)
        mask = np.zeros(self.n_local, dtype=np.bool_)
        if self.local is None:
            mask[nodes] = True
        else:
            loc = self.local[nodes]
            mask[loc[loc >= 0]] = True
        return mask

    def coverage(self, nodes: np.ndarray) -> int:
        """Number of sets holding at least one of ``nodes``."""
        mask = self._local_mask(nodes)
        return int(sum(K.coverage_of(*g.view(), mask) for g in self._segs))

    def estimate(self, nodes: np.ndarray) -> tuple[float, float]:
        """Spread of ``nodes`` and its standard error, from the fraction of sets hit."""
        T = self.size
        f = self.coverage(nodes) / T
        se = np.sqrt(max(f * (1 - f), 0.0) / T)
        return self.graph.total_weight * f, self.graph.total_weight * float(se)

    def marginal_gains(self, picks: np.ndarray) -> np.ndarray:
        """Estimated marginal gain of each pick in order (weight units)."""
        picks = np.asarray(picks, dtype=np.int64)
        loc = picks if self.local is None else self.local[picks].astype(np.int64)
        rank = np.full(self.n_local, -1, dtype=np.int64)
        ok = loc >= 0
        idx = np.arange(len(picks))
        rank[loc[ok][::-1]] = idx[ok][::-1]
        hits = np.zeros(len(picks), dtype=np.int64)
        for g in self._segs:
            hits += K.first_hit_gains(*g.view(), rank, len(picks))
        return hits * (self.graph.total_weight / max(self.size, 1))

    def greedy(self, cand: np.ndarray, cost: np.ndarray, budget: float, *, by_ratio: bool, unit: bool):
        """Greedy max coverage over the indexed segments (see :func:`~graphmodel.seeding._rr_kernels.greedy_cover`).

        ``cand`` and ``cost`` are per global node; returns global picks, their
        coverage gains, the coverage and the upper bound on the optimum's coverage.
        """
        if not self.indexed:
            raise ValueError("greedy needs an indexed collection")
        if self.kept is None:
            lc, lcost = np.asarray(cand, dtype=np.bool_), np.asarray(cost, dtype=np.float64)
        else:
            lc = np.asarray(cand, dtype=np.bool_)[self.kept]
            lcost = np.asarray(cost, dtype=np.float64)[self.kept]
        segments = [(*g.view(), g.ptr, g.sets, g.base) for g in self._segs]
        picks, gains, cov, bound = K.greedy_cover_segments(
            segments, self.counts, self.size, lc, lcost, float(budget), by_ratio, unit
        )
        if self.kept is not None:
            picks = self.kept[picks]
        return picks, gains, cov, bound
