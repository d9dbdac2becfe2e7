"""CSV reader: the silent data errors an analyst's files used to cause, now merged/kept by a stated rule and reported."""

from __future__ import annotations

import gzip
import warnings
from pathlib import Path

import numpy as np
import pytest

import graphmodel as gm
from graphmodel.experiments.campaign import make_campaign
from graphmodel.io.csvdir import read_csv_dir, read_csv_table, write_csv_dir

USERS = "id\n1\n2\n3\n4\n"


def _dir(tmp_path: Path, **files: str | bytes) -> Path:
    d = tmp_path / "eco"
    d.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        p = d / name.replace("__", ".")
        if isinstance(text, bytes):
            p.write_bytes(text)
        else:
            p.write_text(text, encoding="utf-8")
    return d


def _read(d: Path, **kw) -> tuple[gm.Ecosystem, list[str]]:
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        eco = read_csv_dir(d, **kw)
    return eco, [str(w.message) for w in rec if issubclass(w.category, gm.GraphModelWarning)]


# ------------------------------------------------------------------ duplicates
def test_friendship_listed_both_ways_is_one_tie(tmp_path):
    d = _dir(tmp_path, users__csv=USERS, social__csv="src,dst,weight\n1,2,0.5\n2,1,0.5\n1,2,0.7\n3,4,1\n")
    eco, warned = _read(d)
    assert eco.n_edges("social") == 2
    assert eco.edges("social")["weight"].tolist() == [0.5, 1.0]  # the first row of each pair
    assert eco.meta["duplicates"]["social"] == {"rule": "first row kept", "merged_rows": 2, "exact": 1, "reverse": 1}
    assert len(warned) == 1 and "2 duplicate tie row(s)" in warned[0] and "1 exact, 1 reverse" in warned[0]
    assert "social.csv" in warned[0]


def test_directed_social_keeps_reverse_ties(tmp_path):
    d = _dir(tmp_path, users__csv=USERS, social__csv="src,dst\n1,2\n2,1\n1,2\n")
    eco, warned = _read(d, social_directed=True)
    assert eco.is_directed("social")
    assert eco.n_edges("social") == 2
    assert eco.meta["duplicates"]["social"]["exact"] == 1 and eco.meta["duplicates"]["social"]["reverse"] == 0


def test_duplicate_payment_rows_are_summed(tmp_path):
    d = _dir(
        tmp_path,
        users__csv=USERS,
        merchants__csv="id\nm\nn\n",
        payments__csv="user,merchant,count,amount,channel\n1,m,2,10.0,qr\n2,m,1,1.0,qr\n1,m,2,10.0,qr\n1,m,1,5.0,web\n",
    )
    eco, warned = _read(d)
    p = eco.edges("payment")
    assert len(p) == 2
    assert p["count"].tolist() == [5, 1] and p["amount"].tolist() == [25.0, 1.0]
    assert p["channel"].tolist() == ["web", "qr"]  # other columns: the pair's last row
    info = eco.meta["duplicates"]["payment"]
    assert info["merged_rows"] == 2 and info["identical_rows"] == 1
    assert len(warned) == 1 and "identical" in warned[0]


def test_duplicates_keep_gives_parallel_edges(tmp_path):
    d = _dir(tmp_path, users__csv=USERS, merchants__csv="id\nm\n", payments__csv="user,merchant\n1,m\n1,m\n")
    eco, warned = _read(d, duplicates="keep")
    assert eco.n_edges("payment") == 2 and not warned and "duplicates" not in eco.meta
    eco, warned = _read(d)  # merged: a count column counts the rows
    assert eco.edges("payment")["count"].tolist() == [2]


def test_written_directory_reads_back_exactly_with_parallel_edges(tmp_path):
    eco = gm.Ecosystem.from_labels(users={"id": [1, 2]}, social={"src": [1, 2], "dst": [2, 1]})
    write_csv_dir(eco, tmp_path / "eco")
    back, warned = _read(tmp_path / "eco")
    assert back.equals(eco) and not warned


# ------------------------------------------------------------------ kinds
def test_integer_ids_with_a_missing_cell_keep_their_identity(tmp_path):
    d = _dir(tmp_path, users__csv=USERS, merchants__csv="id,category,price_level\na,334,1.0\nb,,2.0\nc,12,\n")
    eco, _ = _read(d)
    m = eco.nodes("merchant")
    assert m["category"].tolist() == ["334", "", "12"]
    assert m["price_level"].dtype.kind == "f"  # a known numeric column stays numeric
    camp = make_campaign(eco, "category:334")
    assert camp.merchants.tolist() == [0]


