"""What the A/B benchmarks share: the time of one call and a check that two variants gave the same numbers.

Used by the scripts that time two ways of compiling or calling one kernel back to back
(``bench_kernel_args.py``, ``bench_args_*.py``, ``bench_skip_step.py``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np


def ms(fn: Callable[[], Any], clock: Callable[[], float] = time.thread_time) -> tuple[float, float]:
    """Wall and CPU time of ``fn()`` in ms; CPU time of this thread by default (the kernel runs on it), as it
    is less hurt by a loaded machine. Pass ``clock=time.process_time`` when the work runs on other threads."""
    t, c = time.perf_counter(), clock()
    fn()
    return 1e3 * (time.perf_counter() - t), 1e3 * (clock() - c)


def same(a: Any, b: Any) -> bool:
    """Whether two results are equal: arrays element by element, tuples and lists item by item."""
    if isinstance(a, (list, tuple)):
        return isinstance(b, (list, tuple)) and len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return bool(np.array_equal(np.asarray(a), np.asarray(b)))
    return a == b
