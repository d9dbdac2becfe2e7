"""The documentation cannot drift from the program.

Every fenced ``bash`` block of README.md and docs/**/*.md is read command by command:

* each ``graphmodel ...`` command must parse against the typer application (the command and its
  sub-commands exist, every option is known and gets its value, no stray arguments, and every
  value that is not a path converts to the option's type);
* each ``python benchmarks/...`` or ``python docs/...`` script it names must exist.

Every ``python`` block must compile. Then each page is *run*, top to bottom, in a temporary
directory of its own (``examples/`` linked in): its bash blocks (``graphmodel`` commands in this
process, anything else in bash), its python blocks, and its ``<!-- output -->`` blocks, whose
``$ command`` lines are run again and whose stdout must equal the lines shown. A block preceded by
``<!-- long -->`` (minutes, or large files) or ``<!-- skip: REASON -->`` (e.g. it needs the real
datasets, or installs the package) is parsed and compiled but not run; the skip says why.
A python block preceded by ``<!-- fragment: eco -->`` uses an ``eco`` it does not build (the page says
"any ecosystem"): it runs with ``gm`` and ``eco`` given, a 2,000-user payment-first ecosystem.

A block preceded by ``<!-- data -->`` needs the Ciao and Epinions releases at ``../shared/datasets``
(and ``ciao/``, loaded from them); it is parsed, and run only in the long mode below.

``GRAPHMODEL_DOCS_LONG=1 python -m pytest -q tests/test_docs.py -k page_runs`` runs the long blocks
too (tens of minutes on two cores), every page in one shared directory in file order, so that a
page's commands find what an earlier page wrote (``pay/``). When the releases are present (the
repository's sibling ``shared/datasets``) the ``data`` blocks run too, after ``ciao/`` and
``conv.json`` are made as the docs make them; ``skip:`` blocks stay skipped.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PAGES = [REPO / "README.md"] + sorted(p for p in (REPO / "docs").rglob("*.md"))
FENCE = re.compile(r"^```(\w*)\s*$")
MARKER = re.compile(r"^<!--\s*(long|data|output|fragment: eco|skip:[^>]*?)\s*-->$")


@dataclass(frozen=True)
class Block:
    page: Path
    line: int  # 1-based line of the opening fence
    lang: str
    text: str
    marker: str  # "", "long", "output" or "skip: REASON"

    @property
    def where(self) -> str:
        return f"{self.page.relative_to(REPO)}:{self.line}"


def blocks(page: Path) -> list[Block]:
    lines = page.read_text().splitlines()
    out, i = [], 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if m:
            j = i + 1
            while j < len(lines) and not lines[j].startswith("```"):
                j += 1
            assert j < len(lines), f"{page}:{i + 1}: unclosed code block"
            prev = next((lines[k].strip() for k in range(i - 1, -1, -1) if lines[k].strip()), "")
            mk = MARKER.match(prev)
            out.append(Block(page, i + 1, m.group(1), "\n".join(lines[i + 1 : j]), mk.group(1) if mk else ""))
            i = j
        i += 1
    return out


ALL = [b for p in PAGES for b in blocks(p)]


def logical_lines(text: str) -> list[str]:
    """Shell lines with backslash continuations joined and quoted newlines kept inside their string."""
    out, acc = [], ""
    for raw in text.splitlines():
        acc = acc + ("\n" if acc and not acc.endswith("\\") else "") + raw
        if acc.endswith("\\"):
            acc = acc[:-1] + " "
            continue
        try:
            shlex.split(acc, comments=True)
        except ValueError:  # an open quote: the string goes on on the next line
            continue
        if acc.strip():
            out.append(acc)
        acc = ""
    assert not acc.strip(), f"unterminated shell line: {acc!r}"
    return out


def commands(text: str) -> list[list[str]]:
    """argv of every simple command: split on && ; | and with redirections dropped."""
    out = []
    for line in logical_lines(text):
        lex = shlex.shlex(line, posix=True, punctuation_chars=True)
        lex.whitespace_split = True
        argv: list[str] = []
        toks = list(lex)
        k = 0
        while k < len(toks):
            t = toks[k]
            if t in ("&&", ";", "|", "||"):
                if argv:
                    out.append(argv)
                argv = []
            elif t in (">", ">>", "<"):
                if argv and argv[-1].isdigit():
                    argv.pop()
                k += 1  # the file name
            else:
                argv.append(t)
            k += 1
        if argv:
            out.append(argv)
    return out


# --------------------------------------------------------------------------- parsing


def _root():
    import typer

    from graphmodel.cli.main import app

    return typer.main.get_command(app)


def check_graphmodel_argv(argv: list[str]) -> None:
    """Parse ``argv`` (starting with 'graphmodel') against the application without running it."""
    cmd, words, name = _root(), list(argv[1:]), "graphmodel"
    while words and words[0] in ("--debug",):
        words.pop(0)
    while hasattr(cmd, "get_command") and words and not words[0].startswith("-"):
        sub = cmd.get_command(None, words[0])
        assert sub is not None, f"no command {words[0]!r} under {name!r}"
        cmd, name, words = sub, f"{name} {words[0]}", words[1:]
    ctx = cmd.context_class(cmd, info_name=name)  # no parsing yet: unknown options must raise below
    opts, extra, _ = cmd.make_parser(ctx).parse_args(list(words))
    if hasattr(cmd, "get_command"):
        return  # a group given options only (e.g. --version)
    assert not extra, f"{name}: unexpected arguments {extra}"
    for param in cmd.params:
        if param.name not in opts or getattr(param, "bare_type", None) is Path:
            continue
        param.process_value(ctx, opts[param.name])  # BadParameter when a value does not convert


BASH = [b for b in ALL if b.lang in ("bash", "sh", "console")]
CMDS = [(b, argv) for b in BASH for argv in commands(b.text)]


def test_pages_have_blocks():
    assert len(PAGES) >= 15 and len(BASH) >= 20
    assert all(b.lang for b in ALL), [b.where for b in ALL if not b.lang]  # every block says its language


@pytest.mark.parametrize(("block", "argv"), CMDS, ids=[f"{b.where}:{' '.join(a)[:60]}" for b, a in CMDS])
def test_command_parses(block, argv):
    if argv[0] == "graphmodel":
        check_graphmodel_argv(argv)
    elif argv[0] == "python" and len(argv) > 1 and argv[1].endswith(".py"):
        assert (REPO / argv[1]).is_file(), f"{block.where}: no script {argv[1]}"
    elif argv[0] == "python" and argv[1:2] == ["-c"]:
        compile(argv[2], block.where, "exec")
    else:
        assert argv[0] in ("pip", "mkdocs", "python"), f"{block.where}: unexpected command {argv[0]!r}"


PY = [b for b in ALL if b.lang == "python"]


@pytest.mark.parametrize("block", PY, ids=[b.where for b in PY])
def test_python_block_compiles(block):
    compile(block.text, block.where, "exec")


def test_readme_first_screen():
    """Exactly the two set-up commands, first, unchanged: CI runs the README's test command."""
    first = next(b for b in blocks(REPO / "README.md") if b.lang == "bash")
    assert [" ".join(a) for a in commands(first.text)] == [
        "pip install -e .",
        "graphmodel compare",
        "pip install -e .[test]",
        "python -m pytest -q",
    ]
    assert len((REPO / "README.md").read_text().splitlines()) < 200


