"""Figures and a self-contained HTML page for a :class:`~graphmodel.experiments.CompareResult`.

matplotlib is imported lazily (the ``plots`` extra); figures are built on
:class:`matplotlib.figure.Figure` directly, never through pyplot, so nothing
touches global state or needs a display. :func:`write_report` writes one
HTML file with the figures embedded (base64 PNG), the verdict, every number
behind the figures, the parameters and the data's provenance; it loads
nothing from the network.
"""

from __future__ import annotations

import base64
import html
import io
import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from graphmodel.errors import InputError
from graphmodel.io.atomic import atomic_path, atomic_write_text

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from graphmodel.experiments.compare import CompareResult

__all__ = ["curves_figure", "bars_figure", "winner_map_figure", "save_figure", "write_report"]

_COLORS = {
    "social": "#1f77b4",
    "payment": "#d62728",
    "transfer": "#2ca02c",
    "social+transfer": "#9467bd",
    "all": "#333333",
}


def _figure(**kw: Any) -> "Figure":
    try:
        from matplotlib.figure import Figure
    except ImportError:  # pragma: no cover - depends on the install
        raise InputError("plots need matplotlib: pip install 'graphmodel[plots]'", field="plot") from None
    return Figure(**kw)


def _color(name: str, i: int) -> str:
    return _COLORS.get(name, f"C{i % 10}")


def curves_figure(result: "CompareResult") -> "Figure":
    """Cumulative reach and purchases per step: mean per scenario, band = 5%-95% of single runs."""
    fig = _figure(figsize=(10, 4), layout="constrained")
    axes = fig.subplots(1, 2)
    for ax, what in zip(axes, ("reach", "purchases")):
        for i, (name, c) in enumerate(result.curves.items()):
            d = c[what]
            x = list(range(len(d["mean"])))
            col = _color(name, i)
            ax.fill_between(x, d["q05"], d["q95"], color=col, alpha=0.12, linewidth=0)
            ax.plot(x, d["mean"], color=col, label=name, linewidth=1.8)
        ax.set_xlabel("step (user-to-user hops)")
        ax.set_ylabel(f"cumulative {what}")
        ax.set_title(f"{what.capitalize()} per step (mean; band 5-95% of runs)", fontsize=10)
        ax.grid(alpha=0.3)
    axes[1].legend(fontsize=8, frameon=False)
    return fig


def bars_figure(result: "CompareResult", metrics: tuple[str, ...] = ("reach", "purchases", "gmv")) -> "Figure":
    """Mean per scenario with 95% confidence intervals."""
    fig = _figure(figsize=(4 * len(metrics), 3.6), layout="constrained")
    axes = fig.subplots(1, len(metrics))
    axes = list(axes) if len(metrics) > 1 else [axes]
    names = list(result.scenarios)
    for ax, m in zip(axes, metrics):
        means = [result.scenarios[n][m].mean for n in names]
        lo = [max(0.0, result.scenarios[n][m].mean - result.scenarios[n][m].ci95[0]) for n in names]
        hi = [max(0.0, result.scenarios[n][m].ci95[1] - result.scenarios[n][m].mean) for n in names]
        lo = [0.0 if math.isnan(v) else v for v in lo]
        hi = [0.0 if math.isnan(v) else v for v in hi]
        ax.bar(range(len(names)), means, yerr=[lo, hi], capsize=4, color=[_color(n, i) for i, n in enumerate(names)])
        ax.set_xticks(range(len(names)), names, rotation=30, ha="right", fontsize=8)
        ax.set_title(f"{m} (mean, 95% CI)", fontsize=10)
        ax.grid(axis="y", alpha=0.3)
    return fig


