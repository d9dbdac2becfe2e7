"""Monte Carlo runs on a Dask cluster, with the same numbers as on this machine.

Every cascade of the engine is keyed by its run index (run ``r`` depends on
the base key and ``r`` only, see :func:`graphmodel.propagation.engine.run_batch`),
so a range of runs can be computed anywhere. This module maps run ranges
over the workers of a ``dask.distributed`` client and hands back the
per-batch results **in run order**; the caller merges them exactly as it
merges its own batches, so a cluster run and a local run with the same seed
give the same numbers to the bit.

Each worker opens the ecosystem itself: from the file it was read from when
the ecosystem still matches that file (see :func:`graphmodel.io.source_of`; a
memory-mapped ``.gmm`` directory is shared between the worker processes of
one host, :mod:`graphmodel.io.mmapdir`), otherwise from a copy scattered once
to the workers. What a worker derives from it (CSR, per-arc probabilities,
reversed graphs) is built once per worker process and kept beside the
ecosystem (:func:`derived`).

Examples
--------
>>> from graphmodel.cluster import batches
>>> batches(10, size=4)
[(0, 4), (4, 4), (8, 2)]
"""

from __future__ import annotations

import collections
import math
import threading
import weakref
from collections.abc import Callable, Hashable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from graphmodel.errors import InputError

if TYPE_CHECKING:
    from distributed import Client

    from graphmodel.ecosystem import Ecosystem

__all__ = [
    "EcoRef",
    "share",
    "open_ecosystem",
    "derived",
    "batches",
    "iter_batches",
    "map_runs",
    "submit",
    "n_workers",
    "worker_threads",
]


# --------------------------------------------------------------------------- workers
def n_workers(client: Client) -> int:
    """Worker processes the scheduler knows (at least 1)."""
    import inspect

    kw = {"n_workers": -1} if "n_workers" in inspect.signature(client.scheduler_info).parameters else {}
    return max(1, len(client.scheduler_info(**kw).get("workers", {})))


# --------------------------------------------------------------------------- the ecosystem on workers
@dataclass(frozen=True)
class EcoRef:
    """How a worker finds the ecosystem: a file (with its size and mtime) or a scattered copy (``data``)."""

    path: str | None
    stamp: tuple[int, int] | None
    data: Any = None  # a dask Future of the Ecosystem (resolved to the object on the worker)

    def args(self) -> tuple[Any, ...]:
        """The task arguments (a Future must be a direct argument for Dask to resolve it)."""
        return (self.path, self.stamp, self.data)


def share(client: Client, eco: Ecosystem) -> EcoRef:
    """A reference the workers open ``eco`` by: its source file if unchanged since it was read, else a scattered copy."""
    from graphmodel.io import format_of, snapshot_stamp, source_of

    src = source_of(eco)
    if src is not None:
        return EcoRef(str(src), snapshot_stamp(src, format_of(src)))
    hit = _SCATTERED.get(eco)
    if hit is not None and hit[0] is client and hit[1].status == "finished":
        return EcoRef(None, None, hit[1])  # scattered by an earlier call: the workers keep what they derived
    fut = client.scatter(eco, broadcast=True, hash=False)
    _SCATTERED[eco] = (client, fut)
    return EcoRef(None, None, fut)


#: The scattered copy of each in-memory ecosystem (with its client), for as long as the ecosystem lives here.
_SCATTERED: "weakref.WeakKeyDictionary[Any, tuple[Any, Any]]" = weakref.WeakKeyDictionary()


_OPEN: "collections.OrderedDict[tuple, Any]" = collections.OrderedDict()
_OPEN_LOCK = threading.Lock()
_OPEN_KEEP = 2


def open_ecosystem(path: str | None, stamp: tuple[int, int] | None, data: Any) -> Any:
    """The ecosystem a task runs on (on a worker): the scattered object, or the file read once per process."""
    if path is None:
        return data
    from graphmodel.io import format_of, read, snapshot_stamp

    try:
        now = snapshot_stamp(path, format_of(path))
    except OSError:
        raise InputError("the ecosystem file is not reachable from this Dask worker", source=path) from None
    if stamp is not None and now != tuple(stamp):
        raise InputError(
            "the ecosystem file on this Dask worker differs from the one the client read (size or modification time)",
            source=path,
        )
    key = (path, tuple(stamp) if stamp is not None else None)
    with _OPEN_LOCK:
        hit = _OPEN.get(key)
        if hit is not None:
            _OPEN.move_to_end(key)
            return hit
    eco = read(path)
    with _OPEN_LOCK:
        _OPEN[key] = eco
        while len(_OPEN) > _OPEN_KEEP:
            _OPEN.popitem(last=False)
    return eco


