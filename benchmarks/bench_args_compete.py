"""Do grouped kernel arguments cost speed? The competition and follower kernels, named tuples vs positional.

``competition._kernel.compete_batch`` takes its arrays in four named tuples (``ContestGraph``,
``Platforms``, ``Rules``, ``Payments``; it took 25 positional arguments); the follower kernel
(``competition._follower_kernel``) takes three ``Arcs``, a ``RivalSeeds`` and a ``SetScratch``
(``follower_chunk`` took 36, ``_reverse_search`` 17). This script compiles the positional version of
the same code: each body is the kernel's own source (``inspect.getsource``) without the lines that
unpack the tuples (and, where a kernel passes a tuple on, with the tuple written out and the positional
copy called), so only the way the arrays are passed differs. Both must give the same numbers (checked).
Then both are timed on one thread, back to back (A, B, B, A, A, B, ...; the minimum of ``--calls``
calls, wall and CPU time of the process), in ``--rounds`` rounds, with the mean ratio and its standard
error over the rounds. The competition kernel as it is is compiled afresh from its source too: loaded
from numba's cache it ran 2-5% slower than the same code compiled in the process, which would be
charged to the tuples. On ``generate(preset="balanced", users=100_000, seed=1)`` with the wallet and the
messenger of ``bench_compete.py``:

* ``random``: tie rule random, no switching (16-byte rows), ``--runs`` runs per call;
* ``random+switch``: tie rule random, switching 0.3, lock-in 0.2, multi-homing 0.2;
* ``strength+switch``: tie rule strength, switching 0.3, lock-in 0.2, multi-homing 0.2;
* ``follower``: ``--sets`` competitive RR sets of the wallet against the messenger's seeds (tie rule
  strength, multi-homing 0.2, the adaptive choice between the ball and the forward search).

``--grouped-run`` times instead the design that was not adopted: the per-run function ``_compete_run``
(45 positional arguments) taking seven named tuples (the four above and ``Segments``, ``RunScratch``,
``RunCounts``), built from its own source with the unpacking lines added, against the kernel as it is.
``--aa`` times the positional copy against a second copy of itself (the noise floor of the method)::

    python benchmarks/bench_args_compete.py
    python benchmarks/bench_args_compete.py --grouped-run --cases random,random+switch,strength+switch
    python benchmarks/bench_args_compete.py --aa

Measured with ``--runs 20 --sets 20 --calls 2 --rounds 16`` on 2 shared cores, mean CPU ratio over the
rounds +- its standard error (random, random+switch, strength+switch, follower):

* named tuples / positional: 1.010 +- 0.011, 0.973 +- 0.006, 0.993 +- 0.019, 0.999 +- 0.017 (load 3.3-2.9);
* ``--grouped-run``, seven tuples / as it is: 1.071 +- 0.031, 1.045 +- 0.020, 1.059 +- 0.030 (load 6.5-3.4);
* ``--aa``: 0.998 +- 0.005, 1.000 +- 0.010, 1.003 +- 0.003 (load 4.3-2.6); again 1.010 +- 0.015,
  1.027 +- 0.020 (load 4.3): what this method resolves at such loads is about 3%.

Peak RSS 0.64 GiB.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import os
import re
import resource
import sys
import textwrap
import time
from collections import namedtuple

import numba
import numpy as np
from numba import njit

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from abtiming import ms  # noqa: E402
from bench_compete import MESSENGER, WALLET  # noqa: E402

import graphmodel as gm  # noqa: E402
from graphmodel.competition import _follower_kernel as FK  # noqa: E402
from graphmodel.competition import _kernel as K  # noqa: E402
from graphmodel.competition.follower import FollowerRRGraph  # noqa: E402

C = importlib.import_module("graphmodel.competition.compete")  # the module (the package exports the function)
E = importlib.import_module("graphmodel.competition.engine")

_BATCH_UNPACK = (
    "    lptr, indices, arc_key, seg_key, n_users = g\n"
    "    prob, seg_u, seg_m, pkey, seeds, seed_ptr = pf\n"
    "    tie, switching, lock_in, multihoming, max_steps = rules\n"
    "    pay_ptr, pay_m, pay_w = pay\n"
)
_BATCH_HEAD = """def compete_batch_p(
    base, run_start, n_runs, n_workers, lptr, indices, arc_key, seg_key, n_users, prob, seg_u, seg_m, pkey,
    seeds, seed_ptr, tie, switching, lock_in, multihoming, max_steps, pay_ptr, pay_m, pay_w, curve_len,
):"""
# The design measured with --grouped-run: _compete_run taking seven named tuples.
Segments = namedtuple("Segments", ["segs", "lq", "cap", "thr", "pconst", "ithr"])
RunScratch = namedtuple(
    "RunScratch", "rows closed stepb front_v front_p nxt_v nxt_p touched cand_u cand_p cand_l cand_f adopted mk"
)
RunCounts = namedtuple("RunCounts", ["users", "merch", "gmv", "layers", "curve"])
_RUN_G_HEAD = "def _compete_run_g(r, base, ctr0, g, pf, sg, rules, pay, ws, out):"
_RUN_G_UNPACK = (
    "    lptr, indices, arc_key, seg_key, n_users = g\n"
    "    prob, seg_u, seg_m, pkey, seeds, seed_ptr = pf\n"
    "    segs, lq, cap, thr, pconst, ithr = sg\n"
    "    tie, switching, lock_in, multihoming, max_steps = rules\n"
    "    pay_ptr, pay_m, pay_w = pay\n"
    "    rows, closed, stepb, front_v, front_p, nxt_v, nxt_p, touched, cand_u, cand_p, cand_l, cand_f, adopted, mk = ws\n"
    "    out_users, out_merch, out_gmv, out_layers, out_curve = out\n"
)
_BATCH_G_HEAD = "def compete_batch_g(base, run_start, n_runs, n_workers, g, pf, rules, pay, curve_len):"
_RS_UNPACK = "    ptr, tail, akey, prob, fx = arcs\n"
_RS_HEAD = """def _reverse_search_p(
    order, n0, ptr, tail, akey, prob, fx, key, depth, skip, use_skip, st, pos, stamp, e_ptr, e_tail, e_fx
):"""
_CHUNK_UNPACK = (
    "    a_ptr, a_tail, a_key, a_prob, a_fx = a_arcs\n"
    "    b_ptr, b_tail, b_key, b_prob, b_fx = b_arcs\n"
    "    f_ptr, f_head, f_key, f_prob, f_fx = f_arcs\n"
    "    b_seed, b_seeds = rival\n"
    "    st_a, pos_a, queue, st_b, pos_b, qb, tbn, bbn, st_v = ws\n"
)
_CHUNK_HEAD = """def follower_chunk_p(
    key, start, count, roots, cdf, a_ptr, a_tail, a_key, a_prob, a_fx, b_ptr, b_tail, b_key, b_prob, b_fx,
    f_ptr, f_head, f_key, f_prob, f_fx, b_seed, b_seeds, n_users, tie, multihoming, st_a, pos_a, queue, st_b,
    pos_b, qb, tbn, bbn, st_v, stamp0, mode=0,
):"""


def _body(fn, unpack: str) -> str:
    """The kernel's source after its docstring, without the lines that unpack its tuples (checked)."""
    body = textwrap.dedent(inspect.getsource(fn.py_func)).split('"""', 2)[2]
    assert body.startswith("\n" + unpack), f"{fn.__name__} no longer unpacks its tuples first: update this script"
    return body[1 + len(unpack) :]


