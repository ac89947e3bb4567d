"""Forecasting with a pretrained motion encoder: from the first part of a window, the next samples of chosen
joints and channels, beside naive, seasonal-naive, linear (DLinear-style) and from-scratch forecasters.

Samples: every series of a split is prepared as pretraining windows are (:func:`finetune.data.labelled_windows`,
10 s at 20 Hz); a forecast origin ``o`` gives the context ``[o - context, o)`` of all 22 joints and 6 channels
(what the encoder reads, masked as usual) and the future ``[o, o + horizon)`` of the target channels. Origins
run from ``context`` to ``200 - horizon`` every ``train_stride`` samples on the training split and every
``test_stride`` on the test split; only origins whose target channels have data throughout are kept.

The network (:class:`Forecaster`): ``last + scale * (skip(history) + head(encoder(context)))`` per target
channel, where ``last`` is the last observed value, ``scale`` the channel's spread of future-minus-last on the
training samples, ``skip`` one linear map from the standardised, last-value-relative history to the horizon
shared by every channel (so the network starts from a linear forecaster, and the encoder's features must
earn their keep on top), and ``head`` a linear map from the encoder's pooled features to horizon x channels.
Loss: mean squared standardised error. Modes: ``pretrained`` (the checkpoint's motion encoder, rate
``lr_encoder``, its batch-norm statistics kept, as ``finetune``'s full mode; an LLM-core encoder trains what its
core mode lets train) and ``scratch`` (the same architecture freshly initialised, every weight at ``lr_head``).
Errors are in the channels' units (m/s^2, rad/s): MAE and RMSE per channel over all test origins and horizon
steps.
"""
from __future__ import annotations

import copy
import os
from dataclasses import asdict, dataclass
from typing import Literal

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from tqdm.auto import tqdm

from benchmarks.loader import BenchmarkSplit
from benchmarks.registry import Dataset
from pretrain import load_model
from pretrain.model import MotionTextModel
from skeletons import JOINT_NAMES
from skeletons.errors import InputError

from .data import Windows, labelled_windows
from .forecast_baselines import LinearForecaster, errors, naive, seasonal_naive
from .run import DEFAULT_DATA_ROOT, load_splits

CHANNEL_NAMES = ("acc_x", "acc_y", "acc_z", "gyro_x", "gyro_y", "gyro_z")
FORECAST_MODES = ("pretrained", "scratch")
BASELINES = ("naive", "seasonal_naive", "linear")


@dataclass(frozen=True)
class ForecastSettings:
    """Window geometry and training of the forecasting task (samples at 20 Hz)."""

    context: int = 100
    horizon: int = 20
    train_stride: int = 10
    test_stride: int = 20
    epochs: int = 10
    batch_size: int = 16
    lr_head: float = 1e-3
    lr_encoder: float = 1e-4
    weight_decay: float = 0.01
    trend_kernel: int = 25

    def __post_init__(self) -> None:
        if self.context < 8 or self.horizon < 1 or self.train_stride < 1 or self.test_stride < 1:
            raise ValueError(f"context >= 8, horizon and strides >= 1 samples: {self}")
        if self.epochs < 1 or self.batch_size < 1 or not (self.lr_head > 0 and self.lr_encoder > 0):
            raise ValueError(f"epochs, batch size and learning rates must be positive: {self}")


@dataclass(frozen=True)
class ForecastSamples:
    """Contexts ``imu``/``mask`` (M, L, 22, 6), target ``history`` (M, L, K) and ``future`` (M, H, K)."""

    imu: np.ndarray
    mask: np.ndarray
    history: np.ndarray
    future: np.ndarray

    def __len__(self) -> int:
        return len(self.future)


