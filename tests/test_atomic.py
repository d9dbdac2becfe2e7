"""Atomic output: all or nothing, with the permissions a plain open() gives."""

import os
import stat

import pytest

from graphmodel.io.atomic import atomic_dir, atomic_open, atomic_write_text


def _mode(p):
    return stat.S_IMODE(os.stat(p).st_mode)


def test_file_is_replaced_only_on_success(tmp_path):
    target = tmp_path / "a.txt"
    atomic_write_text(target, "old")
    with pytest.raises(RuntimeError):
        with atomic_open(target) as fh:
            fh.write("half")
            raise RuntimeError("boom")
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]


def test_directory_is_replaced_only_on_success(tmp_path):
    target = tmp_path / "d"
    with atomic_dir(target) as d:
        (d / "x").write_text("1")
    with pytest.raises(RuntimeError):
        with atomic_dir(target) as d:
            (d / "y").write_text("2")
            raise RuntimeError("boom")
    assert sorted(p.name for p in target.iterdir()) == ["x"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d"]


def test_modes_follow_the_umask(tmp_path):
    old = os.umask(0o022)
    try:
        atomic_write_text(tmp_path / "f", "x")
        with atomic_dir(tmp_path / "d"):
            pass
    finally:
        os.umask(old)
    assert _mode(tmp_path / "f") == 0o644
    assert _mode(tmp_path / "d") == 0o755
