"""Benchmark ``gm.stats``: all default measures on a 1M-user, ~10M-edge ecosystem.

The issue's target: the default stats (every per-layer and multiplex measure;
no Leiden, no betweenness) in under 2 minutes, peak memory under 8 GiB.
Optionally also times PageRank, sampled betweenness and Leiden (not defaults).

The ecosystem comes from ``gm.generate`` (preset ``default``; a random
numpy-built one if the generator is unavailable), is written to a temporary
``.npz`` and read back in a fresh subprocess, so that the peak resident memory
(``ru_maxrss``) measured there is loading plus analytics, not generation.

    python benchmarks/bench_stats.py                 # 1M users, 50k merchants
    python benchmarks/bench_stats.py --quick         # 100k users
    python benchmarks/bench_stats.py --extras        # + pagerank, 16-source betweenness, leiden
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

_MAKE = r"""
import sys, time, json
import numpy as np
import graphmodel as gm
users, seed, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
t0 = time.perf_counter()
try:
    eco = gm.generate(users=users, merchants=users // 20, seed=seed)
    how = "gm.generate"
except Exception as exc:  # generator missing or failing: a random numpy-built ecosystem
    rng = np.random.default_rng(seed)
    U, M = users, users // 20
    def pairs(m, a, b):
        return {"src": rng.integers(0, a, m), "dst": rng.integers(0, b, m)}
    eco = gm.Ecosystem(
        users={"id": np.arange(U), "city": rng.choice(["a", "b", "c"], U)},
        merchants={"id": np.arange(M), "city": rng.choice(["a", "b", "c"], M), "channel": rng.choice(["online", "offline"], M)},
        social=pairs(5 * U, U, U), payment=pairs(4 * U, U, M), transfer=pairs(U, U, U))
    how = f"random numpy ({type(exc).__name__})"
import graphmodel.io
graphmodel.io.write(eco, out)
print(json.dumps({"how": how, "make_s": time.perf_counter() - t0}))
"""

_RUN = r"""
import sys, time, json, resource
import graphmodel as gm
import graphmodel.io
path, extras = sys.argv[1], sys.argv[2] == "1"
t0 = time.perf_counter()
eco = graphmodel.io.read(path)
t1 = time.perf_counter()
c1 = time.process_time()
r = gm.stats(eco)
t2 = time.perf_counter()
cpu = time.process_time() - c1
d = r.to_dict()
json.dumps(d, allow_nan=False)
out = {
    "users": eco.n_users, "merchants": eco.n_merchants,
    "edges": {k: eco.n_edges(k) for k in ("social", "payment", "transfer")}, "total_edges": eco.n_edges(),
    "read_s": t1 - t0, "stats_s": t2 - t1, "stats_cpu_s": cpu,
    "peak_rss_mib_default": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "sample": {k: {m: d["layers"][k].get(m) for m in ("reciprocity", "transitivity", "components", "assortativity")}
               for k in d["layers"]},
    "participation_mean": (d["multiplex"]["participation"] or {}).get("mean"),
}
if extras:
    t = time.perf_counter(); gm.centrality(eco, measures="pagerank", layers=None); out["pagerank_all_scopes_s"] = time.perf_counter() - t
    t = time.perf_counter(); c = gm.centrality(eco, measures="betweenness", layers="social", betweenness_samples=16, seed=1)
    out["betweenness_social_16_sources_s"] = time.perf_counter() - t
    t = time.perf_counter(); gm.communities(eco, layers="social", seed=1); out["leiden_social_s"] = time.perf_counter() - t
    out["peak_rss_mib_with_extras"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(out))
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--users", type=int, default=1_000_000)
    ap.add_argument("--quick", action="store_true", help="100k users instead of 1M")
    ap.add_argument("--extras", action="store_true", help="also time pagerank, sampled betweenness and leiden")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    users = 100_000 if args.quick else args.users
    with tempfile.TemporaryDirectory() as tmp:
        snap = str(Path(tmp) / "eco.npz")
        made = json.loads(
            subprocess.run(
                [sys.executable, "-c", _MAKE, str(users), str(args.seed), snap],
                check=True,
                capture_output=True,
                text=True,
            )
            .stdout.strip()
            .splitlines()[-1]
        )
        run = subprocess.run(
            [sys.executable, "-c", _RUN, snap, "1" if args.extras else "0"], check=True, capture_output=True, text=True
        )
        res = json.loads(run.stdout.strip().splitlines()[-1])
    res["ecosystem_from"] = made["how"]
    print(json.dumps(res, indent=2))
    ok_t = res["stats_s"] < 120
    ok_m = res["peak_rss_mib_default"] < 8 * 1024
    print(
        f"default stats: {res['stats_s']:.1f} s wall, {res['stats_cpu_s']:.1f} s CPU on {res['total_edges']:,} edges (target < 120 s: {'ok' if ok_t else 'MISSED'}); "
        f"peak RSS {res['peak_rss_mib_default']:.0f} MiB (target < 8192: {'ok' if ok_m else 'MISSED'}). "
        "Shared machine: timings are noisy."
    )


if __name__ == "__main__":
    main()
