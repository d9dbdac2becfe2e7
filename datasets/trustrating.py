"""Loader for the "trust network + product ratings" releases (Ciao, Epinions).

The releases by Tang, Gao and Liu ship MATLAB v5 files, usually inside a zip:

* ``rating.mat``: rows of (userid, productid, categoryid, rating[, helpfulness]);
  Ciao has the helpfulness column, Epinions does not (its README says it does);
* ``trustnetwork.mat``: rows of (userid, userid), the first trusts the second;
* ``rating_with_timestamp.mat`` (Ciao, optional): the rating rows plus a unix
  time column (day resolution);
* ``catalog_*.txt``: one line per category, ``<id> <name>``.

How they become an :class:`~graphmodel.Ecosystem`:

* users: every id in the trust or rating rows (int labels, sorted);
  merchants: every product id that is rated (int labels, sorted), with
  ``category_id``, ``category`` (the catalog name) and ``channel``;
* ``social`` (directed): one edge per distinct trust row, ``src`` trusts
  ``dst``; self-loops and repeated rows are dropped and counted in ``meta``;
* ``payment``: one edge per distinct (user, product) pair (ratings stand in for
  purchases) with ``count`` (rating rows), ``rating`` and ``helpfulness``
  (means over the pair's rows), ``category_id`` (the pair's most frequent
  category, ties -> smallest id) and, with times, ``first_time``/``last_time``.

Everything is vectorised numpy: Epinions' 922,267 rating rows load in seconds.
Files are read straight from the zip (never extracted) and never unpickled.
"""

from __future__ import annotations

import io
import os
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from graphmodel.ecosystem import Ecosystem
from graphmodel.errors import InputError

__all__ = ["TrustRatingRelease", "load_trust_rating", "PAYMENT_LAYER_NOTE"]

#: What ``meta["payment_layer"]`` says about these data.
PAYMENT_LAYER_NOTE = "review proxy: ratings stand in for purchases (no amounts, no transfers)"

RATING = "rating.mat"
TRUST = "trustnetwork.mat"
TIMED = "rating_with_timestamp.mat"


@dataclass(frozen=True)
class TrustRatingRelease:
    """Where one release keeps its files and how its categories map to channels.

    Parameters
    ----------
    name
        Short name; also the folder inside the zip (``ciao/rating.mat``).
    zip_name
        File name of the release zip (``ciao.zip``).
    catalog_name
        File name of the category catalog (``catalog_ciao.txt``).
    channels
        Category name -> ``"online"``/``"offline"``; other categories get ``""``.
    """

    name: str
    zip_name: str
    catalog_name: str
    channels: Mapping[str, str] = field(default_factory=dict)


# -- finding and reading the files -------------------------------------------------


