"""National scale: the 10M-user pipeline end to end, step by step, with time, CPU time and peak RSS per step.

Targets (2 cores, 24 GiB; 10M users, ``balanced``, about 100M edges):

==================  ==========================================================
generate+write      under 10 minutes and 16 GiB peak RSS
read                the fast format read back under 30 s
stats               default measures under 5 minutes
simulate            1000 runs over all layers (default ``wc``) under 10 minutes
compare             1000 runs, default (subcritical ``wc``) parameters, 10 min
seeds               IMM, weighted cascade, k=100, epsilon 0.2, under 10 minutes
==================  ==========================================================

Each step runs in a fresh subprocess (this script re-invoked with
``--child``), so its peak RSS is its own: the table reports the child's
own ``ru_maxrss`` (for a stopped step, the largest resident size the parent
saw) and its user+system CPU time, read by the parent through
``resource.getrusage(RUSAGE_CHILDREN)``. Every step after the first reads
the ecosystem the first step wrote (the read time is one of its phase
lines). The parent polls each child's resident memory and stops a child
that goes over ``--max-rss`` (default 16 GiB) or leaves the machine less
than ``--min-available`` (default 1.5 GiB; the machine is shared), and,
with ``--max-wall``, one that runs too long: the phase lines printed so far
then say where the time and memory went.

Phase lines: each step times the library functions it goes through (the
functions are wrapped by a timer that calls the original; nothing is
changed), with wall time, CPU time, the resident memory after the phase
and the peak so far. The ``*-noregime`` steps measure the same call without
the regime diagnostic: ``simulate(regime_check=False)`` is part of the API;
``compare`` and ``seeds`` have no switch, so there the benchmark replaces
the regime function by one returning ``None`` (a measurement only: the
results of those steps lack the regime lines). ``compare-noregime-nobreakeven``
also leaves out the break-even search (``compare(breakeven=False)``), to
show what the rest of a comparison costs.

Usage::

    python benchmarks/bench_national.py --users 1000000 --dir /tmp/nat1m
    python benchmarks/bench_national.py                       # 10M users, a temporary directory under /tmp
    python benchmarks/bench_national.py --steps read,stats --dir /tmp/nat10m
    python benchmarks/bench_national.py --users 1000000 --steps all,compare-noregime-nobreakeven

Steps run one at a time (never two large steps at once). The work files
are large at 10M users (the ``.npz`` is about 2 GiB): put ``--dir`` under
/tmp, never in the repository. ``--keep`` keeps them (with ``--dir`` they
are always kept; a step other than ``generate`` needs them).
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import queue
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

GiB = 2**30
STEPS = (
    "generate",
    "read",
    "stats",
    "simulate",
    "simulate-noregime",
    "compare",
    "compare-noregime",
    "compare-noregime-nobreakeven",
    "seeds",
    "seeds-noregime",
)
DEFAULT_STEPS = (
    "generate",
    "read",
    "stats",
    "simulate",
    "simulate-noregime",
    "compare",
    "compare-noregime",
    "seeds",
    "seeds-noregime",
)
#: (wall seconds, peak RSS GiB or None) per step; the issue's targets at 10M users.
TARGETS = {
    "generate": (600, 16.0),
    "read": (30, None),
    "stats": (300, None),
    "simulate": (600, None),
    "simulate-noregime": (600, None),
    "compare": (600, None),
    "compare-noregime": (600, None),
    "compare-noregime-nobreakeven": (600, None),
    "seeds": (600, None),
    "seeds-noregime": (600, None),
}
#: Fast formats: the ``.npz`` snapshot, and the memory-mapped ``.gmm`` snapshot directory.
FORMATS = {"npz": ".npz", "gmm": ".gmm"}


# -- the child: one step, phase by phase --------------------------------------------------------------------
def _rss() -> float:
    """Resident memory now, GiB."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / GiB


def _peak() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / GiB


