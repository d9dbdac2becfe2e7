"""Column kinds in text formats: parse, infer and format (shared by CSV, GraphML and converters).

A text cell becomes a typed value by one of four kinds (see
:mod:`graphmodel.table`): ``int``, ``float`` (empty -> NaN), ``bool``
(``true``/``false``, any case) and ``str`` (empty -> the missing marker ``""``).
"""

from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np

from graphmodel.errors import InputError

__all__ = [
    "KINDS",
    "KNOWN_NUMERIC",
    "parse_column",
    "infer_kind",
    "format_column",
    "python_column",
    "empty_column",
    "numeric_strays",
    "STRAY_SHARE",
]

KINDS = ("int", "float", "bool", "str")
#: Columns that must hold numbers whatever file they come from.
KNOWN_NUMERIC = frozenset(
    {"count", "amount", "weight", "purchasing_power", "price_level", "first_time", "last_time", "time"}
)
_TRUE = frozenset({"true"})
_FALSE = frozenset({"false"})

#: ``where(row) -> (source, line)`` used to name the line of a bad value.
Locator = Callable[[int], tuple[str | None, int | None]]


def plain(value: Any) -> Any:
    """``value`` as a Python object, for messages: ``np.str_('admin')`` -> ``'admin'``, ``np.float64(1.5)`` -> ``1.5``.

    Examples
    --------
    >>> repr(plain(np.array(["admin"])[0])), repr(plain(np.float64(1.5))), plain("x")
    ("'admin'", '1.5', 'x')
    """
    return value.item() if isinstance(value, np.generic) else value


def first_duplicate(ids: np.ndarray) -> tuple[int, int] | None:
    """``(row, first)``: the earliest row that repeats an id and the row where that id was first seen; None if unique.

    Examples
    --------
    >>> first_duplicate(np.array(["a", "b", "c", "b", "a"]))
    (3, 1)
    >>> first_duplicate(np.array([1, 2, 3])) is None
    True
    """
    if len(ids) < 2:
        return None
    order = np.argsort(ids, kind="stable")
    s = ids[order]
    dup = np.flatnonzero(s[1:] == s[:-1])
    if not dup.size:
        return None
    second = order[dup + 1]  # among duplicated pairs, report the earliest second occurrence
    k = int(np.argmin(second))
    return int(second[k]), int(order[dup[k]])


def empty_column(kind: str) -> np.ndarray:
    """A zero-length column of ``kind``."""
    return np.zeros(0, dtype={"int": np.int64, "float": np.float64, "bool": np.bool_, "str": "<U1"}[kind])


def _to_int(cells: np.ndarray) -> np.ndarray | None:
    try:
        return cells.astype(np.int64)
    except (ValueError, TypeError, OverflowError):
        return None


def _to_float(cells: np.ndarray) -> np.ndarray | None:
    empty = cells == ""
    if empty.any():
        cells = cells.copy()
        cells[empty] = "nan"
    try:
        return cells.astype(np.float64)
    except (ValueError, TypeError, OverflowError):
        return None


def _to_bool(cells: np.ndarray) -> np.ndarray | None:
    low = np.char.lower(cells.astype(str)) if cells.size else np.zeros(0, dtype="<U1")
    t = low == "true"
    if not (t | (low == "false")).all():
        return None
    return t


#: A text column is "numeric-looking" when at most this share of its non-empty cells
#: (and at least one cell) fails to parse as a number; those cells are strays.
STRAY_SHARE = 0.01
_SAMPLE = 64


def numeric_strays(cells: np.ndarray, *, min_numbers: int = 2) -> tuple[np.ndarray, np.ndarray] | None:
    """``(values, stray)`` when a text column is numbers with a few stray cells, else None.

    ``values`` is float64 with NaN at the empty and stray cells; ``stray`` marks
    the non-empty cells that do not parse as a number. The column qualifies when
    at least ``min_numbers`` cells are numbers and the strays are at most
    ``max(1, STRAY_SHARE * non-empty cells)``. A quick look at the first cells
    keeps text columns (cities, names) from paying for the cell-by-cell check.
    """
    cells = np.asarray(cells, dtype=object)
    nonempty = cells != ""
    n = int(nonempty.sum())
    if n < min_numbers + 1:
        return None
    head = cells[nonempty][:_SAMPLE].tolist()
    if sum(not _is_float(v) for v in head) > max(1, int(STRAY_SHARE * len(head))):
        return None
    ok = np.fromiter((_is_float(v) for v in cells.tolist()), dtype=bool, count=len(cells))
    stray = ~ok
    k = int(stray.sum())
    if k == 0 or k > max(1, int(STRAY_SHARE * n)) or n - k < min_numbers:
        return None
    clean = cells.copy()
    clean[stray] = ""
    values = _to_float(clean)
    if values is None:  # pragma: no cover - every remaining cell parsed above
        return None
    return values, stray


def _first_bad(cells: np.ndarray, ok: Callable[[str], bool]) -> int:
    for i, v in enumerate(cells.tolist()):
        if not ok(v):
            return i
    return 0  # pragma: no cover - only called when a bad cell exists


def _is_int(v: str) -> bool:
    try:
        int(v)
        return True
    except (ValueError, TypeError, OverflowError):
        return False


def _is_float(v: str) -> bool:
    if v == "":
        return True
    try:
        float(v)
        return True
    except (ValueError, TypeError):
        return False


