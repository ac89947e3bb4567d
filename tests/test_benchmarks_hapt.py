"""HAPT: UCI-HAR-style windows over label runs, the subject split, units through the one preparation path."""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from benchmarks.hapt import TEST_SUBJECTS, cut_windows, find_file, label_runs, load_hapt
from benchmarks.loader import is_present, load_split
from benchmarks.prepare import prepare_split
from benchmarks.registry import get_dataset
from simulate.gravity import GRAVITY
from skeletons.errors import InputError

from .conftest import REPO, SHARED, save_tiny_model

HAPT = get_dataset("hapt")


def test_label_runs():
    assert label_runs(np.array([5, 5, -1, 1, 1, 1, 5])) == [(0, 2, 5), (2, 3, -1), (3, 6, 1), (6, 7, 5)]
    assert label_runs(np.array([], dtype=int)) == []


def test_windows_stay_inside_one_run_of_one_recording():
    # Recording 0: 300 walking, 20 transition, 100 sitting; recording 1: 200 walking. The sample value is its
    # global index, so every window's content says where it was cut from.
    labels = np.array([1] * 300 + [7] * 20 + [4] * 100 + [1] * 200)
    signals = np.arange(len(labels), dtype=np.float32)[:, None].repeat(6, axis=1)
    offsets = np.array([0, 420, 620])
    windows = cut_windows(signals, labels, offsets, (1, 2, 3, 4, 5, 6), length=128, step=64)
    # 300 samples: starts 0, 64, 128 (172 + 128 = 300 fits); 100 sitting: none; 200 walking: starts 0, 64.
    assert windows.start.tolist() == [0, 64, 128, 0, 64]
    assert windows.recording.tolist() == [0, 0, 0, 1, 1]
    assert windows.activity.tolist() == [1, 1, 1, 1, 1]
    assert windows.x.shape == (5, 128, 6) and windows.x.dtype == np.float32
    assert windows.x[3, 0, 0] == 420 and windows.x[2, -1, 0] == 255
    assert set(labels[windows.x[..., 0].astype(int).ravel()]) == {1}
    # A shorter window fits the sitting run; an unwanted activity gives nothing.
    short = cut_windows(signals, labels, offsets, (4,), length=50, step=25)
    assert short.start.tolist() == [320, 345, 370] and set(short.activity.tolist()) == {4}
    assert len(cut_windows(signals, labels, offsets, (6,)).x) == 0


def _write_archive(path, subjects=(1, 2, 3, 4)):
    """A small HAPT-shaped archive: per subject, 4 s standing still (x up, 1 g) then 4 s walking, at 50 Hz."""
    signals, labels, offsets = [], [], [0]
    rng = np.random.default_rng(0)
    for _ in subjects:
        still = np.zeros((200, 6), np.float32)
        still[:, 0] = 1.0
        walk = rng.normal(0, 0.2, (200, 6)).astype(np.float32)
        walk[:, 1:3] = 0.0  # the phone upright while walking too: levelling leaves it as it is
        walk[:, 0] += 1.0
        signals += [still, walk]
        labels += [np.full(200, 5, np.int8), np.full(200, 1, np.int8)]
        offsets.append(offsets[-1] + 400)
    np.savez(path, signals=np.concatenate(signals), labels=np.concatenate(labels),
             offsets=np.array(offsets, np.int64), subjects=np.array(subjects, np.int64),
             recording=np.zeros(len(subjects), np.int64))
    return path