class _Phases:
    """Timer wrappers around library functions; each call prints one phase line (stdout, flushed)."""

    def __init__(self) -> None:
        self.rows: list[dict] = []
        self.depth = 0

    def line(self, label: str, wall: float, cpu: float) -> None:
        row = {
            "phase": label,
            "wall_s": wall,
            "cpu_s": cpu,
            "rss_gib": _rss(),
            "peak_gib": _peak(),
            "depth": self.depth,
        }
        self.rows.append(row)
        print("PHASE " + json.dumps(row), flush=True)

    def wrap(self, module: object, name: str, label: str | None = None, replace=None) -> None:
        orig = getattr(module, name, None)
        if orig is None:  # the library moved it: no phase line for it
            return
        target = replace or orig

        @functools.wraps(orig)
        def timed(*a, **k):
            t0, c0 = time.perf_counter(), time.process_time()
            self.depth += 1
            try:
                return target(*a, **k)
            finally:
                self.depth -= 1
                self.line(label or name, time.perf_counter() - t0, time.process_time() - c0)

        setattr(module, name, timed)

    def run(self, label: str, fn, *a, **k):
        t0, c0 = time.perf_counter(), time.process_time()
        self.depth += 1
        try:
            return fn(*a, **k)
        finally:
            self.depth -= 1
            self.line(label, time.perf_counter() - t0, time.process_time() - c0)


def _mod(name: str):
    """The module itself (``import a.b.c as x`` gives the function when a package re-exports a same-named one)."""
    import importlib

    return importlib.import_module(name)


def _no_regime(*a, **k):
    return None


class _NoRegime:
    """What ``seeds`` reads of a regime when the benchmark leaves it out: no warnings."""

    def warnings(self) -> list[str]:
        return []

    def to_dict(self) -> None:
        return None


