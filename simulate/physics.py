"""Virtual IMUs on every joint: accelerometer and gyroscope signals from skeleton motion.

Output layout, used everywhere: (T_out, 22, 6) float32 per clip: accelerometer xyz in m/s^2, then
gyroscope xyz in rad/s, per canonical joint, in the joint's sensor (body) frame, at times k / rate_hz.

* Accelerometer: specific force ``a = R^T (p'' - g)`` with ``g = (0, -GRAVITY, 0)``; a sensor at rest
  reads +GRAVITY (9.80665, :mod:`simulate.gravity`) along world up. ``gravity=False`` gives linear
  acceleration ``R^T p''``.
* Gyroscope: body-frame angular velocity ``w = vee(R^T R')``.

``R`` are the given global orientations (body -> world), or ones estimated from the positions
(:mod:`skeletons.orientation`).

Numerics, all at the input frame rate before resampling:

* ``p''``: second derivative of a quintic interpolating spline through the positions, with zero third
  and fourth derivatives at both ends. At 20 fps it keeps human motion (< 5 Hz) to about 1 % where a
  cubic spline loses 5-20 %, and its end conditions keep the first and last samples bounded.
* ``w``: body-frame rotation increments between neighbouring frames, ``log(R_i^T R_{i+1})`` (exact for
  a constant spin), summed into a rotation angle per body axis and differentiated by the same spline.
* To the output rate: anti-aliased polyphase resampling (``scipy.signal.resample_poly``) when the
  output rate is lower, the quintic spline when higher. The filter sees the clip mirrored about its
  ends (``padtype='reflect'``): constant signals such as gravity do not dip there (as with zero
  padding), and one noisy end sample does not drag the clip's end along (as with ``'line'``, whose
  extrapolation runs through the two end samples). On the jittery first frames of CMU 131_01 at
  120 fps the first 20 Hz sample peaks at 40 m/s^2 rather than 104; on clean motion both are alike.

Every step along time is linear, so for clips up to ``_DENSE_MAX_FRAMES`` frames each is applied as a
cached dense float32 matrix (the scipy computation applied to the identity) in one batched matrix
product; longer clips run the scipy computation on the data directly, in float64. Positions arrive
as float32 (as in :class:`skeletons.Motion`); at 120 fps their rounding and the float32 sums leave
accelerations within about 0.02 m/s^2 of a float64 computation.
"""
from __future__ import annotations

import math
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from fractions import Fraction
from functools import lru_cache

import numpy as np
import torch
from scipy.interpolate import BSpline, make_interp_spline
from scipy.signal import resample_poly
from threadpoolctl import threadpool_limits

from skeletons.body import NUM_JOINTS
from skeletons.errors import InputError
from skeletons.motion import Motion
from skeletons.orientation import REST_FRAMES, joint_frames

from .gravity import GRAVITY
from .sensor import SensorModel

_DENSE_MAX_FRAMES = 2048
#: Clips per unit of work on the thread pool (and per child seed of the sensor model).
_CHUNK_CLIPS = 64
_SPLINE_DEGREE = 5
#: Largest relative error accepted when reading fps / rate as a ratio of small integers for resampling.
_RATIO_TOLERANCE = 1e-5

#: Per joint, the rotation from the basis of the estimated frames to that of the orientations
#: (REST_FRAMES), as (3, 3, 22) and contiguous: einsum slows down tenfold on strided operands.
_MOUNTING = np.ascontiguousarray(REST_FRAMES.transpose(1, 2, 0))
_NO_MOUNTING = np.repeat(np.eye(3, dtype=np.float32)[..., None], NUM_JOINTS, axis=-1)

TimeMap = Callable[[np.ndarray, float, float], np.ndarray]


def output_length(num_frames: int, fps: float, rate_hz: float) -> int:
    """Samples at times k / rate_hz within a clip of ``num_frames`` frames at ``fps``."""
    return math.floor((num_frames - 1) * rate_hz / fps + 1e-6) + 1


