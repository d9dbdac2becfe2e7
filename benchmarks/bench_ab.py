"""Before/after of a change: the speed benchmarks run in two trees, back to back, one after the other.

Each tree runs its own copy of each benchmark with its own environment (``TREE/.venv`` first on
``PATH``), so CLI cells run that tree's ``graphmodel``; for every benchmark the two trees run one
after the other, so both see about the same load, the base first in odd rounds and second in even
ones (``--rounds``). The load average is printed beside each run::

    git worktree add --detach /tmp/base main      # then: python -m venv /tmp/base/.venv && pip install -e ...
    python benchmarks/bench_ab.py --base /tmp/base

The default commands are sized to run in a few minutes each on a 2-core machine; pass ``--only NAME``
to run some.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import time
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]

BENCHES = {
    "propagation": ["benchmarks/bench_propagation.py", "--no-ndlib", "--no-scale", "--repeat", "3"],
    "compare": ["benchmarks/bench_compare.py", "--users", "100000", "--runs", "1000"],
    "compete": ["benchmarks/bench_compete.py", "--quick"],
    "seeds": ["benchmarks/bench_seeds.py", "--only", "first-session", "--only", "social16k"],
}


def run(tree: Path, args: list[str]) -> str:
    env = dict(os.environ, PATH=f"{tree / '.venv' / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}")
    env.pop("PYTHONPATH", None)
    t = time.perf_counter()
    out = subprocess.run(
        [str(tree / ".venv" / "bin" / "python"), *args], cwd=tree, env=env, capture_output=True, text=True, check=False
    )
    dt = time.perf_counter() - t
    return f"{out.stdout}{out.stderr[-2000:] if out.returncode else ''}[exit {out.returncode}, {dt:.0f} s wall]"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base", required=True, help="the other tree (with its own .venv)")
    ap.add_argument("--only", action="append", choices=sorted(BENCHES))
    ap.add_argument("--rounds", type=int, default=1)
    a = ap.parse_args()
    trees = [("before", Path(a.base).resolve()), ("after", HERE)]
    for r in range(a.rounds):
        for name in a.only or BENCHES:
            for label, tree in trees if r % 2 == 0 else trees[::-1]:
                print(
                    f"===== round {r + 1}: {name} {label} ({tree}); load average {os.getloadavg()[0]:.2f}", flush=True
                )
                print(run(tree, BENCHES[name]), flush=True)


if __name__ == "__main__":
    main()
