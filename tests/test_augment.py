"""Batched IMU augmentation: rotations, joint masking, gravity removal, windows, noise, determinism."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from experiments.speed.reference import augment_per_sample_loop, gravity_reading_loop, rotate_per_sample_loop
from pretrain.augment import (
    AugmentConfig,
    Augmenter,
    crop_or_wrap,
    keep_random_joints,
    random_rotations,
    rotate_joints,
    upright_rotations,
)
from simulate.gravity import GRAVITY, remove_gravity
from skeletons.errors import InputError

ONLY_ROTATION = {"rotation": True, "keep_joints": None}


def _imu(batch: int = 4, steps: int = 50, channels: int = 6, seed: int = 0) -> torch.Tensor:
    return torch.randn((batch, steps, 22, channels), generator=torch.Generator().manual_seed(seed))


def _generator(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def _fitted_maps(before: torch.Tensor, after: torch.Tensor) -> torch.Tensor:
    """Per (sample, joint), the 3x3 matrix M with after = M before, by least squares over time: (B, 22, 3, 3)."""
    source = before.permute(0, 2, 1, 3).double()  # (B, 22, T, 3)
    target = after.permute(0, 2, 1, 3).double()
    return torch.linalg.lstsq(source, target).solution.transpose(-1, -2)


def test_augmenter_rotation_is_proper_and_shared_by_acc_and_gyro():
    x = _imu()
    y, mask = Augmenter(ONLY_ROTATION)(x, generator=_generator())
    assert y.shape == x.shape and torch.equal(mask, torch.ones_like(x))
    for sensor in (slice(0, 3), slice(3, 6)):  # lengths kept per sample, time step, joint and sensor
        torch.testing.assert_close(y[..., sensor].norm(dim=-1), x[..., sensor].norm(dim=-1))
    from_acc = _fitted_maps(x[..., :3], y[..., :3])
    from_gyro = _fitted_maps(x[..., 3:], y[..., 3:])
    torch.testing.assert_close(from_acc, from_gyro, atol=1e-5, rtol=0)  # one rotation for both sensors
    identity = torch.eye(3, dtype=torch.float64).expand_as(from_acc)
    torch.testing.assert_close(from_acc @ from_acc.transpose(-1, -2), identity, atol=1e-5, rtol=0)
    torch.testing.assert_close(torch.linalg.det(from_acc), torch.ones(4, 22, dtype=torch.float64), atol=1e-5, rtol=0)
    flat = from_acc.reshape(-1, 9)
    distances = torch.cdist(flat, flat) + 10 * torch.eye(len(flat), dtype=flat.dtype)
    assert distances.min() > 1e-2  # every sample and joint got its own rotation


def test_rotations_are_haar_uniform():
    rotations = random_rotations(4000, 22, _generator()).double()  # 88 000 rotations
    flat = rotations.reshape(-1, 3, 3)
    torch.testing.assert_close(torch.linalg.det(flat), torch.ones(len(flat), dtype=torch.float64), atol=1e-5, rtol=0)
    unit = torch.tensor([0.6, 0.0, 0.8], dtype=torch.float64)
    turned = flat @ unit
    assert turned.mean(0).norm() < 0.01  # E[R v] = 0
    second_moment = turned.T @ turned / len(turned)  # E[(R v)(R v)^T] = I / 3
    torch.testing.assert_close(second_moment, torch.eye(3, dtype=torch.float64) / 3, atol=0.01, rtol=0)
    angles = torch.arccos(((flat.diagonal(dim1=-2, dim2=-1).sum(-1) - 1) / 2).clamp(-1, 1))
    # Haar measure: the rotation angle has density (1 - cos a) / pi, so P(a < pi / 2) = (pi / 2 - 1) / pi.
    assert abs((angles < math.pi / 2).double().mean() - (math.pi / 2 - 1) / math.pi) < 0.01


@pytest.mark.parametrize("channels", [6, 3])
def test_batched_rotation_matches_the_reference_loop(channels):
    x = _imu(channels=channels)
    rotations = random_rotations(4, 22, _generator(1))
    torch.testing.assert_close(rotate_joints(x, rotations), rotate_per_sample_loop(x, rotations))


def test_acc_only_batches_rotate_and_keep_their_shape():
    x = _imu(channels=3)
    y, mask = Augmenter({**ONLY_ROTATION, "gravity_removed_p": 1.0, "noise_std": 0.1})(x, generator=_generator())
    assert y.shape == mask.shape == x.shape
    plain, _ = Augmenter(ONLY_ROTATION)(x, generator=_generator())
    torch.testing.assert_close(plain.norm(dim=-1), x.norm(dim=-1))


def test_joint_masking_keeps_one_to_five_joints_and_zeros_the_rest():
    x = torch.ones((400, 10, 22, 6))
    y, mask = keep_random_joints(x, None, 1, 5, _generator())
    assert mask.dtype == torch.float32 and mask.shape == x.shape
    kept = mask.amax((1, 3))  # (B, 22)
    counts = kept.sum(1)
    assert set(counts.int().tolist()) == {1, 2, 3, 4, 5}
    assert torch.equal(y, x * mask)  # data only where the mask keeps it
    assert torch.equal(mask, kept[:, None, :, None].expand_as(mask))  # whole joints, all steps and channels
    per_joint = kept.sum(0)  # 400 samples * mean 3 kept / 22 joints ~ 55 each
    assert per_joint.min() > 25 and per_joint.max() < 95


def test_joint_masking_prefers_joints_with_data():
    mask = torch.zeros((50, 10, 22, 6))
    mask[:, :, [3, 17]] = 1
    _, kept = keep_random_joints(torch.randn(mask.shape), mask, 2, 5, _generator())
    assert torch.equal(kept, mask)  # both joints with data survive; joints without data stay empty


def test_augmenter_keeps_the_joints_choose_joints_keeps():
    """The augmenter ranks joints as if all had data and ranks again only when a kept one has none: the
    same joints as keep_random_joints from the same draws, joints with data first."""
    mask = torch.zeros((60, 10, 22, 6))
    mask[:, :, [3, 17, 20]] = 1
    mask[::2, :, 5] = 1
    x = torch.randn(mask.shape, generator=_generator(1)) * mask
    _, expected = keep_random_joints(x, mask, 1, 5, _generator(2))
    y, kept = Augmenter({"rotation": False, "keep_joints": [1, 5]})(x, mask, generator=_generator(2))
    assert torch.equal(kept, expected) and torch.equal(y, x * kept)


def _resting_readings(batch: int, steps: int, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Sensors at rest in random orientations: specific force R^T (0, g, 0), no rotation rate."""
    frames = random_rotations(batch, 22, _generator(seed)).double()
    up = torch.tensor([0.0, GRAVITY, 0.0], dtype=torch.float64)
    acc = (frames.transpose(-1, -2) @ up)[:, None].expand(batch, steps, 22, 3)
    return torch.cat((acc, torch.zeros_like(acc)), dim=-1).float(), frames


