"""CLI contract: every bad value is refused with exit code 2 and exactly one line on stderr, no traceback.

The table below feeds each command bad numbers (words, negatives, zero, NaN, infinity), empty strings,
missing files, directories where files are expected, unknown layer/model/method names, bad seed specs
and unwritable outputs. Almost all of it runs in this process through :func:`graphmodel.cli.main.main`
(the same entry point the console script calls, so usage errors and library errors go through the same
formatting; typer's ``CliRunner`` would bypass it), fast because every case is refused before any kernel
runs. A few cases run the real console script in a subprocess to check the stderr a user sees.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import graphmodel as gm
from graphmodel._seed import as_seed_sequence
from graphmodel.cli.main import main

# Placeholders: {eco} a 300-user CSV ecosystem, {file} a plain text file, {dir} an empty directory,
# {missing} a path that does not exist, {unwritable} a path below a regular file, {tmp} a fresh directory.
BAD_NUMBERS = ["abc", "-1", "nan", "inf", ""]

#: (command, arguments that would run) -> list of (option, bad values); each bad value replaces or is added.
COMMANDS: dict[str, tuple[list[str], dict[str, list[str]]]] = {
    "simulate": (
        ["simulate", "{eco}", "--runs", "4"],
        {
            "--runs": ["abc", "0", "-1", "nan", "1e3", ""],
            "--seed": ["-1", "x", "1.5"],
            "--workers": ["0", "-2", "x"],
            "--target-ci": ["nan", "inf", "-1", "0"],
            "--max-steps": ["-1", "x"],
            "--recovery": ["nan", "2", "-0.1"],
            "--model": ["bogus", ""],
            "--layers": ["", ",", "bogus", "social,bogus"],
            "--seeds": ["", ",", "user:nope", "random:-1", "random:x", "random:0", "merchant:999999", "top-degree:x"],
            "--seed-file": ["{missing}", "{dir}", "{file}"],
            "--prob": ["2", "-0.1", "nan", "inf", "social=2", "bogus=0.1", "social=", "exp:x:amount", ""],
            "--params": ["{missing}", "{dir}", "{file}"],
            "--json": ["{unwritable}", "{dir}", "{missing}/x.json"],
        },
    ),
    "simulate ppr": (
        ["simulate", "{eco}", "--model", "ppr"],
        {
            "--damping": ["nan", "1.5", "-0.1", "x"],
        },
    ),
    "compare": (
        ["compare", "{eco}", "--runs", "4"],
        {
            "--runs": ["abc", "0", "-1", "nan"],
            "--seed": ["-1", "x"],
            "--workers": ["0", "-1"],
            "--seeds": ["", "random:-1", "user:nope"],
            "--campaign": ["", "merchant:nope", "category:nope"],
            "--price": ["nan", "-1", "inf"],
            "--prob": ["2", "social=nan", "bogus=0.1", ""],
            "--conversion": ["payment=2", "payment", "bogus=0.1", "payment=nan"],
            "--seed-conversion": ["nan", "2", "-1"],
            "--affordability": ["bogus", ""],
            "--access": ["bogus"],
            "--scenarios": ["", "bogus"],
            "--target-ci": ["nan", "-1", "inf"],
            "--normalize": ["bogus"],
            "--null": ["bogus"],
            "--sweep": ["social=x", "social=0.1:0.2", "bogus=0.1:0.2:3", "social=0.1:0.2:0"],
            "--sweep-runs": ["0", "-1"],
            "--conversion-from": ["{missing}", "{dir}", "{file}"],
            "--params": ["{missing}", "{file}"],
            "--param-draws": ["x"],
            "--json": ["{unwritable}", "{dir}", "{missing}/x.json"],
            "--report": ["{unwritable}", "{dir}"],
            "--plot": ["{unwritable}", "{dir}"],
        },
    ),
    "seeds": (
        ["seeds", "{eco}", "--k", "2", "--method", "degree"],
        {
            "--k": ["0", "-1", "x", "nan"],
            "--budget": ["nan", "-1", "inf", "0"],
            "--cost": ["merchant=x", "merchant=-1", "bogus=1", "merchant"],
            "--method": ["bogus", ""],
            "--model": ["bogus", "sir"],
            "--layers": ["", "bogus"],
            "--prob": ["2", "nan", "social=2", "bogus=0.1", ""],
            "--node-type": ["bogus", ""],
            "--epsilon": ["nan", "0", "-1", "2"],
            "--runs": ["0", "-1"],
            "--objective": ["bogus"],
            "--seed": ["-1"],
            "--validate-runs": ["-1", "x"],
            "--workers": ["0", "-1"],
            "--params": ["{missing}", "{file}"],
            "--json": ["{unwritable}", "{dir}", "{missing}/x.json"],
        },
    ),
    "seeds imm": (
        ["seeds", "{eco}", "--k", "2", "--method", "imm", "--validate-runs", "0"],
        {
            "--min-rr-sets": ["-1", "x"],
            "--max-memory": ["lots", "-1", "0"],
            "--epsilon": ["nan", "0", "-1"],
        },
    ),
    "seeds purchases": (
        ["seeds", "{eco}", "--k", "2", "--method", "degree", "--objective", "purchases"],
        {
            "--campaign": ["merchant:nope", "", "bogus"],
        },
    ),
    "compete": (
        [
            "compete",
            "{eco}",
            "--runs",
            "4",
            "--platform",
            "a: seeds=random:3, layers=social",
            "--platform",
            "b: seeds=random:3, layers=payment",
        ],
        {
            "--runs": ["0", "-1", "x"],
            "--seed": ["-1"],
            "--tie": ["bogus", ""],
            "--switching": ["nan", "2", "-1"],
            "--lock-in": ["nan", "-1"],
            "--multihoming": ["nan", "2"],
            "--merchant-carry": ["nan", "2"],
            "--max-steps": ["-1"],
            "--sweep": ["bogus", "a.budget=x", "c.budget=1:2:2", "multihoming=0:1:0"],
            "--workers": ["0", "-1"],
            "--platform": [
                "",
                "c",
                "c: seeds=random:-1",
                "c: layers=bogus",
                "c: strength=social:2",
                "c: seeds=user:nope",
            ],
            "--config": ["{missing}", "{dir}", "{file}"],
            "--params": ["{missing}", "{file}"],
            "--json": ["{unwritable}", "{dir}"],
            "--plot": ["{unwritable}", "{dir}"],
        },
    ),
    "signal": (
        ["signal", "{eco}", "--split", "random"],
        {
            "--split": ["bogus", ""],
            "--test-from": ["yesterday", ""],
            "--test-fraction": ["nan", "0", "1", "-1", "2"],
            "--level": ["bogus"],
            "--k": ["0", "-1"],
            "--negatives": ["bogus", "-1", "0"],
            "--min-train": ["0", "-1"],
            "--max-users": ["0", "-1"],
            "--n-boot": ["-1", "x"],
            "--seed": ["-1"],
            "--dataset": ["bogus"],
            "--window-days": ["nan", "-1", "0"],
            "--json": ["{unwritable}", "{dir}"],
            "--plot": ["{unwritable}", "{dir}"],
        },
    ),
    "fit": (
        ["fit", "{eco}"],
        {
            "--level": ["bogus", ""],
            "--window": ["0", "-1", "x"],
            "--layers": ["", "bogus"],
            "--test-from": ["yesterday"],
            "--bootstrap": ["-1", "x"],
            "--shuffles": ["-1"],
            "--seed": ["-1"],
            "--workers": ["0", "-1"],
            "--dataset": ["bogus"],
            "--json": ["{unwritable}", "{dir}"],
            "--report": ["{unwritable}", "{dir}"],
        },
    ),
    "stats": (
        ["stats", "{eco}"],
        {
            "--layers": ["", "bogus"],
            "--communities": ["bogus", ""],
            "--centrality": ["bogus", "", ","],
            "--betweenness-samples": ["0", "-1", "x"],
            "--seed": ["-1"],
            "--for": ["gephi"],  # without a GraphML --export
            "--json": ["{unwritable}", "{dir}"],
            "--export": ["{unwritable}", "{tmp}/x.unknown"],
            "--plot": ["{unwritable}", "{dir}"],
        },
    ),
    "stats export": (
        ["stats", "{eco}", "--export", "{tmp}/x.graphml"],
        {
            "--for": ["bogus", ""],
        },
    ),
    "generate": (
        ["generate", "--users", "50", "--out", "{tmp}/g.npz"],
        {
            "--users": ["0", "-1", "x", "nan"],
            "--merchants": ["0", "-1", "x"],
            "--preset": ["bogus", ""],
            "--seed": ["-1", "x"],
            "--set": ["bogus=1", "x", "=1", "social_mean_degree=x", "social_mean_degree=nan", "social_mean_degree=-1"],
            "--timeline-set": ["bogus=1", "social=2", "days=-1"],
            "--out": ["{unwritable}", "{missing}/x.npz", "{tmp}/x.unknown", "{file}"],
        },
    ),
    "info": (
        ["info", "{eco}"],
        {
            "--json": ["{unwritable}", "{dir}"],
        },
    ),
    "convert": (
        ["convert", "{eco}", "{tmp}/c.npz"],
        {
            "--for": ["bogus", ""],
        },
    ),
    "import": (
        ["import", "--users", "{users}", "--out", "{tmp}/i.npz"],
        {
            "--merchants": ["{missing}", "{dir}"],
            "--social": ["{missing}", "{file}"],
            "--payments": ["{missing}", ""],
            "--transfers": ["{missing}"],
            "--out": ["{unwritable}", "{tmp}/x.unknown"],
        },
    ),
    "presets": (
        ["presets"],
        {
            "--json": ["{unwritable}", "{dir}"],
        },
    ),
    "datasets list": (
        ["datasets", "list"],
        {
            "--json": ["{unwritable}", "{dir}"],
        },
    ),
    "sweep": (
        ["sweep", "{study}", "--out", "{tmp}/sw"],
        {
            "--workers": ["0", "-1", "x"],
            "--out": ["{unwritable}", "{file}"],
        },
    ),
}

#: Positional arguments (and whole commands) that must be refused: (name, argv).
POSITIONAL: list[tuple[str, list[str]]] = [
    *[
        (f"{cmd} {what}", [cmd, path] + extra)
        for cmd, extra in [
            ("simulate", ["--runs", "4"]),
            ("compare", ["--runs", "4"]),
            ("seeds", ["--k", "2"]),
            ("stats", []),
            ("info", []),
            ("fit", []),
            ("signal", []),
            ("compete", ["--platform", "a: seeds=random:3", "--platform", "b: seeds=random:3"]),
            ("convert", ["{tmp}/c.npz"]),
        ]
        for what, path in [
            ("missing", "{missing}"),
            ("empty dir", "{dir}"),
            ("text file", "{file}"),
            ("bad npz", "{badnpz}"),
            ("empty", ""),
        ]
    ],
    ("convert to unwritable", ["convert", "{eco}", "{unwritable}"]),
    ("convert to unknown format", ["convert", "{eco}", "{tmp}/x.unknown"]),
    ("convert onto a file", ["convert", "{eco}", "{file}"]),
    ("datasets load unknown", ["datasets", "load", "bogus", "{dir}", "--out", "{tmp}/d.npz"]),
    ("datasets load empty folder", ["datasets", "load", "ciao", "{dir}", "--out", "{tmp}/d.npz"]),
    ("datasets load missing", ["datasets", "load", "ciao", "{missing}", "--out", "{tmp}/d.npz"]),
    ("datasets load corrupt zip", ["datasets", "load", "epinions", "{badzip}", "--out", "{tmp}/d.npz"]),
    ("datasets load unwritable", ["datasets", "load", "ciao", "{dir}", "--out", "{unwritable}"]),
    ("import missing users", ["import", "--users", "{missing}", "--out", "{tmp}/i.npz"]),
    ("import users without id", ["import", "--users", "{noid}", "--out", "{tmp}/i.npz"]),
    ("sweep missing study", ["sweep", "{missing}", "--out", "{tmp}/sw"]),
    ("sweep study is a dir", ["sweep", "{dir}", "--out", "{tmp}/sw"]),
    ("sweep study not TOML", ["sweep", "{file}", "--out", "{tmp}/sw"]),
    ("sweep-report missing", ["sweep-report", "{missing}", "--report", "{tmp}/r.html"]),
    ("sweep-report unwritable", ["sweep-report", "{dir}", "--report", "{unwritable}"]),
    ("unknown command", ["bogus"]),
    ("unknown option", ["info", "{eco}", "--bogus"]),
    ("extra argument", ["info", "{eco}", "{eco}"]),
    ("missing required", ["generate"]),
]


def _cases() -> list[tuple[str, list[str]]]:
    cases = []
    for name, (base, table) in COMMANDS.items():
        for option, values in table.items():
            for value in values:
                args = list(base)
                if option in args and option not in ("--platform",):
                    i = args.index(option)
                    args[i + 1] = value
                else:
                    args += [option, value]
                cases.append((f"{name} {option} {value!r}", args))
    return cases + POSITIONAL


CASES = _cases()


@pytest.fixture(scope="module")
def places(tmp_path_factory) -> dict[str, str]:
    root = tmp_path_factory.mktemp("contract")
    eco = root / "eco"
    gm.write(gm.generate(users=300, seed=1), eco)
    (root / "note.txt").write_text("not an ecosystem\n")
    (root / "empty").mkdir()
    (root / "bad.npz").write_bytes(b"PK\x03\x04 not really a zip")
    zdir = root / "epinions"
    zdir.mkdir()
    (zdir / "epinions_with_rating_and_timestamp.zip").write_bytes(b"PK\x03\x04 broken")
    (root / "users.csv").write_text("id\n1\n2\n3\n")
    (root / "noid.csv").write_text("name\nann\n")
    study = root / "study.toml"
    study.write_text('[ecosystems]\npreset = "balanced"\nusers = 200\n\n[params]\nruns = 4\n')
    return {
        "eco": str(eco),
        "file": str(root / "note.txt"),
        "dir": str(root / "empty"),
        "missing": str(root / "no-such-thing"),
        "unwritable": str(root / "note.txt" / "out.json"),
        "badnpz": str(root / "bad.npz"),
        "badzip": str(zdir),
        "users": str(root / "users.csv"),
        "noid": str(root / "noid.csv"),
        "study": str(study),
    }


def _fill(args: list[str], places: dict[str, str], tmp: str) -> list[str]:
    return [a.format(tmp=tmp, **places) for a in args]


@pytest.mark.parametrize("args", [c[1] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_value_is_one_line_exit_2(args, places, tmp_path, capsys) -> None:
    argv = _fill(args, places, str(tmp_path))
    code = main(argv)
    captured = capsys.readouterr()
    lines = captured.err.strip("\n").splitlines()
    assert code == 2, f"exit {code}; stderr: {captured.err[-2000:]}"
    assert len(lines) == 1, f"{len(lines)} lines on stderr:\n{captured.err[-2000:]}"
    assert lines[0].startswith("graphmodel: error: "), lines[0]
    assert "Traceback" not in captured.err and "np.str_" not in captured.err
    assert not captured.out  # nothing was computed, so nothing is printed
    assert not any(p.name.startswith(".") for p in tmp_path.iterdir())  # no temporaries left


@pytest.mark.parametrize(
    "argv",
    [
        ["simulate", "{eco}", "--runs", "abc"],
        ["simulate", "{eco}", "--seeds", ""],
        ["info", "{missing}"],
        ["generate", "--users", "10", "--out", "{unwritable}"],
    ],
)
def test_console_script_stderr(argv, places, tmp_path) -> None:
    """The real process: one line on stderr, exit 2 (warnings filters, encodings and all)."""
    cmd = [sys.executable, "-m", "graphmodel.cli.main", *_fill(argv, places, str(tmp_path))]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert p.returncode == 2, p.stderr
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("graphmodel: error: "), p.stderr
    assert not p.stdout


def test_seed_checks() -> None:
    with pytest.raises(gm.InputError, match="seed"):
        as_seed_sequence(-3)
    with pytest.raises(gm.InputError, match="seed"):
        as_seed_sequence(1.5)
    assert as_seed_sequence(np.int64(4)).entropy == 4


def test_compare_refuses_unwritable_outputs_before_running(tmp_path, capsys) -> None:
    missing = tmp_path / "no" / "such" / "dir" / "cmp.json"
    assert main(["compare", "--runs", "4", "--json", str(missing)]) == 2
    err = capsys.readouterr().err
    assert "does not exist" in err and "Traceback" not in err
    assert "generating preset" not in err  # refused before the ecosystem was even built
    assert main(["compare", "--runs", "4", "--report", str(tmp_path)]) == 2
    assert "is a directory" in capsys.readouterr().err


# -- what the one line says ------------------------------------------------------------------------------------


def _one_error(argv: list[str], capsys) -> str:
    assert main(argv) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("graphmodel: error: "), lines
    return lines[0]


def _csv_eco(d, payments: str):
    d.mkdir()
    (d / "users.csv").write_text("id\nann\nbob\n")
    (d / "merchants.csv").write_text("id\nshop\n")
    (d / "payments.csv").write_text(payments)
    return str(d)


def test_missing_column_is_named_as_missing(tmp_path, capsys) -> None:
    line = _one_error(["info", _csv_eco(tmp_path / "e", "user\nann\n")], capsys)
    assert "missing required column 'merchant'" in line and "unknown merchant id" not in line
    line = _one_error(["info", _csv_eco(tmp_path / "f", "user,merchant\nann,shopx\n")], capsys)
    assert "unknown merchant id shopx" in line and "payments.csv:2" in line


def test_corrupt_zip_is_called_corrupt(places, tmp_path, capsys) -> None:
    line = _one_error(["datasets", "load", "epinions", places["badzip"], "--out", str(tmp_path / "d.npz")], capsys)
    assert "corrupt zip" in line and "missing" not in line


def test_pickled_npz_gets_no_unsafe_advice(places, tmp_path, capsys) -> None:
    good = tmp_path / "eco.npz"
    assert main(["convert", places["eco"], str(good)]) == 0
    capsys.readouterr()
    arrays = dict(np.load(good))
    key = next(k for k in arrays if k != "__manifest__")
    arrays[key] = np.array([object()] * len(arrays[key]), dtype=object)
    np.savez(tmp_path / "pickled.npz", **arrays)
    line = _one_error(["info", str(tmp_path / "pickled.npz")], capsys)
    assert "Python objects" in line and "allow_pickle" not in line and "unsafely" not in line


def test_no_numpy_reprs_in_messages() -> None:
    import pandas as pd

    from graphmodel.io.frames import from_frames

    with pytest.raises(gm.InputError) as info:
        from_frames(users=pd.DataFrame({"id": [1.0, 1.5]}))
    assert "got 1.5" in str(info.value) and "np." not in str(info.value)
    from graphmodel.io._kinds import plain

    assert f"{plain(np.array(['admin'])[0])!r}" == "'admin'"


def test_io_errors_name_the_destination_not_the_temporary(tmp_path) -> None:
    from graphmodel.io.atomic import atomic_dir, atomic_path

    for cm in (atomic_path, atomic_dir):
        with pytest.raises(OSError) as info:
            with cm(tmp_path / "out.npz") as tmp:
                open(tmp / "sub" / "file", "w")  # a writer failing inside its temporary
        assert info.value.filename == str(tmp_path / "out.npz" / "sub" / "file")
    assert list(tmp_path.iterdir()) == []


def test_warning_is_one_plain_line(tmp_path) -> None:
    d = tmp_path / "dup"
    _csv_eco(d, "user,merchant\nann,shop\n")
    (d / "social.csv").write_text("src,dst\nann,bob\nann,bob\n")
    p = subprocess.run([sys.executable, "-m", "graphmodel.cli.main", "info", str(d)], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("warning: ") and "merged 1 duplicate" in lines[0], p.stderr
    assert "GraphModelWarning" not in p.stderr and ".py:" not in p.stderr


# -- what tables look like ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, text",
    [
        (34908.2, "34,908"),
        (3.491e4, "34,910"),
        (1234567.0, "1,234,567"),
        (3.14159, "3.142"),
        (0.0523, "0.0523"),
        (0.0000123456, "0.00001235"),
        (-2.5e-7, "-0.00000025"),
        (0.0, "0"),
        (9999.4, "9999"),
        (-12345.6, "-12,346"),
    ],
)
def test_numbers_in_tables_are_plain(value, text) -> None:
    from graphmodel.cli.app import fmt_num, format_table

    assert fmt_num(value) == text
    assert "e" not in format_table([[value]], ["x"]).replace("-", "").split("\n")[-1]


def test_presets_table_fits_100_columns(capsys) -> None:
    assert main(["presets"]) == 0
    out = capsys.readouterr().out
    assert "balanced" in out and "meaning" not in out.splitlines()[0]
    assert max(len(line) for line in out.splitlines()) <= 100
