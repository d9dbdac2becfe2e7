"""Do grouped kernel arguments cost speed? The propagation cascade kernel, named tuples vs positional.

The cascade kernels (``propagation._kernels``) take their graph arrays as one ``CascadeGraph`` named
tuple (lptr, indices, arc_key, prob, seg_p, seg_key), the skip table as a ``SkipTable`` (lq, cap, thr)
and a worker's scratch arrays as a ``Scratch`` (10 arrays); the per-run function used to take 29
positional arguments. This script compiles the positional version of the same code: the run body is
the kernel's own source (``inspect.getsource``, without the three lines that unpack the tuples), so
only the way the arrays are passed differs. Both must give the same numbers (checked). Then both are
timed on one thread, back to back (A, B, B, A, A, B, ...): BA 100k users (m=5), 50 random seeds, IC at
p=0.01 (geometric skipping) and at ``wc`` (per-arc coins), 1000 runs per call, min of 5 calls (wall
and CPU time of the thread), in ``--rounds`` rounds to show the noise::

    python benchmarks/bench_kernel_args.py
"""

from __future__ import annotations

import argparse
import inspect
import os
import resource
import sys
import textwrap
import time

import numpy as np
from numba import njit

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from abtiming import ms  # noqa: E402
from bench_propagation import ba_ecosystem  # noqa: E402

import graphmodel as gm  # noqa: E402
from graphmodel.propagation import _kernels as K  # noqa: E402
from graphmodel.propagation import engine as E  # noqa: E402

_UNPACK = (
    "    lptr, indices, arc_key, prob, seg_p, seg_key = g\n"
    "    lq, cap, thr = sk\n"
    "    st, front, nxt, live, livel, acc, accstamp, lc, crow, hw = ws\n"
)


def _positional_run():
    """``_run`` with the kernel's own body and its 29 arrays and scalars as positional arguments."""
    src = textwrap.dedent(inspect.getsource(K._run.py_func))
    body = src.split('"""', 2)[2]  # after the docstring
    assert body.startswith("\n" + _UNPACK), "the kernel no longer unpacks its tuples first: update this script"
    head = """def _run_p(
    model, tag, rkey, lptr, indices, arc_key, prob, seg_p, seg_key, lq, cap, thr, seeds, n_users, recovery,
    max_steps, st, front, nxt, live, livel, acc, accstamp, lc, crow, hw, record, act_step, act_layer,
):"""
    ns = dict(vars(K))
    exec(compile(head + "\n" + body[1 + len(_UNPACK) :], "<positional _run>", "exec"), ns)  # noqa: S102
    return njit(ns["_run_p"])


_run_p = _positional_run()
_batch_setup, _batch_reduce = K._batch_setup, K._batch_reduce
MODEL_LT, fetch_add, run_key = K.MODEL_LT, K.fetch_add, K.run_key


@njit
def _batch_worker_p(
    w,
    model,
    base,
    run_start,
    n_runs,
    lptr,
    indices,
    arc_key,
    prob,
    seg_p,
    seg_key,
    seeds,
    n_users,
    recovery,
    max_steps,
    out,
    lq,
    cap,
    thr,
    work,
    nlive,
):
    n = lptr.shape[0]
    L1 = lptr.shape[1]
    users, merchants, steps, layer_counts = out
    st_all, curves, hws, counter = work
    st = st_all[w]
    front = np.empty(n, np.int32)
    nxt = np.empty(n, np.int32)
    live = np.empty(nlive, np.int64)
    livel = np.empty(nlive, np.int8)
    if model == MODEL_LT:
        acc = np.zeros(n, np.float64)
        accstamp = np.zeros(n, np.int32)
    else:
        acc = np.zeros(1, np.float64)
        accstamp = np.zeros(1, np.int32)
    lc = np.zeros(2 * L1, np.int64)
    rec_s = np.empty(1, np.int32)
    rec_l = np.empty(1, np.int8)
    while True:
        i = fetch_add(counter, 0, 1)
        if i >= n_runs:
            break
        r = run_start + i
        st_, na = _run_p(
            model,
            np.int32(i + 1),
            run_key(base, r),
            lptr,
            indices,
            arc_key,
            prob,
            seg_p,
            seg_key,
            lq,
            cap,
            thr,
            seeds,
            n_users,
            recovery,
            max_steps,
            st,
            front,
            nxt,
            live,
            livel,
            acc,
            accstamp,
            lc,
            curves[w],
            hws[w],
            False,
            rec_s,
            rec_l,
        )
        steps[i] = st_
        u = 0
        mm = 0
        for l in range(L1):
            layer_counts[i, l] = lc[l]
            u += lc[l]
            mm += lc[L1 + l]
        users[i] = u
        merchants[i] = mm