def test_integer_ids_with_missing_cells_across_chunks(tmp_path, monkeypatch):
    import graphmodel.io.csvdir as csvdir

    monkeypatch.setattr(csvdir, "_CHUNK_ROWS", 3)
    rows = "".join(f"m{i},{'' if i == 7 else 100 + i}\n" for i in range(10))
    d = _dir(tmp_path, users__csv=USERS, merchants__csv="id,category\n" + rows)
    eco, _ = _read(d)
    cat = eco.nodes("merchant")["category"]
    assert cat.dtype.kind == "U" and cat[7] == "" and cat[0] == "100"


def test_stray_text_in_a_numeric_column_warns_with_file_line_value(tmp_path):
    body = "".join(f"{i},{i * 1.5}\n" for i in range(1, 5)).replace("3,4.5", "3,n/a")
    d = _dir(tmp_path, users__csv="id,score\n" + body)
    eco, warned = _read(d)
    s = eco.nodes("user")["score"]
    assert s.dtype.kind == "f" and np.isnan(s[2]) and s[3] == 6.0
    assert len(warned) == 1
    assert (
        "users.csv:4" in warned[0] and "'score'" in warned[0] and "'n/a'" in warned[0] and "1 non-numeric" in warned[0]
    )
    with pytest.raises(gm.InputError) as info:
        read_csv_dir(d, strict=True)
    e = info.value
    assert e.line == 4 and e.field == "score" and "'n/a'" in str(e)


def test_a_text_column_is_not_taken_for_numbers(tmp_path):
    d = _dir(tmp_path, users__csv="id,city\n1,qd\n2,bj\n3,7\n")
    eco, warned = _read(d)
    assert eco.nodes("user")["city"].tolist() == ["qd", "bj", "7"] and not warned


def test_stray_in_a_later_chunk(tmp_path, monkeypatch):
    import graphmodel.io.csvdir as csvdir

    monkeypatch.setattr(csvdir, "_CHUNK_ROWS", 4)
    lines = [f"{i},{i}.25\n" for i in range(1, 13)]
    lines[9] = "10,oops\n"
    p = tmp_path / "t.csv"
    p.write_text("id,x\n" + "".join(lines))
    with pytest.warns(gm.GraphModelWarning, match=r"t\.csv:11: 'x'.*'oops'"):
        t = read_csv_table(p)
    assert t["x"].dtype.kind == "f" and np.isnan(t["x"][9])


# ------------------------------------------------------------------ encoding, optional files
@pytest.mark.parametrize("gz", [False, True])
def test_latin1_byte_names_file_and_line(tmp_path, gz):
    body = "id,city\n" + "".join(f"{i},qd\n" for i in range(1, 3000)) + "3000,K\xf6ln\n"
    raw = body.encode("latin-1")
    name = "users__csv__gz" if gz else "users__csv"
    d = _dir(tmp_path, **{name: gzip.compress(raw) if gz else raw})
    with pytest.raises(gm.InputError) as info:
        read_csv_dir(d)
    e = info.value
    assert e.line == 3001 and "not UTF-8" in str(e) and "\\xf6" in str(e) and "character 7" in str(e)


def test_event_without_time_names_the_line(tmp_path):
    d = _dir(tmp_path, users__csv=USERS, merchants__csv="id\nm\n", payments__csv="user,merchant,time\n1,m,5\n2,m,\n")
    with pytest.raises(gm.InputError) as info:
        read_csv_dir(d)
    assert info.value.line == 3 and info.value.field == "time" and "missing time" in str(info.value)


def test_merchants_file_is_optional(tmp_path):
    d = _dir(tmp_path, users__csv=USERS, social__csv="src,dst\n1,2\n")
    eco, _ = _read(d)
    assert eco.n_merchants == 0 and eco.n_edges("social") == 1 and not eco.is_directed("social")


def test_payments_without_merchants_file_is_one_line(tmp_path):
    d = _dir(tmp_path, users__csv=USERS, payments__csv="user,merchant\n1,m\n")
    with pytest.raises(gm.InputError, match="no merchants.csv") as info:
        read_csv_dir(d)
    assert info.value.source.endswith("payments.csv")


# ------------------------------------------------------------------ the pyarrow fast path
def test_arrow_fast_path_reads_what_the_chunked_reader_reads(tmp_path, monkeypatch):
    pytest.importorskip("pyarrow")
    import graphmodel.io.csvdir as csvdir

    eco = gm.Ecosystem.from_labels(
        users={
            "id": ["a", "b,c", 'q"d', "é\nf"],
            "x": [1.5, np.nan, -0.0, 1e300],
            "ok": [True, False, True, True],
            "note": ["", "x", "TRUE", "007"],
        },
        merchants={"id": [7, 8], "n": [-3, 4]},
        payment={"user": ["a", "é\nf"], "merchant": [8, 7], "count": [1, 2]},
    )
    write_csv_dir(eco, tmp_path / "eco")
    calls = []
    real = csvdir._read_arrow
    monkeypatch.setattr(csvdir, "_read_arrow", lambda *a: calls.append(1) or real(*a))
    fast = read_csv_dir(tmp_path / "eco")
    assert calls and fast.equals(eco)
    monkeypatch.setattr(csvdir, "_read_arrow", lambda *a: None)
    slow = read_csv_dir(tmp_path / "eco")
    assert slow.equals(fast)
    for kind in ("user", "merchant"):
        for col, v in fast.nodes(kind).items():
            assert v.dtype == slow.nodes(kind)[col].dtype