def _sub(text: str, old: str, new: str, count: int = 1) -> str:
    assert text.count(old) == count, f"expected {count} x {old!r} in the kernel's source: update this script"
    return text.replace(old, new)


def _compile(name: str, head: str, body: str, ns: dict, **jit):
    exec(compile(head + "\n" + body, f"<positional {name}>", "exec"), ns)  # noqa: S102
    ns[name] = njit(**jit)(ns[name])  # the copies that call it find the compiled one
    return ns[name]


def positional_kernels():
    """Positional copies of ``compete_batch`` and of ``follower_chunk`` (with ``_reverse_search``)."""
    ns = dict(vars(K))
    batch_p = _compile("compete_batch_p", _BATCH_HEAD, _body(K.compete_batch, _BATCH_UNPACK), ns, parallel=True)
    ns = dict(vars(FK))
    _compile("_reverse_search_p", _RS_HEAD, _body(FK._reverse_search, _RS_UNPACK), ns)
    body = _body(FK.follower_chunk, _CHUNK_UNPACK)
    body = _sub(body, "_reverse_search(", "_reverse_search_p(", 2)
    for x, ind in (("a", 12), ("b", 16)):
        names = "".join(f"{' ' * ind}{x}_{f},\n" for f in ("ptr", "tail", "key", "prob", "fx"))
        body = _sub(body, f"{' ' * ind}{x}_arcs,\n", names)
    chunk_p = _compile("follower_chunk_p", _CHUNK_HEAD, body, ns, nogil=True)
    return batch_p, chunk_p


