"""The typer application and what every command shares: error handling and output.

Commands live one per module (``cli/cmd_*.py``) and register on :data:`app`.
Every command is a library call plus formatting; nothing here computes.
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import typer

app = typer.Typer(
    name="graphmodel",
    help="Model a commerce ecosystem as a graph and measure how shopping intent spreads "
    "through payment links compared with social links.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Plain help text: rich markup would read '[params]' as a style tag and ':100:' as an emoji.
    rich_markup_mode=None,
)

_state = {"debug": False}


def _print_version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        typer.echo(f"graphmodel {version('graphmodel')}")
        raise typer.Exit()


@app.callback()
def _root(
    debug: bool = typer.Option(False, "--debug", help="Show the full traceback of an error."),
    version: bool = typer.Option(
        False, "--version", callback=_print_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    _state["debug"] = debug


def debug_enabled() -> bool:
    return bool(_state["debug"])


def echo(text: str = "") -> None:
    """Print a line of results on stdout."""
    typer.echo(text)


def note(text: str) -> None:
    """Print a line of commentary on stderr (kept off stdout so it can be piped)."""
    typer.echo(text, err=True)


def write_json(data: Any, path: Path | str | None) -> None:
    """Write ``data`` as JSON to ``path`` atomically, or to stdout for ``-``/None."""
    from graphmodel.io.atomic import atomic_write_text

    text = json.dumps(data, indent=2, sort_keys=False, allow_nan=False, default=_json_default) + "\n"
    if path is None or str(path) == "-":
        sys.stdout.write(text)
    else:
        atomic_write_text(Path(path), text)


def _json_default(obj: Any) -> Any:
    import numpy as np

    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


def format_table(rows: list[list[Any]], header: list[str]) -> str:
    """A plain aligned text table."""
    cells = [[str(c) for c in header]] + [[_fmt(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    lines = []
    for j, r in enumerate(cells):
        lines.append("  ".join(c.rjust(w) if j and _numeric(c) else c.ljust(w) for c, w in zip(r, widths)).rstrip())
        if j == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return fmt_num(v)
    return str(v)


def fmt_num(x: Any, digits: int = 4) -> str:
    """A number for a table cell, never in scientific notation (as the HTML report shows numbers).

    ``digits`` significant digits below 10,000 (``0.0523``, ``123.5``), whole numbers with thousands
    separators above (``34,908``); tiny values keep ``digits`` significant digits in plain decimals
    (``0.00001234``).

    Examples
    --------
    >>> fmt_num(34908.2), fmt_num(3.14159), fmt_num(0.0000123456), fmt_num(float("nan")), fmt_num(-0.0)
    ('34,908', '3.142', '0.00001235', 'nan', '0')
    """
    import math

    if isinstance(x, bool) or not isinstance(x, (int, float)) and not hasattr(x, "__float__"):
        return str(x)
    x = float(x)
    if math.isnan(x) or math.isinf(x):
        return str(x)
    if x == 0:
        return "0"
    if abs(x) >= 1e4:
        return f"{x:,.0f}"
    text = f"{x:.{digits}g}"
    if "e" in text:  # tiny: as many decimals as the significant digits need
        decimals = digits - 1 - math.floor(math.log10(abs(x)))
        text = f"{x:.{decimals}f}".rstrip("0").rstrip(".")
    return text


def fmt_ci(ci: Any) -> str:
    """A 95% interval ``[lo, hi]`` for a table cell, in :func:`fmt_num`'s notation."""
    return f"[{fmt_num(ci[0])}, {fmt_num(ci[1])}]"


def _numeric(s: str) -> bool:
    try:
        float(s.replace(",", ""))
        return True
    except ValueError:
        return False


class ProgressBar:
    """A one-line progress bar on stderr: done/total, rate and time left.

    Use as the ``progress(done, total)`` callback of a library call, through
    :func:`progress_bar`; silent when stderr is not a terminal.
    """

    def __init__(self, label: str, *, unit: str = "runs", width: int = 28) -> None:
        import time

        self.label, self.unit, self.width = label, unit, width
        self.enabled = sys.stderr.isatty()
        self._t0 = time.perf_counter()
        self._first: int | None = None
        self._drawn = float("-inf")
        self._open = False

    def __call__(self, done: int, total: int) -> None:
        import time

        if not self.enabled:
            return
        if self._first is None:
            self._first, self._t0 = done, time.perf_counter()
        now = time.perf_counter()
        if done < total and now - self._drawn < 0.1:  # at most ten redraws a second
            return
        self._drawn = now
        elapsed = now - self._t0
        new = done - self._first
        rate = new / elapsed if elapsed > 0 and new > 0 else 0.0
        left = (total - done) / rate if rate > 0 else float("nan")
        filled = int(self.width * done / total) if total else self.width
        eta = f"{left:5.0f}s left" if left == left else "   ..."
        sys.stderr.write(
            f"\r{self.label} [{'#' * filled}{'.' * (self.width - filled)}] {done}/{total} {self.unit}"
            f"  {rate:6.2f}/s  {eta}"
        )
        self._open = done < total
        if not self._open:
            sys.stderr.write("\n")
        sys.stderr.flush()

    def close(self) -> None:
        """End an unfinished bar's line (so an error message starts on its own line)."""
        if self._open:
            sys.stderr.write("\n")
            sys.stderr.flush()
            self._open = False


