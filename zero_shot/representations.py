"""Sensor windows as a language model reads them: numbers with statistics (text) or a plot (PNG).

A :class:`SensorWindow` is one prepared evaluation window (:mod:`benchmarks.prepare`, the one preparation
path: m/s^2 and rad/s, 20 Hz, the first 10 s) cut down to what was recorded: the channels that exist and the
samples before wrap padding. Two representations, after VLM-TSC (Prithyani et al., "On the Feasibility of
Vision-Language Models for Time-Series Classification", 2024):

* :func:`render_text`: its WITH_STATS representation: per channel, summary statistics (mean, standard
  deviation, minimum, maximum) and then the values, downsampled by block means and rounded.
  :func:`fit_text` raises the downsampling factor until the text fits a token budget;
* :func:`render_plot`: a PNG with one panel per device and sensor (x, y, z lines over time), for vision models.

Token counts are estimates (:func:`estimate_tokens`, :func:`image_tokens`), used to announce a run's size.
"""
from __future__ import annotations

import hashlib
import io
import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

import numpy as np
from matplotlib.figure import Figure

from benchmarks.loader import BenchmarkSplit
from benchmarks.prepare import TARGET_RATE_HZ, WINDOW, iter_prepared, resampling_factors
from skeletons import JOINT_NAMES
from skeletons.errors import InputError

Representation = Literal["text", "plot"]
REPRESENTATIONS: tuple[str, ...] = ("text", "plot")
#: Column c of the (22, 6) layout: sensor and axis.
CHANNEL_NAMES = ("acc_x", "acc_y", "acc_z", "gyro_x", "gyro_y", "gyro_z")
#: Characters per token assumed for digit-heavy text (BPE tokenizers spend a token on 2-4 characters of
#: numbers; 3 errs on the side of a larger bill).
CHARS_PER_TOKEN = 3.0
#: The plot's size in pixels (width, height per panel row) at :data:`PLOT_DPI`.
PLOT_DPI = 80
PLOT_WIDTH_IN = 6.4
PLOT_ROW_IN = 1.6


@dataclass(frozen=True)
class SensorWindow:
    """The recorded part of one prepared window.

    Attributes:
        values: (L, C) float32: the real samples (no wrap padding) of the C recorded channels.
        channels: (joint, column) of each channel; column 0-2 accelerometer xyz (m/s^2), 3-5 gyroscope xyz (rad/s).
        rate_hz: the sample rate of ``values``.
        gravity: whether the accelerometer includes gravity ("included") or not ("removed").
    """

    values: np.ndarray
    channels: tuple[tuple[int, int], ...]
    rate_hz: float
    gravity: str

    @property
    def joints(self) -> list[int]:
        """The joints that carry a device, in channel order."""
        return list(dict.fromkeys(joint for joint, _ in self.channels))

    def digest(self) -> str:
        """SHA-256 of the values, channels, rate and gravity: two windows with one digest read the same."""
        hasher = hashlib.sha256(np.ascontiguousarray(self.values, dtype="<f4").tobytes())
        hasher.update(repr((self.values.shape, self.channels, self.rate_hz, self.gravity)).encode())
        return hasher.hexdigest()


@dataclass(frozen=True)
class TextSettings:
    """The text representation: start from ``downsample`` (block means of that many samples), round to
    ``decimals``, and downsample further until the text needs at most ``budget_tokens`` tokens."""

    downsample: int = 1
    decimals: int = 2
    budget_tokens: int = 2048

    def __post_init__(self) -> None:
        if self.downsample < 1 or self.decimals < 0 or self.budget_tokens < 1:
            raise InputError(None, f"text representation: downsample >= 1, decimals >= 0 and a positive token "
                                   f"budget are needed, got {self.downsample}, {self.decimals}, {self.budget_tokens}")


