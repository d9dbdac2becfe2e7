"""CSV directory: round trips, kind inference, event aggregation and every bad-input case."""

from __future__ import annotations

import gzip
import json
import warnings
from pathlib import Path

import numpy as np
import pytest

import graphmodel as gm
from graphmodel.io.csvdir import read_csv_dir, read_csv_table, write_csv_dir
from graphmodel.io.events import aggregate_payment_events


def _dir(tmp_path: Path, **files: str) -> Path:
    d = tmp_path / "eco"
    d.mkdir(parents=True)
    for name, text in files.items():
        (d / name.replace("__", ".")).write_text(text, encoding="utf-8")
    return d


USERS = "id,city\n1,qd\n2,bj\n3,qd\n"
MERCHANTS = "id,channel\nm1,offline\nm2,online\n"


@pytest.mark.parametrize("compress", [False, True])
def test_round_trip(tiny_eco, tmp_path, compress):
    write_csv_dir(tiny_eco, tmp_path / "eco", compress=compress)
    suffix = ".csv.gz" if compress else ".csv"
    assert (tmp_path / "eco" / f"users{suffix}").exists()
    back = read_csv_dir(tmp_path / "eco")
    assert back.equals(tiny_eco)
    # overwrite in place (atomic replace of a graphmodel directory)
    write_csv_dir(back, tmp_path / "eco")
    assert read_csv_dir(tmp_path / "eco").equals(tiny_eco)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary leftovers


def test_manifest_keeps_exact_kinds(tmp_path):
    eco = gm.Ecosystem.from_labels(
        users={"id": ["007", "7"], "zip": ["010", "20"], "score": [1.0, 2.0]},
        merchants={"id": [5]},
        payment={"user": ["007"], "merchant": [5], "flag": [True]},
    )
    gm.write(eco, tmp_path / "eco")
    back = gm.read(tmp_path / "eco")
    assert back.equals(eco)
    assert back.nodes("user")["id"].tolist() == ["007", "7"]
    assert back.nodes("user")["score"].dtype == np.float64
    manifest = json.loads((tmp_path / "eco" / "manifest.json").read_text())
    assert manifest["columns"]["users"] == {"id": "str", "zip": "str", "score": "float"}


def test_inference_without_manifest(tmp_path):
    d = _dir(
        tmp_path,
        users__csv="id,n,x,ok,name,hole,zip\n1,3,1.5,true,a,,007\n2,4,,FALSE,,5,010\n",
        merchants__csv="id\n007\n8\n",
        social__csv="src,dst,weight\n1,2,0.5\n",
    )
    eco = read_csv_dir(d)
    u = eco.nodes("user")
    assert u["id"].dtype.kind == "i"
    assert u["n"].dtype.kind == "i"
    assert u["x"].dtype.kind == "f" and np.isnan(u["x"][1])
    assert u["ok"].tolist() == [True, False]
    assert u["name"].tolist() == ["a", ""]
    assert u["hole"].tolist() == ["", "5"]  # integers with empties keep their text (ids, codes)
    assert u["zip"].tolist() == [7, 10]  # not an id: parses as int
    assert eco.nodes("merchant")["id"].tolist() == ["007", "8"]  # ids are int only in canonical form
    assert eco.n_edges("payment") == 0 and eco.n_edges("transfer") == 0  # missing layer files


def test_quoted_fields_and_crlf(tmp_path):
    d = _dir(
        tmp_path,
        users__csv='id,note\r\n1,"a, ""b""\r\nc"\r\n2,plain\r\n',
        merchants__csv="id\n",
    )
    eco = read_csv_dir(d)
    assert eco.nodes("user")["note"].tolist() == ['a, "b"\r\nc', "plain"]


def test_extra_columns_survive(tiny_eco, tmp_path):
    eco = tiny_eco.replace(
        payment=tiny_eco.edges("payment").with_columns(rating=np.array([5, 4, 3]), note=np.array(["x", "", "z"]))
    )
    gm.write(eco, tmp_path / "eco", compress=True)
    back = gm.read(tmp_path / "eco")
    assert back.edges("payment")["rating"].tolist() == [5, 4, 3]
    assert back.equals(eco)


