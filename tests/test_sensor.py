"""SensorModel: each imperfection on its own, determinism, the consumer part's figures and the calibrated part's."""
import dataclasses
import math

import numpy as np
import pytest

from simulate import SensorModel

G = 9.80665


def signals(clips: int = 4, samples: int = 1000, joints: int = 22, seed: int = 0) -> np.ndarray:
    """Smooth ideal readings (B, T, J, 6) within the sensor ranges."""
    rng = np.random.default_rng(seed)
    t = np.arange(samples)[None, :, None, None] / 20.0
    phase = rng.uniform(0, 2 * np.pi, (clips, 1, joints, 6))
    amplitude = np.array([20.0] * 3 + [5.0] * 3)
    return (amplitude * np.sin(2 * np.pi * 0.7 * t + phase)).astype(np.float32)


def test_ideal_is_a_no_op():
    imu = signals()
    assert SensorModel.ideal().apply(imu, 20.0, np.random.default_rng(0)) is imu
    assert SensorModel() == SensorModel.ideal()


@pytest.mark.parametrize("rate", [20.0, 100.0])
def test_white_noise_std_follows_density_and_rate(rate):
    model = SensorModel(acc_noise_density=2e-3, gyro_noise_density=3e-4)
    imu = np.zeros((8, 2000, 22, 6), dtype=np.float32)
    noise = model.apply(imu, rate, np.random.default_rng(1))
    expected = np.array([2e-3] * 3 + [3e-4] * 3) * math.sqrt(rate / 2)
    assert np.allclose(noise.std(axis=(0, 1, 2)), expected, rtol=0.01)
    assert np.allclose(model.noise_std(rate), expected[[0, 3]])
    assert np.abs(noise.mean(axis=(0, 1, 2))).max() < 0.01 * expected.max()


def test_saturation_clips_at_the_range():
    model = SensorModel(acc_range=16 * G, gyro_range=math.radians(2000))
    imu = 10 * signals()  # +-200 m/s^2 and +-50 rad/s: beyond both ranges
    out = model.apply(imu, 20.0, np.random.default_rng(0))
    limits = np.array([16 * G] * 3 + [math.radians(2000)] * 3, dtype=np.float32)
    assert np.array_equal(out, np.clip(imu, -limits, limits))
    assert np.isclose(out[..., 0].max(), 16 * G) and np.isclose(out[..., 3].min(), -math.radians(2000))


def test_quantization_step_is_the_16_bit_lsb():
    model = SensorModel(acc_range=16 * G, gyro_range=math.radians(2000), adc_bits=16)
    acc_lsb, gyro_lsb = model.lsb()
    assert np.isclose(acc_lsb, G / 2048) and np.isclose(gyro_lsb, math.radians(1 / 16.384))
    imu = signals()
    out = model.apply(imu, 20.0, np.random.default_rng(0))
    step = np.array([acc_lsb] * 3 + [gyro_lsb] * 3)
    codes = out / step
    assert np.abs(codes - np.round(codes)).max() < 1e-3
    assert (np.abs(out - imu) <= step / 2 + 1e-5).all()  # float32 rounding at +-20
    assert len(np.unique(out[..., 0])) > 1000  # fine steps, not coarse rounding


def test_full_scale_codes_stay_within_16_bits():
    model = SensorModel(acc_range=16 * G, gyro_range=math.radians(2000), adc_bits=16)
    out = model.apply(100 * signals(), 20.0, np.random.default_rng(0))
    acc_lsb, _ = model.lsb()
    assert np.isclose(out[..., :3].max() / acc_lsb, 32767)
    assert np.isclose(out[..., :3].min() / acc_lsb, -32768)


def test_turn_on_bias_is_constant_within_a_clip_and_varies_between_clips_and_joints():
    model = SensorModel(acc_bias=0.5, gyro_bias=0.1)
    imu = signals(clips=64)
    bias = model.apply(imu, 20.0, np.random.default_rng(2)) - imu
    assert np.abs(bias - bias[:, :1]).max() < 1e-5
    per_clip = bias[:, 0]  # (B, J, 6)
    assert np.allclose(per_clip.std(axis=(0, 1)), [0.5] * 3 + [0.1] * 3, rtol=0.1)
    assert per_clip[:, 0, 0].std() > 0 and per_clip[0, :, 0].std() > 0


