"""A figure of a :class:`~graphmodel.signals.signal.SignalResult`: one panel per metric, one bar per scorer."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from graphmodel.io.atomic import atomic_path

if TYPE_CHECKING:
    from graphmodel.signals.signal import SignalResult

__all__ = ["plot_signal"]


def plot_signal(result: SignalResult, path: str | os.PathLike[str], *, title: str | None = None) -> None:
    """Write a bar chart (means with 95% bootstrap intervals) to ``path`` atomically (needs matplotlib)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    d = result.to_dict() if hasattr(result, "to_dict") else result
    scorers = d["scorers"]
    names = list(scorers)
    metrics = list(next(iter(scorers.values())))
    fig, axes = plt.subplots(1, len(metrics), figsize=(4 * len(metrics), 0.5 * len(names) + 1.5), squeeze=False)
    for ax, m in zip(axes[0], metrics):
        means = [scorers[n][m]["mean"] or 0.0 for n in names]
        lo = [max(0.0, mu - (scorers[n][m]["ci95"][0] or mu)) for n, mu in zip(names, means)]
        hi = [max(0.0, (scorers[n][m]["ci95"][1] or mu) - mu) for n, mu in zip(names, means)]
        ax.barh(range(len(names)), means, xerr=[lo, hi], color="#4c72b0", capsize=3)
        ax.set_yticks(range(len(names)))
        ax.set_yticklabels(names)
        ax.invert_yaxis()
        ax.set_title(m)
        if m == "auc":
            ax.axvline(0.5, color="grey", lw=0.8, ls="--")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    with atomic_path(path, suffix=os.path.splitext(str(path))[1]) as tmp:
        fig.savefig(tmp, dpi=120)
    plt.close(fig)
