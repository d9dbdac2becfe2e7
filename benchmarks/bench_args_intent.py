"""Do grouped kernel arguments cost the intent kernel speed? Named tuples vs positional, compare-like workload.

The intent kernels (``experiments._intent_kernel``, behind ``gm.compare``) take the graph arrays as
one ``CascadeGraph`` named tuple, the skip table as a ``SkipTable``, the intent model as an
``IntentParams``, a worker's arrays as an ``IntentScratch`` and one run's counters as a ``RunCounts``
(``intent_run`` had 33 positional arguments, ``_relay`` 28). This script compiles the positional
version of the same code: the bodies of ``_live_arcs``, ``_expose``, ``_relay`` and ``intent_run``
are the kernel's own source (``inspect.getsource``) without the lines that unpack the tuples, each
tuple parameter (and each tuple passed on to a callee) spelt out as its fields; the worker loop
around them is copied below. Only the way the arrays are passed differs, and both must give the
same numbers (checked). Then both are timed on one thread, back to back (the order rotated from
call to call), with the grouped kernel timed a second time as a control (its ratio to itself is
the noise of the machine): a generated ecosystem (``--users``, default 100k), 50 random seeds, the
five default scenarios, the default intent model, at a uniform probability on every layer
(``--p``, default 0.1: the geometric skip path, ~18k users with intent per run) with ``--runs``
runs per call and at ``wc`` (per-arc coins, compare's default: ~100 per run) with ``--wc-runs``,
min of ``--calls`` calls (wall and CPU time of the thread), in ``--rounds`` rounds::

    python benchmarks/bench_args_intent.py

``--baseline FILE`` also times an older copy of the kernel module with its own positional
signature (``git show REV:graphmodel/experiments/_intent_kernel.py > FILE``; the ``intent_worker``
of 31 arguments), against the same grouped kernel and with the same numbers checked.
"""

from __future__ import annotations

import argparse
import ast
import importlib.util
import inspect
import io
import os
import re
import resource
import sys
import textwrap
import time
import tokenize

import numpy as np
from numba import njit

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from abtiming import ms  # noqa: E402

import graphmodel as gm  # noqa: E402
from graphmodel._seed import as_seed_sequence
from graphmodel.experiments import _intent_kernel as IK
from graphmodel.experiments.campaign import buy_scale, campaign_seeds, make_campaign
from graphmodel.experiments.intent import IntentModel
from graphmodel.experiments.scenarios import CURVE_LEN, _kernel_graph, make_setup, parse_scenarios
from graphmodel.propagation.engine import base_key

#: The tuple parameters of the family, by the name the kernels give them.
TUPLES = {
    "g": IK.CascadeGraph._fields,
    "sk": IK.SkipTable._fields,
    "im": IK.IntentParams._fields,
    "ws": IK.IntentScratch._fields,
    "rc": IK.RunCounts._fields,
}
#: The grouped functions of the hot path, callees first.
FAMILY = ("_live_arcs", "_expose", "_relay", "intent_run")


def _spell_out(code: str, names: dict) -> str:
    """``code`` with every identifier in ``names`` replaced by its text (comments and strings left alone)."""
    lines = code.splitlines(keepends=True)
    hits = [t for t in tokenize.generate_tokens(io.StringIO(code).readline) if t.type == tokenize.NAME]
    for t in reversed([t for t in hits if t.string in names]):
        (row, c0), (_, c1) = t.start, t.end
        lines[row - 1] = lines[row - 1][:c0] + names[t.string] + lines[row - 1][c1:]
    return "".join(lines)


def _positional_source(name: str) -> str:
    """``name`` with its tuple parameters spelt out as their fields and its unpack lines dropped."""
    src = textwrap.dedent(inspect.getsource(getattr(IK, name).py_func))
    params = [a.arg for a in ast.parse(src).body[0].args.args]
    body = src.split('"""', 2)[2]  # after the docstring
    tuples = [t for t in params if t in TUPLES]
    for t in tuples:
        unpack = f"\n    {', '.join(TUPLES[t])} = {t}\n"
        body = body.replace(unpack, "\n", 1)  # a kernel that only passes a tuple on does not unpack it
        assert not re.search(rf"\b{t}\.", body), f"{name} reads {t}.field: unpack it first"
    body = _spell_out(body, {**{t: ", ".join(TUPLES[t]) for t in tuples}, **{f: f + "_p" for f in FAMILY}})
    flat = [x for t in params for x in (TUPLES.get(t) or (t,))]
    return f"def {name}_p({', '.join(flat)}):{body}"


