"""``graphmodel stats``: tables, JSON shape, GraphML export with typed node measures, degree plot."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from typer.testing import CliRunner

import graphmodel as gm
import graphmodel.cli.cmd_stats  # noqa: F401  (registers the command)
from graphmodel.analytics import with_measures
from graphmodel.cli.app import app


@pytest.fixture
def eco_dir(tiny_eco, tmp_path):
    path = tmp_path / "tiny"
    import graphmodel.io

    graphmodel.io.write(tiny_eco, path)
    return path


def test_stats_tables_and_json(eco_dir, tmp_path):
    out = tmp_path / "stats.json"
    res = CliRunner().invoke(app, ["stats", str(eco_dir), "--json", str(out)])
    assert res.exit_code == 0, res.output
    assert "reciprocity" in res.stdout and "social" in res.stdout
    d = json.loads(out.read_text())
    assert d["layers"]["payment"]["edges"] == 3
    assert d["layers"]["social"]["reciprocity"] is None
    assert d["multiplex"]["offline_share"] == pytest.approx(4 / 6)
    assert "centrality" not in d and "communities" not in d  # expensive ones only on request


def test_stats_export_and_plot(eco_dir, tmp_path):
    gml, png, js = tmp_path / "pay.graphml", tmp_path / "deg.png", tmp_path / "s.json"
    res = CliRunner().invoke(
        app,
        [
            "stats",
            str(eco_dir),
            "--communities",
            "leiden",
            "--centrality",
            "pagerank,degree",
            "--seed",
            "1",
            "--export",
            str(gml),
            "--plot",
            str(png),
            "--json",
            str(js),
        ],
    )
    assert res.exit_code == 0, res.output
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    d = json.loads(js.read_text())
    assert d["centrality"]["multiplex"]["pagerank"]["top"][0]["node"].startswith(("user:", "merchant:"))
    assert d["communities"]["method"] == "leiden"
    keys = {
        k.get("attr.name"): k.get("attr.type")
        for k in ET.parse(gml).getroot().iter("{http://graphml.graphdrawing.org/xmlns}key")
    }
    assert keys["pagerank_multiplex"] == "double"
    assert keys["community_multiplex"] in ("int", "long")
    assert keys["degree_social"] in ("int", "long")
    assert "city" in keys and "purchasing_power" in keys  # existing attributes kept
    back = gm.read(gml)
    assert back.n_edges("payment") == 3
    assert np.isfinite(back.nodes("user")["pagerank_multiplex"]).all()


def test_with_measures_keeps_existing_columns(tiny_eco):
    eco = tiny_eco.replace(users=tiny_eco.nodes("user").with_columns(degree_social=[9, 9, 9]))
    out = with_measures(eco, centrality=gm.centrality(eco, measures="degree"))
    u = out.nodes("user")
    assert u["degree_social"].tolist() == [9, 9, 9]
    assert u["degree_social_computed"].tolist() == [1, 2, 1]
    assert out.nodes("merchant")["degree_social"].tolist() == [0, 0]
    assert np.isnan(out.nodes("merchant")["participation"]).all()
    assert out.nodes("merchant")["degree_payment"].tolist() == [2, 1]


def test_bad_option_is_one_line_error(eco_dir):
    res = CliRunner().invoke(app, ["stats", str(eco_dir), "--centrality", "closeness"])
    assert res.exit_code != 0
    assert isinstance(res.exception, gm.InputError) and "closeness" in str(res.exception)
