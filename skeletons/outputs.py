"""Outputs we may replace, and one writer per output at a time.

Contract:

* Every output folder a tool of ours writes carries a marker file, :data:`MARKER` (tool, version, when),
  written with :func:`mark_output` into the temporary folder before it is renamed into place.
* :func:`check_output` refuses (``InputError`` -> exit 2, one line) an output path that holds something that is
  not ours: an existing file where a folder is to be written, a non-empty folder without our marker, or the
  output of another tool of ours. ``overwrite=True`` (the CLIs' ``--overwrite``) lets the user replace it.
  Nothing the tool did not write is ever deleted without that explicit flag.
* :func:`output_lock` holds a lock per output: ``.<name>.lock`` beside it, created atomically (``O_EXCL``) and
  holding the owner's pid, host and tool. A second writer is refused in one line naming the owner; a lock left
  by a dead process on this host is taken over with a message on stderr; the lock is released on exit.
* :func:`remove_stale_temporaries` (called while holding the lock) removes the temporary siblings
  ``.<name>.tmp-*`` and ``.<name>.old-*`` that :mod:`skeletons.atomic` leaves when a run is killed; no live run
  can own them, since the lock is ours.
"""
from __future__ import annotations

import errno
import fcntl
import json
import os
import shutil
import socket
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ._version import __version__
from .errors import InputError

MARKER = ".motion-pretrain.json"


def mark_output(folder: str | os.PathLike, tool: str) -> None:
    """Write the marker into ``folder`` (normally the temporary folder about to be renamed into place)."""
    stamp = {"tool": tool, "version": __version__, "created": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    (Path(folder) / MARKER).write_text(json.dumps(stamp) + "\n", encoding="utf-8")


def output_tool(folder: str | os.PathLike) -> str | None:
    """The tool named by ``folder``'s marker, or None when it has no readable marker."""
    try:
        return str(json.loads((Path(folder) / MARKER).read_text(encoding="utf-8"))["tool"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def check_output(path: str | os.PathLike, tool: str, overwrite: bool = False,
                 recognise: tuple[str, ...] = ()) -> Path:
    """Refuse ``path`` as the output folder of ``tool`` unless it is absent, empty, or ``tool``'s own output.

    ``recognise`` names files whose presence also identifies ``tool``'s output written before markers existed
    (e.g. ``corpus.json``). With ``overwrite=True`` anything but a special location is accepted.
    """
    path = Path(path)
    resolved = path.resolve()
    if resolved == Path(resolved.anchor) or resolved == Path.cwd().resolve() or resolved == Path.home():
        raise InputError(path, "cannot be an output folder (it is the root, home or current folder)")
    if not path.exists() and not path.is_symlink():
        return path
    if overwrite:
        return path
    hint = "; choose another --output or pass --overwrite to replace it"
    if not path.is_dir():
        raise InputError(path, f"exists and is not a folder{hint}")
    found = output_tool(path)
    if found == tool:
        return path
    if found is not None:
        raise InputError(path, f"holds the output of {found}, not of {tool}{hint}")
    try:
        contents = [entry.name for entry in path.iterdir()]
    except OSError as error:
        raise InputError(path, f"cannot be read ({error.strerror})") from None
    if not contents or (recognise and all((path / name).exists() for name in recognise)):
        return path
    raise InputError(path, f"is a non-empty folder that was not written by {tool}{hint}")


def lock_path(output: str | os.PathLike) -> Path:
    output = Path(output)
    return output.with_name(f".{output.name}.lock")


def _read_owner(lock: Path) -> dict | None:
    try:
        owner = json.loads(lock.read_text(encoding="utf-8"))
        return owner if isinstance(owner, dict) else {}
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return {}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _is_stale(owner: dict) -> bool:
    """A lock whose owner is known to be gone: same host, process no longer running."""
    pid = owner.get("pid")
    return owner.get("host") == socket.gethostname() and isinstance(pid, int) and not _alive(pid)


def _try_create(lock: Path, stamp: str) -> bool:
    try:
        handle = os.open(lock, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        return False
    with os.fdopen(handle, "w", encoding="utf-8") as file:
        file.write(stamp)
    return True


@contextmanager
def _directory_guard(folder: Path) -> Iterator[None]:
    """Serialise stale-lock take-overs in ``folder`` (a kernel lock, released when its holder dies)."""
    handle = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        os.close(handle)


def acquire_lock(output: str | os.PathLike, tool: str) -> Path:
    """Take the lock of ``output`` for this process or raise ``InputError`` naming the owner."""
    output = Path(output)
    lock = lock_path(output)
    try:
        lock.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise InputError(output, f"cannot create its parent folder ({error.strerror})") from None
    stamp = json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "tool": tool,
                        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z")}) + "\n"
    try:
        for _ in range(3):
            if _try_create(lock, stamp):
                return lock
            with _directory_guard(lock.parent):
                owner = _read_owner(lock)
                if owner is None:
                    continue  # released meanwhile: try again
                if not _is_stale(owner):
                    who = (f"pid {owner.get('pid')} on {owner.get('host')} ({owner.get('tool')})" if owner
                           else "an unreadable lock")
                    raise InputError(output, f"is being written by {who}; wait for it to finish, or remove "
                                             f"{lock} if that run is gone")
                print(f"note: {output}: taking over the lock of pid {owner['pid']} on {owner['host']}, "
                      "which is no longer running", file=sys.stderr)
                lock.unlink(missing_ok=True)
                if _try_create(lock, stamp):
                    return lock
    except OSError as error:
        if error.errno in (errno.EACCES, errno.EROFS, errno.EPERM, errno.ENOENT, errno.ENOTDIR):
            raise InputError(output, f"cannot be locked for writing ({error.strerror})") from None
        raise
    raise InputError(output, f"could not take the lock {lock}")


def release_lock(lock: Path) -> None:
    """Remove ``lock`` if it is still this process's."""
    owner = _read_owner(lock)
    if owner and owner.get("pid") == os.getpid() and owner.get("host") == socket.gethostname():
        lock.unlink(missing_ok=True)


@contextmanager
def output_lock(output: str | os.PathLike, tool: str) -> Iterator[Path]:
    """Hold the lock of ``output`` for the ``with`` block (see the module docstring)."""
    lock = acquire_lock(output, tool)
    try:
        yield lock
    finally:
        release_lock(lock)


def remove_stale_temporaries(output: str | os.PathLike) -> list[Path]:
    """Remove the temporary siblings of ``output`` left by killed runs; call only while holding its lock."""
    output = Path(output)
    removed = []
    if not output.parent.is_dir():
        return removed
    for pattern in (f".{output.name}.tmp-*", f".{output.name}.old-*"):
        for stale in output.parent.glob(pattern):
            if stale.is_dir() and not stale.is_symlink():
                shutil.rmtree(stale, ignore_errors=True)
            else:
                stale.unlink(missing_ok=True)
            removed.append(stale)
    return removed


@contextmanager
def claim_output(output: str | os.PathLike, tool: str, overwrite: bool = False,
                 recognise: tuple[str, ...] = ()) -> Iterator[Path]:
    """Lock ``output``, check it may be written (:func:`check_output`) and clear stale temporaries."""
    output = Path(output)
    check_output(output, tool, overwrite, recognise)  # refuse early, before creating any lock file
    with output_lock(output, tool):
        check_output(output, tool, overwrite, recognise)  # again, now that no one else writes it
        remove_stale_temporaries(output)
        yield output
