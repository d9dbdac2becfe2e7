"""Does calling the shared skip step cost speed? Each hot skip loop, written out vs calling the helper.

The geometric skip loops of the propagation (``propagation._kernels``), intent
(``experiments._intent_kernel``) and competition (``competition._kernel``) kernels take their next
live arc from :func:`graphmodel.kernels.skip.skip_next`. This script compiles two copies of each
kernel module from the module's own source (``inspect.getsource``, ``cache=False``): one with the
step written out in place (its historical form: draw, table test, log, gap) and one calling a helper
``VARIANT``; nothing else differs. Both must give the same numbers (checked). Variants:

* ``step``: ``skip_next`` as declared in ``kernels/skip.py`` (the repository's form);
* ``step-plain`` / ``step-inline`` / ``step-lean``: the same function under plain ``@njit`` /
  ``inline="always"`` (numba's IR inliner) / ``NO_NRT`` (no reference counting);
* ``gap-plain`` / ``gap-inline`` / ``gap-lean``: a helper returning only the gap decision (the loop
  and its bookkeeping stay in the caller), under the same three options;
* ``again``: a second written-out copy (A/A: the noise floor of the comparison).

Timed on one thread (``NUMBA_NUM_THREADS=1``, CPU time of the process), back to back, each copy
going first in turn, min of ``--calls`` calls per round, ``--rounds`` rounds: the propagation kernel
on BA 100k users (m=5), 50 random seeds, IC at p=0.01, 0.05, 0.1 (``--runs`` runs); ``gm.compare``'s
intent kernel (every scenario of one call, captured from the public call) and ``gm.compete``'s kernel
(two platforms) on a generated 100k-user ecosystem at a uniform probability, so that they take the
skip path (checked: a layer with 0 < p < 1 in the kernel's arguments). Ratio = helper / written out::

    python benchmarks/bench_skip_step.py                       # every kernel, variant step
    python benchmarks/bench_skip_step.py --variants step-plain,step-inline,gap-plain --only propagation
"""

from __future__ import annotations

import os

os.environ["NUMBA_NUM_THREADS"] = "1"  # the compete kernel's prange then runs on this process's one worker

import argparse  # noqa: E402
import copy  # noqa: E402
import importlib  # noqa: E402
import inspect  # noqa: E402
import re  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
from numba import njit  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from abtiming import same  # noqa: E402
from bench_propagation import ba_ecosystem  # noqa: E402

import graphmodel as gm  # noqa: E402
from graphmodel.kernels import skip as S  # noqa: E402
from graphmodel.kernels.coins import stream_draw  # noqa: E402

MODULES = {
    "propagation": "graphmodel.propagation._kernels",
    "compare": "graphmodel.experiments._intent_kernel",
    "compete": "graphmodel.competition._kernel",
}

# the step written out: draw, table test, log, gap (any names for the uniform, log1p(-p) and the table row)
_WRITTEN = re.compile(
    r"^(?P<i> *)while True:(?P<c>[^\n]*)\n"
    r"(?P=i)    (?P<u>\w+) = stream_draw\(key, d\)\n"
    r"(?P=i)    d \+= 1\n"
    r"(?P=i)    R = b - j - 1\n"
    r"(?P=i)    if R < c and (?P=u) <= thr\[(?P<row>\w+), R\]:\n"
    r"(?P=i)        break\n"
    r"(?P=i)    f = np\.log\((?P=u)\) / (?P<q>\w+)\n"
    r"(?P=i)    if f >= R:\n"
    r"(?P=i)        break\n"
    r"(?P=i)    j \+= 1 \+ np\.int64\(f\)\n",
    re.M,
)
# the step as a call of skip_next
_CALLED = re.compile(
    r"^(?P<i> *)while True:(?P<c>[^\n]*)\n"
    r"(?P=i)    j = skip_next\(key, d, j, b, (?P<q>\w+), c, thr, (?P<row>\w+)\)\n"
    r"(?P=i)    d \+= 1\n"
    r"(?P=i)    if j < 0:\n"
    r"(?P=i)        break\n",
    re.M,
)


def _written(m: re.Match) -> str:
    i, q, row = m["i"], m["q"], m["row"]
    return (
        f"{i}while True:\n{i}    u_skip = stream_draw(key, d)\n{i}    d += 1\n{i}    R = b - j - 1\n"
        f"{i}    if R < c and u_skip <= thr[{row}, R]:\n{i}        break\n{i}    f = np.log(u_skip) / {q}\n"
        f"{i}    if f >= R:\n{i}        break\n{i}    j += 1 + np.int64(f)\n"
    )