def winner_map_figure(result: "CompareResult") -> "Figure":
    """Which layer wins on purchases in each cell of the sweep; uncertain cells hatched and marked '?'."""
    sw = result.sweep
    if sw is None:
        raise InputError("the result has no sweep: run compare with sweep=... for a winner map", field="plot")
    a, b = sw.contenders
    names = list(sw.axes)
    grid = sw.diff if len(names) == 2 else [sw.diff]
    ys = sw.axes[names[0]] if len(names) == 2 else [0.0]
    xs = sw.axes[names[1]] if len(names) == 2 else sw.axes[names[0]]
    fig = _figure(figsize=(1.0 + 0.75 * len(xs), 1.4 + 0.6 * len(ys)), layout="constrained")
    ax = fig.subplots()
    from matplotlib.patches import Patch, Rectangle

    for i, row in enumerate(grid):
        for j, e in enumerate(row):
            w, unc = sw.decide(e, a, b)
            col = _color(w, 0) if w in (a, b) else "#bbbbbb"
            ax.add_patch(
                Rectangle(
                    (j, i),
                    1,
                    1,
                    facecolor=col,
                    alpha=0.35 if unc else 0.85,
                    hatch="//" if unc else None,
                    edgecolor="white",
                )
            )
            label = f"{e.mean:+.3g}" + ("?" if unc else "")
            ax.text(j + 0.5, i + 0.5, label, ha="center", va="center", fontsize=7)
    ax.set_xlim(0, len(xs))
    ax.set_ylim(0, len(ys))
    ax.set_xticks([j + 0.5 for j in range(len(xs))], [f"{x:.3g}" for x in xs], fontsize=8)
    if len(names) == 2:
        ax.set_yticks([i + 0.5 for i in range(len(ys))], [f"{y:.3g}" for y in ys], fontsize=8)
        ax.set_ylabel(f"{names[0]} probability")
        ax.set_xlabel(f"{names[1]} probability")
    else:
        ax.set_yticks([])
        ax.set_xlabel(f"{names[0]} probability")
    ax.set_title(f"Winner on purchases ({a} - {b}; '?' = 95% CI crosses 0)", fontsize=9)
    ax.legend(
        handles=[
            Patch(color=_color(a, 0), label=a),
            Patch(color=_color(b, 0), label=b),
            Patch(facecolor="#dddddd", hatch="//", label="uncertain"),
        ],
        fontsize=7,
        loc="upper left",
        bbox_to_anchor=(1.0, 1.0),
        frameon=False,
    )
    return fig


def _overview_figure(result: "CompareResult") -> "Figure":
    fig = _figure(figsize=(12, 7.5), layout="constrained")
    top, bottom = fig.subfigures(2, 1)
    ax = top.subplots(1, 2)
    names = list(result.curves)
    for k, what in enumerate(("reach", "purchases")):
        for i, n in enumerate(names):
            d = result.curves[n][what]
            x = list(range(len(d["mean"])))
            ax[k].fill_between(x, d["q05"], d["q95"], color=_color(n, i), alpha=0.12, linewidth=0)
            ax[k].plot(x, d["mean"], color=_color(n, i), label=n)
        ax[k].set_title(f"cumulative {what} per step (band 5-95% of runs)", fontsize=10)
        ax[k].set_xlabel("step")
        ax[k].grid(alpha=0.3)
    ax[1].legend(fontsize=8, frameon=False)
    bx = bottom.subplots(1, 3)
    for k, m in enumerate(("reach", "purchases", "gmv")):
        means = [result.scenarios[n][m].mean for n in result.scenarios]
        err = [
            [max(0.0, result.scenarios[n][m].mean - result.scenarios[n][m].ci95[0]) for n in result.scenarios],
            [max(0.0, result.scenarios[n][m].ci95[1] - result.scenarios[n][m].mean) for n in result.scenarios],
        ]
        bx[k].bar(
            range(len(means)), means, yerr=err, capsize=4, color=[_color(n, i) for i, n in enumerate(result.scenarios)]
        )
        bx[k].set_xticks(range(len(means)), list(result.scenarios), rotation=30, ha="right", fontsize=8)
        bx[k].set_title(f"{m} (mean, 95% CI)", fontsize=10)
        bx[k].grid(axis="y", alpha=0.3)
    return fig


def save_figure(result: "CompareResult", path: str | Path, *, kind: str | None = None) -> None:
    """Write a figure as PNG or SVG (from the suffix): ``kind`` ``"winner"`` (the default with a sweep),
    ``"overview"`` (curves and bars, the default otherwise), ``"curves"`` or ``"bars"``."""
    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in ("png", "svg"):
        raise InputError(f"expected a .png or .svg path, got {path.name!r}", field="plot")
    kind = kind or ("winner" if result.sweep is not None else "overview")
    makers = {"winner": winner_map_figure, "overview": _overview_figure, "curves": curves_figure, "bars": bars_figure}
    if kind not in makers:
        raise InputError(f"expected one of {', '.join(makers)}, got {kind!r}", field="plot")
    fig = makers[kind](result)
    with atomic_path(path, suffix="." + fmt) as tmp:
        fig.savefig(tmp, format=fmt, dpi=110)


def _png(fig: "Figure") -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _num(x: float | None) -> str:
    if x is None or (isinstance(x, float) and (math.isnan(x) or math.isinf(x))):
        return "&ndash;"
    return f"{x:,.4g}" if abs(x) < 1e4 else f"{x:,.0f}"


def _est_table(rows: dict[str, dict[str, Any]], metrics: tuple[str, ...]) -> str:
    head = "".join(f"<th>{html.escape(m)}</th>" for m in metrics)
    body = []
    for name, d in rows.items():
        cells = []
        for m in metrics:
            e = d[m]
            cells.append(f"<td>{_num(e.mean)}<br><small>[{_num(e.ci95[0])}, {_num(e.ci95[1])}]</small></td>")
        body.append(f"<tr><th>{html.escape(name)}</th>{''.join(cells)}</tr>")
    return f"<table><tr><th></th>{head}</tr>{''.join(body)}</table>"


