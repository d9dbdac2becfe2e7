"""A JavaScript reader: graphology-graphml (what Gephi Lite and sigma.js apps use) reads our GraphML
under node, and computes graphmodel's counts, typed attributes and per-layer degrees, reciprocity
and PageRank. Skips, saying why, when node or the npm packages are missing (.ci/run installs them
into .ci/node_modules; GRAPHMODEL_NODE_MODULES points elsewhere)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

import graphmodel as gm
from graphmodel.analytics._views import LayerView
from graphmodel.io.graphml import write_graphml

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "tests" / "js" / "graphology_figures.js"
MODULES = Path(os.environ.get("GRAPHMODEL_NODE_MODULES", REPO / ".ci" / "node_modules"))
PACKAGES = ("graphology", "graphology-graphml", "graphology-metrics")


@pytest.fixture(scope="module")
def node() -> str:
    exe = shutil.which("node")
    if exe is None:
        pytest.skip("node is not installed (.ci/run installs nodejs and npm with apt-get)")
    missing = [p for p in PACKAGES if not (MODULES / p / "package.json").is_file()]
    if missing:
        pytest.skip(
            f"npm packages {', '.join(missing)} not found in {MODULES} (.ci/run installs them; "
            "or set GRAPHMODEL_NODE_MODULES)"
        )
    return exe


def _figures(node: str, f: Path, *samples: str) -> dict:
    env = {**os.environ, "NODE_PATH": str(MODULES)}
    done = subprocess.run([node, str(SCRIPT), str(f), *samples], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _eco(directed: bool) -> gm.Ecosystem:
    g = gm.generate(users=400, seed=11)
    users = dict(g.nodes("user").items())
    users["vip"] = users["purchasing_power"] > 1.0
    users["reach"] = np.where(np.arange(len(users["id"])) == 0, np.inf, users["activity"])
    users["reach"][1] = -np.inf
    social = g.edges("social")
    extra = {c: np.concatenate([social[c], social[c][:4]]) for c in social.columns}  # parallel ties
    return gm.Ecosystem(
        users,
        g.nodes("merchant"),
        social=extra,
        payment=g.edges("payment"),
        transfer=g.edges("transfer"),
        social_directed=directed,
    )


@pytest.mark.parametrize("directed", [False, True], ids=["friendship", "trust"])
def test_graphology_computes_our_figures(node, tmp_path, directed):
    eco = _eco(directed)
    f = tmp_path / "e.graphml"
    write_graphml(eco, f)
    ids = eco.nodes("user")["id"].tolist()
    got = _figures(node, f, f"user:{ids[0]}", f"user:{ids[1]}")
    # counts: every node; every edge, undirected ties as two arcs
    mirrors = 0 if directed else eco.n_edges("social")
    assert got["order"] == eco.n_nodes and got["size"] == eco.n_edges() + mirrors and got["type"] == "directed"
    # typed attributes
    types = {k: sorted(v) for k, v in got["nodeAttrs"].items()}
    assert types["purchasing_power"] == ["number"] and types["community"] == ["number"] and types["vip"] == ["boolean"]
    assert types["city"] == ["string"] and types["type"] == ["string"] and types["label"] == ["string"]
    edge_types = {k: sorted(v) for k, v in got["edgeAttrs"].items()}
    assert (
        edge_types["count"] == ["number"] and edge_types["amount"] == ["number"] and edge_types["layer"] == ["string"]
    )
    first = got["samples"][f"user:{ids[0]}"]
    assert first["reach"] == ["number", "Infinity"] and got["samples"][f"user:{ids[1]}"]["reach"] == [
        "number",
        "-Infinity",
    ]
    assert first["label"] == ["string", str(ids[0])] and first["vip"] == [
        "boolean",
        str(bool(eco.nodes("user")["vip"][0])).lower(),
    ]
    # per layer: distinct in/out neighbours, reciprocity, PageRank
    for layer in gm.LAYERS:
        v = LayerView(eco, layer)
        n = v.space
        keys = eco.node_ids(np.arange(n))
        theirs = got["layers"][layer]
        assert theirs["edges"] == eco.n_edges(layer) + (mirrors if layer == "social" else 0)
        inn = np.array([theirs["in"][k] for k in keys])
        out = np.array([theirs["out"][k] for k in keys])
        if layer == "payment":
            assert np.array_equal(inn + out, v.degree[:n])
        elif v.directed:
            assert np.array_equal(inn, v.in_degree[:n]) and np.array_equal(out, v.out_degree[:n])
            st = gm.stats(eco, layers=layer, clustering=False, powerlaw=False).to_dict()["layers"][layer]
            assert theirs["reciprocity"] == pytest.approx(st["reciprocity"], abs=1e-12)
        else:
            assert (
                np.array_equal(inn, v.degree[:n]) and np.array_equal(out, v.degree[:n]) and theirs["reciprocity"] == 1.0
            )
        ours = gm.centrality(eco, measures=("pagerank",), layers=layer).values[layer]["pagerank"][:n]
        pr = np.array([theirs["pagerank"][k] for k in keys])
        assert np.abs(pr - ours).max() < 1e-9


def test_graphology_reads_gephi_mode(node, tmp_path, tiny_eco):
    f = tmp_path / "g.graphml"
    write_graphml(tiny_eco, f, viewer="gephi")
    got = _figures(node, f, "user:ann")
    assert "type" not in got["nodeAttrs"] and got["nodeAttrs"]["node_type"] == {"string": True}
    assert got["edgeAttrs"]["label"] == {"string": True} and got["size"] == tiny_eco.n_edges() + tiny_eco.n_edges(
        "social"
    )
