"""Atomic writes: the finished file appears whole with the usual mode, a failed write leaves nothing."""
from __future__ import annotations

import os

import pytest

from skeletons.atomic import atomic_path, write_text_atomic


def _usual_mode() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def test_finished_file_has_the_usual_mode_even_when_the_writer_recreates_it(tmp_path):
    target = tmp_path / "model.bin"
    with atomic_path(target) as temporary:
        temporary.unlink()  # as writers that create their own file do
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT, 0o600)
        os.write(fd, b"weights")
        os.close(fd)
    assert target.read_bytes() == b"weights"
    assert os.stat(target).st_mode & 0o777 == _usual_mode()
    assert [p.name for p in tmp_path.iterdir()] == ["model.bin"]


def test_failed_write_leaves_neither_target_nor_temporary(tmp_path):
    with pytest.raises(RuntimeError):
        with atomic_path(tmp_path / "out.json") as temporary:
            temporary.write_text("{half")
            raise RuntimeError("interrupted")
    assert list(tmp_path.iterdir()) == []
    write_text_atomic(tmp_path / "out.json", "{}")
    assert (tmp_path / "out.json").read_text() == "{}"
