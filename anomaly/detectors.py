"""Anomaly detectors side by side behind one interface: ``fit(normal features)``, ``score(features)``.

Every detector reads one kind of per-window feature (:attr:`Detector.feature`), which the scoring pass
(:mod:`anomaly.scoring`) computes batch by batch:

* ``"embedding"``: the pretrained model's unit embedding of the window (motion encoder + projection,
  :meth:`pretrain.model.MotionTextModel.encode_imu`), (B, D);
* ``"window"``: the prepared window itself, its channels that hold data, (B, C, 200) at 20 Hz in m/s^2, rad/s.

``fit`` takes the features of the normal windows (N, ...) and ``score`` returns (B,) float64, higher = more
anomalous; ``score`` treats every window on its own, so a long recording is scored one batch at a time.

Pretrained detectors:

* ``knn``: distance from a window's embedding to its k-th nearest normal embedding (cosine by default):
  kNN outlier scores (Ramaswamy, Rastogi & Shim, SIGMOD 2000) on pretrained features, as "deep nearest
  neighbour" anomaly detection does (Bergman, Cohen & Hoshen, arXiv:2002.10445, 2020);
* ``mahalanobis``: squared Mahalanobis distance of the embedding to the normal embeddings' mean under a
  Ledoit-Wolf shrunk covariance (Lee et al., NeurIPS 2018; Ledoit & Wolf, J. Multivariate Anal. 2004;
  scikit-learn's ``LedoitWolf``);
* ``text``: zero-shot, no normal data needed: the embedding's best cosine similarity to descriptions of the
  abnormal state minus its best similarity to descriptions of the normal state (text prompts as the
  anomaly's definition, as WinCLIP does for images: Jeong et al., CVPR 2023). Descriptions are whole
  sentences, embedded as written by the model's text tower (:func:`zero_shot.prompts.class_text_embeddings`).

* ``forecast-net``: the same residual from the neural forecaster of :mod:`finetune.forecast` (the pretrained
  motion encoder with a linear skip and head, :func:`finetune.forecast.build_forecaster`), trained on the
  normal windows for ``forecast_epochs`` epochs (a training run per fit: not among the default detectors).

Classical baselines, on the same prepared windows:

* ``forecast``: the residual of the DLinear-style ridge forecaster (:class:`finetune.forecast_baselines.
  LinearForecaster`; Zeng et al., AAAI 2023) fitted on the normal windows: from ``context`` samples, the
  next ``horizon``, at origins every ``horizon`` samples; the score is the mean squared error standardised by
  the normal windows' spread of future-minus-last per channel.
* ``iforest``: an isolation forest (Liu, Ting & Zhou, ICDM 2008; scikit-learn) on MiniRocket features
  (Dempster, Schmidt & Webb, KDD 2021; aeon's ``MiniRocket``, fitted on the normal windows);
* ``stats-knn``: k-th nearest-neighbour euclidean distance on standardised per-channel statistics of the raw
  window (mean, standard deviation, minimum, maximum, mean absolute first difference).
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import torch
from sklearn.covariance import LedoitWolf
from sklearn.ensemble import IsolationForest
from sklearn.neighbors import NearestNeighbors
from sklearn.preprocessing import StandardScaler

from finetune.data import Windows
from finetune.forecast import (
    ForecastSamples,
    ForecastSettings,
    build_forecaster,
    fit_forecaster,
    forecast_samples,
    predict_forecast,
)
from finetune.forecast_baselines import LinearForecaster
from skeletons.errors import InputError
from zero_shot.prompts import class_text_embeddings

#: The default descriptions of the abnormal and the normal state for the ``text`` detector.
ABNORMAL = ("the person falls", "the person freezes while walking", "the person trembles")
NORMAL = ("the person is walking", "the person is standing", "the person is sitting")


@dataclass(frozen=True)
class DetectorSettings:
    """Settings of every detector (see the module doc); ``seed`` seeds MiniRocket and the isolation forest."""

    k: int = 5
    metric: str = "cosine"
    abnormal: tuple[str, ...] = ABNORMAL
    normal: tuple[str, ...] = NORMAL
    context: int = 100
    horizon: int = 20
    forecast_epochs: int = 3
    n_kernels: int = 840
    trees: int = 200
    seed: int = 0


class Detector(ABC):
    """One detector: ``fit`` on normal windows' features, ``score`` any windows' (higher = more anomalous)."""

    name: ClassVar[str]
    feature: ClassVar[str]
    #: (22, 6) bool: the (joint, channel) pairs the ``"window"`` features hold; the scorer sets it before ``fit``.
    channels: np.ndarray | None = None
    pretrained: ClassVar[bool]
    needs_normal: ClassVar[bool] = True

    def __init__(self, settings: DetectorSettings):
        self.settings = settings

    def fresh(self) -> Detector:
        """An unfitted copy (for cross-fitting thresholds)."""
        return type(self)(self.settings)

    @abstractmethod
    def fit(self, normal: np.ndarray) -> Detector: ...

    @abstractmethod
    def score(self, features: np.ndarray) -> np.ndarray: ...


def _kth_distance(index: NearestNeighbors, features: np.ndarray, k: int) -> np.ndarray:
    distances, _ = index.kneighbors(features, n_neighbors=k)
    return distances[:, -1].astype(np.float64)


class EmbeddingKNN(Detector):
    name, feature, pretrained = "knn", "embedding", True


    def fit(self, normal: np.ndarray) -> EmbeddingKNN:
        self.k = min(self.settings.k, len(normal))
        self.index = NearestNeighbors(metric=self.settings.metric).fit(normal)
        return self

    def score(self, features: np.ndarray) -> np.ndarray:
        return _kth_distance(self.index, features, self.k)


class EmbeddingMahalanobis(Detector):
    name, feature, pretrained = "mahalanobis", "embedding", True

    def fit(self, normal: np.ndarray) -> EmbeddingMahalanobis:
        self.covariance = LedoitWolf().fit(normal)
        return self

    def score(self, features: np.ndarray) -> np.ndarray:
        return self.covariance.mahalanobis(features).astype(np.float64)


class ZeroShotText(Detector):
    name, feature, pretrained, needs_normal = "text", "embedding", True, False

    def __init__(self, settings: DetectorSettings, network):
        super().__init__(settings)
        if not settings.abnormal:
            raise InputError(None, "the text detector needs at least one description of the abnormal state")
        self.abnormal = class_text_embeddings(network, list(settings.abnormal), ("{}",)).cpu().numpy()
        self.normal = (class_text_embeddings(network, list(settings.normal), ("{}",)).cpu().numpy()
                       if settings.normal else None)

    def fresh(self) -> ZeroShotText:
        return self

    def fit(self, normal: np.ndarray) -> ZeroShotText:
        return self

    def score(self, features: np.ndarray) -> np.ndarray:
        score = (features @ self.abnormal.T).max(axis=1)
        if self.normal is not None:
            score = score - (features @ self.normal.T).max(axis=1)
        return score.astype(np.float64)


class ForecastResidual(Detector):
    name, feature, pretrained = "forecast", "window", False

    def _pairs(self, windows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(B * O, context, C) histories and (B * O, horizon, C) futures at every origin of (B, C, L) windows."""
        context, horizon = self.settings.context, self.settings.horizon
        series = windows.transpose(0, 2, 1).astype(np.float64)  # (B, L, C)
        origins = np.arange(context, series.shape[1] - horizon + 1, horizon)
        if len(origins) == 0:
            raise InputError(None, f"a window of {series.shape[1]} samples at 20 Hz has no room for context "
                                   f"{context} + horizon {horizon}")
        history = np.concatenate([series[:, o - context:o] for o in origins])
        future = np.concatenate([series[:, o:o + horizon] for o in origins])
        return history, future

    def fit(self, normal: np.ndarray) -> ForecastResidual:
        self.forecaster = LinearForecaster()
        history, future = self._pairs(normal)
        self.scale = np.maximum((future - history[:, -1:]).std(axis=(0, 1)), 1e-6)
        self.forecaster.fit(history, future, self.scale)
        return self

    def score(self, features: np.ndarray) -> np.ndarray:
        history, future = self._pairs(features)
        error = ((self.forecaster.predict(history, self.settings.horizon, self.scale) - future) / self.scale) ** 2
        origins = len(history) // len(features)
        return error.mean(axis=(1, 2)).reshape(origins, len(features)).mean(axis=0)