_DERIVED: "weakref.WeakKeyDictionary[Any, collections.OrderedDict]" = weakref.WeakKeyDictionary()
_DERIVED_LOCK = threading.Lock()
#: Derived objects kept per ecosystem (the most recently used): a sweep of probabilities does not pile up arrays.
_DERIVED_KEEP = 4


def derived(eco: Ecosystem, key: Hashable, build: Callable[[], Any]) -> Any:
    """``build()`` once per ecosystem object and ``key`` (the arrays a worker derives and reuses across tasks)."""
    with _DERIVED_LOCK:
        slot = _DERIVED.setdefault(eco, collections.OrderedDict())
        if key in slot:
            slot.move_to_end(key)
            return slot[key]
    value = build()
    with _DERIVED_LOCK:
        value = slot.setdefault(key, value)
        while len(slot) > _DERIVED_KEEP:
            slot.popitem(last=False)
        return value


def worker_threads(workers: int | None) -> int | None:
    """Kernel threads inside a task: ``workers`` if given, else the Dask worker's thread count."""
    if workers is not None:
        return workers
    try:
        from distributed import get_worker

        w = get_worker()
    except (ImportError, ValueError):
        return None
    n = getattr(w, "nthreads", None) or getattr(getattr(w, "state", None), "nthreads", None)
    return int(n) if n else None


# --------------------------------------------------------------------------- run ranges
def batches(runs: int, *, size: int, start: int = 0) -> list[tuple[int, int]]:
    """``(run_start, runs)`` pairs covering ``start .. start + runs - 1`` in batches of at most ``size``."""
    size = max(1, int(size))
    return [(s, min(size, start + runs - s)) for s in range(start, start + runs, size)]


def _task(
    fn: Callable[..., Any], path: str | None, stamp: Any, data: Any, args: tuple, run_start: int, runs: int
) -> Any:
    return fn(open_ecosystem(path, stamp, data), *args, run_start=run_start, runs=runs)


def submit(client: Client, ref: EcoRef, fn: Callable[..., Any], *, run_start: int, runs: int, args: tuple = ()) -> Any:
    """A Future of ``fn(eco, *args, run_start=run_start, runs=runs)`` on a worker (``eco`` opened from ``ref``)."""
    return client.submit(_task, fn, *ref.args(), args, int(run_start), int(runs), pure=False)


def iter_batches(
    client: Client,
    ref: EcoRef,
    fn: Callable[..., Any],
    ranges: Sequence[tuple[int, int]],
    *,
    args: tuple = (),
    window: int | None = None,
) -> Iterator[Any]:
    """Yield ``fn(eco, *args, run_start=s, runs=n)`` for each ``(s, n)`` of ``ranges``, **in that order**.

    At most ``window`` batches are in flight (default: two per worker); when
    the caller stops iterating (adaptive stopping), batches not yet taken are
    cancelled. ``fn`` must be a module-level function (it is pickled); large
    arrays in ``args`` should be Futures from ``client.scatter``.
    """
    if window is None:
        window = 2 * n_workers(client)
    pending: collections.deque = collections.deque()
    todo = iter(ranges)
    try:
        while True:
            for s, n in _take(todo, window - len(pending)):
                pending.append(submit(client, ref, fn, run_start=s, runs=n, args=args))
            if not pending:
                return
            yield pending.popleft().result()
    finally:
        for f in pending:
            f.cancel()


def _take(it: Iterator, k: int) -> list:
    out = []
    for _ in range(max(0, k)):
        x = next(it, None)
        if x is None:
            break
        out.append(x)
    return out


def map_runs(
    client: Client,
    ref: EcoRef,
    fn: Callable[..., Any],
    *,
    runs: int,
    run_start: int = 0,
    args: tuple = (),
    batch: int | None = None,
) -> list[Any]:
    """Per-batch results of runs ``run_start .. run_start + runs - 1``, in run order (see :func:`iter_batches`).

    The default batch gives each worker about two batches.
    """
    if batch is None:
        batch = math.ceil(runs / (2 * n_workers(client)))
    return list(iter_batches(client, ref, fn, batches(runs, size=batch, start=run_start), args=args))
