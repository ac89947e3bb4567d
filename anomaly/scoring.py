"""Fit detectors on normal recordings and score recordings of any length, one batch of windows at a time.

    scorer = AnomalyScorer(build_detectors(["knn", "text"], DetectorSettings(), network), device,
                           WindowSettings(), network=network)
    scorer.fit([normal_series])                # (T, C) arrays; may be empty when only ``text`` is asked for
    result = scorer.score(recording)           # RecordingScores: per-window scores of every detector
    result.samples("knn")                      # (T,) per-sample scores

Contract:

* ``fit`` reads every window of the normal recordings (:func:`anomaly.windows.window_batches`), keeps the
  features its detectors read (embeddings (N, D); prepared windows' data channels (N, C, 200) for the
  classical baselines) and fits each detector on them. Each detector's threshold is the ``quantile`` of
  its scores on normal windows it was not fitted on (two-fold cross-fitting over contiguous halves of the
  normal windows, so overlapping neighbours rarely sit on both sides), or ``0`` for the text detector
  without normal data (abnormal descriptions closer than normal ones).
* ``score`` streams the recording: each batch's features are computed once, every detector scores them, and
  only the (W,) scores of each detector are kept, so memory does not grow with the recording beyond
  O(windows) floats (embeddings are never gathered for a recording being scored).
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import torch

from skeletons.errors import InputError
from zero_shot.device import Device
from zero_shot.windows import WindowGrid

from .detectors import Detector
from .windows import Batch, WindowSettings, checked_recording, grid_of, sample_scores, window_batches

#: The quantile of normal windows' scores used as a detector's threshold when none is given.
QUANTILE = 0.99


@dataclass(frozen=True)
class RecordingScores:
    """Per-window scores of one recording: ``scores[name]`` (W,) for each detector, on ``grid``."""

    grid: WindowGrid
    length: int
    scores: dict[str, np.ndarray]
    thresholds: dict[str, float] = field(default_factory=dict)

    @property
    def rate_hz(self) -> float:
        return self.grid.rate_hz

    def samples(self, name: str, reduce: Literal["mean", "max"] = "mean") -> np.ndarray:
        """(T,) per-sample scores of detector ``name`` (see :func:`anomaly.windows.sample_scores`)."""
        return sample_scores(self.grid, self.scores[name], self.length, reduce)


class AnomalyScorer:
    """Detectors fitted on normal recordings of one device, scoring recordings of it (see the module doc)."""

    def __init__(self, detectors: Sequence[Detector], device: Device, settings: WindowSettings | None = None,
                 *, network: Any = None, torch_device: str | torch.device = "cpu", quantile: float = QUANTILE,
                 progress: bool | None = None):
        if any(d.feature == "embedding" or d.pretrained for d in detectors) and network is None:
            raise InputError(None, "the pretrained detectors (knn, mahalanobis, text, forecast-net) need a model "
                                   "(--model DIR)")
        self.detectors = list(detectors)
        self.device = device
        self.settings = settings or WindowSettings()
        self.network = None if network is None else network.to(torch_device).eval()
        self.torch_device = torch_device
        self.quantile = quantile
        self.progress = progress
        self.kinds = sorted({d.feature for d in detectors})
        self.channels: np.ndarray | None = None
        self.thresholds: dict[str, float] = {}
        self.fitted = False

    @property
    def use_gyro(self) -> bool:
        return self.network is None or self.network.channels == 6

    def _features(self, batch: Batch) -> dict[str, np.ndarray]:
        if self.channels is None:
            self.channels = batch.channels
        elif not np.array_equal(self.channels, batch.channels):
            raise InputError(None, "the recordings do not all hold the same joints and channels")
        features = {}
        if "embedding" in self.kinds:
            with torch.inference_mode():
                z = self.network.encode_imu(torch.from_numpy(batch.imu).to(self.torch_device),
                                            torch.from_numpy(batch.mask).to(self.torch_device))
            features["embedding"] = z.float().cpu().numpy()
        if "window" in self.kinds:
            features["window"] = batch.compact(self.channels)
        return features

    def batches(self, series: np.ndarray, desc: str) -> Iterator[tuple[Batch, dict[str, np.ndarray]]]:
        """Each batch of windows of a checked recording with its features."""
        for batch in window_batches(series, self.device, self.settings, use_gyro=self.use_gyro,
                                    progress=self.progress, desc=desc):
            yield batch, self._features(batch)

    def check(self, recording: Any, source: str | None = None) -> np.ndarray:
        return checked_recording(recording, self.device, self.settings, source)

    def fit(self, normal: Sequence[Any], sources: Sequence[str | None] | None = None) -> AnomalyScorer:
        """Fit every detector on the windows of the ``normal`` recordings and set thresholds (module doc)."""
        sources = list(sources) if sources is not None else [None] * len(normal)
        gathered: dict[str, list[np.ndarray]] = {kind: [] for kind in self.kinds}
        for recording, source in zip(normal, sources):
            series = self.check(recording, source)
            for _, features in self.batches(series, "normal windows"):
                for kind, values in features.items():
                    gathered[kind].append(values)
        features = {kind: np.concatenate(parts) for kind, parts in gathered.items() if parts}
        count = len(next(iter(features.values()))) if features else 0
        for detector in self.detectors:
            detector.channels = self.channels
            if not detector.needs_normal and count == 0:
                self.thresholds[detector.name] = 0.0
                detector.fit(np.empty((0,)))
                continue
            if count < 4:
                raise InputError(sources[0] if sources else None,
                                 f"the {detector.name} detector needs normal recordings: at least 4 windows, "
                                 f"got {count}")
            values = features[detector.feature]
            half = count // 2
            held_out = np.concatenate([detector.fresh().fit(values[:half]).score(values[half:]),
                                       detector.fresh().fit(values[half:]).score(values[:half])])
            self.thresholds[detector.name] = float(np.quantile(held_out, self.quantile))
            detector.fit(values)
        self.fitted = True
        return self

    def score(self, recording: Any, source: str | None = None, desc: str = "scoring") -> RecordingScores:
        """Per-window scores of every detector on one recording (T, C) of any length (module doc)."""
        if not self.fitted:
            raise RuntimeError("fit the scorer first (fit([]) when only the text detector is used)")
        series = self.check(recording, source)
        grid = grid_of(len(series), self.device, self.settings)
        scores = {d.name: np.empty(len(grid)) for d in self.detectors}
        for batch, features in self.batches(series, desc):
            for detector in self.detectors:
                scores[detector.name][batch.index] = detector.score(features[detector.feature])
        return RecordingScores(grid, len(series), scores, dict(self.thresholds))


__all__ = ["QUANTILE", "AnomalyScorer", "RecordingScores"]
