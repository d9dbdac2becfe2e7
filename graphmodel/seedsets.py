"""Seed sets: who starts a cascade. One set of rules shared by every experiment.

A spec is a string or a list of strings; each string may hold several
comma-separated items:

* ``user:ID`` / ``merchant:ID``: one node by its source id;
* ``ID``: a bare id, when it names exactly one user or merchant (an id that
  exists as both is an error: say ``user:ID`` or ``merchant:ID``);
* ``random:K``: K distinct nodes drawn uniformly (reproducible with ``seed``);
* ``top-degree:K``: the K nodes with most arcs in the chosen layers;
* ``top-pagerank:K``: the K nodes of highest PageRank in the chosen layers;
* the three rules above take an optional node type, ``random:50:merchant``;
  the default type is ``user``.

Ties are broken by global node number, so every rule but ``random`` is
deterministic. Duplicates are dropped, first occurrence kept. The result is
an int64 array of global node numbers (users ``0..U-1``, merchants
``U..U+M-1``; see :mod:`graphmodel.csr`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from graphmodel._seed import SeedLike, as_generator
from graphmodel.errors import InputError

if TYPE_CHECKING:
    from graphmodel.ecosystem import Ecosystem, LayerSpec

__all__ = ["resolve_seeds", "read_seed_file", "SeedSpec"]

SeedSpec = str | Sequence[str] | Sequence[int] | np.ndarray

_RULES = ("random", "top-degree", "top-pagerank")


def read_seed_file(path: str | Path) -> list[str]:
    """Seed specs from a text file, one per line; blank lines and ``#`` comments are skipped."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read seed file: {exc.strerror or exc}", source=str(path)) from None
    out = []
    for i, line in enumerate(text.splitlines(), start=1):
        s = line.split("#", 1)[0].strip()
        if s:
            if "," in s:
                raise InputError("one seed per line expected", source=str(path), line=i)
            out.append(s)
    if not out:
        raise InputError("no seeds in file", source=str(path))
    return out


def _items(spec: SeedSpec) -> list[str | int]:
    if isinstance(spec, str):
        spec = [spec]
    if isinstance(spec, np.ndarray):
        spec = spec.tolist()
    items: list[str | int] = []
    for s in spec:
        if isinstance(s, (int, np.integer)) and not isinstance(s, bool):
            items.append(int(s))
        elif isinstance(s, str):
            items.extend(x.strip() for x in s.split(",") if x.strip())
        else:
            raise InputError(f"a seed must be a string such as 'user:ID' or 'random:50', got {s!r}", field="seeds")
    if not items:
        raise InputError("empty seed set", field="seeds")
    return items


def _scores(eco: Ecosystem, rule: str, layers: LayerSpec) -> np.ndarray:
    csr = eco.csr(layers)
    if rule == "top-degree":
        return csr.out_degree().astype(np.float64)
    from graphmodel.csr import igraph_of

    return np.asarray(igraph_of(csr).pagerank(directed=True), dtype=np.float64)


def resolve_seeds(eco: Ecosystem, spec: SeedSpec, *, seed: SeedLike = None, layers: LayerSpec = None) -> np.ndarray:
    """Global node numbers of the seed set described by ``spec``.

    Parameters
    ----------
    eco
        The ecosystem.
    spec
        A spec string or a list of them (see the module docstring); plain
        integers are taken as global node numbers.
    seed
        Randomness for ``random:K``.
    layers
        Layers for ``top-degree`` / ``top-pagerank`` (default: all).

    Examples
    --------
    >>> import graphmodel as gm
    >>> eco = gm.Ecosystem.from_labels(users={"id": ["a", "b"]}, merchants={"id": ["s"]},
    ...                                payment={"user": ["a", "b"], "merchant": ["s", "s"]})
    >>> resolve_seeds(eco, "user:b,merchant:s").tolist()
    [1, 2]
    >>> resolve_seeds(eco, "top-degree:1:merchant").tolist()
    [2]
    """
    U, N = eco.n_users, eco.n_nodes
    rng = None
    out: list[int] = []
    for item in _items(spec):
        if isinstance(item, int):
            if not 0 <= item < N:
                raise InputError(f"node number {item} outside 0..{N - 1}", field="seeds")
            out.append(item)
            continue
        head, _, rest = item.partition(":")
        if head in _RULES:
            parts = rest.split(":") if rest else []
            if not 1 <= len(parts) <= 2:
                raise InputError(
                    f"bad seed rule {item!r}; expected '{head}:K' or '{head}:K:user|merchant'", field="seeds"
                )
            try:
                k = int(parts[0])
            except ValueError:
                raise InputError(f"bad seed rule {item!r}: K must be an integer", field="seeds") from None
            kind = parts[1] if len(parts) == 2 else "user"
            if kind not in ("user", "merchant"):
                raise InputError(f"bad seed rule {item!r}: node type must be 'user' or 'merchant'", field="seeds")
            lo, hi = (0, U) if kind == "user" else (U, N)
            if not 0 < k <= hi - lo:
                raise InputError(
                    f"bad seed rule {item!r}: K must be in 1..{hi - lo} (number of {kind}s)", field="seeds"
                )
            if head == "random":
                rng = rng if rng is not None else as_generator(seed)
                out.extend((lo + rng.choice(hi - lo, size=k, replace=False)).tolist())
            else:
                score = _scores(eco, head, layers)[lo:hi]
                order = np.lexsort((np.arange(hi - lo), -score))
                out.extend((lo + order[:k]).tolist())
        elif head in ("user", "merchant") and rest:
            try:
                idx = int(eco.index_of(head, [rest])[0])
            except InputError:
                raise InputError(f"unknown {head} id {rest!r} in seed {item!r}", field="seeds") from None
            out.append(idx if head == "user" else U + idx)
        else:
            found = []
            for kind, off in (("user", 0), ("merchant", U)):
                try:
                    found.append(off + int(eco.index_of(kind, [item])[0]))
                except InputError:
                    pass
            if not found:
                raise InputError(f"unknown seed {item!r}: no user or merchant has this id", field="seeds")
            if len(found) > 1:
                raise InputError(
                    f"ambiguous seed {item!r}: both a user and a merchant; write user:{item} or merchant:{item}",
                    field="seeds",
                )
            out.append(found[0])
    return np.asarray(list(dict.fromkeys(out)), dtype=np.int64)
