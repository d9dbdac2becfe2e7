"""Coverage of ``gm.fit``'s 95% intervals on generated timelines (the figures quoted in docs/results.md).

python benchmarks/bench_fit_coverage.py --seeds 60 --users 2000
"""

from __future__ import annotations

import argparse

import numpy as np

import graphmodel as gm


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", type=int, default=60)
    ap.add_argument("--users", type=int, default=2000)
    ap.add_argument("--bootstrap", type=int, default=100)
    args = ap.parse_args()
    rows: dict[str, list[tuple[bool, float]]] = {}
    for s in range(args.seeds):
        eco = gm.generate(users=args.users, seed=100 + s, timeline=True)
        r = gm.fit(eco, bootstrap=args.bootstrap, shuffles=0, seed=s)
        for name, v in [*r.recovery["layers"].items(), ("background", r.recovery["background"])]:
            rows.setdefault(name, []).append((bool(v["covered"]), v["estimate"] / v["truth"] - 1))
    for name, x in rows.items():
        cov = np.mean([c for c, _ in x])
        err = np.array([e for _, e in x])
        print(
            f"{name:10s} coverage {cov:.3f} over {len(x)} seeds; relative error mean {err.mean():+.4f}, sd {err.std():.4f}"
        )


if __name__ == "__main__":
    main()
