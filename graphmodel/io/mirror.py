"""Undirected ties written as two arcs: the flag that marks the second, and how readers fold it back.

GraphML and the igraph / networkx views hold an undirected social tie a-b as
the arcs a->b and b->a, the second carrying the edge attribute :data:`MIRROR`
(``true``), so that other tools compute the degrees graphmodel computes. The
GraphML reader and :mod:`graphmodel.convert` drop those arcs again with
:func:`mirror_rows`.
"""

from __future__ import annotations

import warnings

import numpy as np

from graphmodel.errors import GraphModelWarning

__all__ = ["MIRROR", "mirror_rows"]

#: Edge attribute flagging the second arc of an undirected tie.
MIRROR = "mirror"


def mirror_rows(
    s: np.ndarray, d: np.ndarray, social: np.ndarray, mirror: np.ndarray, n: int, source: str
) -> np.ndarray:
    """Rows of the mirror arcs to drop: each pairs with one tie (same ends, reversed).

    ``s``/``d`` are the arcs' ends (numbers below ``n``), ``social`` marks the
    social arcs and ``mirror`` those carrying the :data:`MIRROR` flag.

    A mirror arc without its tie (the tie was deleted in an editor) is kept as a
    tie of its own, with a warning that counts them.
    """
    m_rows = np.flatnonzero(mirror)
    m_keys = s[m_rows] * n + d[m_rows]
    ties = social & ~mirror & (s != d)
    t_keys = np.sort(d[ties] * n + s[ties])  # a tie a->b is mirrored as b->a
    order = np.argsort(m_keys, kind="stable")
    m_rows, m_keys = m_rows[order], m_keys[order]
    first = np.searchsorted(m_keys, m_keys, side="left")
    rank = np.arange(len(m_keys)) - first  # 0 for the first mirror of a pair of ends, 1 for the second...
    have = np.searchsorted(t_keys, m_keys, side="right") - np.searchsorted(t_keys, m_keys, side="left")
    drop = rank < have
    if not drop.all():
        warnings.warn(
            f"{source}: {int((~drop).sum())} mirror arc(s) (edge attribute {MIRROR!r}) have no tie to pair with; "
            "kept as ties",
            GraphModelWarning,
            stacklevel=3,
        )
    return m_rows[drop]