@njit
def cascade_batch_serial_p(
    model,
    base,
    run_start,
    n_runs,
    n_workers,
    lptr,
    indices,
    arc_key,
    prob,
    seg_p,
    seg_key,
    seeds,
    n_users,
    recovery,
    max_steps,
    curve_len,
):
    W, out, lq, cap, thr, work, nlive = _batch_setup(n_runs, 1, lptr, seg_p, curve_len)
    _batch_worker_p(
        0,
        model,
        base,
        run_start,
        n_runs,
        lptr,
        indices,
        arc_key,
        prob,
        seg_p,
        seg_key,
        seeds,
        n_users,
        recovery,
        max_steps,
        out,
        lq,
        cap,
        thr,
        work,
        nlive,
    )
    return _batch_reduce(W, out, work, curve_len)


def _calls(graph, seeds, runs):
    lptr = E._kernel_lptr(graph)
    code, key = E.MODELS["ic"], np.uint64(E.base_key(1))
    rest = (int(graph.n_users), 1.0, -1, 201)
    flat = (lptr, graph.indices, graph.arc_key, graph.prob, graph.seg_p, graph.seg_key)
    g = K.CascadeGraph(*flat)

    def positional():
        return cascade_batch_serial_p(code, key, 0, runs, 1, *flat, seeds, *rest)

    def grouped():
        return K.cascade_batch_serial(code, key, 0, runs, 1, g, seeds, *rest)

    return positional, grouped


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--users", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=1000)
    ap.add_argument("--calls", type=int, default=5, help="calls per variant per round (the minimum is kept)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--specs", default="0.01,wc", help="comma-separated: a probability or wc")
    args = ap.parse_args()
    eco = ba_ecosystem(args.users, 5, 1)
    seeds = np.ascontiguousarray(gm.resolve_seeds(eco, "random:50", seed=1), dtype=np.int64)
    print(
        f"BA {args.users} users (m=5), 50 seeds, {args.runs} runs per call, 1 thread, "
        f"min of {args.calls} calls, load average {os.getloadavg()[0]:.2f}"
    )
    for spec in ({"social": float(x)} if x != "wc" else x for x in args.specs.split(",")):
        graph = E.prepare(eco, ["social"], spec)
        positional, grouped = _calls(graph, seeds, args.runs)
        b = grouped()
        t = time.perf_counter()
        a = positional()  # compiled on the first call (no cache), then the same numbers
        if time.perf_counter() - t > 1:
            print(f"  (compiled the positional kernel in {time.perf_counter() - t:.0f} s)")
        assert all(np.array_equal(x, y) for x, y in zip(a, b)), "the two ways of passing arrays gave different numbers"
        name = f"p={spec['social']}" if isinstance(spec, dict) else spec
        for r in range(args.rounds):
            ta, tb = [], []
            for c in range(args.calls):  # back to back, each going first in turn
                if c % 2:
                    tb.append(ms(grouped))
                    ta.append(ms(positional))
                else:
                    ta.append(ms(positional))
                    tb.append(ms(grouped))
            (wa, ca), (wb, cb) = (tuple(min(x) for x in zip(*ts)) for ts in (ta, tb))
            print(
                f"{name:7s} round {r + 1}: positional {wa:8.2f} ms wall {ca:8.2f} ms CPU   named tuples {wb:8.2f} ms "
                f"wall {cb:8.2f} ms CPU   ratio {wb / wa:.3f} wall {cb / ca:.3f} CPU   (load {os.getloadavg()[0]:.2f})"
            )
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print(f"peak RSS {rss:.2f} GiB")


if __name__ == "__main__":
    main()