def _step(m: re.Match) -> str:
    i, q, row = m["i"], m["q"], m["row"]
    return f"{i}while True:\n{i}    j = skip_next(key, d, j, b, {q}, c, thr, {row})\n{i}    d += 1\n{i}    if j < 0:\n{i}        break\n"


def _gap(m: re.Match) -> str:
    i, q, row = m["i"], m["q"], m["row"]
    return (
        f"{i}while True:\n{i}    gap_skip = skip_gap(stream_draw(key, d), b - j - 1, {q}, c, thr, {row})\n"
        f"{i}    d += 1\n{i}    if gap_skip < 0:\n{i}        break\n{i}    j += 1 + gap_skip\n"
    )


def skip_gap(u, R, lq, c, thr, l):
    """The gap decision alone: the number of dead arcs before the next live one, or -1 (the loop ends)."""
    if R < c and u <= thr[l, R]:
        return np.int64(-1)
    f = np.log(u) / lq
    if f >= R:
        return np.int64(-1)
    return np.int64(f)


VARIANTS = {
    "again": (_written, lambda: None),  # a second written-out copy: the A/A noise floor
    "step": (_step, lambda: S.skip_next),
    "step-plain": (_step, lambda: njit(S.skip_next.py_func)),
    "step-inline": (_step, lambda: njit(inline="always")(S.skip_next.py_func)),
    "step-lean": (_step, lambda: njit(**S.NO_NRT)(S.skip_next.py_func)),
    "gap-plain": (_gap, lambda: njit(skip_gap)),
    "gap-lean": (_gap, lambda: njit(**S.NO_NRT)(skip_gap)),
    "gap-inline": (_gap, lambda: njit(inline="always")(skip_gap)),
}


def module_copy(name: str, form, helper=None, tag: str = ""):
    """A fresh, uncached copy of module ``name`` whose skip loops are rewritten by ``form``."""
    mod = importlib.import_module(name)
    src = inspect.getsource(mod)
    src, n1 = _CALLED.subn(lambda m: _written(m), src)  # back to the written-out form first
    src, n2 = _WRITTEN.subn(form, src)
    assert n2 >= 1, f"no skip loop in {name}"
    src = src.replace("cache=True", "cache=False")
    ns = {"__name__": f"{name}_copy{tag}", "__file__": mod.__file__}
    exec(compile(src, f"<{name} {tag}>", "exec"), ns)  # noqa: S102
    ns["stream_draw"] = stream_draw  # looked up when the copy compiles
    if helper is not None:
        ns["skip_next" if form is _step else "skip_gap"] = helper
    ns["_n_loops"] = n2
    return ns


def _arrays(args):
    """Every array among ``args``, looking inside the kernels' named tuples."""
    for a in args:
        if isinstance(a, tuple):
            yield from _arrays(a)
        elif isinstance(a, np.ndarray):
            yield a


def _seg_check(name: str, args) -> None:
    segs = [a for a in _arrays(args) if a.dtype == np.float64 and a.ndim in (1, 2)]
    assert any(((s > 0) & (s < 1)).any() for s in segs if s.size < 64), f"{name}: no layer takes the skip path"


def _capture(mod, attr: str, call):
    """Arguments of every call of ``mod.attr`` made by ``call()`` (copied before the kernel writes into them)."""
    orig, seen = getattr(mod, attr), []

    def rec(*a):
        seen.append(copy.deepcopy(a))
        return orig(*a)

    setattr(mod, attr, rec)
    try:
        call()
    finally:
        setattr(mod, attr, orig)
    return seen


