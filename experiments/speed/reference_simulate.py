"""The IMU simulation written plainly, clip by clip and joint by joint, as the comparator of
``python -m experiments.speed simulate``.

Same physics as :mod:`simulate.physics` (specific force from the second derivative of a quintic interpolating
spline with flat ends, body-frame angular rate from the rotation increments between frames, the same
resampling), but the way it is usually written: one clip at a time, one joint at a time, scipy's
``make_interp_spline`` and ``Rotation`` objects in float64, and the sensor model of
:class:`simulate.sensor.SensorModel` drawn per clip and joint with numpy. Orientations come from the same
estimate (:func:`skeletons.orientation.joint_frames`), called per clip. The tests check that its ideal
signals equal the batched path's to float32 tolerance.

It lives in the speed suite, not the library: nothing simulates a corpus with it.
"""
from __future__ import annotations

import math

import numpy as np
from scipy.interpolate import make_interp_spline
from scipy.signal import resample_poly
from scipy.spatial.transform import Rotation

from simulate.gravity import GRAVITY
from simulate.physics import _small_ratio, output_length
from simulate.sensor import SensorModel
from skeletons.orientation import REST_FRAMES, joint_frames


def simulate_clip_plain(positions: np.ndarray, fps: float, rate_hz: float = 20.0,
                        sensor: SensorModel | None = None, rng: np.random.Generator | None = None) -> np.ndarray:
    """(T_out, 22, 6) float32 acc + gyro of one clip of (T, 22, 3) positions, joint by joint."""
    positions = np.asarray(positions, dtype=np.float64)
    frames = joint_frames(np.ascontiguousarray(positions.transpose(2, 0, 1)))  # (3, 3, T, 22)
    times = np.arange(len(positions)) / fps
    samples = output_length(len(positions), fps, rate_hz)
    out = np.empty((samples, positions.shape[1], 6), dtype=np.float32)
    for joint in range(positions.shape[1]):
        orientation = Rotation.from_matrix(frames[..., joint].transpose(2, 0, 1) @ REST_FRAMES[joint].T)
        acceleration = _spline(positions[:, joint] - positions[0, joint], times).derivative(2)(times)
        specific_force = orientation.inv().apply(acceleration + [0.0, GRAVITY, 0.0])
        increments = (orientation[:-1].inv() * orientation[1:]).as_rotvec()
        angle = np.concatenate((np.zeros((1, 3)), np.cumsum(increments, axis=0)))
        angular_rate = _spline(angle, times).derivative(1)(times)
        out[:, joint, :3] = _resample(specific_force, fps, rate_hz, samples)
        out[:, joint, 3:] = _resample(angular_rate, fps, rate_hz, samples)
        if sensor is not None:
            out[:, joint] = _sensor_plain(out[:, joint], sensor, rate_hz, rng)
    return out


def _spline(y: np.ndarray, times: np.ndarray):
    flat_ends = [(3, np.zeros(3)), (4, np.zeros(3))]
    return make_interp_spline(times, y, k=5, bc_type=(flat_ends, flat_ends))


def _resample(y: np.ndarray, fps: float, rate_hz: float, samples: int) -> np.ndarray:
    if abs(rate_hz / fps - 1.0) < 1e-5:
        return y[:samples]
    if rate_hz > fps:
        return _spline(y, np.arange(len(y)) / fps)(np.arange(samples) / rate_hz)
    ratio = _small_ratio(rate_hz / fps)
    out = resample_poly(y, ratio.numerator, ratio.denominator, axis=0, padtype="reflect")[:samples]
    return np.concatenate((out, np.repeat(out[-1:], samples - len(out), axis=0))) if len(out) < samples else out


def _sensor_plain(signal: np.ndarray, sensor: SensorModel, rate_hz: float, rng: np.random.Generator) -> np.ndarray:
    """One joint's (T, 6) ideal readings through the sensor model, channel by channel."""
    out = signal.astype(np.float64)
    noise_std = sensor.noise_std(rate_hz)
    knot_samples = max(1, int(round(0.5 * rate_hz)))
    knots = np.arange(0, len(out) + knot_samples, knot_samples)
    for channel in range(6):
        gyro = channel >= 3
        scale = sensor.gyro_scale_error if gyro else sensor.acc_scale_error
        bias = sensor.gyro_bias if gyro else sensor.acc_bias
        walk = sensor.gyro_bias_walk if gyro else sensor.acc_bias_walk
        steps = walk * math.sqrt(knot_samples / rate_hz) * rng.standard_normal(len(knots))
        steps[0] = 0.0
        drift = np.interp(np.arange(len(out)), knots, np.cumsum(steps))
        out[:, channel] = ((1.0 + scale * rng.standard_normal()) * out[:, channel] + bias * rng.standard_normal()
                           + drift + noise_std[gyro] * rng.standard_normal(len(out)))
        if sensor.adc_bits is not None:
            step = 2.0 * (sensor.gyro_range if gyro else sensor.acc_range) / 2 ** sensor.adc_bits
            top = 2 ** (sensor.adc_bits - 1)
            out[:, channel] = np.clip(np.rint(out[:, channel] / step), -top, top - 1) * step
    return out.astype(np.float32)
