"""The classical baseline: MiniRocket features and a ridge classifier, on the same prepared windows.

MiniRocket (Dempster, Schmidt & Webb, KDD 2021) convolves each series with a fixed family of 84 length-9
kernels at many dilations and keeps the proportion of positive values; a ridge classifier with its
regularisation chosen by leave-one-out cross-validation (scikit-learn's ``RidgeClassifierCV``) reads the
features after scaling each to unit variance. This is aeon's ``MiniRocketClassifier`` pipeline, built
here from its parts so that the ridge's decision values give a full (N, K) score matrix for R@k and MRR.

The series are the windows the neural modes see (:mod:`benchmarks.prepare`: placed, in SI units, 20 Hz,
10 s): the channels that hold data in some training window, each as one variable of a multivariate
series (N, channels, 200). The classifier fits on every selected shot (training and validation part):
its own cross-validation picks the regularisation.
"""
from __future__ import annotations

import numpy as np
from aeon.transformations.collection.convolution_based import MiniRocket
from sklearn.linear_model import RidgeClassifierCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from .data import Windows

#: MiniRocket's default number of kernels (rounded down to a multiple of 84 by aeon: 9,996 features).
N_KERNELS = 10_000
#: The ridge penalties aeon's MiniRocketClassifier searches.
ALPHAS = np.logspace(-3, 3, 10)


def present_channels(mask: np.ndarray) -> np.ndarray:
    """(22, 6) bool: the (joint, channel) pairs that hold data in any window of a (N, T, 22, 6) mask."""
    return np.asarray(mask).reshape(-1, *mask.shape[2:]).any(axis=0)


def as_series(imu: np.ndarray, channels: np.ndarray) -> np.ndarray:
    """(N, C, T) float32 series from windows (N, T, 22, 6): the ``channels`` (22, 6 bool), joint-major."""
    return np.ascontiguousarray(imu[:, :, channels].transpose(0, 2, 1), dtype=np.float32)


def minirocket_scores(train: Windows, test: Windows, num_classes: int, seed: int, channels: np.ndarray,
                      n_kernels: int = N_KERNELS) -> tuple[np.ndarray, float]:
    """(N_test, K) ridge decision values and the chosen penalty, after fitting on ``train``.

    Classes absent from ``train`` score ``-inf``; with two classes present the one decision value d gives
    the scores (-d, d), as scikit-learn's binary convention means. ``seed`` seeds MiniRocket's draws.
    """
    classes = np.unique(train.targets)
    if len(classes) < 2:
        raise ValueError("MiniRocket's ridge classifier needs training windows of at least two classes")
    pipeline = make_pipeline(MiniRocket(n_kernels=n_kernels, random_state=seed % 2**32),
                             StandardScaler(with_mean=False), RidgeClassifierCV(alphas=ALPHAS))
    pipeline.fit(as_series(train.imu, channels), train.targets)
    decision = pipeline.decision_function(as_series(test.imu, channels))
    if decision.ndim == 1:
        decision = np.stack([-decision, decision], axis=1)
    scores = np.full((len(test), num_classes), -np.inf)
    scores[:, classes] = decision
    return scores, float(pipeline[-1].alpha_)
