"""Write files and folders atomically: to a temporary sibling first, renamed into place on success.

Every stage writes its outputs through :func:`atomic_path`, so an interrupted or failed run never leaves
a half-written file where a finished one is expected.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextmanager
def atomic_path(target: str | os.PathLike, directory: bool = False) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success it replaces ``target``, on error it is removed.

    ``directory=True`` yields an (empty, existing) temporary folder instead of a file path; an existing
    ``target`` is replaced whole (callers decide first whether it may be: :mod:`skeletons.outputs`). The
    result has the usual mode (umask applied), not the 0600/0700 of a temporary.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    prefix = f".{target.name}.tmp-"
    if directory:
        temporary = Path(tempfile.mkdtemp(prefix=prefix, dir=target.parent))
    else:
        handle, name = tempfile.mkstemp(prefix=prefix, suffix=target.suffix, dir=target.parent)
        os.close(handle)
        temporary = Path(name)
    try:
        yield temporary
        # mkstemp/mkdtemp make 0600/0700, and some writers recreate the file: set the usual mode last
        os.chmod(temporary, (0o777 if directory else 0o666) & ~_umask())
        if directory and (target.exists() or target.is_symlink()):
            old = target.with_name(f".{target.name}.old-{os.getpid()}")
            target.rename(old)
            temporary.rename(target)
            if old.is_dir() and not old.is_symlink():
                shutil.rmtree(old, ignore_errors=True)
            else:
                old.unlink(missing_ok=True)
        else:
            os.replace(temporary, target)
    except BaseException:
        if temporary.is_dir():
            shutil.rmtree(temporary, ignore_errors=True)
        else:
            temporary.unlink(missing_ok=True)
        raise


def write_text_atomic(target: str | os.PathLike, text: str) -> None:
    """Write ``text`` to ``target`` atomically (UTF-8)."""
    with atomic_path(target) as temporary:
        temporary.write_text(text, encoding="utf-8")
