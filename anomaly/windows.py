"""Sliding windows over a recording of any length, streamed in batches, and window scores back onto samples.

Contract:

* :func:`checked_recording` turns one recording (T, C) - numpy or torch - into float64 (T, C) checked against
  its :class:`zero_shot.device.Device` (:func:`zero_shot.device.checked_series`: channel count, NaN, units),
  and refuses one shorter than a window (:class:`skeletons.errors.InputError` naming ``source``): an anomaly
  score needs at least one whole window of real samples (zero-shot prediction wrap-pads instead).
* :func:`window_batches` cuts the recording into the windows of :func:`zero_shot.windows.window_grid`
  (``window_s`` long every ``hop_s``; one more window ends at the last sample) and yields them
  ``batch_size`` at a time as :class:`Batch`: the windows' indices and the prepared ``(B, 200, 22, 6)`` imu
  and mask of the project's one preparation path (:func:`benchmarks.prepare.prepare_windows`: placed on the
  device's joints, in m/s^2 and rad/s, resampled to the model's 20 Hz). It is a generator: at most one batch
  of windows exists at a time, whatever the recording's length, and a tqdm bar counts windows.
* :func:`sample_scores` maps per-window scores (W,) back to per-sample scores (T,): the mean (or max) over
  the windows covering each sample. :func:`window_labels` does the reverse for labels: a window is
  anomalous when at least ``min_fraction`` of its samples are.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from tqdm.auto import tqdm

from benchmarks.prepare import TARGET_RATE_HZ, prepare_windows
from skeletons.errors import InputError
from zero_shot.device import Device, checked_series
from zero_shot.windows import WINDOW_S, WindowGrid, window_grid

#: The default hop of anomaly windows: a quarter window (finer localisation than zero-shot's half window).
HOP_S = 2.5


@dataclass(frozen=True)
class WindowSettings:
    """Window geometry and batching: ``window_s`` (the model's 10 s), ``hop_s``, windows per batch."""

    window_s: float = WINDOW_S
    hop_s: float = HOP_S
    batch_size: int = 64
    remove_gravity: bool = False

    def __post_init__(self) -> None:
        if not (self.window_s > 0 and self.hop_s > 0 and self.batch_size > 0):
            raise InputError(None, f"window, hop and batch size must be positive, got {self.window_s}, "
                                   f"{self.hop_s}, {self.batch_size}")

    def samples(self, rate_hz: float) -> int:
        """Samples per window at ``rate_hz``."""
        return max(1, round(self.window_s * rate_hz))

    @property
    def prepared_length(self) -> int:
        """Samples per prepared window (at the model's 20 Hz)."""
        return round(self.window_s * TARGET_RATE_HZ)


@dataclass(frozen=True)
class Batch:
    """Windows ``index`` (B,) of a recording's grid, prepared: ``imu`` and ``mask`` (B, L, 22, 6) float32."""

    index: np.ndarray
    imu: np.ndarray
    mask: np.ndarray

    def __len__(self) -> int:
        return len(self.index)

    @property
    def channels(self) -> np.ndarray:
        """(22, 6) bool: the (joint, channel) pairs holding data."""
        return self.mask.reshape(-1, *self.mask.shape[2:]).any(axis=0)

    def compact(self, channels: np.ndarray) -> np.ndarray:
        """(B, C, L) float32: the ``channels`` (22, 6 bool) of every window, joint-major, as aeon reads series."""
        return np.ascontiguousarray(self.imu[:, :, channels].transpose(0, 2, 1), dtype=np.float32)


def checked_recording(x: Any, device: Device, settings: WindowSettings, source: str | None = None) -> np.ndarray:
    """(T, C) float64 of one recording, checked (see the module doc)."""
    series = checked_series(x, device, source)
    if len(series) != 1:
        raise InputError(source, f"one recording (T, C) at a time, got {len(series)} series")
    length, size = series.shape[1], settings.samples(device.rate_hz)
    if length < size:
        raise InputError(source, f"{length} samples ({length / device.rate_hz:.1f} s at {device.rate_hz:g} Hz) is "
                                 f"shorter than one {settings.window_s:g} s window ({size} samples)")
    return series[0]


def grid_of(length: int, device: Device, settings: WindowSettings) -> WindowGrid:
    """The windows of a recording of ``length`` samples."""
    return window_grid(length, device.rate_hz, settings.window_s, settings.hop_s)


def window_batches(series: np.ndarray, device: Device, settings: WindowSettings, *, use_gyro: bool = True,
                   progress: bool | None = None, desc: str = "windows") -> Iterator[Batch]:
    """Prepared batches of the sliding windows of a checked recording (T, C) (see the module doc)."""
    grid = grid_of(len(series), device, settings)
    placements = device.dataset().placements
    bar = tqdm(total=len(grid), unit="window", desc=desc, leave=False,
               disable=not progress if progress is not None else len(grid) < 4 * settings.batch_size)
    try:
        for first in range(0, len(grid), settings.batch_size):
            index = np.arange(first, min(len(grid), first + settings.batch_size))
            raw = np.stack([series[grid.starts[i]:grid.stops[i]] for i in index])
            imu, mask = prepare_windows(raw, placements, device.rate_hz, window=settings.prepared_length,
                                        use_gyro=use_gyro, remove_gravity=settings.remove_gravity)
            yield Batch(index, imu, mask)
            bar.update(len(index))
    finally:
        bar.close()


def sample_scores(grid: WindowGrid, scores: np.ndarray, length: int,
                  reduce: Literal["mean", "max"] = "mean") -> np.ndarray:
    """(length,) float64: each sample's ``reduce`` over the window scores (W,) of the windows covering it."""
    scores = np.asarray(scores, dtype=np.float64)
    if scores.shape != (len(grid),):
        raise ValueError(f"{len(grid)} windows but {scores.shape} scores")
    if reduce == "mean":
        total, count = np.zeros(length + 1), np.zeros(length + 1)
        np.add.at(total, grid.starts, scores)
        np.add.at(total, grid.stops, -scores)
        np.add.at(count, grid.starts, 1.0)
        np.add.at(count, grid.stops, -1.0)
        return np.cumsum(total)[:length] / np.maximum(np.cumsum(count)[:length], 1.0)
    if reduce == "max":
        out = np.full(length, -np.inf)
        for start, stop, score in zip(grid.starts, grid.stops, scores):
            np.maximum(out[start:stop], score, out=out[start:stop])
        return out
    raise ValueError(f"reduce must be 'mean' or 'max', got {reduce!r}")


def window_labels(grid: WindowGrid, labels: np.ndarray, min_fraction: float = 0.5) -> np.ndarray:
    """(W,) int: 1 where at least ``min_fraction`` of a window's samples are labelled anomalous (non-zero)."""
    cumulative = np.concatenate([[0], np.cumsum(np.asarray(labels) != 0)])
    fraction = (cumulative[grid.stops] - cumulative[grid.starts]) / (grid.stops - grid.starts)
    return (fraction >= min_fraction).astype(np.int64)


__all__ = ["HOP_S", "Batch", "WindowSettings", "checked_recording", "grid_of", "sample_scores", "window_batches",
           "window_labels"]