def simulate_imu(
    motion: Motion,
    rate_hz: float = 20.0,
    sensor: SensorModel | None = None,
    seed: int | None = None,
    gravity: bool = True,
) -> np.ndarray:
    """IMU signals (T_out, 22, 6) float32 of one motion; see :func:`simulate_batch`."""
    rotations = None if motion.rotations is None else motion.rotations[None]
    return simulate_batch(motion.positions[None], motion.fps, rotations, rate_hz, sensor, seed, gravity)[0]


def simulate_batch(
    positions: np.ndarray,
    fps: float,
    rotations: np.ndarray | None = None,
    rate_hz: float = 20.0,
    sensor: SensorModel | None = None,
    seed: int | np.random.SeedSequence | list[int] | None = None,
    gravity: bool = True,
    clip_seeds: list[int] | None = None,
) -> np.ndarray:
    """IMU signals (B, T_out, 22, 6) float32 of B clips of equal length and frame rate.

    Args:
        positions: (B, T, 22, 3) joint positions, metres, y up, canonical joint order.
        fps: frame rate of the clips.
        rotations: (B, T, 22, 3, 3) global joint orientations (body -> world), or None to estimate
            them from the positions.
        rate_hz: output sample rate; ``T_out = floor((T - 1) * rate_hz / fps) + 1``.
        sensor: sensor imperfections to apply; None gives ideal signals.
        seed: seeds the sensor model's random draws (``numpy.random.default_rng``) for the batch.
        clip_seeds: one seed per clip instead, so each clip's sensor errors depend on its own seed only,
            not on which other clips share the batch (the corpus builder uses this).
        gravity: False gives linear acceleration instead of specific force.
    """
    positions, rotations = _checked(positions, fps, rotations, rate_hz)
    # Chunks of clips run on a thread pool (numpy releases the GIL in its loops), each with its own
    # child seed, so results depend on the seed and the chunk size, never on the number of threads.
    starts = range(0, positions.shape[0], _CHUNK_CLIPS)
    if clip_seeds is not None and len(clip_seeds) != positions.shape[0]:
        raise ValueError(f"clip_seeds has {len(clip_seeds)} seeds for {positions.shape[0]} clips")
    seeds = np.random.SeedSequence(seed).spawn(len(starts)) if sensor is not None else [None] * len(starts)

    def chunk(index: int) -> np.ndarray:
        part = slice(starts[index], starts[index] + _CHUNK_CLIPS)
        imu = _ideal_signals(positions[part], fps, None if rotations is None else rotations[part], rate_hz,
                             gravity)
        if sensor is None:
            return imu
        if clip_seeds is None:
            return sensor.apply(imu, rate_hz, np.random.default_rng(seeds[index]))
        return sensor.apply(imu, rate_hz, [np.random.default_rng(s) for s in clip_seeds[part]])

    if len(starts) == 1:
        return chunk(0)
    # One BLAS / OpenMP thread per worker: each worker's matrix products and torch kernels spawning threads of their own
    # oversubscribe the cores (1,569 against 901 clips/s on 2 cores, consumer sensor model).
    with ThreadPoolExecutor(max_workers=min(len(starts), os.cpu_count() or 1)) as pool, \
            threadpool_limits(limits=1):
        return np.concatenate(list(pool.map(chunk, range(len(starts)))))