def _child(step: str, path: str, users: int, seed: int, workers: int | None) -> dict:
    import numpy as np

    import graphmodel as gm
    import graphmodel.io

    ph = _Phases()
    out: dict = {}
    if step == "generate":
        G = _mod("graphmodel.generator")

        for name in ("make_users", "make_social", "make_merchants", "make_payments", "make_transfers"):
            ph.wrap(G, name)
        ph.wrap(G, "Ecosystem", "Ecosystem(...) (checks, tables)")
        eco = ph.run("generate (total)", gm.generate, preset="balanced", users=users, seed=seed)
        out["edges"] = {k: eco.n_edges(k) for k in ("social", "payment", "transfer")}
        ph.run("write", graphmodel.io.write, eco, Path(path))
        p = Path(path)
        files = [p] if p.is_file() else [f for f in p.rglob("*") if f.is_file()]
        out["file_gib"] = sum(f.stat().st_size for f in files) / GiB
        return {"phases": ph.rows, **out}

    eco = ph.run("read", graphmodel.io.read, Path(path))
    out["edges"] = {k: eco.n_edges(k) for k in ("social", "payment", "transfer")}
    if step == "read":
        # touch every page of every column once, so that a memory-mapped format pays its page-ins here too
        ph.run(
            "touch every column",
            lambda: sum(
                int(np.ascontiguousarray(t[c]).reshape(-1).view(np.uint8)[::4096].sum())
                for t in (
                    *(eco.nodes(x) for x in ("user", "merchant")),
                    *(eco.edges(x) for x in ("social", "payment", "transfer")),
                )
                for c in t
            ),
        )
    elif step == "stats":
        L, MX, S = (_mod(f"graphmodel.analytics.{x}") for x in ("layers", "multiplex", "stats"))

        ph.wrap(S, "layer_views")
        ph.wrap(S, "layer_measures")
        ph.wrap(S, "multiplex_measures")
        for name in ("fit_powerlaw", "reciprocity", "components", "clustering", "degree_assortativity"):
            ph.wrap(L, name)
        for name in ("_edge_overlap", "_neighbour_jaccard", "user_degrees", "spearmanr"):
            ph.wrap(MX, name)
        res = ph.run("stats (total)", gm.stats, eco)
        out["largest_component_share"] = {k: v.get("largest_component_share") for k, v in res.layers.items()}
    elif step.startswith("simulate"):
        R, SIM = _mod("graphmodel.propagation.regime"), _mod("graphmodel.propagation.simulate")

        ph.wrap(SIM, "prepare", "prepare (CSR, probabilities)")
        ph.wrap(SIM, "run_batch", "run_batch (a batch of runs)")
        ph.wrap(R, "regime")
        t_start, last = time.perf_counter(), [0.0]

        def progress(done: int, total: int) -> None:  # as the CLI: it shows a bar on large graphs (20 batches)
            now = time.perf_counter()
            if now - last[0] > 30 or done == total:
                last[0] = now
                print(
                    f"  progress at {now - t_start:6.1f} s: {done:,}/{total:,} runs; rss {_rss():.2f} GiB", flush=True
                )

        res = ph.run(
            "simulate (total)",
            gm.simulate,
            eco,
            runs=1000,
            seed=seed,
            workers=workers,
            regime_check=step == "simulate",
            progress=progress,
        )
        out["spread"] = res.spread.mean
    elif step.startswith("compare"):
        C = _mod("graphmodel.experiments.compare")

        for name in (
            "make_campaign",
            "campaign_seeds",
            "buy_scale",
            "make_setup",
            "_batched",
            "breakeven_conversion",
            "breakeven_transmission",
            "_spread_sensitivity",
        ):
            ph.wrap(C, name)
        ph.wrap(C, "regime", replace=_no_regime if "noregime" in step else None)
        res = ph.run(
            "compare (total)",
            gm.compare,
            eco,
            runs=1000,
            seed=seed,
            workers=workers,
            breakeven="nobreakeven" not in step,
        )
        out["winner"] = res.winner
    elif step.startswith("seeds"):
        SD = _mod("graphmodel.seeding.seeds")

        R = _mod("graphmodel.propagation.regime")
        off = step == "seeds-noregime"
        ph.wrap(SD, "regime", "regime (of the seeds)", replace=(lambda *a, **k: _NoRegime()) if off else None)
        # the validation is one simulate call, which runs its own regime check by default
        ph.wrap(R, "regime", "regime (in the validation's simulate)", replace=_no_regime if off else None)
        t_start, last = time.perf_counter(), [None, 0.0]

        def progress(p) -> None:  # one line per stage change, round or 30 s
            now = time.perf_counter()
            if p.stage == "round" or p.stage != last[0] or now - last[1] > 30:
                last[:] = [p.stage, now]
                store = "" if p.store_bytes is None else f", store {p.store_bytes / GiB:.2f} GiB"
                ratio = "" if p.ratio is None else f", ratio {p.ratio:.3f} (target {p.target:.3f})"
                print(
                    f"  progress at {now - t_start:6.1f} s: {p.stage} {p.done:,}/{p.total:,} {p.unit}"
                    f"{'' if p.round is None else f', round {p.round}'}{ratio}{store}; rss {_rss():.2f} GiB",
                    flush=True,
                )

        res = ph.run(
            "seeds (total)",
            gm.seeds,
            eco,
            k=100,
            method="imm",
            epsilon=0.2,
            seed=seed,
            workers=workers,
            progress=progress,
        )
        for k, v in res.timings.items():
            print(
                "PHASE "
                + json.dumps(
                    {
                        "phase": f"  seeds.timings[{k}]",
                        "wall_s": v,
                        "cpu_s": None,
                        "rss_gib": None,
                        "peak_gib": None,
                        "depth": 2,
                    }
                ),
                flush=True,
            )
        out["n_rr_sets"] = res.n_rr_sets
        out["spread"] = None if res.validation is None else res.validation.mean
    else:
        raise SystemExit(f"unknown step {step!r}")
    return {"phases": ph.rows, **out}


