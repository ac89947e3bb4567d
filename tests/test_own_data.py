"""Your own recordings: the README snippet as written, MotionModel / Classifier, sliding windows and segments,
the phone/watch CSV reader, ``python -m zero_shot predict`` on a real 60 s recording, the disk text cache."""
from __future__ import annotations

import csv
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from scipy.signal import resample_poly

from benchmarks.loader import load_split
from benchmarks.registry import get_dataset
from finetune import Classifier, MotionModel, TrainSettings
from pretrain import load_model
from skeletons.errors import InputError
from tests.conftest import REPO, save_tiny_model
from zero_shot import class_text_embeddings, segments, window_grid
from zero_shot.recording_csv import read_recording

ENV = {**os.environ, "PYTHONPATH": str(REPO), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
       "OMP_NUM_THREADS": "1"}
DEVICE = dict(rate_hz=10, joints=["right_wrist"], acc_unit="m/s2", gravity="removed")


@pytest.fixture(scope="module")
def model_folder(tmp_path_factory) -> Path:
    return save_tiny_model(tmp_path_factory.mktemp("model"), (16, 16), (1, 2))


@pytest.fixture(scope="module")
def basic_motions():
    return load_split(get_dataset("basicmotions"), "unused", "train"), load_split(get_dataset("basicmotions"),
                                                                                    "unused", "test")


def test_readme_snippet_runs_as_written(tmp_path, monkeypatch):
    text = (REPO / "README.md").read_text()
    section = text[text.index("## Use it on your own data"):]
    assert text.index("## Use it on your own data") < text.index("## Install")
    assert text.index("## Two commands") < text.index("## Use it on your own data") < text.index("## Results")
    snippet = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    save_tiny_model(tmp_path / "runs" / "cpu-small" / "seed-0", (16, 16), (1, 2))
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    exec(compile(snippet, "README.md", "exec"), namespace)  # the assert inside checks save + reload
    normalised = next(block for block in re.findall(r"```python\n(.*?)```", section, re.S)
                      if "model.normalisation(" in block)  # runs on the first snippet's model and series
    exec(compile(normalised, "README.md", "exec"), namespace)
    assert len(namespace["labels"]) == 40 and set(namespace["labels"]) <= {"standing", "walking", "running", "badminton"}
    assert len(namespace["labels"]) == 40 and namespace["Z"].shape == (40, 32)
    assert np.allclose(np.linalg.norm(namespace["Z"], axis=1), 1.0, atol=1e-5)
    assert (tmp_path / "runs" / "my-watch" / "classifier.safetensors").is_file()


def test_classify_matches_the_evaluation_path_and_checks_inputs(model_folder, basic_motions):
    from benchmarks.prepare import prepare_split
    from zero_shot import zero_shot_scores

    _, test = basic_motions
    model = MotionModel.from_pretrained(model_folder)
    classes = test.descriptions
    scores = model.scores(test.x, classes, **DEVICE)
    imu, mask = prepare_split(test)  # the benchmark path: same placement, units, resampling
    reference = zero_shot_scores(model.network, imu, mask, class_text_embeddings(model.network, classes))
    np.testing.assert_allclose(scores, reference, atol=1e-5)
    one = model.scores(torch.as_tensor(test.x[3]), classes, **DEVICE)  # one (T, 6) torch series
    np.testing.assert_allclose(one[0], reference[3], atol=1e-5)
    with pytest.raises(InputError, match="6 expected"):
        model.classify(test.x[:, :, :5], classes, **DEVICE)
    bad = np.array(test.x[:2])
    bad[1, 7, 2] = np.nan
    with pytest.raises(InputError, match="NaN"):
        model.classify(bad, classes, **DEVICE)
    with pytest.raises(InputError, match="is the unit 'm/s2'"):  # gravity included, declared g, data in m/s^2
        model.classify(test.x[:2] + [0, 9.8, 0, 0, 0, 0], classes, **{**DEVICE, "acc_unit": "g",
                                                                       "gravity": "included"})


