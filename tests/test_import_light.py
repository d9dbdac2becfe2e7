"""``import graphmodel`` and ``graphmodel --help`` stay light: the compiled core loads on first use."""

from __future__ import annotations

import subprocess
import sys


def _modules_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", code + "\nimport sys; print(' '.join(sys.modules))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return set(out.split())


def test_import_graphmodel_loads_no_heavy_module() -> None:
    mods = _modules_after("import graphmodel")
    assert not {"numba", "scipy", "igraph", "networkx", "numpy"} & mods


def test_cli_help_loads_no_heavy_module() -> None:
    mods = _modules_after("from graphmodel.cli.main import app")
    assert not {"numba", "scipy", "igraph", "networkx"} & mods


def test_public_names_resolve() -> None:
    import graphmodel as gm

    for name in gm.__all__:
        assert getattr(gm, name) is not None, name
    assert gm.experiments.compare is gm.compare
