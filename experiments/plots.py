"""Figures of the demo report: simulated against real wrist IMU, and accuracy against shots per class.

Simulated and real sensors sit in different frames on the wrist, so the comparison uses what does not
depend on the frame: the magnitudes of the gravity-free acceleration and of the angular rate, over time
and as a power spectrum (Welch's method), whose peak is the step or stride frequency.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
from scipy.signal import welch

from skeletons.atomic import atomic_path


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def magnitudes(window: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """|acc| (m/s^2) and |gyro| (rad/s) over time of one joint's (T, 6) readings."""
    return np.linalg.norm(window[:, :3], axis=-1), np.linalg.norm(window[:, 3:6], axis=-1)


def spectrum(signal: np.ndarray, rate_hz: float) -> tuple[np.ndarray, np.ndarray]:
    """(frequencies Hz, power) of a 1-D signal, mean removed, by Welch's method with 5 s segments."""
    return welch(signal - signal.mean(), fs=rate_hz, nperseg=min(len(signal), int(5 * rate_hz)))


def peak_frequency(signal: np.ndarray, rate_hz: float, lowest_hz: float = 0.3) -> float:
    """The frequency (Hz) of the largest spectral peak above ``lowest_hz``."""
    frequencies, power = spectrum(signal, rate_hz)
    usable = frequencies >= lowest_hz
    return float(frequencies[usable][np.argmax(power[usable])])


def plot_simulated_vs_real(path: str | Path, pairs: Mapping[str, tuple[np.ndarray, np.ndarray]],
                           rate_hz: float = 20.0) -> Path:
    """One row per activity: |acc| and |gyro| over time, and the |acc| spectrum, simulated beside real.

    ``pairs`` maps an activity name to (simulated, real) one-joint windows (T, 6) at ``rate_hz``, gravity
    removed from both.
    """
    plt = _pyplot()
    figure, axes = plt.subplots(len(pairs), 3, figsize=(13, 3.2 * len(pairs)), squeeze=False)
    for row, (activity, windows) in enumerate(pairs.items()):
        for label, window, style in zip(("simulated", "real"), windows, ("-", "--")):
            acc, gyro = magnitudes(window)
            time = np.arange(len(acc)) / rate_hz
            axes[row, 0].plot(time, acc, style, label=label)
            axes[row, 1].plot(time, gyro, style, label=label)
            frequencies, power = spectrum(acc, rate_hz)
            axes[row, 2].semilogy(frequencies, power + 1e-6, style,
                                  label=f"{label} (peak {peak_frequency(acc, rate_hz):.2f} Hz)")
        axes[row, 0].set_ylabel(f"{activity}\n|acc| m/s²")
        axes[row, 1].set_ylabel("|gyro| rad/s")
        axes[row, 2].set_ylabel("|acc| power")
        for axis in axes[row]:
            axis.legend(fontsize=8)
    axes[-1, 0].set_xlabel("time (s)")
    axes[-1, 1].set_xlabel("time (s)")
    axes[-1, 2].set_xlabel("frequency (Hz)")
    figure.suptitle("Right wrist, gravity removed: procedural simulation vs BasicMotions")
    figure.tight_layout()
    return _save(figure, path)


def plot_accuracy_vs_k(path: str | Path, curves: Mapping[str, Sequence[tuple[int, float, float]]],
                       zero_shot: float | None = None, chance: float | None = None) -> Path:
    """Accuracy against labelled series per class: one line per mode, (k, mean, std) points, with the
    zero-shot accuracy and chance as horizontal references."""
    plt = _pyplot()
    figure, axis = plt.subplots(figsize=(6, 4))
    for mode, points in curves.items():
        ks, means, stds = (np.array(values, dtype=float) for values in zip(*points))
        axis.errorbar(ks, means, yerr=stds, marker="o", capsize=3, label=mode)
    if zero_shot is not None:
        axis.axhline(zero_shot, color="black", linestyle=":", label="zero-shot")
    if chance is not None:
        axis.axhline(chance, color="grey", linestyle="--", linewidth=0.8, label="chance")
    axis.set_xlabel("labelled series per class (k)")
    axis.set_ylabel("test accuracy")
    axis.set_ylim(0, 1.02)
    axis.legend(fontsize=8)
    axis.set_title("BasicMotions: few-shot fine-tuning")
    figure.tight_layout()
    return _save(figure, path)


def _save(figure, path: str | Path) -> Path:
    import matplotlib.pyplot as plt

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as temporary:
        figure.savefig(temporary, dpi=110, format="png")
    plt.close(figure)
    return path
