"""Sliding windows over recordings of any length, and per-recording segments from per-window labels.

A recording (T, C) at ``rate_hz`` is cut into windows of ``window_s`` seconds (10 s, the pretraining window)
every ``hop_s`` seconds. Nothing is dropped: when the windows do not end exactly at the last sample, one more
window ending at the last sample is added; a recording shorter than one window is one window, wrap-padded by
the preparation path (:func:`benchmarks.prepare.prepare_windows`, which also resamples each window to the
model's 20 Hz). :func:`segments` merges consecutive windows into labelled stretches with start and end
times: each window's label is first smoothed by a majority vote over ``smooth`` neighbouring windows, and
each stretch runs from the start of its first window to the point where the next stretch's window begins
to dominate (halfway between overlapping windows' centres), so segments tile the recording without gaps.
These are library functions for anything that reads recordings window by window (anomaly scores, export).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: The pretraining window, in seconds (200 samples at 20 Hz).
WINDOW_S = 10.0


@dataclass(frozen=True)
class WindowGrid:
    """Sample indices of every window of one recording: window i covers ``starts[i]:stops[i]``."""

    starts: np.ndarray
    stops: np.ndarray
    rate_hz: float

    def __len__(self) -> int:
        return len(self.starts)

    @property
    def start_s(self) -> np.ndarray:
        return self.starts / self.rate_hz

    @property
    def end_s(self) -> np.ndarray:
        return self.stops / self.rate_hz


def window_grid(length: int, rate_hz: float, window_s: float = WINDOW_S, hop_s: float | None = None) -> WindowGrid:
    """The windows of a recording of ``length`` samples (``hop_s`` default: half a window)."""
    hop_s = window_s / 2 if hop_s is None else hop_s
    if not (window_s > 0 and hop_s > 0 and rate_hz > 0):
        raise ValueError(f"window, hop and rate must be positive, got {window_s}, {hop_s}, {rate_hz}")
    size = max(1, round(window_s * rate_hz))
    hop = max(1, round(hop_s * rate_hz))
    if length <= size:
        return WindowGrid(np.array([0]), np.array([length]), rate_hz)
    starts = np.arange(0, length - size + 1, hop)
    if starts[-1] + size < length:  # the tail: one more window ending at the last sample
        starts = np.append(starts, length - size)
    return WindowGrid(starts, starts + size, rate_hz)


def cut_windows(series: np.ndarray, grid: WindowGrid) -> np.ndarray:
    """(W, size, C) views of ``series`` (T, C) at the windows of ``grid`` (all of one length; a recording
    shorter than one window gives itself)."""
    return np.stack([series[start:stop] for start, stop in zip(grid.starts, grid.stops)])


def smooth_labels(labels: np.ndarray, scores: np.ndarray, smooth: int) -> np.ndarray:
    """Majority vote over a centred run of ``smooth`` windows (odd; 1 = none); ties go to the higher summed score."""
    labels = np.asarray(labels)
    if smooth <= 1 or len(labels) < 3:
        return labels.copy()
    half = smooth // 2
    out = labels.copy()
    for i in range(len(labels)):
        lo, hi = max(0, i - half), min(len(labels), i + half + 1)
        votes = np.bincount(labels[lo:hi], minlength=scores.shape[1]).astype(float)
        votes += 1e-6 * scores[lo:hi].sum(0) / max(1.0, np.abs(scores[lo:hi]).sum())  # tie-break only
        out[i] = int(np.argmax(votes))
    return out


@dataclass(frozen=True)
class Segment:
    """A stretch of a recording with one label: ``start_s`` to ``end_s`` seconds, mean ``score`` of its windows."""

    start_s: float
    end_s: float
    label: str
    score: float
    windows: int


def segments(grid: WindowGrid, labels: np.ndarray, scores: np.ndarray, class_names: list[str],
             smooth: int = 3) -> list[Segment]:
    """Labelled stretches of one recording from its windows' labels (K-column ``scores``; see the module doc)."""
    if len(grid) == 0:
        return []
    smoothed = smooth_labels(np.asarray(labels), np.asarray(scores), smooth)
    centres = (grid.starts + grid.stops) / 2 / grid.rate_hz
    total = float(grid.stops.max()) / grid.rate_hz
    result, first = [], 0
    for i in range(1, len(smoothed) + 1):
        if i == len(smoothed) or smoothed[i] != smoothed[first]:
            start = 0.0 if first == 0 else (centres[first - 1] + centres[first]) / 2
            end = total if i == len(smoothed) else (centres[i - 1] + centres[i]) / 2
            label = int(smoothed[first])
            result.append(Segment(round(float(start), 3), round(float(end), 3), class_names[label],
                                  float(np.mean(scores[first:i, label])), i - first))
            first = i
    return result


def wrapped_seconds(length: int, rate_hz: float, window_s: float = WINDOW_S) -> float:
    """Seconds of wrap padding a recording of ``length`` samples gets (0 when it fills a window)."""
    return max(0.0, window_s - length / rate_hz) if length else window_s


def windows_needed(length: int, rate_hz: float, window_s: float = WINDOW_S, hop_s: float | None = None) -> int:
    return len(window_grid(length, rate_hz, window_s, hop_s)) if length else 0


__all__ = ["WINDOW_S", "Segment", "WindowGrid", "cut_windows", "segments", "smooth_labels", "window_grid",
           "windows_needed", "wrapped_seconds"]
