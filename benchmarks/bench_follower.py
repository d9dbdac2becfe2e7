"""Benchmark of seeds chosen against the rival (``imm-vs``) in a two-platform contest.

One of the article's platforms (``--follower``, default the messenger) enters
against the other, whose top-degree seeds are fixed. For each follower seed
rule (``top-degree``, ``imm`` as if alone, ``imm-vs`` against the rival) it
prints the time to choose the seeds, the RR sets drawn, the estimated
first-arrival share (``imm-vs`` only: the bound it maximises) and the
follower's user share in the contest (mean and 95% CI over ``--runs`` runs,
every rule on the same coins).

    python benchmarks/bench_follower.py                      # 100k users, k = 30, 1000 runs
    python benchmarks/bench_follower.py --quick              # 20k users, 300 runs
    python benchmarks/bench_follower.py --follower wallet --carry 0.1
    python benchmarks/bench_follower.py --eco eco.npz        # a saved ecosystem
"""

from __future__ import annotations

import argparse
import os
import time

import graphmodel as gm

MESSENGER = "messenger: seeds={rule}:{k}:{kind}, layers=social,transfer, strength=social:0.05,transfer:0.2"
WALLET = "wallet: seeds={rule}:{k}:{kind}, layers=payment, strength=payment:0.12"
HOME = {"messenger": "user", "wallet": "merchant"}  # where each platform's top-degree seeds are


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--users", type=int, default=100_000)
    ap.add_argument("--eco", help="a saved ecosystem instead of generating one")
    ap.add_argument("--k", type=int, default=30)
    ap.add_argument("--follower", default="messenger", choices=("messenger", "wallet"))
    ap.add_argument("--kind", default="any", choices=("user", "merchant", "any"), help="follower's seed type")
    ap.add_argument("--runs", type=int, default=1000)
    ap.add_argument("--carry", type=float, default=0.9, help="merchant_carry of the contest (default 0.9)")
    ap.add_argument("--rules", default="top-degree,imm,imm-vs", help="wallet seed rules to compare")
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    if args.quick:
        args.users, args.runs = 20_000, 300
    t = time.perf_counter()
    eco = gm.read(args.eco) if args.eco else gm.generate(preset="balanced", users=args.users, seed=1)
    print(
        f"ecosystem: {eco.n_users:,} users, {eco.n_merchants:,} merchants ({time.perf_counter() - t:.1f} s); "
        f"merchant_carry {args.carry}; load {os.getloadavg()[0]:.1f}"
    )
    spec = {"messenger": MESSENGER, "wallet": WALLET}
    leader = "wallet" if args.follower == "messenger" else "messenger"
    rival = spec[leader].format(rule="top-degree", k=args.k, kind=HOME[leader])
    gm.compete(
        gm.generate(preset="balanced", users=300, seed=2),  # compile the kernels once
        platforms=[
            spec[args.follower].format(rule="imm-vs", k=2, kind="any"),
            spec[leader].format(rule="top-degree", k=2, kind=HOME[leader]),
        ],
        runs=5,
        seed=1,
    )
    print(f"{args.follower} (follower) against {rival}")
    print(f"{'follower seeds':>20} {'select s':>9} {'RR sets':>9} {'bound':>8} {'share':>8} {'95% CI':>19}")
    for rule in args.rules.split(","):
        kind = HOME[args.follower] if rule == "top-degree" else args.kind
        follower = spec[args.follower].format(rule=rule, k=args.k, kind=kind)
        t = time.perf_counter()
        res = gm.compete(eco, platforms=[follower, rival], runs=args.runs, seed=1, merchant_carry=args.carry)
        total = time.perf_counter() - t
        sel = res.params.get("seed_selection", {}).get(args.follower)
        u = res.platforms[args.follower].users
        lo, hi = u.ci95
        print(
            f"{rule + ':' + kind:>20} {sel['seconds'] if sel else float('nan'):9.1f} "
            f"{sel['n_rr_sets'] if sel else 0:9,d} "
            f"{sel['estimate_users_share'] if sel else float('nan'):8.4f} {u.mean:8.4f} [{lo:.4f}, {hi:.4f}]"
            f"   ({total:.1f} s in all)"
        )
    print(f"load {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
