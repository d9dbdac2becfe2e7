"""Degree distributions per layer on log-log axes (the ``plots`` extra: matplotlib)."""

from __future__ import annotations

import os

import numpy as np
from scipy.special import zeta

from graphmodel.analytics._views import layer_views
from graphmodel.analytics.powerlaw import _value_counts, fit_powerlaw
from graphmodel.ecosystem import Ecosystem, LayerSpec
from graphmodel.errors import InputError

__all__ = ["plot_degrees"]


def plot_degrees(
    eco: Ecosystem,
    path: str | os.PathLike[str],
    *,
    layers: LayerSpec = None,
    fit: bool = True,
    dpi: int = 120,
) -> None:
    """Write the complementary CDF ``P(K >= k)`` of each layer's degree, log-log, to an image file.

    Degree is distinct neighbours over touched nodes (as in :func:`graphmodel.stats`).
    With ``fit=True`` the fitted power-law tail (Clauset, Shalizi & Newman 2009)
    is drawn dashed from its ``xmin``. The format follows the file extension
    (``.png``, ``.pdf``, ``.svg``); the file is written atomically.
    """
    try:
        from matplotlib.figure import Figure
    except ImportError:  # pragma: no cover - depends on the environment
        raise InputError("plotting needs matplotlib: pip install 'graphmodel[plots]'", field="plot") from None
    from graphmodel.io.atomic import atomic_path

    fig = Figure(figsize=(6.4, 4.8))
    ax = fig.subplots()
    drawn = 0
    for layer, v in layer_views(eco, layers).items():
        deg = v.degree[v.touched]
        deg = deg[deg > 0]
        if deg.size == 0:
            continue
        k, c = _value_counts(deg.astype(np.int64))
        ccdf = np.cumsum(c[::-1])[::-1] / deg.size
        (line,) = ax.loglog(k, ccdf, marker=".", linestyle="none", markersize=3, label=f"{layer} (n={deg.size})")
        drawn += 1
        if fit:
            f = fit_powerlaw(deg)
            if f.alpha is not None:
                share = f.n_tail / deg.size
                xs = np.unique(np.geomspace(f.xmin, k.max(), 50).astype(np.int64)).astype(np.float64)
                ax.loglog(
                    xs,
                    share * zeta(f.alpha, xs) / zeta(f.alpha, f.xmin),
                    linestyle="--",
                    color=line.get_color(),
                    label=f"  tail alpha={f.alpha:.2f}, xmin={f.xmin}",
                )
    ax.set_xlabel("degree k (distinct neighbours)")
    ax.set_ylabel("P(K >= k)")
    name = eco.meta.get("name")
    ax.set_title(f"Degree distributions{f' - {name}' if name else ''}")
    if drawn:
        ax.legend(fontsize="small")
    suffix = os.path.splitext(str(path))[1]
    with atomic_path(path, suffix=suffix) as tmp:
        fig.savefig(tmp, dpi=dpi, format=(suffix.lstrip(".") or "png"))
