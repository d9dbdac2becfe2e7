"""``sweep-report``: the merged table and one plot per metric, as a self-contained HTML page."""

from __future__ import annotations

import base64
import csv
import html
import io
import json
from pathlib import Path

from graphmodel.errors import InputError
from graphmodel.io.atomic import atomic_write_text

__all__ = ["write_sweep_report"]


def _read(out: Path) -> tuple[dict, list[str], list[dict[str, str]]]:
    res, meta = out / "results.csv", out / "study.json"
    if not res.exists() or not meta.exists():
        raise InputError("not a finished sweep directory (results.csv and study.json expected)", source=str(out))
    study = json.loads(meta.read_text(encoding="utf-8"))["study"]
    with res.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        rows = list(reader)
        header = list(reader.fieldnames or [])
    return study, header, rows


def _num(s: str) -> float | None:
    try:
        return float(s)
    except (TypeError, ValueError):
        return None


def _plot(metric: str, axes: list[str], rows: list[dict[str, str]]) -> str | None:
    """Mean and 95% band of ``metric`` against the first numeric axis, one line per other coordinates."""
    x_axis = next((a for a in axes if all(_num(r[a]) is not None for r in rows)), None)
    if x_axis is None:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    others = [a for a in axes if a != x_axis]
    groups: dict[str, list[dict[str, str]]] = {}
    for r in rows:
        groups.setdefault(", ".join(f"{a}={r[a]}" for a in others) or metric, []).append(r)
    fig, ax = plt.subplots(figsize=(6, 3.6))
    for label, rs in groups.items():
        rs = sorted(rs, key=lambda r: _num(r[x_axis]))
        pts = [
            (_num(r[x_axis]), _num(r[f"{metric}.mean"]), _num(r[f"{metric}.ci95_low"]), _num(r[f"{metric}.ci95_high"]))
            for r in rs
        ]
        pts = [p for p in pts if None not in p]
        if not pts:
            continue
        xs, ms, lo, hi = zip(*pts)
        ax.plot(xs, ms, marker="o", label=label)
        ax.fill_between(xs, lo, hi, alpha=0.2)
    ax.set_xlabel(x_axis)
    ax.set_ylabel(metric)
    ax.grid(alpha=0.3)
    if len(groups) > 1:
        ax.legend(fontsize=7)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode()


def write_sweep_report(out: str | Path, report: str | Path) -> Path:
    """Write the HTML report of the sweep in ``out`` to ``report`` (atomically)."""
    out = Path(out)
    study, header, rows = _read(out)
    axes = sorted(study.get("grid", {}))
    metrics = sorted({h[: -len(".mean")] for h in header if h.endswith(".mean")})
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'><title>graphmodel sweep</title>",
        "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;font-size:12px}"
        "td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}</style></head><body>",
        f"<h1>Sweep: {html.escape(str(study['study'].get('name', 'study')))}</h1>",
        f"<p>experiment <b>{html.escape(str(study['study'].get('experiment')))}</b>, seed {study['study'].get('seed')}, "
        f"{study['study'].get('runs')} runs per cell, {len(rows)} cells.</p>",
        "<h2>Study</h2><pre>" + html.escape(json.dumps(study, indent=2, default=str)) + "</pre>",
        "<h2>Plots</h2>",
    ]
    for m in metrics:
        png = _plot(m, axes, rows) if rows else None
        if png:
            parts.append(f"<h3>{html.escape(m)}</h3><img alt='{html.escape(m)}' src='data:image/png;base64,{png}'>")
    shown = ["cell", *axes, "runs", *[f"{m}.mean" for m in metrics]]
    parts.append("<h2>Results (means; results.csv has the intervals)</h2><table><tr>")
    parts.extend(f"<th>{html.escape(h)}</th>" for h in shown)
    parts.append("</tr>")
    for r in rows:
        cells = []
        for h in shown:
            v = r.get(h, "")
            f = _num(v)
            cells.append(f"<td>{html.escape(f'{f:.4g}' if f is not None and h.endswith('.mean') else v)}</td>")
        parts.append("<tr>" + "".join(cells) + "</tr>")
    parts.append("</table></body></html>\n")
    report = Path(report)
    atomic_write_text(report, "".join(parts))
    return report
