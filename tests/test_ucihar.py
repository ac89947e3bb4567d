"""benchmarks.ucihar: raw UCI HAPT -> the released UCIHAR layout (filters, windows, subject split, no overwrite)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from benchmarks.loader import load_split
from benchmarks.registry import get_dataset
from benchmarks.ucihar import convert, main
from tests.conftest import REPO, SHARED, _require


def write_raw(folder: Path) -> Path:
    """A downloaded-HAPT-style RawData folder: user 1 (a training subject) and user 2 (a test subject), each
    standing still (1 g on x) with a 2 Hz wobble, labelled walking then sitting with a transition between."""
    raw = folder / "RawData"
    raw.mkdir(parents=True)
    t = np.arange(1000) / 50.0
    wobble = 0.2 * np.sin(2 * np.pi * 2.0 * t)
    acc = np.stack([1.0 + wobble, 0.1 * wobble, np.zeros_like(t)], axis=1)
    gyro = np.stack([np.zeros_like(t), 0.5 * wobble, np.zeros_like(t)], axis=1)
    rows = []
    for experiment, user in ((1, 1), (2, 2)):
        np.savetxt(raw / f"acc_exp{experiment:02d}_user{user:02d}.txt", acc)
        np.savetxt(raw / f"gyro_exp{experiment:02d}_user{user:02d}.txt", gyro)
        rows += [(experiment, user, 1, 0, 499), (experiment, user, 7, 500, 599), (experiment, user, 4, 600, 999)]
    np.savetxt(raw / "labels.txt", np.array(rows), fmt="%d")
    return folder


def test_raw_folder_becomes_ucihar_windows_with_its_channels_and_split(tmp_path):
    output = tmp_path / "root" / "UCIHAR"
    counts = convert(write_raw(tmp_path / "hapt"), output)
    # walking: samples 0-499 -> starts 0, 64, ..., 320 (6 windows); sitting: 600-999 -> 5 windows
    assert counts == {"train": 11, "test": 11}
    x, y = np.load(output / "X_train.npy"), np.load(output / "y_train.npy")
    assert x.shape == (11, 128, 9) and x.dtype == np.float32 and y.tolist() == [0] * 6 + [3] * 5
    body, total = x[..., :3], x[..., 6:]
    gravity = total - body
    assert np.abs(gravity[2, :, 0] - 1.0).max() < 0.03 and np.abs(gravity[2, :, 1:]).max() < 0.01  # ~1 g on x
    middle = x[2]  # samples 128-255, far from the recording's ends: the filters have settled
    t = (128 + np.arange(128)) / 50.0
    wobble = 0.2 * np.sin(2 * np.pi * 2.0 * t)
    np.testing.assert_allclose(middle[:, 6], 1.0 + wobble, atol=0.02)  # total acc: the input, low-passed at 20 Hz
    np.testing.assert_allclose(middle[:, 0], wobble, atol=0.03)  # body acc: gravity (0.3 Hz low-pass) removed
    np.testing.assert_allclose(middle[:, 4], 0.5 * wobble, atol=0.02)  # body gyro: the filtered gyroscope
    assert np.abs(middle[:, 0].mean()) < 0.02 and np.abs(total[2, :, 0].mean() - 1.0) < 0.02
    # the registry reads the folder as UCI-HAR (total acc channels 6-8 in g, gyro 3-5)
    split = load_split(get_dataset("UCIHAR"), output.parent, "test")
    assert split.x.shape == (11, 128, 9) and split.descriptions[0] == ["walking"]


def test_refuses_a_folder_it_did_not_write_and_rewrites_its_own(tmp_path, capsys):
    raw = write_raw(tmp_path / "hapt")
    foreign = tmp_path / "UCIHAR"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine")
    with pytest.raises(SystemExit) as exit_info:
        main(["--input", str(raw), "--output", str(foreign)])
    assert exit_info.value.code == 2 and (foreign / "notes.txt").read_text() == "mine"
    assert len(capsys.readouterr().err.strip().splitlines()) == 1
    ours = tmp_path / "ours" / "UCIHAR"
    main(["--input", str(raw), "--output", str(ours)])
    main(["--input", str(raw), "--output", str(ours)])  # its own output: replaced
    assert sorted(p.name for p in ours.parent.iterdir()) == ["UCIHAR"]  # no temporary left beside it


def test_missing_input_exits_2_naming_it(tmp_path):
    run = subprocess.run([sys.executable, "-m", "benchmarks.ucihar", "--input", str(tmp_path / "nothing"),
                          "--output", str(tmp_path / "UCIHAR")], cwd=REPO, capture_output=True, text=True)
    assert run.returncode == 2 and str(tmp_path / "nothing") in run.stderr and not (tmp_path / "UCIHAR").exists()


def test_real_hapt_gives_ucihar_sized_splits(tmp_path):
    source = _require(SHARED / "data" / "hapt" / "hapt.npz").parent  # skips without ../shared (fails in CI)
    counts = convert(source, tmp_path / "UCIHAR")
    assert counts == {"train": 7415, "test": 2996}  # UCI-HAR itself: 7,352 / 2,947
    y = np.load(tmp_path / "UCIHAR" / "y_test.npy")
    assert sorted(np.unique(y).tolist()) == list(range(6))