def test_gravity_removal_of_a_resting_sensor_is_zero():
    x, _ = _resting_readings(3, 40)
    assert remove_gravity(x).abs().max() < 1e-4
    assert remove_gravity(x[..., :3]).abs().max() < 1e-4  # accelerometer only


def test_gravity_removal_follows_a_spinning_sensor():
    """A sensor turning at 2 rad/s about a tilted axis through a fixed point: its linear acceleration is zero,
    but gravity sweeps around its frame; the gyroscope tracks it."""
    steps, rate_hz = 200, 20.0
    axis = torch.nn.functional.normalize(torch.tensor([0.3, -0.5, 0.8], dtype=torch.float64), dim=0)
    omega = 2.0 * axis
    start = random_rotations(1, 1, _generator(3))[0, 0].double()
    t = torch.arange(steps, dtype=torch.float64) / rate_hz
    skew = torch.tensor([[0, -axis[2], axis[1]], [axis[2], 0, -axis[0]], [-axis[1], axis[0], 0]])
    angle = 2.0 * t[:, None, None]
    spin = torch.eye(3) + torch.sin(angle) * skew + (1 - torch.cos(angle)) * (skew @ skew)
    frames = start @ spin  # R_t = R_0 exp(t [w]x): constant body-frame rate w
    acc = frames.transpose(-1, -2) @ torch.tensor([0.0, GRAVITY, 0.0], dtype=torch.float64)
    x = torch.cat((acc, omega.expand(steps, 3)), dim=-1)[None, :, None].expand(1, steps, 22, 6).float()
    assert acc.std(0).min() > 1.0  # gravity really moves through the sensor frame
    assert remove_gravity(x, rate_hz=rate_hz)[..., :3].abs().max() < 1e-3