def fresh_batch():
    """``compete_batch`` as it is, compiled afresh from its own source like the copies (no cache: a kernel
    loaded from numba's cache ran 2-5% slower than the same code compiled in the process)."""
    body = textwrap.dedent(inspect.getsource(K.compete_batch.py_func)).split('"""', 2)[2]
    return _compile("compete_batch_f", _BATCH_G_HEAD.replace("_g(", "_f("), body[1:], dict(vars(K)), parallel=True)


def grouped_run_batch():
    """``compete_batch`` whose per-run function takes seven named tuples (``--grouped-run``)."""
    ns = dict(vars(K), Segments=Segments, RunScratch=RunScratch, RunCounts=RunCounts)
    body = textwrap.dedent(inspect.getsource(K._compete_run.py_func)).split('"""', 2)[2]
    _compile("_compete_run_g", _RUN_G_HEAD, _RUN_G_UNPACK + body[1:], ns)
    body = textwrap.dedent(inspect.getsource(K.compete_batch.py_func)).split('"""', 2)[2]
    line = "    pconst, ithr = _constant_layers(lptr, prob, segs, n_users)\n"
    body = _sub(body, line, line + "    sg = Segments(segs, lq, cap, thr, pconst, ithr)\n")
    line = "        ctr = np.int64(0)\n"
    body = _sub(
        body,
        line,
        "        ws = RunScratch(rows, closed, stepb, front_v, front_p, nxt_v, nxt_p, touched, cand_u, cand_p, "
        "cand_l, cand_f, adopted, mk)\n        out = RunCounts(o_users, o_merch, o_gmv, o_layers, o_curve)\n" + line,
    )
    body, k = re.subn(
        r"_compete_run\(\n.*?\n            \)",
        "_compete_run_g(run_start + i, base, ctr, g, pf, sg, rules, pay, ws, out)",
        body,
        flags=re.S,
    )
    assert k == 1, "compete_batch no longer calls _compete_run once: update this script"
    return _compile("compete_batch_g", _BATCH_G_HEAD, body, ns, parallel=True)


def _compete_calls(kernels, arr, pay, runs: int, tie: int, switching: float, multihoming: float):
    """Two calls of one batch: ``kernels`` = ((kernel, grouped?), (kernel, grouped?))."""
    g = arr.graph
    pkey = K.platform_keys(arr.prob.shape[0])
    rules = (int(tie), switching, 0.2 if switching > 0 else 0.0, multihoming, -1)
    head = (np.uint64(1), 0, runs, 1)
    flat = (g.lptr, g.indices, g.arc_key, g.seg_key, int(g.n_users), arr.prob, arr.seg_u, arr.seg_m, pkey)
    flat = (*flat, arr.seeds, arr.seed_ptr, *rules, *pay, E.CURVE_STEPS + 1)
    tuples = (
        K.ContestGraph(*flat[:5]),
        K.Platforms(*flat[5:11]),
        K.Rules(*rules),
        K.Payments(*pay),
        E.CURVE_STEPS + 1,
    )
    return tuple((lambda k=k, a=(*head, *(tuples if grouped else flat)): k(*a)) for k, grouped in kernels)


