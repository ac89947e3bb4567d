"""One object for a pretrained motion model: ``MotionModel.from_pretrained(folder)`` and the device described once.

    model = MotionModel.from_pretrained("runs/cpu-small")
    device = dict(rate_hz=50, joints=["right_wrist"], acc_unit="g", gravity="included")
    labels = model.classify(X, ["walking", "running"], **device)     # X: (N, T, 6) or one (T, 6)
    Z = model.encode(X, **device)                                    # (N, D) numpy
    result = model.predict_recording(recording, ["walking", "running"], **device)   # any length
    result.segments                                                  # [Segment(start_s, end_s, label, ...)]
    calibration = model.calibrate(unlabeled, ["walking", "running"], **device)   # same device, no labels
    labels = model.classify(X, ["walking", "running"], calibration=calibration, **device)

Series go through the project's one preparation path (:func:`benchmarks.prepare.prepare_windows`: placed on
their joints, converted to m/s^2 and rad/s, resampled to 20 Hz). A series longer than one 10 s window is
never cut short: it is read as sliding windows (:mod:`zero_shot.windows`) and its scores (``classify``) or
embeddings (``encode``, renormalised) are the mean over its windows; ``predict_recording`` keeps every
window's scores and merges them into segments. Windows are encoded in batches, with a progress bar when
there are many. Few-shot training (``model.classifier(...)``) is :class:`finetune.MotionModel`, which
adds it to this class (fine-tuning is the layer above zero-shot).
"""
from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import torch
from tqdm.auto import tqdm

from benchmarks.prepare import prepare_windows
from pretrain.model import MotionTextModel, load_model

from .calibration import ScoreCalibration, fit_calibration
from .device import Device, as_device, checked_series
from .evaluate import zero_shot_scores
from .prompts import TEMPLATES, class_descriptions, class_text_embeddings
from .reference import reference_windows
from .windows import WINDOW_S, Segment, WindowGrid, segments, window_grid

#: Windows at which ``progress=None`` starts showing a bar.
_PROGRESS_FROM = 4
Scorer = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


@dataclass(frozen=True)
class RecordingPrediction:
    """Per-window scores of one recording and the segments they give.

    Attributes:
        grid: the windows (sample indices, start/end seconds).
        scores: (W, K) scores of each window (cosine similarities, or probabilities for a trained classifier).
        class_names: the first description of each class, in column order.
        segments: smoothed labelled stretches (:func:`zero_shot.windows.segments`).
        note: what was done to fit the recording to the windows, in words (e.g. wrap padding).
    """

    grid: WindowGrid
    scores: np.ndarray
    class_names: list[str]
    segments: list[Segment]
    note: str

    @property
    def labels(self) -> list[str]:
        return [self.class_names[i] for i in self.scores.argmax(1)]

    def rows(self, top: int = 3) -> list[dict[str, Any]]:
        """One dict per window: start_s, end_s, label, score, and the ``top`` best ``label:score`` pairs."""
        order = np.argsort(-self.scores, axis=1)[:, :top]
        return [{"start_s": round(float(s), 3), "end_s": round(float(e), 3),
                 "label": self.class_names[o[0]], "score": round(float(row[o[0]]), 4),
                 f"top{top}": ";".join(f"{self.class_names[i]}:{row[i]:.4f}" for i in o)}
                for s, e, row, o in zip(self.grid.start_s, self.grid.end_s, self.scores, order)]


def window_outputs(scorer: Scorer, x: np.ndarray, device: Device, *, channels: int, window_s: float = WINDOW_S,
                   hop_s: float | None = None, batch_size: int = 256, remove_gravity: bool = False,
                   torch_device: torch.device | str = "cpu", progress: bool | None = None
                   ) -> tuple[np.ndarray, WindowGrid]:
    """``scorer(imu, mask)`` of every sliding window of every series of checked ``x`` (N, T, C): (N, W, out)
    and the windows' grid (the same for every series, as they share T)."""
    count, steps, _ = x.shape
    grid = window_grid(steps, device.rate_hz, window_s, hop_s)
    dataset = device.dataset()
    pieces = x if len(grid) == 1 and grid.stops[0] == steps and grid.starts[0] == 0 else None
    total = count * len(grid)
    outputs = []
    bar = tqdm(total=total, unit="window", desc="encoding", leave=False,
               disable=not progress if progress is not None else total < _PROGRESS_FROM * batch_size)
    with torch.inference_mode():
        for first in range(0, total, batch_size):
            index = np.arange(first, min(total, first + batch_size))
            series, window = np.divmod(index, len(grid))
            if pieces is not None:
                batch = pieces[series]
            else:
                batch = np.stack([x[s, grid.starts[w]:grid.stops[w]] for s, w in zip(series, window)])
            imu, mask = prepare_windows(batch, dataset.placements, device.rate_hz, window=round(window_s * 20),
                                        use_gyro=channels == 6, remove_gravity=remove_gravity)
            out = scorer(torch.from_numpy(imu).to(torch_device), torch.from_numpy(mask).to(torch_device))
            outputs.append(out.float().cpu())
            bar.update(len(index))
    bar.close()
    return torch.cat(outputs).numpy().reshape(count, len(grid), -1), grid