def test_long_series_are_windowed_not_truncated(model_folder, basic_motions):
    _, test = basic_motions
    model = MotionModel.from_pretrained(model_folder)
    walk, run = test.x[test.y == 1][0], test.x[test.y == 2][0]
    classes = ["walking", "running"]
    both = model.scores(np.concatenate([walk, run])[None], classes, **DEVICE, hop_s=10)
    halves = model.scores(np.stack([walk, run]), classes, **DEVICE)
    np.testing.assert_allclose(both[0], halves.mean(0), atol=1e-5)  # the second 10 s counts


def test_class_descriptions_are_classes_not_letters(model_folder):
    network = load_model(model_folder)
    plain = class_text_embeddings(network, ["walking", "running"])
    listed = class_text_embeddings(network, [["walking"], ["running"]])
    assert plain.shape[0] == 2 and torch.equal(plain, listed)
    with pytest.raises(ValueError, match="string"):
        class_text_embeddings(network, "walking")


def test_encode_imu_names_the_layout_it_takes(model_folder):
    with pytest.raises(ValueError, match=r"\(B, T, 22, 6\).*MotionModel.encode"):
        load_model(model_folder).encode_imu(torch.zeros(2, 200, 6))


def test_window_grid_covers_every_sample_and_segments_find_the_boundary():
    grid = window_grid(3001, 50.0, 10.0, 2.0)
    assert grid.starts[0] == 0 and grid.stops[-1] == 3001 and np.all(np.diff(grid.starts) > 0)
    assert window_grid(120, 50.0).stops.tolist() == [120]  # shorter than a window: one, whole
    grid = window_grid(3000, 50.0, 10.0, 2.0)  # 26 windows, starts 0, 2, ..., 50 s
    centres = (grid.start_s + grid.end_s) / 2
    labels = (centres > 31).astype(int)
    labels[3] = 1  # one stray window, smoothed away
    scores = np.eye(2)[labels]
    found = segments(grid, labels, scores, ["walking", "running"], smooth=3)
    assert [s.label for s in found] == ["walking", "running"]
    assert found[0].start_s == 0 and found[-1].end_s == 60 and found[0].end_s == found[1].start_s == 32  # between centres 31 and 33
    assert sum(s.windows for s in found) == len(grid)


def _write_csv(path: Path, header: list[str], rows) -> Path:
    with path.open("w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def test_csv_reader_guesses_and_says_so(tmp_path):
    t = np.arange(500) / 50
    signal = np.stack([np.sin(t), np.cos(t), 1 + 0 * t], 1)
    phyphox = _write_csv(tmp_path / "phyphox.csv", ["Time (s)", "Acceleration x (m/s^2)", "Acceleration y (m/s^2)",
                                                    "Acceleration z (m/s^2)"], np.c_[t, signal * 9.8])
    recording = read_recording(phyphox)
    assert recording.rate_hz == 50 and not recording.gyro and recording.acc_unit == "m/s2"
    np.testing.assert_allclose(recording.series, signal * 9.8)
    assert any("accelerometer only" in note for note in recording.notes)
    jitter = t * 1000 + np.r_[0, np.random.default_rng(0).uniform(-4, 4, 498), 0]  # ms, irregular
    watch = _write_csv(tmp_path / "watch.csv", ["timestamp", "ax", "ay", "az", "gx", "gy", "gz"],
                       np.c_[jitter, signal, signal * 100])
    recording = read_recording(watch)
    assert recording.rate_hz == 50 and recording.acc_unit == "g" and recording.gyro_unit == "deg/s"
    assert recording.series.shape == (500, 6)
    assert any("irregular" in n for n in recording.notes) and any("in ms" in n for n in recording.notes)
    iso = [f"2026-01-01T00:00:{s:06.3f}" for s in t]
    dated = _write_csv(tmp_path / "iso.csv", ["time", "acc_x", "acc_y", "acc_z"], [[a, *b] for a, b in zip(iso, signal)])
    assert read_recording(dated).rate_hz == 50


def _bad_csvs(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    t = np.arange(600) / 50
    good = np.c_[t, np.zeros((600, 2)), np.ones(600)]
    back, nan = good.copy(), good.copy()
    back[300, 0] = back[100, 0]
    nan[50, 2] = np.nan
    header = ["time", "acc_x", "acc_y", "acc_z"]
    missing = _write_csv(tmp_path / "missing.csv", ["time", "acc_x", "acc_y"], good[:, :3])
    return {"missing": (missing, "no accelerometer"),
            "backwards": (_write_csv(tmp_path / "backwards.csv", header, back), "does not increase"),
            "nan": (_write_csv(tmp_path / "nan.csv", header, nan), "NaN")}


def _predict(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "zero_shot", "predict", *map(str, args)], cwd=REPO,
                          capture_output=True, text=True, timeout=600, env=ENV)


def test_predict_refuses_bad_csvs_with_one_line(tmp_path, model_folder):
    for path, problem in _bad_csvs(tmp_path).values():
        output = tmp_path / f"{path.stem}-out.csv"
        result = _predict("--model", model_folder, path, "--classes", "walking,running", "--output", output)
        assert result.returncode == 2, result.stderr
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"error: {path}") and problem in lines[0], lines
        assert not output.exists() and not output.with_suffix(".png").exists()


