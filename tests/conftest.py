"""Shared fixtures: tiny ecosystems and the real datasets folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import graphmodel as gm

REPO = Path(__file__).resolve().parents[1]
#: The real public datasets live beside the repository, never inside it.
SHARED_DATASETS = Path(os.environ.get("GRAPHMODEL_SHARED_DATASETS", REPO.parent / "shared" / "datasets"))


@pytest.fixture(scope="session")
def shared_datasets() -> Path:
    """The ``shared/datasets`` folder; tests that need it skip with a reason when it is absent."""
    if not (SHARED_DATASETS / "ciao").is_dir():
        pytest.skip(f"real datasets not found at {SHARED_DATASETS} (set GRAPHMODEL_SHARED_DATASETS)")
    return SHARED_DATASETS


@pytest.fixture
def tiny_eco() -> gm.Ecosystem:
    """Three users, two merchants, every layer non-empty, string and numeric attributes."""
    return gm.Ecosystem.from_labels(
        users={"id": ["ann", "bob", "cy"], "city": ["qd", "bj", "qd"], "purchasing_power": [1.5, 0.7, 3.0]},
        merchants={"id": ["m1", "m2"], "channel": ["offline", "online"], "city": ["qd", ""], "price_level": [1.0, 2.5]},
        social={"src": ["ann", "bob"], "dst": ["bob", "cy"], "weight": [0.5, 1.0]},
        payment={
            "user": ["ann", "cy", "bob"],
            "merchant": ["m1", "m1", "m2"],
            "count": [3, 1, 2],
            "amount": [30.0, 9.5, 12.0],
        },
        transfer={"src": ["bob"], "dst": ["ann"], "count": [1], "amount": [8.8], "kind": ["red_envelope"]},
        meta={"name": "tiny", "description": "fixture"},
    )
