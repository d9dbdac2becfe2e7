"""Memory per worker (shared or not) and time of simulate/compare on a LocalCluster versus this process.

    python benchmarks/bench_cluster.py [--users 1000000] [--runs 200] [--dir DIR] [--steps generate,workers,time]

Steps, each in its own process so that peak memory is per step:

1. ``generate``: a ``balanced`` ecosystem of ``--users`` users (seed 0), written
   as ``eco.npz`` (the compact snapshot) and ``eco.gmm`` (the memory-mapped
   one); bytes per edge of the tables and of the propagation arrays.
2. ``workers``: for each format, a fresh ``LocalCluster(n_workers=2,
   threads_per_worker=1)``; each worker opens the file and prepares the
   propagation arrays over all layers (what every simulate/compare task
   does first), then reports its RSS, PSS and USS from
   ``/proc/self/smaps_rollup``. PSS divides each shared page among the
   processes mapping it; USS counts only the pages a worker alone holds.
   With ``.npz`` every worker decodes its own copy; with ``.gmm`` the
   columns and the propagation arrays are pages of the page cache, shared.
3. ``time``: ``simulate`` (all layers, ``--runs``) and ``compare`` (``--runs``,
   no break-even) here with all threads, then on the 2-worker cluster with
   ``client=``; the numbers are checked equal. On one host with 2 cores a
   cluster cannot be faster than this process's threads: the figure is the
   cost of going through Dask (task shipping, one graph preparation per
   worker), which a real cluster pays once per worker.

Prints one JSON object per step; the load average is printed beside them.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _rollup(pid: int | None = None) -> dict[str, float]:
    """RSS, PSS and USS (MiB) of a process, from /proc/PID/smaps_rollup."""
    fields: dict[str, float] = {}
    with open(f"/proc/{pid or 'self'}/smaps_rollup") as fh:
        for line in fh:
            parts = line.split()
            if len(parts) >= 3 and parts[2] == "kB":
                fields[parts[0].rstrip(":")] = int(parts[1]) / 1024
    return {
        "rss_mib": round(fields.get("Rss", 0), 1),
        "pss_mib": round(fields.get("Pss", 0), 1),
        "uss_mib": round(fields.get("Private_Clean", 0) + fields.get("Private_Dirty", 0), 1),
    }


def step_generate(users: int, d: Path) -> dict:
    import graphmodel as gm
    from graphmodel.propagation.engine import prepare

    t = time.perf_counter()
    eco = gm.generate(preset="balanced", users=users, seed=0)
    t_gen = time.perf_counter() - t
    t = time.perf_counter()
    gm.write(eco, d / "eco.npz")
    t_npz = time.perf_counter() - t
    t = time.perf_counter()
    gm.write(eco, d / "eco.gmm")
    t_gmm = time.perf_counter() - t
    edges = eco.n_edges()
    tables = sum(eco.nodes(k)[c].nbytes for k in ("user", "merchant") for c in eco.nodes(k).columns)
    edge_bytes = sum(eco.edges(x)[c].nbytes for x in ("social", "payment", "transfer") for c in eco.edges(x).columns)
    csr = eco.csr()
    g = prepare(eco, None, None)
    csr_bytes = sum(getattr(csr, k).nbytes for k in ("indptr", "indices", "layer", "edge"))
    kernel_bytes = g.lptr.nbytes + g.arc_key.nbytes + g.prob.nbytes
    size = lambda p: sum(f.stat().st_size for f in p.rglob("*")) if p.is_dir() else p.stat().st_size  # noqa: E731
    return {
        "step": "generate",
        "users": eco.n_users,
        "merchants": eco.n_merchants,
        "edges": edges,
        "arcs": csr.m,
        "generate_s": round(t_gen, 1),
        "write_npz_s": round(t_npz, 1),
        "write_gmm_s": round(t_gmm, 1),
        "npz_mib": round(size(d / "eco.npz") / 2**20, 1),
        "gmm_mib": round(size(d / "eco.gmm") / 2**20, 1),
        "bytes_per_edge": {
            "node_tables": round(tables / edges, 1),
            "edge_tables": round(edge_bytes / edges, 1),
            "csr": round(csr_bytes / edges, 1),
            "kernel_arrays": round(kernel_bytes / edges, 1),
            "total": round((tables + edge_bytes + csr_bytes + kernel_bytes) / edges, 1),
        },
        "peak_rss_mib": round(_peak_mib(), 1),
    }


def _open_and_prepare(path: str) -> dict:
    """On a worker: open the ecosystem as a task would and prepare all layers (measured once every worker has)."""
    import gc

    from graphmodel import cluster
    from graphmodel.io import format_of, snapshot_stamp
    from graphmodel.propagation.engine import prepare

    t = time.perf_counter()
    eco = cluster.open_ecosystem(path, snapshot_stamp(path, format_of(path)), None)
    g = cluster.derived(eco, ("bench", "all", "wc"), lambda: prepare(eco, None, None))
    # touch every page the kernels read (a run from many seeds would)
    _ = int(g.indices.sum()) + int(g.arc_key[::512].sum() % 7) + float(g.prob.sum())
    gc.collect()
    return {"pid": os.getpid(), "open_prepare_s": round(time.perf_counter() - t, 2)}


def _memory() -> dict:
    """On a worker: its memory now (a page shared with another process counts as shared only once both map it)."""
    return {"pid": os.getpid(), **_rollup()}


def _baseline() -> dict:
    """On a worker, before any ecosystem: the interpreter, numpy, numba, Dask (and the compiled kernels' modules)."""
    import graphmodel.experiments.scenarios  # noqa: F401
    import graphmodel.propagation.engine  # noqa: F401

    return {"pid": os.getpid(), **_rollup()}


def step_workers(d: Path) -> dict:
    from dask.distributed import Client, LocalCluster

    out = {"step": "workers"}
    for fmt in ("npz", "gmm"):
        with (
            LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as lc,
            Client(lc) as c,
        ):
            workers = list(c.scheduler_info(n_workers=-1)["workers"])
            out[fmt + "_baseline"] = [c.submit(_baseline, workers=[w], pure=False).result() for w in workers]
            opened = [c.submit(_open_and_prepare, str(d / f"eco.{fmt}"), workers=[w], pure=False) for w in workers]
            times = [f.result() for f in opened]
            res = [{**t, **c.submit(_memory, workers=[w], pure=False).result()} for t, w in zip(times, workers)]
            out[fmt] = res
            out[fmt + "_sum"] = {k: round(sum(r[k] for r in res), 1) for k in ("rss_mib", "pss_mib", "uss_mib")}
    return out


def step_time(d: Path, runs: int) -> dict:
    import numpy as np
    from dask.distributed import Client, LocalCluster

    import graphmodel as gm

    eco = gm.read(d / "eco.gmm")
    out: dict = {"step": "time", "runs": runs}
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as lc, Client(lc) as c:
        # compile the kernels on the workers and here first (numba's cache), so that both timings are steady state
        gm.simulate(eco, runs=4, seed=0, client=c, regime_check=False)
        gm.simulate(eco, runs=4, seed=0, regime_check=False)
        for name, fn, kw in (
            ("simulate", gm.simulate, dict(runs=runs, seed=1, regime_check=False)),
            ("compare", gm.compare, dict(runs=runs, seed=1, breakeven=False)),
        ):
            t, cpu = time.perf_counter(), time.process_time()
            a = fn(eco, **kw)
            local = (time.perf_counter() - t, time.process_time() - cpu)
            t = time.perf_counter()
            b = fn(eco, client=c, **kw)
            remote = time.perf_counter() - t
            da, db = a.to_dict(), b.to_dict()
            same = json.dumps(da, sort_keys=True, default=str) == json.dumps(db, sort_keys=True, default=str)
            if name == "simulate":
                same = same and bool(np.array_equal(a.activation_frequency, b.activation_frequency))
            out[name] = {
                "local_s": round(local[0], 1),
                "local_cpu_s": round(local[1], 1),
                "cluster_s": round(remote, 1),
                "same_numbers": same,
            }
    out["peak_rss_mib_client"] = round(_peak_mib(), 1)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--users", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument("--dir", type=Path, default=None)
    ap.add_argument(
        "--steps",
        default="generate,workers,time",
        help="Steps to run (generate is skipped when DIR already holds both files).",
    )
    ap.add_argument("--step", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.step:
        d = args.dir
        res = {
            "generate": lambda: step_generate(args.users, d),
            "workers": lambda: step_workers(d),
            "time": lambda: step_time(d, args.runs),
        }[args.step]()
        print(json.dumps(res))
        return
    d = args.dir or Path(tempfile.mkdtemp(prefix="bench_cluster_"))
    d.mkdir(parents=True, exist_ok=True)
    print(json.dumps({"load": os.getloadavg(), "cpus": os.cpu_count(), "dir": str(d)}), flush=True)
    steps = [x for x in args.steps.split(",") if x]
    if "generate" in steps and (d / "eco.gmm" / "manifest.json").exists() and (d / "eco.npz").exists():
        steps.remove("generate")
    for step in steps:
        cmd = [
            sys.executable,
            __file__,
            "--step",
            step,
            "--users",
            str(args.users),
            "--runs",
            str(args.runs),
            "--dir",
            str(d),
        ]
        p = subprocess.run(cmd, capture_output=True, text=True)
        if p.returncode != 0:
            sys.stderr.write(p.stderr[-3000:])
            raise SystemExit(f"step {step} failed")
        print(p.stdout.strip().splitlines()[-1], flush=True)
    print(json.dumps({"load": os.getloadavg()}), flush=True)


if __name__ == "__main__":
    main()
