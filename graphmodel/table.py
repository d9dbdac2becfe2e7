"""Columnar tables: named, equal-length, read-only 1-D numpy arrays.

Column kinds (the only ones every file format can carry):

* integer (``int64``), float (``float64``, NaN marks a missing value),
* boolean (``bool``),
* string (numpy unicode ``<U``; the empty string marks a missing value).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

from graphmodel.errors import InputError

__all__ = ["Table", "as_column", "column_kind"]


def column_kind(values: np.ndarray) -> str:
    """Return ``"int"``, ``"float"``, ``"bool"`` or ``"str"`` for a column array."""
    k = values.dtype.kind
    if k == "b":
        return "bool"
    if k in "iu":
        return "int"
    if k == "f":
        return "float"
    if k == "U":
        return "str"
    raise TypeError(f"unsupported column dtype {values.dtype}")


def as_column(values: ArrayLike, *, name: str = "column", source: str | None = None) -> np.ndarray:
    """Convert ``values`` to one of the supported column dtypes (a read-only copy when needed).

    Integers become int64, floats float64, strings numpy unicode; Python objects
    that mix types are rejected with an :class:`InputError` naming the column.
    """
    arr = np.asarray(values)
    if arr.ndim != 1:
        raise InputError(f"expected a 1-D column, got shape {arr.shape}", source=source, field=name)
    k = arr.dtype.kind
    if k == "b":
        out = arr.astype(np.bool_, copy=False)
    elif k in "iu":
        if k == "u" and arr.dtype.itemsize == 8 and arr.size and arr.max() > np.iinfo(np.int64).max:
            raise InputError("unsigned values exceed int64", source=source, field=name)
        out = arr.astype(np.int64, copy=False)
    elif k == "f":
        out = arr.astype(np.float64, copy=False)
    elif k == "U":
        out = arr
    elif k in "OST":
        try:
            out = arr.astype(str) if arr.size else np.zeros(0, dtype="<U1")
        except (TypeError, ValueError) as exc:  # pragma: no cover - defensive
            raise InputError(f"cannot store values as text: {exc}", source=source, field=name) from None
        if k == "O":
            # Mixed Python objects: None/NaN become the missing-string marker.
            out = np.array(["" if (v is None or (isinstance(v, float) and v != v)) else str(v) for v in arr], dtype=str)
            if out.size == 0:
                out = np.zeros(0, dtype="<U1")
    else:
        raise InputError(f"unsupported column type {arr.dtype}", source=source, field=name)
    if out is arr and arr.flags.writeable:
        out = arr.copy()
    out.flags.writeable = False
    return out


class Table:
    """An ordered set of named, equal-length, read-only columns.

    Parameters
    ----------
    columns
        Mapping of column name to 1-D array-like.
    name
        What the table is (``"user"``, ``"payment"``, ...), used in error messages.

    Examples
    --------
    >>> t = Table({"id": [1, 2, 3], "city": ["a", "b", "a"]}, name="user")
    >>> len(t), t.columns
    (3, ('id', 'city'))
    >>> t["city"][2]
    np.str_('a')
    """

    __slots__ = ("_cols", "name", "_n")

    def __init__(
        self, columns: Mapping[str, Any] | None = None, *, name: str = "table", length: int | None = None
    ) -> None:
        self.name = name
        self._cols: dict[str, np.ndarray] = {}
        n = length
        for key, values in (columns or {}).items():
            if not isinstance(key, str) or not key:
                raise InputError(f"column names must be non-empty strings, got {key!r}", source=name)
            col = (
                values
                if isinstance(values, np.ndarray) and not values.flags.writeable
                else as_column(values, name=key, source=name)
            )
            if n is None:
                n = len(col)
            elif len(col) != n:
                raise InputError(f"column has {len(col)} values, expected {n}", source=name, field=key)
            self._cols[key] = col
        self._n = 0 if n is None else int(n)

    # -- mapping-like access -------------------------------------------------
    def __len__(self) -> int:
        return self._n

    def __getitem__(self, key: str) -> np.ndarray:
        try:
            return self._cols[key]
        except KeyError:
            raise KeyError(f"{self.name} table has no column {key!r}; columns: {list(self._cols)}") from None

    def __contains__(self, key: object) -> bool:
        return key in self._cols

    def __iter__(self) -> Iterator[str]:
        return iter(self._cols)

    def get(self, key: str, default: Any = None) -> Any:
        return self._cols.get(key, default)

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(self._cols)

    def items(self):
        return self._cols.items()

    def kinds(self) -> dict[str, str]:
        """Column name -> kind (``int``, ``float``, ``bool``, ``str``)."""
        return {k: column_kind(v) for k, v in self._cols.items()}

    # -- derivation ----------------------------------------------------------
    def take(self, index: Any) -> "Table":
        """Rows selected by an integer index or boolean mask, as a new table."""
        index = np.asarray(index)
        cols = {k: v[index] for k, v in self._cols.items()}
        n = int(index.sum()) if index.dtype == bool else len(index)
        return Table(cols, name=self.name, length=n)

    def with_columns(self, **columns: Any) -> "Table":
        """A new table with columns added or replaced."""
        cols: dict[str, Any] = dict(self._cols)
        cols.update(columns)
        return Table(cols, name=self.name, length=self._n if self._cols else None)

    def drop(self, *names: str) -> "Table":
        """A new table without the named columns."""
        return Table({k: v for k, v in self._cols.items() if k not in names}, name=self.name, length=self._n)

    def to_dict(self) -> dict[str, list]:
        """Plain Python lists, JSON-ready."""
        return {k: v.tolist() for k, v in self._cols.items()}

    def equals(self, other: "Table") -> bool:
        """Same columns in the same order with equal values (NaN equals NaN)."""
        if self.columns != other.columns or len(self) != len(other):
            return False
        for k, a in self._cols.items():
            b = other[k]
            if a.dtype.kind != b.dtype.kind:
                return False
            if a.dtype.kind == "f":
                if not np.array_equal(a, b, equal_nan=True):
                    return False
            elif not np.array_equal(a, b):
                return False
        return True

    def __repr__(self) -> str:
        kinds = ", ".join(f"{k}:{v}" for k, v in self.kinds().items())
        return f"Table({self.name!r}, rows={self._n}, columns=[{kinds}])"