def infer_kind(cells: np.ndarray, *, name: str = "") -> str:
    """The narrowest kind every cell parses as: int, float, bool, else str.

    Empty cells are missing: an int column with empties becomes float; a column
    of empty cells only is str. Ids (``name`` ``id``) are int only when every
    cell is a canonical decimal integer, so ``"007"`` stays a string.
    """
    if cells.size == 0:
        return "float" if name in KNOWN_NUMERIC else "str"
    if name == "id":
        ints = _to_int(cells)
        if ints is not None and np.array_equal(ints.astype(str).astype(object), cells.astype(str).astype(object)):
            return "int"
        return "str"
    if _to_int(cells) is not None:
        return "int"
    if not (cells == "").all() and _to_float(cells) is not None:
        return "float"
    if _to_bool(cells) is not None:
        return "bool"
    return "str"


def parse_column(
    cells: np.ndarray,
    kind: str | None,
    *,
    name: str,
    where: Locator | None = None,
    numeric: bool | None = None,
) -> np.ndarray:
    """Convert an object array of text cells to a column of ``kind`` (inferred when None).

    Raises :class:`InputError` naming the line (through ``where``) and the column
    when a cell does not parse, or when a numeric column (``numeric`` or a
    known numeric attribute) holds text.
    """
    cells = np.asarray(cells, dtype=object)
    if numeric is None:
        numeric = name in KNOWN_NUMERIC
    if kind is None:
        kind = infer_kind(cells, name=name)
        if numeric and kind in ("str", "bool"):
            kind = "float"  # so the error below names the bad value
    if kind not in KINDS:
        src, _ = where(0) if where else (None, None)
        raise InputError(f"unknown column kind {kind!r}; expected one of {KINDS}", source=src, field=name)
    if kind == "str":
        if cells.size == 0:
            return empty_column("str")
        return cells.astype(str)
    if kind == "int":
        out = _to_int(cells)
        if out is None:
            i = _first_bad(cells, _is_int)
            _raise(where, i, name, f"expected an integer, got {plain(cells[i])!r}")
        return out
    if kind == "float":
        out = _to_float(cells)
        if out is None:
            i = _first_bad(cells, _is_float)
            _raise(where, i, name, f"expected a number, got {plain(cells[i])!r}")
        return out
    out = _to_bool(cells)
    if out is None:
        i = _first_bad(cells, lambda v: str(v).lower() in ("true", "false"))
        _raise(where, i, name, f"expected true or false, got {plain(cells[i])!r}")
    return out


def _raise(where: Locator | None, row: int, name: str, message: str) -> None:
    src, line = where(row) if where else (None, None)
    if line is None and src is None:
        message = f"row {row}: {message}"
    raise InputError(message, source=src, line=line, field=name)


def format_column(values: np.ndarray) -> list[str]:
    """Text of each value: shortest exact float repr, ``true``/``false``, NaN -> ``""``."""
    k = values.dtype.kind
    if k == "U":
        return values.tolist()
    if k == "b":
        return np.where(values, "true", "false").tolist()
    if k in "iu":
        return list(map(str, values.tolist()))
    if k == "f":
        out = list(map(repr, values.tolist()))
        for i in np.flatnonzero(np.isnan(values)).tolist():
            out[i] = ""
        return out
    raise TypeError(f"unsupported column dtype {values.dtype}")  # pragma: no cover


def python_column(values: list[Any], kind: str | None, *, name: str, source: str | None = None) -> np.ndarray:
    """A column from Python values (None/NaN/"" missing), as networkx/igraph attributes hold them.

    With ``kind`` None the kind is inferred from the Python types: all ints ->
    int, numbers -> float, all bools -> bool, else str.
    """
    if kind is None:
        present = [v for v in values if not _missing(v)]
        if present and all(isinstance(v, (bool, np.bool_)) for v in present):
            kind = "bool" if len(present) == len(values) else "str"
        elif present and all(isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_)) for v in present):
            kind = "int" if len(present) == len(values) else "float"
        elif present and all(
            isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_))
            for v in present
        ):
            kind = "float"
        elif not present and name in KNOWN_NUMERIC:
            kind = "float"
        else:
            kind = "str"
    if not values:
        return empty_column(kind)
    try:
        if kind == "str":
            return np.array(
                [
                    "" if _missing(v) else (("true" if v else "false") if isinstance(v, (bool, np.bool_)) else str(v))
                    for v in values
                ],
                dtype=str,
            )
        if kind == "float":
            return np.array([math.nan if _missing(v) else float(v) for v in values], dtype=np.float64)
        if kind == "int":
            return np.array([int(v) for v in values], dtype=np.int64)
        if kind == "bool":
            return np.array([_as_bool(v) for v in values], dtype=np.bool_)
    except (TypeError, ValueError, OverflowError) as exc:
        raise InputError(f"cannot read values as {kind}: {exc}", source=source, field=name) from None
    raise InputError(f"unknown column kind {kind!r}", source=source, field=name)


def _as_bool(v: Any) -> bool:
    if isinstance(v, str):
        low = v.strip().lower()
        if low in ("true", "1"):
            return True
        if low in ("false", "0"):
            return False
        raise ValueError(f"expected true or false, got {v!r}")
    return bool(v)


def _missing(v: Any) -> bool:
    return v is None or (isinstance(v, (float, np.floating)) and v != v) or (isinstance(v, str) and v == "")