# -- the parent --------------------------------------------------------------------------------------------
def _proc_rss(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024 / GiB
    except OSError:
        pass
    return 0.0


def _mem_available() -> float:
    """The machine's MemAvailable, GiB (the memory is shared: a step must not starve the others)."""
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024 / GiB
    return float("inf")


def _load() -> str:
    return "%.2f %.2f %.2f" % os.getloadavg()


def run_step(step: str, path: Path, a: argparse.Namespace) -> dict:
    cmd = [
        sys.executable,
        os.path.abspath(__file__),
        "--child",
        step,
        "--file",
        str(path),
        "--users",
        str(a.users),
        "--seed",
        str(a.seed),
    ] + (["--workers", str(a.workers)] if a.workers else [])
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    load0 = _load()
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, bufsize=1)
    lines: queue.Queue = queue.Queue()
    reader = threading.Thread(target=lambda: [lines.put(x) for x in proc.stdout], daemon=True)
    reader.start()
    result, killed, polled_peak = None, False, 0.0
    print(f"[{step}] started (load {load0})", flush=True)
    while True:
        done = proc.poll() is not None
        if done:
            reader.join()
        while not lines.empty():
            line = lines.get().rstrip("\n")
            if line.startswith("PHASE "):
                r = json.loads(line[6:])
                pad = "  " * r["depth"]
                cpu = "-" if r["cpu_s"] is None else f"{r['cpu_s']:.1f}"
                mem = "" if r["rss_gib"] is None else f"  rss {r['rss_gib']:.2f} GiB  peak {r['peak_gib']:.2f} GiB"
                print(f"[{step}]   {pad}{r['phase']:<40s} wall {r['wall_s']:8.1f} s  cpu {cpu:>7s} s{mem}", flush=True)
            elif line.startswith("RESULT "):
                result = json.loads(line[7:])
            elif line:
                print(f"[{step}] {line}", flush=True)
        if done:
            break
        rss = _proc_rss(proc.pid)
        polled_peak = max(polled_peak, rss)
        avail = _mem_available()
        if a.max_wall and time.perf_counter() - t0 > a.max_wall and not killed:
            print(f"[{step}] running for over --max-wall {a.max_wall:.0f} s: stopping the step", flush=True)
            proc.kill()
            killed = "time"
        if (rss > a.max_rss or avail < a.min_available) and not killed:
            why = (
                f"resident memory {rss:.2f} GiB is over --max-rss {a.max_rss} GiB"
                if rss > a.max_rss
                else f"the machine has {avail:.2f} GiB available, under --min-available {a.min_available} GiB "
                f"(this step holds {rss:.2f} GiB)"
            )
            print(f"[{step}] {why}: stopping the step", flush=True)
            proc.kill()
            killed = "memory"
        time.sleep(0.2)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    # ru_maxrss of RUSAGE_CHILDREN is the largest child so far: read this child's own peak from its result
    peak = (result or {}).get("peak_gib")
    if peak is None:
        peak = max(after.ru_maxrss * 1024 / GiB if after.ru_maxrss > before.ru_maxrss else 0.0, polled_peak)
    status = (
        f"stopped ({killed})"
        if killed
        else ("ok" if proc.returncode == 0 and result is not None else f"failed (exit {proc.returncode})")
    )
    return {
        "step": step,
        "wall_s": wall,
        "cpu_s": cpu,
        "peak_gib": peak,
        "status": status,
        "load_start": load0,
        "load_end": _load(),
        "result": result,
    }


def _met(step: str, r: dict) -> str:
    if r["status"] != "ok":
        return "no (" + r["status"] + ")"
    t, m = TARGETS[step]
    ok = r["wall_s"] < t and (m is None or r["peak_gib"] < m)
    return "yes" if ok else "NO"


