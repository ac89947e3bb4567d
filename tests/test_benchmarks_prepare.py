"""Preparation against closed-form cases: units, resampling, anti-aliasing, wrap padding, masks, gravity."""
from __future__ import annotations

import numpy as np
import pytest
from scipy.signal import resample_poly

from benchmarks.prepare import prepare_windows, resampling_factors, upright_frame
from benchmarks.registry import Placement, get_dataset
from simulate.gravity import GRAVITY

WRIST = Placement(joint=21, acc=(0, 3), gyro=(3, 6))


def sine(rate_hz: float, seconds: float, frequency: float, amplitude: float = 1.0) -> np.ndarray:
    """(1, T, 6): the same sine on all six channels."""
    t = np.arange(round(rate_hz * seconds)) / rate_hz
    return np.repeat(amplitude * np.sin(2 * np.pi * frequency * t)[None, :, None], 6, axis=2)


def test_resampling_factors():
    assert resampling_factors(50) == (2, 5)
    assert resampling_factors(32) == (5, 8)
    assert resampling_factors(10) == (2, 1)
    assert resampling_factors(20) == (1, 1)
    assert resampling_factors(51.2) == (25, 64)


def test_one_g_in_g_becomes_standard_gravity_on_its_joint():
    x = np.zeros((2, 100, 6))
    x[:, :, 1] = 1.0  # +1 g along y
    imu, mask = prepare_windows(x, [Placement(joint=9, acc=(0, 3), acc_scale=GRAVITY, gyro=(3, 6))], 50)
    np.testing.assert_allclose(imu[:, :, 9, 1], GRAVITY, rtol=1e-6)
    assert not np.delete(imu, 9, axis=2).any() and not imu[:, :, 9, [0, 2, 3, 4, 5]].any()
    assert (mask[:, :, 9] == 1).all() and mask.sum() == 2 * 200 * 6


@pytest.mark.parametrize("up", ["+x", "-x", "+y", "-y", "+z", "-z"])
def test_a_declared_up_axis_reads_along_plus_y_for_both_sensors(up):
    axis = "xyz".index(up[1])
    sign = 1.0 if up[0] == "+" else -1.0
    x = np.zeros((1, 100, 6))
    x[:, :, axis] = sign  # standing still: +1 g along the device's up axis
    x[:, :, 3 + axis] = 2.0 * sign  # and a turn of 2 rad/s about it
    x[:, :, 3 + (axis + 1) % 3] = 0.5  # with some rate about another axis, whose length must survive
    placement = Placement(joint=9, acc=(0, 3), acc_scale=GRAVITY, gyro=(3, 6), up=up)
    imu, _ = prepare_windows(x, [placement], 50)
    np.testing.assert_allclose(imu[0, :, 9, :3], np.tile([0.0, GRAVITY, 0.0], (200, 1)), atol=1e-5)
    np.testing.assert_allclose(imu[0, :, 9, 4], 2.0, rtol=1e-6)
    np.testing.assert_allclose(np.linalg.norm(imu[0, :, 9, 3:], axis=-1), np.hypot(2.0, 0.5), rtol=1e-6)
    turn = upright_frame(up)
    np.testing.assert_allclose(turn @ turn.T, np.eye(3), atol=1e-12)
    assert np.linalg.det(turn) == pytest.approx(1.0)


def test_without_an_up_axis_the_device_frame_is_kept():
    x = np.zeros((1, 100, 6))
    x[:, :, 0] = 1.0
    imu, _ = prepare_windows(x, [Placement(joint=9, acc=(0, 3), acc_scale=GRAVITY, gyro=(3, 6))], 50)
    np.testing.assert_allclose(imu[0, :, 9, 0], GRAVITY, rtol=1e-6)
    with pytest.raises(ValueError, match="up must be one of"):
        Placement(joint=9, acc=(0, 3), up="up")


def test_downsampling_keeps_frequency_and_amplitude():
    imu, _ = prepare_windows(sine(50, 12, 2.0, amplitude=3.0), [WRIST], 50)
    signal = imu[0, :, 21, 0]
    t = np.arange(200) / 20
    np.testing.assert_allclose(signal[10:-10], 3.0 * np.sin(2 * np.pi * 2.0 * t[10:-10]), atol=1e-3)
    spectrum = np.abs(np.fft.rfft(signal))
    assert np.fft.rfftfreq(200, 1 / 20)[spectrum.argmax()] == pytest.approx(2.0)


def test_downsampling_filters_what_would_alias():
    # 15 Hz sampled at 20 Hz would fold to 5 Hz at full amplitude; the anti-aliasing filter removes it.
    imu, _ = prepare_windows(sine(50, 12, 15.0), [WRIST], 50)
    assert np.abs(imu[0, 20:-20, 21, 0]).max() < 0.01