def _walk_then_run_csv(test, path: Path) -> Path:
    """60 s at 50 Hz: three real walking series, then three running ones (BasicMotions test, 10 -> 50 Hz)."""
    walks, runs = test.x[test.y == 1][:3], test.x[test.y == 2][:3]
    series = resample_poly(np.concatenate([*walks, *runs]), 5, 1, axis=0)
    seconds = np.arange(len(series)) / 50
    names = ["time", "acc_x", "acc_y", "acc_z", "gyro_x", "gyro_y", "gyro_z"]
    return _write_csv(path, names, np.c_[seconds, series])


def test_predict_on_a_real_recording_changes_label_at_the_boundary(tmp_path, model_folder, basic_motions):
    train, test = basic_motions
    keep = np.isin(train.y, [1, 2])
    torch.manual_seed(0)
    model = MotionModel.from_pretrained(model_folder)
    classifier = model.classifier(["walking", "running"], head="linear", mode="random",
                                  settings=TrainSettings(epochs=10, min_steps=40, lr_head=1e-2))
    classifier.fit(train.x[keep], np.where(train.y[keep] == 1, "walking", "running"), **DEVICE)
    classifier.save_pretrained(tmp_path / "clf")
    recording = _walk_then_run_csv(test, tmp_path / "watch.csv")
    output = tmp_path / "predictions.csv"
    result = _predict("--model", tmp_path / "clf", recording, "--joints", "right_wrist", "--gravity", "removed",
                      "--hop", "2", "--output", output)
    assert result.returncode == 0, result.stderr
    assert "50 Hz (60.0 s)" in result.stderr and "26 windows" in result.stderr
    with output.open() as file:
        windows = list(csv.DictReader(file))
    assert len(windows) == 26 and windows[0]["label"] == "walking" and windows[-1]["label"] == "running"
    assert float(windows[-1]["end_s"]) == 60.0 and set(windows[0]) == {"start_s", "end_s", "label", "score", "top3"}
    with output.with_name("predictions-segments.csv").open() as file:
        found = list(csv.DictReader(file))
    assert [s["label"] for s in found] == ["walking", "running"], found
    assert abs(float(found[0]["end_s"]) - 30.0) <= 4.0, found
    assert output.with_suffix(".png").stat().st_size > 10_000
    reloaded = Classifier.from_pretrained(tmp_path / "clf")
    assert reloaded.predict(test.x[test.y == 2][:3]) == ["running"] * 3


