"""One preparation path for every protocol: real series -> the project's IMU windows and masks.

Series ``(N, T, channels)`` in stored units at their original rate become ``(N, window, 22, 6)`` float32
windows (accelerometer xyz in m/s^2, then gyroscope xyz in rad/s, canonical joint order) and a mask of the
same shape, following the UniMTS evaluation protocol (Zhang et al., NeurIPS 2024, and its released code):
the first 10 s at 20 Hz, wrap-padded when shorter.

1. each placement's channels go to its joint, times its unit factors (plus an offset for coded units);
   where a placement names its device's up axis (:attr:`~benchmarks.registry.Placement.up`), both sensors
   are turned by the smallest rotation that takes that axis onto +y (:func:`upright_frame`);
2. resampling to ``target_rate_hz`` by polyphase filtering with the exact rational ratio
   (``scipy.signal.resample_poly``: its Kaiser-windowed low-pass removes what lies above the new Nyquist
   frequency when downsampling; each series' mean is taken out before filtering and put back, so constant
   parts such as gravity pass exactly). The series keeps ``floor(T * target / rate)`` samples, the count
   the paper's code keeps (it resamples by FFT, which treats the series as periodic and rings where its
   ends differ); only the input needed for the first window is filtered. ``resampling="fft"`` is the
   reference's own step instead (``--protocol unimts``): the *whole* series through
   ``scipy.signal.resample(x, int(T / rate * target), axis=time)``, then the first window of the result;
3. optionally gravity is subtracted from the accelerometer (:func:`simulate.gravity.remove_gravity`, on the
   real samples, before padding, as the pretraining augmentation does it);
4. the first ``window`` samples are kept; a shorter series is tiled from its start (wrap padding, as
   UniMTS pads). The mask marks the tiled copies as data, as :func:`pretrain.augment.crop_or_wrap` does in
   pretraining: the encoder zeroes what the mask excludes, and zeros would read as free fall. (The paper's
   evaluation code, too, gives its model the tiled copies: it builds a padding mask but does not pass it.)
5. the mask is 0 for joints without a device, for the gyroscope of accelerometer-only devices, for every
   gyroscope when ``use_gyro`` is False (accelerometer-only models), and for devices whose placement
   belongs to other classes (UTD-MHAD).

Everything is vectorised over the series; the only loop runs over the few placements.
"""
from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from fractions import Fraction
from typing import Literal

import numpy as np
import torch
from scipy.signal import resample, resample_poly
from scipy.spatial.transform import Rotation

from simulate.gravity import remove_gravity as remove_gravity_torch
from skeletons import NUM_JOINTS

from .levelling import axis_vector
from .loader import BenchmarkSplit
from .registry import Placement

#: The evaluation window of the paper: 10 s at 20 Hz, the rate and length of pretraining windows.
WINDOW = 200
TARGET_RATE_HZ = 20.0
#: scipy's resample_poly designs its filter with 10 * max(up, down) taps on each side (at the upsampled rate).
_FILTER_HALF_TAPS = 10
#: How series are brought to the target rate: ours (anti-aliased polyphase on the prefix) or the reference's
#: (FFT over the whole series, :func:`scipy.signal.resample`).
RESAMPLING = ("polyphase", "fft")
Resampling = Literal["polyphase", "fft"]


def resampling_factors(rate_hz: float, target_rate_hz: float = TARGET_RATE_HZ) -> tuple[int, int]:
    """``(up, down)``, coprime, with ``target / rate = up / down`` (denominators up to 1000, e.g. 50 -> 20 Hz:
    (2, 5); 32 -> 20 Hz: (5, 8); 10 -> 20 Hz: (2, 1))."""
    if not (rate_hz > 0 and target_rate_hz > 0):
        raise ValueError(f"sample rates must be positive, got {rate_hz} and {target_rate_hz}")
    ratio = Fraction(target_rate_hz).limit_denominator(10**6) / Fraction(rate_hz).limit_denominator(10**6)
    ratio = ratio.limit_denominator(1000)
    return ratio.numerator, ratio.denominator


