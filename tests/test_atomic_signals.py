"""Interrupted writes leave nothing behind: SIGTERM cleans up, killed runs' temporaries are collected, user files
in an output directory are never deleted."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

import graphmodel as gm
from graphmodel.io.atomic import atomic_dir, atomic_write_text


def _temporaries(parent, name):
    return sorted(p.name for p in parent.iterdir() if p.name.startswith(f".{name}."))


def test_sigterm_mid_write_removes_the_temporary(tmp_path) -> None:
    target = tmp_path / "out"
    script = textwrap.dedent(f"""
        import sys, time
        from graphmodel.cli.main import _terminate_as_exit
        from graphmodel.io.atomic import atomic_dir
        _terminate_as_exit()
        with atomic_dir({str(target)!r}) as tmp:
            (tmp / "users.csv").write_text("id\\n1\\n")
            print("ready", flush=True)
            time.sleep(60)
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "ready"
    assert _temporaries(tmp_path, "out")  # the write is in flight
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 143
    assert _temporaries(tmp_path, "out") == [] and not target.exists()


def test_cli_exits_143_on_sigterm(tmp_path) -> None:
    # a long 'compare' (large run count) terminated: one line, exit 143, no traceback
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "graphmodel.cli.main",
            "compare",
            "--runs",
            "100000000",
            "--json",
            str(tmp_path / "c.json"),
        ],
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(8)
    proc.send_signal(signal.SIGTERM)
    err = proc.communicate(timeout=120)[1]
    if proc.returncode == 0:
        pytest.skip("the run finished before the signal")
    assert proc.returncode == 143, err
    assert "Traceback" not in err and not (tmp_path / "c.json").exists()
    assert _temporaries(tmp_path, "c.json") == []


def test_stale_temporaries_of_dead_runs_are_collected(tmp_path) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale_dir = tmp_path / f".eco.{dead.pid}.abc.tmp"
    stale_dir.mkdir()
    (stale_dir / "big.csv").write_text("x")
    stale_file = tmp_path / f".note.txt.{dead.pid}.xyz.tmp"
    stale_file.write_text("partial")
    live = tmp_path / f".eco.{os.getpid()}.live.tmp"  # a write in flight in a running process: kept
    live.mkdir()
    with atomic_dir(tmp_path / "eco") as tmp:
        (tmp / "a").write_text("1")
    atomic_write_text(tmp_path / "note.txt", "done")
    assert not stale_dir.exists() and not stale_file.exists() and live.exists()
    assert (tmp_path / "eco" / "a").read_text() == "1" and (tmp_path / "note.txt").read_text() == "done"


@pytest.mark.parametrize("suffix", ["", ".parquet"])
def test_rewriting_an_output_directory_keeps_user_files(tmp_path, suffix) -> None:
    if suffix:
        pytest.importorskip("pyarrow")
    eco = gm.generate(users=100, seed=1)
    d = tmp_path / f"eco{suffix}"
    gm.write(eco, d)
    (d / "notes.txt").write_text("mine")
    with pytest.raises(gm.InputError, match="did not write \\(notes.txt\\)"):
        gm.write(eco, d)
    assert (d / "notes.txt").read_text() == "mine"
    (d / "notes.txt").unlink()
    gm.write(eco, d)  # only what graphmodel wrote: replaced
    assert gm.read(d).equals(eco)
