"""Project exceptions and warnings.

Every error about user input is an :class:`InputError` that names where the
problem is (file, line, field) and what was expected, so the command line can
print it as one line.
"""

from __future__ import annotations

__all__ = ["GraphModelError", "InputError", "GraphModelWarning"]


class GraphModelError(Exception):
    """Base class of every exception raised by graphmodel."""


class InputError(GraphModelError, ValueError):
    """Bad input: a file, a table, a column or a parameter is not as expected.

    Parameters
    ----------
    message
        What is wrong and what was expected.
    source
        The file (or table) the problem is in, if any.
    line
        1-based line number in ``source``, if known.
    field
        The column, attribute or parameter name, if any.
    """

    def __init__(
        self,
        message: str,
        *,
        source: str | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        self.message = message
        self.source = None if source is None else str(source)
        self.line = line
        self.field = field
        super().__init__(self._format())

    def _format(self) -> str:
        where = ""
        if self.source is not None:
            where = self.source
            if self.line is not None:
                where += f":{self.line}"
        parts = []
        if where:
            parts.append(where)
        if self.field is not None:
            parts.append(f"'{self.field}'")
        prefix = ": ".join(parts)
        return f"{prefix}: {self.message}" if prefix else self.message


class GraphModelWarning(UserWarning):
    """Something in the input was repaired (for example a dropped self-loop)."""