def test_upsampling_and_the_papers_sample_count():
    imu, mask = prepare_windows(sine(10, 10, 1.0), [WRIST], 10)  # 100 samples at 10 Hz -> 200 at 20 Hz
    np.testing.assert_allclose(imu[0, 10:-10, 21, 0], np.sin(2 * np.pi * np.arange(200) / 20)[10:-10], atol=0.02)
    assert (mask[0, :, 21] == 1).all()


def test_short_series_wrap_from_the_start_and_count_as_data():
    ramp = np.repeat(np.arange(60, dtype=float)[None, :, None], 6, axis=2)  # 3 s at 20 Hz
    imu, mask = prepare_windows(ramp, [WRIST], 20)
    np.testing.assert_array_equal(imu[0, :, 21, 0], np.arange(200) % 60)
    assert (mask[0, :, 21] == 1).all()  # tiled copies are data, as pretraining's crop_or_wrap marks them


def test_uci_har_window_length():
    x = np.ones((3, 128, 9))  # 2.56 s at 50 Hz -> floor(51.2) = 51 real samples, then tiled
    imu, _ = prepare_windows(x, get_dataset("UCIHAR").placements, 50)
    np.testing.assert_allclose(imu[:, :, 9, :3], GRAVITY, rtol=1e-6)
    # A non-constant series shows the length: the tiling repeats with period 51 (ceil would give 52).
    ramp = np.repeat(np.linspace(0.0, 1.0, 128)[None, :, None], 9, axis=2)
    imu, _ = prepare_windows(ramp, get_dataset("UCIHAR").placements, 50)
    signal = imu[0, :, 9, 0]
    np.testing.assert_array_equal(signal[51:102], signal[:51])
    assert np.abs(np.diff(signal[:51])).min() > 0  # 51 distinct real samples before the first repeat


def test_accelerometer_only_devices_and_use_gyro():
    dataset = get_dataset("MMAct")  # hip: acc + gyro; wrist: acc only
    x = np.ones((2, 100, 9))
    imu, mask = prepare_windows(x, dataset.placements, 50)
    assert (mask[:, :, 5] == 1).all() and (mask[:, :, 21, :3] == 1).all()
    assert not mask[:, :, 21, 3:].any() and not imu[:, :, 21, 3:].any()
    imu, mask = prepare_windows(x, dataset.placements, 50, use_gyro=False)
    assert not mask[..., 3:].any() and not imu[..., 3:].any() and (mask[:, :, 5, :3] == 1).all()


def test_class_dependent_placement():
    placements = get_dataset("UTD-MHAD").placements
    x = np.ones((2, 150, 6))
    imu, mask = prepare_windows(x, placements, 50, labels=np.array([3, 24]))
    assert mask[0, :, 21].all() and not mask[0, :, 5].any()
    assert mask[1, :, 5].all() and not mask[1, :, 21].any() and not imu[1, :, 21].any()
    with pytest.raises(ValueError, match="pass labels"):
        prepare_windows(x, placements, 50)


def test_gravity_removal_leaves_linear_acceleration():
    x = np.zeros((1, 300, 6))
    x[:, :, 2] = GRAVITY  # a device at rest
    x[:, :, 0] = np.sin(2 * np.pi * np.arange(300) / 50)  # plus 1 Hz shaking along x
    imu, _ = prepare_windows(x, [WRIST], 50, remove_gravity=True)
    assert np.abs(imu[0, :, 21, 2]).max() < 1e-6
    assert np.abs(imu[0, :, 21, 0]).max() == pytest.approx(1.0, abs=0.01)


def test_only_the_first_window_is_filtered_and_the_result_is_deterministic():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 3000, 6))  # 60 s at 50 Hz
    imu, _ = prepare_windows(x, [WRIST], 50)
    whole = resample_poly(x, 2, 5, axis=1, padtype="mean")[:, :200]
    # The same as filtering all 60 s, except the first half second, where the filter reaches before the start
    # into padding that holds the mean of the filtered stretch.
    np.testing.assert_allclose(imu[:, 10:, 21], whole[:, 10:], atol=1e-3)
    np.testing.assert_array_equal(prepare_windows(x, [WRIST], 50)[0], imu)


def test_custom_data_and_devices_declare_up_axes_per_joint_or_for_all():
    from benchmarks.custom import custom_dataset
    from skeletons.errors import InputError
    from zero_shot.device import Device

    both = custom_dataset(["pelvis", "right_wrist"], 50, up=["+x"])
    assert [p.up for p in both.placements] == ["+x", "+x"]
    each = custom_dataset(["pelvis", "right_wrist"], 50, up=["-z", "none"])
    assert [p.up for p in each.placements] == ["-z", None]
    assert [p.up for p in custom_dataset(["pelvis"], 50).placements] == [None]
    for wrong in (["up"], ["+x", "+y", "+z"]):
        with pytest.raises(InputError, match="--up"):
            custom_dataset(["pelvis", "right_wrist"], 50, up=wrong)
    device = Device(rate_hz=50, joints=["pelvis"], up="+x")
    assert device.dataset().placements[0].up == "+x"
    assert Device.from_json(device.to_json()) == device
