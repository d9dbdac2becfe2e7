"""The compiled core (graphmodel.kernels): the salt table, the skip step's exactness, and the house rule
that no underscored name is imported across packages."""

from __future__ import annotations

import ast
import math
from pathlib import Path

import numpy as np
import pytest

from graphmodel.kernels import coins, skip

ROOT = Path(__file__).resolve().parent.parent


def test_every_salt_has_one_purpose_except_the_documented_pair():
    by_value: dict[int, set[str]] = {}
    for name, value in coins.SALTS.items():
        by_value.setdefault(value, set()).add(name)
    shared = [names for names in by_value.values() if len(names) > 1]
    assert shared == [set(coins.SHARED_SALTS)]
    # the table lists every SALT_* constant of the module
    assert {n for n in dir(coins) if n.startswith("SALT_")} == set(coins.SALTS)


@pytest.mark.parametrize("p", [1e-4, 0.003, 0.01, 0.05, 0.1, 0.3, 0.5, 0.9, 0.999])
def test_exit_table_decides_exactly_as_the_plain_formula(p):
    # The table's shortcut says "the loop ends" for u <= thr[R]; the plain formula ends it iff
    # log(u) / log1p(-p) >= R. The worst case is u = thr[R] itself and the floats just below it.
    lq, cap, thr = skip.break_table(np.array([p, -1.0]), np.int64(5000))
    assert cap[1] == 0
    assert cap[0] >= 1
    for R in range(int(cap[0])):
        u = thr[0, R]
        for _ in range(3):
            if u <= 0.0:
                break
            assert np.log(u) / lq[0] >= R
            u = np.nextafter(u, 0.0)


def test_skip_next_is_the_plain_loop():
    # skip_next with and without the table gives the same arcs as the formula written out in Python.
    for p in (0.02, 0.2, 0.7):
        lq, cap, thr = skip.break_table(np.array([p]), np.int64(400))
        for node in range(30):
            key = np.uint64(coins.stream_key(np.uint64(12345), node, np.uint64(99), np.uint64(0)))
            a, b = 10, 10 + 300
            plain = []
            j, d = a - 1, 0
            while True:
                u = coins.stream_draw(key, d)
                d += 1
                f = math.log(u) / math.log1p(-p)
                if f >= b - j - 1:
                    break
                j += 1 + int(f)
                plain.append(j)
            for c, table in ((cap[0], thr), (0, thr)):
                got = []
                j, d = a - 1, 0
                while True:
                    j = skip.skip_next(key, d, j, b, lq[0], c, table, 0)
                    d += 1
                    if j < 0:
                        break
                    got.append(int(j))
                assert got == plain


def _package(module: str) -> str:
    """The subpackage of ``graphmodel.x.y`` (``x`` when it is a folder), '' for a top-level module."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and (ROOT / "graphmodel" / parts[1]).is_dir() else ""


def test_no_underscored_name_is_imported_across_packages():
    bad = []
    for path in sorted((ROOT / "graphmodel").rglob("*.py")):
        me = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        for node in ast.walk(ast.parse(path.read_text())):
            if not (isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("graphmodel.")):
                continue
            if node.module == "graphmodel._seed":  # the one seed module every random function uses
                continue
            if me == "graphmodel.convert" and node.module == "graphmodel.io._kinds":
                continue  # known: convert types columns with the io column-kind helpers; left until _kinds gets a public name
            for alias in node.names:
                parts = node.module.split(".")[1:] + [alias.name]
                if any(p.startswith("_") for p in parts) and _package(node.module) != _package(me):
                    bad.append(f"{me}: from {node.module} import {alias.name}")
    assert bad == []