class _Release:
    """The files of a release: loose files in some folders and/or members of one zip."""

    def __init__(self, source: str | os.PathLike[str], spec: TrustRatingRelease) -> None:
        path = Path(source)
        self.spec = spec
        self.given = str(source)
        self.zip: zipfile.ZipFile | None = None
        self.zip_path: Path | None = None
        self.used: dict[str, dict[str, Any]] = {}
        if not path.exists():
            raise InputError(f"no such file or folder; expected {self.expected()}", source=self.given)
        if path.is_file():
            if not zipfile.is_zipfile(path):
                raise InputError(f"not a zip file; expected {self.expected()}", source=self.given)
            self.dirs = [path.parent, path.parent / spec.name]
            self._open_zip(path)
            return
        self.dirs = [path, path / spec.name]
        if not all(self._loose(n) for n in (RATING, TRUST)):
            candidates = [path / spec.zip_name] + sorted(p for p in path.glob("*.zip") if p.name != spec.zip_name)
            corrupt: tuple[Path, str] | None = None
            for z in candidates:
                if not z.is_file():
                    continue
                try:
                    if not zipfile.is_zipfile(z):
                        raise zipfile.BadZipFile("not a zip archive (truncated or damaged download?)")
                    with zipfile.ZipFile(z) as zf:
                        names = zf.namelist()
                except (zipfile.BadZipFile, OSError) as exc:
                    corrupt = corrupt or (z, str(exc))
                    continue
                if any(Path(n).name == RATING for n in names):
                    self._open_zip(z)
                    break
            else:
                if corrupt is not None:  # say so, rather than "missing rating.mat" later
                    raise InputError(
                        f"corrupt zip: {corrupt[1]}; download it again or extract it here", source=str(corrupt[0])
                    )

    def expected(self) -> str:
        s = self.spec
        return (
            f"the {s.name} release: a folder with {s.zip_name} (or extracted {RATING} and {TRUST}) "
            f"and {s.catalog_name}, or the zip itself"
        )

    def _open_zip(self, path: Path) -> None:
        try:
            self.zip = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError) as exc:
            raise InputError(f"cannot open zip: {exc}", source=path.name) from None
        self.zip_path = path

    def close(self) -> None:
        if self.zip is not None:
            self.zip.close()

    def _loose(self, name: str) -> Path | None:
        for d in self.dirs:
            p = d / name
            if p.is_file():
                return p
        return None

    def _member(self, name: str) -> str | None:
        if self.zip is None:
            return None
        hits = sorted(n for n in self.zip.namelist() if Path(n).name == name and not n.endswith("/"))
        return hits[0] if hits else None

    def has(self, name: str) -> bool:
        return self._loose(name) is not None or self._member(name) is not None

    def read(self, name: str) -> tuple[bytes, str]:
        """Bytes of file ``name`` and how to call it in messages (a file name, never a full path)."""
        loose = self._loose(name)
        if loose is not None:
            data = loose.read_bytes()
            self.used[loose.name] = {"file": loose.name, "bytes": len(data)}
            return data, loose.name
        member = self._member(name)
        if member is None:
            where = f"{self.zip_path.name} or beside it" if self.zip_path is not None else "the folder"
            raise InputError(f"missing {name} in {where}; expected {self.expected()}", source=self.given)
        assert self.zip is not None and self.zip_path is not None
        label = f"{self.zip_path.name}:{member}"
        try:
            data = self.zip.read(member)
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise InputError(f"cannot read zip member: {exc}", source=label) from None
        entry = self.used.setdefault(
            self.zip_path.name, {"file": self.zip_path.name, "bytes": self.zip_path.stat().st_size, "members": []}
        )
        entry["members"].append({"name": member, "bytes": len(data)})
        return data, label


def _read_mat(data: bytes, label: str, *, columns: tuple[int, ...], prefer: str) -> np.ndarray:
    """The one 2-D numeric matrix of a MATLAB v5 file as int64, with a column count in ``columns``."""
    import scipy.io

    expect = " or ".join(str(c) for c in columns)
    try:
        content = scipy.io.loadmat(io.BytesIO(data))
    except NotImplementedError:
        raise InputError(
            "MATLAB v7.3 (HDF5) files are not supported; expected a MATLAB v5 .mat file", source=label
        ) from None
    except Exception as exc:  # scipy raises ValueError, TypeError, ... on garbage
        raise InputError(f"not a readable MATLAB .mat file ({exc})", source=label) from None
    arrays = {k: v for k, v in content.items() if not k.startswith("__") and isinstance(v, np.ndarray)}
    if prefer in arrays:
        mat = arrays[prefer]
    elif len(arrays) == 1:
        mat = next(iter(arrays.values()))
    else:
        raise InputError(f"expected one matrix named {prefer!r}, found {sorted(arrays) or 'none'}", source=label)
    if mat.ndim != 2 or mat.shape[1] not in columns or mat.dtype.kind not in "iuf":
        raise InputError(
            f"expected a numeric matrix with {expect} columns, got shape {mat.shape} of {mat.dtype}", source=label
        )
    if mat.dtype.kind == "f":
        bad = ~np.isfinite(mat) | (mat != np.round(mat))
        if bad.any():
            r, c = np.argwhere(bad)[0]
            raise InputError(f"row {r + 1}, column {c + 1}: expected an integer, got {mat[r, c]}", source=label)
    return mat.astype(np.int64)


