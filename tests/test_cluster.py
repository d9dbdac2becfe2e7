"""Experiments on a Dask cluster give the numbers of a local run, to the bit; the memory-mapped snapshot."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

import graphmodel as gm
from graphmodel import cluster
from graphmodel.errors import InputError
from graphmodel.io.mmapdir import read_mmap

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def client():
    from dask.distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as lc:
        with Client(lc) as c:
            yield c


@pytest.fixture(scope="module")
def eco() -> gm.Ecosystem:
    return gm.generate(users=1500, merchants=60, seed=5)


@pytest.fixture(scope="module")
def eco_file(eco, tmp_path_factory) -> gm.Ecosystem:
    """The same ecosystem read from a .npz: workers open the file instead of receiving a copy."""
    path = tmp_path_factory.mktemp("eco") / "eco.npz"
    gm.write(eco, path)
    return gm.read(path)


def _mapped(arr: np.ndarray) -> bool:
    """Whether ``arr`` is a view of a memory-mapped file (not a copy in this process's memory)."""
    while arr is not None:
        if isinstance(arr, np.memmap):
            return True
        arr = arr.base if isinstance(arr.base, np.ndarray) else None
    return False


def _json(d) -> str:
    return json.dumps(d, sort_keys=True, default=str)


def _same_arrays(a, b) -> None:
    """Every numpy array of two nested dicts equal (exactly)."""
    if isinstance(a, dict):
        assert a.keys() == b.keys()
        for k in a:
            _same_arrays(a[k], b[k])
    else:
        assert np.array_equal(np.asarray(a), np.asarray(b))


# ---------------------------------------------------------------------------- the ecosystem on workers
def test_share_uses_the_file_when_unchanged_else_a_scattered_copy(client, eco, eco_file, tmp_path):
    ref = cluster.share(client, eco_file)
    assert ref.path is not None and ref.data is None
    assert cluster.share(client, eco).path is None  # made in memory: scattered
    # a rewritten file is no longer the ecosystem's source
    p = tmp_path / "e.npz"
    gm.write(eco, p)
    e = gm.read(p)
    assert gm.io.source_of(e) == p.resolve()
    gm.write(gm.generate(users=200, seed=1), p)
    assert gm.io.source_of(e) is None
    assert cluster.share(client, e).path is None


def test_a_worker_refuses_a_file_that_differs_from_the_clients(eco_file):
    path = str(gm.io.source_of(eco_file))
    with pytest.raises(InputError, match="differs"):
        cluster.open_ecosystem(path, (1, 2), None)
    with pytest.raises(InputError, match="not reachable"):
        cluster.open_ecosystem(path + ".missing.npz", (1, 2), None)


def test_batches_cover_the_runs_in_order():
    assert cluster.batches(7, size=3, start=10) == [(10, 3), (13, 3), (16, 1)]
    assert cluster.batches(0, size=3) == []


# ---------------------------------------------------------------------------- simulate
@pytest.mark.parametrize("model", ["ic", "sir"])
def test_simulate_on_the_cluster_equals_the_local_run(client, eco_file, model):
    kw = dict(model=model, runs=300, seed=7, seeds="random:5", prob={"social": 0.05})
    a = gm.simulate(eco_file, **kw)
    b = gm.simulate(eco_file, client=client, **kw)
    assert _json(a.to_dict(nodes=True)) == _json(b.to_dict(nodes=True))
    assert np.array_equal(a.activation_frequency, b.activation_frequency) and np.array_equal(a.curve, b.curve)


def test_simulate_adaptive_stopping_stops_at_the_same_batch(client, eco):
    # A target met after a few batches of ADAPTIVE_BATCH runs, well before the maximum.
    kw = dict(runs=5000, seed=3, seeds="random:3", target_ci=0.1)
    a = gm.simulate(eco, **kw)
    b = gm.simulate(eco, client=client, **kw)  # in memory: a scattered copy
    assert 2 * gm.estimate.ADAPTIVE_BATCH < a.runs < 5000
    assert a.runs == b.runs
    assert _json(a.to_dict(nodes=True)) == _json(b.to_dict(nodes=True))


def test_simulate_with_a_per_arc_array_on_the_cluster(client, eco_file):
    p = np.random.default_rng(0).uniform(0, 0.2, eco_file.csr(["social"]).m)
    kw = dict(layers="social", prob=p, runs=200, seed=1)
    assert _json(gm.simulate(eco_file, **kw).to_dict()) == _json(gm.simulate(eco_file, client=client, **kw).to_dict())


# ---------------------------------------------------------------------------- compare
def test_compare_on_the_cluster_equals_the_local_run(client, eco_file):
    kw = dict(runs=80, seed=4)  # with the break-even search and the spread sensitivity (the defaults)
    a = gm.compare(eco_file, **kw)
    b = gm.compare(eco_file, client=client, **kw)
    assert _json(a.to_dict()) == _json(b.to_dict())
    _same_arrays(a.per_run, b.per_run)
    assert a.breakeven and a.sensitivity  # the parts that ran on the workers


def test_compare_controls_sweep_and_adaptive_stopping_on_the_cluster(client, eco):
    kw = dict(
        runs=40,
        seed=2,
        normalize="edges",
        null="rewire",
        repeats=2,
        sweep=["social=0.01,0.08"],
        sweep_runs=20,
        breakeven=False,
    )
    a = gm.compare(eco, **kw)
    b = gm.compare(eco, client=client, **kw)
    assert _json(a.to_dict()) == _json(b.to_dict())
    kw = dict(runs=3000, seed=2, target_ci=0.3, breakeven=False, scenarios="social,payment")
    a = gm.compare(eco, **kw)
    b = gm.compare(eco, client=client, **kw)
    assert a.runs == b.runs and a.runs < 3000
    assert _json(a.to_dict()) == _json(b.to_dict())


# ---------------------------------------------------------------------------- seeds
def _seed_dict(r) -> str:
    d = r.to_dict()
    for k in ("seconds", "timings"):
        d.pop(k, None)
    return _json(d)


def test_seeds_imm_on_the_cluster_draws_the_same_rr_sets(client, eco_file):
    kw = dict(k=4, seed=9, validate_runs=200, layers="social,payment")
    a = gm.seeds(eco_file, **kw)
    b = gm.seeds(eco_file, client=client, **kw)
    assert a.n_rr_sets == b.n_rr_sets > 0
    assert a.seeds == b.seeds
    assert _seed_dict(a) == _seed_dict(b)


def test_seeds_weighted_objective_and_heuristic_on_the_cluster(client, eco):
    m = "merchant:" + str(eco.nodes("merchant")["id"][0])
    kw = dict(k=3, seed=1, validate_runs=100, objective="purchases", campaign=m)
    assert _seed_dict(gm.seeds(eco, **kw)) == _seed_dict(gm.seeds(eco, client=client, **kw))
    kw = dict(k=3, seed=1, validate_runs=100, method="degree")
    assert _seed_dict(gm.seeds(eco, **kw)) == _seed_dict(gm.seeds(eco, client=client, **kw))


# ---------------------------------------------------------------------------- compete
PLATFORMS = [
    "wallet: seeds=top-degree:10:merchant, layers=payment, strength=payment:0.1",
    "messenger: seeds=random:10, layers=social,transfer, strength=social:0.05,transfer:0.2",
]


def test_compete_on_the_cluster_equals_the_local_run(client, eco_file):
    kw = dict(platforms=PLATFORMS, runs=120, seed=3, switching=0.1, sweep="switching=0:0.2:2")
    a = gm.compete(eco_file, **kw)
    b = gm.compete(eco_file, client=client, **kw)
    assert _json(a.to_dict()) == _json(b.to_dict())
    assert np.array_equal(a.curve_mean, b.curve_mean) and a.sweep is not None


def test_compete_imm_seeds_and_scattered_ecosystem_on_the_cluster(client, eco):
    plats = ["wallet: seeds=imm:3, layers=payment, strength=payment:0.1", PLATFORMS[1]]
    kw = dict(platforms=plats, runs=60, seed=5, tie="strength")
    assert _json(gm.compete(eco, **kw).to_dict()) == _json(gm.compete(eco, client=client, **kw).to_dict())


# ---------------------------------------------------------------------------- CLI
def test_cli_scheduler_gives_the_same_json(client, eco, tmp_path):
    from graphmodel.cli.main import app

    path = tmp_path / "eco.gmm"
    gm.write(eco, path)
    runner = CliRunner()
    addr = client.scheduler.address
    for cmd in (
        ["simulate", str(path), "--runs", "100", "--seed", "1", "--json", "-"],
        ["compare", str(path), "--runs", "30", "--seed", "1", "--no-breakeven", "--json", "-"],
        ["seeds", str(path), "--k", "2", "--seed", "1", "--validate-runs", "50", "--json", "-"],
        [
            "compete",
            str(path),
            "--platform",
            PLATFORMS[0],
            "--platform",
            PLATFORMS[1],
            "--runs",
            "40",
            "--seed",
            "1",
            "--json",
            "-",
        ],
    ):
        a = runner.invoke(app, cmd)
        b = runner.invoke(app, [*cmd, "--scheduler", addr])
        assert a.exit_code == 0, a.output
        assert b.exit_code == 0, b.output
        da, db = json.loads(a.stdout), json.loads(b.stdout)
        for d in (da, db):
            d.pop("seconds", None)
            d.pop("timings", None)
        assert da == db


def test_cli_unreachable_scheduler_is_one_line_exit_2(eco_file, capsys):
    from graphmodel.cli.main import main

    assert main(["simulate", str(gm.io.source_of(eco_file)), "--runs", "10", "--scheduler", "tcp://127.0.0.1:9"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "cannot reach the Dask scheduler" in err[0]


# ---------------------------------------------------------------------------- the memory-mapped snapshot
def test_gmm_round_trip_is_memory_mapped_and_gives_the_same_numbers(eco, tmp_path):
    path = tmp_path / "eco.gmm"
    gm.write(eco, path)
    assert gm.io.format_of(path) == "mmap"
    m = gm.read(path)
    assert m.equals(eco)
    # columns and the propagation arrays are views of the files, not copies
    assert all(_mapped(m.edges(x)[c]) for x in ("social", "payment", "transfer") for c in m.edges(x).columns)
    csr = m.csr()
    assert _mapped(csr.indices) and _mapped(csr.edge)
    from graphmodel.propagation.engine import prepare

    g = prepare(m, None, None)
    assert all(_mapped(getattr(g, name)) for name in ("indptr", "indices", "lptr", "arc_key", "prob"))
    assert not _mapped(eco.csr().indices)  # an ecosystem built in memory holds its own arrays
    # the stored arrays are the ones the engine builds
    g0 = prepare(eco, None, None)
    for name in ("indptr", "indices", "lptr", "arc_key", "prob", "seg_p"):
        assert np.array_equal(getattr(g, name), getattr(g0, name)), name
    a = gm.simulate(eco, runs=100, seed=2)
    b = gm.simulate(m, runs=100, seed=2)
    assert _json(a.to_dict(nodes=True)) == _json(b.to_dict(nodes=True))
    assert _json(gm.compare(eco, runs=20, seed=2).to_dict()) == _json(gm.compare(m, runs=20, seed=2).to_dict())


def test_gmm_tiny_ecosystem_with_strings_and_directed_social(tiny_eco, tmp_path):
    for e in (tiny_eco, tiny_eco.replace(social_directed=True)):
        path = tmp_path / f"t{int(e.social_directed)}.gmm"
        gm.write(e, path)
        assert gm.read(path).equals(e)
        assert np.array_equal(gm.read(path).csr().indices, e.csr().indices)


def test_gmm_damage_and_misuse_are_input_errors(eco, tmp_path):
    path = tmp_path / "eco.gmm"
    gm.write(eco, path)
    with pytest.raises(InputError, match="uncompressed"):
        gm.write(eco, path, compress=True)
    (path / "csr.indices.npy").write_bytes(b"\x93NUMPY garbage")
    with pytest.raises(InputError, match="csr.indices.npy"):
        read_mmap(path)
    (path / "manifest.json").write_text("{")
    with pytest.raises(InputError, match="corrupt manifest"):
        gm.read(path)
    # a snapshot with other columns (or from an older version) is replaced: its manifest lists its files
    gm.write(eco, path)
    pay = eco.edges("payment")
    smaller = eco.replace(payment=pay.drop(*[c for c in pay.columns if c not in ("src", "dst")]))
    gm.write(smaller, path)
    assert gm.read(path).equals(smaller)
    listed = json.loads((path / "manifest.json").read_text())["files"]
    assert sorted(p.name for p in path.iterdir()) == sorted(["manifest.json", *listed])
    other = tmp_path / "notes.gmm"
    other.mkdir()
    (other / "mine.txt").write_text("x")
    with pytest.raises(InputError, match="refusing"):
        gm.write(eco, other)
    assert (other / "mine.txt").exists()
