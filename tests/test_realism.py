"""Motion realism (experiments.realism): the statistics, the fitted library against real sensors, the CLI."""
from __future__ import annotations

import json

import numpy as np
import pytest

from experiments import realism
from skeletons.procedural.signals import impact_ripple

from .conftest import SHARED


def test_series_stats_of_a_known_signal():
    rate = 20.0
    t = np.arange(400) / rate
    acc = np.stack([3.0 * np.sin(2 * np.pi * 1.3 * t), 0 * t, 0 * t], -1) + 5.0  # offset is not motion
    gyro = np.stack([0 * t, 2.0 * np.ones_like(t), 0 * t], -1)
    stats = realism.series_stats(acc, gyro, rate)
    assert stats["acc_rms"] == pytest.approx(3.0 / np.sqrt(2), rel=0.01)
    assert stats["acc_p95"] == pytest.approx(3.0 * np.sin(np.pi / 2 * 0.95), rel=0.03)
    assert stats["gyro_rms"] == pytest.approx(2.0)
    assert stats["peak_hz"] == pytest.approx(2.6, abs=0.2)  # |acc| of a 1.3 Hz sinusoid peaks at 2.6 Hz
    white = np.random.default_rng(0).normal(size=(4000, 3))
    brown = np.cumsum(white, axis=0)
    assert realism.series_stats(white, gyro[:1].repeat(4000, 0), rate)["slope"] == pytest.approx(0.0, abs=0.3)
    assert realism.series_stats(brown, gyro[:1].repeat(4000, 0), rate)["slope"] < -1.5


def test_band_rms_splits_a_known_signal_by_band():
    rate = 10.0
    t = np.arange(1000) / rate
    x = np.stack([2.0 * np.sin(2 * np.pi * 1.0 * t), np.sin(2 * np.pi * 4.0 * t), 0 * t + 3.0], -1)
    np.testing.assert_allclose(realism.band_rms(x, rate, realism.WRIST_BANDS_HZ), [2 / np.sqrt(2), 0, 1 / np.sqrt(2)],
                               atol=0.03)


def test_impact_ripple_rings_after_each_impact_only():
    t = np.arange(200) / 100.0
    ripple = impact_ripple(t, [0.5, 1.2], 0.002, 5.0, 0.05)
    assert np.all(ripple[t < 0.5] == 0) and np.abs(ripple[(t > 0.5) & (t < 0.6)]).max() > 0.0005
    assert np.abs(ripple[(t > 0.9) & (t < 1.2)]).max() < 1e-5


@pytest.fixture(scope="module")
def basic():
    return realism.basicmotions_stats()


def _wrist(activity: str, clips: int = 6) -> dict:
    config = realism.RealismConfig(clips=clips, seed=0)
    return realism.procedural_stats(config, [activity])[activity]["wrist"]


@pytest.mark.parametrize("activity,real,low,high", [("walk", "walking", 0.75, 1.33), ("run", "running", 0.75, 1.33),
                                                    ("stand", "standing", 0.5, 2.0)])
def test_wrist_acceleration_matches_the_basicmotions_train_watch(basic, activity, real, low, high):
    ratio = _wrist(activity)["acc_rms"] / basic[real]["acc_rms"]
    assert low <= ratio <= high, f"{activity}: simulated/real wrist |acc| RMS {ratio:.2f}"


def test_jogging_swings_the_arms_as_the_basicmotions_train_runners_do(basic):
    """The watch's runners jog (128-147 steps/min) and swing their arms wide; with the effort swing alone the
    library's jog read 0.55-0.66x their wrist |acc| and 0.43-0.45x their |gyro|."""
    stats = _wrist("jog")
    assert 0.85 <= stats["acc_rms"] / basic["running"]["acc_rms"] <= 1.2
    assert stats["gyro_rms"] >= 0.75 * basic["running"]["gyro_rms"]


def _stride_hz(gyro: np.ndarray, rate: float) -> float:
    """The stride frequency of a running wrist: half the peak of its |gyro| spectrum (the arm swings forward and
    back once per stride, and |gyro| peaks at both turns), read off a zero-padded FFT above 1.2 Hz."""
    magnitude = np.linalg.norm(gyro, axis=-1)
    spectrum = np.abs(np.fft.rfft(magnitude - magnitude.mean(), n=2048))
    frequencies = np.fft.rfftfreq(2048, 1 / rate)
    usable = frequencies > 1.2
    return float(frequencies[usable][np.argmax(spectrum[usable])] / 2)