def test_bad_cell_in_a_manifest_directory_still_names_the_line(tmp_path):
    eco = gm.Ecosystem.from_labels(users={"id": [1, 2, 3], "score": [1.0, 2.0, 3.0]})
    write_csv_dir(eco, tmp_path / "eco")
    p = tmp_path / "eco" / "users.csv"
    p.write_text(p.read_text().replace("2,2.0", "2,two"))
    with pytest.raises(gm.InputError) as info:
        read_csv_dir(tmp_path / "eco")
    assert info.value.line == 3 and info.value.field == "score" and "'two'" in str(info.value)


# ------------------------------------------------------------------ the merge rule against a plain-Python grouping
@pytest.mark.parametrize("layer,directed", [("social", False), ("social", True), ("payment", True), ("transfer", True)])
def test_merge_rule_matches_a_plain_python_grouping(layer, directed):
    from graphmodel.io.events import merge_duplicate_edges
    from graphmodel.table import Table

    rng = np.random.default_rng(7)
    n = 400
    t = Table(
        {
            "src": rng.integers(0, 6, n),
            "dst": rng.integers(0, 6, n),
            "count": rng.integers(0, 5, n),
            "amount": np.where(rng.random(n) < 0.1, np.nan, rng.random(n)),
            "first_time": rng.integers(0, 100, n),
            "last_time": rng.integers(100, 200, n),
            "kind": rng.choice(["a", "b"], n),
        },
        name=layer,
    )
    merged, info = merge_duplicate_edges(t, layer=layer, directed=directed)
    groups: dict[tuple[int, int], list[int]] = {}
    for i, (s, d) in enumerate(zip(t["src"].tolist(), t["dst"].tolist(), strict=True)):
        groups.setdefault((s, d) if directed else (min(s, d), max(s, d)), []).append(i)
    firsts = sorted(rows[0] for rows in groups.values())
    assert merged["src"].tolist() == [int(t["src"][i]) for i in firsts]
    assert info["merged_rows"] == n - len(groups)
    by_first = {rows[0]: rows for rows in groups.values()}
    for k, i in enumerate(firsts):
        rows = by_first[i]
        if layer == "social":
            assert merged["count"][k] == t["count"][i] and merged["kind"][k] == t["kind"][i]
            continue
        assert merged["count"][k] == sum(int(t["count"][r]) for r in rows)
        amounts = [float(t["amount"][r]) for r in rows]
        assert np.isclose(merged["amount"][k], sum(amounts), equal_nan=True)  # NaN in a sum stays NaN
        assert merged["first_time"][k] == min(int(t["first_time"][r]) for r in rows)
        assert merged["last_time"][k] == max(int(t["last_time"][r]) for r in rows)
        assert merged["kind"][k] == t["kind"][rows[-1]]
    if layer == "social":
        assert info["exact"] + info["reverse"] == info["merged_rows"]
        if directed:
            assert info["reverse"] == 0


def _fast_and_chunked(tmp_path, eco, monkeypatch):
    import graphmodel.io.csvdir as csvdir

    write_csv_dir(eco, tmp_path)
    fast = read_csv_dir(tmp_path)
    with monkeypatch.context() as m:
        m.setattr(csvdir, "_read_arrow", lambda *a: None)
        slow = read_csv_dir(tmp_path)
    return fast, slow


from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=8)
_float = st.floats(allow_nan=True, allow_infinity=True, width=64)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    names=st.lists(_text, min_size=1, max_size=6),
    xs=st.lists(_float, min_size=6, max_size=6),
    ks=st.lists(st.integers(-(2**62), 2**62), min_size=6, max_size=6),
)
def test_fast_path_and_chunked_reader_agree_on_any_text_and_numbers(tmp_path_factory, monkeypatch, names, xs, ks):
    pytest.importorskip("pyarrow")
    n = len(names)
    eco = gm.Ecosystem.from_labels(
        users={
            "id": [f"u{i}" for i in range(n)],
            "name": names,
            "x": xs[:n],
            "k": ks[:n],
            "b": [i % 2 == 0 for i in range(n)],
        }
    )
    fast, slow = _fast_and_chunked(tmp_path_factory.mktemp("h"), eco, monkeypatch)
    assert fast.equals(eco) and slow.equals(eco)