def _target(step: str) -> str:
    t, m = TARGETS[step]
    return f"< {t / 60:.1f} min" + (f", < {m:.0f} GiB" if m else "") if t >= 60 else f"< {t} s"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--users", type=int, default=10_000_000)
    ap.add_argument("--dir", type=Path, default=None, help="work directory (default: a temporary one under /tmp)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary work directory")
    ap.add_argument(
        "--steps",
        default=",".join(DEFAULT_STEPS),
        help=f"comma-separated subset of {', '.join(STEPS)} ('all': every step)",
    )
    ap.add_argument("--format", default="npz", choices=sorted(FORMATS), help="fast format written and read back")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--workers", type=int, default=None, help="threads per step (default: all cores)")
    ap.add_argument("--max-rss", type=float, default=16.0, help="stop a step whose resident memory passes this (GiB)")
    ap.add_argument(
        "--min-available",
        type=float,
        default=1.5,
        help="stop a step when the machine's available memory falls under this (GiB)",
    )
    ap.add_argument("--max-wall", type=float, default=None, help="stop a step that runs longer than this (s)")
    ap.add_argument("--json", type=Path, default=None, help="also write the table as JSON here")
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--file", default=None, help=argparse.SUPPRESS)
    a = ap.parse_args()

    if a.child:
        res = _child(a.child, a.file, a.users, a.seed, a.workers)
        res["peak_gib"] = _peak()
        print("RESULT " + json.dumps(res), flush=True)
        return

    steps: list[str] = []
    for s in a.steps.split(","):
        s = s.strip()
        if s == "all":
            steps.extend(x for x in DEFAULT_STEPS if x not in steps)
        elif s in STEPS:
            if s not in steps:
                steps.append(s)
        elif s:
            raise SystemExit(f"unknown step {s!r}; steps: {', '.join(STEPS)}")
    tmp = None
    if a.dir is None:
        tmp = Path(tempfile.mkdtemp(prefix="gm-national-", dir="/tmp"))
        work = tmp
    else:
        work = a.dir
        work.mkdir(parents=True, exist_ok=True)
    path = work / f"eco_{a.users}{FORMATS[a.format]}"
    if "generate" not in steps and not path.exists():
        raise SystemExit(f"{path} does not exist: run the 'generate' step first (same --dir and --users)")

    print(f"national-scale pipeline: {a.users:,} users, balanced, seed {a.seed}, format {a.format}, file {path}")
    print(f"machine: {os.cpu_count()} cores, load average {_load()}; steps: {', '.join(steps)}", flush=True)
    rows = []
    try:
        for step in steps:
            r = run_step(step, path, a)
            rows.append(r)
            res = r["result"] or {}
            extra = {k: v for k, v in res.items() if k not in ("phases", "peak_gib")}
            print(
                f"[{step}] done: {r['status']}, wall {r['wall_s']:.1f} s, CPU {r['cpu_s']:.1f} s, peak RSS "
                f"{r['peak_gib']:.2f} GiB, load {r['load_start']} -> {r['load_end']}; {json.dumps(extra)}",
                flush=True,
            )
            if step == "generate" and r["status"] != "ok":
                print("generate failed: the other steps need its file; stopping", flush=True)
                break
    finally:
        if tmp is not None and not a.keep:
            shutil.rmtree(tmp, ignore_errors=True)

    print()
    print(
        f"{a.users:,} users (balanced, seed {a.seed}, {a.format}); {os.cpu_count()} cores; "
        f"load average at the end {_load()}"
    )
    print("| step | wall s | CPU s | peak RSS GiB | target | met? | load (start -> end) |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['step']} | {r['wall_s']:.1f} | {r['cpu_s']:.1f} | {r['peak_gib']:.2f} | {_target(r['step'])} | "
            f"{_met(r['step'], r)} | {r['load_start']} -> {r['load_end']} |"
        )
    if a.users != 10_000_000:
        print(f"(targets are those of 10M users; this run has {a.users:,})")
    if a.json:
        a.json.write_text(json.dumps({"users": a.users, "format": a.format, "rows": rows}, indent=1))


if __name__ == "__main__":
    main()
