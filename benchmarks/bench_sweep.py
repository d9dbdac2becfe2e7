"""Sweep scaling: a 200-cell study on 1 and 2 workers, and the per-task overhead.

    python benchmarks/bench_sweep.py            # 200 cells x 1 task
    python benchmarks/bench_sweep.py --quick    # 20 cells

Per-task overhead = wall time of the in-process run minus the time spent inside
the experiment itself, divided by the number of tasks.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--users", type=int, default=100000)
    ap.add_argument("--runs", type=int, default=500)
    args = ap.parse_args()
    cells = 20 if args.quick else 200
    probs = np.round(np.linspace(0.005, 0.1, cells // 2), 5).tolist()
    study = {
        "study": {"name": "bench", "experiment": "simulate", "seed": 1, "runs": args.runs, "batch": args.runs},
        "ecosystems": {"g": {"preset": "balanced", "users": args.users, "seed": 1}},
        "params": {"seeds": "random:20"},
        "grid": {"prob.social": probs, "layers": ["social", "social,payment"]},
    }
    from graphmodel.studies import sweep

    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        # Warm-up: generate the ecosystem once and compile the kernels (not timed).
        sweep({**study, "grid": {"prob.social": probs[:1], "layers": ["social"]}}, out=d / "warm", workers=1)
        eco_file = d / "warm" / "ecosystems" / "g.npz"
        (d / "w1" / "ecosystems").mkdir(parents=True)
        (d / "w2" / "ecosystems").mkdir(parents=True)
        (d / "again" / "ecosystems").mkdir(parents=True)
        for w in ("w1", "w2", "again"):
            (d / w / "ecosystems" / "g.npz").write_bytes(eco_file.read_bytes())
        times = {}
        for workers in (1, 2):
            t0 = time.perf_counter()
            res = sweep(study, out=d / f"w{workers}", workers=workers)
            times[workers] = time.perf_counter() - t0
            print(f"workers={workers}: {res.tasks} tasks in {times[workers]:.1f} s ({res.engine})")
        same = (d / "w1" / "results.csv").read_bytes() == (d / "w2" / "results.csv").read_bytes()
        from dask.distributed import Client, LocalCluster

        t0 = time.perf_counter()
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster:
            with Client(cluster) as client:
                client.submit(sum, [1, 2]).result()
        print(f"Dask LocalCluster start-up and shut-down (2 workers): {time.perf_counter() - t0:.1f} s")
        print(f"speed-up 1 -> 2 workers: {times[1] / times[2]:.2f}x; results.csv identical: {same}")
        # Per-task overhead: the same tasks run directly, without the sweep machinery.
        import graphmodel as gm
        from graphmodel.studies import load_study
        from graphmodel.studies.experiments import run_experiment
        from graphmodel.studies.run import task_seeds

        s = load_study(study)
        eco = gm.read(eco_file)

        def direct_pass() -> float:
            t0 = time.perf_counter()
            for cell in s.cells():
                cs, bs = task_seeds(s, cell, 0)
                run_experiment("simulate", eco, s.cell_params(cell), cell_seed=cs, batch_seed=bs, runs=s.runs)
            return time.perf_counter() - t0

        direct_pass()  # warm the CSR caches as a worker's first task would
        t0 = time.perf_counter()
        res = sweep(study, out=d / "again", workers=1)
        again = time.perf_counter() - t0
        direct = direct_pass()
        times[1] = again
        n = len(s.cells())
        print(
            f"direct experiment time {direct:.1f} s; sweep (1 worker, warm) {again:.1f} s; overhead per task: "
            f"{(times[1] - direct) / n * 1000:.1f} ms"
        )


if __name__ == "__main__":
    main()