def test_chunked_read_spanning_quoted_newlines(tmp_path, monkeypatch):
    import graphmodel.io.csvdir as csvdir

    monkeypatch.setattr(csvdir, "_CHUNK_ROWS", 3)
    notes = [f"line{i}\nmore" if i % 4 == 0 else str(i) for i in range(20)]
    eco = gm.Ecosystem(
        users={"id": np.arange(20), "note": notes, "v": [float(i) if i != 7 else np.nan for i in range(20)]}
    )
    gm.write(eco, tmp_path / "eco")
    assert gm.read(tmp_path / "eco").equals(eco)
    # inference across chunks: int chunks then a text chunk -> str, re-read as text
    d = _dir(
        tmp_path / "hand",
        users__csv="id,c\n" + "".join(f"{i},{i}\n" for i in range(7)) + "7,x\n",
        merchants__csv="id\n",
    )
    assert read_csv_dir(d).nodes("user")["c"].tolist() == [str(i) for i in range(7)] + ["x"]


# ---------------------------------------------------------------------------- events
def test_event_level_payments_are_aggregated(tmp_path):
    d = _dir(
        tmp_path,
        users__csv=USERS,
        merchants__csv=MERCHANTS,
        payments__csv="user,merchant,time,amount,channel\n1,m1,30,5.0,online\n2,m2,10,1.0,offline\n1,m1,20,2.5,offline\n1,m1,40,1.0,online\n",
    )
    eco = read_csv_dir(d)
    p = eco.edges("payment")
    assert eco.meta["payment_events"] == 4
    assert p["src"].tolist() == [0, 1] and p["dst"].tolist() == [0, 1]
    assert p["count"].tolist() == [3, 1]
    assert p["amount"].tolist() == [8.5, 1.0]
    assert p["first_time"].tolist() == [20, 10] and p["last_time"].tolist() == [40, 10]
    assert p["channel"].tolist() == ["online", "offline"]  # value of the latest event
    assert "time" not in p


def test_aggregate_payment_events_function():
    t = gm.Table(
        {
            "src": [1, 1, 2, 1],
            "dst": [9, 9, 9, 8],
            "time": [3.0, 1.0, 2.0, 5.0],
            "count": [2, 1, 1, 4],
            "kind": ["a", "b", "c", "d"],
        }
    )
    agg, n = aggregate_payment_events(t)
    assert n == 4
    assert agg.columns == ("src", "dst", "count", "first_time", "last_time", "kind")
    assert agg["count"].tolist() == [3, 1, 4] and agg["count"].dtype == np.int64
    assert agg["kind"].tolist() == ["a", "c", "d"]
    empty, n0 = aggregate_payment_events(
        gm.Table({"user": np.zeros(0, int), "merchant": np.zeros(0, int), "time": np.zeros(0)})
    )
    assert n0 == 0 and len(empty) == 0
    with pytest.raises(gm.InputError, match="time"):
        aggregate_payment_events(gm.Table({"user": [1], "merchant": [2]}))


# ---------------------------------------------------------------------------- bad input
def _err(path: Path) -> gm.InputError:
    with pytest.raises(gm.InputError) as info:
        read_csv_dir(path)
    return info.value


def test_missing_node_file_names_it(tmp_path):
    d = _dir(tmp_path, merchants__csv=MERCHANTS)
    e = _err(d)
    assert "users.csv" in str(e)


def test_missing_required_column(tmp_path):
    d = _dir(tmp_path, users__csv=USERS, merchants__csv=MERCHANTS, social__csv="from,dst\n1,2\n")
    e = _err(d)
    assert e.source.endswith("social.csv") and e.line == 1 and e.field == "src"
    assert "missing required column" in str(e)


def test_unknown_id_in_edge_table(tmp_path):
    d = _dir(tmp_path, users__csv=USERS, merchants__csv=MERCHANTS, payments__csv="user,merchant\n1,m1\n2,m9\n")
    e = _err(d)
    assert e.source.endswith("payments.csv") and e.line == 3 and e.field == "merchant"
    assert "unknown merchant id m9" in str(e)
    d2 = tmp_path / "b"
    d2.mkdir()
    for f in d.iterdir():
        (d2 / f.name).write_text(f.read_text())
    (d2 / "payments.csv").write_text("user,merchant\n1,m1\nx,m1\n")
    e = _err(d2)
    assert e.line == 3 and e.field == "user" and "unknown user id" in str(e)


def test_duplicate_node_id_gives_line(tmp_path):
    d = _dir(tmp_path, users__csv="id\n1\n2\n3\n2\n", merchants__csv=MERCHANTS)
    e = _err(d)
    assert e.source.endswith("users.csv") and e.line == 5 and "duplicate id 2" in str(e) and "line 3" in str(e)