@pytest.mark.parametrize("steps", [120, 61, 5])  # whole blocks of the scan, a padded last block, one block
def test_batched_gravity_estimate_matches_step_by_step_integration(steps):
    """The prefix-scan integration of the gyroscope against SciPy rotations composed one step at a time."""
    generator = _generator(4)
    rate = torch.cumsum(0.3 * torch.randn((2, steps, 3, 3), generator=generator, dtype=torch.float64), dim=1)
    acc = 9.81 * torch.nn.functional.normalize(torch.randn((2, steps, 3, 3), generator=generator,
                                                           dtype=torch.float64), dim=-1)
    x = torch.cat((acc, rate), dim=-1)
    removed = remove_gravity(x, rate_hz=20.0)
    for b in range(2):
        for j in range(3):
            expected = x[b, :, j, :3].numpy() - gravity_reading_loop(x[b, :, j].numpy(), 1.0 / 20.0)
            torch.testing.assert_close(removed[b, :, j, :3], torch.from_numpy(expected), rtol=1e-6, atol=1e-6)


def test_reference_pipeline_loop_keeps_the_batched_contract():
    """The loop timed against the batched augmenter does the same kinds of things: same shapes, 1-5 joints kept,
    rotations keep each triple's norm when no gain or noise is applied."""
    x = _imu(batch=6, steps=30)
    settings = {"window": 40, "rate_hz": 20.0, "keep_joints": [1, 5], "gravity_removed_p": 0.0,
                "amplitude_jitter": 0.0, "noise_std": 0.0}
    out, mask = augment_per_sample_loop(x.numpy(), np.ones(x.shape, np.float32), settings, np.random.default_rng(0))
    assert out.shape == mask.shape == (6, 40, 22, 6)
    kept = mask.max(axis=(1, 3))
    assert set(kept.sum(1).astype(int)) <= {1, 2, 3, 4, 5}
    tiled = x.numpy()[:, np.arange(40) % 30]
    norms = np.linalg.norm(tiled.reshape(6, 40, 22, 2, 3), axis=-1) * kept[:, None, :, None]
    np.testing.assert_allclose(np.linalg.norm(out.reshape(6, 40, 22, 2, 3), axis=-1), norms, rtol=1e-5, atol=1e-5)
    upright = {**settings, "upright_p": 1.0, "upright_tilt_deg": 0.0}
    out, mask = augment_per_sample_loop(x.numpy(), np.ones(x.shape, np.float32), upright, np.random.default_rng(0))
    kept = mask.max(axis=(1, 3)).astype(bool)
    np.testing.assert_allclose(out[..., [1, 4]].transpose(0, 2, 1, 3)[kept],  # upright turns keep y
                               tiled[..., [1, 4]].transpose(0, 2, 1, 3)[kept], atol=1e-5)


