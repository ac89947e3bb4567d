"""Forecasting: baselines exact on signals they model, samples cut where the targets have data, the CLI on
BasicMotions with a tiny model folder."""
import json
import subprocess
import sys

import numpy as np
import pytest

from finetune.data import Windows
from finetune.forecast import ForecastSettings, forecast_samples, target_channels
from finetune.forecast_baselines import LinearForecaster, dominant_period, errors, naive, seasonal_naive
from skeletons import InputError
from tests.conftest import REPO, save_tiny_model


def _sines(count: int, length: int, period: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    phase = rng.uniform(0, 2 * np.pi, (count, 1, 2))
    steps = np.arange(length)[None, :, None]
    return np.sin(2 * np.pi * steps / period + phase).astype(np.float64)


def test_naive_and_seasonal_naive_are_exact_on_what_they_model():
    constant = np.full((3, 40, 2), 7.0)
    assert np.array_equal(naive(constant, 5), np.full((3, 5, 2), 7.0))
    series = _sines(4, 60, period=10)
    history, future = series[:, :50], series[:, 50:]
    assert np.array_equal(dominant_period(history), np.full((4, 2), 10))
    assert np.allclose(seasonal_naive(history, 10), future, atol=1e-9)
    assert errors(naive(history, 10), future)["mae"].min() > 0.1


def test_linear_baseline_learns_a_linear_trend_and_a_periodic_signal():
    series = _sines(64, 70, period=12, seed=1) + np.linspace(0, 3, 70)[None, :, None]
    history, future = series[:, :50], series[:, 50:]
    scale = np.ones(2)
    model = LinearForecaster(trend_kernel=5).fit(history[:48], future[:48], scale)
    held_out = errors(model.predict(history[48:], 20, scale), future[48:])["mae"]
    assert held_out.max() < 0.05 < errors(naive(history[48:], 20), future[48:])["mae"].min()


def test_samples_keep_only_origins_whose_targets_have_data():
    imu = np.arange(2 * 200 * 22 * 6, dtype=np.float32).reshape(2, 200, 22, 6)
    mask = np.zeros_like(imu)
    mask[:, :, 21] = 1
    mask[1, 150:] = 0  # the second window ends early
    windows = Windows(imu, mask, np.array([0, 1]))
    pairs = target_channels(mask, ["right_wrist"], ["acc_x", "gyro_z"])
    assert pairs == [(21, 0), (21, 5)]
    samples = forecast_samples(windows, pairs, ForecastSettings(context=100, horizon=20), stride=20)
    # origins 100, 120, 140, 160, 180 for window 0; only 100 and 120 (end 140 <= 150) for window 1
    assert len(samples) == 7 and samples.imu.shape == (7, 100, 22, 6) and samples.future.shape == (7, 20, 2)
    first = samples.future[0]
    assert np.array_equal(first[:, 0], imu[0, 100:120, 21, 0]) and np.array_equal(first[:, 1], imu[0, 100:120, 21, 5])
    assert np.array_equal(samples.history[0, -1], imu[0, 99, 21, [0, 5]])
    with pytest.raises(InputError):
        target_channels(mask, ["left_wrist"])


def test_forecast_cli_on_basicmotions(tmp_path):
    checkpoint = save_tiny_model(tmp_path / "model")
    output = tmp_path / "forecast.json"
    done = subprocess.run([sys.executable, "-m", "finetune", "--task", "forecast", "--model", str(checkpoint),
                           "--benchmarks", "basicmotions", "--seeds", "1", "--epochs", "1", "--batch-size", "8", "--forecast-stride", "80",
                           "--forecast-channels", "acc_x,gyro_y", "--output", str(output)],
                          cwd=REPO, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-2000:]
    payload = json.loads(output.read_text())
    assert payload["targets"] == ["right_wrist.acc_x", "right_wrist.gyro_y"]
    assert set(payload["results"]) == {"naive", "seasonal_naive", "linear", "pretrained", "scratch"}
    pretrained = payload["results"]["pretrained"]
    assert len(pretrained["per_seed"]) == 1 and pretrained["mae"]["mean"] > 0
    assert set(pretrained["per_channel"]) == set(payload["targets"])
    assert output.with_suffix(".md").is_file()
    bad = subprocess.run([sys.executable, "-m", "finetune", "--task", "forecast", "--model", str(checkpoint),
                          "--benchmarks", "basicmotions", "--forecast-channels", "acc_w", "--output",
                          str(tmp_path / "bad.json")], cwd=REPO, capture_output=True, text=True, timeout=900)
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1 and "acc_w" in bad.stderr
    assert not (tmp_path / "bad.json").exists()