def test_non_numeric_value_in_numeric_column(tmp_path):
    d = _dir(
        tmp_path,
        users__csv=USERS,
        merchants__csv=MERCHANTS,
        payments__csv="user,merchant,amount\n1,m1,3.5\n2,m2,lots\n",
    )
    e = _err(d)
    assert e.line == 3 and e.field == "amount" and "expected a number" in str(e) and "lots" in str(e)
    # a column the manifest declares numeric
    eco = gm.Ecosystem(users={"id": [1, 2], "score": [1, 2]})
    gm.write(eco, tmp_path / "m")
    (tmp_path / "m" / "users.csv").write_text("id,score\r\n1,1\r\n2,two\r\n")
    e = _err(tmp_path / "m")
    assert e.line == 3 and e.field == "score" and "integer" in str(e)


def test_negative_count_or_amount(tmp_path):
    d = _dir(
        tmp_path, users__csv=USERS, merchants__csv=MERCHANTS, payments__csv="user,merchant,count\n1,m1,3\n2,m2,-1\n"
    )
    e = _err(d)
    assert e.line == 3 and e.field == "count" and ">= 0" in str(e)


def test_bad_gzip(tmp_path):
    d = _dir(tmp_path, users__csv=USERS, merchants__csv=MERCHANTS)
    (d / "social.csv.gz").write_bytes(b"this is not gzip")
    e = _err(d)
    assert e.source.endswith("social.csv.gz") and "gzip" in str(e)
    data = gzip.compress(b"src,dst\n" + b"1,2\n" * 1000)
    (d / "social.csv.gz").write_bytes(data[: len(data) // 2])
    e = _err(d)
    assert e.source.endswith("social.csv.gz") and "gzip" in str(e)


def test_wrong_number_of_fields(tmp_path):
    d = _dir(tmp_path, users__csv="id,city\n1,qd\n2\n", merchants__csv=MERCHANTS)
    e = _err(d)
    assert e.line == 3 and "expected 2 fields" in str(e)


def test_social_self_loops_dropped_with_warning(tmp_path):
    d = _dir(tmp_path, users__csv=USERS, merchants__csv=MERCHANTS, social__csv="src,dst\n1,1\n1,2\n")
    with pytest.warns(gm.GraphModelWarning, match="self-loop"):
        eco = read_csv_dir(d)
    assert eco.n_edges("social") == 1 and eco.meta["dropped_social_self_loops"] == 1


def test_bad_manifest(tmp_path):
    d = _dir(tmp_path, users__csv=USERS, merchants__csv=MERCHANTS, manifest__json='{"format": "something"}')
    assert "manifest.json" in str(_err(d))
    (d / "manifest.json").write_text("{not json")
    e = _err(d)
    assert "manifest.json" in str(e) and "JSON" in str(e)


def test_empty_file_and_not_a_directory(tmp_path):
    d = _dir(tmp_path, users__csv="", merchants__csv=MERCHANTS)
    e = _err(d)
    assert e.line == 1 and "header" in str(e)
    with pytest.raises(gm.InputError, match="not a directory"):
        read_csv_dir(tmp_path / "nope")


def test_write_refuses_to_replace_a_foreign_directory(tiny_eco, tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "thesis.tex").write_text("precious")
    with pytest.raises(gm.InputError, match="refusing"):
        gm.write(tiny_eco, tmp_path / "docs")
    assert (tmp_path / "docs" / "thesis.tex").read_text() == "precious"


def test_read_csv_table_standalone(tmp_path):
    f = tmp_path / "t.csv"
    f.write_text("a,b\n1,x\n2,y\n")
    t = read_csv_table(f, kinds={"a": "float"}, required=("a",))
    assert t["a"].dtype == np.float64 and t["b"].tolist() == ["x", "y"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(gm.InputError, match="'c'"):
            read_csv_table(f, required=("c",))


def test_a_misnamed_table_is_named_not_skipped(tmp_path):
    d = _dir(tmp_path, **{"users.csv": "id\na\nb\n", "payment.csv": "user,merchant\na,7\n", "notes.csv": "x\n1\n"})
    with pytest.warns(
        gm.GraphModelWarning, match=r"2 CSV file\(s\) not read: notes.csv, payment.csv \(did you mean payments.csv\?\)"
    ):
        eco = read_csv_dir(d)
    assert eco.n_edges("payment") == 0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        read_csv_dir(_dir(tmp_path / "ok", **{"users.csv": "id\na\n"}))
