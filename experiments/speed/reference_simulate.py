"""The IMU simulation written plainly, clip by clip and joint by joint, as the comparator of
``python -m experiments.speed simulate``.

Same physics as :mod:`simulate.physics` (specific force from the second derivative of a quintic interpolating
spline with flat ends, body-frame angular rate from the rotation increments between frames, the same
resampling, whose scipy spline and resampling functions it calls), but the way it is usually written: one clip at
a time, one joint at a time, scipy ``Rotation`` objects and splines per joint in float64, and the sensor model of
:class:`simulate.sensor.SensorModel` drawn per clip and joint with numpy. Orientations come from the same
estimate (:func:`skeletons.orientation.joint_frames`), called per clip. The tests check that its ideal
signals equal the batched path's to float32 tolerance.

It lives in the speed suite, not the library: nothing simulates a corpus with it.
"""
from __future__ import annotations

import math

import numpy as np
from scipy.spatial.transform import Rotation

from simulate.gravity import GRAVITY
from simulate.physics import _resample, _spline, output_length
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
        acceleration = _spline(positions[:, joint] - positions[0, joint], fps).derivative(2)(times)
        specific_force = orientation.inv().apply(acceleration + [0.0, GRAVITY, 0.0])
        increments = (orientation[:-1].inv() * orientation[1:]).as_rotvec()
        angle = np.concatenate((np.zeros((1, 3)), np.cumsum(increments, axis=0)))
        angular_rate = _spline(angle, fps).derivative(1)(times)
        out[:, joint, :3] = _resample(specific_force, fps, rate_hz)
        out[:, joint, 3:] = _resample(angular_rate, fps, rate_hz)
        if sensor is not None:
            out[:, joint] = _sensor_plain(out[:, joint], sensor, rate_hz, rng)
    return out


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
