"""The memory-mapped snapshot: a ``.gmm`` directory of ``.npy`` files opened without copying.

Several processes on one host that open the same ``.gmm`` directory (the
workers of a Dask ``LocalCluster``, or of a cluster whose workers share a
file system) share one copy of its pages in the operating system's page
cache, instead of each holding its own copy of the graph.

Layout (version 1)::

    NAME.gmm/
        manifest.json          format, version, social_directed, meta, columns, rows, files
        user.0.npy ...         one column a file, ``<table>.<position>.npy``, in the
                               dtype the ecosystem holds (int64, float64, fixed-width
                               unicode, bool): opened with ``mmap_mode="r"`` as is
        csr.indptr.npy ...     the propagation arrays over all layers (see below)

Why not the ``.npz`` snapshot (:mod:`graphmodel.io.npz`): it stores integer
columns narrowed (edge ends in int32, counts in uint8) and strings
dictionary-coded, so reading must widen and decode, i.e. copy; it is the
format to keep and ship. Here every column is stored as it is held, so a
column is a read-only view of the mapped file.

What the kernels run on is derived from the tables: the CSR over all layers
(a sort of every arc), its per-layer pointers and coin keys, and the weighted
cascade probabilities (the default of ``simulate``, ``compare`` and
``seeds``). Each worker would rebuild them and hold its own copy, the
largest arrays of a run, so they are stored too (``csr.*.npy``) and handed
to the caches of :meth:`Ecosystem.csr <graphmodel.Ecosystem.csr>` and
:mod:`graphmodel.arcs` on opening: all layers with the default
probabilities share every page; other layer subsets or probabilities are
built per process as usual.

Writing is atomic (a temporary directory renamed into place); a directory
being replaced while workers have it open keeps its old files alive for them.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from graphmodel.arcs import arc_structure, attach, weighted_cascade
from graphmodel.csr import CSR
from graphmodel.ecosystem import LAYERS, NODE_TYPES, Ecosystem
from graphmodel.errors import InputError
from graphmodel.io.atomic import atomic_dir, foreign_entries
from graphmodel.io.csvdir import dump_json
from graphmodel.table import Table

__all__ = ["read_mmap", "write_mmap", "FORMAT", "VERSION", "SUFFIX"]

FORMAT = "graphmodel-mmap"
VERSION = 1
SUFFIX = ".gmm"
MANIFEST = "manifest.json"
#: The stored propagation arrays: CSR over all layers, its layer pointers and coin keys, weighted-cascade values.
_CSR = ("indptr", "indices", "layer", "edge")
_ARCS = ("lptr", "arc_key", "prob_wc")


def write_mmap(eco: Ecosystem, path: str | os.PathLike[str]) -> None:
    """Write ``eco`` as a ``.gmm`` directory (atomically), with its propagation arrays over all layers.

    Examples
    --------
    >>> import tempfile, graphmodel as gm
    >>> eco = gm.Ecosystem.from_labels(users={"id": ["a", "b"]}, social={"src": ["a"], "dst": ["b"]})
    >>> d = tempfile.mkdtemp() + "/eco.gmm"
    >>> write_mmap(eco, d); read_mmap(d).equals(eco)
    True
    """
    target = Path(path)
    if target.is_dir() and any(target.iterdir()) and not (target / MANIFEST).exists():
        raise InputError(
            f"exists and is not a graphmodel {SUFFIX} directory (no {MANIFEST}); refusing to replace it",
            source=str(target),
        )
    arrays: dict[str, np.ndarray] = {}
    columns: dict[str, list[str]] = {}
    for table, t in eco.tables().items():
        columns[table] = list(t.columns)
        for i, (_name, values) in enumerate(t.items()):
            arrays[f"{table}.{i}"] = np.ascontiguousarray(values)
    csr = eco.csr(LAYERS)
    s = arc_structure(eco, csr)
    stored_csr = s.perm is None  # the usual arc order (grouped by layer): what build_csr makes
    if stored_csr:
        for name in _CSR:
            arrays[f"csr.{name}"] = np.ascontiguousarray(getattr(csr, name))
        arrays["csr.lptr"] = np.ascontiguousarray(s.lptr)
        arrays["csr.arc_key"] = np.ascontiguousarray(s.arc_key)
        arrays["csr.prob_wc"] = np.ascontiguousarray(weighted_cascade(csr), dtype=np.float64)
    manifest = {
        "format": FORMAT,
        "version": VERSION,
        "social_directed": eco.social_directed,
        "meta": eco.meta,
        "columns": columns,
        "rows": {table: len(eco.nodes(table)) if table in NODE_TYPES else eco.n_edges(table) for table in columns},
        "csr": {"layers": list(LAYERS), "n_users": eco.n_users, "n_merchants": eco.n_merchants} if stored_csr else None,
        "files": sorted(f"{k}.npy" for k in arrays),
    }
    owned = {MANIFEST, *manifest["files"], *_listed(target)}  # a snapshot's files, this one's or the one replaced
    foreign = foreign_entries(target, owned)
    if foreign:
        raise InputError(
            f"holds files graphmodel did not write ({', '.join(foreign[:5])}); refusing to replace it",
            source=str(target),
        )
    text = json.dumps(json.loads(dump_json(manifest)), indent=1, ensure_ascii=False) + "\n"
    with atomic_dir(target) as tmp:
        for k, arr in arrays.items():
            np.save(tmp / f"{k}.npy", arr, allow_pickle=False)
        (tmp / MANIFEST).write_text(text, encoding="utf-8")


def _listed(target: Path) -> list[str]:
    """The files the manifest of an existing ``.gmm`` directory lists (none if there is no readable one)."""
    try:
        old = json.loads((target / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return []
    files = old.get("files") if isinstance(old, dict) and old.get("format") == FORMAT else None
    return [f for f in files if isinstance(f, str)] if isinstance(files, list) else []


def _load(root: Path, name: str, src: str) -> np.ndarray:
    f = root / f"{name}.npy"
    if not f.is_file():
        raise InputError(f"missing array file {f.name}", source=src)
    try:
        arr = np.load(f, mmap_mode="r", allow_pickle=False)
    except (ValueError, OSError, EOFError) as exc:
        raise InputError(f"array file {f.name} is unreadable ({type(exc).__name__}: {exc})", source=src) from None
    if arr.dtype.hasobject:
        raise InputError(f"array file {f.name}: object arrays are not allowed", source=src)
    return arr


def read_mmap(path: str | os.PathLike[str]) -> Ecosystem:
    """Open a ``.gmm`` directory: every column and propagation array is a read-only memory map (no copy).

    A missing, truncated or foreign file raises :class:`InputError` naming the
    directory and the file.
    """
    root = Path(path)
    src = str(root)
    if not (root / MANIFEST).is_file():
        raise InputError(f"not a graphmodel {SUFFIX} directory (no {MANIFEST})", source=src)
    try:
        manifest = json.loads((root / MANIFEST).read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"corrupt manifest: {exc}", source=src) from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise InputError(f'manifest: expected "format": "{FORMAT}"', source=src)
    if manifest.get("version") != VERSION:
        raise InputError(
            f"unsupported version {manifest.get('version')!r}; this graphmodel reads {VERSION}", source=src
        )
    columns, rows = manifest.get("columns"), manifest.get("rows")
    if not isinstance(columns, dict) or not isinstance(rows, dict):
        raise InputError('manifest: "columns" and "rows" must be objects', source=src)
    tables = {}
    for table in (*NODE_TYPES, *LAYERS):
        names = columns.get(table, [])
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise InputError(f"manifest: columns of {table!r} must be a list of names", source=src, field="columns")
        cols = {}
        for i, name in enumerate(names):
            arr = _load(root, f"{table}.{i}", src)
            if arr.ndim != 1 or arr.dtype.kind not in "biufU" or (arr.dtype.kind in "iu" and arr.dtype != np.int64):
                raise InputError(
                    f"{table}.{i}.npy: expected a 1-D int64, float, bool or unicode column, "
                    f"got {arr.dtype} {arr.shape}",
                    source=src,
                    field=name,
                )
            cols[name] = arr
        try:
            tables[table] = Table(cols, name=table, length=rows.get(table))
        except InputError as exc:
            raise InputError(f"table {table!r}: {exc.message}", source=src, field=exc.field) from None
    eco = Ecosystem.from_tables(
        tables, social_directed=bool(manifest.get("social_directed", False)), meta=manifest.get("meta", {}), source=src
    )
    if manifest.get("csr"):
        _attach_csr(eco, root, manifest["csr"], src)
    return eco


def _attach_csr(eco: Ecosystem, root: Path, info: dict[str, Any], src: str) -> None:
    """Hand the stored propagation arrays to the caches that would otherwise build them."""
    if (
        info.get("layers") != list(LAYERS)
        or info.get("n_users") != eco.n_users
        or info.get("n_merchants") != eco.n_merchants
    ):
        raise InputError("manifest: the stored CSR does not match the tables", source=src, field="csr")
    a = {name: _load(root, f"csr.{name}", src) for name in (*_CSR, *_ARCS)}
    n, m = (
        eco.n_nodes,
        sum(
            eco.n_edges(x) * (1 if x == "transfer" or (x == "social" and eco.is_directed("social")) else 2)
            for x in LAYERS
        ),
    )
    L = len(LAYERS)
    shapes = {
        "indptr": (n + 1,),
        "indices": (m,),
        "layer": (m,),
        "edge": (m,),
        "lptr": (n, L + 1),
        "arc_key": (m,),
        "prob_wc": (m,),
    }
    for name, shape in shapes.items():
        if a[name].shape != shape:
            raise InputError(f"csr.{name}.npy: expected shape {shape}, got {a[name].shape}", source=src, field="csr")
    if a["indptr"][0] != 0 or a["indptr"][-1] != m:
        raise InputError("csr.indptr.npy: does not span the arcs", source=src, field="csr")
    csr = CSR(
        a["indptr"],
        a["indices"],
        a["layer"],
        a["edge"],
        layers=LAYERS,
        n_users=eco.n_users,
        n_merchants=eco.n_merchants,
    )
    eco._cache[("csr", LAYERS, False)] = csr  # what eco.csr() would build, from the file
    attach(csr, lptr=a["lptr"], arc_key=a["arc_key"], wc=a["prob_wc"])