@pytest.mark.fixtures
def test_gravity_removal_recovers_linear_acceleration_of_a_real_clip(humanml3d_clip):
    from simulate.physics import simulate_imu
    from skeletons import load_motion

    motion = load_motion(humanml3d_clip)
    with_gravity = torch.from_numpy(simulate_imu(motion, gravity=True))[None]
    linear = torch.from_numpy(simulate_imu(motion, gravity=False))[None]
    error = (remove_gravity(with_gravity)[..., :3] - linear[..., :3]).norm(dim=-1)
    assert error.mean() < 0.3  # m/s^2, against a mean linear acceleration of about 7
    assert torch.equal(remove_gravity(with_gravity)[..., 3:], with_gravity[..., 3:])
    # A 3 s piece padded at the end (mask 0): gravity goes first, then the augmenter wraps it to 10 s.
    padded, mask = torch.zeros((1, 200, 22, 6)), torch.zeros((1, 200, 22, 6))
    padded[:, :60], mask[:, :60] = with_gravity[:, :60], 1.0
    config = {"window": 200, "gravity_removed_p": 1.0, "rotation": False, "keep_joints": None}
    window, window_mask = Augmenter(config)(padded, mask, generator=_generator())
    tiled = linear[:, torch.arange(200) % 60]
    assert (window[..., :3] - tiled[..., :3]).norm(dim=-1).mean() < 0.6 and torch.equal(window_mask, torch.ones_like(window))


def test_gravity_removed_for_a_fraction_p_of_the_samples():
    x, _ = _resting_readings(200, 20)
    y, _ = Augmenter({"rotation": False, "keep_joints": None, "gravity_removed_p": 0.5})(x, generator=_generator())
    removed = y.flatten(1).abs().amax(1) < 1e-4
    untouched = (y == x).flatten(1).all(1)
    assert torch.equal(removed, ~untouched)
    assert 70 < int(removed.sum()) < 130


def test_gravity_removal_ignores_masked_steps():
    x, _ = _resting_readings(2, 30)
    mask = torch.ones_like(x)
    x[:, 20:], mask[:, 20:] = 123.0, 0.0  # padding: garbage, not data
    y = remove_gravity(x, mask)
    assert y[:, :20, :, :3].abs().max() < 1e-4 and torch.equal(y[:, 20:, :, :3], torch.zeros_like(y[:, 20:, :, :3]))


def _ramp(batch: int, steps: int) -> torch.Tensor:
    """x[b, t, j, c] = 1000 b + t: every value names its sample and time step."""
    b = torch.arange(batch, dtype=torch.float32)[:, None, None, None]
    t = torch.arange(steps, dtype=torch.float32)[None, :, None, None]
    return (1000 * b + t).expand(batch, steps, 22, 6).clone()


def test_crop_takes_a_random_contiguous_window():
    x = _ramp(32, 300)
    y, mask = crop_or_wrap(x, None, 200, _generator())
    assert y.shape == mask.shape == (32, 200, 22, 6) and torch.equal(mask, torch.ones_like(y))
    starts = y[:, 0, 0, 0] - 1000 * torch.arange(32)
    torch.testing.assert_close(y - y[:, :1], torch.arange(200.0)[None, :, None, None].expand_as(y))
    assert starts.min() >= 0 and starts.max() <= 100 and len(set(starts.tolist())) > 20


def test_short_samples_are_wrap_padded_and_the_copies_count_as_data():
    x = _ramp(2, 70)
    y, mask = crop_or_wrap(x, None, 200, _generator())
    expected = torch.arange(200)[None, :, None, None] % 70 + 1000 * torch.arange(2)[:, None, None, None]
    torch.testing.assert_close(y, expected.float().expand_as(y))
    assert torch.equal(mask, torch.ones_like(y))


def test_window_length_comes_from_each_samples_mask():
    x = _ramp(2, 300)
    mask = torch.ones_like(x)
    mask[0, 50:] = 0  # sample 0 is 50 steps long, padded by the collate
    y, window_mask = crop_or_wrap(x, mask, 120, _generator())
    torch.testing.assert_close(y[0, :, 0, 0], torch.arange(120.0) % 50)
    assert torch.equal(window_mask[0], torch.ones_like(window_mask[0]))
    assert y[1, :, 0, 0].diff().eq(1).all()  # sample 1: a plain crop


