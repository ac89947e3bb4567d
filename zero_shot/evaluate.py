"""Zero-shot evaluation: score IMU windows against class text embeddings by cosine similarity.

The UniMTS protocol (Zhang et al., NeurIPS 2024): every test series is prepared as the pretraining
windows are (:mod:`benchmarks.prepare`), embedded by the motion encoder, and compared with the embedding
of every class description; the most similar class is the prediction, and the ranking of all
classes gives R@k and MRR. No label of the dataset is used for training.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import torch
from tqdm.auto import tqdm

from benchmarks.loader import BenchmarkSplit
from benchmarks.metrics import classification_metrics, confusion
from benchmarks.prepare import WINDOW, Resampling, iter_prepared

from .calibration import ScoreCalibration
from .prompts import TEMPLATES, ClassText, class_text_embeddings


@dataclass
class DatasetResult:
    """The zero-shot outcome on one split.

    Attributes:
        name: the dataset's name.
        metrics: :func:`benchmarks.metrics.classification_metrics` (fractions in [0, 1], and n).
        confusion: (K, K) counts, row = true class, column = predicted.
        class_names: the first description of each class, in column order.
        scores: (N, K) cosine similarities (standardised when a calibration was given).
        targets: (N,) true columns.
    """

    name: str
    metrics: dict[str, float | int]
    confusion: np.ndarray
    class_names: list[str]
    scores: np.ndarray
    targets: np.ndarray


def _model_device(model) -> torch.device:
    return next(model.parameters()).device


@torch.inference_mode()
def zero_shot_scores(model, imu: np.ndarray | torch.Tensor, mask: np.ndarray | torch.Tensor,
                     class_embeddings: torch.Tensor, batch_size: int = 256) -> np.ndarray:
    """(N, K) float32 cosine similarities between windows ``imu`` / ``mask`` (N, T, 22, 6) and the (K, D)
    unit ``class_embeddings``, encoded in batches of ``batch_size`` on the model's device."""
    device = _model_device(model)
    classes = class_embeddings.to(device=device, dtype=torch.float32)
    imu, mask = torch.as_tensor(imu), torch.as_tensor(mask)
    scores = []
    for start in range(0, len(imu), batch_size):
        x = imu[start:start + batch_size].to(device=device, dtype=torch.float32)
        m = mask[start:start + batch_size].to(device=device, dtype=torch.float32)
        scores.append((model.encode_imu(x, m).float() @ classes.T).cpu())
    return torch.cat(scores).numpy()


def evaluate_split(model, split: BenchmarkSplit, *, batch_size: int = 256, use_gyro: bool | None = None,
                   gravity: Literal["keep", "remove"] = "keep", templates: tuple[str, ...] = TEMPLATES,
                   window: int = WINDOW, progress: bool = False, class_text: ClassText = "ensemble",
                   resampling: Resampling = "polyphase", calibration: ScoreCalibration | None = None
                   ) -> DatasetResult:
    """Zero-shot metrics of ``model`` on ``split``, prepared in chunks of ``batch_size`` series.

    ``use_gyro`` None uses the gyroscope exactly when the model reads it (``model.channels == 6``);
    ``gravity`` and ``resampling`` as in :func:`benchmarks.prepare.iter_prepared`; ``class_text`` as in
    :func:`zero_shot.prompts.class_text_embeddings` (:mod:`zero_shot.protocol` sets both). ``calibration``
    (:mod:`zero_shot.calibration`, fitted on other, unlabeled windows of the same device and classes)
    standardises the scores before they are ranked.
    """
    if use_gyro is None:
        use_gyro = model.channels == 6
    class_embeddings = class_text_embeddings(model, split.descriptions, templates, class_text=class_text)
    chunks = iter_prepared(split, batch_size=batch_size, window=window, use_gyro=use_gyro, gravity=gravity,
                           resampling=resampling)
    scores, targets = [], []
    for imu, mask, chunk_targets in tqdm(chunks, total=math.ceil(len(split.x) / batch_size), leave=False,
                                         desc=split.dataset.name, unit="batch", disable=not progress):
        scores.append(zero_shot_scores(model, imu, mask, class_embeddings, batch_size))
        targets.append(chunk_targets)
    scores, targets = np.concatenate(scores), np.concatenate(targets)
    if calibration is not None:
        scores = calibration.apply(scores).astype(np.float32)
    return DatasetResult(name=split.dataset.name, metrics=classification_metrics(scores, targets),
                         confusion=confusion(scores, targets), class_names=[d[0] for d in split.descriptions],
                         scores=scores, targets=targets)
