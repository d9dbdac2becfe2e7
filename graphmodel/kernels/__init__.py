"""The compiled primitives every kernel of graphmodel is built from (numba).

One home for what must be the same everywhere, so that changing a coin or the
skip loop's exactness margin is a change in one place:

:mod:`graphmodel.kernels.coins`
    The counter-based coins (splitmix64 hash, run keys, arc coins, skip
    streams, node coins, RR-set streams) and every salt, in one table.
:mod:`graphmodel.kernels.skip`
    The geometric skip step over a layer segment of uniform probability, with
    its table of loop-exit thresholds and the proof that the table changes no
    decision.
:mod:`graphmodel.kernels.cpu`
    CPU intrinsics (atomic fetch-and-add, prefetch) and the thread-count
    context manager.

Integer codes shared by the Python faces and the kernels are defined here.
This package imports nothing else from graphmodel: it is the ground floor.
"""

from __future__ import annotations

import os

# OpenMP threads that spin while waiting cost ~0.15 s per parallel launch when the
# cores are shared with other processes (measured: 1 ms -> 160 ms for a small batch).
# Passive waiting is the polite default; an explicit user setting wins. Numba starts its
# threading layer at the first parallel launch, so this runs in time: every kernel module
# imports this package.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

#: Cascade models (``model`` argument of the propagation and RR-set kernels).
MODEL_IC = 0
MODEL_LT = 1
MODEL_SIR = 2

#: Tie rules of the competition kernels: uniform among the platforms that reached a node in
#: the same step, or the one whose best arriving arc is strongest (ties of strength: uniform).
TIE_RANDOM = 0
TIE_STRENGTH = 1

__all__ = ["MODEL_IC", "MODEL_LT", "MODEL_SIR", "TIE_RANDOM", "TIE_STRENGTH"]