def real_length(split: BenchmarkSplit, window: int = WINDOW) -> int:
    """Samples of a prepared window of ``split`` that are recorded rather than wrap padding."""
    up, down = resampling_factors(split.dataset.rate_hz, TARGET_RATE_HZ)
    return min(window, max(1, split.x.shape[1] * up // down))


def sensor_windows(split: BenchmarkSplit, *, gravity: Literal["keep", "remove"] = "keep", window: int = WINDOW,
                   batch_size: int = 256) -> Iterator[SensorWindow]:
    """Every series of ``split`` prepared as the motion models see it (gyroscope included), cut to what was
    recorded (:class:`SensorWindow`), in order."""
    length = real_length(split, window)
    removed = gravity == "remove" or split.dataset.gravity == "removed"
    for imu, mask, _ in iter_prepared(split, batch_size=batch_size, window=window, use_gyro=True, gravity=gravity):
        for series, present in zip(imu, mask):
            joints, columns = np.nonzero(present[0])
            yield SensorWindow(values=np.ascontiguousarray(series[:length, joints, columns], dtype=np.float32),
                               channels=tuple(zip(joints.tolist(), columns.tolist())), rate_hz=TARGET_RATE_HZ,
                               gravity="removed" if removed else "included")


def channel_label(joint: int, column: int) -> str:
    return f"{JOINT_NAMES[joint]} {CHANNEL_NAMES[column]}"


def describe(window: SensorWindow) -> str:
    """One paragraph: where the devices sit, what they measure, units, rate and duration."""
    devices = []
    for joint in window.joints:
        columns = {column for j, column in window.channels if j == joint}
        sensors = "accelerometer and gyroscope" if columns & {3, 4, 5} and columns & {0, 1, 2} else (
            "gyroscope" if columns <= {3, 4, 5} else "accelerometer")
        devices.append(f"{JOINT_NAMES[joint].replace('_', ' ')} ({sensors})")
    seconds = len(window.values) / window.rate_hz
    return (f"Wearable motion sensors on the {', '.join(devices)}, {seconds:g} s recorded at {window.rate_hz:g} Hz. "
            f"Accelerometer in m/s^2 ({'gravity included' if window.gravity == 'included' else 'gravity removed'}), "
            f"gyroscope in rad/s, each in the sensor's own frame.")


def downsampled(values: np.ndarray, factor: int) -> np.ndarray:
    """Block means of ``factor`` samples along time (a last, shorter block is averaged too)."""
    if factor <= 1:
        return values
    blocks = math.ceil(len(values) / factor)
    padded = np.full((blocks * factor, values.shape[1]), np.nan, dtype=np.float64)
    padded[: len(values)] = values
    return np.nanmean(padded.reshape(blocks, factor, -1), axis=1)


def _number(value: float, decimals: int) -> str:
    text = f"{value:.{decimals}f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text


def render_text(window: SensorWindow, factor: int = 1, decimals: int = 2) -> str:
    """The WITH_STATS text of ``window``, downsampled by ``factor`` and rounded to ``decimals``."""
    values = downsampled(window.values.astype(np.float64), factor)
    lines = [describe(window),
             f"Statistics of each channel, then its values every {factor / window.rate_hz:g} s"
             + (f" (means of {factor} samples)" if factor > 1 else "") + f", rounded to {decimals} decimals:"]
    for index, (joint, column) in enumerate(window.channels):
        raw = window.values[:, index].astype(np.float64)
        stats = " ".join(f"{name}={_number(value, decimals)}" for name, value in
                         (("mean", raw.mean()), ("std", raw.std()), ("min", raw.min()), ("max", raw.max())))
        series = ",".join(_number(v, decimals) for v in values[:, index])
        lines.append(f"{channel_label(joint, column)}: {stats}; values: {series}")
    return "\n".join(lines)


def estimate_tokens(text: str) -> int:
    """A conservative token estimate of ``text`` (:data:`CHARS_PER_TOKEN` characters per token)."""
    return math.ceil(len(text) / CHARS_PER_TOKEN)


def fit_text(window: SensorWindow, settings: TextSettings, overhead_tokens: int = 0) -> tuple[str, int]:
    """``(text, factor)``: :func:`render_text` at the smallest factor >= ``settings.downsample`` whose estimate plus
    ``overhead_tokens`` (the rest of the prompt) fits ``settings.budget_tokens``; InputError when even one value
    per channel does not fit."""
    factor = settings.downsample
    while True:
        text = render_text(window, factor, settings.decimals)
        if estimate_tokens(text) + overhead_tokens <= settings.budget_tokens:
            return text, factor
        if factor >= len(window.values):
            raise InputError(None, f"the text representation of {len(window.channels)} channels needs "
                                   f"{estimate_tokens(text) + overhead_tokens} tokens even at one value per channel; "
                                   f"the budget is {settings.budget_tokens} (raise it)")
        # Grow by the ratio still needed (at least one step), so long windows take few renderings.
        ratio = (estimate_tokens(text) + overhead_tokens) / settings.budget_tokens
        factor = min(len(window.values), max(factor + 1, math.ceil(factor * ratio)))


def plot_rows(window: SensorWindow) -> list[tuple[int, str, list[int]]]:
    """(joint, sensor name, channel indices) of each panel of :func:`render_plot`, in order."""
    rows = []
    for joint in window.joints:
        for sensor, columns in (("accelerometer (m/s^2)", (0, 1, 2)), ("gyroscope (rad/s)", (3, 4, 5))):
            indices = [i for i, (j, c) in enumerate(window.channels) if j == joint and c in columns]
            if indices:
                rows.append((joint, sensor, indices))
    return rows


def plot_size(window: SensorWindow) -> tuple[int, int]:
    """(width, height) in pixels of :func:`render_plot`'s image."""
    rows = len(plot_rows(window))
    return round(PLOT_WIDTH_IN * PLOT_DPI), round((PLOT_ROW_IN * rows + 0.4) * PLOT_DPI)


def render_plot(window: SensorWindow) -> bytes:
    """A PNG of ``window``: one panel per device and sensor, its x, y, z channels as lines over seconds."""
    rows = plot_rows(window)
    width, height = plot_size(window)
    figure = Figure(figsize=(width / PLOT_DPI, height / PLOT_DPI), dpi=PLOT_DPI)
    # Fixed margins (in inches, as fractions of this figure): a layout engine would cost more than the drawing.
    figure.subplots_adjust(left=0.5 / PLOT_WIDTH_IN, right=1 - 0.1 / PLOT_WIDTH_IN, bottom=0.45 * PLOT_DPI / height,
                           top=1 - 0.25 * PLOT_DPI / height, hspace=0.35)
    axes = figure.subplots(len(rows), 1, sharex=True, squeeze=False)[:, 0]
    seconds = np.arange(len(window.values)) / window.rate_hz
    for panel, (joint, sensor, indices) in zip(axes, rows):
        for index in indices:
            panel.plot(seconds, window.values[:, index], linewidth=1.0,
                       label=CHANNEL_NAMES[window.channels[index][1]][-1])
        panel.set_title(f"{JOINT_NAMES[joint].replace('_', ' ')} {sensor}", fontsize=8)
        panel.tick_params(labelsize=7)
        panel.legend(fontsize=6, loc="upper right", ncols=3)
    axes[-1].set_xlabel("time (s)", fontsize=8)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=PLOT_DPI, metadata={"Software": None})
    return buffer.getvalue()


def image_tokens(width: int, height: int) -> int:
    """An image's token estimate by OpenAI's high-detail rule (85 + 170 per 512-pixel tile)."""
    return 85 + 170 * math.ceil(width / 512) * math.ceil(height / 512)