def target_channels(mask: np.ndarray, joints: list[str] | None = None, channels: list[str] | None = None
                    ) -> list[tuple[int, int]]:
    """(joint, channel) pairs to forecast: the named ones (default every joint / channel) that have data."""
    joint_ids = range(len(JOINT_NAMES)) if not joints else [_index(JOINT_NAMES, j, "joint") for j in joints]
    channel_ids = range(6) if not channels else [_index(CHANNEL_NAMES, c, "channel") for c in channels]
    present = mask.any(axis=(0, 1))  # (22, 6)
    pairs = [(j, c) for j in joint_ids for c in channel_ids if present[j, c]]
    if not pairs:
        raise InputError(None, "none of the chosen joints/channels has data to forecast")
    return pairs


def _index(names: tuple[str, ...], name: str, what: str) -> int:
    if name not in names:
        raise InputError(None, f"unknown {what} {name!r}; known: {', '.join(names)}")
    return names.index(name)


def target_names(pairs: list[tuple[int, int]]) -> list[str]:
    return [f"{JOINT_NAMES[j]}.{CHANNEL_NAMES[c]}" for j, c in pairs]


def forecast_samples(windows: Windows, pairs: list[tuple[int, int]], settings: ForecastSettings, stride: int
                     ) -> ForecastSamples:
    """Every origin of every window (see the module docstring)."""
    joints, channels = np.array([j for j, _ in pairs]), np.array([c for _, c in pairs])
    steps = windows.imu.shape[1]
    origins = range(settings.context, steps - settings.horizon + 1, stride)
    parts: list[tuple] = []
    for origin in origins:
        span = slice(origin - settings.context, origin + settings.horizon)
        complete = windows.mask[:, span][:, :, joints, channels].all(axis=(1, 2))
        context = slice(origin - settings.context, origin)
        future = slice(origin, origin + settings.horizon)
        parts.append((windows.imu[complete, context], windows.mask[complete, context],
                      windows.imu[complete, context][:, :, joints, channels],
                      windows.imu[complete, future][:, :, joints, channels]))
    if not origins or not sum(len(p[0]) for p in parts):
        raise InputError(None, f"no window holds {settings.context} + {settings.horizon} samples of the targets")
    return ForecastSamples(*(np.concatenate([p[i] for p in parts]).astype(np.float32) for i in range(4)))


class Forecaster(nn.Module):
    """Context windows -> (B, H, K) forecasts of the target channels (see the module docstring)."""

    def __init__(self, encoder: nn.Module, channels: int, width: int, context: int, horizon: int,
                 scale: np.ndarray):
        super().__init__()
        self.encoder, self.channels, self.horizon = encoder, channels, horizon
        targets = len(scale)
        self.register_buffer("scale", torch.as_tensor(scale, dtype=torch.float32))
        self.skip = nn.Linear(context, horizon)
        self.head = nn.Linear(width, horizon * targets)
        nn.init.zeros_(self.head.weight), nn.init.zeros_(self.head.bias)

    def forward(self, x: torch.Tensor, mask: torch.Tensor, history: torch.Tensor) -> torch.Tensor:
        last = history[:, -1:]
        relative = ((history - last) / self.scale).transpose(1, 2)  # (B, K, L)
        features = self.encoder(x[..., : self.channels], mask[..., : self.channels])
        learned = self.skip(relative).transpose(1, 2) + self.head(features).view(len(x), self.horizon, -1)
        return last + learned * self.scale


def build_forecaster(model: MotionTextModel, mode: Literal["pretrained", "scratch"], settings: ForecastSettings,
                     scale: np.ndarray) -> Forecaster:
    """A forecaster on a copy of ``model``'s motion encoder, or on a freshly initialised one (``scratch``)."""
    source = model if mode == "pretrained" else MotionTextModel.from_config(model.config)
    encoder = copy.deepcopy(source.imu_encoder)
    device = model.logit_scale.device
    return Forecaster(encoder, model.channels, encoder.out_channels, settings.context, settings.horizon,
                      scale).to(device)