def _read_catalog(data: bytes, label: str) -> dict[int, str]:
    """``<id> <name>`` lines -> {id: name} (UTF-8, else Latin-1; CRLF or LF)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    out: dict[int, str] = {}
    for lineno, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        head, _, name = line.partition(" ")
        try:
            cid = int(head)
        except ValueError:
            raise InputError(f"expected '<category id> <name>', got {line[:40]!r}", source=label, line=lineno) from None
        if cid in out:
            raise InputError(f"duplicate category id {cid}", source=label, line=lineno)
        out[cid] = name.strip()
    if not out:
        raise InputError("empty catalog; expected lines '<category id> <name>'", source=label)
    return out


# -- vectorised group helpers ----------------------------------------------------------


def _group_starts(*keys: np.ndarray) -> np.ndarray:
    """Start positions of runs of equal key tuples in already sorted key arrays."""
    n = len(keys[0])
    new = np.zeros(n, dtype=bool)
    if n:
        new[0] = True
        for k in keys:
            new[1:] |= k[1:] != k[:-1]
    return np.flatnonzero(new)


def _mean_per_run(values: np.ndarray, starts: np.ndarray, count: np.ndarray) -> np.ndarray:
    """Mean of ``values`` over each run (runs start at ``starts`` and hold ``count`` values)."""
    if not len(starts):
        return np.zeros(0, dtype=np.float64)
    return np.add.reduceat(values.astype(np.float64), starts) / count


def _mode_per_group(group: np.ndarray, value: np.ndarray, n_groups: int) -> np.ndarray:
    """Most frequent ``value`` of each group 0..n_groups-1; ties -> smallest value."""
    order = np.lexsort((value, group))
    g, v = group[order], value[order]
    starts = _group_starts(g, v)
    counts = np.diff(np.append(starts, len(g)))
    rg, rv = g[starts], v[starts]
    best = np.lexsort((rv, -counts, rg))  # per group: highest count first, then smallest value
    rg, rv = rg[best], rv[best]
    first = _group_starts(rg)
    out = np.zeros(n_groups, dtype=np.int64)
    out[rg[first]] = rv[first]
    return out


# -- the loader ------------------------------------------------------------------------------


def load_trust_rating(
    source: str | os.PathLike[str],
    *,
    release: TrustRatingRelease,
    meta: Mapping[str, Any] | None = None,
    timestamps: bool = True,
) -> Ecosystem:
    """Load a Ciao/Epinions-style release into an :class:`~graphmodel.Ecosystem`.

    Parameters
    ----------
    source
        The folder holding the release (the zip or the extracted ``rating.mat``
        and ``trustnetwork.mat``, plus the catalog and, for Ciao, optionally
        ``rating_with_timestamp.mat``), or the zip itself (the catalog is then
        looked for beside it).
    release
        File names and channel mapping of the release.
    meta
        Extra metadata (name, title, citation, ...) merged into ``eco.meta``.
    timestamps
        Use ``rating_with_timestamp.mat`` when it is present (adds
        ``first_time``/``last_time`` to payment edges).

    Returns
    -------
    Ecosystem
        Directed ``social`` (trust) and ``payment`` (rating) layers; counts of
        what was read, dropped and aggregated are in ``eco.meta["counts"]``.

    Raises
    ------
    InputError
        A missing folder or file, a .mat file with the wrong number of
        columns, non-integer ids, a category missing from the catalog.
    """
    src = _Release(source, release)
    try:
        return _load(src, release, dict(meta or {}), timestamps)
    finally:
        src.close()


def _load(src: _Release, release: TrustRatingRelease, meta: dict[str, Any], timestamps: bool) -> Ecosystem:
    data, label = src.read(TRUST)
    trust = _read_mat(data, label, columns=(2,), prefer="trustnetwork")
    data, label = src.read(RATING)
    rating = _read_mat(data, label, columns=(4, 5), prefer="rating")
    rating_label = label
    times: np.ndarray | None = None
    if timestamps and src.has(TIMED):
        data, tlabel = src.read(TIMED)
        timed = _read_mat(data, tlabel, columns=(rating.shape[1] + 1,), prefer="rating")
        if not _same_rows(timed[:, :-1], rating):
            raise InputError(
                f"rows differ from {rating_label}; expected the same rating rows plus a time column", source=tlabel
            )
        rating, times = timed[:, :-1], timed[:, -1]
        rating_label = tlabel
    catalog_bytes, catalog_label = src.read(release.catalog_name)
    catalog = _read_catalog(catalog_bytes, catalog_label)

    # -- social: trust rows, self-loops and repeats dropped (first occurrence kept) --
    n_trust = len(trust)
    loops = trust[:, 0] == trust[:, 1]
    t = trust[~loops]
    _, first = np.unique(t, axis=0, return_index=True)
    t = t[np.sort(first)]
    n_dup = n_trust - int(loops.sum()) - len(t)

    # -- nodes --
    ru, rp, rc, rr = rating[:, 0], rating[:, 1], rating[:, 2], rating[:, 3]
    users = np.unique(np.concatenate([trust.ravel(), ru]))
    products, p_idx = np.unique(rp, return_inverse=True)
    u_idx = np.searchsorted(users, ru)

    cat_ids = np.unique(rc)
    missing = cat_ids[~np.isin(cat_ids, np.fromiter(catalog, dtype=np.int64, count=len(catalog)))]
    if missing.size:
        raise InputError(
            f"category id {int(missing[0])} used in {rating_label} is not in the catalog "
            f"({missing.size} missing); expected lines '<category id> <name>'",
            source=catalog_label,
        )
    m_cat = _mode_per_group(p_idx, rc, len(products))
    names = np.array([catalog[int(c)] for c in cat_ids.tolist()], dtype=str) if cat_ids.size else np.zeros(0, "<U1")
    chans = np.array([release.channels.get(n, "") for n in names.tolist()], dtype="<U7")
    pos = np.searchsorted(cat_ids, m_cat)
    merchants = {
        "id": products,
        "category": names[pos] if len(products) else np.zeros(0, "<U1"),
        "category_id": m_cat,
        "channel": chans[pos] if len(products) else np.zeros(0, "<U1"),
    }

    # -- payment: one edge per (user, product) --
    tie = times if times is not None else np.arange(len(rating))
    order = np.lexsort((tie, p_idx, u_idx))
    su, sp = u_idx[order], p_idx[order]
    starts = _group_starts(su, sp)
    n_rows = len(rating)
    count = np.diff(np.append(starts, n_rows)).astype(np.int64)
    pair = np.repeat(np.arange(len(starts)), count)  # pair number of each sorted row
    payment: dict[str, Any] = {"src": su[starts], "dst": sp[starts], "count": count}
    payment["rating"] = _mean_per_run(rr[order], starts, count)
    if rating.shape[1] == 5:
        payment["helpfulness"] = _mean_per_run(rating[order, 4], starts, count)
    payment["category_id"] = _mode_per_group(pair, rc[order], len(starts))
    if times is not None:
        st = times[order]
        payment["first_time"] = st[starts]  # rows are sorted by time inside each pair
        payment["last_time"] = np.maximum.reduceat(st, starts) if n_rows else st[starts]

    counts = {
        "trust_rows": n_trust,
        "trust_self_loops_dropped": int(loops.sum()),
        "trust_duplicates_dropped": n_dup,
        "social_edges": len(t),
        "rating_rows": n_rows,
        "payment_edges": len(starts),
        "recurring_pairs": int((count > 1).sum()),
        "rating_rows_merged": n_rows - len(starts),
        "rating_rows_in_recurring_pairs": int(count[count > 1].sum()),
        "rating_zero_rows": int((rr == 0).sum()),
        "rating_rows_outside_1_5": int(((rr < 1) | (rr > 5)).sum()),
        "users": len(users),
        "users_who_rate": int(np.unique(ru).size),
        "merchants": len(products),
        "merchants_online": int((merchants["channel"] == "online").sum()),
        "merchants_offline": int((merchants["channel"] == "offline").sum()),
        "products_rated_under_several_categories": _several(rp, rc),
    }
    meta.update(
        {
            "payment_layer": PAYMENT_LAYER_NOTE,
            "payment_events": n_rows,
            "source_files": list(src.used.values()),
            "counts": counts,
            "aggregation": (
                "one payment edge per (user, product): count = rating rows; rating and helpfulness = "
                "means over the rows; category_id = most frequent (ties -> smallest id)"
                + (
                    "; first_time/last_time = earliest/latest row (unix seconds, day resolution)"
                    if times is not None
                    else ""
                )
            ),
        }
    )
    if times is not None:
        meta["time_range"] = [int(times.min()), int(times.max())] if n_rows else None
    social = {"src": np.searchsorted(users, t[:, 0]), "dst": np.searchsorted(users, t[:, 1])}
    return Ecosystem({"id": users}, merchants, social=social, payment=payment, social_directed=True, meta=meta)


def _several(group: np.ndarray, value: np.ndarray) -> int:
    """How many groups hold more than one distinct value."""
    if not len(group):
        return 0
    order = np.lexsort((value, group))
    g, v = group[order], value[order]
    starts = _group_starts(g, v)
    return int(len(starts) - np.unique(g).size)


def _same_rows(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether two integer matrices hold the same multiset of rows."""
    if a.shape != b.shape:
        return False
    if not len(a):
        return True
    oa = np.lexsort(a.T[::-1])
    ob = np.lexsort(b.T[::-1])
    return bool(np.array_equal(a[oa], b[ob]))
