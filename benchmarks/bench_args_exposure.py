"""Do grouped kernel arguments cost speed? The RR-set and co-customer exposure kernels, named tuples vs positional.

The RR kernels (``seeding._rr_kernels``) take the reversed graph as one ``RRSource`` named tuple and
a thread's scratch as an ``RRScratch`` (``rr_chunk`` had 14 positional arguments, now 6), and RR sets
with their inverted index as an ``IndexedSets`` (``greedy_cover`` 9 -> 6; ``_cover_segment``, called from
Python once per pick and segment by ``greedy_cover_segments``, stays positional: see below);
the exposure kernels of the fit (``fitting._kernels.exposure_stats``, 20 -> 15) and of the conversion
estimate (``signals._kernels.exposure_kernel``, 17 -> 12) pass their six co-customer arrays to
``kernels.csr.cocustomer_links`` as one ``CoCustomers``. This script compiles the positional version
of each: the kernel's own source (``inspect.getsource``) under the old signature, without the lines
that unpack the tuples (the co-customer call takes the six arrays again, to a positional copy of
``cocustomer_links``), so only the way the arrays are passed differs. Both must give the same numbers
(checked), and their machine code is compared (the compiled function itself, not the wrapper that
unboxes its arguments). Then both are timed on one thread, back to back (A, B, B, A, A, B, ...), CPU time of the
thread (and wall), min of ``--calls`` calls, in ``--rounds`` rounds to show the noise; last, the median
(and quartiles) of the grouped/positional CPU ratio of every back-to-back pair:

* RR sets on a BA graph of 100k users (m=5): IC at p=0.05, IC at ``wc`` (both per-node, geometric
  skipping), IC per arc (random probabilities), LT at ``wc``; ``--sets`` sets drawn in chunks of
  ``rrsets.CHUNK`` as ``RRGraph.sample`` draws them (the tuples built per chunk, as it does), and
  20,000 chunks of one set (the cost of a call's dispatch);
* greedy max coverage (k=50) over a collection grown in doubling segments, as IMM grows it
  (``greedy_cover_segments``: one call of ``_cover_segment`` per pick and segment, from Python) against
  a copy with ``_cover_segment`` taking an ``IndexedSets`` (the grouping not taken: the dispatcher
  types a tuple argument more slowly, on each of these calls), and ``greedy_cover`` on the same sets
  in one array;
* the fit's exposure pass on Ciao as ``benchmarks/bench_fit.py --ciao`` loads it (``build_exposures``,
  category level, 30 days, 400 groups), and the conversion estimate's exposure kernel on Ciao (one
  call per layer, payment through co-customers)::

    python benchmarks/bench_args_exposure.py
    python benchmarks/bench_args_exposure.py --only rr,greedy --rounds 5
"""

from __future__ import annotations

import argparse
import difflib
import inspect
import os
import re
import resource
import sys
import textwrap
import time
from pathlib import Path

import numba as nb
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from abtiming import ms, same  # noqa: E402
from bench_propagation import ba_ecosystem  # noqa: E402

import graphmodel as gm  # noqa: E402
import graphmodel.fitting._kernels as FK  # noqa: E402
import graphmodel.fitting.exposures as FX  # noqa: E402
import graphmodel.kernels.csr as CSR  # noqa: E402
import graphmodel.seeding._rr_kernels as K  # noqa: E402
import graphmodel.signals._kernels as SK  # noqa: E402
import graphmodel.signals.conversion as SC  # noqa: E402
from graphmodel.propagation.engine import prepare  # noqa: E402
from graphmodel.seeding.rrsets import CHUNK, RRCollection, RRGraph  # noqa: E402

_CC = "m_ptr, m_merchant, m_time, b_ptr, b_user, b_time"


