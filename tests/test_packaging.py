"""The distribution installs one namespace, every subpackage of it, and nothing generic."""

import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _config():
    return tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]


def test_every_subpackage_is_listed():
    found = {".".join(p.parent.relative_to(REPO).parts) for p in (REPO / "graphmodel").rglob("__init__.py")}
    found |= {"graphmodel.cli", "graphmodel.datasets"}
    assert set(_config()["packages"]) == found


def test_single_namespace_mapping():
    cfg = _config()
    assert cfg["package-dir"] == {
        "graphmodel": "graphmodel",
        "graphmodel.cli": "cli",
        "graphmodel.datasets": "datasets",
    }
    assert all(p == "graphmodel" or p.startswith("graphmodel.") for p in cfg["packages"])


def test_console_script_points_into_the_namespace():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    assert project["scripts"] == {"graphmodel": "graphmodel.cli.main:main"}