def test_a_fraction_of_the_samples_are_short_pieces_tiled_to_the_window():
    x = _ramp(300, 200)  # whole 10 s clips at 20 Hz: sample b steps t hold 1000 b + t
    config = {"window": 200, "rotation": False, "keep_joints": None, "tile_p": 0.5, "tile_seconds": [2.0, 5.0]}
    y, mask = Augmenter(config)(x, generator=_generator())
    assert torch.equal(mask, torch.ones_like(y))
    steps = y[:, :, 0, 0] - 1000 * torch.arange(300)[:, None]
    jumps = steps.diff(dim=1).ne(1)
    tiled = jumps.any(1)
    assert 110 < int(tiled.sum()) < 190
    assert torch.equal(steps[~tiled], torch.arange(200.0).expand(int((~tiled).sum()), 200))  # the others: whole
    for row in steps[tiled]:
        period = int(row.diff().ne(1).nonzero()[0]) + 1  # the piece's length in steps
        assert 40 <= period <= 100
        torch.testing.assert_close(row, row[:period].repeat(200 // period + 1)[:200])  # one piece, repeated
        assert 0 <= row[0] and row[period - 1] < 200 and torch.equal(row[:period].diff(), torch.ones(period - 1))
    lengths = {int(row.diff().ne(1).nonzero()[0]) + 1 for row in steps[tiled]}
    assert len(lengths) > 20  # drawn per sample
    for wrong in ((3.0, 2.0), 3.0, ("a", "b")):
        with pytest.raises(InputError, match="tile_seconds"):
            AugmentConfig(tile_seconds=wrong)


def test_noise_and_gain_jitter():
    x = torch.zeros((64, 100, 22, 6))
    noisy, _ = Augmenter({"rotation": False, "keep_joints": None, "noise_std": [0.5, 0.1]})(x, generator=_generator())
    assert abs(noisy[..., :3].std() - 0.5) < 0.01 and abs(noisy[..., 3:].std() - 0.1) < 0.002
    ones = torch.ones((64, 100, 22, 6))
    scaled, _ = Augmenter({"rotation": False, "keep_joints": None, "amplitude_jitter": 0.2})(ones, generator=_generator())
    assert scaled.min() >= 0.8 and scaled.max() <= 1.2 and scaled.std() > 0.05
    assert torch.equal(scaled, scaled[:, :1].expand_as(scaled))  # one gain per sample, joint and sensor
    assert torch.equal(scaled[..., :3], scaled[..., :1].expand(-1, -1, -1, 3))


def test_no_noise_where_data_is_missing():
    x = torch.randn((8, 30, 22, 6), generator=_generator())
    mask = torch.ones_like(x)
    mask[:4, 20:] = 0  # padded ends
    mask[:, :, :, 3:] = 0  # and no gyroscope at all
    y, y_mask = Augmenter({"keep_joints": None, "noise_std": 0.5, "rotation": False})(x * mask, mask, _generator())
    assert torch.equal(y_mask, mask) and torch.equal(y[mask == 0], torch.zeros_like(y[mask == 0]))
    assert (y - x)[mask > 0].std() > 0.4


CONFIG = {"window": 40, "gravity_removed_p": 0.5, "amplitude_jitter": 0.1, "noise_std": 0.05}


def test_augmentation_is_deterministic_given_a_generator():
    x = _imu(8, 60)
    first, first_mask = Augmenter(CONFIG)(x, generator=_generator(5))
    second, second_mask = Augmenter(CONFIG)(x, generator=_generator(5))
    assert torch.equal(first, second) and torch.equal(first_mask, second_mask)
    other, _ = Augmenter(CONFIG)(x, generator=_generator(6))
    assert not torch.equal(first, other)


def test_seeded_augmenter_resumes_from_its_state():
    x = _imu(8, 60)
    running = Augmenter(CONFIG, seed=1)
    running(x)
    state = running.state_dict()
    expected = running(x)
    resumed = Augmenter(CONFIG, seed=1)
    resumed.load_state_dict(state)
    assert all(torch.equal(a, b) for a, b in zip(resumed(x), expected))
    assert not torch.equal(Augmenter(CONFIG, seed=1)(x)[0], expected[0])


def test_config_from_yaml_style_dict_and_errors():
    config = AugmentConfig.from_dict({"rotation": True, "keep_joints": [1, 5], "gravity_removed_p": 0.25,
                                      "amplitude_jitter": 0.1, "noise_std": 0.02})
    assert config.keep_joints == (1, 5) and config.noise_std == (0.02, 0.02)
    with pytest.raises(InputError, match="unknown augment keys"):
        Augmenter({"rotate": True})
    with pytest.raises(InputError, match="keep_joints"):
        Augmenter({"keep_joints": [0, 5]})
    with pytest.raises(InputError, match="shape"):
        Augmenter()(torch.zeros((2, 10, 22, 5)))
    with pytest.raises(InputError, match="mask"):
        Augmenter()(torch.zeros((2, 10, 22, 6)), torch.ones((2, 10, 22, 3)))


def test_default_augmenter_on_a_float64_batch_keeps_dtype():
    x = torch.from_numpy(np.random.default_rng(0).normal(size=(3, 20, 22, 6)))
    y, mask = Augmenter()(x, generator=_generator())
    assert y.dtype == mask.dtype == torch.float64


def test_random_lowpass_removes_what_a_slower_device_cannot_hold():
    """A 1 Hz plus a 7 Hz sine at 20 Hz, band-limited at 5 Hz: the 1 Hz part and the mean stay, the 7 Hz goes."""
    from pretrain.augment import random_lowpass

    t = torch.arange(200, dtype=torch.float64) / 20.0
    slow, fast = torch.sin(2 * torch.pi * 1.0 * t), torch.sin(2 * torch.pi * 7.0 * t)
    x = (9.81 + slow + fast)[None, :, None, None].expand(2, 200, 3, 6).clone()
    out = random_lowpass(x, torch.tensor([5.0, 8.0]), 20.0)
    torch.testing.assert_close(out[0, :, 0, 0], 9.81 + slow, atol=1e-9, rtol=0)
    torch.testing.assert_close(out[1, :, 0, 0], x[1, :, 0, 0], atol=1e-9, rtol=0)  # 7 Hz lies below 8 Hz
    assert out.shape == x.shape and out.dtype == x.dtype


def test_augmenter_lowpasses_a_fraction_of_the_samples():
    t = torch.arange(200) / 20.0
    x = torch.sin(2 * torch.pi * 7.0 * t)[None, :, None, None].expand(400, 200, 22, 6).contiguous()
    config = {"rotation": False, "keep_joints": None, "lowpass_p": 0.25, "lowpass_hz": [2.5, 5.0]}
    y, _ = Augmenter(config)(x, generator=_generator())
    filtered = y.abs().amax(dim=(1, 2, 3)) < 1e-3
    assert 60 < int(filtered.sum()) < 140
    with pytest.raises(InputError):
        AugmentConfig(lowpass_hz=(5.0, 2.0))


def test_rotation_for_a_fraction_p_of_the_samples():
    x = _imu(batch=200, steps=10)
    y, _ = Augmenter({**ONLY_ROTATION, "rotation_p": 0.5})(x, generator=_generator())
    untouched = torch.isclose(y, x, atol=1e-5).flatten(1).all(1)
    assert 70 < int(untouched.sum()) < 130
    # The rotated ones keep every triple's length (a rotation), and rotation_p 0 rotates nothing.
    torch.testing.assert_close(y[~untouched][..., :3].norm(dim=-1), x[~untouched][..., :3].norm(dim=-1))
    assert torch.equal(Augmenter({**ONLY_ROTATION, "rotation_p": 0.0})(x, generator=_generator())[0], x)
    with pytest.raises(InputError, match="rotation_p"):
        AugmentConfig(rotation_p=1.5)


def test_upright_rotations_keep_up_within_the_tilt_and_turn_freely_about_it():
    rotations = upright_rotations(4000, 5, 15.0, _generator()).double().reshape(-1, 3, 3)
    identity = torch.eye(3, dtype=torch.float64).expand_as(rotations)
    torch.testing.assert_close(rotations @ rotations.transpose(-1, -2), identity, atol=1e-5, rtol=0)
    torch.testing.assert_close(torch.linalg.det(rotations), torch.ones(len(rotations), dtype=torch.float64),
                               atol=1e-5, rtol=0)
    up = rotations[:, :, 1]  # where +y goes
    tilt = torch.rad2deg(torch.arccos(up[:, 1].clamp(-1, 1)))
    assert tilt.max() <= 15.0 + 1e-3 and abs(tilt.mean() - 7.5) < 0.2  # uniform in [0, 15] degrees
    assert up[:, [0, 2]].mean(0).norm() < 0.01  # tilted every way alike
    forward = rotations[:, :, 2]  # where +z goes: anywhere around the vertical
    assert forward[:, [0, 2]].mean(0).norm() < 0.02
    assert abs(forward[:, 0].square().mean() - 0.5) < 0.02
    flat = upright_rotations(50, 2, 0.0, _generator()).double()
    torch.testing.assert_close(flat[..., :, 1], torch.tensor([0.0, 1.0, 0.0], dtype=torch.float64).expand(50, 2, 3),
                               atol=1e-6, rtol=0)


def test_upright_rotation_for_a_fraction_of_the_samples():
    x = _imu(batch=200, steps=10)
    config = {**ONLY_ROTATION, "upright_p": 0.5, "upright_tilt_deg": 0.0}
    y, _ = Augmenter(config)(x, generator=_generator())
    # An upright turn with no tilt keeps every y component (acc and gyro); a Haar rotation does not.
    upright = torch.isclose(y[..., [1, 4]], x[..., [1, 4]], atol=1e-4).flatten(1).all(1)
    assert 70 < int(upright.sum()) < 130
    torch.testing.assert_close(y[..., :3].norm(dim=-1), x[..., :3].norm(dim=-1))
    everyone = Augmenter({**config, "upright_p": 1.0})(x, generator=_generator())[0]
    torch.testing.assert_close(everyone[..., [1, 4]], x[..., [1, 4]], atol=1e-4, rtol=0)
    assert not torch.allclose(everyone, x, atol=1e-2)  # yet they turn
    with pytest.raises(InputError, match="upright_p"):
        AugmentConfig(upright_p=-0.1)


def test_kept_joints_of_a_sample_share_one_crop_window():
    """Series-major augmentation draws the crop per sample: every kept joint of a sample shows the same time
    window of its own input, and the dropped joints read zero with a zero mask."""
    batch, steps, window = 6, 120, 50
    time = torch.arange(steps, dtype=torch.float32)
    joint_code = torch.arange(22, dtype=torch.float32)
    x = (time[None, :, None, None] + 1000 * joint_code[None, None, :, None]).expand(batch, steps, 22, 6).clone()
    augment = Augmenter({"window": window, "rotation": False, "keep_joints": [2, 5]}, seed=3)
    y, mask = augment(x, torch.ones_like(x))
    for b in range(batch):
        kept = mask[b].amax(dim=(0, 2)).nonzero().squeeze(1)
        assert 2 <= len(kept) <= 5
        starts = {round(float(y[b, 0, j, 0] - 1000 * j)) for j in kept.tolist()}
        assert len(starts) == 1  # one window for the whole sample
        start = starts.pop()
        for j in kept.tolist():
            torch.testing.assert_close(y[b, :, j, 0], x[b, start:start + window, j, 0])
        dropped = [j for j in range(22) if j not in kept.tolist()]
        assert (y[b][:, dropped] == 0).all() and (mask[b][:, dropped] == 0).all()