def _positional(fn, head: str, *, unpack: str = "", swap: tuple = (), extra: dict | None = None, prefix: str = ""):
    """``fn``'s own body under the signature ``head``, without its first lines ``unpack``, each ``swap`` once.

    ``prefix`` (lines) goes first in the new body.

    Returns the plain Python function (compile it with the kernel's decorator).
    """
    py = getattr(fn, "py_func", fn)
    src = textwrap.dedent(inspect.getsource(py))
    body = src.split('"""', 2)[2]  # after the docstring
    assert body.startswith("\n" + unpack), f"{py.__name__} no longer unpacks its tuples first: update this script"
    body = prefix + body[1 + len(unpack) :]
    for old, new in swap:
        assert body.count(old) == 1, f"{py.__name__}: {old!r} not found once: update this script"
        body = body.replace(old, new)
    ns = dict(vars(inspect.getmodule(py)))
    ns.update(extra or {})
    name = head.split("(", 1)[0].split()[-1]
    exec(compile(head + "\n" + body, f"<positional {py.__name__}>", "exec"), ns)  # noqa: S102
    return ns[name]


cocustomer_links_p = nb.njit(inline="always")(
    _positional(
        CSR.cocustomer_links,
        f"def cocustomer_links_p(u, {_CC}, link, linked, never):",
        unpack=f"    {_CC} = cc\n",
    )
)
rr_chunk_p = nb.njit(nogil=True)(
    _positional(
        K.rr_chunk,
        "def rr_chunk_p(indptr, indices, prob, node_p, per_node, model, roots, cdf, key, start, count, visited, "
        "queue, stamp0):",
        unpack="    indptr, indices, prob, node_p, per_node, model, roots, cdf = g\n    visited, queue = ws\n",
    )
)
greedy_cover_p = nb.njit(
    _positional(
        K.greedy_cover,
        "def greedy_cover_p(offsets, members, node_ptr, node_sets, cand, cost, budget, by_ratio, unit):",
        unpack="    offsets, members, node_ptr, node_sets = sets\n",
    )
)
# The grouping not taken: _cover_segment taking an IndexedSets (it is called from Python per pick and segment).
_cover_segment_t = nb.njit(nogil=True)(
    _positional(
        K._cover_segment,
        "def _cover_segment_t(sets, base, covered, gain, v):",
        prefix="    offsets, members, node_ptr, node_sets = sets\n",
    )
)
greedy_cover_segments_t = _positional(
    K.greedy_cover_segments,
    "def greedy_cover_segments_t(segments, counts, T, cand, cost, budget, by_ratio, unit):",
    swap=(
        ("for off, mem, ptr, sets, base in segments:", "for sets, base in segments:"),
        (
            "_cover_segment(off, mem, ptr, sets, base, covered, gain, best)",
            "_cover_segment_t(sets, base, covered, gain, best)",
        ),
    ),
    extra={"_cover_segment_t": _cover_segment_t},
)
exposure_stats_p = nb.njit(nogil=True)(
    _positional(
        FK.exposure_stats,
        "def exposure_stats_p(n_users, n_items, last_day, window, f_ptr, f_item, f_day, s_ptr, s_nbr, x_ptr, "
        "x_nbr, m_ptr, m_merchant, m_day, b_ptr, b_user, b_day, use, group, n_groups):",
        swap=(
            (
                "cocustomer_links(u, cc, link, linked, NEVER)",
                "cocustomer_links_p(u, m_ptr, m_merchant, m_day, b_ptr, b_user, b_day, link, linked, NEVER)",
            ),
        ),
        extra={"cocustomer_links_p": cocustomer_links_p},
    )
)
exposure_kernel_p = nb.njit(
    _positional(
        SK.exposure_kernel,
        "def exposure_kernel_p(n_users, n_items, f_ptr, f_item, f_time, s_ptr, s_nbr, m_ptr, m_merchant, m_time, "
        "b_ptr, b_user, b_time, use_link, window, t_end, out):",
        swap=(
            (
                "cocustomer_links(u, cc, link, linked, INF)",
                "cocustomer_links_p(u, m_ptr, m_merchant, m_time, b_ptr, b_user, b_time, link, linked, INF)",
            ),
        ),
        extra={"cocustomer_links_p": cocustomer_links_p},
    )
)


