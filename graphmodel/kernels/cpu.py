"""CPU intrinsics for the kernels, the compile options of their lean helpers, and the number of threads they run on."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

__all__ = ["NO_NRT", "fetch_add", "prefetch", "threads"]


def _no_nrt() -> dict:
    """``{"_nrt": False}`` where this numba knows the (private) option, else nothing: same numbers, slower."""
    from numba.core.cpu import CPUTargetOptions

    return {"_nrt": False} if hasattr(CPUTargetOptions, "_nrt") else {}


#: ``njit`` options of a helper that only reads the arrays it is handed and allocates nothing: no
#: reference counting, so a call in a hot loop inlines to the same code as the body written out.
NO_NRT = _no_nrt()


@intrinsic
def fetch_add(typingctx, arr, idx, val):
    """Atomic ``arr[idx] += val`` returning the old value (int64 array)."""
    sig = types.int64(arr, types.intp, types.int64)

    def codegen(context, builder, signature, args):
        aryty = signature.args[0]
        ary = context.make_array(aryty)(context, builder, args[0])
        ptr = cgutils.get_item_pointer(context, builder, aryty, ary, [args[1]])
        return builder.atomic_rmw("add", ptr, args[2], "seq_cst")

    return sig, codegen


@intrinsic
def prefetch(typingctx, arr, idx):
    """Hint the CPU to load ``arr[idx]`` (the row ``arr[idx, :]`` of a 2-D array) into cache."""
    sig = types.void(arr, types.intp)

    def codegen(context, builder, signature, args):
        aryty = signature.args[0]
        ary = context.make_array(aryty)(context, builder, args[0])
        zero = context.get_constant(types.intp, 0)
        ptr = cgutils.get_item_pointer(context, builder, aryty, ary, [args[1]] + [zero] * (aryty.ndim - 1))
        i8p = ir.IntType(8).as_pointer()
        i32 = ir.IntType(32)
        fnty = ir.FunctionType(ir.VoidType(), [i8p, i32, i32, i32])
        fn = cgutils.get_or_insert_function(builder.module, fnty, "llvm.prefetch.p0i8")
        builder.call(fn, [builder.bitcast(ptr, i8p), i32(0), i32(3), i32(1)])  # read, high locality, data
        return context.get_dummy_value()

    return sig, codegen


@contextmanager
def threads(workers: int | None) -> Iterator[None]:
    """Run the enclosed parallel kernels on ``workers`` threads (None: numba's current setting).

    Raises :class:`graphmodel.errors.InputError` when ``workers < 1``; asking for more threads than
    numba started gives all of them.
    """
    import numba

    if workers is None:
        yield
        return
    from graphmodel.checks import check_workers

    check_workers(workers)
    old = numba.get_num_threads()
    numba.set_num_threads(min(int(workers), numba.config.NUMBA_NUM_THREADS))
    try:
        yield
    finally:
        numba.set_num_threads(old)
