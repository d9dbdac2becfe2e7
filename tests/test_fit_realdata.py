"""Ciao (skipped with a reason when ../shared/datasets is absent): the fit runs and says what it can and cannot estimate."""

from __future__ import annotations

import pytest

import graphmodel as gm

pytestmark = pytest.mark.realdata


@pytest.fixture(scope="module")
def ciao(shared_datasets):
    return gm.load_dataset("ciao", shared_datasets / "ciao")


def test_ciao_fit_and_validation(ciao):
    r = gm.fit(ciao, test_from="2010-01-01", bootstrap=20, shuffles=1, seed=1, source="ciao")
    t = r.transmission
    assert t["social"]["estimable"] and t["payment"]["estimable"]
    assert t["transfer"]["mean"] is None and t["transfer"]["reason"] == "layer has no edges"
    for layer in ("social", "payment"):
        lo, hi = t[layer]["ci95"]
        assert 0 < lo <= t[layer]["mean"] <= hi < 1
    v = r.validation
    assert v["test_users"] > 100 and v["positives"] > 0
    names = [row["name"] for row in v["rows"]]
    assert names[:2] == ["fitted", "default"] and {"social", "cocustomer", "popularity"} <= set(names)
    assert len(v["calibration"]) == 10 and sum(c["n"] for c in v["calibration"]) == v["pairs"]
    assert r.params["split"]["test_from_date"] == "2010-01-01"