def _positional_family() -> dict:
    ns = dict(vars(IK))
    for name in FAMILY:
        src = _positional_source(name)
        exec(compile(src, f"<positional {name}>", "exec"), ns)  # noqa: S102
        opts = {k: v for k, v in getattr(IK, name).targetoptions.items() if k in ("inline", "_nrt", "nogil")}
        ns[name + "_p"] = njit(**opts)(ns[name + "_p"])
    return ns


_P = _positional_family()
intent_run_p = _P["intent_run_p"]
_workspace, fetch_add, run_key = IK._workspace, IK.fetch_add, IK.run_key
_REACH, _PURCH, _MERCH = IK._REACH, IK._PURCH, IK._MERCH


@njit(nogil=True)
def intent_worker_p(
    base,
    run_start,
    n_runs,
    counter,
    lptr,
    indices,
    arc_key,
    prob,
    seg_p,
    seg_key,
    lq,
    cap,
    thr,
    masks,
    from_purchase,
    conv,
    pkey,
    buy,
    seeds,
    n_users,
    max_out,
    reach,
    purch,
    merch,
    half,
    steps,
    reach_by,
    purch_by,
    curve_i,
    curve_p,
):
    """``intent_worker`` with every array positional (the same loop)."""
    n = lptr.shape[0]
    L = lptr.shape[1] - 1
    curve_len = curve_i.shape[2]
    ws, rc = _workspace(n, n_users, max_out, buy, L)
    rec, recf, front, nxt, live, livel, live2, livel2 = ws
    cnt_i, cnt_p, state, rb, pb = rc
    elayer = np.zeros(1, np.int8)
    player = np.zeros(1, np.int8)
    S = masks.shape[0]
    total = S * n_runs
    tag = np.int32(0)
    while True:
        x = fetch_add(counter, 0, 1)
        if x >= total:
            break
        sc = x % S
        i = x // S
        tag += 1
        last = intent_run_p(
            tag,
            run_key(base, run_start + i),
            lptr,
            indices,
            arc_key,
            prob,
            seg_p,
            seg_key,
            lq,
            cap,
            thr,
            masks[sc],
            from_purchase,
            conv,
            pkey,
            seeds,
            n_users,
            rec,
            recf,
            front,
            nxt,
            live,
            livel,
            live2,
            livel2,
            cnt_i,
            cnt_p,
            state,
            rb,
            pb,
            False,
            elayer,
            player,
        )
        reach[sc, i] = state[_REACH]
        purch[sc, i] = state[_PURCH]
        merch[sc, i] = state[_MERCH]
        steps[sc, i] = last
        for l in range(L + 1):
            reach_by[sc, i, l] = rb[l]
            purch_by[sc, i, l] = pb[l]
        cum = 0
        h = -1
        for s in range(last + 1):
            cum += cnt_i[s]
            if h < 0 and 2 * cum >= state[_REACH]:
                h = s
            j = s if s < curve_len else curve_len - 1
            curve_i[sc, i, j] += cnt_i[s]
            curve_p[sc, i, j] += cnt_p[s]
        half[sc, i] = h if h >= 0 else 0


def _outputs(S: int, runs: int, L: int) -> IK.IntentRuns:
    z = np.zeros
    return IK.IntentRuns(
        z((S, runs), np.int64),
        z((S, runs), np.int64),
        z((S, runs), np.int64),
        z((S, runs), np.int64),
        z((S, runs), np.int64),
        z((S, runs, L + 1), np.int64),
        z((S, runs, L + 1), np.int64),
        z((S, runs, CURVE_LEN), np.int32),
        z((S, runs, CURVE_LEN), np.int32),
    )


def _calls(setup, key: int, runs: int, baseline):
    """Zero-argument callables, each one whole batch (all scenarios x ``runs``) on this thread; each returns its outputs."""
    g = setup.graph
    L = g.lptr.shape[1] - 1
    masks = np.ascontiguousarray(np.stack([setup.mask(x) for x in parse_scenarios(None).values()]), dtype=np.uint8)
    S = masks.shape[0]
    kg, sk = _kernel_graph(g)
    im = setup.params
    rest = (setup.buy, setup.seeds, int(g.n_users), int(setup.max_out))
    base = np.uint64(key)

    def grouped():
        out = _outputs(S, runs, L)
        IK.intent_worker(base, 0, runs, np.zeros(1, np.int64), kg, sk, masks, im, *rest, out)
        return out

    def positional():
        out = _outputs(S, runs, L)
        intent_worker_p(base, 0, runs, np.zeros(1, np.int64), *kg, *sk, masks, *im, *rest, *out)
        return out

    def grouped_again():  # the same kernel timed as a fourth variant: the spread of its ratio is the noise
        return grouped()

    calls = {"positional": positional, "grouped": grouped, "grouped again": grouped_again}
    if baseline is not None:

        def old():
            out = _outputs(S, runs, L)
            baseline.intent_worker(
                base,
                0,
                runs,
                np.zeros(1, np.int64),
                g.indptr,
                kg.indices,
                kg.lptr,
                *kg[2:],
                *sk,
                masks,
                *im,
                *rest,
                *out,
            )
            return out

        calls["baseline"] = old
    return calls