_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;max-width:1100px;margin:2em auto;
padding:0 1em;color:#222;line-height:1.45}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:1.6em;border-bottom:1px solid #ddd}
.verdict{background:#f5f7fa;border-left:4px solid #d62728;padding:.8em 1em;font-size:1.05em;white-space:pre-line}
table{border-collapse:collapse;margin:.6em 0;font-size:.9em}td,th{border:1px solid #ddd;padding:.3em .6em;text-align:right}
th:first-child{text-align:left}small{color:#666}img{max-width:100%}pre{background:#f7f7f7;padding:.8em;overflow:auto;
font-size:.8em;max-height:28em}
"""


def report_html(result: "CompareResult") -> str:
    """The HTML page as a string (see :func:`write_report`)."""
    from graphmodel.experiments.scenarios import METRICS

    figs = [
        ("Cumulative reach and purchases per step", curves_figure(result)),
        ("Scenario means with 95% confidence intervals", bars_figure(result)),
    ]
    if result.sweep is not None:
        figs.append(("Winner map", winner_map_figure(result)))
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        "<title>graphmodel compare: payment links versus social links</title>",
        f"<style>{_CSS}</style></head><body>",
        "<h1>Does shopping intent travel further through payment links or social links?</h1>",
        f"<p class='verdict' id='verdict'>{html.escape(result.verdict)}</p>",
    ]
    if result.notes:
        parts.append("<ul>" + "".join(f"<li>{html.escape(n)}</li>" for n in result.notes) + "</ul>")
    parts.append(
        f"<h2>Scenarios</h2><p>{result.runs} runs per scenario, the same seeds and common random numbers; "
        "mean and [95% CI].</p>"
    )
    parts.append(_est_table(result.scenarios, METRICS))
    for title, fig in figs[:2]:
        parts.append(
            f"<figure><img alt='{html.escape(title)}' src='data:image/png;base64,{_png(fig)}'>"
            f"<figcaption>{html.escape(title)}</figcaption></figure>"
        )
    parts.append("<h2>Paired differences</h2><p>Per-run difference between two scenarios, mean and [95% CI].</p>")
    parts.append(_est_table(result.paired, ("reach", "purchases", "gmv", "half_time")))
    if result.attribution:
        att = result.attribution
        parts.append(
            f"<h2>Attribution inside '{html.escape(att['scenario'])}'</h2>"
            "<p>Users reached by the layer of their first exposure, purchases by the layer of the exposure "
            "that made them buy.</p>"
        )
        parts.append(
            _est_table(
                {k: {"reach": att["reach"][k], "purchases": att["purchases"][k]} for k in att["reach"]},
                ("reach", "purchases"),
            )
        )
    for key, c in result.controls.items():
        parts.append(
            f"<h2>Fairness control: {html.escape(key)} ({html.escape(c['method'])})</h2>"
            f"<p>{html.escape(c['verdict'])}</p>"
        )
        parts.append(_est_table(c["scenarios"], ("reach", "purchases", "gmv")))
    if result.sweep is not None:
        parts.append("<h2>Sweep</h2>")
        title, fig = figs[2]
        parts.append(
            f"<figure><img alt='{html.escape(title)}' src='data:image/png;base64,{_png(fig)}'>"
            f"<figcaption>{html.escape(title)}</figcaption></figure>"
        )
    d = result.to_dict()
    parts.append("<h2>Parameters</h2><pre>" + html.escape(json.dumps(d["params"], indent=2)) + "</pre>")
    parts.append("<h2>Data provenance</h2><pre>" + html.escape(json.dumps(d["provenance"], indent=2)) + "</pre>")
    parts.append(
        "<h2>Every number</h2><details><summary>JSON</summary><pre>"
        + html.escape(json.dumps(d, indent=1))
        + "</pre></details>"
    )
    # Marks the page once every embedded figure has decoded (a check for headless browsers; no network involved).
    parts.append(
        "<script>window.addEventListener('load',function(){var im=document.images,ok=0;"
        "for(var i=0;i<im.length;i++){if(im[i].complete&&im[i].naturalWidth>0)ok++;}"
        "document.body.setAttribute('data-figures',ok+'/'+im.length);});</script>"
    )
    parts.append("</body></html>")
    return "\n".join(parts)


def write_report(result: "CompareResult", path: str | Path) -> None:
    """Write one self-contained HTML page: figures embedded, verdict, numbers, parameters, provenance."""
    atomic_write_text(Path(path), report_html(result))
