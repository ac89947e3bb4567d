"""``python -m anomaly``: score writes every output, whole or not at all, and refuses what it did not write; bad
input exits 2 with one line naming the file; evaluate writes JSON and report; a one-hour 50 Hz recording is
scored in bounded memory with a progress bar."""
from __future__ import annotations

import json
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from anomaly.__main__ import main
from anomaly.detectors import DetectorSettings, build_detectors
from anomaly.scoring import AnomalyScorer
from anomaly.windows import WindowSettings
from tests.conftest import save_tiny_model
from zero_shot.device import Device

RATE = 50.0


@pytest.fixture(scope="module")
def model_folder(tmp_path_factory) -> Path:
    return save_tiny_model(tmp_path_factory.mktemp("model"), (16, 16), (1, 2))


def walking(seconds: float, seed: int, rate: float = RATE) -> np.ndarray:
    """A wrist walking at 1.8 steps/s with gravity on the y axis, acc m/s^2 and gyro rad/s, (T, 6)."""
    rng = np.random.default_rng(seed)
    t = np.arange(round(seconds * rate)) / rate
    phase = 2 * np.pi * 1.8 * t
    acc = np.stack([2 * np.sin(phase), 9.81 + 1.5 * np.cos(2 * phase), 0.8 * np.sin(phase + 1)], axis=1)
    gyro = np.stack([1.2 * np.cos(phase), 0.4 * np.sin(2 * phase), 0.3 * np.cos(phase)], axis=1)
    return np.concatenate([acc, gyro], axis=1) + rng.normal(scale=0.05, size=(len(t), 6))


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("recordings")
    np.save(folder / "normal.npy", walking(120, 0))
    recording = walking(90, 1)
    recording[30 * 50:42 * 50] = [0, 9.81, 0, 0, 0, 0]  # the wearer freezes for 12 s
    labels = np.zeros(len(recording), dtype=np.int64)
    labels[30 * 50:42 * 50] = 1
    np.save(folder / "day.npy", recording)
    np.save(folder / "labels.npy", labels)
    # the same walk as a watch exports it: time in ms, acceleration in g, rotation in deg/s
    walk = walking(40, 5)
    columns = np.column_stack([np.arange(len(walk)) * 20.0, walk[:, :3] / 9.80665, np.degrees(walk[:, 3:])])
    np.savetxt(folder / "watch.csv", columns, delimiter=",", comments="",
               header="time (ms),acc_x (g),acc_y (g),acc_z (g),gyro_x (deg/s),gyro_y (deg/s),gyro_z (deg/s)")
    return folder


def run(argv: list[str], capsys) -> tuple[int, str, str]:
    try:
        main([str(a) for a in argv])
        code = 0
    except SystemExit as exit:
        code = exit.code
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def score_args(model, files, output, *extra):
    return ["score", "--model", model, "--normal", files / "normal.npy", "--recordings", files / "day.npy",
            "--input-rate", 50, "--detectors", "knn,text,forecast,stats-knn", "--output", output, *extra]


def test_score_writes_scores_events_plot_and_summary(model_folder, files, tmp_path, capsys):
    output = tmp_path / "out"
    (files / "watch-labels.txt").write_text("0\n" * 13)  # one label per window of the 40 s watch recording
    code, out, err = run(score_args(model_folder, files, output, "--recordings", files / "day.npy",
                                    files / "watch.csv", "--labels", files / "labels.npy",
                                    files / "watch-labels.txt"), capsys)
    assert code == 0, err
    assert sorted(p.name for p in output.iterdir()) == [".motion-pretrain.json", "anomaly.json", "day-events.csv",
                                                        "day-scores.csv", "day-scores.npy", "day.png",
                                                        "watch-events.csv", "watch-scores.csv", "watch-scores.npy",
                                                        "watch.png"]
    summary = json.loads((output / "anomaly.json").read_text())
    windows = summary["recordings"]["day"]["windows"]
    assert windows == 33  # 90 s, 10 s windows every 2.5 s: starts 0 .. 80 s
    lines = (output / "day-scores.csv").read_text().splitlines()
    assert lines[0] == "window,start_s,end_s,start_sample,end_sample,knn,text,forecast,stats-knn"
    assert len(lines) == 1 + windows and lines[1].startswith("0,0.0,10.0,0,500,")
    table = np.load(output / "day-scores.npy")
    assert table.shape == (windows, 4)
    np.testing.assert_allclose(table[:, 3], [float(line.split(",")[8]) for line in lines[1:]], rtol=1e-5)
    assert (output / "day.png").read_bytes()[:4] == b"\x89PNG"
    assert (output / "day-events.csv").read_text().startswith("detector,start_s,end_s,start_sample,end_sample,peak")
    # the freeze (30-42 s) is found by the detectors that learned the walking, with the labels' metrics
    metrics = summary["recordings"]["day"]["metrics"]
    assert summary["recordings"]["day"]["labels_per"] == "sample"
    for name in ("knn", "forecast", "stats-knn"):
        assert metrics[name]["auroc"] > 0.9 and metrics[name]["event_recall"] == 1.0, name
        assert any(e["start_s"] < 42 and e["end_s"] > 30 for e in summary["recordings"]["day"]["events"][name])
    assert "events: knn" in out
    watch = summary["recordings"]["watch"]
    assert watch["windows"] == 13 and watch["labels_per"] == "window"  # 40 s at 50 Hz; starts 0 .. 30 s
    assert watch["metrics"]["knn"]["auroc"] is None  # no anomalous window: undefined, not invented
    # read in g and deg/s, converted to m/s^2 and rad/s: the same walk as the normal one, no event
    assert watch["events"]["stats-knn"] == []
    assert np.load(output / "watch-scores.npy").shape == (13, 4)
    # a second run into its own output replaces it; a folder it did not write is refused, untouched
    assert run(score_args(model_folder, files, output, "--detectors", "stats-knn"), capsys)[0] == 0
    assert json.loads((output / "anomaly.json").read_text())["detectors"] == ["stats-knn"]
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine")
    code, _, err = run(score_args(model_folder, files, foreign), capsys)
    assert code == 2 and "not written by python -m anomaly score" in err
    assert [p.name for p in foreign.iterdir()] == ["notes.txt"] and (foreign / "notes.txt").read_text() == "mine"