def _core_asm(dispatcher) -> list[str]:
    """Instructions of the compiled function itself (not its CPython wrapper), names and stack offsets blanked."""
    asm = dispatcher.inspect_asm(dispatcher.signatures[0])
    name = dispatcher.py_func.__name__
    out, inside = [], False
    for line in asm.splitlines():
        label = re.match(r"^(\S+):\s*$", line)
        if label and not label.group(1).startswith(".L"):
            sym = label.group(1)
            inside = f"{len(name)}{name}B" in sym and not sym.startswith(("_ZN7cpython", "cfunc"))
            continue
        line = line.strip()
        if inside and line and not line.startswith((".", "#")) and not line.endswith(":"):
            out.append(re.sub(r"_Z\S+|\.L\S+|\$0x[0-9a-f]+|-?\d+\(%r[sb]p\)", "X", line))
    return out


def _same_code(name: str, positional, grouped_fn, jit: dict, pos_args: tuple, grp_args: tuple) -> None:
    """Compare the machine code of the positional copy and of the grouped kernel (compiled afresh: cached code
    cannot be inspected): the same instructions mean the grouping costs only the call's dispatch."""
    grouped = nb.njit(**jit)(grouped_fn.py_func)
    positional(*pos_args)
    grouped(*grp_args)
    a, b = _core_asm(positional), _core_asm(grouped)
    ops = difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    diff = sum(max(i2 - i1, j2 - j1) for tag, i1, i2, j1, j2 in ops if tag != "equal")
    print(f"{name:22s} machine code: positional {len(a)} instructions, named tuples {len(b)}, {diff} differ")


def _ab(name: str, positional, grouped, args, labels: tuple[str, str] = ("positional", "named tuples")) -> None:
    """Same numbers, then rounds of back-to-back calls (each variant first in turn); prints min CPU and wall.

    ``positional`` is the old way (A), ``grouped`` the new one (B); ratios are B / A.
    """
    b = grouped()
    t = time.perf_counter()
    a = positional()  # compiled on the first call (no cache), then the same numbers
    if time.perf_counter() - t > 1:
        print(f"  ({name}: first {labels[0]} call, with its compilation, {time.perf_counter() - t:.0f} s)")
    assert same(a, b), f"{name}: {labels[0]} and {labels[1]} gave different numbers"
    pairs = []
    for r in range(args.rounds):
        ta, tb = [], []
        for c in range(args.calls):
            if c % 2:
                tb.append(ms(grouped))
                ta.append(ms(positional))
            else:
                ta.append(ms(positional))
                tb.append(ms(grouped))
            pairs.append(tb[-1][1] / ta[-1][1])
        (wa, ca), (wb, cb) = (tuple(min(x) for x in zip(*ts)) for ts in (ta, tb))
        print(
            f"{name:22s} round {r + 1}: {labels[0]} {ca:9.2f} ms CPU {wa:9.2f} wall   {labels[1]} {cb:9.2f} ms CPU "
            f"{wb:9.2f} wall   ratio {cb / ca:.3f} CPU {wb / wa:.3f} wall   (load {os.getloadavg()[0]:.2f})",
            flush=True,
        )
    q1, q2, q3 = np.percentile(pairs, [25, 50, 75])
    print(f"{name:22s} CPU ratio of the {len(pairs)} back-to-back pairs: median {q2:.3f}, quartiles {q1:.3f}-{q3:.3f}")


