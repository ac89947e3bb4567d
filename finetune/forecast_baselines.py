"""Forecasting baselines on (M, L, K) context histories -> (M, H, K) forecasts, and the error metrics.

* ``naive``: the last observed value, repeated.
* ``seasonal_naive``: the last observed period repeated, the period of each series and channel taken from its
  own context: the lag in [``min_lag``, L / 2] with the highest autocorrelation (Hyndman & Athanasopoulos,
  "Forecasting: Principles and Practice", Sec. 5.2; activity signals have no calendar season).
* ``linear`` (DLinear-style; Zeng et al., "Are Transformers Effective for Time Series Forecasting?", AAAI
  2023): the context split into a moving-average trend and the remainder, both relative to the last value
  (NLinear's normalisation, same paper), mapped to the horizon by one linear map shared by every channel;
  fitted by ridge least squares (scikit-learn's ``RidgeCV``, its penalty chosen by efficient leave-one-out on
  the training samples, on channel-standardised values).
"""
from __future__ import annotations

import numpy as np
from scipy.ndimage import uniform_filter1d
from sklearn.linear_model import RidgeCV

RIDGE_ALPHAS = np.logspace(-3, 4, 15)


def naive(history: np.ndarray, horizon: int) -> np.ndarray:
    return np.repeat(history[:, -1:], horizon, axis=1)


def dominant_period(history: np.ndarray, min_lag: int = 4) -> np.ndarray:
    """(M, L, K) -> (M, K) integer periods: the lag of the highest autocorrelation in [min_lag, L // 2]."""
    centred = history - history.mean(axis=1, keepdims=True)
    length = history.shape[1]
    lags = np.arange(min_lag, max(min_lag + 1, length // 2 + 1))
    energy = (centred**2).sum(axis=1) + 1e-12
    correlation = np.stack([(centred[:, lag:] * centred[:, :-lag]).sum(axis=1) / energy for lag in lags], axis=-1)
    return lags[correlation.argmax(-1)]


def seasonal_naive(history: np.ndarray, horizon: int, min_lag: int = 4) -> np.ndarray:
    periods = dominant_period(history, min_lag)  # (M, K)
    length = history.shape[1]
    steps = np.arange(horizon)[None, :, None]
    index = length - periods[:, None, :] + steps % periods[:, None, :]  # (M, H, K)
    return np.take_along_axis(history, index, axis=1)


def decomposition_features(history: np.ndarray, trend_kernel: int) -> np.ndarray:
    """(M, L, K) -> (M * K, 2L): trend and remainder of every channel, relative to its last value."""
    relative = history - history[:, -1:]
    trend = uniform_filter1d(relative, size=min(trend_kernel, history.shape[1]), axis=1, mode="nearest")
    features = np.concatenate([trend, relative - trend], axis=1)  # (M, 2L, K)
    return features.transpose(0, 2, 1).reshape(-1, features.shape[1])


class LinearForecaster:
    """The DLinear-style baseline (see the module docstring); ``scale`` (K,) standardises channels."""

    def __init__(self, trend_kernel: int = 25):
        self.trend_kernel = trend_kernel
        self.ridge: RidgeCV | None = None

    def fit(self, history: np.ndarray, future: np.ndarray, scale: np.ndarray) -> LinearForecaster:
        targets = ((future - history[:, -1:]) / scale).transpose(0, 2, 1).reshape(-1, future.shape[1])
        self.ridge = RidgeCV(alphas=RIDGE_ALPHAS).fit(decomposition_features(history / scale, self.trend_kernel),
                                                      targets)
        return self

    def predict(self, history: np.ndarray, horizon: int, scale: np.ndarray) -> np.ndarray:
        samples, _, channels = history.shape
        relative = self.ridge.predict(decomposition_features(history / scale, self.trend_kernel))
        return history[:, -1:] + relative.reshape(samples, channels, horizon).transpose(0, 2, 1) * scale

    @property
    def alpha(self) -> float:
        return float(self.ridge.alpha_)


def errors(forecast: np.ndarray, future: np.ndarray) -> dict[str, np.ndarray]:
    """Per-channel MAE and RMSE (K,) over every sample and horizon step."""
    difference = forecast - future
    return {"mae": np.abs(difference).mean(axis=(0, 1)), "rmse": np.sqrt((difference**2).mean(axis=(0, 1)))}
