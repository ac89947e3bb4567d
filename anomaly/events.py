"""Events from per-sample anomaly scores: threshold, merge nearby stretches, drop short ones.

Contract: :func:`detect_events` marks the samples whose score is above ``threshold`` (a given value, or
:func:`quantile_threshold` of scores on normal data), takes each run of marked samples as a stretch, merges
stretches separated by a gap of at most ``merge_s`` seconds, and keeps those lasting at least
``min_duration_s``. Each :class:`Event` has its first sample ``start`` and the sample after its last,
``stop`` (so ``stop - start`` samples), the same in seconds, and its ``peak`` score. :func:`label_events`
gives the events of a 0/1 label array (every run of non-zero labels, nothing merged) for evaluation.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np


@dataclass(frozen=True)
class EventSettings:
    """How per-sample scores become events (see the module doc)."""

    merge_s: float = 2.0
    min_duration_s: float = 1.0


@dataclass(frozen=True)
class Event:
    """Samples ``start`` (inclusive) to ``stop`` (exclusive) at ``rate_hz``; ``peak`` is the highest score."""

    start: int
    stop: int
    rate_hz: float
    peak: float = float("nan")

    @property
    def start_s(self) -> float:
        return self.start / self.rate_hz

    @property
    def end_s(self) -> float:
        return self.stop / self.rate_hz

    def row(self) -> dict:
        return {"start_s": round(self.start_s, 3), "end_s": round(self.end_s, 3), "start_sample": self.start,
                "end_sample": self.stop, "peak": round(float(self.peak), 6)}

    def to_json(self) -> dict:
        return asdict(self)


def runs(marked: np.ndarray) -> list[tuple[int, int]]:
    """(start, stop) of every run of True in a 1-D boolean array."""
    padded = np.concatenate([[False], np.asarray(marked, dtype=bool), [False]])
    edges = np.flatnonzero(np.diff(padded.astype(np.int8)))
    return [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2])]


def quantile_threshold(normal_scores: np.ndarray, quantile: float = 0.99) -> float:
    """The ``quantile`` of scores on normal data."""
    return float(np.quantile(np.asarray(normal_scores, dtype=np.float64), quantile))


def detect_events(scores: np.ndarray, threshold: float, rate_hz: float,
                  settings: EventSettings = EventSettings()) -> list[Event]:
    """Events of per-sample ``scores`` (T,) at ``rate_hz`` above ``threshold`` (see the module doc)."""
    scores = np.asarray(scores, dtype=np.float64)
    merged: list[list[int]] = []
    gap = settings.merge_s * rate_hz
    for start, stop in runs(scores > threshold):
        if merged and start - merged[-1][1] <= gap:
            merged[-1][1] = stop
        else:
            merged.append([start, stop])
    shortest = settings.min_duration_s * rate_hz
    return [Event(start, stop, rate_hz, float(scores[start:stop].max()))
            for start, stop in merged if stop - start >= shortest]


def label_events(labels: np.ndarray, rate_hz: float) -> list[Event]:
    """The events of a label array: every run of non-zero labels."""
    return [Event(start, stop, rate_hz) for start, stop in runs(np.asarray(labels) != 0)]


__all__ = ["Event", "EventSettings", "detect_events", "label_events", "quantile_threshold", "runs"]
