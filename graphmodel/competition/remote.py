"""Competition runs on a Dask cluster: the same runs as :func:`~graphmodel.competition.compete`, split over workers.

The client resolves every platform's seeds (its rules, ``imm:K`` and
follower choices) and ships them; each worker rebuilds the per-platform
arrays (probabilities, skip segments, payment weights) from the ecosystem it
opens (:mod:`graphmodel.cluster`) and the platforms, which are deterministic
functions of both, and runs ``compete_batch`` on its range of runs. Run
``r`` depends on the key and ``r`` only, and the per-run outcomes come back
in run order, so the result is the local one to the bit.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from graphmodel import clients, cluster
from graphmodel.competition.engine import contest_batch, payments, platform_arrays, stack_platforms

if TYPE_CHECKING:
    from distributed import Client

    from graphmodel.ecosystem import Ecosystem

__all__ = ["run_on_cluster"]


def run_on_cluster(
    client: Client,
    eco: Ecosystem,
    platforms: Sequence[Any],
    merchant_carry: float | None,
    seeds: np.ndarray,
    seed_ptr: np.ndarray,
    *,
    key: int,
    runs: int,
    tie: int,
    switching: float,
    lock_in: float,
    multihoming: float,
    max_steps: int | None,
    curve_len: int,
    workers: int | None,
    progress: Callable[[int, int], None] | None = None,
    done0: int = 0,
    total: int | None = None,
) -> tuple[np.ndarray, ...]:
    """The six per-run arrays of ``compete_batch`` for runs ``0 .. runs - 1``, computed on ``client``'s workers.

    ``tie`` is the kernel's tie code; ``progress(done, total)`` is called as batches arrive, in order.
    """
    with clients.using(client) as c:
        batch = max(1, math.ceil(runs / (2 * cluster.n_workers(c))))
        args = (
            tuple(platforms),
            merchant_carry,
            np.asarray(seeds, np.int64),
            np.asarray(seed_ptr, np.int64),
            int(key),
            int(tie),
            float(switching),
            float(lock_in),
            float(multihoming),
            max_steps,
            int(curve_len),
            workers,
        )
        parts, done = [], 0
        for out in cluster.iter_batches(
            c, cluster.share(c, eco), _batch_on_worker, cluster.batches(runs, size=batch), args=args
        ):
            parts.append(out)
            done += int(out[0].shape[0])
            if progress is not None:
                progress(done0 + done, total or runs)
    return tuple(np.concatenate([p[i] for p in parts]) for i in range(len(parts[0])))


def _batch_on_worker(
    eco: Ecosystem,
    platforms: tuple,
    merchant_carry: float | None,
    seeds: np.ndarray,
    seed_ptr: np.ndarray,
    key: int,
    tie: int,
    switching: float,
    lock_in: float,
    multihoming: float,
    max_steps: int | None,
    curve_len: int,
    workers: int | None,
    *,
    run_start: int,
    runs: int,
) -> tuple[np.ndarray, ...]:
    import numba

    from graphmodel.kernels.cpu import threads

    def build() -> tuple:
        g, probs, seg_u, seg_m = platform_arrays(eco, platforms, merchant_carry, None)
        return (g, *stack_platforms(probs, seg_u, seg_m), payments(eco)[:3])

    g, prob, seg_u, seg_m, pay = cluster.derived(eco, ("compete", repr(platforms), merchant_carry), build)
    with threads(cluster.worker_threads(workers)):
        return contest_batch(
            g,
            prob,
            seg_u,
            seg_m,
            seeds,
            seed_ptr,
            pay,
            key=key,
            run_start=run_start,
            runs=runs,
            threads=numba.get_num_threads(),
            tie=tie,
            switching=switching,
            lock_in=lock_in,
            multihoming=multihoming,
            max_steps=max_steps,
            curve_len=curve_len,
        )
