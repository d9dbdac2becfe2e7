"""The .npz snapshot: exact round trip, compact layout, old files still load, damaged files refused by name."""

from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import graphmodel as gm
from graphmodel.ecosystem import LAYERS, NODE_TYPES
from graphmodel.io.npz import read_npz, write_npz


def _tables(eco):
    return [(t, eco.nodes(t)) for t in NODE_TYPES] + [(t, eco.edges(t)) for t in LAYERS]


def assert_identical(a, b):
    """Equal values and the very same dtypes (string width included), every column of every table."""
    assert a.equals(b)
    for (name, ta), (_, tb) in zip(_tables(a), _tables(b)):
        for col, values in ta.items():
            assert tb[col].dtype == values.dtype, (name, col)


def arrays_of(f):
    with np.load(f, allow_pickle=False) as z:
        return {k: z[k] for k in z.files}


def manifest_of(arrays):
    return json.loads(arrays["__manifest__"].tobytes())


def resave(f, arrays, manifest=None):
    if manifest is not None:
        arrays = {**arrays, "__manifest__": np.frombuffer(json.dumps(manifest).encode(), dtype=np.uint8)}
    f.unlink()
    np.savez(f, **arrays)


@pytest.mark.parametrize("compress", [False, True])
def test_round_trip(tiny_eco, tmp_path, compress):
    f = tmp_path / "eco.npz"
    write_npz(tiny_eco, f, compress=compress)
    assert f.exists() and not (tmp_path / "eco.npz.npz").exists()
    back = read_npz(f)
    assert_identical(back, tiny_eco)
    assert not back.nodes("user")["city"].flags.writeable
    assert not back.edges("payment")["count"].flags.writeable


def test_strings_are_stored_as_codes_and_ascii_values(tiny_eco, tmp_path):
    f = tmp_path / "eco.npz"
    write_npz(tiny_eco, f)
    arrays = arrays_of(f)
    manifest = manifest_of(arrays)
    assert manifest["version"] == 2
    city = manifest["columns"]["merchant"].index("city")
    assert manifest["encoding"]["merchant"][city] == {"dtype": "<U2", "codec": "dict"}
    assert arrays[f"merchant/{city}"].dtype == np.uint8
    assert arrays[f"merchant/{city}/values"].tolist() == [b"", b"qd"]  # "" (missing) is a value like any other
    count = manifest["columns"]["payment"].index("count")
    assert arrays[f"payment/{count}"].dtype == np.uint8 and manifest["encoding"]["payment"][count]["codec"] == "narrow"
    assert not any(a.dtype.kind == "U" for a in arrays.values())


def test_many_categories_and_non_ascii(tmp_path):
    n = 70_000  # more than 2**16 distinct values: uint32 codes
    ids = np.char.add("u", np.arange(n).astype(str))
    names = np.where(np.arange(n) % 3 == 0, "Zürich", np.where(np.arange(n) % 3 == 1, "", "北京"))
    tags = np.char.add("t", (np.arange(n) % 300).astype(str))  # 300 values: uint16 codes
    eco = gm.Ecosystem(users={"id": ids, "name": names, "tag": tags, "big": np.arange(n) * 2**40 - 5})
    f = tmp_path / "e.npz"
    write_npz(eco, f)
    assert_identical(read_npz(f), eco)
    arrays = arrays_of(f)
    assert arrays["user/0"].dtype == np.uint32 and arrays["user/2"].dtype == np.uint16
    assert arrays["user/1/values"].dtype.kind == "U"  # not ASCII: kept as unicode
    assert arrays["user/3"].dtype == np.int64


