"""How long a command takes to exit after SIGTERM in the middle of its Monte Carlo kernels.

The command line turns SIGTERM into SystemExit (cleanup runs, exit 143); Python handles the signal only
between compiled calls, so the delay is the rest of the batch that is running. simulate and compete run
long jobs in 20 batches (runs are keyed by index, so the numbers are the same); seeds' validation too.

    python benchmarks/bench_sigterm.py [--users 100000] [--after 8]

Prints, per command: seconds from SIGTERM to exit, the exit code, stderr's last line, and the whole
run's time without the signal for scale.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--users", type=int, default=100_000)
    ap.add_argument("--after", type=float, default=8.0, help="seconds before the signal")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        eco = Path(d) / "eco.npz"
        subprocess.run(
            [
                sys.executable,
                "-m",
                "graphmodel.cli.main",
                "generate",
                "--users",
                str(args.users),
                "--seed",
                "1",
                "--out",
                str(eco),
            ],
            check=True,
            capture_output=True,
        )
        cmds = {
            "simulate": ["simulate", str(eco), "--runs", "4000", "--seed", "1"],
            "compete": [
                "compete",
                str(eco),
                "--runs",
                "4000",
                "--seed",
                "1",
                "--platform",
                "a: seeds=top-degree:20, layers=social",
                "--platform",
                "b: seeds=top-degree:20, layers=payment,transfer",
            ],
            "seeds": ["seeds", str(eco), "--k", "5", "--method", "degree", "--validate-runs", "20000", "--seed", "1"],
        }
        print(f"load {os.getloadavg()[0]:.1f}, {args.users:,} users, SIGTERM after {args.after:g} s")
        for name, cmd in cmds.items():
            full = [sys.executable, "-m", "graphmodel.cli.main", *cmd]
            t0 = time.perf_counter()
            p = subprocess.Popen(full, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            time.sleep(args.after)
            sent = time.perf_counter()
            p.send_signal(signal.SIGTERM)
            _, err = p.communicate()
            gone = time.perf_counter()
            t1 = time.perf_counter()
            whole = subprocess.run(full, capture_output=True, text=True)
            t2 = time.perf_counter()
            last = (err.strip().splitlines() or [""])[-1]
            print(
                f"{name:9s} exit {p.returncode} {gone - sent:6.2f} s after SIGTERM ({last!r}); "
                f"whole run {t2 - t1:6.1f} s (exit {whole.returncode}); started {sent - t0:.1f} s before the signal"
            )


if __name__ == "__main__":
    main()