def test_jogging_reaches_the_cadence_of_every_basicmotions_train_runner():
    """BasicMotions train runners take 128-147 steps/min, the slowest below the library's fastest walk; a
    library that jogged at 148 steps/min and up had no running there, and the model called them walking."""
    from benchmarks.loader import load_split
    from benchmarks.registry import BASIC_MOTIONS
    from skeletons.procedural import generate

    split = load_split(BASIC_MOTIONS, ".", "train")
    real = [_stride_hz(x[:, 3:], 10.0) for x in split.x[split.y == 2]]
    jogs = realism.simulate_joint([generate("jog", k) for k in range(24)], realism.WRIST, 10.0, seed=0)
    simulated = [_stride_hz(s[:, 3:], 10.0) for s in jogs]
    assert min(simulated) <= min(real) + 0.03, f"slowest jog {min(simulated):.2f} Hz, runner {min(real):.2f} Hz"


def test_standing_is_not_motionless(basic):
    stats = _wrist("stand")
    assert stats["gyro_rms"] > 0.5 * basic["standing"]["gyro_rms"]
    assert stats["acc_p95"] > 0.5 * basic["standing"]["acc_p95"]


def test_walking_waist_feels_the_foot_strikes():
    hapt = SHARED / "data" / "hapt" / "hapt.npz"
    if not hapt.exists():
        pytest.skip(f"{hapt} is not here")
    real = realism.hapt_stats(hapt, 20.0)["walking"]
    waist = realism.procedural_stats(realism.RealismConfig(clips=4), ["walk"])["walk"]["waist"]
    assert 0.6 <= waist["acc_rms"] / real["acc_rms"] <= 1.5
    assert waist["slope"] > real["slope"] - 2.0  # not the smooth gait without foot strikes (slope -4.5)


def test_vertical_band_rms_finds_a_bob_in_its_band_whatever_the_tilt():
    rate, t = 20.0, np.arange(200) / 20.0
    down = np.array([0.3, 9.3, 2.9])
    down /= np.linalg.norm(down)
    acc = (9.81 + 2.0 * np.sin(2 * np.pi * 1.8 * t))[:, None] * down  # a 1.8 Hz bob of amplitude 2 m/s^2
    acc = acc + np.cross(down, [1.0, 0.0, 0.0]) * 3.0 * np.sin(2 * np.pi * 4.0 * t)[:, None]  # sideways: not vertical
    bands = realism.vertical_band_rms(acc, rate)
    assert np.linalg.norm(bands[2:4]) == pytest.approx(2.0 / np.sqrt(2), rel=0.05)  # 1.6-2.4 Hz
    assert bands[2] > 2 * bands[3]  # a Hann window spills a little into the neighbouring band
    assert np.linalg.norm(np.r_[bands[:2], bands[4:]]) < 0.05


def test_walking_waist_bobs_at_the_step_frequency_as_the_phone_does():
    hapt = SHARED / "data" / "hapt" / "hapt.npz"
    if not hapt.exists():
        pytest.skip(f"{hapt} is not here")
    bands = realism.vertical_bands(realism.RealismConfig(clips=4, mocap=()))["walking"]
    sim, real = np.array(bands["sim"]), np.array(bands["real"])
    step = slice(2, 4)  # 1.6-2.4 Hz
    assert 0.6 < np.linalg.norm(sim[step]) / np.linalg.norm(real[step]) < 1.5  # the smoothed-away bob read 0.2
    assert np.linalg.norm(sim[7:]) < 1.6 * np.linalg.norm(real[7:])  # strike ringing above 4.4 Hz read 2.5x


def test_hapt_test_subjects_are_never_read(tmp_path):
    n = 1200
    signals = np.zeros((2 * n, 6), np.float32)
    signals[:, 0] = 1.0
    signals[n:, 3] = 5.0  # the test subject spins
    np.savez(tmp_path / "hapt.npz", signals=signals, labels=np.full(2 * n, 5, np.int8),
             offsets=np.array([0, n, 2 * n]), subjects=np.array([1, 2]), recording=np.array([0, 0]))
    windows = realism.hapt_windows(tmp_path / "hapt.npz", 20.0)
    assert len(windows["standing"]) == 2 and all(np.all(w[:, 3] == 0) for w in windows["standing"])
    assert windows["standing"][0][0, 0] == pytest.approx(9.80665, rel=1e-3)


def test_cli_writes_table_json_and_png_and_skips_absent_sources(tmp_path, capsys):
    out = tmp_path / "report"
    realism.main(["--clips", "1", "--activities", "stand", "walk", "--mocap", str(tmp_path / "none"),
                  "--hapt", str(tmp_path / "none.npz"), "--output", str(out)])
    result = json.loads((out / "realism.json").read_text())
    assert {r["real"] for r in result["comparisons"]} == {"standing", "walking"}
    assert result["hapt_train"] == {} and result["mocap"] == {}
    assert (out / "realism.png").stat().st_size > 1000 and "| wrist | walking" in (out / "realism.md").read_text()
    assert "acc ratio" in capsys.readouterr().out


def test_cli_rejects_an_unknown_activity(tmp_path, capsys):
    with pytest.raises(SystemExit) as error:
        realism.main(["--activities", "levitate", "--output", str(tmp_path / "r")])
    assert error.value.code == 2 and "levitate" in capsys.readouterr().err
    assert not (tmp_path / "r").exists()
