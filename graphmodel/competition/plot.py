"""Figures of a contest (the ``plots`` extra: matplotlib, imported lazily).

* :func:`plot_shares`: each platform's user share after each step, mean line
  and 5%-95% band over runs;
* :func:`plot_sweep`: final user share of each platform against the swept
  parameter, mean with its 95% confidence interval.

Files are written atomically; the format follows the extension (png, pdf, svg).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from graphmodel.errors import InputError

if TYPE_CHECKING:
    from graphmodel.competition.result import CompeteResult

__all__ = ["plot_shares", "plot_sweep", "plot_result"]


def _figure() -> Any:
    try:
        from matplotlib.figure import Figure
    except ImportError:  # pragma: no cover - depends on the environment
        raise InputError("plotting needs matplotlib: pip install 'graphmodel[plots]'", field="plot") from None
    return Figure(figsize=(6.4, 4.8))


def _save(fig: Any, path: str | os.PathLike[str], dpi: int) -> Path:
    from graphmodel.io.atomic import atomic_path

    suffix = os.path.splitext(str(path))[1]
    with atomic_path(path, suffix=suffix) as tmp:
        fig.savefig(tmp, dpi=dpi, format=(suffix.lstrip(".") or "png"))
    return Path(path)


def plot_shares(result: CompeteResult, path: str | os.PathLike[str], *, dpi: int = 120) -> Path:
    """User share of each platform over steps with its 5%-95% band across runs."""
    fig = _figure()
    ax = fig.subplots()
    steps = range(result.curve_mean.shape[1])
    for i, name in enumerate(result.platforms):
        (line,) = ax.plot(steps, result.curve_mean[i], label=f"{name} (final {result.platforms[name].users.mean:.3f})")
        ax.fill_between(steps, result.curve_q05[i], result.curve_q95[i], color=line.get_color(), alpha=0.2, linewidth=0)
    ax.set_xlabel("step")
    ax.set_ylabel("share of users")
    ax.set_title(f"Platform competition: user share ({result.runs} runs, band 5%-95%)")
    ax.set_ylim(bottom=0)
    ax.legend(fontsize="small")
    return _save(fig, path, dpi)


def plot_sweep(result: CompeteResult, path: str | os.PathLike[str], *, dpi: int = 120) -> Path:
    """Final user share of every platform at each sweep value, with 95% confidence intervals."""
    sw = result.sweep
    if sw is None:
        raise InputError("this result has no sweep", field="plot")
    fig = _figure()
    ax = fig.subplots()
    xs = list(sw.values)
    for name in result.platforms:
        m = [pt[name].users.mean for pt in sw.points]
        lo = [pt[name].users.ci95[0] for pt in sw.points]
        hi = [pt[name].users.ci95[1] for pt in sw.points]
        (line,) = ax.plot(xs, m, marker="o", label=name)
        ax.fill_between(xs, lo, hi, color=line.get_color(), alpha=0.2, linewidth=0)
    ax.set_xlabel(sw.param)
    ax.set_ylabel("final share of users")
    ax.set_title(f"Sweep of {sw.param} ({result.runs} runs per point, paired)")
    ax.set_ylim(bottom=0)
    ax.legend(fontsize="small")
    return _save(fig, path, dpi)


def plot_result(result: CompeteResult, path: str | os.PathLike[str], *, dpi: int = 120) -> Path:
    """The sweep plot when the result has a sweep, else the share curve."""
    return plot_sweep(result, path, dpi=dpi) if result.sweep is not None else plot_shares(result, path, dpi=dpi)
