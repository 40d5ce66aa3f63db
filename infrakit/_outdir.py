"""The assembly directory on disk: one writer at a time, leftovers of killed runs, and files
that are not infrakit's.

- **One writer at a time.** ``synth`` holds an exclusive lock (``fcntl.flock``) on the file
  ``.<out>.lock`` beside the assembly directory ``<out>`` (there only while a run holds it)
  from reading the previous manifest until the new directory is in place. A second ``synth`` into the same directory *waits* for
  the first one (up to :data:`LOCK_TIMEOUT` seconds, then fails naming the process holding it),
  so the manifest always matches the template files next to it: two runs never mix their
  files. The lock is released by the system when its process dies, so a killed run never
  blocks a later one. (Where ``fcntl`` does not exist, on Windows, runs are not serialized.)
- **Leftovers of killed runs.** A run killed while writing leaves a hidden staging directory
  ``.<out>.tmp-XXXXXXXX`` (or, between the two renames of the fallback swap,
  ``.<out>.old-XXXXXXXX``) beside the assembly. Under the lock no other run can own one, so
  the next run removes them (and puts back an old assembly that a crash left only there).
- **Files that are not infrakit's.** A file a user placed in the assembly directory (one the
  previous manifest does not name) is carried over into the new assembly, never deleted;
  a new template with the same name as such a file is refused.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

from infrakit.errors import AssemblyError

__all__ = [
    "LOCK_TIMEOUT",
    "carry_foreign",
    "clean_leftovers",
    "describe_os_error",
    "foreign_entries",
    "link_or_copy",
    "locked",
    "prepare_parent",
]

#: How long a ``synth`` waits for another one writing the same assembly, in seconds.
LOCK_TIMEOUT = 600.0


def prepare_parent(out: Path, given: object) -> None:
    """Create the directory that holds the assembly; an :class:`AssemblyError` saying why not."""
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise AssemblyError(
            f"{given}: cannot create the assembly directory: a part of the path {out.parent} is a file, "
            "not a directory; choose another output directory"
        ) from None
    except OSError as exc:
        raise AssemblyError(
            f"{given}: cannot create the assembly directory {out.parent}: {describe_os_error(exc)}"
        ) from None


def describe_os_error(exc: OSError) -> str:
    """A short reason for an :class:`OSError` in an assembly message."""
    if exc.errno == errno.ELOOP:
        return "the path has a symbolic link loop"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return "permission denied (a read-only or protected directory)"
    if exc.errno == errno.ENOSPC:
        return "no space left on the device"
    return exc.strerror or str(exc)


@contextlib.contextmanager
def locked(out: Path, timeout: float | None = None) -> Iterator[None]:
    """Hold the exclusive lock of the assembly ``out`` (see the module's docstring).

    The lock file exists only while a run holds it (it is removed on release, so it never
    lingers beside the assembly); a run that locked a file another run has just removed
    notices (its path names another file, or none) and locks the new one.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: no advisory locks here
        yield
        return
    path = out.parent / f".{out.name}.lock"
    limit = LOCK_TIMEOUT if timeout is None else timeout
    deadline = time.monotonic() + limit
    delay = 0.01
    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o666)
        except OSError as exc:
            raise AssemblyError(f"{out}: cannot create the lock file {path}: {describe_os_error(exc)}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(fd)
            os.close(fd)
            if time.monotonic() >= deadline:
                raise AssemblyError(
                    f"{out}: another infrakit synth{holder} has been writing this assembly for over "
                    f"{limit:g} seconds; wait for it to finish, or stop it"
                ) from None
            time.sleep(delay)
            delay = min(delay * 2, 0.2)
            continue
        try:
            current = os.stat(path)
        except FileNotFoundError:
            current = None
        mine = os.fstat(fd)
        if current is None or (current.st_dev, current.st_ino) != (mine.st_dev, mine.st_ino):
            os.close(fd)  # released and removed by its holder meanwhile: lock the new one
            continue
        break
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)  # who holds it, for a waiting run's message
        yield
    finally:
        with contextlib.suppress(OSError):
            os.unlink(path)
        os.close(fd)  # releases the lock


def _holder(fd: int) -> str:
    try:
        pid = os.pread(fd, 32, 0).decode().strip()
    except (OSError, UnicodeDecodeError):
        return ""
    return f" (process {pid})" if pid.isdigit() else ""


def _leftover_pattern(out: Path) -> re.Pattern[str]:
    # The names tempfile.mkdtemp gives the staging and retired directories of this assembly.
    return re.compile(rf"^\.{re.escape(out.name)}\.(tmp|old)-[a-z0-9_]{{8}}$")


def clean_leftovers(out: Path) -> None:
    """Remove the staging and retired directories that killed runs left beside ``out``
    (call with the lock held). An old assembly that a crash left only in a retired
    directory (the new one never arrived) is put back first."""
    pattern = _leftover_pattern(out)
    try:
        names = sorted(os.listdir(out.parent))
    except OSError:
        return
    for name in names:
        match = pattern.match(name)
        if match is None:
            continue
        path = out.parent / name
        if match.group(1) == "old" and not os.path.lexists(out) and (path / out.name).is_dir():
            with contextlib.suppress(OSError):
                os.rename(path / out.name, out)
        shutil.rmtree(path, ignore_errors=True)


def foreign_entries(out: Path, known: set[str]) -> list[str]:
    """Names of the entries of the assembly directory ``out`` that are not infrakit's: neither
    the manifest nor a file the manifest names (``known``)."""
    try:
        names = os.listdir(out)
    except (FileNotFoundError, NotADirectoryError):
        return []
    return sorted(name for name in names if name not in known)


def carry_foreign(out: Path, staging: Path, names: list[str], written: set[str]) -> None:
    """Carry a user's own files and directories from the old assembly into the new one
    (hard links where possible), refusing one whose name the new assembly uses."""
    clash = sorted(set(names) & written)
    if clash:
        raise AssemblyError(
            f"{out}: {', '.join(repr(n) for n in clash)} in the assembly directory is not infrakit's (the previous "
            "manifest does not name it), and the new assembly writes a file of that name; move it out of the "
            "assembly directory"
        )
    for name in names:
        source, target = out / name, staging / name
        if source.is_symlink():
            os.symlink(os.readlink(source), target)
        elif source.is_dir():
            shutil.copytree(source, target, symlinks=True, copy_function=link_or_copy)
        else:
            link_or_copy(source, target)


def link_or_copy(source: str | os.PathLike[str], target: str | os.PathLike[str]) -> None:
    """Put ``source``'s file at ``target``: a hard link where possible, else a copy."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)
