"""Real data (skipped with a reason when ../shared/datasets is absent): quick subsets only."""

from __future__ import annotations

import pytest

import graphmodel as gm

pytestmark = pytest.mark.realdata


@pytest.fixture(scope="module")
def ciao(shared_datasets):
    return gm.load_dataset("ciao", shared_datasets / "ciao")


def test_ciao_time_split(ciao):
    r = gm.signal(ciao, split="time", test_from="2010-01-01", seed=1, max_users=60, n_boot=100, max_fit_users=150)
    assert r.split["test_from_date"] == "2010-01-01" and r.split["test_users"] == 60
    assert r.params["candidates"] == "all items"
    for m in r.scorers.values():
        assert 0 <= m["auc"]["mean"] <= 1
    # no leak: no test edge is in training
    assert r.split["train_edges"] + r.split["test_edges"] == ciao.n_edges("payment")


def test_ciao_category_level(ciao):
    r = gm.signal(
        ciao, split="time", test_from="2010-01-01", level="category", seed=1, max_users=100, n_boot=100, combine=False
    )
    assert r.params["n_items"] == 28
