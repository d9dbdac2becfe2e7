"""Benchmark ``gm.signal`` and ``gm.estimate_conversion`` on the real datasets.

Prints wall time per stage and the headline numbers. The issue's target:
Epinions (922k ratings) in under 2 minutes on this machine.

    python benchmarks/bench_signal.py                    # Ciao (time split) + Epinions (random split)
    python benchmarks/bench_signal.py --quick            # subsets of test users
    python benchmarks/bench_signal.py --datasets ../shared/datasets
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import graphmodel as gm


def _line(name: str, r) -> None:
    cells = "  ".join(
        f"{m}={v['mean']:.4f} [{v['ci95'][0]:.4f},{v['ci95'][1]:.4f}]" for m, v in r.scorers[name].items()
    )
    print(f"    {name:11s} {cells}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument(
        "--datasets",
        default=os.environ.get(
            "GRAPHMODEL_SHARED_DATASETS", str(Path(__file__).resolve().parents[1].parent / "shared" / "datasets")
        ),
    )
    ap.add_argument("--quick", action="store_true", help="evaluate 300 test users per dataset")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    max_users = 300 if args.quick else None
    base = Path(args.datasets)
    runs = [
        ("ciao", dict(split="time", test_from="2010-01-01")),
        ("epinions", dict(split="random", test_fraction=0.2)),
    ]
    for name, kw in runs:
        if not (base / name).is_dir():
            print(f"{name}: not found under {base}, skipped")
            continue
        t0 = time.perf_counter()
        eco = gm.load_dataset(name, base / name)
        t1 = time.perf_counter()
        r = gm.signal(eco, seed=args.seed, max_users=max_users, **kw)
        t2 = time.perf_counter()
        print(
            f"{name}: load {t1 - t0:.1f} s, signal {t2 - t1:.1f} s ({r.split['test_users']} test users, "
            f"{r.params['candidates']}, {eco.n_edges('payment')} payment edges)"
        )
        for s in r.scorers:
            _line(s, r)
        if name == "ciao":
            t3 = time.perf_counter()
            c = gm.estimate_conversion(eco, level="category", seed=args.seed, n_shuffles=2 if args.quick else 5)
            t4 = time.perf_counter()
            lifts = {k: round(v["lift"]["mean"], 3) for k, v in c.layers.items()}
            print(f"{name}: estimate_conversion (category, 30 days) {t4 - t3:.1f} s, lift {lifts}")
    print("(timings on a shared machine: other jobs were running; treat them as upper bounds)")


if __name__ == "__main__":
    main()