def test_scale_error_is_a_constant_gain_per_clip():
    model = SensorModel(acc_scale_error=0.01, gyro_scale_error=0.03)
    imu = signals(clips=64)
    gain = model.apply(imu, 20.0, np.random.default_rng(3)) / imu
    assert np.abs(gain - gain[:, :1]).max() < 1e-4
    assert np.allclose((gain[:, 0] - 1).std(axis=(0, 1)), [0.01] * 3 + [0.03] * 3, rtol=0.1)


def test_bias_random_walk_spreads_with_the_square_root_of_time():
    model = SensorModel(acc_bias_walk=1e-3, gyro_bias_walk=2e-4)
    imu = np.zeros((64, 2001, 22, 6), dtype=np.float32)
    walk = model.apply(imu, 100.0, np.random.default_rng(4))
    assert np.abs(walk[:, 0]).max() == 0.0
    seconds = 20.0  # 2000 steps at 100 Hz
    expected = np.array([1e-3] * 3 + [2e-4] * 3) * math.sqrt(seconds)
    assert np.allclose(walk[:, -1].std(axis=(0, 1)), expected, rtol=0.1)


def test_same_seed_same_output():
    model = SensorModel.consumer()
    imu = signals()
    first = model.apply(imu, 20.0, np.random.default_rng(7))
    assert np.array_equal(first, model.apply(imu, 20.0, np.random.default_rng(7)))
    assert not np.array_equal(first, model.apply(imu, 20.0, np.random.default_rng(8)))
    assert first.dtype == np.float32 and first.shape == imu.shape


def test_consumer_figures():
    model = SensorModel.consumer()
    assert np.isclose(model.acc_range, 16 * G) and np.isclose(model.gyro_range, math.radians(2000))
    assert model.adc_bits == 16
    acc_std, gyro_std = model.noise_std(20.0)
    assert 0.005 < acc_std < 0.01  # 230 ug/sqrt(Hz) over 10 Hz
    assert 5e-4 < gyro_std < 1e-3  # 0.015 dps/sqrt(Hz) over 10 Hz
    imu = signals(clips=32)
    error = model.apply(imu, 20.0, np.random.default_rng(9)) - imu
    assert 0.2 < error[..., :3].std() < 1.0 and 0.03 < error[..., 3:].std() < 0.2  # mostly turn-on bias


@pytest.mark.parametrize(
    "fields",
    [
        {"acc_noise_density": -1.0}, {"gyro_bias": float("nan")}, {"acc_range": 0.0}, {"adc_bits": 16},
        {"adc_bits": 1},
    ],
)
def test_invalid_models_are_refused(fields):
    with pytest.raises(ValueError):
        SensorModel(**fields)


def test_apply_wants_clips_times_joints_channels():
    with pytest.raises(ValueError):
        SensorModel.consumer().apply(np.zeros((10, 22, 6), dtype=np.float32), 20.0, np.random.default_rng(0))


def test_calibrated_is_the_consumer_part_with_residual_biases():
    consumer, calibrated = SensorModel.consumer(), SensorModel.calibrated()
    assert calibrated.noise_std(20.0) == consumer.noise_std(20.0) and calibrated.adc_bits == consumer.adc_bits
    assert calibrated.gyro_bias < consumer.gyro_bias / 5 and calibrated.acc_bias < consumer.acc_bias / 3


def test_worn_is_the_calibrated_part_on_a_compliant_mount():
    worn, calibrated = SensorModel.worn(), SensorModel.calibrated()
    assert worn.mount_compliance > 0 and calibrated.mount_compliance == 0
    assert dataclasses.replace(worn, mount_compliance=0.0) == calibrated