@contextlib.contextmanager
def progress_bar(label: str, *, enabled: bool = True, unit: str = "runs") -> Iterator[ProgressBar | None]:
    """A :class:`ProgressBar` for a long call, or ``None`` (no progress reporting) when not ``enabled``."""
    bar = ProgressBar(label, unit=unit) if enabled else None
    try:
        yield bar
    finally:
        if bar is not None:
            bar.close()


def check_output(path: Path | str | None, *, what: str = "output", ecosystem: bool = False) -> None:
    """Refuse, before any work, an output path that cannot be written (missing or read-only folder, a directory).

    ``ecosystem=True``: an ecosystem file, which may be a directory (CSV or Parquet tables) but must have a
    format :func:`graphmodel.io.format_of` knows.
    """
    import os

    from graphmodel.errors import InputError

    if path is None or str(path) == "-":
        return
    p = Path(path).expanduser()
    parent = p.resolve().parent
    if ecosystem:
        from graphmodel.io import format_of

        if format_of(p) in ("csv", "parquet") and p.is_dir():
            p = p / "users.csv"  # written inside: the directory itself must be writable
            parent = p.parent
        elif p.exists() and not p.is_file():
            raise InputError(f"cannot write the {what}: it exists and is not a file", source=str(path))
    if p.is_dir():
        raise InputError(f"cannot write the {what}: it is a directory", source=str(path))
    if not parent.is_dir():
        raise InputError(f"cannot write the {what}: folder {parent} does not exist", source=str(path))
    if not os.access(parent, os.W_OK):
        raise InputError(f"cannot write the {what}: folder {parent} is not writable", source=str(path))


def check_outputs(*paths: tuple[Path | str | None, str]) -> None:
    """:func:`check_output` for each ``(path, what)`` pair (``what`` names it in the message; ``"ecosystem"``
    and ``"export"`` may be directories of tables)."""
    for path, what in paths:
        check_output(path, what=what, ecosystem=what in ("ecosystem", "export"))


def not_empty(param: typer.CallbackParam, value: Any) -> Any:
    """Option callback: refuse an empty value (``--layers ''``, ``--seeds ','``) instead of reading it as 'none'."""
    from graphmodel.errors import InputError

    items = value if isinstance(value, (list, tuple)) else [value]
    for item in items:
        if item is not None and not str(item).replace(",", "").strip():
            flag = param.opts[0] if param.opts else param.name
            raise InputError("empty value: give one or leave the option out", field=flag)
    return value


def positive_number(param: typer.CallbackParam, value: Any) -> Any:
    """Option callback: a finite number > 0 (NaN and infinity refused), or the option left out."""
    import math

    from graphmodel.errors import InputError

    if value is not None and not (math.isfinite(value) and value > 0):
        flag = param.opts[0] if param.opts else param.name
        raise InputError(f"expected a finite number > 0, got {value}", field=flag)
    return value


def workers_option(value: int | None) -> int | None:
    """Option callback for ``--workers``, one rule in every command: N >= 1; leave it out for all cores."""
    from graphmodel.errors import InputError

    if value is not None and value < 1:
        raise InputError(
            f"expected a number of workers >= 1 (leave --workers out for all cores), got {value}", field="--workers"
        )
    return value


def prob_option(values: list[str] | None) -> Any:
    """The ``--prob`` values of simulate, seeds and compare, read one way.

    One value without ``=`` (``--prob 0.05``, ``--prob wc``) applies to every layer; otherwise
    ``layer=value`` items (repeatable, or comma-separated). Returns None when no ``--prob`` was given.
    """
    if not values:
        return None
    if len(values) == 1 and "=" not in values[0]:
        return values[0]
    return list(values)


def require_module(module: str, *, option: str, extra: str) -> None:
    """Refuse, before any work, an option whose optional dependency is missing."""
    import importlib.util

    from graphmodel.errors import InputError

    if importlib.util.find_spec(module) is None:
        raise InputError(f"needs {module}, which is not installed: pip install 'graphmodel[{extra}]'", field=option)


def save_json(data: Any, path: Path | str | None) -> bool:
    """Write ``data`` as JSON to a file (and say so on stderr) or to stdout for ``-``.

    Returns True when the JSON went to stdout (so the command prints nothing else there).
    """
    if path is None:
        return False
    write_json(data, path)
    if str(path) == "-":
        return True
    note(f"wrote {path}")
    return False
