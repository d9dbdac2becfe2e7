"""Bringing data in: Parquet directory vs .npz, CSV parsers, and out-of-core payment events (issue #18 figures).

Each operation runs in its own subprocess, so the peak resident memory
(``ru_maxrss``) is that operation's alone. Three groups:

``--formats``
    The 1M-user / 50k-merchant / 10M-edge ecosystem of ``bench_io.py``:
    write and read the ``.npz`` snapshot and the Parquet directory.
    Target: Parquet read within 2x of ``.npz`` read.
``--csv``
    The same ecosystem as a CSV directory, read by graphmodel's reader and by
    ``pyarrow.csv`` (the candidate replacement: parse every table with Arrow,
    then build the ecosystem from the columns). Target: under 5 s.
``--events N``
    N payment events (default 100M) written as Parquet files of 5M rows
    (user, merchant, time, amount; 1M users, each paying at 10 merchants
    of 50k, so about 10M distinct pairs), then ``import_ecosystem``: check
    every file, aggregate with DuckDB (memory limit 2 GB), build the
    ecosystem. Target: under 5 minutes and 4 GiB.

    python benchmarks/bench_import.py --formats --csv --events 100000000 [--dask] [--dir DIR] [--quick]

``--dask`` also imports the events on a LocalCluster of 2 single-thread
workers (the cluster path, on this machine).

Report ``uptime`` beside the figures: the machine has 2 cores shared with others.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
_FILE_ROWS = 5_000_000


def _build(scale: float):
    sys.path.insert(0, str(HERE))
    from bench_io import build  # the same random ecosystem as the format benchmark

    return build(scale)


def write_events(d: Path, n: int, *, users: int = 1_000_000, merchants: int = 50_000, seed: int = 0) -> list[Path]:
    """N events in Parquet files of at most 5M rows; each user pays at 10 of the merchants."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    d.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    out = []
    for i, a in enumerate(range(0, n, _FILE_ROWS)):
        k = min(_FILE_ROWS, n - a)
        u = rng.integers(0, users, k)
        m = (u * 7919 + rng.integers(0, 10, k) * 104_729) % merchants
        t = 1_700_000_000 + rng.integers(0, 365 * 86_400, k)
        amount = np.round(rng.lognormal(3, 1, k), 2)
        f = d / f"part-{i:04d}.parquet"
        pq.write_table(pa.table({"user": u, "merchant": m, "time": t, "amount": amount}), f)
        out.append(f)
    pq.write_table(pa.table({"id": np.arange(users)}), d.parent / "users.parquet")
    pq.write_table(pa.table({"id": np.arange(merchants)}), d.parent / "merchants.parquet")
    return out


def _pyarrow_csv_read(d: Path):
    """The candidate parser: pyarrow.csv for every table, then the ecosystem from its columns."""
    import pyarrow.csv as pcsv

    from graphmodel.io.frames import frame_to_table

    manifest = json.loads((d / "manifest.json").read_text())
    tables = {}
    for stem in ("users", "merchants", "social", "payments", "transfers"):
        kinds = manifest["columns"][stem]
        types = {c: {"int": "int64", "float": "float64", "str": "string", "bool": "bool"}[k] for c, k in kinds.items()}
        import pyarrow as pa

        opts = pcsv.ConvertOptions(
            column_types={c: pa.type_for_alias(t) for c, t in types.items()}, strings_can_be_null=False
        )
        tables[stem] = frame_to_table(pcsv.read_csv(d / f"{stem}.csv", convert_options=opts), name=stem)
    from graphmodel.io._labels import from_labels_fast

    return from_labels_fast(
        tables["users"],
        tables["merchants"],
        social=tables["social"],
        payment=tables["payments"],
        transfer=tables["transfers"],
    )