def test_zero_shot_predict_cli_with_classes(tmp_path, model_folder, basic_motions):
    recording = _walk_then_run_csv(basic_motions[1], tmp_path / "watch.csv")
    result = _predict("--model", model_folder, recording, "--classes", "walking|strolling,running,cycling",
                      "--gravity", "removed", "--output", tmp_path / "p.csv")
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader((tmp_path / "p.csv").open()))
    assert len(rows) == 11 and all(len(r["top3"].split(";")) == 3 for r in rows)
    assert "11 windows of 10 s" in result.stderr and "(guessed" in result.stderr


def test_zero_shot_predict_calibrated_with_an_unlabeled_recording(tmp_path, model_folder, basic_motions):
    recording = _walk_then_run_csv(basic_motions[1], tmp_path / "watch.csv")
    output = tmp_path / "p.csv"
    # Calibrated on itself, so that the property is checkable: over the recording's own windows every class's
    # written score has mean 0 and standard deviation 1 (a user calibrates on another recording of the device).
    result = _predict("--model", model_folder, recording, "--classes", "walking,running,cycling", "--gravity",
                      "removed", "--calibrate-with", recording, "--output", output)
    assert result.returncode == 0, result.stderr
    assert f"{recording}: calibrated on 11 windows, unlabeled" in result.stderr
    rows = list(csv.DictReader(output.open()))
    scores = np.array([[float(pair.split(":")[1]) for pair in sorted(row["top3"].split(";"))] for row in rows])
    np.testing.assert_allclose(scores.mean(0), 0, atol=1e-3)
    np.testing.assert_allclose(scores.std(0), 1, atol=1e-3)


def test_predict_refuses_a_too_short_calibration_recording(tmp_path, model_folder, basic_motions):
    recording = _walk_then_run_csv(basic_motions[1], tmp_path / "watch.csv")
    short = _write_csv(tmp_path / "short.csv", ["time", "acc_x", "acc_y", "acc_z"],
                       np.c_[np.arange(250) / 50, np.zeros((250, 2)), np.ones(250)])
    output = tmp_path / "p.csv"
    result = _predict("--model", model_folder, recording, "--classes", "walking,running", "--calibrate-with", short,
                      "--output", output)
    assert result.returncode == 2
    error = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert error == [f"error: {short}: calibration needs at least 4 unlabeled windows, got 1"]
    assert not output.exists()


def test_second_pretraining_embeds_no_description(tmp_path):
    from pretrain.model import MotionTextModel
    from pretrain.train import embed_descriptions
    from simulate.corpus import CorpusConfig, build_corpus
    from simulate.sources import procedural_items

    corpus = tmp_path / "corpus"
    build_corpus(procedural_items(8, seed=2, activities=["walk", "run"], duration_s=3.0), corpus,
                 CorpusConfig(source="procedural", sensor="ideal"), progress=False)

    def fresh():
        torch.manual_seed(0)
        return MotionTextModel(6, {"channels": [8], "strides": [1]}, {"kind": "minilm"}, embed_dim=16)

    first, second = fresh(), fresh()
    counts = embed_descriptions(first, corpus, False, cache_root=tmp_path / "cache")
    assert counts["from_disk"] == 0 and counts["embedded"] > 0
    calls = []
    embed = second.text_tower.embed
    second.text_tower.embed = lambda texts: calls.append(len(texts)) or embed(texts)
    again = embed_descriptions(second, corpus, False, cache_root=tmp_path / "cache")
    assert again == {"from_disk": counts["embedded"], "embedded": 0} and calls == []
    texts = sorted(first.text_tower._cache)
    assert torch.equal(first.text_tower.encode_cached(texts), second.text_tower.encode_cached(texts))
    other = MotionTextModel(6, {"channels": [8], "strides": [1]}, {"kind": "minilm", "max_length": 8}, embed_dim=16)
    assert embed_descriptions(other, corpus, False, cache_root=tmp_path / "cache")["from_disk"] == 0  # another tower
