"""Outputs: what is not ours is refused, one writer per output, stale locks and temporaries are cleared."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys

import pytest

from skeletons.atomic import atomic_path
from skeletons.errors import InputError
from skeletons.outputs import (
    MARKER,
    acquire_lock,
    check_output,
    claim_output,
    lock_path,
    mark_output,
    output_lock,
    output_tool,
    release_lock,
)


def test_absent_empty_and_own_outputs_are_accepted(tmp_path):
    assert check_output(tmp_path / "new", "simulate") == tmp_path / "new"
    (tmp_path / "empty").mkdir()
    check_output(tmp_path / "empty", "simulate")
    (tmp_path / "ours").mkdir()
    mark_output(tmp_path / "ours", "simulate")
    (tmp_path / "ours" / "data.arrow").write_bytes(b"x")
    check_output(tmp_path / "ours", "simulate")
    assert output_tool(tmp_path / "ours") == "simulate"


@pytest.mark.parametrize("make", ["file", "foreign_folder", "other_tool"])
def test_what_is_not_ours_is_refused_unless_overwrite(tmp_path, make):
    target = tmp_path / "out"
    if make == "file":
        target.write_text("thesis")
    else:
        target.mkdir()
        (target / "thesis.tex").write_text("years of work")
        if make == "other_tool":
            mark_output(target, "pretrain")
    with pytest.raises(InputError, match="--overwrite") as caught:
        check_output(target, "simulate")
    assert "\n" not in str(caught.value)
    check_output(target, "simulate", overwrite=True)


def test_root_home_and_current_folder_are_never_outputs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for where in (".", "/", os.path.expanduser("~")):
        with pytest.raises(InputError, match="cannot be an output"):
            check_output(where, "simulate", overwrite=True)


def test_legacy_output_recognised_by_its_files(tmp_path):
    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "corpus.json").write_text("{}")
    check_output(tmp_path / "corpus", "simulate", recognise=("corpus.json",))
    with pytest.raises(InputError):
        check_output(tmp_path / "corpus", "simulate")


def test_second_writer_is_refused_and_lock_released_on_exit(tmp_path):
    out = tmp_path / "corpus"
    with output_lock(out, "simulate") as lock:
        owner = json.loads(lock.read_text())
        assert owner["pid"] == os.getpid() and owner["host"] == socket.gethostname()
        with pytest.raises(InputError, match="is being written by"):
            acquire_lock(out, "simulate")
    assert not lock_path(out).exists()


def test_lock_of_another_live_process_is_refused(tmp_path):
    out = tmp_path / "corpus"
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        lock_path(out).write_text(json.dumps({"pid": sleeper.pid, "host": socket.gethostname(), "tool": "x"}))
        with pytest.raises(InputError, match=f"pid {sleeper.pid}"):
            acquire_lock(out, "simulate")
        assert json.loads(lock_path(out).read_text())["pid"] == sleeper.pid  # untouched
    finally:
        sleeper.kill()
        sleeper.wait()


def test_stale_lock_of_a_dead_process_is_taken_over_with_a_message(tmp_path, capsys):
    out = tmp_path / "corpus"
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    lock_path(out).write_text(json.dumps({"pid": dead.pid, "host": socket.gethostname(), "tool": "simulate"}))
    lock = acquire_lock(out, "simulate")
    assert json.loads(lock.read_text())["pid"] == os.getpid()
    assert "taking over" in capsys.readouterr().err
    release_lock(lock)
    assert not lock.exists()


def test_lock_on_another_host_is_never_taken_over(tmp_path):
    out = tmp_path / "corpus"
    lock_path(out).write_text(json.dumps({"pid": 999999999, "host": "elsewhere", "tool": "simulate"}))
    with pytest.raises(InputError, match="elsewhere"):
        acquire_lock(out, "simulate")


def test_claim_clears_stale_temporaries_of_killed_runs_only(tmp_path):
    out = tmp_path / "corpus"
    (tmp_path / ".corpus.tmp-abc").mkdir()
    (tmp_path / ".corpus.tmp-abc" / "big.arrow").write_bytes(b"0" * 100)
    (tmp_path / ".corpus.old-123").write_text("x")
    (tmp_path / ".other.tmp-abc").write_text("not ours to judge")
    with claim_output(out, "simulate"):
        pass
    assert sorted(p.name for p in tmp_path.iterdir()) == [".other.tmp-abc"]


def test_atomic_folder_has_usual_mode_and_replaces_a_file_without_leftovers(tmp_path):
    mask = os.umask(0)
    os.umask(mask)
    target = tmp_path / "out"
    target.write_text("old")
    with atomic_path(target, directory=True) as temporary:
        mark_output(temporary, "simulate")
    assert os.stat(target).st_mode & 0o777 == 0o777 & ~mask
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    assert (target / MARKER).exists()