def _rr_calls(rr: RRGraph, n_sets: int, chunk: int = CHUNK):
    model = K.MODEL_LT if rr.model == "lt" else K.MODEL_IC
    key = np.uint64(7)
    visited, queue = np.zeros(rr.n, np.int32), np.empty(rr.n, np.int32)
    chunks = [(s, min(chunk, n_sets - s)) for s in range(0, n_sets, chunk)]

    def positional():
        visited[:] = 0
        stamp, out = 1, []
        for start, count in chunks:
            off, mem, stamp = rr_chunk_p(
                rr.indptr,
                rr.indices,
                rr.prob,
                rr.node_p,
                rr.per_node,
                model,
                rr.roots,
                rr.cdf,
                key,
                start,
                count,
                visited,
                queue,
                stamp,
            )
            out.append(mem)
        return out

    def grouped():  # the tuples are built per chunk, as RRGraph.sample builds them
        visited[:] = 0
        stamp, out = 1, []
        for start, count in chunks:
            g = K.RRSource(rr.indptr, rr.indices, rr.prob, rr.node_p, rr.per_node, model, rr.roots, rr.cdf)
            off, mem, stamp = K.rr_chunk(g, key, start, count, K.RRScratch(visited, queue), stamp)
            out.append(mem)
        return out

    return positional, grouped


def bench_rr(args) -> None:
    eco = ba_ecosystem(args.users, 5, 1)
    rng = np.random.default_rng(3)
    for name, model, spec, times in (  # wc sets are about 12 times smaller: draw 10 times more
        ("rr ic p=0.05", "ic", {"social": 0.05}, 1),
        ("rr ic wc", "ic", "wc", 10),
        ("rr ic per-arc", "ic", "per-arc", 1),
        ("rr lt wc", "lt", "wc", 10),
    ):
        if spec == "per-arc":
            pg = prepare(eco, ["social"], {"social": 0.05}, model=model)
            prob = rng.uniform(0.0, 0.1, pg.m)
            rr = RRGraph.from_propagation(prepare(eco, ["social"], prob, model=model), model=model)
        else:
            rr = RRGraph.from_propagation(prepare(eco, ["social"], spec, model=model), model=model)
        n_sets = args.sets * times
        pos, grp = _rr_calls(rr, n_sets)
        sizes = sum(m.size for m in grp())
        print(f"{name}: per_node={rr.per_node}, {n_sets:,} sets, mean size {sizes / n_sets:.2f}")
        _ab(name, pos, grp, args)
    # What the grouping does cost: the dispatch of each call (one per chunk), measured on 20,000 calls of one set.
    pos, grp = _rr_calls(rr, 20_000, chunk=1)
    _ab("rr 20,000 calls of 1", pos, grp, args)
    scratch = lambda: (np.zeros(rr.n, np.int32), np.empty(rr.n, np.int32))  # noqa: E731
    src = (rr.indptr, rr.indices, rr.prob, rr.node_p, rr.per_node, K.MODEL_LT, rr.roots, rr.cdf)
    _same_code(
        "rr_chunk",
        rr_chunk_p,
        K.rr_chunk,
        {"nogil": True},
        (*src, np.uint64(1), 0, 10, *scratch(), 1),
        (K.RRSource(*src), np.uint64(1), 0, 10, K.RRScratch(*scratch()), 1),
    )


def bench_greedy(args) -> None:
    eco = ba_ecosystem(args.users, 5, 1)
    rr = RRGraph.from_propagation(prepare(eco, ["social"], "wc"), model="ic")
    col = RRCollection(rr, 11, workers=1, indexed=True)
    t = 1024
    while t < args.greedy_sets:  # doubling steps, as IMM grows its collection
        t = min(2 * t, args.greedy_sets)
        col.grow_to(t)
    segs = col._segs
    cand = np.ones(col.n_local, np.bool_)
    cost = np.ones(col.n_local, np.float64)
    k = float(args.k)
    print(f"greedy: {col.size:,} sets in {len(segs)} segments, {col.n_members:,} members, k={args.k}")

    def positional():
        segments = [(*g.view(), g.ptr, g.sets, g.base) for g in segs]
        return K.greedy_cover_segments(segments, col.counts, col.size, cand, cost, k, False, True)

    def grouped():
        segments = [(K.IndexedSets(*g.view(), g.ptr, g.sets), g.base) for g in segs]
        return greedy_cover_segments_t(segments, col.counts, col.size, cand, cost, k, False, True)

    _ab("greedy segments", positional, grouped, args, ("positional", "tuple to _cover_segment"))
    off, mem = col.arrays()
    ptr, sets = K.invert(off, mem, col.n_local)
    one = K.IndexedSets(off, mem, ptr, sets)
    _ab(
        "greedy_cover",
        lambda: greedy_cover_p(off, mem, ptr, sets, cand, cost, k, False, True),
        lambda: K.greedy_cover(one, cand, cost, k, False, True),
        args,
    )
    _same_code(
        "greedy_cover",
        greedy_cover_p,
        K.greedy_cover,
        {},
        (off, mem, ptr, sets, cand, cost, k, False, True),
        (one, cand, cost, k, False, True),
    )