def _groups(forecaster: Forecaster, mode: str, settings: ForecastSettings) -> list[dict]:
    encoder_rate = settings.lr_encoder if mode == "pretrained" else settings.lr_head
    groups = []
    for module, rate in ((forecaster.encoder, encoder_rate), (forecaster.skip, settings.lr_head),
                         (forecaster.head, settings.lr_head)):
        for decay in (True, False):
            params = [p for name, p in module.named_parameters()
                      if p.requires_grad and (p.ndim >= 2 and "edge_importance" not in name) == decay]
            if params:
                groups.append({"params": params, "lr": rate, "weight_decay": settings.weight_decay if decay else 0.0})
    return groups


def _set_training(forecaster: Forecaster, mode: str) -> None:
    forecaster.train()
    if mode == "pretrained":
        for layer in forecaster.encoder.modules():
            if isinstance(layer, nn.modules.batchnorm._BatchNorm):
                layer.eval()


def _tensors(samples: ForecastSamples, index: torch.Tensor, device: torch.device) -> list[torch.Tensor]:
    return [torch.as_tensor(array[index.numpy()], device=device)
            for array in (samples.imu, samples.mask, samples.history, samples.future)]


def fit_forecaster(forecaster: Forecaster, mode: str, train: ForecastSamples, settings: ForecastSettings,
                   seed: int) -> None:
    """Train in place: AdamW, ``epochs`` passes in a seeded order, mean squared standardised error."""
    device = forecaster.scale.device
    forecaster.encoder.requires_grad_(True)
    optimizer = torch.optim.AdamW(_groups(forecaster, mode, settings))
    generator = torch.Generator().manual_seed(seed)
    for _ in range(settings.epochs):
        _set_training(forecaster, mode)
        for batch in torch.randperm(len(train), generator=generator).split(settings.batch_size):
            x, mask, history, future = _tensors(train, batch, device)
            loss = F.mse_loss(forecaster(x, mask, history) / forecaster.scale, future / forecaster.scale)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()


@torch.inference_mode()
def predict_forecast(forecaster: Forecaster, samples: ForecastSamples, batch_size: int = 256) -> np.ndarray:
    forecaster.eval()
    device = forecaster.scale.device
    out = []
    for batch in torch.arange(len(samples)).split(batch_size):
        x, mask, history, _ = _tensors(samples, batch, device)
        out.append(forecaster(x, mask, history).float().cpu())
    return torch.cat(out).numpy()


def _record(forecast: np.ndarray, future: np.ndarray, names: list[str]) -> dict:
    measured = errors(forecast, future)
    return {"mae": float(measured["mae"].mean()), "rmse": float(measured["rmse"].mean()),
            "per_channel": {name: {"mae": float(measured["mae"][i]), "rmse": float(measured["rmse"][i])}
                            for i, name in enumerate(names)}}


def _over_seeds(runs: list[dict], names: list[str]) -> dict:
    def stats(values: list[float]) -> dict:
        return {"mean": float(np.mean(values)), "std": float(np.std(values, ddof=1)) if len(values) > 1 else 0.0}

    return {"mae": stats([r["mae"] for r in runs]), "rmse": stats([r["rmse"] for r in runs]),
            "per_channel": {name: {metric: stats([r["per_channel"][name][metric] for r in runs])
                                   for metric in ("mae", "rmse")} for name in names},
            "per_seed": runs}


