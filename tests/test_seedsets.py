"""Seed specs."""

from __future__ import annotations

import numpy as np
import pytest

import graphmodel as gm
from graphmodel.seedsets import read_seed_file, resolve_seeds


@pytest.fixture
def eco() -> gm.Ecosystem:
    return gm.Ecosystem.from_labels(
        users={"id": ["a", "b", "c", "x"]},
        merchants={"id": ["s", "t", "x"]},
        social={"src": ["a", "a", "a", "b"], "dst": ["b", "c", "x", "c"]},
        payment={"user": ["a", "b", "c", "c"], "merchant": ["s", "s", "s", "t"]},
    )


def test_ids(eco):
    assert resolve_seeds(eco, "user:b").tolist() == [1]
    assert resolve_seeds(eco, "merchant:t").tolist() == [5]
    assert resolve_seeds(eco, "c, s").tolist() == [2, 4]
    assert resolve_seeds(eco, ["user:a", "user:a,user:c"]).tolist() == [0, 2]
    assert resolve_seeds(eco, [0, 6]).tolist() == [0, 6]


@pytest.mark.parametrize(
    "spec, words",
    [
        ("x", "ambiguous"),
        ("zz", "unknown seed"),
        ("user:s", "unknown user"),
        ("random:9", "1..4"),
        ("random:two", "integer"),
        ("top-degree:1:shop", "node type"),
        ("random", "random:K"),
        ([], "empty"),
        ([7], "outside"),
    ],
)
def test_errors_name_the_spec(eco, spec, words):
    with pytest.raises(gm.InputError, match=words):
        resolve_seeds(eco, spec)


def test_rules(eco):
    assert resolve_seeds(eco, "top-degree:1").tolist() == [0]  # a: 3 social + 1 payment arcs
    assert resolve_seeds(eco, "top-degree:1:merchant").tolist() == [4]
    assert resolve_seeds(eco, "top-degree:1", layers=["payment"]).tolist() == [2]
    top = resolve_seeds(eco, "top-pagerank:2:merchant")
    assert sorted(top.tolist()) == [4, 5]
    r = resolve_seeds(eco, "random:3", seed=1)
    assert r.tolist() == resolve_seeds(eco, "random:3", seed=1).tolist()
    assert len(set(r.tolist())) == 3 and (r < 4).all()
    m = resolve_seeds(eco, "random:2:merchant", seed=np.random.SeedSequence(3))
    assert ((m >= 4) & (m < 7)).all()


def test_seed_file(tmp_path, eco):
    f = tmp_path / "seeds.txt"
    f.write_text("# campaign\nuser:a\n\nmerchant:s  # the shop\n")
    assert resolve_seeds(eco, read_seed_file(f)).tolist() == [0, 4]
    f.write_text("user:a,user:b\n")
    with pytest.raises(gm.InputError, match="seeds.txt:1"):
        read_seed_file(f)
    with pytest.raises(gm.InputError):
        read_seed_file(tmp_path / "missing.txt")