def _op(op: str, d: Path, scale: float, events: int) -> dict:
    import graphmodel as gm

    def cpu() -> float:
        ru = resource.getrusage(resource.RUSAGE_SELF)
        return ru.ru_utime + ru.ru_stime

    t0, c0 = time.perf_counter(), cpu()
    info: dict = {}
    if op == "build":
        eco = _build(scale)
        gm.write(eco, d / "base.npz")
        gm.write(eco, d / "csv")
    elif op == "npz-read":
        eco = gm.read(d / "base.npz")
        info["size_mib"] = round((d / "base.npz").stat().st_size / 2**20, 1)
    elif op == "parquet-write":
        eco = gm.read(d / "base.npz")
        t0, c0 = time.perf_counter(), cpu()
        gm.write(eco, d / "eco.parquet")
    elif op == "parquet-read":
        eco = gm.read(d / "eco.parquet")
        wall, used = time.perf_counter() - t0, cpu() - c0
        info["equal"] = eco.equals(gm.read(d / "base.npz"))
        info["size_mib"] = round(sum(f.stat().st_size for f in (d / "eco.parquet").iterdir()) / 2**20, 1)
    elif op == "read-ratio":
        # Both formats read alternately in one process, 5 times each: medians, less exposed to load swings.
        walls: dict[str, list[float]] = {"npz": [], "parquet": []}
        cpus: dict[str, list[float]] = {"npz": [], "parquet": []}
        for _ in range(5):
            for fmt, path in (("npz", d / "base.npz"), ("parquet", d / "eco.parquet")):
                a, b = time.perf_counter(), cpu()
                gm.read(path)
                walls[fmt].append(time.perf_counter() - a)
                cpus[fmt].append(cpu() - b)
        for fmt in walls:
            info[f"{fmt}_wall_median_s"] = round(float(np.median(walls[fmt])), 3)
            info[f"{fmt}_cpu_median_s"] = round(float(np.median(cpus[fmt])), 3)
        info["ratio_wall"] = round(info["parquet_wall_median_s"] / info["npz_wall_median_s"], 2)
        info["ratio_cpu"] = round(info["parquet_cpu_median_s"] / info["npz_cpu_median_s"], 2)
    elif op == "csv-read":
        eco = gm.read(d / "csv")
    elif op == "pyarrow-csv-read":
        eco = _pyarrow_csv_read(d / "csv")
        info["edges"] = eco.n_edges()
    elif op == "events-write":
        files = write_events(d / "events", events)
        info["files"] = len(files)
        info["bytes"] = sum(f.stat().st_size for f in files)
    elif op == "events-import":
        from graphmodel.io.importer import import_ecosystem

        eco = import_ecosystem(
            users=d / "users.parquet", merchants=d / "merchants.parquet", payments=str(d / "events" / "*.parquet")
        )
        info["events"] = eco.meta["payment_events"]
        info["edges"] = eco.n_edges("payment")
    elif op == "events-import-dask":
        # The cluster path on this machine: a LocalCluster of 2 single-thread workers (peak RSS: this process only;
        # the workers' peak is reported from their own processes).
        from dask.distributed import Client, LocalCluster

        from graphmodel.io.importer import import_ecosystem

        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster:
            t0, c0 = time.perf_counter(), cpu()
            eco = import_ecosystem(
                users=d / "users.parquet",
                merchants=d / "merchants.parquet",
                payments=str(d / "events" / "*.parquet"),
                scheduler=cluster.scheduler_address,
            )
            with Client(cluster) as client:
                info["worker_peak_gib"] = round(max(client.run(_peak_gib).values()), 2)
        info["events"] = eco.meta["payment_events"]
        info["edges"] = eco.n_edges("payment")
    else:
        raise SystemExit(f"unknown op {op}")
    if op != "parquet-read":
        wall, used = time.perf_counter() - t0, cpu() - c0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # KiB -> GiB
    return {"op": op, "wall_s": round(wall, 2), "cpu_s": round(used, 2), "peak_gib": round(peak, 2), **info}


def _peak_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def _run(op: str, d: Path, scale: float, events: int) -> dict:
    cmd = [sys.executable, __file__, "--_op", op, "--dir", str(d), "--_scale", str(scale), "--events", str(events)]
    res = subprocess.run(cmd, capture_output=True, text=True)
    if res.returncode:
        raise SystemExit(f"{op} failed:\n{res.stderr}")
    row = json.loads(res.stdout.strip().splitlines()[-1])
    print(json.dumps(row), flush=True)
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--formats", action="store_true", help=".npz vs Parquet directory (1M users, 10M edges)")
    ap.add_argument("--csv", action="store_true", help="graphmodel's CSV reader vs pyarrow.csv (10M edges)")
    ap.add_argument("--events", type=int, default=0, help="payment events to write and import (e.g. 100000000)")
    ap.add_argument("--dask", action="store_true", help="also import the events on a 2-worker Dask LocalCluster")
    ap.add_argument("--quick", action="store_true", help="a tenth of the ecosystem size")
    ap.add_argument("--dir", type=Path, default=None, help="work directory (default: a temporary one, removed)")
    ap.add_argument("--_op", help=argparse.SUPPRESS)
    ap.add_argument("--_scale", type=float, default=1.0, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args._op:
        print(json.dumps(_op(args._op, args.dir, args._scale, args.events)))
        return
    scale = 0.1 if args.quick else 1.0
    d = args.dir or Path(tempfile.mkdtemp(prefix="bench-import-"))
    d.mkdir(parents=True, exist_ok=True)
    print(
        json.dumps({"load": os.getloadavg(), "cpus": os.cpu_count(), "scale": scale, "events": args.events}), flush=True
    )
    try:
        if args.formats or args.csv:
            _run("build", d, scale, 0)
        if args.formats:
            for op in ("npz-read", "parquet-write", "parquet-read", "read-ratio"):
                _run(op, d, scale, 0)
        if args.csv:
            for op in ("csv-read", "pyarrow-csv-read"):
                _run(op, d, scale, 0)
        if args.events:
            _run("events-write", d, scale, args.events)
            _run("events-import", d, scale, args.events)
            if args.dask:
                _run("events-import-dask", d, scale, args.events)
        print(json.dumps({"load_after": os.getloadavg()}), flush=True)
    finally:
        if args.dir is None:
            shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    main()