def run_forecast(checkpoint: str | os.PathLike, data: str | Dataset | tuple[BenchmarkSplit, BenchmarkSplit],
                 seeds: int | list[int] = 3, modes: tuple[str, ...] = FORECAST_MODES,
                 settings: ForecastSettings | None = None,
                 joints: list[str] | None = None, channels: list[str] | None = None, *,
                 data_root: str | os.PathLike = DEFAULT_DATA_ROOT, device: str | torch.device = "cpu",
                 gravity: Literal["keep", "remove"] = "keep", progress: bool = True) -> dict:
    """Forecast on ``data`` with every baseline and neural mode over ``seeds``; the results document."""
    settings = settings or ForecastSettings()
    seed_list = list(range(seeds)) if isinstance(seeds, int) else [int(s) for s in seeds]
    unknown = [m for m in modes if m not in FORECAST_MODES]
    if unknown or not seed_list:
        raise InputError(None, f"forecast modes among {', '.join(FORECAST_MODES)} and at least one seed; "
                               f"got {list(modes)}, {seeds}")
    train_split, test_split = load_splits(data, data_root)
    model = load_model(checkpoint, device=device)
    use_gyro = model.channels == 6
    train_windows = labelled_windows(train_split, use_gyro=use_gyro, gravity=gravity)
    test_windows = labelled_windows(test_split, use_gyro=use_gyro, gravity=gravity)
    pairs = target_channels(train_windows.mask, joints, channels)
    names = target_names(pairs)
    train = forecast_samples(train_windows, pairs, settings, settings.train_stride)
    test = forecast_samples(test_windows, pairs, settings, settings.test_stride)
    scale = np.maximum((train.future - train.history[:, -1:]).std(axis=(0, 1)), 1e-6)
    linear = LinearForecaster(settings.trend_kernel).fit(train.history, train.future, scale)
    results: dict[str, dict] = {
        "naive": _record(naive(test.history, settings.horizon), test.future, names),
        "seasonal_naive": _record(seasonal_naive(test.history, settings.horizon), test.future, names),
        "linear": {**_record(linear.predict(test.history, settings.horizon, scale), test.future, names),
                   "ridge_alpha": linear.alpha},
    }
    jobs = [(mode, seed) for mode in modes for seed in seed_list]
    runs: dict[str, list[dict]] = {mode: [] for mode in modes}
    for mode, seed in tqdm(jobs, desc=f"forecasting {train_split.dataset.name}", unit="run", disable=not progress):
        torch.manual_seed(seed)
        forecaster = build_forecaster(model, mode, settings, scale)
        fit_forecaster(forecaster, mode, train, settings, seed)
        runs[mode].append({"seed": seed, **_record(predict_forecast(forecaster, test), test.future, names)})
    results.update({mode: _over_seeds(mode_runs, names) for mode, mode_runs in runs.items()})
    return {"task": "forecast", "benchmark": train_split.dataset.name, "checkpoint": os.fspath(checkpoint),
            "targets": names, "n_train_samples": len(train), "n_test_samples": len(test),
            "settings": {**asdict(settings), "seeds": seed_list, "modes": list(modes),
                         "device": str(device), "units": "acc m/s^2, gyro rad/s", "rate_hz": 20.0},
            "results": results}


def forecast_markdown(payload: dict) -> str:
    """One table: every method's MAE and RMSE (mean over target channels; mean ± std over seeds)."""
    def cell(entry) -> str:
        return f"{entry['mean']:.4f} ± {entry['std']:.4f}" if isinstance(entry, dict) else f"{entry:.4f}"

    settings = payload["settings"]
    lines = [f"# Forecasting {payload['benchmark']}: {settings['horizon']} samples from {settings['context']} "
             f"(20 Hz), {payload['n_test_samples']} test origins, targets {', '.join(payload['targets'])}", "",
             "| method | MAE | RMSE |", "|---|---|---|"]
    for method, entry in payload["results"].items():
        lines.append(f"| {method} | {cell(entry['mae'])} | {cell(entry['rmse'])} |")
    return "\n".join(lines) + "\n"


def mean_mae(entry: dict) -> float:
    """The channel-averaged MAE of a results entry (a baseline's value or a mode's mean over seeds)."""
    return entry["mae"]["mean"] if isinstance(entry["mae"], dict) else entry["mae"]


__all__ = ["BASELINES", "CHANNEL_NAMES", "FORECAST_MODES", "ForecastSettings", "Forecaster", "forecast_markdown",
           "forecast_samples", "mean_mae", "run_forecast", "target_channels"]