def test_worn_varied_mounts_each_clip_from_rigid_to_loose_by_its_own_generator():
    from simulate.sensor import mount_wobble

    assert dataclasses.replace(SensorModel.worn_varied(), mount_varies=False) == SensorModel.worn()
    noiseless = dataclasses.replace(SensorModel.ideal(), mount_compliance=0.015, mount_varies=True)
    rate, seeds = 20.0, range(16)
    imu = np.random.default_rng(0).normal(size=(len(seeds), 200, 2, 6)) * [3, 3, 3, 1, 1, 1]
    out = noiseless.apply(imu, rate, [np.random.default_rng(s) for s in seeds])
    for seed, clip, read in zip(seeds, imu, out):
        compliance = 0.015 * np.random.default_rng(seed).random()  # the clip's generator's first draw
        np.testing.assert_allclose(read, mount_wobble(clip, rate, compliance), rtol=1e-5, atol=1e-5)
        alone = noiseless.apply(clip[None], rate, [np.random.default_rng(seed)])[0]
        np.testing.assert_array_equal(alone, read)  # whatever it is batched with
    added = np.abs(out[..., 3:] - imu[..., 3:]).mean(axis=(1, 2, 3))
    assert added.min() < 0.3 * added.max()  # tight and loose mounts in one corpus


def test_mount_wobble_reads_the_rate_of_a_tilt_that_follows_the_force_across_the_mount():
    from simulate.sensor import MOUNT_TILT_LIMIT, mount_wobble

    rate, k = 100.0, 0.02
    t = np.arange(400) / rate
    imu = np.zeros((len(t), 1, 6))
    imu[:, 0, 0] = 0.5 * np.sin(2 * np.pi * 2.0 * t)  # force along x rocks the device about y
    imu[:, 0, 2] = G + np.sin(2 * np.pi * 3.0 * t)  # force along the mount's normal (z) rocks nothing
    imu[:, 0, 3] = 0.5  # the body's own rotation is kept
    out = mount_wobble(imu, rate, k)[:, 0]
    expected = k * 0.5 * 2 * np.pi * 2.0 * np.cos(2 * np.pi * 2.0 * t)  # a tilt of 0.01 rad: far from the limit
    np.testing.assert_allclose(out[1:-1, 4], expected[1:-1], atol=0.01 * expected.max())
    np.testing.assert_allclose(out[:, 3], 0.5)
    np.testing.assert_allclose(out[:, 5], 0.0, atol=1e-12)
    np.testing.assert_allclose(np.linalg.norm(out[:, :3], axis=-1), np.linalg.norm(imu[:, 0, :3], axis=-1),
                               rtol=0.01)  # a tilt turns the force, to first order
    steady = np.zeros((50, 1, 6))
    steady[:, 0, :3] = [2.0, G, 1.0]
    np.testing.assert_allclose(mount_wobble(steady, rate, k), steady, atol=1e-9)  # the mount rests under a steady load
    hard = imu.copy()
    hard[:, 0, 0] *= 200.0  # 100 m/s^2 would tilt it 2 rad: the mount holds at its limit
    tilt = np.cumsum(mount_wobble(hard, rate, k)[:, 0, 4]) / rate  # the added rate, integrated
    assert 1.8 * MOUNT_TILT_LIMIT < np.ptp(tilt) < 2.3 * MOUNT_TILT_LIMIT  # 2 rad would read 4


@pytest.mark.parametrize("name, largest", [("worn", 0.5), ("calibrated", 0.5), ("consumer", None)])
def test_gravity_removal_of_a_body_at_rest(name, largest):
    """A device lying still, gravity removed by integrating its gyroscope (what pretraining augmentation and
    gravity-free benchmarks do): the calibrated part leaves about 0.1 m/s^2 over 10 s, the consumer part's
    uncalibrated gyroscope bias (5 deg/s) turns the estimate away from gravity by tens of degrees."""
    import torch

    from simulate.gravity import remove_gravity

    at_rest = np.zeros((64, 200, 1, 6), dtype=np.float32)
    at_rest[..., 1] = G  # specific force of a device at rest, y up
    readings = getattr(SensorModel, name)().apply(at_rest, 20.0, np.random.default_rng(3))
    free = remove_gravity(torch.from_numpy(readings), rate_hz=20.0)[..., :3].numpy()
    rms = np.sqrt((np.linalg.norm(free - free.mean(1, keepdims=True), axis=-1) ** 2).mean(1))
    if largest is None:
        assert np.median(rms) > 1.5
    else:
        assert np.median(rms) < largest / 2 and rms.max() < largest  # the real phone's floor: 0.2 m/s^2
