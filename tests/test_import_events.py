"""Out-of-core payment events: DuckDB and Dask give the in-memory aggregation's table; bad files name file, row, column."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import graphmodel as gm
from graphmodel.cli.main import main
from graphmodel.io.eventlog import aggregate_event_log
from graphmodel.io.events import aggregate_payment_events
from graphmodel.io.importer import import_ecosystem
from graphmodel.table import Table

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")
pytest.importorskip("duckdb")

N_USERS, N_MERCHANTS = 40, 7


def _events(seed: int, n: int, t0: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {
        "user": rng.integers(0, N_USERS, n),
        "merchant": np.array([f"m{i}" for i in rng.integers(0, N_MERCHANTS, n)]),
        "time": t0 + rng.permutation(n) * 3,  # distinct times: the latest event of a pair is unique
        "amount": np.round(rng.exponential(20.0, n), 2),
        "channel": rng.choice(["qr", "online"], n),
    }


@pytest.fixture(scope="module")
def event_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("events")
    parts = [_events(seed, 500 + 100 * seed, 10_000 * seed) for seed in range(4)]
    for i, part in enumerate(parts):
        pq.write_table(pa.table(part), d / f"part-{i}.parquet", row_group_size=128)
    allev = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    return d, allev


def _reference(allev) -> Table:
    agg, n = aggregate_payment_events(Table(allev, name="payments"))
    order = np.lexsort((agg["merchant"], agg["user"]))
    return agg.take(order), n


def _same(a: Table, b: Table) -> None:
    assert a.columns == b.columns
    for col in a.columns:
        x, y = a[col], b[col]
        if x.dtype.kind == "f":
            np.testing.assert_allclose(x, y, rtol=1e-12, atol=1e-9, err_msg=col)  # summation order differs
        else:
            assert x.tolist() == y.tolist(), col


def test_duckdb_gives_the_in_memory_aggregation(event_dir):
    d, allev = event_dir
    log = aggregate_event_log(str(d / "*.parquet"), memory_limit="200MB", threads=2)
    ref, n = _reference(allev)
    assert log.engine == "duckdb" and log.events == n == 500 + 600 + 700 + 800 and len(log.files) == 4
    _same(log.table, ref)
    assert log.table["count"].sum() == n


def test_dask_on_two_workers_gives_the_same_table(event_dir, tmp_path):
    distributed = pytest.importorskip("dask.distributed")
    pytest.importorskip("dask.dataframe")
    d, allev = event_dir
    local = aggregate_event_log(d)
    pq.write_table(pa.table({"id": np.arange(N_USERS)}), tmp_path / "u.parquet")
    pq.write_table(pa.table({"id": [f"m{i}" for i in range(N_MERCHANTS)]}), tmp_path / "m.parquet")
    args = [
        "import",
        "--users",
        str(tmp_path / "u.parquet"),
        "--merchants",
        str(tmp_path / "m.parquet"),
        "--payments",
        str(d / "*.parquet"),
    ]
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster:
        remote = aggregate_event_log(d, scheduler=cluster.scheduler_address)
        assert main([*args, "--out", str(tmp_path / "dask.npz"), "--scheduler", cluster.scheduler_address]) == 0
    assert remote.engine == "dask" and remote.events == local.events
    _same(remote.table, local.table)
    assert main([*args, "--out", str(tmp_path / "duck.npz")]) == 0
    a, b = gm.read(tmp_path / "dask.npz"), gm.read(tmp_path / "duck.npz")
    assert a.meta["import"]["payments"]["engine"] == "dask" and b.meta["import"]["payments"]["engine"] == "duckdb"
    _same(a.edges("payment"), b.edges("payment"))


def test_timestamps_become_unix_seconds(tmp_path):
    import datetime as dt

    t0 = dt.datetime(2024, 5, 1, 12, 0, 0, tzinfo=dt.timezone.utc)
    times = pa.array(
        [t0, t0 + dt.timedelta(seconds=90.5), t0 + dt.timedelta(hours=1)], type=pa.timestamp("ms", tz="UTC")
    )
    pq.write_table(
        pa.table({"user": ["a", "a", "b"], "merchant": ["m", "m", "m"], "time": times}), tmp_path / "e.parquet"
    )
    log = aggregate_event_log(tmp_path / "e.parquet")
    base = int(t0.timestamp())
    assert log.table["first_time"].tolist() == [base, base + 3600]
    assert log.table["last_time"].tolist() == [base + 90, base + 3600]  # floored seconds
    assert log.table["count"].tolist() == [2, 1] and "amount" not in log.table


def test_import_builds_the_ecosystem_and_the_cli_writes_it(event_dir, tmp_path):
    d, allev = event_dir
    pq.write_table(pa.table({"id": np.arange(N_USERS)}), tmp_path / "u.parquet")
    pq.write_table(pa.table({"id": [f"m{i}" for i in range(N_MERCHANTS)]}), tmp_path / "m.parquet")
    (tmp_path / "s.csv").write_text("src,dst\n0,1\n1,0\n2,3\n")
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        eco = import_ecosystem(
            users=tmp_path / "u.parquet",
            merchants=tmp_path / "m.parquet",
            social=tmp_path / "s.csv",
            payments=str(d / "*.parquet"),
        )
        ref = gm.Ecosystem.from_frames(
            users={"id": np.arange(N_USERS)},
            merchants={"id": [f"m{i}" for i in range(N_MERCHANTS)]},
            social={"src": [0, 1, 2], "dst": [1, 0, 3]},
            payments=allev,
        )
    assert eco.meta["payment_events"] == ref.meta["payment_events"]
    assert eco.n_edges("social") == 2 and eco.meta["duplicates"]["social"]["reverse"] == 1

    # Same edges (the in-memory path orders pairs by first appearance, the out-of-core one by label).
    def key(e):
        p = e.edges("payment")
        return sorted(zip(p["src"].tolist(), p["dst"].tolist(), p["count"].tolist(), strict=True))

    assert key(eco) == key(ref)
    out = tmp_path / "eco.npz"
    rc = main(
        [
            "import",
            "--users",
            str(tmp_path / "u.parquet"),
            "--merchants",
            str(tmp_path / "m.parquet"),
            "--social",
            str(tmp_path / "s.csv"),
            "--payments",
            str(d / "*.parquet"),
            "--out",
            str(out),
        ]
    )
    assert rc == 0
    back = gm.read(out)
    assert (
        back.meta == eco.meta
        and back.nodes("user").equals(eco.nodes("user"))
        and back.edges("social").equals(eco.edges("social"))
    )
    _same(back.edges("payment"), eco.edges("payment"))  # a second aggregation: amounts equal up to summation order


# ---------------------------------------------------------------- bad input
def _err(path, **kw) -> gm.InputError:
    with pytest.raises(gm.InputError) as info:
        aggregate_event_log(path, **kw)
    return info.value


def test_not_parquet_and_missing_column(tmp_path):
    (tmp_path / "a.parquet").write_text("user,merchant,time\n1,m,3\n")
    e = _err(tmp_path / "a.parquet")
    assert e.source.endswith("a.parquet") and "not a readable Parquet file" in str(e) and "\n" not in str(e)
    pq.write_table(pa.table({"user": [1], "shop": ["m"], "time": [1]}), tmp_path / "b.parquet")
    e = _err(tmp_path / "b.parquet")
    assert e.field == "merchant" and "the file has user, shop, time" in str(e)
    e = _err(str(tmp_path / "nothing-*.parquet"))
    assert "no Parquet files found" in str(e)


def test_missing_id_and_negative_amount_name_file_and_row(tmp_path):
    pq.write_table(
        pa.table({"user": [1, 2], "merchant": ["m", "m"], "time": [1, 2], "amount": [1.0, 2.0]}), tmp_path / "a.parquet"
    )
    pq.write_table(
        pa.table({"user": [1, None, 3], "merchant": ["m"] * 3, "time": [1, 2, 3], "amount": [1.0, 2.0, -3.0]}),
        tmp_path / "b.parquet",
    )
    e = _err(tmp_path)
    assert e.source.endswith("b.parquet") and e.field == "user" and "row 1: missing id" in str(e)
    pq.write_table(
        pa.table({"user": [1, 2, 3], "merchant": ["m"] * 3, "time": [1, 2, 3], "amount": [1.0, 2.0, -3.0]}),
        tmp_path / "b.parquet",
    )
    e = _err(tmp_path)
    assert e.source.endswith("b.parquet") and e.field == "amount" and "row 2: expected a value >= 0, got -3.0" in str(e)


def test_files_that_disagree_on_a_column_kind(tmp_path):
    pq.write_table(pa.table({"user": [1], "merchant": ["m"], "time": [1]}), tmp_path / "a.parquet")
    pq.write_table(pa.table({"user": ["x"], "merchant": ["m"], "time": [1]}), tmp_path / "b.parquet")
    e = _err(tmp_path)
    assert e.source.endswith("b.parquet") and e.field == "user" and "differs" in str(e)


def test_cli_error_is_one_line(tmp_path, capsys):
    pq.write_table(pa.table({"id": [1]}), tmp_path / "u.parquet")
    (tmp_path / "e.parquet").write_bytes(b"PAR1 not really")
    rc = main(
        [
            "import",
            "--users",
            str(tmp_path / "u.parquet"),
            "--merchants",
            str(tmp_path / "u.parquet"),
            "--payments",
            str(tmp_path / "e.parquet"),
            "--out",
            str(tmp_path / "x.npz"),
        ]
    )
    err = capsys.readouterr().err
    assert rc == 2 and err.count("\n") == 1 and "e.parquet" in err and "not a readable Parquet file" in err
