"""Demo figures: frame-free magnitudes, spectral peaks on closed-form signals, and the PNGs themselves."""
from __future__ import annotations

import numpy as np
import pytest

from experiments.plots import magnitudes, peak_frequency, plot_accuracy_vs_k, plot_simulated_vs_real


def test_peak_frequency_finds_a_step_rhythm():
    t = np.arange(200) / 20.0
    signal = 3.0 * np.sin(2 * np.pi * 1.8 * t) + 0.5 * np.sin(2 * np.pi * 0.1 * t)  # below the 0.3 Hz floor
    assert peak_frequency(signal, 20.0) == pytest.approx(1.8, abs=0.2)  # 5 s segments: 0.2 Hz bins


def test_magnitudes_do_not_depend_on_the_sensor_frame():
    from scipy.spatial.transform import Rotation

    window = np.random.default_rng(0).normal(size=(50, 6))
    turned = window.copy()
    matrix = Rotation.from_euler("xyz", [0.3, -1.2, 2.0]).as_matrix()
    turned[:, :3], turned[:, 3:] = window[:, :3] @ matrix.T, window[:, 3:] @ matrix.T
    for before, after in zip(magnitudes(window), magnitudes(turned)):
        np.testing.assert_allclose(before, after)


def test_figures_are_written_as_png(tmp_path):
    rng = np.random.default_rng(1)
    pairs = {"walking": (rng.normal(size=(200, 6)), rng.normal(size=(200, 6)))}
    for path in (plot_simulated_vs_real(tmp_path / "sim.png", pairs),
                 plot_accuracy_vs_k(tmp_path / "k.png", {"random init": [(1, 0.4, 0.1), (5, 0.6, 0.05)]}, 0.5, 0.25)):
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["k.png", "sim.png"]  # no temporary files left


def test_band_limited_axes_have_no_power_above_the_device_nyquist_while_the_magnitude_does():
    """The demo compares spectra across the device's band on the axes: |acc| of a band-limited vector is not
    band-limited (an axis swinging at 2.9 Hz puts power at 5.8 Hz into |acc|, above a 10 Hz watch's 5 Hz)."""
    from experiments.plots import axes_spectrum, band_limited, spectrum

    t = np.arange(400) / 20.0
    window = np.zeros((400, 6))
    window[:, 0] = 8.0 * np.sin(2 * np.pi * 2.9 * t)
    window[:, 1] = 2.0 * np.sin(2 * np.pi * 7.0 * t)  # above 5 Hz: a 10 Hz device cannot hold it
    limited = band_limited(window, 20.0, 10.0)
    frequencies, power = axes_spectrum(limited[:, :3], 20.0)
    above = frequencies > 5.5
    assert power[above].max() < 1e-3 * power.max()
    assert peak_frequency(limited[:, :3], 20.0) == pytest.approx(2.9, abs=0.2)
    magnitude_frequencies, magnitude_power = spectrum(np.linalg.norm(limited[:, :3], axis=1), 20.0)
    assert magnitude_power[magnitude_frequencies > 5.5].max() > 0.1 * magnitude_power.max()