_strings = st.text(alphabet=st.sampled_from(["a", "b", "Z", " ", "é", "ß", "\t", "😀"]), max_size=4)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    n=st.integers(0, 12),
    data=st.data(),
)
def test_round_trip_every_kind(tmp_path, n, data):
    ints = data.draw(
        st.lists(
            st.sampled_from([0, -1, 1, 127, 128, 255, 256, -129, 2**31, -(2**31) - 1, 2**63 - 1, -(2**63)])
            | st.integers(-300, 70_000),
            min_size=n,
            max_size=n,
        )
    )
    floats = data.draw(st.lists(st.floats(allow_nan=True, allow_infinity=True) | st.just(-0.0), min_size=n, max_size=n))
    bools = data.draw(st.lists(st.booleans(), min_size=n, max_size=n))
    strs = data.draw(st.lists(_strings, min_size=n, max_size=n))
    users = {
        "id": np.arange(n),
        "i": np.array(ints, dtype=np.int64),
        "f": np.array(floats, dtype=np.float64),
        "b": np.array(bools, dtype=bool),
        "s": np.array(strs, dtype=str) if n else np.zeros(0, dtype="<U1"),
    }
    src = np.arange(n // 2)
    eco = gm.Ecosystem(
        users=users,
        social={"src": src, "dst": src + n // 2, "kind": np.array(strs[: n // 2], dtype="<U6")},
        meta={"n": n},
    )
    f = tmp_path / "h.npz"
    write_npz(eco, f)
    back = read_npz(f)
    assert_identical(back, eco)
    assert np.array_equal(np.signbit(back.nodes("user")["f"]), np.signbit(users["f"]))


def test_odd_column_names_and_empty_layers(tmp_path):
    eco = gm.Ecosystem(users={"id": ["a/b", "c"], "a/b c": [1, 2]}, meta={"k": [1, "x"]}, social_directed=True)
    gm.write(eco, tmp_path / "e.npz")
    back = gm.read(tmp_path / "e.npz")
    assert back.equals(eco) and back.social_directed


def _write_version1(eco, f):
    """An old (version 1) snapshot, written by hand the way the previous writer did it: every column as is."""
    arrays, columns = {}, {}
    for table, t in _tables(eco):
        columns[table] = list(t.columns)
        for i, (_, values) in enumerate(t.items()):
            arrays[f"{table}/{i}"] = values
    manifest = {
        "format": "graphmodel-npz",
        "version": 1,
        "social_directed": eco.social_directed,
        "meta": eco.meta,
        "columns": columns,
        "rows": {table: len(t) for table, t in _tables(eco)},
    }
    arrays["__manifest__"] = np.frombuffer(json.dumps(manifest).encode("utf-8"), dtype=np.uint8)
    with open(f, "wb") as fh:
        np.savez(fh, **arrays)


def test_version1_files_still_load(tiny_eco, tmp_path):
    f = tmp_path / "old.npz"
    _write_version1(tiny_eco, f)
    arrays = arrays_of(f)
    assert arrays["user/1"].dtype == np.dtype("<U2")  # the old layout: a fixed-width unicode array
    assert_identical(read_npz(f), tiny_eco)
    # ... and rewriting it gives the new, compact layout with the same content.
    write_npz(read_npz(f), tmp_path / "new.npz")
    assert manifest_of(arrays_of(tmp_path / "new.npz"))["version"] == 2
    assert_identical(read_npz(tmp_path / "new.npz"), tiny_eco)


def test_version1_bad_column_type_names_the_array(tiny_eco, tmp_path):
    f = tmp_path / "old.npz"
    _write_version1(tiny_eco, f)
    arrays = arrays_of(f)
    arrays["user/1"] = arrays["user/1"].astype("S")
    resave(f, arrays)
    with pytest.raises(gm.InputError, match=r"old\.npz: 'city': array 'user/1': unsupported column type"):
        read_npz(f)


def test_newer_version_is_refused(tiny_eco, tmp_path):
    f = tmp_path / "eco.npz"
    write_npz(tiny_eco, f)
    arrays = arrays_of(f)
    resave(f, arrays, {**manifest_of(arrays), "version": 3})
    with pytest.raises(gm.InputError, match="unsupported version 3; this graphmodel reads 1, 2"):
        read_npz(f)


def _damage(tiny_eco, tmp_path, change):
    """Write a good snapshot, apply ``change(arrays, manifest)``, save it back; return the path."""
    f = tmp_path / "eco.npz"
    write_npz(tiny_eco, f)
    arrays = arrays_of(f)
    manifest = manifest_of(arrays)
    change(arrays, manifest)
    resave(f, arrays, manifest)
    return f


def _set(key, value):
    def change(arrays, manifest):
        arrays[key] = value

    return change


def _drop(key):
    def change(arrays, manifest):
        del arrays[key]

    return change


def _spec(table, i, spec):
    def change(arrays, manifest):
        manifest["encoding"][table][i] = spec

    return change


# tiny_eco columns: user id/city/purchasing_power; merchant id/channel/city/price_level; payment src/dst/count/amount
@pytest.mark.parametrize(
    "change, field, message",
    [
        (_set("user/1", np.array([0, 5, 1], dtype=np.uint8)), "city", r"array 'user/1': codes outside 0\.\.1"),
        (_set("user/1", np.array([0, -1, 1], dtype=np.int8)), "city", r"array 'user/1': codes outside"),
        (_set("user/1", np.array([0.0, 1.0, 1.0])), "city", r"array 'user/1': codes must be integers"),
        (_set("user/1", np.array([0, 1], dtype=np.uint8)), "city", r"table 'user': column has 2 values, expected 3"),
        (_drop("user/1/values"), "city", r"missing array 'user/1/values'"),
        (_drop("payment/3"), "amount", r"missing array 'payment/3'"),
        (_set("user/1/values", np.array([b"bj", b"q\xe9"])), "city", r"array 'user/1/values': values are not ASCII"),
        (
            _set("user/1/values", np.array(["bj", "qdx"])),
            "city",
            r"'user/1/values': values longer than the column type <U2",
        ),
        (_set("user/1/values", np.array([1, 2])), "city", r"'user/1/values': expected strings, got int64"),
        (_set("user/1/values", np.array([["bj", "qd"]])), "city", r"'user/1/values': expected 1-D"),
        (_set("payment/2", np.array([3.0, 1.0, 2.0])), "count", r"array 'payment/2': float64 cannot hold int64"),
        (
            _set("payment/2", np.array([3, 1, 2], dtype=np.uint64)),
            "count",
            r"array 'payment/2': uint64 cannot hold int64",
        ),
        (
            _set("payment/3", np.array([1, 2, 3], dtype=np.int64)),
            "amount",
            r"array 'payment/3': stored as int64, manifest says float64",
        ),
        (
            _spec("payment", 3, {"codec": "zstd", "dtype": "<f8"}),
            "amount",
            r"manifest: bad encoding for array 'payment/3'",
        ),
        (_spec("payment", 3, {"codec": "plain", "dtype": "nonsense"}), "amount", r"manifest: bad dtype 'nonsense'"),
        (_spec("payment", 3, {"codec": "dict", "dtype": "<f8"}), "amount", r"codec 'dict' cannot hold float64 values"),
        (_spec("payment", 2, {"codec": "narrow", "dtype": "<U3"}), "count", r"codec 'narrow' cannot hold <U3 values"),
    ],
)
def test_damaged_arrays_name_file_array_and_column(tiny_eco, tmp_path, change, field, message):
    f = _damage(tiny_eco, tmp_path, change)
    with pytest.raises(gm.InputError, match=message) as info:
        read_npz(f)
    assert str(info.value).startswith(f"{f}: '{field}': ")


def test_damaged_manifest_is_named(tiny_eco, tmp_path):
    def no_encoding(arrays, manifest):
        manifest["encoding"]["payment"] = manifest["encoding"]["payment"][:2]

    def bad_rows(arrays, manifest):
        manifest["rows"]["user"] = "three"

    def bad_columns(arrays, manifest):
        manifest["columns"]["user"] = "id"

    for change, message in [
        (no_encoding, r"'encoding': manifest: 'payment' has 4 columns but no encoding for each"),
        (bad_rows, r"'rows': manifest: rows of 'user' must be a count"),
        (bad_columns, r"'columns': manifest: columns of 'user' must be a list"),
    ]:
        f = _damage(tiny_eco, tmp_path, change)
        with pytest.raises(gm.InputError, match=message) as info:
            read_npz(f)
        assert str(info.value).startswith(str(f))


def test_flipped_byte_names_the_array(tmp_path):
    eco = gm.Ecosystem(users={"id": np.arange(1000), "x": np.linspace(0, 1, 1000)})
    f = tmp_path / "eco.npz"
    write_npz(eco, f)
    with zipfile.ZipFile(f) as zf:
        info = zf.getinfo("user/1.npy")
    data = bytearray(f.read_bytes())
    data[info.header_offset + 30 + len(info.filename) + 200 + 4000] ^= (
        0xFF  # inside x's float data (stored, not deflated)
    )
    f.write_bytes(bytes(data))
    with pytest.raises(gm.InputError, match=r"'x': array 'user/1' is unreadable \(BadZipFile: Bad CRC-32") as err:
        read_npz(f)
    assert str(err.value).startswith(str(f))


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
    np.save(tmp_path / "z.npy", np.arange(3))
    (tmp_path / "z.npy").rename(tmp_path / "z.npz")
    with pytest.raises(gm.InputError, match=r"z\.npz: not a graphmodel snapshot \(a single \.npy array"):
        read_npz(tmp_path / "z.npz")
    with pytest.raises(gm.InputError, match="no such file"):
        read_npz(tmp_path / "missing.npz")


def test_pickled_arrays_are_refused(tmp_path):
    manifest = {"format": "graphmodel-npz", "version": 1, "meta": {}, "columns": {"user": ["id"]}, "rows": {"user": 1}}
    np.savez(
        tmp_path / "p.npz",
        __manifest__=np.frombuffer(json.dumps(manifest).encode(), dtype=np.uint8),
        **{"user/0": np.array([object()], dtype=object)},
    )
    with pytest.raises(gm.InputError, match=r"p\.npz: 'id': array 'user/0' is unreadable"):
        read_npz(tmp_path / "p.npz")


def test_failed_write_leaves_nothing(tmp_path):
    eco = gm.Ecosystem(users={"id": [1]}, meta={"bad": float("nan")})
    with pytest.raises(gm.InputError, match="JSON"):
        gm.write(eco, tmp_path / "e.npz")
    assert list(tmp_path.iterdir()) == []