# --------------------------------------------------------------------------- running


def _run_argv(argv: list[str], cwd: Path, where: str) -> str:
    """Run one command in ``cwd``; return its stdout."""
    if argv[0] == "graphmodel":
        from typer.testing import CliRunner

        from graphmodel.cli.main import app

        old = os.getcwd()
        os.chdir(cwd)
        try:
            res = CliRunner().invoke(app, argv[1:])
        finally:
            os.chdir(old)
        if res.exception is not None and not isinstance(res.exception, SystemExit):
            raise AssertionError(f"{where}: {' '.join(argv)} raised {res.exception!r}") from res.exception
        assert res.exit_code == 0, f"{where}: {' '.join(argv)} exited {res.exit_code}: {res.output[-2000:]}"
        return res.stdout
    if argv[0] == "python":
        argv = [sys.executable, *argv[1:]]
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    res = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, env=env, timeout=600)
    assert res.returncode == 0, f"{where}: {' '.join(argv)[:200]} exited {res.returncode}: {res.stderr[-2000:]}"
    return res.stdout


def _small_eco():
    import graphmodel as gm

    return gm.generate(preset="payment-first", users=2000, merchants=100, seed=7)


def _run_python(block: Block, cwd: Path) -> None:
    namespace = {"__name__": "__docs__"}
    if block.marker == "fragment: eco":
        import graphmodel as gm

        namespace.update(gm=gm, eco=_small_eco())
    old = os.getcwd()
    os.chdir(cwd)
    try:
        exec(compile(block.text, block.where, "exec"), namespace)
    finally:
        os.chdir(old)


def _check_output(block: Block, cwd: Path) -> None:
    lines = block.text.splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith("$ ")]
    assert starts and starts[0] == 0, f"{block.where}: an output block starts with a '$ command' line"
    for a, b in zip(starts, starts[1:] + [len(lines)]):
        (argv,) = commands(lines[a][2:])
        got = _run_argv(argv, cwd, block.where).rstrip("\n").splitlines()
        want = lines[a + 1 : b]
        assert [g.rstrip() for g in got] == [w.rstrip() for w in want], f"{block.where}: the output shown has drifted"


RUNNABLE = [
    p
    for p in PAGES
    if any(
        b.marker not in ("long", "data") and not b.marker.startswith("skip")
        for b in blocks(p)
        if b.lang in ("bash", "python") or b.marker == "output"
    )
]


LONG = os.environ.get("GRAPHMODEL_DOCS_LONG", "") not in ("", "0")


DATASETS = REPO.parent / "shared" / "datasets"


