"""Entry point of the ``graphmodel`` console script.

Library errors (:class:`graphmodel.InputError` and friends) become one line on
stderr and exit code 2; ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import contextlib
import importlib
import sys

from graphmodel.cli.app import app, debug_enabled

# One module per command; importing a module registers its command(s) on ``app``, and
# ``--help`` lists them in this order: the headline first, then the experiments, then data handling.
_COMMAND_MODULES = [
    "cmd_compare",
    "cmd_simulate",
    "cmd_seeds",
    "cmd_compete",
    "cmd_signal",
    "cmd_fit",
    "cmd_stats",
    "cmd_generate",
    "cmd_datasets",
    "cmd_import",
    "cmd_info",
    "cmd_convert",
    "cmd_sweep",
]

for _name in _COMMAND_MODULES:
    importlib.import_module(f"graphmodel.cli.{_name}")


_COMMAND: list = []


def _command():
    """The click command typer builds from :data:`app`, built once per process (about 40 ms each time)."""
    if not _COMMAND:
        import typer.main

        _COMMAND.append(typer.main.get_command(app))
    return _COMMAND[0]


def _click_errors() -> tuple[tuple[type, ...], tuple[type, ...]]:
    """(usage-error classes, abort classes) of click and of the copy typer vendors (typer >= 0.2x)."""
    mods = []
    try:
        from typer import _click as vendored

        mods.append(vendored)
    except ImportError:  # pragma: no cover - older typer uses click itself
        pass
    try:
        import click  # what older typer uses, and what plugins may raise

        mods.append(click)
    except ImportError:  # typer 0.2x does not install click
        pass
    usage = tuple(m.exceptions.ClickException for m in mods)
    abort = tuple(a for m in mods if (a := getattr(m.exceptions, "Abort", None)) is not None)
    return usage, abort


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    from graphmodel.errors import GraphModelError

    usage_errors, aborts = _click_errors()
    argv = list(sys.argv[1:] if argv is None else argv)
    restore = _terminate_as_exit()
    if "--debug" in argv[1:]:  # accepted after the command too: `graphmodel info x --debug`
        argv = ["--debug"] + [a for a in argv if a != "--debug"]
    try:
        with _plain_warnings():
            rv = _command().main(args=argv, prog_name="graphmodel", standalone_mode=False)
    except (GraphModelError, OSError) as exc:
        if debug_enabled():
            raise
        print(f"graphmodel: error: {_message(exc)}", file=sys.stderr)
        return 2
    except usage_errors as exc:
        if type(exc).__name__ == "NoArgsIsHelpError":  # a bare `graphmodel` or group: the help is the answer
            exc.show()
        else:
            print(f"graphmodel: error: {_usage_message(exc)}", file=sys.stderr)
        return exc.exit_code
    except aborts:
        print("graphmodel: aborted", file=sys.stderr)
        return 130
    except KeyboardInterrupt:
        print("graphmodel: interrupted", file=sys.stderr)
        return 130
    except SystemExit as exc:
        if exc.code == _SIGTERM_EXIT:
            print("graphmodel: terminated", file=sys.stderr)
        return int(exc.code or 0) if not isinstance(exc.code, str) else 2
    finally:
        restore()
    return rv if isinstance(rv, int) else 0


def _message(exc: BaseException) -> str:
    """One line for a library or I/O error; an OSError names its file first (``PATH: No space left on device``)."""
    if isinstance(exc, OSError) and exc.strerror:
        where = exc.filename if exc.filename is not None else ""
        text = f"{where}: {exc.strerror}" if where != "" else exc.strerror
        if exc.filename2 is not None:
            text += f" (-> {exc.filename2})"
        return text
    return " ".join(str(exc).split())


def _usage_message(exc: BaseException) -> str:
    """A usage error as one line, ending with where to read the command's help."""
    text = " ".join(exc.format_message().split())
    ctx = getattr(exc, "ctx", None)
    path = getattr(ctx, "command_path", None) or "graphmodel"
    return f"{text} (see '{path} --help')"


@contextlib.contextmanager
def _plain_warnings():
    """Print a :class:`GraphModelWarning` as one plain line, ``warning: MESSAGE``, without Python's source line.

    Other warnings keep Python's format. The previous ``warnings.showwarning`` is restored on exit.
    """
    import warnings

    from graphmodel.errors import GraphModelWarning

    previous = warnings.showwarning

    def show(message, category, filename, lineno, file=None, line=None):
        if isinstance(category, type) and issubclass(category, GraphModelWarning):
            text = " ".join(str(message).split())
            print(f"warning: {text}", file=file if file is not None else sys.stderr)
        else:
            previous(message, category, filename, lineno, file, line)

    warnings.showwarning = show
    try:
        yield
    finally:
        warnings.showwarning = previous


#: Exit code after SIGTERM (128 + 15, as shells report it).
_SIGTERM_EXIT = 143


def _terminate_as_exit():
    """Make SIGTERM raise SystemExit, so that every ``finally``/``except BaseException`` runs (temporaries of
    atomic writes are removed, as on Ctrl-C). Returns a function restoring the previous handler."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return lambda: None

    def handler(signum, frame):  # noqa: ARG001
        raise SystemExit(_SIGTERM_EXIT)

    previous = signal.signal(signal.SIGTERM, handler)
    return lambda: signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