def _follower_calls(chunks, arr, n_sets: int):
    """Two calls of one chunk of sets: ``chunks`` = ((kernel, grouped?), (kernel, grouped?))."""
    tie, mh = C.TIE_RULES["strength"], 0.2
    rr = FollowerRRGraph.build(
        arr.graph, arr.prob[0], arr.prob[1], arr.seeds[arr.seed_ptr[1] :], tie=tie, multihoming=mh
    )
    key = np.uint64(5)

    def call(chunk, grouped):
        sc = rr.new_scratch()  # each its own arrays and stamps

        def run():
            ws, stamp = sc
            if grouped:
                arrays = (rr.a, rr.b, rr.f, FK.RivalSeeds(rr.b_seed, rr.b_seeds), rr.n_users, tie, mh, ws)
            else:
                arrays = (*rr.a, *rr.b, *rr.f, rr.b_seed, rr.b_seeds, rr.n_users, tie, mh, *ws)
            off, mem, sc[1] = chunk(key, 0, n_sets, rr.roots, rr.cdf, *arrays, stamp, 0)
            return off, mem

        return run

    return tuple(call(*c) for c in chunks)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--users", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=40, help="contest runs per call")
    ap.add_argument("--sets", type=int, default=20_000, help="competitive RR sets per call")
    ap.add_argument("--calls", type=int, default=5, help="calls per variant per round (the minimum is kept)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--cases", default="random,random+switch,strength+switch,follower")
    ap.add_argument(
        "--aa", action="store_true", help="time the positional copy against a second one (A/A: the noise floor)"
    )
    ap.add_argument("--grouped-run", action="store_true", help="time _compete_run taking named tuples (not adopted)")
    args = ap.parse_args()
    numba.set_num_threads(1)
    eco = gm.generate(preset="balanced", users=args.users, seed=1)
    plats = C.as_platforms([WALLET, MESSENGER])
    arr = E.prepare(eco, plats, 0.9, np.random.SeedSequence(1), 1, {})
    pay = E.payments(eco)[:3]
    batch_p, chunk_p = positional_kernels()
    if args.grouped_run:
        names = ("as it is", "grouped run")
        batches = ((fresh_batch(), True), (grouped_run_batch(), True))
        chunks = None
    elif args.aa:  # a second, separately compiled positional copy
        names = ("positional", "positional")
        batch_b, chunk_b = positional_kernels()
        batches, chunks = ((batch_p, False), (batch_b, False)), ((chunk_p, False), (chunk_b, False))
    else:
        names = ("positional", "named tuples")
        batches = ((batch_p, False), (fresh_batch(), True))
        chunks = ((chunk_p, False), (FK.follower_chunk, True))
    print(
        f"balanced {eco.n_users} users, {eco.n_merchants} merchants, wallet vs messenger, 1 thread, "
        f"min of {args.calls} calls; {args.runs} runs or {args.sets} sets per call; {names[0]} vs {names[1]}; "
        f"load average {os.getloadavg()[0]:.2f}"
    )
    cases = {
        "random": lambda: _compete_calls(batches, arr, pay, args.runs, K.TIE_RANDOM, 0.0, 0.0),
        "random+switch": lambda: _compete_calls(batches, arr, pay, args.runs, K.TIE_RANDOM, 0.3, 0.2),
        "strength+switch": lambda: _compete_calls(batches, arr, pay, args.runs, K.TIE_STRENGTH, 0.3, 0.2),
        "follower": lambda: _follower_calls(chunks, arr, args.sets),
    }
    for name in args.cases.split(","):
        if name == "follower" and chunks is None:
            continue
        call_a, call_b = cases[name]()
        t = time.perf_counter()
        a = call_a()  # the copies compile on the first call (no cache), then the same numbers
        b = call_b()
        if time.perf_counter() - t > 1:
            print(f"  (first calls, compiling the copies: {time.perf_counter() - t:.0f} s)")
        assert len(a) == len(b) and all(np.array_equal(x, y) for x, y in zip(a, b)), f"{name}: numbers differ"
        ratios = []
        for r in range(args.rounds):
            ta, tb = [], []
            for c in range(args.calls):  # back to back, each going first in turn
                if c % 2:
                    tb.append(ms(call_b, time.process_time))
                    ta.append(ms(call_a, time.process_time))
                else:
                    ta.append(ms(call_a, time.process_time))
                    tb.append(ms(call_b, time.process_time))
            (wa, ca), (wb, cb) = (tuple(min(x) for x in zip(*ts)) for ts in (ta, tb))
            ratios.append(cb / ca)
            print(
                f"{name:15s} round {r + 1}: {names[0]} {wa:8.1f} ms wall {ca:8.1f} ms CPU   {names[1]} {wb:8.1f} ms "
                f"wall {cb:8.1f} ms CPU   ratio {wb / wa:.3f} wall {cb / ca:.3f} CPU   (load {os.getloadavg()[0]:.2f})"
            )
        if len(ratios) > 1:
            q = np.array(ratios)
            print(
                f"{name:15s} CPU ratio over {q.size} rounds: mean {q.mean():.3f} +- {q.std(ddof=1) / np.sqrt(q.size):.3f} "
                f"(standard error), median {np.median(q):.3f}, range {q.min():.3f}-{q.max():.3f}"
            )
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print(f"peak RSS {rss:.2f} GiB")


if __name__ == "__main__":
    main()
