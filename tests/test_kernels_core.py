"""The compiled core (graphmodel.kernels): the salt table, the skip step's exactness, and the house rule
that no underscored name is imported across packages."""

from __future__ import annotations

import ast
import math
import re
import textwrap
from pathlib import Path

import numpy as np
import pytest
from numba import njit

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


def _random_segments(seed: int, n: int = 300):
    """Random segments for the skip step: ``(p, lq, cap, thr, key, a, b)`` with p from 1e-3 to 0.95 (layer 1 of the
    table), up to 3000 arcs starting at ``a``, and a random skip stream ``key``."""
    rng = np.random.default_rng(seed)
    for case in range(n):
        p = float(np.exp(rng.uniform(np.log(1e-3), np.log(0.95))))
        n_arcs = int(rng.integers(1, 3000))
        lq, cap, thr = skip.break_table(np.array([-1.0, p]), np.int64(n_arcs))
        key = np.uint64(coins.stream_key(np.uint64(case), int(rng.integers(0, 2**31)), np.uint64(7), np.uint64(0)))
        a = int(rng.integers(0, 100))
        yield p, lq, cap, thr, key, a, a + n_arcs


def test_skip_next_matches_the_plain_formula_on_many_random_segments():
    # Random p (down to the smallest and up to the largest tabulated ones), segment lengths and
    # streams: skip_next with the exit table takes, draw by draw, the decision of the plain formula
    # computed in Python (the same draws, the same arcs, the same number of draws).
    for p, lq, cap, thr, key, a, b in _random_segments(20):
        plain, draws = [], 0
        j = a - 1
        while True:
            u = coins.stream_draw(key, draws)
            draws += 1
            f = math.log(u) / math.log1p(-p)
            if f >= b - j - 1:
                break
            j += 1 + int(f)
            plain.append(j)
        got, d = [], 0
        j = a - 1
        while True:
            j = skip.skip_next(key, d, j, b, lq[1], cap[1], thr, 1)
            d += 1
            if j < 0:
                break
            got.append(int(j))
        assert (got, d) == (plain, draws), f"p={p}, {b - a} arcs"


# The step written out in a kernel, as kept where the call measured slower (benchmarks/bench_skip_step.py):
# draw, table test, log, gap, with the kernel's own names for the uniform, log1p(-p) and the table row.
_WRITTEN_STEP = re.compile(
    r"^(?P<i> *)while True:[^\n]*\n"
    r"(?P=i)    (?P<u>\w+) = stream_draw\(key, d\)\n"
    r"(?P=i)    d \+= 1\n"
    r"(?P=i)    R = b - j - 1\n"
    r"(?P=i)    if R < c and (?P=u) <= thr\[(?P<row>\w+), R\]:\n"
    r"(?P=i)        break\n"
    r"(?P=i)    f = np\.log\((?P=u)\) / (?P<q>\w+)\n"
    r"(?P=i)    if f >= R:\n"
    r"(?P=i)        break\n"
    r"(?P=i)    j \+= 1 \+ np\.int64\(f\)\n",
    re.M,
)
_KERNELS = ["propagation/_kernels.py", "experiments/_intent_kernel.py", "competition/_kernel.py"]


def _written_loops():
    """(kernel, compiled loop) for every skip loop written out in a kernel, taken from the kernel's own text."""
    out = []
    for name in _KERNELS:
        for m in _WRITTEN_STEP.finditer((ROOT / "graphmodel" / name).read_text()):
            body = textwrap.indent(textwrap.dedent(m.group(0)), "    ")
            tail = "        out[k] = j\n        k += 1\n    return k, d\n"
            src = f"def loop(key, a, b, {m['q']}, c, thr, {m['row']}, out):\n    k = 0\n    j = a - 1\n    d = 0\n{body}{tail}"
            ns = {"np": np, "stream_draw": coins.stream_draw}
            exec(compile(src, f"<skip loop of {name}>", "exec"), ns)  # noqa: S102
            out.append((name, njit(ns["loop"])))
    return out


def test_every_skip_loop_calls_the_one_skip_step_or_is_checked_against_it():
    # A kernel that draws from a skip stream either calls skip_next or writes out the step in the
    # exact form that the next test checks draw by draw; no other copy of the step exists.
    written = {name for name, _ in _written_loops()}
    for name in _KERNELS:
        text = (ROOT / "graphmodel" / name).read_text()
        assert "skip_next(" in text or name in written, name
    home = {ROOT / "graphmodel" / "kernels" / "coins.py", ROOT / "graphmodel" / "kernels" / "skip.py"}
    drawing = {
        str(path.relative_to(ROOT / "graphmodel"))
        for path in sorted((ROOT / "graphmodel").rglob("*.py"))
        if path not in home and "stream_draw" in path.read_text()
    }
    assert drawing <= written
    for name in drawing:  # one stream_draw per written-out loop, none elsewhere in the file
        text = (ROOT / "graphmodel" / name).read_text()
        assert text.count("stream_draw(") == len(_WRITTEN_STEP.findall(text)), name


@pytest.mark.parametrize("kernel", [name for name, _ in _written_loops()] or ["(none)"])
def test_written_out_skip_loops_take_the_arcs_of_skip_next(kernel):
    # The loop text of the kernel, compiled alone, against skip_next with the same table, on many
    # random streams, p and segment lengths: the same live arcs and the same number of draws.
    loops = [fn for name, fn in _written_loops() if name == kernel]
    if not loops:
        pytest.skip("every kernel calls skip_next")
    out = np.empty(5000, np.int64)
    for p, lq, cap, thr, key, a, b in _random_segments(21):
        want, d = [], 0
        j = a - 1
        while True:
            j = skip.skip_next(key, d, j, b, lq[1], cap[1], thr, 1)
            d += 1
            if j < 0:
                break
            want.append(int(j))
        for loop in loops:
            k, draws = loop(key, a, b, lq[1], cap[1], thr, 1, out)
            assert (out[:k].tolist(), draws) == (want, d), f"{kernel}: p={p}, {b - a} arcs"
