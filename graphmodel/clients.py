"""Dask clients: the one way a scheduler argument (an address, a ``LocalCluster`` or a client) becomes a client.

Kept apart from :mod:`graphmodel.cluster` (which runs experiments on workers and
opens ecosystems there) so that readers, such as the event importer, can use
a cluster without depending on the experiments' machinery.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import TYPE_CHECKING, Union

from graphmodel.errors import InputError

__all__ = ["Scheduler", "connect", "using"]

if TYPE_CHECKING:
    from distributed import Client, LocalCluster

#: Where a job runs: a ``distributed.Client``, a ``LocalCluster`` or a scheduler address; None runs it here.
#: (Names, not imports: Dask is an optional dependency.)
Scheduler = Union["Client", "LocalCluster", str, os.PathLike, None]


def connect(scheduler: Scheduler) -> tuple[Client, bool]:
    """``(client, own)`` for a ``distributed.Client``, a ``LocalCluster`` or a scheduler address.

    ``own`` is True when this call made the client (the caller closes it).
    """
    try:
        from dask.distributed import Client
    except ImportError:  # pragma: no cover - the dask extra is missing
        raise InputError("Dask is not installed: pip install 'graphmodel[dask]'", field="scheduler") from None
    if isinstance(scheduler, Client):
        return scheduler, False
    if hasattr(scheduler, "scheduler_address"):
        return Client(scheduler), True
    if not isinstance(scheduler, (str, os.PathLike)):
        raise InputError(
            f"expected a dask Client, a LocalCluster or a scheduler address, got {type(scheduler).__name__}",
            field="client",
        )
    try:
        return Client(str(scheduler), timeout="10s"), True
    except OSError as exc:
        raise InputError(f"cannot reach the Dask scheduler {scheduler!s}: {exc}", field="scheduler") from None


@contextlib.contextmanager
def using(scheduler: Scheduler) -> Iterator[Client | None]:
    """A client for the duration of a ``with`` block (closed at its end if it was made here); None for None."""
    if scheduler is None:
        yield None
        return
    client, own = connect(scheduler)
    try:
        yield client
    finally:
        if own:
            client.close()
