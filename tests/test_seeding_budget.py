"""Seed selection that finishes: the RR store's memory budget, saturation, progress, heuristics without RR sets."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from _seeding_exact import ExactSpread
from test_seeding_rr import small_eco

import graphmodel as gm
from graphmodel.errors import InputError
from graphmodel.propagation.engine import prepare
from graphmodel.seeding.imm import opim_c
from graphmodel.seeding.rrsets import RRCollection, RRGraph
from graphmodel.seeding.seeds import parse_memory

E1 = 1 - 1 / math.e


def dense_eco(n: int = 1500, m: int = 12000, seed: int = 4) -> gm.Ecosystem:
    """A random social graph that is supercritical at p=0.3 (mean degree ~16: R0 ~ 5)."""
    rng = np.random.default_rng(seed)
    src, dst = rng.integers(0, n, m), rng.integers(0, n, m)
    keep = src != dst
    return gm.Ecosystem(users={"id": np.arange(n)}, social={"src": src[keep], "dst": dst[keep]})


def star_eco(n: int = 40) -> gm.Ecosystem:
    """User 0 is friends with everyone: at probability 1 one seed reaches all."""
    return gm.Ecosystem(users={"id": np.arange(n)}, social={"src": np.zeros(n - 1, int), "dst": np.arange(1, n)})


# -- the memory budget -------------------------------------------------------------------------------------------
def test_collection_stays_under_its_byte_budget_and_cuts_at_the_same_set_for_any_workers():
    g = prepare(dense_eco(), "social", 0.3, model="ic")
    rr = RRGraph.from_propagation(g, model="ic")
    cand = np.zeros(g.n, np.bool_)
    cand[::3] = True
    sizes = []
    for workers in (1, 2):
        c = RRCollection(rr, 17, workers=workers, keep=cand, indexed=True)
        c.grow_to(64)
        cap = c.nbytes + 300_000
        got = c.grow_to(100_000, max_bytes=cap)
        assert 64 < got < 100_000  # the budget stopped it
        assert c.nbytes <= cap and c.peak_nbytes <= cap
        sizes.append((got, c.arrays()[1].tobytes()))
    assert sizes[0] == sizes[1]
    # only candidates are stored, renumbered compactly
    full = RRCollection(rr, 17, workers=1)
    full.grow_to(sizes[0][0])
    off, mem = full.arrays()
    local = np.cumsum(cand) - 1
    kept = [local[mem[off[i] : off[i + 1]]][cand[mem[off[i] : off[i + 1]]]] for i in range(20)]
    c = RRCollection(rr, 17, workers=1, keep=cand)
    c.grow_to(20)
    o2, m2 = c.arrays()
    assert m2.dtype == np.uint16
    for i in range(20):
        assert m2[o2[i] : o2[i + 1]].tolist() == kept[i].tolist()


def test_supercritical_run_stops_at_the_memory_budget_and_says_so():
    eco = dense_eco()
    budget = 1_500_000
    r = gm.seeds(eco, k=5, layers="social", prob=0.3, epsilon=0.02, seed=1, validate_runs=0, max_memory=budget)
    s = r.sampling
    mem = s["memory"]
    assert s["stopped_by"] == "max_memory" and r.guarantee["stopped_by"] == "max_memory"
    assert mem["peak_store_bytes"] + mem["greedy_bytes"] <= budget
    assert mem["store_bytes"] > budget / 3  # it used the budget rather than stopping early
    assert r.guarantee["ratio"] < r.guarantee["target"]
    assert any("memory budget" in line for line in r.notes)
    assert mem["bytes_per_rr_node"] > 0 and mem["mean_rr_set_size"] > 100  # supercritical: large sets
    # the floor was shrunk too; without a binding budget the same call certifies
    assert s["floor"]["requested"] == 131_072 * 25


def test_floor_shrinks_to_the_budget_and_the_ratio_stays_certified():
    eco = dense_eco()
    kw = dict(k=5, layers="social", prob=0.3, epsilon=0.3, seed=1, validate_runs=0)
    r = gm.seeds(eco, min_rr_sets=100_000, max_memory="3MiB", **kw)
    assert r.sampling["stopped_by"] == "certified" and r.guarantee["ratio"] >= r.guarantee["target"]
    assert r.sampling["floor"]["shrunk_by"] == "max_memory"
    assert r.sampling["floor"]["applied"] < 100_000
    assert r.sampling["memory"]["peak_store_bytes"] + r.sampling["memory"]["greedy_bytes"] <= 3 * 2**20
    assert any("shrunk" in line for line in r.notes)


def test_certified_ratio_under_a_binding_budget_holds_against_the_exact_optimum():
    """On tiny graphs with a budget that stops OPIM-C early, the ratio it certifies still holds (exact spreads)."""
    stopped = 0
    for s in range(6):
        eco = small_eco(s)
        prob = {"social": 0.4, "payment": 0.5}
        g = prepare(eco, ["social", "payment"], prob, model="ic")
        ex = ExactSpread(g.indptr, g.indices, g.prob, model="ic", n_users=g.n_users)
        opt = ex.optimum(2, range(g.n))
        r = gm.seeds(
            eco,
            k=2,
            layers="social,payment",
            prob=prob,
            epsilon=0.02,
            seed=s,
            validate_runs=0,
            delta=1e-3,
            max_memory=4000,
            min_rr_sets=0,
        )
        stopped += r.sampling["stopped_by"] == "max_memory"
        assert ex(r.nodes) >= r.guarantee["ratio"] * opt - 1e-9
        assert r.guarantee["lower_bound"] <= ex(r.nodes) + 1e-9
        assert r.guarantee["upper_bound_opt"] >= opt - 1e-9
    assert stopped >= 4


def test_too_small_a_budget_is_an_input_error():
    with pytest.raises(InputError, match="max_memory"):
        gm.seeds(dense_eco(), k=2, layers="social", prob=0.3, validate_runs=0, max_memory=200)


def test_parse_memory():
    assert parse_memory(1000) == 1000
    assert parse_memory("2G") == parse_memory("2GiB") == 2 * 2**30
    assert parse_memory("512mb") == 512 * 10**6
    assert parse_memory("1.5K") == 1536
    assert 0 < parse_memory("10%") < parse_memory("20%")
    for bad in ("lots", "-1G", "0", "3X", True):
        with pytest.raises(InputError):
            parse_memory(bad)


# -- saturation --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("method", ["imm", "celf"])
def test_saturation_is_reported_and_filled_by_degree(method):
    eco = star_eco()
    kw = dict(k=3, layers="social", prob=1.0, method=method, seed=1, validate_runs=50, runs=20)
    r = gm.seeds(eco, **kw)
    assert r.seeds[0] == "user:0"
    assert r.saturation["after"] == 1 and r.saturation["filled"] == 2 and "degree" in r.saturation["rule"]
    assert len(r.seeds) == 3
    assert "saturated after 1 seed" in r.notes[0]
    assert r.validation.mean == pytest.approx(40)
    d = json.loads(json.dumps(r.to_dict()))
    assert d["saturation"]["after"] == 1
    alone = gm.seeds(eco, stop_when_saturated=True, **kw)
    assert alone.seeds == ("user:0",) and alone.saturation["filled"] == 0
    assert alone.validation.mean == pytest.approx(40)


def test_saturation_fill_follows_out_degree():
    # user 0 reaches everyone; among the rest, user 5 has the most friends
    src = [0] * 9 + [5, 5, 5, 7]
    dst = list(range(1, 10)) + [6, 8, 9, 8]
    eco = gm.Ecosystem(users={"id": np.arange(10)}, social={"src": src, "dst": dst})
    r = gm.seeds(eco, k=3, layers="social", prob=1.0, seed=0, validate_runs=0)
    assert r.seeds[:2] == ("user:0", "user:5") and r.saturation["after"] == 1


def test_no_saturation_reported_when_every_pick_gains():
    r = gm.seeds(small_eco(0), k=2, layers="social,payment", prob=0.3, seed=0, validate_runs=0)
    assert r.saturation is None


# -- heuristics, progress, CLI -----------------------------------------------------------------------------------
def test_heuristics_draw_no_rr_sets():
    eco = dense_eco(600, 3000)
    for method in ("degree", "pagerank", "degree-discount", "random"):
        r = gm.seeds(eco, k=5, method=method, layers="social", prob=0.3, seed=1, validate_runs=20)
        assert r.n_rr_sets == 0 and r.sampling is None and np.isnan(r.gains).all()
        assert r.to_dict()["gains"] == [None] * 5


def test_progress_reports_rounds_sampling_and_validation():
    seen = []
    r = gm.seeds(
        dense_eco(800, 4000),
        k=3,
        layers="social",
        prob=0.3,
        epsilon=0.3,
        seed=2,
        validate_runs=100,
        progress=seen.append,
    )
    stages = {p.stage for p in seen}
    assert {"sampling", "round", "validate"} <= stages
    rounds = [p for p in seen if p.stage == "round"]
    assert len(rounds) == r.guarantee["rounds"]
    assert rounds[-1].ratio == pytest.approx(r.guarantee["ratio"])
    assert [p.round for p in rounds] == list(range(1, len(rounds) + 1))
    val = [p for p in seen if p.stage == "validate"]
    assert val[-1].done == val[-1].total == 100
    celf = []
    gm.seeds(
        small_eco(1),
        k=2,
        method="celf",
        runs=20,
        layers="social,payment",
        prob=0.3,
        seed=1,
        validate_runs=0,
        progress=celf.append,
    )
    assert {p.unit for p in celf} == {"evaluations", "picks"} and celf[-1].done == 2


def test_cli_reports_saturation_memory_and_budget(tmp_path, capsys):
    from graphmodel.cli.main import main

    path = tmp_path / "star"
    gm.write(star_eco(), path)
    rc = main(["seeds", str(path), "--k", "3", "--prob", "1", "--seed", "1", "--validate-runs", "20"])
    err = capsys.readouterr().err
    assert rc == 0 and "saturated after 1 seed" in err and "bytes per RR node" in err
    assert "imm round 1:" in err and "certified ratio" in err
    out = tmp_path / "s.json"
    rc = main(
        [
            "seeds",
            str(path),
            "--k",
            "3",
            "--prob",
            "1",
            "--seed",
            "1",
            "--validate-runs",
            "0",
            "--stop-when-saturated",
            "--json",
            str(out),
        ]
    )
    assert rc == 0 and json.loads(out.read_text())["seeds"] == ["user:0"]
    path2 = tmp_path / "dense"
    gm.write(dense_eco(), path2)
    rc = main(
        [
            "seeds",
            str(path2),
            "--k",
            "5",
            "--prob",
            "0.3",
            "--epsilon",
            "0.02",
            "--seed",
            "1",
            "--validate-runs",
            "0",
            "--max-memory",
            "1.5MB",
        ]
    )
    err = capsys.readouterr().err
    assert rc == 0 and "stopped by the memory budget" in err
    assert main(["seeds", str(path2), "--k", "5", "--max-memory", "lots"]) == 2


def test_follower_opim_c_without_a_budget_is_unchanged():
    """opim_c without max_bytes behaves as before: same picks as the seeds() path with a generous budget."""
    eco = small_eco(3)
    g = prepare(eco, ["social", "payment"], 0.4, model="ic")
    rr = RRGraph.from_propagation(g, model="ic")
    cand = np.ones(g.n, np.bool_)
    a = opim_c(rr, cand=cand, k=2, epsilon=0.2, keys=(5, 6), min_sets=1000)
    b = opim_c(rr, cand=cand, k=2, epsilon=0.2, keys=(5, 6), min_sets=1000, max_bytes=2**30)
    assert a.nodes.tolist() == b.nodes.tolist() and a.n_rr_sets == b.n_rr_sets and a.ratio == b.ratio


def test_truncate_and_segmented_greedy_match_a_collection_drawn_to_that_size():
    g = prepare(dense_eco(600, 2400), "social", 0.2, model="ic")
    rr = RRGraph.from_propagation(g, model="ic")
    cand = np.ones(g.n, np.bool_)
    cand[::4] = False
    ones = np.ones(g.n)
    ref = RRCollection(rr, 9, workers=1, keep=cand, indexed=True)
    ref.grow_to(200)  # one segment
    for cut in (200, 150):  # inside the last segment, and at its start (the segment goes)
        c = RRCollection(rr, 9, workers=2, keep=cand, indexed=True)
        c.grow_to(64)
        c.grow_to(150)
        c.grow_to(300)
        c.truncate(cut)
        r = RRCollection(rr, 9, workers=1, keep=cand, indexed=True)
        r.grow_to(cut)
        for x, y in zip(c.arrays(), r.arrays()):
            assert np.array_equal(x, y)
        assert np.array_equal(c.counts, r.counts)
        a = c.greedy(cand, ones, 5.0, by_ratio=False, unit=True)
        b = r.greedy(cand, ones, 5.0, by_ratio=False, unit=True)
        assert a[0].tolist() == b[0].tolist() and a[1].tolist() == b[1].tolist() and a[2:] == b[2:]
        assert cand[a[0]].all()
    # the segmented greedy agrees with the single-array kernel on the concatenated sets (global numbers)
    full = RRCollection(rr, 9, workers=1)
    full.grow_to(64)
    full.grow_to(200)
    off, mem = full.arrays()
    from graphmodel.seeding import _rr_kernels as K

    ptr, sets = K.invert(off, mem, g.n)
    picks, gains, cov, bound = K.greedy_cover(K.IndexedSets(off, mem, ptr, sets), cand, ones, 5.0, False, True)
    a = ref.greedy(cand, ones, 5.0, by_ratio=False, unit=True)
    assert a[0].tolist() == picks.tolist() and a[1].tolist() == gains.tolist() and a[2] == cov and a[3] == bound


def test_floor_stops_at_its_node_cap_and_says_so():
    g = prepare(dense_eco(800, 4000), "social", 0.3, model="ic")
    rr = RRGraph.from_propagation(g, model="ic")
    cand = np.ones(g.n, np.bool_)
    sel = opim_c(rr, cand=cand, k=3, epsilon=0.3, keys=(1, 2), min_sets=100_000, floor_nodes=400_000)
    assert sel.stopped_by == "certified" and sel.ratio >= sel.target
    assert sel.floor["shrunk_by"] == "floor_nodes" and sel.floor["applied"] < 100_000
    per_collection = sel.n_rr_sets // 2
    assert per_collection == sel.floor["applied"]
    # the cap is on RR nodes drawn per collection (estimated from the mean set size when the floor was set)
    assert sel.memory["rr_nodes"] / 2 <= 1.5 * 400_000
