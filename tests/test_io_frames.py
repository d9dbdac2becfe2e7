"""Ecosystem.from_frames: pandas and Arrow tables, with the CSV reader's rules and error quality."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import graphmodel as gm
from graphmodel.experiments.campaign import make_campaign
from graphmodel.io.csvdir import read_csv_dir

pd = pytest.importorskip("pandas")
pa = pytest.importorskip("pyarrow")


def _build(**kw):
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        eco = gm.Ecosystem.from_frames(**kw)
    return eco, [str(w.message) for w in rec if issubclass(w.category, gm.GraphModelWarning)]


def _tables():
    users = {"id": ["ann", "bob", "cy"], "city": ["qd", "bj", "qd"], "purchasing_power": [1.5, 0.7, 3.0]}
    merchants = {"id": [10, 20], "category": [334, 7], "price_level": [1.0, 2.5]}
    social = {"src": ["ann", "bob"], "dst": ["bob", "cy"], "weight": [0.5, 1.0]}
    payments = {"user": ["ann", "cy", "bob"], "merchant": [10, 10, 20], "count": [3, 1, 2], "amount": [30.0, 9.5, 12.0]}
    return users, merchants, social, payments


@pytest.mark.parametrize("wrap", ["pandas", "arrow"])
def test_same_ecosystem_as_from_labels(wrap):
    users, merchants, social, payments = _tables()
    conv = pd.DataFrame if wrap == "pandas" else pa.table
    eco, warned = _build(users=conv(users), merchants=conv(merchants), social=conv(social), payments=conv(payments))
    ref = gm.Ecosystem.from_labels(users, merchants, social=social, payment=payments)
    assert eco.equals(ref) and not warned


@pytest.mark.parametrize("wrap", ["pandas", "arrow"])
def test_same_as_the_csv_reader_on_the_same_data(tmp_path, wrap):
    d = tmp_path / "eco"
    d.mkdir()
    (d / "users.csv").write_text("id,city\n1,qd\n2,bj\n3,\n")
    (d / "merchants.csv").write_text("id,category\nm,334\nn,\n")
    (d / "social.csv").write_text("src,dst\n1,2\n2,1\n2,3\n")
    (d / "payments.csv").write_text("user,merchant,time,amount\n1,m,5,1.0\n1,m,3,2.0\n2,n,4,4.0\n")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gm.GraphModelWarning)
        csv_eco = read_csv_dir(d)
    frames = {
        k: pd.read_csv(d / f"{k}.csv", keep_default_na=False) for k in ("users", "merchants", "social", "payments")
    }
    frames["merchants"]["category"] = pd.array([334, None], dtype="Int64")  # as an analyst holds it
    if wrap == "arrow":
        frames = {k: pa.Table.from_pandas(v, preserve_index=False) for k, v in frames.items()}
    eco, warned = _build(**frames)
    assert eco.equals(csv_eco)
    assert eco.meta["payment_events"] == 3 and eco.meta["duplicates"]["social"]["reverse"] == 1
    assert any("kept as text ids" in w for w in warned)
    assert make_campaign(eco, "category:334").merchants.tolist() == [0]


def test_nullable_int_category_keeps_identity():
    m = pd.DataFrame(
        {
            "id": ["a", "b"],
            "category": pd.array([334, pd.NA], dtype="Int64"),
            "count": pd.array([1, pd.NA], dtype="Int64"),
        }
    )
    eco, warned = _build(users=pd.DataFrame({"id": [1]}), merchants=m)
    t = eco.nodes("merchant")
    assert t["category"].tolist() == ["334", ""]
    assert t["count"].dtype.kind == "f" and np.isnan(t["count"][1])  # a known numeric column stays numeric
    assert len(warned) == 1 and "'category'" in warned[0] and "row 1" in warned[0]


def test_arrow_dictionary_timestamp_and_nulls():
    import datetime as dt

    users = pa.table({"id": pa.array(["a", "b", "c"]).dictionary_encode(), "city": pa.array(["x", None, "y"])})
    t0 = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)
    ev = pa.table(
        {
            "user": ["a", "a", "b"],
            "merchant": ["m", "m", "m"],
            "time": pa.array([t0, t0 + dt.timedelta(seconds=60), t0], type=pa.timestamp("s", tz="UTC")),
            "amount": [1.0, 2.0, None],
        }
    )
    eco, _ = _build(users=users, merchants=pa.table({"id": ["m"]}), payments=ev)
    assert eco.nodes("user")["city"].tolist() == ["x", "", "y"]
    p = eco.edges("payment")
    base = int(t0.timestamp())
    assert p["first_time"].tolist() == [base, base] and p["last_time"].tolist() == [base + 60, base]
    assert p["count"].tolist() == [2, 1]


def test_stray_text_in_object_column_warns_with_table_row_column_value():
    u = pd.DataFrame({"id": [1, 2, 3, 4], "score": [1.5, 2.0, "n/a", 4.0]})
    eco, warned = _build(users=u)
    s = eco.nodes("user")["score"]
    assert s.dtype.kind == "f" and np.isnan(s[2])
    assert len(warned) == 1 and "users: 'score': row 2" in warned[0] and "'n/a'" in warned[0]
    with pytest.raises(gm.InputError) as info:
        gm.Ecosystem.from_frames(users=u, strict=True)
    assert info.value.source == "users" and info.value.field == "score" and "row 2" in str(info.value)


def test_duplicates_are_merged_and_counted():
    users = pd.DataFrame({"id": [1, 2, 3]})
    social = pd.DataFrame({"src": [1, 2, 1], "dst": [2, 1, 3]})
    pay = pd.DataFrame({"user": [1, 1], "merchant": ["m", "m"], "amount": [2.0, 2.0]})
    eco, warned = _build(users=users, merchants=pd.DataFrame({"id": ["m"]}), social=social, payments=pay)
    assert eco.n_edges("social") == 2 and eco.n_edges("payment") == 1
    assert eco.edges("payment")["amount"].tolist() == [4.0] and eco.edges("payment")["count"].tolist() == [2]
    assert eco.meta["duplicates"]["payment"]["identical_rows"] == 1
    assert len(warned) == 2
    kept, warned = _build(users=users, social=social, duplicates="keep")
    assert kept.n_edges("social") == 3 and not warned


# ---------------------------------------------------------------- bad input: table, row, column
def _err(**kw) -> gm.InputError:
    with pytest.raises(gm.InputError) as info:
        gm.Ecosystem.from_frames(**kw)
    return info.value


@pytest.mark.parametrize("wrap", ["pandas", "arrow"])
def test_missing_required_column(wrap):
    conv = pd.DataFrame if wrap == "pandas" else pa.table
    e = _err(users=conv({"id": [1, 2]}), social=conv({"from": [1], "dst": [2]}))
    assert e.source == "social" and e.field == "src" and "the table has from, dst" in str(e)


@pytest.mark.parametrize("wrap", ["pandas", "arrow"])
def test_missing_id_names_row(wrap):
    conv = pd.DataFrame if wrap == "pandas" else pa.table
    e = _err(users=conv({"id": [1, 2, 3]}), social=conv({"src": [1, None], "dst": [2, 3]}))
    assert e.source == "social" and e.field == "src" and "row 1: missing id" in str(e)


def test_missing_text_id_names_row():
    e = _err(users=pd.DataFrame({"id": ["a", "b"]}), social=pd.DataFrame({"src": ["a", None], "dst": ["b", "a"]}))
    assert e.source == "social" and e.field == "src" and "row 1: missing id" in str(e)


def test_unknown_id_names_row_and_column():
    e = _err(users=pd.DataFrame({"id": [1, 2]}), social=pd.DataFrame({"src": [1, 2], "dst": [2, 9]}))
    assert e.field == "dst" and "row 1" in str(e) and "unknown user id 9" in str(e)


def test_duplicate_node_id():
    e = _err(users=pd.DataFrame({"id": ["a", "b", "a"]}))
    assert e.source == "users" and e.field == "id" and "row 2: duplicate id a (first seen on row 0)" in str(e)


def test_text_in_a_known_numeric_column_is_an_error():
    e = _err(
        users=pd.DataFrame({"id": [1, 2]}),
        merchants=pd.DataFrame({"id": ["m"]}),
        payments=pd.DataFrame({"user": [1, 2], "merchant": ["m", "m"], "amount": ["1.5", "lots"]}),
    )
    assert e.source == "payments" and e.field == "amount" and "row 1: expected a number, got 'lots'" in str(e)


def test_missing_event_time():
    ev = pd.DataFrame({"user": [1, 1], "merchant": ["m", "m"], "time": [5.0, None]})
    e = _err(users=pd.DataFrame({"id": [1]}), merchants=pd.DataFrame({"id": ["m"]}), payments=ev)
    assert e.source == "payments" and e.field == "time" and "row 1: missing time" in str(e)


def test_negative_amount():
    e = _err(
        users=pd.DataFrame({"id": [1]}),
        merchants=pd.DataFrame({"id": ["m"]}),
        payments=pd.DataFrame({"user": [1], "merchant": ["m"], "amount": [-1.0]}),
    )
    assert e.field == "amount" and "row 0" in str(e)


def test_payments_without_merchants_and_unsupported_types():
    e = _err(users=pd.DataFrame({"id": [1]}), payments=pd.DataFrame({"user": [1], "merchant": ["m"]}))
    assert "no merchants table" in str(e)
    e = _err(users=pa.table({"id": [1], "tags": pa.array([[1, 2]])}))
    assert e.field == "tags" and "unsupported Arrow type" in str(e)
    e = _err(users=[1, 2])
    assert "expected a pandas DataFrame" in str(e)


def test_float_column_of_whole_numbers_with_gaps_is_flagged():
    m = pd.DataFrame({"id": ["a", "b", "c"], "category": [334.0, np.nan, 7.0], "rating": [1.5, np.nan, 2.0]})
    eco, warned = _build(users=pd.DataFrame({"id": [1]}), merchants=m)
    assert eco.nodes("merchant")["category"].dtype.kind == "f"  # kept as given, never guessed
    assert len(warned) == 1 and "'category'" in warned[0] and "'Int64'" in warned[0]
