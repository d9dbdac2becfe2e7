"""What the documentation checks cost: the site build, the docs test, the figures.

    python benchmarks/bench_docs.py

Each step runs in its own process; wall time, CPU time of the children and their peak RSS
(``resource.getrusage(RUSAGE_CHILDREN)``, the largest child so far) are printed with the load
average before and after. Needs the ``docs`` and ``test`` extras.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def run(label: str, argv: list[str]) -> None:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    load = os.getloadavg()[0]
    t0 = time.perf_counter()
    res = subprocess.run(argv, cwd=REPO, capture_output=True, text=True, env=dict(os.environ, NO_MKDOCS_2_WARNING="1"))
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    status = "ok" if res.returncode == 0 else f"FAILED ({res.returncode})"
    print(
        f"{label:<44} {status:<8} wall {wall:6.1f} s  cpu {cpu:6.1f} s  "
        f"peak RSS {after.ru_maxrss / 2**20:5.2f} GiB  load {load:.1f} -> {os.getloadavg()[0]:.1f}"
    )
    if res.returncode:
        print(res.stdout[-2000:], res.stderr[-2000:], sep="\n")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        run("mkdocs build --strict", [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", f"{tmp}/site"])
        run(
            "pytest tests/test_docs.py",
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_docs.py"],
        )
        run("docs/make_figures.py (full)", [sys.executable, "docs/make_figures.py", "--out", f"{tmp}/img"])


if __name__ == "__main__":
    main()
