"""Entry point of the ``graphmodel`` console script.

Library errors (:class:`graphmodel.InputError` and friends) become one line on
stderr and exit code 2; ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import importlib
import sys

from graphmodel.cli.app import app, debug_enabled

# One module per command; importing a module registers its command(s) on ``app``.
_COMMAND_MODULES = [
    "cmd_seeds",
    "cmd_stats",
    "cmd_simulate",
    "cmd_datasets",
    "cmd_info",
    "cmd_convert",
    "cmd_sweep",
    "cmd_signal",
    "cmd_generate",
    "cmd_compare",
]

for _name in _COMMAND_MODULES:
    importlib.import_module(f"graphmodel.cli.{_name}")


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    from graphmodel.errors import GraphModelError

    try:
        rv = app(args=argv, prog_name="graphmodel", standalone_mode=False)
    except GraphModelError as exc:
        if debug_enabled():
            raise
        print(f"graphmodel: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        if debug_enabled():
            raise
        print(f"graphmodel: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("graphmodel: interrupted", file=sys.stderr)
        return 130
    except SystemExit as exc:  # typer/click exits (--help, usage errors)
        return int(exc.code or 0) if not isinstance(exc.code, str) else 2
    except Exception as exc:  # click usage errors and friends
        import click

        if isinstance(exc, click.exceptions.ClickException):
            exc.show()
            return exc.exit_code
        if isinstance(exc, click.exceptions.Abort):
            print("graphmodel: aborted", file=sys.stderr)
            return 1
        raise
    return rv if isinstance(rv, int) else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
