"""The ``.npz`` snapshot: every column as a plain numpy array, no pickle.

Array names are ``<table>/<column>`` (``user/id``, ``payment/src``, ...; edge
ends are dense row indices), plus ``__manifest__``: the JSON manifest
(format, version, social_directed, meta, column order) as a uint8 array.
Loading uses ``allow_pickle=False``; uncompressed by default because that is
the fast path (``compress=True`` trades speed for size).
"""

from __future__ import annotations

import json
import os
import zipfile
import zlib
from pathlib import Path

import numpy as np

from graphmodel.ecosystem import LAYERS, NODE_TYPES, Ecosystem
from graphmodel.errors import InputError
from graphmodel.io.atomic import atomic_path
from graphmodel.io.csvdir import dump_json
from graphmodel.table import Table

__all__ = ["read_npz", "write_npz", "FORMAT", "VERSION"]

FORMAT = "graphmodel-npz"
VERSION = 1
_MANIFEST = "__manifest__"


def write_npz(eco: Ecosystem, path: str | os.PathLike[str], *, compress: bool = False) -> None:
    """Write ``eco`` as an ``.npz`` snapshot (atomically).

    Examples
    --------
    >>> import tempfile, graphmodel as gm
    >>> eco = gm.Ecosystem.from_labels(users={"id": ["a", "b"]}, social={"src": ["a"], "dst": ["b"]})
    >>> f = tempfile.mkdtemp() + "/eco.npz"
    >>> write_npz(eco, f); read_npz(f).equals(eco)
    True
    """
    arrays: dict[str, np.ndarray] = {}
    columns: dict[str, list[str]] = {}
    for table in (*NODE_TYPES, *LAYERS):
        t = eco.nodes(table) if table in NODE_TYPES else eco.edges(table)
        columns[table] = list(t.columns)
        for i, (name, values) in enumerate(t.items()):
            # Positional keys: column names may hold any character.
            arrays[f"{table}/{i}"] = values
    manifest = {
        "format": FORMAT,
        "version": VERSION,
        "social_directed": eco.social_directed,
        "meta": eco.meta,
        "columns": columns,
        "rows": {table: len(eco.nodes(table)) if table in NODE_TYPES else eco.n_edges(table) for table in columns},
    }
    arrays[_MANIFEST] = np.frombuffer(dump_json(manifest).encode("utf-8"), dtype=np.uint8)
    save = np.savez_compressed if compress else np.savez
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as fh:
            save(fh, **arrays)


def read_npz(path: str | os.PathLike[str]) -> Ecosystem:
    """Read an ``.npz`` snapshot written by :func:`write_npz`.

    A truncated or corrupt file raises :class:`InputError` naming the file.
    """
    path = Path(path)
    src = str(path)
    if not path.is_file():
        raise InputError("no such file", source=src)
    try:
        with np.load(path, allow_pickle=False) as z:
            if _MANIFEST not in z.files:
                raise InputError(f"not a graphmodel snapshot (no {_MANIFEST} array)", source=src)
            try:
                manifest = json.loads(z[_MANIFEST].tobytes().decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                raise InputError(f"corrupt manifest: {exc}", source=src) from None
            if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
                raise InputError(f'manifest: expected "format": "{FORMAT}"', source=src)
            if manifest.get("version") != VERSION:
                raise InputError(f"unsupported version {manifest.get('version')!r}; this graphmodel reads {VERSION}", source=src)
            tables = {}
            for table in (*NODE_TYPES, *LAYERS):
                names = manifest["columns"].get(table, [])
                cols = {}
                for i, name in enumerate(names):
                    key = f"{table}/{i}"
                    if key not in z.files:
                        raise InputError(f"missing array {key!r} (column {name!r})", source=src)
                    arr = z[key]
                    arr.flags.writeable = False
                    cols[name] = arr
                tables[table] = Table(cols, name=table, length=manifest.get("rows", {}).get(table))
    except InputError:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, KeyError) as exc:
        raise InputError(f"truncated or corrupt .npz snapshot ({type(exc).__name__}: {exc})", source=src) from None
    try:
        return Ecosystem(
            tables["user"],
            tables["merchant"],
            social=tables["social"],
            payment=tables["payment"],
            transfer=tables["transfer"],
            social_directed=bool(manifest.get("social_directed", False)),
            meta=manifest.get("meta", {}),
        )
    except InputError as exc:
        raise InputError(f"inconsistent snapshot: {exc}", source=src) from None