class NeuralForecastResidual(Detector):
    name, feature, pretrained = "forecast-net", "window", True

    def __init__(self, settings: DetectorSettings, network):
        super().__init__(settings)
        self.network = network
        self.forecast = ForecastSettings(context=settings.context, horizon=settings.horizon,
                                         train_stride=settings.horizon, test_stride=settings.horizon,
                                         epochs=settings.forecast_epochs)

    def fresh(self) -> NeuralForecastResidual:
        fresh = type(self)(self.settings, self.network)
        fresh.channels = self.channels
        return fresh

    def _samples(self, windows: np.ndarray) -> ForecastSamples:
        """Every origin of (B, C, L) windows, as :func:`finetune.forecast.forecast_samples` builds them from the
        full (B, L, 22, 6) windows (zeros and mask 0 where the device has no channel, as prepared)."""
        count, _, length = windows.shape
        imu = np.zeros((count, length, *self.channels.shape), dtype=np.float32)
        imu[:, :, self.channels] = windows.transpose(0, 2, 1)
        mask = np.broadcast_to(self.channels, imu.shape).astype(np.float32)
        pairs = [(int(j), int(c)) for j, c in zip(*np.nonzero(self.channels))]
        return forecast_samples(Windows(imu, mask, np.zeros(count, dtype=np.int64)), pairs, self.forecast,
                                self.forecast.horizon)

    def fit(self, normal: np.ndarray) -> NeuralForecastResidual:
        samples = self._samples(normal)
        scale = np.maximum((samples.future - samples.history[:, -1:]).std(axis=(0, 1)), 1e-6)
        torch.manual_seed(self.settings.seed)
        self.forecaster = build_forecaster(self.network, "pretrained", self.forecast, scale)
        fit_forecaster(self.forecaster, "pretrained", samples, self.forecast, self.settings.seed)
        self.scale = scale
        return self

    def score(self, features: np.ndarray) -> np.ndarray:
        samples = self._samples(features)
        error = ((predict_forecast(self.forecaster, samples) - samples.future) / self.scale) ** 2
        return error.mean(axis=(1, 2)).reshape(-1, len(features)).mean(axis=0).astype(np.float64)


