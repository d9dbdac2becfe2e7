"""Per-arc transmission probabilities (IC, SIR) and weights (LT) from a spec.

A spec gives, per layer, one of:

* a number ``p`` in [0, 1]: every arc of the layer transmits with ``p``
  (a *uniform* layer: the kernels use geometric skipping, one random draw per
  success instead of one per arc);
* ``"wc"`` (weighted cascade): ``1 / in-degree`` of the arc's head in the
  chosen CSR (all chosen layers count toward the in-degree);
* ``"exp:K:ATTR"``: ``1 - exp(-K * ATTR)`` of a non-negative numeric column
  of the layer's edge table (e.g. ``exp:0.5:count`` for payment counts,
  ``exp:1:weight`` for social tie strength); a missing value (NaN) gives 0;
* ``"attr:ATTR"``: the column itself, which must lie in [0, 1].

The spec is a number or string for every layer, a mapping ``layer -> value``,
or a list of ``"layer=value"`` strings (the command line form). Layers not
named get the default, ``"wc"`` for every model: measured on the bundled
presets (5k-1M users), Ciao and Epinions it keeps every layer and their
union subcritical, where 0.1 per arc was supercritical on all of them
(``benchmarks/bench_regime.py``; see :mod:`graphmodel.propagation.regime`).

LT weights: incoming weights of a node must sum to at most 1. Where they sum
to more, the node's incoming weights are divided by their sum (normalized to
1) and a :class:`~graphmodel.errors.GraphModelWarning` says how many nodes.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from graphmodel.arcs import weighted_cascade
from graphmodel.csr import CSR
from graphmodel.errors import GraphModelWarning, InputError

if TYPE_CHECKING:
    from graphmodel.ecosystem import Ecosystem

__all__ = ["ProbSpec", "parse_prob_spec", "arc_probabilities", "DEFAULT_PROB"]

ProbSpec = float | str | Mapping[str, float | str] | Sequence[str] | None

#: Default per-layer value by model: weighted cascade, subcritical on every bundled preset and real dataset.
DEFAULT_PROB: dict[str, float | str] = {"ic": "wc", "sir": "wc", "lt": "wc"}


def _parse_value(value: Any, layer: str) -> float | str:
    if isinstance(value, (bool, np.bool_)):
        raise InputError(
            f"expected a probability or 'wc' / 'exp:K:ATTR' / 'attr:ATTR', got {value!r}", field=f"prob {layer}"
        )
    if isinstance(value, (int, float, np.integer, np.floating)):
        p = float(value)
        if not (0.0 <= p <= 1.0) or math.isnan(p):
            raise InputError(f"probability must be in [0, 1], got {p}", field=f"prob {layer}")
        return p
    if isinstance(value, str):
        v = value.strip()
        try:
            num = float(v)
        except ValueError:
            num = None
        if num is not None:
            return _parse_value(num, layer)
        if v in ("wc", "weighted-cascade"):
            return "wc"
        parts = v.split(":")
        if parts[0] == "exp" and len(parts) == 3:
            try:
                k = float(parts[1])
            except ValueError:
                raise InputError(f"'exp:K:ATTR' needs a number K, got {parts[1]!r}", field=f"prob {layer}") from None
            if not k >= 0 or math.isinf(k):
                raise InputError(f"'exp:K:ATTR' needs K >= 0, got {k}", field=f"prob {layer}")
            return f"exp:{k!r}:{parts[2]}"
        if parts[0] == "attr" and len(parts) == 2:
            return v
    raise InputError(
        f"expected a probability in [0, 1], 'wc', 'exp:K:ATTR' or 'attr:ATTR', got {value!r}", field=f"prob {layer}"
    )


def parse_prob_spec(spec: ProbSpec, layers: Sequence[str], *, model: str = "ic") -> dict[str, float | str]:
    """Normalise ``spec`` to ``{layer: number | "wc" | "exp:K:ATTR" | "attr:ATTR"}`` for ``layers``.

    Examples
    --------
    >>> parse_prob_spec(["social=0.05", "payment=wc"], ["social", "payment"])
    {'social': 0.05, 'payment': 'wc'}
    >>> parse_prob_spec(0.2, ["social"])
    {'social': 0.2}
    """
    default = DEFAULT_PROB.get(model, "wc")
    out: dict[str, float | str] = {layer: default for layer in layers}
    if spec is None:
        return {k: _parse_value(v, k) for k, v in out.items()}
    if isinstance(spec, (int, float, np.integer, np.floating)) or (isinstance(spec, str) and "=" not in spec):
        return {layer: _parse_value(spec, layer) for layer in layers}
    if isinstance(spec, str):
        spec = [s for s in spec.split(",") if s.strip()]
    if isinstance(spec, Mapping):
        items = list(spec.items())
    else:
        items = []
        for s in spec:
            if not isinstance(s, str) or "=" not in s:
                raise InputError(f"expected 'layer=value', got {s!r}", field="prob")
            k, v = s.split("=", 1)
            items.append((k.strip(), v.strip()))
    for k, v in items:
        if k not in out:
            raise InputError(f"layer {k!r} is not among the simulated layers {', '.join(layers)}", field="prob")
        out[k] = _parse_value(v, k)
    return {k: _parse_value(v, k) for k, v in out.items()}


def _column(eco: Ecosystem, layer: str, attr: str) -> np.ndarray:
    t = eco.edges(layer)
    if attr not in t:
        raise InputError(
            f"layer {layer!r} has no column {attr!r} (columns: {', '.join(t.columns)})", field=f"prob {layer}"
        )
    col = t[attr]
    if col.dtype.kind not in "iuf":
        raise InputError(f"column {attr!r} is not numeric", source=layer, field=attr)
    return col.astype(np.float64)


def arc_probabilities(
    eco: Ecosystem, csr: CSR, spec: Mapping[str, float | str], *, model: str = "ic"
) -> tuple[np.ndarray, np.ndarray]:
    """Per-arc probabilities (or LT weights) and per-CSR-layer uniform values.

    Returns
    -------
    prob : float64 array, one value per arc of ``csr`` (read-only when every layer is ``wc`` and a
        snapshot stored the values: :func:`graphmodel.arcs.weighted_cascade`)
    seg_p : float64 array, one value per CSR layer: the uniform probability,
        or -1 where the layer's values vary per arc (``wc``, ``exp``, ``attr``).
        Always -1 for LT (weights are pushed arc by arc).
    """
    seg_p = np.full(len(csr.layers), -1.0)
    if model != "lt" and all(spec[layer] == "wc" for layer in csr.layers):
        return weighted_cascade(csr), seg_p  # the whole array: a snapshot's stored copy when there is one
    prob = np.zeros(csr.m, dtype=np.float64)
    for lid, layer in enumerate(csr.layers):
        v = spec[layer]
        mask = csr.layer == lid
        if isinstance(v, float):
            prob[mask] = v
            seg_p[lid] = v
        elif v == "wc":
            continue  # every wc layer at once, below: one in-degree count
        elif v.startswith("exp:"):
            _, k, attr = v.split(":", 2)
            col = _column(eco, layer, attr)
            if (col < 0).any():
                i = int(np.argmax(col < 0))
                raise InputError(f"row {i}: 'exp' needs values >= 0, got {col[i]}", source=layer, field=attr)
            x = -np.expm1(-float(k) * np.nan_to_num(col, nan=0.0))
            prob[mask] = x[csr.edge[mask]]
        else:  # attr:ATTR
            col = _column(eco, layer, v.split(":", 1)[1])
            col = np.nan_to_num(col, nan=0.0)
            if ((col < 0) | (col > 1)).any():
                i = int(np.argmax((col < 0) | (col > 1)))
                raise InputError(f"row {i}: a probability must be in [0, 1], got {col[i]}", source=layer, field=v)
            prob[mask] = col[csr.edge[mask]]
    wc = [lid for lid, layer in enumerate(csr.layers) if spec[layer] == "wc"]
    if wc:
        mask = np.isin(csr.layer, wc)
        prob[mask] = weighted_cascade(csr, mask)
    if model == "lt":
        seg_p[:] = -1.0
        prob = normalize_lt_weights(csr, prob)
    return prob, seg_p


def normalize_lt_weights(csr: CSR, weight: np.ndarray) -> np.ndarray:
    """Divide each node's incoming weights by their sum where it exceeds 1 (warns)."""
    total = np.bincount(csr.indices, weights=weight, minlength=csr.n)
    over = total > 1.0 + 1e-12
    if over.any():
        warnings.warn(
            f"LT: incoming weights of {int(over.sum())} node(s) summed to more than 1; normalized to 1",
            GraphModelWarning,
            stacklevel=3,
        )
        scale = np.where(over, total, 1.0)
        weight = weight / scale[csr.indices]
    return weight
