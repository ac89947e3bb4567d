"""Label-free calibration of zero-shot scores with unlabeled windows from the target device.

Contract
--------
A model pretrained on simulated motion scores a real device's windows with a per-class offset: some
descriptions sit closer to every window of that device than others (on BasicMotions' wrist, most still
windows score "walking" above "standing"). :func:`fit_calibration` reads the (N, K) zero-shot scores of N
**unlabeled** windows from the device, for the same K classes, and keeps each class's mean and standard
deviation over them; :meth:`ScoreCalibration.apply` standardises later scores with those, so a window gets
the class it matches unusually well *for this device*, not the class every window matches. No label is read.

Assumptions, for the results to mean what they say:

* the unlabeled windows cover the classes in roughly the proportions of the windows scored later (a pool
  of one activity pushes that activity's scores down);
* they are not the windows being scored: fit on a separate recording (a dataset's training split, a
  user's unlabeled session); fitting on the scored windows themselves is transductive and reports more
  than a deployment would see.

Standardising each class's score over unlabeled inputs is the zero-shot bias correction of Zhao et al.
(ICML 2021, "Calibrate before use") and the logit normalisation over unlabeled data of Allingham et al.
(ICML 2023, "A simple zero-shot prompt weighting technique to improve prompt ensembling"). Mean and scale
rather than the mean alone were chosen on training data only (README, "Calibration").
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Fewest unlabeled windows a calibration is fitted on, so a spread exists; a useful one reads many more (the
#: demo's: 40 BasicMotions series, ~900 HAPT windows).
MIN_WINDOWS = 4
#: Floor of a class's score spread, so a class every window scores alike is not divided by zero.
MIN_STD = 1e-6


@dataclass(frozen=True)
class ScoreCalibration:
    """Each class's score mean and standard deviation over unlabeled windows of one device.

    Attributes:
        mean: (K,) mean score per class.
        std: (K,) standard deviation per class, at least :data:`MIN_STD`.
        windows: how many windows they were measured on.
    """

    mean: np.ndarray
    std: np.ndarray
    windows: int

    def apply(self, scores: np.ndarray) -> np.ndarray:
        """(N, K) ``scores`` standardised per class; the ranking of classes within a row may change."""
        scores = np.asarray(scores, dtype=np.float64)
        if scores.ndim != 2 or scores.shape[1] != len(self.mean):
            raise ValueError(f"scores must be (N, {len(self.mean)}), as the calibration; got {scores.shape}")
        return (scores - self.mean) / self.std

    def to_json(self) -> dict:
        return {"mean": self.mean.tolist(), "std": self.std.tolist(), "windows": self.windows}

    @classmethod
    def from_json(cls, entry: dict) -> ScoreCalibration:
        return cls(np.asarray(entry["mean"], dtype=np.float64), np.asarray(entry["std"], dtype=np.float64),
                   int(entry["windows"]))


def fit_calibration(scores: np.ndarray) -> ScoreCalibration:
    """The calibration of ``scores`` (N, K): zero-shot scores of N unlabeled windows, N >= :data:`MIN_WINDOWS`."""
    scores = np.asarray(scores, dtype=np.float64)
    if scores.ndim != 2:
        raise ValueError(f"scores must be (windows, classes), got shape {scores.shape}")
    if len(scores) < MIN_WINDOWS:
        raise ValueError(f"calibration needs at least {MIN_WINDOWS} unlabeled windows, got {len(scores)}")
    if not np.isfinite(scores).all():
        raise ValueError("calibration scores hold NaN or infinity")
    return ScoreCalibration(scores.mean(axis=0), np.maximum(scores.std(axis=0), MIN_STD), len(scores))


def cross_fitted(scores: np.ndarray, folds: int = 2) -> np.ndarray:
    """``scores`` (N, K) calibrated without fitting on any window's own scores: rows are dealt into ``folds``
    folds in turn (row i to fold i % folds) and each fold is standardised by a calibration fitted on the
    others. For choosing settings on one unlabeled split where no separate recording exists."""
    scores = np.asarray(scores, dtype=np.float64)
    fold = np.arange(len(scores)) % folds
    calibrated = np.empty_like(scores)
    for f in range(folds):
        calibrated[fold == f] = fit_calibration(scores[fold != f]).apply(scores[fold == f])
    return calibrated