def _load_baseline(path: str | None):
    if path is None:
        return None
    spec = importlib.util.spec_from_file_location("intent_kernel_baseline", path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # numba's cache finds the module's globals by its name
    spec.loader.exec_module(mod)
    return mod


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--users", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=40, help="runs per call (each of the 5 scenarios) at --p")
    ap.add_argument("--wc-runs", type=int, default=2000, help="runs per call at wc (small cascades)")
    ap.add_argument("--calls", type=int, default=8, help="calls per variant per round (the minimum is kept)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--p", type=float, default=0.1, help="the uniform probability of every layer")
    ap.add_argument("--specs", default="uniform,wc", help="comma-separated: uniform and/or wc")
    ap.add_argument("--baseline", default=None, help="an older _intent_kernel.py with positional arguments")
    args = ap.parse_args()
    baseline = _load_baseline(args.baseline)
    eco = gm.generate(users=args.users, seed=1)
    intent = IntentModel()
    camp = make_campaign(eco, None, price=None)
    seed_ss, run_ss, _, _ = as_seed_sequence(1).spawn(4)
    seeds = campaign_seeds(eco, camp, "random:50", seed=seed_ss)
    buy, _ = buy_scale(eco, camp, intent)
    key = base_key(run_ss)
    print(
        f"generated {eco.n_users} users, {eco.n_merchants} merchants; 50 random seeds, 5 scenarios x {args.runs} runs "
        f"per call ({args.wc_runs} at wc), 1 thread, min of {args.calls} calls, load average {os.getloadavg()[0]:.2f}"
    )
    for spec in args.specs.split(","):
        prob = {x: args.p for x in ("social", "payment", "transfer")} if spec == "uniform" else spec
        setup = make_setup(eco, prob=prob, intent=intent, buy=buy, seeds=seeds)
        calls = _calls(setup, key, args.runs if spec == "uniform" else args.wc_runs, baseline)
        ref = calls["grouped"]()
        for name, fn in calls.items():
            t = time.perf_counter()
            got = fn()  # compiled on the first call (no cache), then the same numbers
            if time.perf_counter() - t > 1:
                print(f"  ({name}: first call {time.perf_counter() - t:.0f} s)")
            assert all(np.array_equal(a, b) for a, b in zip(ref, got)), f"{name} gave other numbers than grouped"
        label = f"p={args.p}" if spec == "uniform" else spec
        print(f"{label}: {float(ref.reach.mean()):,.0f} users with intent per run (mean over scenarios)")
        names = list(calls)
        ratios = {k: [] for k in names if k != "grouped"}
        for r in range(args.rounds):
            ts = {k: [] for k in names}
            for c in range(args.calls):  # back to back, the order rotated and reversed from call to call
                order = names[c % len(names) :] + names[: c % len(names)]
                for k in order[::-1] if (c // len(names)) % 2 else order:
                    ts[k].append(ms(calls[k]))
            best = {k: tuple(min(x) for x in zip(*v)) for k, v in ts.items()}
            for k in ratios:
                ratios[k].append(best["grouped"][1] / best[k][1])
            (wa, ca), (wb, cb) = best["positional"], best["grouped"]
            line = (
                f"{label:7s} round {r + 1}: positional {wa:8.1f} ms wall {ca:8.1f} ms CPU   named tuples {wb:8.1f} ms "
                f"wall {cb:8.1f} ms CPU   ratio {wb / wa:.3f} wall {cb / ca:.3f} CPU"
            )
            line += f"   again {best['grouped again'][1]:8.1f} ms CPU"
            if baseline is not None:
                wo, co = best["baseline"]
                line += f"   baseline {wo:8.1f} ms wall {co:8.1f} ms CPU (grouped/baseline {cb / co:.3f} CPU)"
            print(line + f"   (load {os.getloadavg()[0]:.2f})")
        for k, v in ratios.items():
            print(f"{label:7s} CPU ratio grouped/{k}: median {np.median(v):.3f}, rounds {min(v):.3f}-{max(v):.3f}")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print(f"peak RSS {rss:.2f} GiB")


if __name__ == "__main__":
    main()
