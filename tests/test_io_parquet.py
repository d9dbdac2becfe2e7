"""Parquet directory: exact round trips through gm.write/gm.read, analysts' exports, and bad input in one line."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest

import graphmodel as gm
from graphmodel.io import format_of
from graphmodel.io.parquet import read_parquet_dir, write_parquet_dir

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")


@pytest.mark.parametrize("compress", [False, True])
def test_round_trip_is_exact(tiny_eco, tmp_path, compress):
    path = tmp_path / "eco.parquet"
    gm.write(tiny_eco, path, compress=compress)
    assert path.is_dir() and format_of(path) == "parquet"
    back = gm.read(path)
    assert back.equals(tiny_eco)
    for kind in ("user", "merchant"):
        for col, values in tiny_eco.nodes(kind).items():
            assert back.nodes(kind)[col].dtype == values.dtype  # exact dtypes, '<U3' included
    gm.write(back, path)  # atomic replace of our own directory
    assert gm.read(path).equals(tiny_eco)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_round_trip_of_a_generated_ecosystem_with_parallel_edges(tmp_path):
    eco = gm.generate(users=300, merchants=20, seed=3)
    eco = eco.replace(social=eco.edges("social").take(np.r_[0, 0, np.arange(len(eco.edges("social")))]))
    gm.write(eco, tmp_path / "g.parquet")
    with warnings.catch_warnings():
        warnings.simplefilter("error", gm.GraphModelWarning)  # nothing merged: what was written comes back
        back = gm.read(tmp_path / "g.parquet")
    assert back.equals(eco)


def test_edge_ends_are_row_numbers_other_tools_can_join(tiny_eco, tmp_path):
    write_parquet_dir(tiny_eco, tmp_path / "eco.parquet")
    pay = pq.read_table(tmp_path / "eco.parquet" / "payments.parquet")
    users = pq.read_table(tmp_path / "eco.parquet" / "users.parquet").column("id").to_pylist()
    assert [users[i] for i in pay.column("src").to_pylist()] == ["ann", "cy", "bob"]
    manifest = json.loads((tmp_path / "eco.parquet" / "manifest.json").read_text())
    assert manifest["format"] == "graphmodel-parquet" and manifest["rows"]["payments"] == 3


def test_export_without_manifest_is_read_with_the_frame_rules(tmp_path):
    d = tmp_path / "export"
    d.mkdir()
    pq.write_table(pa.table({"id": [1, 2, 3]}), d / "users.parquet")
    pq.write_table(pa.table({"id": ["m"], "category": pa.array([334], pa.int64())}), d / "merchants.parquet")
    pq.write_table(pa.table({"src": [1, 2], "dst": [2, 1]}), d / "social.parquet")
    pq.write_table(
        pa.table({"user": [1, 1, 3], "merchant": ["m"] * 3, "time": [5, 3, 4], "amount": [1.0, 2.0, 4.0]}),
        d / "payments.parquet",
    )
    assert format_of(d) == "parquet"
    with pytest.warns(gm.GraphModelWarning, match="1 reverse"):
        eco = gm.read(d)
    assert eco.n_edges("social") == 1 and eco.meta["payment_events"] == 3
    p = eco.edges("payment")
    assert p["count"].tolist() == [2, 1] and p["first_time"].tolist() == [3, 4] and p["amount"].tolist() == [3.0, 4.0]


# ---------------------------------------------------------------- bad input
def _err(path) -> gm.InputError:
    with pytest.raises(gm.InputError) as info:
        gm.read(path)
    return info.value


def test_a_file_that_is_not_parquet(tiny_eco, tmp_path):
    path = tmp_path / "eco.parquet"
    write_parquet_dir(tiny_eco, path)
    (path / "social.parquet").write_text("src,dst\n1,2\n")
    e = _err(path)
    assert e.source.endswith("social.parquet") and "not a readable Parquet file" in str(e) and "\n" not in str(e)


def test_missing_required_column_in_an_export(tmp_path):
    d = tmp_path / "x.parquet"
    d.mkdir()
    pq.write_table(pa.table({"id": [1, 2]}), d / "users.parquet")
    pq.write_table(pa.table({"from": [1], "dst": [2]}), d / "social.parquet")
    e = _err(d)
    assert e.source.endswith("social.parquet") and e.field == "src" and "the file has from, dst" in str(e)


def test_unknown_id_in_an_export_names_file_row_column(tmp_path):
    d = tmp_path / "x.parquet"
    d.mkdir()
    pq.write_table(pa.table({"id": [1, 2]}), d / "users.parquet")
    pq.write_table(pa.table({"src": [1, 2], "dst": [2, 5]}), d / "social.parquet")
    e = _err(d)
    assert (
        e.source.endswith("social.parquet") and e.field == "dst" and "row 1" in str(e) and "unknown user id 5" in str(e)
    )


def test_manifest_column_missing_from_file(tiny_eco, tmp_path):
    path = tmp_path / "eco.parquet"
    write_parquet_dir(tiny_eco, path)
    pq.write_table(pa.table({"id": ["ann", "bob", "cy"]}), path / "users.parquet")
    e = _err(path)
    assert e.source.endswith("users.parquet") and e.field == "city"


def test_bad_manifest_and_foreign_directory(tiny_eco, tmp_path):
    path = tmp_path / "eco.parquet"
    write_parquet_dir(tiny_eco, path)
    (path / "manifest.json").write_text('{"format": "other"}')
    assert "graphmodel-parquet" in str(_err(path))
    other = tmp_path / "data.parquet"
    other.mkdir()
    (other / "notes.txt").write_text("mine")
    with pytest.raises(gm.InputError, match="refusing to replace"):
        gm.write(tiny_eco, other)
    with pytest.raises(gm.InputError, match="missing users.parquet"):
        read_parquet_dir(other)