def _captured(module, name: str, call) -> list:
    """The arguments of every call ``call()`` makes to ``module.name``."""
    seen, orig = [], getattr(module, name)

    def rec(*a):
        seen.append(a)
        return orig(*a)

    setattr(module, name, rec)
    try:
        call()
    finally:
        setattr(module, name, orig)
    return seen


def bench_exposure(args) -> None:
    base = Path(args.datasets) / "ciao"
    if not base.is_dir():
        print(f"exposure: Ciao not found under {base}, skipped")
        return
    eco = gm.load_dataset("ciao", base)
    U = eco.n_users
    (fa,) = _captured(
        FX,
        "exposure_stats",
        lambda: FX.build_exposures(eco, level="category", window_days=30, group=np.arange(U) % min(U, 400)),
    )
    fp = fa[:11] + tuple(fa[11]) + fa[12:]
    print(f"fit exposure pass, Ciao: {U:,} users, {fa[1]} items, {fa[5].size:,} first purchases (user, item)")
    _ab("fit exposure_stats", lambda: exposure_stats_p(*fp), lambda: FK.exposure_stats(*fa), args)
    _same_code("fit exposure_stats", exposure_stats_p, FK.exposure_stats, {"nogil": True}, fp, fa)

    calls = _captured(SC, "exposure_kernel", lambda: gm.estimate_conversion(eco, n_shuffles=1, n_boot=10, seed=1))
    calls = calls[: len(calls) // 2]  # the observed times (then the shuffled ones): one call per layer
    print(f"conversion exposure kernel, Ciao: {len(calls)} calls (one per layer; use_link {[c[8] for c in calls]})")

    def run(kernel, flat: bool):
        outs = []
        for c in calls:
            out = np.zeros_like(c[-1])
            kernel(*(c[:7] + tuple(c[7]) + c[8:-1] if flat else c[:-1]), out)
            outs.append(out)
        return outs

    _ab("conversion exposure", lambda: run(exposure_kernel_p, True), lambda: run(SK.exposure_kernel, False), args)
    c = calls[-1]
    _same_code(
        "conversion exposure",
        exposure_kernel_p,
        SK.exposure_kernel,
        {},
        c[:7] + tuple(c[7]) + c[8:-1] + (np.zeros_like(c[-1]),),
        c[:-1] + (np.zeros_like(c[-1]),),
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--users", type=int, default=100_000)
    ap.add_argument("--sets", type=int, default=20_000, help="RR sets per call (10 times more at wc)")
    ap.add_argument("--greedy-sets", type=int, default=262_144, help="sets of the greedy's collection")
    ap.add_argument("--k", type=int, default=50)
    ap.add_argument("--calls", type=int, default=5, help="calls per variant per round (the minimum is kept)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--only", default="rr,greedy,exposure", help="comma-separated: rr, greedy, exposure")
    ap.add_argument(
        "--datasets",
        default=os.environ.get(
            "GRAPHMODEL_SHARED_DATASETS", str(Path(__file__).resolve().parents[1].parent / "shared" / "datasets")
        ),
    )
    args = ap.parse_args()
    print(
        f"1 thread, min of {args.calls} calls per variant per round, load average "
        + " ".join(f"{x:.2f}" for x in os.getloadavg())
    )
    parts = {"rr": bench_rr, "greedy": bench_greedy, "exposure": bench_exposure}
    for part in args.only.split(","):
        parts[part](args)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print(f"peak RSS {rss:.2f} GiB, load average " + " ".join(f"{x:.2f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main()