def predict_recording_with(scorer: Scorer, recording: Any, device: Device, class_names: list[str], *, channels: int,
                           window_s: float = WINDOW_S, hop_s: float | None = None, smooth: int = 3,
                           calibration: ScoreCalibration | None = None, **options: Any) -> RecordingPrediction:
    """Per-window scores and segments of one recording (T, C) of any length (see :class:`RecordingPrediction`),
    the scores standardised by ``calibration`` when given."""
    x = checked_series(recording, device)
    if len(x) != 1:
        raise ValueError(f"one recording (T, C) at a time, got {len(x)} series")
    scores, grid = window_outputs(scorer, x, device, channels=channels, window_s=window_s, hop_s=hop_s, **options)
    scores = scores[0] if calibration is None else calibration.apply(scores[0])
    seconds = x.shape[1] / device.rate_hz
    if seconds < window_s:
        note = f"{seconds:.1f} s is shorter than one {window_s:g} s window: wrap-padded to one window"
    else:
        note = (f"{seconds:.1f} s read as {len(grid)} windows of {window_s:g} s, hop "
                f"{(hop_s if hop_s is not None else window_s / 2):g} s, the last ending at the last sample")
    found = segments(grid, scores.argmax(1), scores, class_names, smooth)
    return RecordingPrediction(grid, scores, class_names, found, note)