def workloads(args):
    """name -> (entry function name, list of argument tuples)."""
    out = {}
    if "propagation" in args.only:
        from graphmodel.propagation import _kernels as K
        from graphmodel.propagation import engine as E

        eco = ba_ecosystem(args.users, 5, 1)
        seeds = np.ascontiguousarray(gm.resolve_seeds(eco, "random:50", seed=1), dtype=np.int64)
        for p in args.probs:
            g = E.prepare(eco, ["social"], {"social": p})
            lptr = E._kernel_lptr(g)
            cg = K.CascadeGraph(lptr, g.indices, g.arc_key, g.prob, g.seg_p, g.seg_key)
            a = (E.MODELS["ic"], np.uint64(E.base_key(1)), 0, args.runs, 1, cg, seeds, int(g.n_users), 1.0, -1, 201)
            _seg_check("propagation", [g.seg_p])
            out[f"propagation p={p}"] = ("propagation", "cascade_batch_serial", [a])
    if "compare" in args.only or "compete" in args.only:
        eco = gm.generate(users=args.users, seed=1)
    if "compare" in args.only:
        from graphmodel.experiments import _intent_kernel as IK

        calls = _capture(
            IK,
            "intent_worker",
            lambda: gm.compare(eco, prob=args.uniform, runs=args.compare_runs, seed=1, workers=1, breakeven=False),
        )
        for a in calls:
            _seg_check("compare", a)
        out[f"compare p={args.uniform}"] = ("compare", "intent_worker", calls)
    if "compete" in args.only:
        from graphmodel.competition import _kernel as CK

        u = args.uniform
        plats = [
            f"a: seeds=random:30:user, layers=social,transfer, strength=social:{u},transfer:{u}",
            f"b: seeds=random:30:user, layers=social,payment, strength=social:{u},payment:{u}",
        ]
        calls = _capture(
            CK,
            "compete_batch",
            lambda: gm.compete(
                eco, platforms=plats, runs=args.compete_runs, seed=1, workers=1, merchant_carry=u, regime_check=False
            ),
        )
        for a in calls:
            _seg_check("compete", a)
        out[f"compete p={u}"] = ("compete", "compete_batch", calls)
    return out


def _run(fn, calls):
    """CPU seconds of the process for every call (arguments copied outside the timing); the results."""
    res, cpu = [], 0.0
    for a in calls:
        a = copy.deepcopy(a)
        t = time.process_time()
        r = fn(*a)
        cpu += time.process_time() - t
        res.append((r, a))
    return cpu, res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--users", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=300, help="propagation runs per call")
    ap.add_argument("--probs", default="0.01,0.05,0.1")
    ap.add_argument("--uniform", type=float, default=0.05, help="probability of every layer for compare and compete")
    ap.add_argument("--compare-runs", type=int, default=60)
    ap.add_argument("--compete-runs", type=int, default=60)
    ap.add_argument("--variants", default="step")
    ap.add_argument("--only", default="propagation,compare,compete")
    ap.add_argument("--calls", type=int, default=3, help="calls per copy per round (the minimum is kept)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--helper-first", action="store_true", help="compile the helper copies before the written-out one")
    args = ap.parse_args()
    args.only = args.only.split(",")
    args.probs = [float(x) for x in args.probs.split(",")]
    print(
        f"{args.users} users, 1 thread, CPU time, min of {args.calls} calls, {args.rounds} rounds; "
        f"load average {os.getloadavg()[0]:.2f}",
        flush=True,
    )
    loads = workloads(args)
    copies = {}
    for kernel in {k for k, _, _ in loads.values()}:
        if not args.helper_first:
            copies[kernel, "written"] = module_copy(MODULES[kernel], _written, tag="w")
        for v in args.variants.split(","):
            form, helper = VARIANTS[v]
            copies[kernel, v] = module_copy(MODULES[kernel], form, helper(), tag=v)
        if args.helper_first:
            copies[kernel, "written"] = module_copy(MODULES[kernel], _written, tag="w")
        print(f"  {kernel}: {copies[kernel, 'written']['_n_loops']} skip loop(s) rewritten", flush=True)
    for name, (kernel, entry, calls) in loads.items():
        a_fn = copies[kernel, "written"][entry]
        if args.helper_first:  # numba compiles on the first call: the helper copies first
            rb0 = [_run(copies[kernel, v][entry], calls)[1] for v in args.variants.split(",")]
        _, ra = _run(a_fn, calls)
        for iv, v in enumerate(args.variants.split(",")):
            b_fn = copies[kernel, v][entry]
            rb = rb0[iv] if args.helper_first else _run(b_fn, calls)[1]
            assert same(ra, rb), f"{name}: {v} gave other numbers than the written-out step"
            ratios = []
            for r in range(args.rounds):
                ta, tb = [], []
                for c in range(args.calls):
                    order = (a_fn, b_fn) if c % 2 == 0 else (b_fn, a_fn)
                    for fn in order:
                        (ta if fn is a_fn else tb).append(_run(fn, calls)[0])
                ca, cb = 1e3 * min(ta), 1e3 * min(tb)
                ratios.append(cb / ca)
                print(
                    f"{name:22s} {v:11s} round {r + 1}: written {ca:8.1f} ms  helper {cb:8.1f} ms  "
                    f"ratio {cb / ca:.3f}  (load {os.getloadavg()[0]:.2f})",
                    flush=True,
                )
            print(f"{name:22s} {v:11s} ratios {' '.join(f'{x:.3f}' for x in ratios)}", flush=True)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print(f"peak RSS {rss:.2f} GiB")


if __name__ == "__main__":
    main()