def test_split_by_subject_and_units(tmp_path):
    (tmp_path / "hapt").mkdir()
    _write_archive(tmp_path / "hapt" / "hapt.npz")
    assert is_present(HAPT, tmp_path) and find_file(tmp_path / "hapt" / "hapt.npz") is not None
    train, test = load_split(HAPT, tmp_path, "train"), load_split(HAPT, tmp_path, "test")
    # Subjects 2 and 4 are UCI-HAR test subjects, 1 and 3 train; 200 samples give starts 0 and 64 per run.
    assert 2 in TEST_SUBJECTS and 4 in TEST_SUBJECTS and 1 not in TEST_SUBJECTS and 3 not in TEST_SUBJECTS
    assert len(train.x) == len(test.x) == 8
    assert sorted(np.bincount(test.y, minlength=6).tolist()) == [0, 0, 0, 0, 4, 4]
    assert [d[0] for d in test.descriptions] == ["walking", "walking upstairs", "walking downstairs", "sitting",
                                                "standing", "lying"]
    # Through the one preparation path: g -> m/s^2 on spine1, 50 Hz -> 20 Hz, nothing else on the body; the
    # phone's declared up axis (+x, 1 g while standing) reads along the joint's up (+y).
    assert len(load_hapt(HAPT, tmp_path, "train", subjects=(3, 4)).x) == 4  # 4 is a test subject
    imu, mask = prepare_split(test)
    standing = imu[test.y == 4]
    assert imu.shape == (8, 200, 22, 6)
    assert HAPT.placements[0].up == "+x"
    np.testing.assert_allclose(standing[:, :, 9, 1], GRAVITY, rtol=1e-4)
    np.testing.assert_allclose(standing[:, :, 9, [0, 2]], 0.0, atol=1e-6)
    assert mask[:, :, 9].all() and not mask[:, :, [j for j in range(22) if j != 9]].any()


def test_missing_file_names_where_it_comes_from(tmp_path):
    assert not is_present(HAPT, tmp_path)
    with pytest.raises(InputError, match="raw UCI HAPT recordings.*shared/data/hapt") as caught:
        load_split(HAPT, tmp_path, "test")
    assert caught.value.path.endswith("hapt/hapt.npz")
    broken = tmp_path / "hapt.npz"
    np.savez(broken, signals=np.zeros((10, 6)))
    with pytest.raises(InputError, match="no labels, offsets, subjects"):
        load_split(HAPT, tmp_path, "test")


def test_a_recording_without_gravity_is_named_not_levelled(tmp_path):
    archive = _write_archive(tmp_path / "hapt.npz")
    arrays = dict(np.load(archive))
    arrays["signals"][:, :3] = 0.0
    np.savez(archive, **arrays)
    with pytest.raises(InputError, match="cannot level on its gait: recording 1: .*no gravity") as caught:
        load_split(HAPT, tmp_path, "test")
    assert caught.value.path.endswith("hapt.npz")
    assert len(load_hapt(HAPT, tmp_path, "test", level=False).x) == 8


def test_cli_exit_code_two_and_one_line(tmp_path):
    model = save_tiny_model(tmp_path / "model")
    result = subprocess.run([sys.executable, "-m", "zero_shot", "--checkpoint", str(model),
                             "--benchmarks", "hapt", "--data-root", str(tmp_path / "data")],
                            capture_output=True, text=True, cwd=REPO)
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip().splitlines() == [result.stderr.strip()] and "hapt/hapt.npz" in result.stderr


def test_real_recordings_give_ucihar_sized_splits():
    if not (SHARED / "data" / "hapt" / "hapt.npz").exists():
        pytest.skip("../shared/data/hapt is not here (a user's clone has no ../shared)")
    train, test = load_split(HAPT, SHARED / "data", "train"), load_split(HAPT, SHARED / "data", "test")
    # UCI-HAR holds 7352 / 2947 windows; HAPT's relabelled segments give a few more.
    assert 7000 < len(train.x) < 7800 and 2800 < len(test.x) < 3200
    assert train.x.shape[1:] == (128, 6)
    # Standing: the phone's x axis points up and reads 1 g; the accelerometer is in g with gravity.
    standing = np.linalg.norm(test.x[test.y == 4][..., :3], axis=-1)
    assert 0.95 < np.median(standing) < 1.05
