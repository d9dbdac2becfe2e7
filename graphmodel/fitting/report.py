"""A self-contained HTML page for a :class:`~graphmodel.fitting.FitResult` (tables only, no scripts)."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from graphmodel.fitting.result import FitResult

__all__ = ["report_html", "write_report"]


def _n(x: Any, digits: int = 4) -> str:
    if x is None:
        return "&ndash;"
    if isinstance(x, float):
        return f"{x:.{digits}g}"
    return html.escape(str(x))


def _ci(c: Any) -> str:
    if not c or c[0] is None:
        return "&ndash;"
    return f"[{_n(c[0])}, {_n(c[1])}]"


def _table(header: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def report_html(result: FitResult) -> str:
    """The fit, baselines, recovery and validation as one HTML page."""
    d = result.to_dict()
    p = d["params"]
    parts = [
        f"<h1>graphmodel fit: {html.escape(str(p['data'].get('source')))}</h1>",
        f"<p>{html.escape(p['model'])}. Level {html.escape(p['level'])}, window {p['window_days']} days, "
        f"{p['bootstrap']} bootstrap resamples of users (paired across layers), {p['shuffles']} time shuffles. "
        f"Identified: {html.escape(d['identified'])}.</p>",
    ]
    rows = []
    for layer, e in d["transmission"].items():
        note = e["reason"] or e["homophily"] or ""
        rows.append(
            [
                layer,
                _n(e["mean"]),
                _ci(e["ci95"]),
                _n(d["baseline"][layer]["mean"]),
                _n(e["exposures"]),
                _n(e["adoptions_exposed"]),
                html.escape(note),
            ]
        )
    parts.append("<h2>Transmission per layer</h2>")
    parts.append(
        _table(
            [
                "layer",
                "p (reached and bought)",
                "95% CI",
                "time-shuffled",
                "exposures",
                "purchases while exposed",
                "note",
            ],
            rows,
        )
    )
    bg = d["background"]
    parts.append(f"<p>Background ({html.escape(bg['unit'])}): {_n(bg['mean'])} {_ci(bg['ci95'])}</p>")
    for k, v in d["relative"].items():
        parts.append(f"<p>{html.escape(k)}: {_n(v['mean'])} {_ci(v['ci95'])} (paired bootstrap)</p>")
    if d["recovery"]:
        rec = d["recovery"]
        rows = [
            [k, _n(v["truth"]), _n(v["estimate"]), _ci(v["ci95"]), _n(v["covered"])] for k, v in rec["layers"].items()
        ]
        if "background" in rec:
            b = rec["background"]
            rows.append(["background", _n(b["truth"]), _n(b["estimate"]), _ci(b["ci95"]), _n(b["covered"])])
        parts.append("<h2>Recovery of the generated truth</h2>")
        parts.append(_table(["parameter", "truth", "estimate", "95% CI", "covered"], rows))
    v = d["validation"]
    if v and "rows" in v:
        parts.append(f"<h2>Out of sample (test from {html.escape(p['split']['test_from_date'])})</h2>")
        parts.append(
            f"<p>{v['test_users']} test users, {v['pairs']} (user, category) pairs, {v['positives']} "
            f"first purchases in {v['test_days']} days; predicted {_n(v['predicted_total'])}. "
            f"{html.escape(v['note'])}.</p>"
        )
        rows = [
            [
                r["name"],
                html.escape(r["kind"]),
                _n(r["auc"]),
                _n(r["auc_per_user"]["mean"]),
                _ci(r["auc_per_user"]["ci95"]),
                _ci(r["fitted_minus_this"]["ci95"]) if "fitted_minus_this" in r else "&ndash;",
            ]
            for r in v["rows"]
        ]
        parts.append(_table(["predictor", "kind", "AUC (pooled)", "AUC per user", "95% CI", "fitted minus this"], rows))
        rows = [
            [str(c["decile"]), str(c["n"]), _n(c["predicted"]), _n(c["observed"]), _n(cd["predicted"])]
            for c, cd in zip(v["calibration"], v["calibration_default"])
        ]
        parts.append("<h3>Calibration by decile of the fitted prediction</h3>")
        parts.append(
            _table(["decile", "pairs", "predicted (fitted)", "observed", "predicted (default, own deciles)"], rows)
        )
    elif v:
        parts.append(f"<p>Validation: {html.escape(str(v.get('skipped')))}</p>")
    parts.append("<h2>Assumptions</h2><ul>" + "".join(f"<li>{html.escape(a)}</li>" for a in p["assumptions"]) + "</ul>")
    style = (
        "body{font-family:sans-serif;max-width:60em;margin:2em auto}table{border-collapse:collapse;margin:1em 0}"
        "td,th{border:1px solid #bbb;padding:.25em .6em;text-align:right}td:first-child{text-align:left}"
    )
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>graphmodel fit</title><style>{style}</style>"
        f"</head><body>{''.join(parts)}</body></html>\n"
    )


def write_report(result: FitResult, path: str | Path) -> None:
    """Write :func:`report_html` atomically."""
    from graphmodel.io.atomic import atomic_write_text

    atomic_write_text(Path(path), report_html(result))
