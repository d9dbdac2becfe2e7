"""The compare report: figures (PNG, SVG) and one self-contained HTML page that renders in headless Chromium."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

import graphmodel as gm
from graphmodel.experiments.report import report_html, save_figure, write_report

pytest.importorskip("matplotlib")


@pytest.fixture(scope="module")
def res():
    eco = gm.generate(users=800, seed=2)
    return gm.compare(
        eco,
        runs=40,
        seed=1,
        scenarios=["social", "payment", "all"],
        sweep=["social=0.05,0.2", "payment=0.05,0.2"],
        sweep_runs=20,
    )


def test_figures_png_and_svg(res, tmp_path):
    for name, kind in [
        ("w.png", None),
        ("w.svg", "winner"),
        ("o.svg", "overview"),
        ("c.png", "curves"),
        ("b.png", "bars"),
    ]:
        save_figure(res, tmp_path / name, kind=kind)
        data = (tmp_path / name).read_bytes()
        assert data.startswith(b"\x89PNG") if name.endswith(".png") else b"<svg" in data[:2000]
    with pytest.raises(gm.InputError, match="png"):
        save_figure(res, tmp_path / "x.jpg")


def test_html_is_self_contained(res, tmp_path):
    page = report_html(res)
    assert page.count("data:image/png;base64,") == 3
    # nothing is fetched: no external src/href and no link/script tags pointing anywhere
    assert not re.search(r"""(src|href)\s*=\s*['"](https?:|//)""", page)
    assert "<link" not in page and "<script src" not in page
    assert res.verdict.split(":")[0] in page
    write_report(res, tmp_path / "r.html")
    assert (tmp_path / "r.html").read_text(encoding="utf-8") == page


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        path = shutil.which(name)
        if path:
            return path
    return None


def test_report_renders_in_headless_chromium(res, tmp_path):
    exe = _chromium()
    if exe is None:
        pytest.skip(
            "headless Chromium not installed (Debian: apt-get install chromium) -- report rendering not checked"
        )
    path = tmp_path / "report.html"
    write_report(res, path)
    out = subprocess.run(
        [
            exe,
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--virtual-time-budget=5000",
            "--dump-dom",
            path.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    dom = out.stdout
    assert 'id="verdict"' in dom
    # the page's own load handler counts figures that decoded: all three must have
    assert 'data-figures="3/3"' in dom, re.findall(r'data-figures="[^"]*"', dom)