def _one_error_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    return lines[0]


def test_bad_input_exits_2_with_one_line_and_writes_nothing(model_folder, files, tmp_path, capsys):
    short = tmp_path / "short.npy"
    np.save(short, walking(8, 2))
    nan = tmp_path / "nan.npy"
    broken = walking(30, 3)
    broken[100, 2] = np.nan
    np.save(nan, broken)
    long_labels = tmp_path / "long-labels.npy"
    np.save(long_labels, np.zeros(90 * 50 + 7, dtype=np.int64))
    cases = [
        (["--recordings", short], f"error: {short}: 400 samples (8.0 s at 50 Hz) is shorter than one 10 s window "
                                  f"(500 samples)"),
        (["--recordings", nan], f"error: {nan}: 1 NaN or infinite samples (first: series 0, sample 100, channel 2)"),
        (["--recordings", files / "day.npy", "--labels", long_labels],
         f"error: {long_labels}: 4507 labels, longer than {files / 'day.npy'} (4500 samples, 33 windows): give one "
         f"label per sample or per window"),
        (["--recordings", tmp_path / "missing.npy"], f"error: {tmp_path / 'missing.npy'}: "),
        (["--detectors", "knn,lof"], "error: unknown detectors ['lof']"),
    ]
    for extra, message in cases:
        output = tmp_path / "never"
        code, _, err = run(score_args(model_folder, files, output, *extra), capsys)
        assert code == 2, (extra, err)
        assert _one_error_line(err).startswith(message), err
        assert not output.exists() and not list(tmp_path.glob(".never*")), list(tmp_path.iterdir())


def test_evaluate_writes_json_and_report_and_keeps_foreign_files(model_folder, tmp_path, capsys):
    output, report = tmp_path / "anomaly.json", tmp_path / "anomaly.md"
    argv = ["evaluate", "--model", model_folder, "--protocol", "novelty", "--seeds", "0,1", "--detectors",
            "knn,stats-knn", "--output", output, "--report", report]
    code, out, err = run(argv, capsys)
    assert code == 0, err
    payload = json.loads(output.read_text())["protocols"]["novelty"]
    assert payload["seeds"] == [0, 1] and set(payload["per_seed"]) == {"0", "1"}
    aurocs = [payload["per_seed"][s]["stats-knn"]["auroc"] for s in ("0", "1")]
    assert payload["summary"]["stats-knn"]["auroc"]["mean"] == pytest.approx(np.mean(aurocs))
    assert payload["summary"]["stats-knn"]["auroc"]["std"] == pytest.approx(np.std(aurocs))
    text = report.read_text()
    assert "## novelty" in text and "| embedding kNN | pretrained |" in text
    assert text.index("embedding kNN") < text.index("window statistics kNN")  # pretrained rows first
    assert "novelty  stats-knn" in out
    assert run(argv, capsys)[0] == 0  # its own files are replaced
    report.write_text("my notes\n")
    code, _, err = run(argv, capsys)
    assert code == 2 and _one_error_line(err).startswith(f"error: {report}: exists and was not written by")
    assert report.read_text() == "my notes\n"


def test_one_hour_at_50_hz_in_bounded_memory_with_a_progress_bar(model_folder, capsys):
    from pretrain import load_model

    network = load_model(model_folder)
    device = Device(rate_hz=RATE, joints=["right_wrist"])
    settings = WindowSettings(batch_size=64)
    scorer = AnomalyScorer(build_detectors(["knn", "stats-knn"], DetectorSettings(), network), device, settings,
                           network=network, progress=True).fit([walking(120, 0)])
    hour = walking(3600, 4).astype(np.float32)  # 180,000 samples
    capsys.readouterr()
    tracemalloc.start()
    baseline = tracemalloc.get_traced_memory()[0]
    started = time.perf_counter()
    result = scorer.score(hour)
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] - baseline
    tracemalloc.stop()
    windows = len(result.grid)
    assert windows == 1437 and result.scores["knn"].shape == (1437,)  # starts 0 .. 3590 s every 2.5 s
    # every window prepared at once would be (1437, 200, 22, 6) float32 imu + mask: 2 x 152 MB; raw windows
    # at 50 Hz another 34 MB. One batch of 64 prepared windows is 13.5 MB; the peak stays near that.
    everything = 2 * windows * 200 * 22 * 6 * 4
    assert peak < everything / 5, (peak, everything)  # measured: 39 MB of 304 MB
    err = capsys.readouterr().err
    assert "scoring:" in err and "64/1437" in err and "window/s" in err, err[-500:]  # the tqdm bar (cleared at the end)
    print(f"\none hour at 50 Hz: {windows} windows in {seconds:.1f} s = {windows / seconds:.0f} windows/s "
          f"(knn + stats-knn, tiny model, under tracemalloc); peak traced growth {peak / 1e6:.1f} MB")