def _ideal_signals(
    positions: np.ndarray, fps: float, rotations: np.ndarray | None, rate_hz: float, gravity: bool
) -> np.ndarray:
    """Noise-free IMU signals (B, T_out, 22, 6) of checked float32 inputs."""
    # Component-major, time-first layout (3, T, B, 22): long contiguous runs for the per-joint algebra,
    # one matrix product per component for the maps along time.
    p = np.ascontiguousarray(positions.transpose(3, 1, 0, 2))
    if rotations is None:
        frames, mounting = joint_frames(p), _MOUNTING
    else:
        frames, mounting = np.ascontiguousarray(rotations.transpose(3, 4, 1, 0, 2)), _NO_MOUNTING
    acceleration = _along_time(_resample, _specific_force(p, frames, fps, gravity), fps, rate_hz)
    angular_velocity = _along_time(_angular_rate, _rotation_increments(frames), fps, rate_hz)
    # Into the orientations' basis and the (B, T_out, 22, 6) layout in one step.
    signals = np.stack((acceleration, angular_velocity))  # (sensor, axis, T_out, B, 22)
    _, _, samples, clips, joints = signals.shape
    return np.einsum("klj,sltbj->btjsk", mounting, signals).reshape(clips, samples, joints, 6)


def _checked(
    positions: np.ndarray, fps: float, rotations: np.ndarray | None, rate_hz: float
) -> tuple[np.ndarray, np.ndarray | None]:
    positions = np.asarray(positions, dtype=np.float32)
    if positions.ndim != 4 or positions.shape[2:] != (NUM_JOINTS, 3) or positions.shape[1] < 2:
        raise InputError(None, f"positions must have shape (B, T >= 2, {NUM_JOINTS}, 3), "
                               f"got {positions.shape}")
    if not np.isfinite(positions).all():
        raise InputError(None, "positions hold NaN or inf")
    if not (np.isfinite(fps) and fps > 0 and np.isfinite(rate_hz) and rate_hz > 0):
        raise InputError(None, f"fps and rate_hz must be positive numbers, got {fps!r} and {rate_hz!r}")
    if rotations is not None:
        rotations = np.asarray(rotations, dtype=np.float32)
        if rotations.shape != (*positions.shape, 3):
            raise InputError(None, f"rotations must have shape {(*positions.shape, 3)}, "
                                   f"got {rotations.shape}")
        if not np.isfinite(rotations).all():
            raise InputError(None, "rotations hold NaN or inf")
    return positions, rotations


def _specific_force(p: np.ndarray, frames: np.ndarray, fps: float, gravity: bool) -> np.ndarray:
    """``F^T (p'' - g)`` (3, T, B, 22) at the input frames, from positions (3, T, B, 22) and frames F."""
    # Derivatives ignore offsets; removing the first frame keeps float32 sums small.
    acceleration = _along_time(_second_derivative, p - p[:, :1], fps, fps)
    if gravity:
        acceleration[1] += GRAVITY
    return np.einsum("mktbj,mtbj->ktbj", frames, acceleration)


def _rotation_increments(frames: np.ndarray) -> np.ndarray:
    """Body-frame rotation vectors ``log(F_i^T F_{i+1})`` (3, T - 1, B, 22) between neighbouring frames."""
    step = np.einsum("mktbj,mltbj->kltbj", frames[:, :, :-1], frames[:, :, 1:])
    skew = 0.5 * np.stack((step[2, 1] - step[1, 2], step[0, 2] - step[2, 0], step[1, 0] - step[0, 1]))
    sin_angle = np.sqrt(np.einsum("itbj,itbj->tbj", skew, skew))
    cos_angle = 0.5 * (step[0, 0] + step[1, 1] + step[2, 2] - 1.0)
    # torch's vectorised atan2 is five times faster than numpy's on float32.
    angle = torch.atan2(torch.from_numpy(sin_angle), torch.from_numpy(cos_angle)).numpy()
    return skew * (angle / np.maximum(sin_angle, 1e-12))