class MiniRocketIsolationForest(Detector):
    name, feature, pretrained = "iforest", "window", False

    def fit(self, normal: np.ndarray) -> MiniRocketIsolationForest:
        from aeon.transformations.collection.convolution_based import MiniRocket

        self.rocket = MiniRocket(n_kernels=self.settings.n_kernels, random_state=self.settings.seed % 2**32)
        features = self.rocket.fit_transform(normal)
        self.forest = IsolationForest(n_estimators=self.settings.trees, random_state=self.settings.seed % 2**32)
        self.forest.fit(features)
        return self

    def score(self, features: np.ndarray) -> np.ndarray:
        return -self.forest.score_samples(self.rocket.transform(features)).astype(np.float64)


def window_statistics(windows: np.ndarray) -> np.ndarray:
    """(B, 5 C): per channel mean, standard deviation, minimum, maximum, mean absolute first difference."""
    windows = np.asarray(windows, dtype=np.float64)
    return np.concatenate([windows.mean(-1), windows.std(-1), windows.min(-1), windows.max(-1),
                           np.abs(np.diff(windows, axis=-1)).mean(-1)], axis=1)


class StatisticsKNN(Detector):
    name, feature, pretrained = "stats-knn", "window", False

    def fit(self, normal: np.ndarray) -> StatisticsKNN:
        statistics = window_statistics(normal)
        self.scaler = StandardScaler().fit(statistics)
        self.k = min(self.settings.k, len(normal))
        self.index = NearestNeighbors().fit(self.scaler.transform(statistics))
        return self

    def score(self, features: np.ndarray) -> np.ndarray:
        return _kth_distance(self.index, self.scaler.transform(window_statistics(features)), self.k)


DETECTORS: dict[str, type[Detector]] = {cls.name: cls for cls in (
    EmbeddingKNN, EmbeddingMahalanobis, ZeroShotText, NeuralForecastResidual, ForecastResidual,
    MiniRocketIsolationForest, StatisticsKNN)}
#: The detectors that read the model itself (beyond its embeddings).
_NEED_NETWORK = (ZeroShotText.name, NeuralForecastResidual.name)


def build_detectors(names: Sequence[str], settings: DetectorSettings, network=None) -> list[Detector]:
    """The detectors called ``names`` (keys of :data:`DETECTORS`); ``network`` is the model, for the text tower."""
    unknown = [name for name in names if name not in DETECTORS]
    if unknown or not names:
        raise InputError(None, f"unknown detectors {unknown}; known: {', '.join(DETECTORS)}")
    detectors = []
    for name in names:
        if name in _NEED_NETWORK:
            if network is None:
                raise InputError(None, f"the {name} detector needs a model (--model DIR)")
            if name == ZeroShotText.name:
                with torch.inference_mode():
                    detectors.append(ZeroShotText(settings, network))
            else:
                detectors.append(NeuralForecastResidual(settings, network))
        else:
            detectors.append(DETECTORS[name](settings))
    return detectors


__all__ = ["ABNORMAL", "DETECTORS", "NORMAL", "Detector", "DetectorSettings", "EmbeddingKNN", "EmbeddingMahalanobis",
           "ForecastResidual", "MiniRocketIsolationForest", "NeuralForecastResidual", "StatisticsKNN", "ZeroShotText",
           "build_detectors", "window_statistics"]
