"""The .npz snapshot: exact round trip, no pickle, truncated or foreign files refused by name."""

from __future__ import annotations

import numpy as np
import pytest

import graphmodel as gm
from graphmodel.io.npz import read_npz, write_npz


@pytest.mark.parametrize("compress", [False, True])
def test_round_trip(tiny_eco, tmp_path, compress):
    f = tmp_path / "eco.npz"
    write_npz(tiny_eco, f, compress=compress)
    assert f.exists() and not (tmp_path / "eco.npz.npz").exists()
    back = read_npz(f)
    assert back.equals(tiny_eco)
    assert not back.nodes("user")["city"].flags.writeable


def test_odd_column_names_and_empty_layers(tmp_path):
    eco = gm.Ecosystem(users={"id": ["a/b", "c"], "a/b c": [1, 2]}, meta={"k": [1, "x"]}, social_directed=True)
    gm.write(eco, tmp_path / "e.npz")
    back = gm.read(tmp_path / "e.npz")
    assert back.equals(eco) and back.social_directed


def test_truncated_file_names_it(tiny_eco, tmp_path):
    f = tmp_path / "eco.npz"
    write_npz(tiny_eco, f)
    data = f.read_bytes()
    f.write_bytes(data[: len(data) // 2])
    with pytest.raises(gm.InputError) as info:
        read_npz(f)
    assert str(f) in str(info.value) and "corrupt" in str(info.value)


def test_garbage_and_foreign_npz(tmp_path):
    f = tmp_path / "x.npz"
    f.write_bytes(b"not a zip at all")
    with pytest.raises(gm.InputError, match="x.npz"):
        read_npz(f)
    np.savez(tmp_path / "y.npz", a=np.arange(3))
    with pytest.raises(gm.InputError, match="not a graphmodel snapshot"):
        read_npz(tmp_path / "y.npz")
    with pytest.raises(gm.InputError, match="no such file"):
        read_npz(tmp_path / "missing.npz")


def test_pickled_arrays_are_refused(tiny_eco, tmp_path):
    import json

    manifest = {"format": "graphmodel-npz", "version": 1, "meta": {}, "columns": {"user": ["id"]}, "rows": {"user": 1}}
    np.savez(
        tmp_path / "p.npz",
        __manifest__=np.frombuffer(json.dumps(manifest).encode(), dtype=np.uint8),
        **{"user/0": np.array([object()], dtype=object)},
    )
    with pytest.raises(gm.InputError, match="p.npz"):
        read_npz(tmp_path / "p.npz")


def test_failed_write_leaves_nothing(tmp_path):
    eco = gm.Ecosystem(users={"id": [1]}, meta={"bad": float("nan")})
    with pytest.raises(gm.InputError, match="JSON"):
        gm.write(eco, tmp_path / "e.npz")
    assert list(tmp_path.iterdir()) == []