def _along_time(time_map: TimeMap, x: np.ndarray, fps: float, rate_hz: float) -> np.ndarray:
    """Apply a linear map along axis 1 of ``x`` (C, T, ...) -> (C, T', ...)."""
    if time_map is _resample and _same_rate(fps, rate_hz):
        return x[:, : output_length(x.shape[1], fps, rate_hz)]
    channels, frames, *rest = x.shape
    flat = x.reshape(channels, frames, -1)
    if frames <= _DENSE_MAX_FRAMES:
        out = np.matmul(_dense_operator(time_map, frames, fps, rate_hz), flat)
    else:
        columns = np.moveaxis(flat, 1, 0).reshape(frames, -1).astype(np.float64)
        mapped = time_map(columns, fps, rate_hz).astype(np.float32)
        out = np.moveaxis(mapped.reshape(len(mapped), channels, -1), 0, 1)
    return out.reshape(channels, out.shape[1], *rest)


@lru_cache(maxsize=16)
def _dense_operator(time_map: TimeMap, frames: int, fps: float, rate_hz: float) -> np.ndarray:
    """``time_map`` as a float32 matrix (T', T): the map applied to the identity."""
    operator = time_map(np.eye(frames), fps, rate_hz).astype(np.float32)
    operator.flags.writeable = False
    return operator


def _spline(y: np.ndarray, fps: float) -> BSpline:
    """Interpolating spline through the rows of ``y`` (samples along axis 0 at times i / fps)."""
    times = np.arange(len(y)) / fps
    if len(y) < 3:
        return make_interp_spline(times, y, k=1)
    flat = np.zeros(y.shape[1:])
    flat_ends = [(3, flat), (4, flat)]  # zero third and fourth derivatives
    return make_interp_spline(times, y, k=_SPLINE_DEGREE, bc_type=(flat_ends, flat_ends))


def _second_derivative(y: np.ndarray, fps: float, rate_hz: float) -> np.ndarray:
    """Second time derivative at the input frames (``rate_hz`` is unused: resampling comes later)."""
    if len(y) < 3:  # two frames: a straight line
        return np.zeros_like(y)
    return _spline(y, fps).derivative(2)(np.arange(len(y)) / fps)


def _angular_rate(increments: np.ndarray, fps: float, rate_hz: float) -> np.ndarray:
    """Angular rate at the output samples from rotation increments between neighbouring frames."""
    angle = np.concatenate((np.zeros_like(increments[:1]), np.cumsum(increments, axis=0)))
    rate = _spline(angle, fps).derivative(1)(np.arange(len(angle)) / fps)
    return _resample(rate, fps, rate_hz)


def _resample(y: np.ndarray, fps: float, rate_hz: float) -> np.ndarray:
    """Rows of ``y`` at times i / fps -> rows at times k / rate_hz within the clip."""
    samples = output_length(len(y), fps, rate_hz)
    if _same_rate(fps, rate_hz):
        return y[:samples]
    if rate_hz > fps:
        return _spline(y, fps)(np.arange(samples) / rate_hz)
    ratio = _small_ratio(rate_hz / fps)
    out = resample_poly(y, ratio.numerator, ratio.denominator, axis=0, padtype="reflect")[:samples]
    if len(out) < samples:  # an approximated ratio may fall a fraction of a sample short
        out = np.concatenate((out, np.repeat(out[-1:], samples - len(out), axis=0)))
    return out


def _same_rate(fps: float, rate_hz: float) -> bool:
    return abs(rate_hz / fps - 1.0) < _RATIO_TOLERANCE


def _small_ratio(ratio: float) -> Fraction:
    """The fraction with the smallest denominator within ``_RATIO_TOLERANCE`` (relative) of ``ratio``.

    Frame rates such as 120.00048 (a BVH frame time of 0.0083333 s) resample as exactly 1:6 rather
    than with filters tens of thousands of taps long.
    """
    exact = Fraction(ratio)
    low, high = 1, 1_000_000
    while low < high:  # the error of limit_denominator never grows with the allowed denominator
        middle = (low + high) // 2
        if abs(float(exact.limit_denominator(middle)) - ratio) <= _RATIO_TOLERANCE * ratio:
            high = middle
        else:
            low = middle + 1
    return exact.limit_denominator(low)