def prepare_windows(
    x: np.ndarray,
    placements: Sequence[Placement],
    rate_hz: float,
    *,
    labels: np.ndarray | None = None,
    window: int = WINDOW,
    target_rate_hz: float = TARGET_RATE_HZ,
    use_gyro: bool = True,
    remove_gravity: bool = False,
    resampling: Resampling = "polyphase",
) -> tuple[np.ndarray, np.ndarray]:
    """``(imu, mask)``, both (N, window, 22, 6) float32, from series ``x`` (N, T, channels) at ``rate_hz``.

    Args:
        x: series in stored units; channels as the placements read them.
        placements: where each device's channels go (see :class:`benchmarks.registry.Placement`).
        rate_hz: the series' sample rate.
        labels: (N,) class ids; needed only when a placement is restricted to some classes.
        window: samples per output window.
        target_rate_hz: the output rate.
        use_gyro: False zeroes and masks every gyroscope (for accelerometer-only models).
        remove_gravity: subtract the gravity estimate from every accelerometer (for data that includes it).
        resampling: "polyphase" (ours, step 2 of the module doc) or "fft" (the reference's: the whole series
            by :func:`scipy.signal.resample` to ``int(T / rate_hz * target_rate_hz)`` samples).
    """
    x = np.asarray(x)
    if x.ndim != 3:
        raise ValueError(f"series must be shaped (N, T, channels), got {x.shape}")
    if resampling not in RESAMPLING:
        raise ValueError(f"resampling must be one of {', '.join(RESAMPLING)}, got {resampling!r}")
    count, steps, _ = x.shape
    if resampling == "fft":
        signals, present = _gather(x, placements)
        length = max(1, int(steps / rate_hz * target_rate_hz))
        signals = resample(signals, length, axis=1)[:, :window]
    else:
        up, down = resampling_factors(rate_hz, target_rate_hz)
        length = max(1, steps * up // down)  # real samples at the target rate
        needed = math.ceil(window * down / up) + math.ceil(_FILTER_HALF_TAPS * max(up, down) / up) + 1
        signals, present = _gather(x[:, : min(steps, needed)], placements)
        if (up, down) != (1, 1):
            signals = resample_poly(signals, up, down, axis=1, padtype="mean")
        signals = signals[:, : min(length, window)]
    if remove_gravity:
        mask = torch.from_numpy(np.broadcast_to(present, signals.shape).astype(signals.dtype))
        signals = remove_gravity_torch(torch.from_numpy(signals), mask, target_rate_hz).numpy()
    if signals.shape[1] < window:
        signals = signals[:, np.arange(window) % signals.shape[1]]
    if not use_gyro:
        present[:, 3:] = False
    keep = present[None, :, :] & _applies(placements, labels, count)[:, :, None]  # (N, P, 6)
    joints = [p.joint for p in placements]
    imu = np.zeros((count, window, NUM_JOINTS, 6), dtype=np.float32)
    mask = np.zeros_like(imu)
    imu[:, :, joints] = signals * keep[:, None]
    mask[:, :, joints] = keep[:, None]
    return imu, mask


def _gather(x: np.ndarray, placements: Sequence[Placement]) -> tuple[np.ndarray, np.ndarray]:
    """(N, T, P, 6) float64 signals in m/s^2 and rad/s, and (P, 6) bool: which channels exist."""
    signals = np.zeros((x.shape[0], x.shape[1], len(placements), 6))
    present = np.zeros((len(placements), 6), dtype=bool)
    for index, placement in enumerate(placements):
        first, last = placement.acc
        signals[:, :, index, :3] = x[:, :, first:last] * placement.acc_scale + placement.acc_offset
        present[index, :3] = True
        if placement.gyro is not None:
            first, last = placement.gyro
            signals[:, :, index, 3:] = x[:, :, first:last] * placement.gyro_scale
            present[index, 3:] = True
        if placement.up is not None:
            turn = upright_frame(placement.up)
            signals[:, :, index, :3] = signals[:, :, index, :3] @ turn.T
            signals[:, :, index, 3:] = signals[:, :, index, 3:] @ turn.T
    return signals, present


def upright_frame(up: str) -> np.ndarray:
    """(3, 3) the smallest rotation that takes device axis ``up`` ("+x", "-z", ...) onto +y (for "-y" SciPy
    picks a half turn). Readings ``v`` in the device frame become ``R @ v``."""
    return Rotation.align_vectors([[0.0, 1.0, 0.0]], [axis_vector(up)])[0].as_matrix()


def _applies(placements: Sequence[Placement], labels: np.ndarray | None, count: int) -> np.ndarray:
    """(N, P) bool: whether series n wears device p (class-restricted placements need the labels)."""
    applies = np.ones((count, len(placements)), dtype=bool)
    for index, placement in enumerate(placements):
        if placement.classes is not None:
            if labels is None:
                raise ValueError(f"the placement on joint {placement.joint} depends on the class: pass labels")
            applies[:, index] = np.isin(np.asarray(labels), placement.classes)
    return applies


def iter_prepared(
    split: BenchmarkSplit,
    *,
    batch_size: int = 256,
    window: int = WINDOW,
    use_gyro: bool = True,
    gravity: Literal["keep", "remove"] = "keep",
    resampling: Resampling = "polyphase",
) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """``(imu, mask, targets)`` chunks of at most ``batch_size`` series of a split, in order.

    ``targets`` are column indices into the split's classes (:attr:`BenchmarkSplit.targets`). ``gravity``
    "remove" subtracts gravity from datasets whose accelerometer includes it and leaves the others alone;
    ``resampling`` as in :func:`prepare_windows`.
    Memory stays bounded by the chunk, so memory-mapped test sets of any size stream through.
    """
    dataset = split.dataset
    remove = gravity == "remove" and dataset.gravity == "included"
    targets = split.targets
    for start in range(0, len(split.x), batch_size):
        stop = start + batch_size
        imu, mask = prepare_windows(split.x[start:stop], dataset.placements, dataset.rate_hz,
                                    labels=split.y[start:stop], window=window, use_gyro=use_gyro,
                                    remove_gravity=remove, resampling=resampling)
        yield imu, mask, targets[start:stop]


def prepare_split(split: BenchmarkSplit, **options) -> tuple[np.ndarray, np.ndarray]:
    """The whole split as ``(imu, mask)`` (N, window, 22, 6); ``options`` as for :func:`iter_prepared`."""
    chunks = list(iter_prepared(split, **options))
    return np.concatenate([c[0] for c in chunks]), np.concatenate([c[1] for c in chunks])
