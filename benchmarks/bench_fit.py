"""Benchmark ``gm.fit``: Ciao (real, time split) and a ``--timeline`` ecosystem of many users.

Targets (issue): Ciao under 60 s; 1M users under 10 minutes and 4 GiB on a 2-core machine.
Prints wall time per stage, peak RSS and the fitted numbers.

    python benchmarks/bench_fit.py --ciao                  # Ciao: full fit and fit + validation
    python benchmarks/bench_fit.py --users 1000000         # generate + fit a timeline ecosystem
    python benchmarks/bench_fit.py --users 200000 --bootstrap 200 --shuffles 3
"""

from __future__ import annotations

import argparse
import os
import resource
import time
from pathlib import Path

import numpy as np

import graphmodel as gm
from graphmodel.fitting.exposures import build_exposures
from graphmodel.fitting.likelihood import maximize


def _rss() -> str:
    return f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2:.2f} GiB"


def _load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def _stages(eco: gm.Ecosystem, *, window: int = 30) -> None:
    t0 = time.perf_counter()
    U = eco.n_users
    ex = build_exposures(eco, level="category", window_days=window, group=np.arange(U) % min(U, 400))
    t1 = time.perf_counter()
    N, A = ex.totals()
    m = maximize(ex.cfg_item, ex.cfg_k.astype(np.float64), N, A, ex.n_items, free=np.ones(3, bool))
    t2 = time.perf_counter()
    Nb, Ab = ex.totals(np.ones((ex.n_groups, 8)))
    t3 = time.perf_counter()
    print(
        f"  stages: exposures {t1 - t0:.1f} s ({ex.n_groups} groups x {ex.n_cfg:,} configurations, "
        f"exposures {ex.exposures}); one fit {t2 - t1:.3f} s ({m.iterations} Newton steps); "
        f"one batch of 8 resampled totals {t3 - t2:.2f} s; peak RSS so far {_rss()}"
    )


def _print_fit(r) -> None:
    for layer, e in r.transmission.items():
        print(
            f"  {layer:9s} p={e['mean']} ci95={e['ci95']} baseline={r.baseline[layer]['mean']} "
            f"{e['reason'] or e['homophily'] or ''}"
        )
    print(f"  background {r.background['mean']:.5g} {r.background['ci95']}")
    if r.recovery:
        for k, v in r.recovery["layers"].items():
            print(f"  recovery {k}: truth {v['truth']:.5g} estimate {v['estimate']} covered {v['covered']}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument(
        "--datasets",
        default=os.environ.get(
            "GRAPHMODEL_SHARED_DATASETS", str(Path(__file__).resolve().parents[1].parent / "shared" / "datasets")
        ),
    )
    ap.add_argument("--ciao", action="store_true", help="benchmark Ciao")
    ap.add_argument("--users", type=int, default=0, help="benchmark a generated timeline ecosystem of this size")
    ap.add_argument("--bootstrap", type=int, default=200)
    ap.add_argument("--shuffles", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    print(_load())
    if args.ciao:
        base = Path(args.datasets) / "ciao"
        eco = gm.load_dataset("ciao", base)
        _stages(eco)
        t0 = time.perf_counter()
        r = gm.fit(eco, bootstrap=args.bootstrap, shuffles=args.shuffles, seed=args.seed, source="ciao")
        t1 = time.perf_counter()
        print(f"ciao fit (bootstrap {args.bootstrap}, shuffles {args.shuffles}): {t1 - t0:.1f} s, peak RSS {_rss()}")
        _print_fit(r)
        t0 = time.perf_counter()
        r = gm.fit(eco, test_from="2010-01-01", bootstrap=args.bootstrap, shuffles=args.shuffles, seed=args.seed)
        t1 = time.perf_counter()
        v = r.validation
        print(f"ciao fit + validation from 2010-01-01: {t1 - t0:.1f} s, peak RSS {_rss()}")
        _print_fit(r)
        print(
            f"  test users {v['test_users']}, pairs {v['pairs']}, positives {v['positives']}, "
            f"predicted {v['predicted_total']:.1f}"
        )
        for row in v["rows"]:
            d = row.get("fitted_minus_this", {}).get("ci95")
            print(
                f"  {row['name']:10s} AUC pooled {row['auc']:.4f}  per user {row['auc_per_user']['mean']:.4f} "
                f"{[round(x, 4) for x in row['auc_per_user']['ci95']]}  fitted-this {d}"
            )
        for c, cd in zip(v["calibration"], v["calibration_default"]):
            print(
                f"  decile {c['decile']:2d}: n {c['n']}, predicted {c['predicted']:.4f} observed {c['observed']:.4f}"
                f" | default predicted {cd['predicted']:.4f} observed {cd['observed']:.4f}"
            )
    if args.users:
        t0 = time.perf_counter()
        eco = gm.generate(users=args.users, seed=args.seed, timeline=True)
        t1 = time.perf_counter()
        tl = eco.meta["timeline"]
        print(
            f"generate --timeline {args.users:,} users: {t1 - t0:.1f} s, {tl['purchases']:,} first purchases "
            f"({tl['purchases_by_cause']}), peak RSS {_rss()}"
        )
        _stages(eco)
        t0 = time.perf_counter()
        r = gm.fit(eco, bootstrap=args.bootstrap, shuffles=args.shuffles, seed=args.seed)
        t1 = time.perf_counter()
        print(f"fit (bootstrap {args.bootstrap}, shuffles {args.shuffles}): {t1 - t0:.1f} s, peak RSS {_rss()}")
        _print_fit(r)
    print(_load())


if __name__ == "__main__":
    main()