class MotionModel:
    """A pretrained motion-text model with the user-facing verbs (see the module doc)."""

    def __init__(self, network: MotionTextModel, *, remove_gravity: bool = False, templates: Sequence[str] = TEMPLATES,
                 batch_size: int = 256):
        self.network = network.eval()
        self.remove_gravity = remove_gravity
        self.templates = tuple(templates)
        self.batch_size = batch_size

    @classmethod
    def from_pretrained(cls, folder: str | os.PathLike, device: str | torch.device = "cpu", **options: Any
                        ) -> MotionModel:
        """The model in ``folder`` (ours, or a UniMTS checkpoint imported by ``python -m pretrain.import_unimts``)."""
        return cls(load_model(folder, device=device), **options)

    def save_pretrained(self, folder: str | os.PathLike) -> None:
        self.network.save(folder)

    @property
    def torch_device(self) -> torch.device:
        return self.network.logit_scale.device

    def text_embeddings(self, classes: Sequence[str | Sequence[str]]) -> torch.Tensor:
        """(K, D) unit class embeddings (prompt-ensembled; a list item may be a list of synonyms)."""
        return class_text_embeddings(self.network, class_descriptions(classes), self.templates)

    def _window_outputs(self, scorer: Scorer, x: Any, device: Device | None, options: dict, *,
                        window_s: float, hop_s: float | None, progress: bool | None) -> np.ndarray:
        device = as_device(device, options)
        outputs, _ = window_outputs(scorer, checked_series(x, device), device, channels=self.network.channels,
                                    window_s=window_s, hop_s=hop_s, batch_size=self.batch_size,
                                    remove_gravity=self.remove_gravity, torch_device=self.torch_device,
                                    progress=progress)
        return outputs

    def encode(self, x: Any, device: Device | None = None, *, window_s: float = WINDOW_S, hop_s: float | None = None,
               progress: bool | None = None, **device_options: Any) -> np.ndarray:
        """(N, D) float32 unit embeddings of series ``x`` ((N, T, C) or (T, C)), mean over each series' windows."""
        z = self._window_outputs(self.network.encode_imu, x, device, device_options, window_s=window_s, hop_s=hop_s,
                                 progress=progress).mean(1)
        return (z / np.linalg.norm(z, axis=1, keepdims=True)).astype(np.float32)

    def _window_scores(self, x: Any, classes: Sequence[str | Sequence[str]], device: Device | None, options: dict,
                       *, window_s: float, hop_s: float | None, progress: bool | None) -> np.ndarray:
        """(N, W, K) cosine similarities of every window of every series with each class."""
        return self._window_outputs(self._class_scorer(classes), x, device, options, window_s=window_s, hop_s=hop_s,
                                    progress=progress)

    def _class_scorer(self, classes: Sequence[str | Sequence[str]]) -> Scorer:
        """``(imu, mask) -> (B, K)`` cosine similarities of windows with each class."""
        embeddings = self.text_embeddings(classes).to(self.torch_device)
        return lambda imu, mask: self.network.encode_imu(imu, mask) @ embeddings.T

    def scores(self, x: Any, classes: Sequence[str | Sequence[str]], device: Device | None = None, *,
               window_s: float = WINDOW_S, hop_s: float | None = None, progress: bool | None = None,
               calibration: ScoreCalibration | None = None, **device_options: Any) -> np.ndarray:
        """(N, K) cosine similarities of each series with each class, mean over the series' windows; standardised
        per class by ``calibration`` (:meth:`calibrate`) when given."""
        scores = self._window_scores(x, classes, device, device_options, window_s=window_s, hop_s=hop_s,
                                     progress=progress).mean(1)
        return scores if calibration is None else calibration.apply(scores)

    def calibrate(self, unlabeled: Any, classes: Sequence[str | Sequence[str]], device: Device | None = None, *,
                  window_s: float = WINDOW_S, hop_s: float | None = None, progress: bool | None = None,
                  **device_options: Any) -> ScoreCalibration:
        """A label-free calibration (:mod:`zero_shot.calibration`) fitted on every window of ``unlabeled``: series
        of the device ((N, T, C), or one long recording (T, C); at least 4 windows) that cover the classes and
        are not the ones to be scored. For the ``calibration`` of :meth:`scores`, :meth:`classify` and
        :meth:`predict_recording` with the same ``classes`` (being affine per class, it calibrates a window's
        scores and a series' mean over windows alike)."""
        scores = self._window_scores(unlabeled, classes, device, device_options, window_s=window_s, hop_s=hop_s,
                                     progress=progress)
        return fit_calibration(scores.reshape(-1, scores.shape[-1]))

    def normalisation(self, classes: Sequence[str | Sequence[str]], device: Device | None = None,
                      **device_options: Any) -> ScoreCalibration:
        """A calibration that reads nothing of the device (:mod:`zero_shot.reference`): each class's score mean
        and spread over simulated windows of the procedural library at the device's joints, rate and gravity
        convention. For the ``calibration`` of :meth:`scores`, :meth:`classify` and :meth:`predict_recording`
        with the same ``classes``; the result is still zero-shot."""
        device = as_device(device, device_options)
        dataset = device.dataset()
        if self.remove_gravity:
            dataset = replace(dataset, gravity="removed")
        imu, mask = reference_windows(dataset, use_gyro=self.network.channels == 6)
        return fit_calibration(zero_shot_scores(self.network, imu, mask, self.text_embeddings(classes),
                                                      self.batch_size))

    def classify(self, x: Any, classes: Sequence[str | Sequence[str]], device: Device | None = None,
                 **options: Any) -> list[str]:
        """The best class (its first description) of each series."""
        names = [synonyms[0] for synonyms in class_descriptions(classes)]
        return [names[i] for i in self.scores(x, classes, device, **options).argmax(1)]

    def predict_recording(self, recording: Any, classes: Sequence[str | Sequence[str]], device: Device | None = None,
                          *, window_s: float = WINDOW_S, hop_s: float | None = None, smooth: int = 3,
                          progress: bool | None = None, calibration: ScoreCalibration | None = None,
                          **device_options: Any) -> RecordingPrediction:
        """Sliding-window zero-shot scores and segments of one recording (T, C) of any length; every window's
        scores standardised by ``calibration`` (:meth:`calibrate`) when given."""
        device = as_device(device, device_options)
        return predict_recording_with(
            self._class_scorer(classes), recording, device,
            [synonyms[0] for synonyms in class_descriptions(classes)], channels=self.network.channels,
            window_s=window_s, hop_s=hop_s, smooth=smooth, batch_size=self.batch_size,
            remove_gravity=self.remove_gravity, torch_device=self.torch_device, progress=progress,
            calibration=calibration)


__all__ = ["MotionModel", "RecordingPrediction", "predict_recording_with", "window_outputs"]
