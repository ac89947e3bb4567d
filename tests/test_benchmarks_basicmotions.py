"""BasicMotions for real: aeon's bundled copy loads offline, and its units are what the registry declares."""
from __future__ import annotations

import numpy as np
import pytest

from benchmarks.loader import is_present, load_split
from benchmarks.prepare import prepare_split
from benchmarks.registry import BASIC_MOTIONS, get_dataset


@pytest.fixture(scope="module")
def test_split():
    return load_split(get_dataset("basicmotions"), "no/such/root", "test")


def test_forty_test_series_of_ten_seconds(test_split):
    assert is_present(BASIC_MOTIONS, "no/such/root")
    assert test_split.x.shape == (40, 100, 6) and test_split.y.shape == (40,)
    assert np.bincount(test_split.y).tolist() == [10, 10, 10, 10]
    assert [d[0] for d in test_split.descriptions] == ["standing", "walking", "running", "playing badminton"]
    assert load_split(BASIC_MOTIONS, "no/such/root", "train").x.shape == (40, 100, 6)


def _by_class(split):
    acc, gyro = split.x[..., :3], split.x[..., 3:]
    return {name: (np.linalg.norm(acc[split.y == i], axis=-1), np.linalg.norm(gyro[split.y == i], axis=-1),
                   np.linalg.norm(acc[split.y == i].mean(axis=1), axis=-1))
            for i, name in enumerate(("standing", "walking", "running", "badminton"))}


def test_units_and_gravity_are_as_declared(test_split):
    measured = _by_class(test_split)
    standing_acc, standing_gyro, standing_mean = measured["standing"]
    # Gravity removed: a still wrist reads about 0, not 9.8 m/s^2, and the time-mean is near 0.
    assert standing_acc.mean() < 1.5 and standing_mean.mean() < 0.5
    assert BASIC_MOTIONS.gravity == "removed"
    # m/s^2, not g: running moves the wrist by about 1.7 g (16 m/s^2); 16 g would be impossible.
    assert 10 < measured["running"][0].mean() < 25
    # rad/s, not deg/s: arm swing while walking is 1-3 rad/s; in deg/s that would be a still arm.
    assert 0.5 < measured["walking"][1].mean() < 3 and standing_gyro.mean() < measured["walking"][1].mean()
    assert (BASIC_MOTIONS.placements[0].acc_scale, BASIC_MOTIONS.placements[0].gyro_scale) == (1.0, 1.0)


def test_prepared_on_the_right_wrist_at_20_hz(test_split):
    imu, mask = prepare_split(test_split)
    assert imu.shape == mask.shape == (40, 200, 22, 6)
    assert (mask[:, :, 21] == 1).all() and mask.sum() == 40 * 200 * 6
    # Upsampling 10 -> 20 Hz keeps the samples' energy: per-series RMS within a few percent.
    rms_in = np.sqrt((test_split.x ** 2).mean(axis=1))
    rms_out = np.sqrt((imu[:, :, 21] ** 2).mean(axis=1))
    np.testing.assert_allclose(rms_out, rms_in, rtol=0.1)
