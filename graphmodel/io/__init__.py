"""Reading and writing ecosystems: CSV directory, Parquet directory, ``.npz`` snapshot, GraphML.

The format follows from the path: a path ending in ``.parquet`` (or an
existing directory holding ``users.parquet`` and no ``users.csv``) is a
Parquet directory; a path ending in ``.gmm`` a memory-mapped snapshot
(:mod:`graphmodel.io.mmapdir`); any other existing directory, or a path
without a suffix, is a CSV directory; ``.npz`` a snapshot; ``.graphml`` GraphML.
"""

from __future__ import annotations

import os
import weakref
from pathlib import Path

from graphmodel.ecosystem import Ecosystem
from graphmodel.errors import InputError

__all__ = ["read", "write", "format_of", "describe", "source_of", "snapshot_stamp"]

_SUFFIXES = {".npz": "npz", ".graphml": "graphml"}


def format_of(path: str | os.PathLike[str]) -> str:
    """``"csv"``, ``"parquet"``, ``"mmap"``, ``"npz"`` or ``"graphml"`` for ``path`` (see the module docstring)."""
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix == ".parquet":
        return "parquet"
    if suffix == ".gmm":
        return "mmap"
    if p.is_dir():
        csv = (p / "users.csv").exists() or (p / "users.csv.gz").exists()
        return "parquet" if (p / "users.parquet").exists() and not csv else "csv"
    if suffix in _SUFFIXES:
        return _SUFFIXES[suffix]
    if suffix == "":
        return "csv"
    raise InputError(
        f"unknown format {suffix!r}; expected a directory (CSV tables), .parquet (a directory of Parquet tables), "
        ".gmm (a memory-mapped snapshot), .npz or .graphml",
        source=str(path),
    )


def read(path: str | os.PathLike[str], *, strict: bool = False) -> Ecosystem:
    """Read an ecosystem from a CSV or Parquet directory, an ``.npz`` snapshot or a GraphML file.

    An ecosystem read from an ``.npz`` or ``.gmm`` snapshot remembers it
    (:func:`source_of`): Dask workers then open the file instead of receiving a copy.

    ``strict=True`` makes a stray non-numeric cell in a numeric-looking column
    of a CSV table (or a Parquet export without a manifest) an error instead of
    a warning.

    Examples
    --------
    >>> import tempfile, graphmodel as gm
    >>> eco = gm.Ecosystem.from_labels(users={"id": [1, 2]}, merchants={"id": ["m"]},
    ...                                payment={"user": [1, 2], "merchant": ["m", "m"]})
    >>> d = tempfile.mkdtemp()
    >>> gm.write(eco, d + "/eco.graphml")
    >>> gm.read(d + "/eco.graphml").equals(eco)
    True
    """
    fmt = format_of(path)
    eco = _read(path, fmt, strict)
    if fmt in ("npz", "mmap"):
        _SOURCES[eco] = (Path(path).resolve(), snapshot_stamp(path, fmt))
    return eco


def _read(path: str | os.PathLike[str], fmt: str, strict: bool) -> Ecosystem:
    if fmt == "csv":
        if not Path(path).exists():
            raise InputError("no such file or directory", source=str(path))
        from graphmodel.io.csvdir import read_csv_dir

        return read_csv_dir(path, strict=strict)
    if fmt == "parquet":
        from graphmodel.io.parquet import read_parquet_dir

        return read_parquet_dir(path, strict=strict)
    if fmt == "mmap":
        from graphmodel.io.mmapdir import read_mmap

        return read_mmap(path)
    if fmt == "npz":
        from graphmodel.io.npz import read_npz

        return read_npz(path)
    from graphmodel.io.graphml import read_graphml

    return read_graphml(path)


#: The snapshot each ecosystem was read from, with the file's stamp then (see :func:`source_of`).
_SOURCES: "weakref.WeakKeyDictionary[Ecosystem, tuple[Path, tuple[int, int]]]" = weakref.WeakKeyDictionary()


def snapshot_stamp(path: str | os.PathLike[str], fmt: str) -> tuple[int, int]:
    """(size, mtime in ns) of a snapshot file (a ``.gmm`` directory: of its manifest); a rewrite changes it."""
    st = os.stat(Path(path) / "manifest.json" if fmt == "mmap" else path)
    return int(st.st_size), int(st.st_mtime_ns)


def source_of(eco: Ecosystem) -> Path | None:
    """The ``.npz`` or ``.gmm`` snapshot ``eco`` was read from by :func:`read`, if the file is unchanged since.

    Dask workers open the ecosystem from this path instead of receiving a copy
    (:mod:`graphmodel.cluster`). An ecosystem made in memory, or read from
    another format, or whose file has been rewritten, has none.
    """
    hit = _SOURCES.get(eco)
    if hit is None:
        return None
    path, stamp = hit
    try:
        same = snapshot_stamp(path, format_of(path)) == stamp
    except OSError:
        return None
    return path if same else None


def write(eco: Ecosystem, path: str | os.PathLike[str], *, compress: bool = False, viewer: str | None = None) -> None:
    """Write ``eco`` to ``path`` atomically; the format follows from the path (see :func:`read`).

    ``compress=True`` gzips CSV tables (``.csv.gz``), compresses the ``.npz``
    or writes Parquet with zstd instead of snappy; it is ignored for GraphML
    and refused for a memory-mapped ``.gmm`` directory (which must stay uncompressed).
    ``viewer="gephi"`` writes GraphML for viewers (see :func:`graphmodel.io.graphml.write_graphml`);
    other formats refuse it.
    """
    if not isinstance(eco, Ecosystem):
        raise InputError(f"expected an Ecosystem, got {type(eco).__name__}", field="eco")
    fmt = format_of(path)
    if compress and fmt == "mmap":
        raise InputError(
            "a memory-mapped .gmm snapshot is stored uncompressed (compress applies to other formats)", field="compress"
        )
    if viewer is not None and fmt != "graphml":
        raise InputError(f"viewer={viewer!r} applies to GraphML only, not to {fmt}", field="viewer")
    if fmt == "csv":
        from graphmodel.io.csvdir import write_csv_dir

        write_csv_dir(eco, path, compress=compress)
    elif fmt == "parquet":
        from graphmodel.io.parquet import write_parquet_dir

        write_parquet_dir(eco, path, compress=compress)
    elif fmt == "mmap":
        from graphmodel.io.mmapdir import write_mmap

        write_mmap(eco, path)
    elif fmt == "npz":
        from graphmodel.io.npz import write_npz

        write_npz(eco, path, compress=compress)
    else:
        from graphmodel.io.graphml import write_graphml

        write_graphml(eco, path, viewer=viewer)


def describe(path: str | os.PathLike[str]) -> dict:
    """Read ``path`` and return a JSON-ready summary: format, sizes, layers, columns, metadata.

    It is :meth:`Ecosystem.summary` plus the file's format and, per layer, how
    many distinct nodes sit at each end.
    """
    import numpy as np

    fmt = format_of(path)
    eco = read(path)
    info = {"path": str(path), "format": fmt, **eco.summary(), "edges": eco.n_edges()}
    for layer, entry in info["layers"].items():
        t = eco.edges(layer)
        ends = ("user", "merchant") if layer == "payment" else ("user", "user")
        entry["sources"] = (
            int(np.count_nonzero(np.bincount(t["src"], minlength=len(eco.nodes(ends[0]))))) if len(t) else 0
        )
        entry["targets"] = (
            int(np.count_nonzero(np.bincount(t["dst"], minlength=len(eco.nodes(ends[1]))))) if len(t) else 0
        )
    return info