@pytest.fixture(scope="module")
def shared_dir(tmp_path_factory):
    if not LONG:
        return None
    base = tmp_path_factory.mktemp("docs-long")
    run = base / "run"
    run.mkdir()
    if DATASETS.is_dir():  # ../shared/datasets, as the docs spell it, from the run directory
        (base / "shared").symlink_to(DATASETS.parent)
        _run_argv(["graphmodel", "datasets", "load", "ciao", "../shared/datasets/ciao", "--out", "ciao/"], run, "setup")
        _run_argv(
            [
                "graphmodel",
                "signal",
                "../shared/datasets/ciao",
                "--estimate-conversion",
                "--seed",
                "1",
                "--json",
                "conv.json",
            ],
            run,
            "setup",
        )
    return run


@pytest.mark.parametrize(
    "page", PAGES if LONG else RUNNABLE, ids=[str(p.relative_to(REPO)) for p in (PAGES if LONG else RUNNABLE)]
)
def test_page_runs(page, tmp_path, shared_dir):
    if LONG:
        tmp_path = shared_dir
    if not (tmp_path / "examples").exists():
        (tmp_path / "examples").symlink_to(REPO / "examples")
    skipped = []
    for block in blocks(page):
        data_missing = block.marker == "data" and not (LONG and DATASETS.is_dir())
        if (block.marker == "long" and not LONG) or block.marker.startswith("skip") or data_missing:
            skipped.append(f"{block.where} ({block.marker})")
            continue
        if block.marker == "output":
            _check_output(block, tmp_path)
        elif block.lang in ("bash", "sh", "console"):
            for argv in commands(block.text):
                _run_argv(argv, tmp_path, block.where)
        elif block.lang == "python":
            _run_python(block, tmp_path)
    if skipped:
        print("not run:", "; ".join(skipped))


@pytest.mark.parametrize(
    "argv",
    [
        ["graphmodel", "comprae"],  # no such command
        ["graphmodel", "compare", "--runz", "5"],  # no such option
        ["graphmodel", "compare", "--runs", "many"],  # not an integer
        ["graphmodel", "compare", "a/", "b/"],  # one PATH only
        ["graphmodel", "datasets", "lod", "ciao"],  # no such sub-command
        ["graphmodel", "compare", "--runs"],  # option without its value
    ],
)
def test_checker_catches_drift(argv):
    with pytest.raises(Exception):  # noqa: B017 (click's and typer's vendored error classes differ)
        check_graphmodel_argv(argv)


def test_output_check_catches_drift(tmp_path):
    shown = Block(REPO / "README.md", 1, "text", "$ graphmodel --version\ngraphmodel 0.0.0-not-this", "output")
    with pytest.raises(AssertionError, match="drifted"):
        _check_output(shown, tmp_path)


def test_figures_script(tmp_path):
    """docs/make_figures.py still runs against the library and writes every PNG."""
    pytest.importorskip("matplotlib")
    res = subprocess.run(
        [sys.executable, str(REPO / "docs" / "make_figures.py"), "--quick", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert res.returncode == 0, res.stderr[-2000:]
    for name in ("layers.png", "cascade.png", "winner_map.png", "calibration.png"):
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def _resolve(dotted: str) -> bool:
    import importlib

    parts = dotted.split(".")
    for k in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:k]))
        except ImportError:
            continue
        for attr in parts[k:]:
            if not hasattr(obj, attr):
                return False
            obj = getattr(obj, attr)
        return True
    return False


NAMES = sorted(
    {
        ("graphmodel" + m.group(2), str(p.relative_to(REPO)))
        for p in PAGES
        for m in re.finditer(r"\b(gm|graphmodel)((?:\.[A-Za-z_]\w*)+)(?![\w/])", p.read_text())
    }
)


@pytest.mark.parametrize(("name", "page"), NAMES, ids=[f"{p}:{n}" for n, p in NAMES])
def test_named_api_exists(name, page):
    """Every `gm.x` / `graphmodel.a.b` the docs name is importable (format ids such as graphmodel.params/1 aside)."""
    assert _resolve(name), f"{page} names {name}, which does not exist"


def test_readme_links_resolve():
    """README.md is not part of the site, so mkdocs does not check its links: this does."""
    text = (REPO / "README.md").read_text()
    links = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text)
    assert links
    missing = [link for link in links if "://" not in link and not (REPO / link).exists()]
    assert not missing, missing


def test_site_builds_strict(tmp_path):
    """The site builds without a warning (pages, links, anchors, docstrings, the CLI reference hook)."""
    pytest.importorskip("mkdocs", reason="the docs extra is not installed (pip install -e '.[docs]')")
    pytest.importorskip("mkdocstrings", reason="the docs extra is not installed (pip install -e '.[docs]')")
    res = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
        env=dict(os.environ, NO_MKDOCS_2_WARNING="1"),
    )
    assert res.returncode == 0, res.stderr[-3000:]
    assert "graphmodel compare --help" in (tmp_path / "site" / "cli" / "index.html").read_text()
