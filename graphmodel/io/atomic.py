"""Atomic output: write to a temporary sibling, then rename over the target.

A failed or interrupted run never leaves a partial file (or directory) behind:
temporaries are named ``.<target>.<pid>.<random>.tmp`` and removed on any
exception (the command line turns SIGTERM into one); a temporary whose process
no longer runs (a killed run) is collected by the next write of the same
target. Files and their directory are fsynced before and after the rename, so
a crash leaves either the old or the new content.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

__all__ = ["atomic_path", "atomic_open", "atomic_write_text", "atomic_dir", "foreign_entries"]


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _prefix(target: Path) -> str:
    return f".{target.name}.{os.getpid()}."


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def _collect_stale(target: Path) -> None:
    """Remove temporaries of ``target`` left by runs that no longer exist (killed with SIGKILL, power loss)."""
    head = f".{target.name}."
    with contextlib.suppress(OSError):
        for entry in target.parent.iterdir():
            name = entry.name
            if not name.startswith(head) or not (".tmp" in name or name.endswith(".old")):
                continue
            pid = name[len(head) :].split(".", 1)[0]
            if pid.isdigit() and not _alive(int(pid)):
                if entry.is_dir():
                    shutil.rmtree(entry, ignore_errors=True)
                else:
                    with contextlib.suppress(OSError):
                        entry.unlink()


def _fsync(path: Path) -> None:
    """Flush a file or a directory to disk (directories: where the OS allows opening them)."""
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _about_target(exc: OSError, tmp: Path, target: Path) -> OSError:
    """``exc`` naming ``target`` where it names the hidden temporary (``.x.npz.123.abc.tmp`` -> ``x.npz``).

    The user asked for ``target``; the temporary's name would only puzzle them (and it is gone).
    """
    tmp_s, head = str(tmp), _prefix(target)

    def rename(name: Any) -> Any:
        if not isinstance(name, str):
            return name
        if name == tmp_s or name.startswith(tmp_s + os.sep):
            return str(target) + name[len(tmp_s) :]
        if Path(name).name.startswith(head):
            return str(target)
        return name

    new1, new2 = rename(exc.filename), rename(exc.filename2)
    if exc.errno is None or (new1 == exc.filename and new2 == exc.filename2):
        return exc
    try:
        out = type(exc)(exc.errno, exc.strerror, new1, None, new2)
    except TypeError:  # an OSError subclass with its own constructor
        return exc
    out.__cause__ = exc
    return out


def foreign_entries(target: str | os.PathLike[str], owned: set[str]) -> list[str]:
    """Names in directory ``target`` that a writer owning ``owned`` did not write (a user's notes, figures)."""
    target = Path(target)
    if not target.is_dir():
        return []
    return sorted(e.name for e in target.iterdir() if e.name not in owned)


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike[str], *, suffix: str = "") -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success it is renamed to ``target``.

    ``suffix`` is appended to the temporary name (some writers insist on an
    extension, e.g. ``np.savez`` adds ``.npz`` when it is missing).
    """
    target = Path(target)
    tmp_path = target.parent / (_prefix(target) + "tmp")  # what a failing mkstemp would be named
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        _collect_stale(target)
        fd, tmp = tempfile.mkstemp(prefix=_prefix(target), suffix=".tmp" + suffix, dir=target.parent)
        os.close(fd)
    except OSError as exc:
        raise _about_target(exc, tmp_path, target) from None
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        # mkstemp makes the file private (0600); give it the mode a plain open() would have.
        os.chmod(tmp_path, 0o666 & ~_umask())
        _fsync(tmp_path)
        os.replace(tmp_path, target)
        _fsync(target.parent)
    except BaseException as exc:
        with contextlib.suppress(FileNotFoundError):
            tmp_path.unlink()
        if isinstance(exc, OSError):
            renamed = _about_target(exc, tmp_path, target)
            if renamed is not exc:
                raise renamed from exc
        raise


@contextlib.contextmanager
def atomic_open(target: str | os.PathLike[str], mode: str = "w", **kwargs) -> Iterator[IO]:
    """Open a temporary file for writing; it replaces ``target`` only when the block succeeds."""
    with atomic_path(target) as tmp:
        with open(tmp, mode, **kwargs) as fh:
            yield fh


def atomic_write_text(target: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` (UTF-8) to ``target`` atomically."""
    with atomic_open(target, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(text)


@contextlib.contextmanager
def atomic_dir(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary directory beside ``target``; on success it replaces ``target``.

    An existing ``target`` directory is replaced only after the new one is
    complete (moved aside, then removed), so a failure keeps the old content.
    """
    target = Path(target)
    if target.exists() and not target.is_dir():
        raise FileExistsError(f"{target}: exists and is not a directory")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        _collect_stale(target)
        tmp = Path(tempfile.mkdtemp(prefix=_prefix(target), suffix=".tmp", dir=target.parent))
    except OSError as exc:
        raise _about_target(exc, target.parent / (_prefix(target) + "tmp"), target) from None
    try:
        yield tmp
        os.chmod(tmp, 0o777 & ~_umask())  # mkdtemp makes it private (0700)
        for entry in tmp.iterdir():
            _fsync(entry)
        _fsync(tmp)
        if target.exists():
            old = Path(tempfile.mkdtemp(prefix=_prefix(target), suffix=".old", dir=target.parent))
            os.replace(target, old / "x")
            os.replace(tmp, target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, target)
        _fsync(target.parent)
    except BaseException as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        if isinstance(exc, OSError):
            renamed = _about_target(exc, tmp, target)
            if renamed is not exc:
                raise renamed from exc
        raise
