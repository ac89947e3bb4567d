"""Figures of the demo report: simulated against real wrist IMU, and accuracy against shots per class.

Simulated and real sensors sit in different frames on the wrist, so the comparison uses what does not
depend on the frame: the magnitudes of the gravity-free acceleration and of the angular rate, over time
and as a power spectrum (Welch's method), whose peak is the step or stride frequency.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
from scipy.signal import resample_poly, welch

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


def axes_spectrum(axes: np.ndarray, rate_hz: float) -> tuple[np.ndarray, np.ndarray]:
    """(frequencies Hz, power) of a (T, 3) vector signal: the axes' spectra summed. Band-limiting acts on
    each axis; the magnitude of a band-limited vector is not band-limited (|.| rectifies: an axis swinging
    at 2.9 Hz puts 5.8 Hz into |acc|), so spectra compared across a device's band are of the axes."""
    frequencies, power = spectrum(axes[:, 0], rate_hz)
    for axis in range(1, axes.shape[1]):
        power = power + spectrum(axes[:, axis], rate_hz)[1]
    return frequencies, power


def peak_frequency(signal: np.ndarray, rate_hz: float, lowest_hz: float = 0.3) -> float:
    """The frequency (Hz) of the largest spectral peak above ``lowest_hz`` of a 1-D signal, or of the axes of
    a (T, 3) vector signal (:func:`axes_spectrum`)."""
    frequencies, power = spectrum(signal, rate_hz) if signal.ndim == 1 else axes_spectrum(signal, rate_hz)
    usable = frequencies >= lowest_hz
    return float(frequencies[usable][np.argmax(power[usable])])


def band_limited(window: np.ndarray, rate_hz: float, device_rate_hz: float) -> np.ndarray:
    """``window`` (T, C) at ``rate_hz`` as a device sampling at ``device_rate_hz`` delivers it, back at
    ``rate_hz``: resampled down and up with the polyphase filter of the real data's preparation path, so
    nothing above the device's Nyquist frequency remains."""
    from benchmarks.prepare import resampling_factors

    if device_rate_hz >= rate_hz:
        return window
    up, down = resampling_factors(rate_hz, device_rate_hz)
    low = resample_poly(window, up, down, axis=0, padtype="mean")
    return resample_poly(low, down, up, axis=0, padtype="mean")[: len(window)]


def plot_simulated_vs_real(path: str | Path, pairs: Mapping[str, tuple[np.ndarray, np.ndarray]],
                           rate_hz: float = 20.0, device_rate_hz: float | None = None) -> Path:
    """One row per activity: |acc| and |gyro| over time, and the |acc| spectrum, simulated beside real.

    ``pairs`` maps an activity name to (simulated, real) one-joint windows (T, 6) at ``rate_hz``, gravity
    removed from both. With ``device_rate_hz`` (the real device's rate) the simulated signal is drawn
    band-limited as that device would deliver it (:func:`band_limited`) beside its full band, and the
    spectra mark both Nyquist frequencies: the model's (``rate_hz / 2``) and the device's.
    """
    plt = _pyplot()
    figure, axes = plt.subplots(len(pairs), 3, figsize=(13, 3.2 * len(pairs)), squeeze=False)
    for row, (activity, (simulated, real)) in enumerate(pairs.items()):
        curves = [("simulated", simulated, "-")]
        if device_rate_hz is not None and device_rate_hz < rate_hz:
            curves.append((f"simulated, band-limited to {device_rate_hz / 2:g} Hz",
                           band_limited(simulated, rate_hz, device_rate_hz), "-"))
        curves.append(("real", real, "--"))
        for label, window, style in curves:
            acc, gyro = magnitudes(window)
            time = np.arange(len(acc)) / rate_hz
            rms = float(np.sqrt(np.mean(acc**2)))
            axes[row, 0].plot(time, acc, style, label=f"{label} (RMS {rms:.1f})")
            axes[row, 1].plot(time, gyro, style, label=label)
            frequencies, power = axes_spectrum(window[:, :3], rate_hz)
            axes[row, 2].semilogy(frequencies, power + 1e-6, style,
                                  label=f"{label} (peak {peak_frequency(window[:, :3], rate_hz):.2f} Hz)")
        axes[row, 2].axvline(rate_hz / 2, color="black", linestyle=":", linewidth=1,
                             label=f"model Nyquist {rate_hz / 2:g} Hz")
        if device_rate_hz is not None:
            axes[row, 2].axvline(device_rate_hz / 2, color="red", linestyle=":", linewidth=1,
                                 label=f"device Nyquist {device_rate_hz / 2:g} Hz")
        axes[row, 0].set_ylabel(f"{activity}\n|acc| m/s²")
        axes[row, 1].set_ylabel("|gyro| rad/s")
        axes[row, 2].set_ylabel("acc power, axes summed")
        for axis in axes[row]:
            axis.legend(fontsize=7)
    axes[-1, 0].set_xlabel("time (s)")
    axes[-1, 1].set_xlabel("time (s)")
    axes[-1, 2].set_xlabel("frequency (Hz)")
    figure.suptitle("Right wrist, gravity removed: procedural simulation vs BasicMotions")
    figure.tight_layout()
    return _save(figure, path)


def plot_training_curves(path: str | Path, metrics: Mapping[int, str | Path]) -> Path:
    """Loss and zero-shot accuracy (``basicmotions_train_acc``, BasicMotions' train split) against training
    step, one line per pretraining seed, from each run's ``metrics.jsonl``."""
    import json

    plt = _pyplot()
    figure, (loss_axis, acc_axis) = plt.subplots(1, 2, figsize=(11, 3.8))
    for seed, file in metrics.items():
        rows = [json.loads(line) for line in Path(file).read_text().splitlines()] if Path(file).exists() else []
        losses = [(r["step"], r["loss"]) for r in rows if "loss" in r]
        accuracies = [(r["step"], r["basicmotions_train_acc"]) for r in rows if "basicmotions_train_acc" in r]
        if losses:
            loss_axis.plot(*zip(*losses), label=f"seed {seed}")
        if accuracies:
            acc_axis.plot(*zip(*accuracies), marker="o", label=f"seed {seed}")
    loss_axis.set(xlabel="step", ylabel="contrastive loss", title="pretraining loss")
    acc_axis.set(xlabel="step", ylabel="zero-shot accuracy", ylim=(0, 1.02),
                 title="BasicMotions train zero-shot during pretraining")
    acc_axis.axhline(0.25, color="grey", linestyle="--", linewidth=0.8, label="chance")
    loss_axis.legend(fontsize=8)
    acc_axis.legend(fontsize=8)
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
