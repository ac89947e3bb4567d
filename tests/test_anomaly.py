"""Anomaly detection, the library: metrics and events against hand-computed values on tiny arrays, windows and
scores back onto samples, the protocols' ground truth, and every detector's AUROC on the BasicMotions novelty
and injected-fault protocols (a tiny random-init model: the figures test the pipeline, not pretraining)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from anomaly.detectors import DetectorSettings, build_detectors
from anomaly.evaluate import evaluate_protocol
from anomaly.events import Event, EventSettings, detect_events, label_events
from anomaly.metrics import event_metrics, point_metrics, pooled_event_metrics
from anomaly.protocols import BASIC_MOTIONS_DEVICE, FAULTS, build_protocol, inject
from anomaly.scoring import AnomalyScorer
from anomaly.windows import WindowSettings, checked_recording, grid_of, sample_scores, window_batches, window_labels
from skeletons.errors import InputError
from tests.conftest import save_tiny_model
from zero_shot.device import Device
from zero_shot.windows import WindowGrid


@pytest.fixture(scope="module")
def model_folder(tmp_path_factory) -> Path:
    return save_tiny_model(tmp_path_factory.mktemp("model"), (16, 16), (1, 2))


# --- metrics -------------------------------------------------------------------------------------------------------

def test_point_metrics_on_hand_computed_arrays():
    perfect = point_metrics(np.array([0, 0, 1, 1]), np.array([0.1, 0.2, 0.8, 0.9]))
    assert perfect["auroc"] == 1.0 and perfect["auprc"] == 1.0 and perfect["best_f1"] == 1.0
    assert perfect["positives"] == 2 and perfect["n"] == 4
    assert point_metrics(np.array([0, 0, 1, 1]), np.array([0.9, 0.8, 0.2, 0.1]))["auroc"] == 0.0
    # positives 0.35 and 0.8 against negatives 0.1 and 0.4: 3 of 4 pairs ordered -> AUROC 0.75; ranked
    # 0.8 (+), 0.4 (-), 0.35 (+), 0.1 (-): AP = 0.5 * 1 + 0.5 * 2/3; best F1 at the top three: P 2/3, R 1 -> 0.8
    mixed = point_metrics(np.array([0, 0, 1, 1]), np.array([0.1, 0.4, 0.35, 0.8]))
    assert mixed["auroc"] == pytest.approx(0.75)
    assert mixed["auprc"] == pytest.approx(0.5 + 0.5 * 2 / 3)
    assert mixed["best_f1"] == pytest.approx(0.8) and mixed["best_threshold"] == pytest.approx(0.35)
    one_class = point_metrics(np.zeros(5, dtype=int), np.arange(5.0))
    assert one_class["auroc"] is None and one_class["auprc"] is None and one_class["best_f1"] is None
    with pytest.raises(ValueError, match="equal length"):
        point_metrics(np.array([0, 1]), np.array([0.1, 0.2, 0.3]))
    with pytest.raises(ValueError, match="0 .normal. or 1"):
        point_metrics(np.array([0, 2]), np.array([0.1, 0.2]))


def test_event_metrics_with_tolerance():
    true = [Event(10, 20, 1.0), Event(50, 60, 1.0)]
    predicted = [Event(22, 25, 1.0), Event(100, 110, 1.0)]
    # the nearest samples of [10, 20) and [22, 25) are 19 and 22: 3 s apart
    none = event_metrics(true, predicted, tolerance_s=2.9)
    assert none["event_recall"] == 0.0 and none["event_precision"] == 0.0 and none["event_f1"] == 0.0
    half = event_metrics(true, predicted, tolerance_s=3.0)
    assert half["event_recall"] == 0.5 and half["event_precision"] == 0.5 and half["event_f1"] == 0.5
    assert half["found"] == 1 and half["correct"] == 1 and half["true_events"] == 2
    overlapping = event_metrics(true, [Event(55, 70, 1.0)], tolerance_s=0.0)
    assert overlapping["event_recall"] == 0.5 and overlapping["event_precision"] == 1.0
    empty = event_metrics(true, [], tolerance_s=5.0)
    assert empty["event_recall"] == 0.0 and empty["event_precision"] is None and empty["event_f1"] is None
    # at 10 Hz a tolerance of 0.3 s is 3 samples
    assert event_metrics([Event(100, 200, 10.0)], [Event(202, 210, 10.0)], 0.3)["event_recall"] == 1.0
    assert event_metrics([Event(100, 200, 10.0)], [Event(202, 210, 10.0)], 0.29)["event_recall"] == 0.0
    pooled = pooled_event_metrics([half, overlapping])
    assert pooled["event_recall"] == pytest.approx(2 / 4) and pooled["event_precision"] == pytest.approx(2 / 3)


# --- events --------------------------------------------------------------------------------------------------------

def test_events_threshold_merge_and_minimum_duration():
    scores = np.array([0, 5, 5, 0, 0, 6, 0, 0, 0, 0, 0, 5, 7, 5, 0], dtype=float)
    # runs above 1: [1, 3), [5, 6), [11, 14); gaps 2 and 5 samples (1 Hz)
    merged = detect_events(scores, 1.0, 1.0, EventSettings(merge_s=2.0, min_duration_s=2.0))
    assert [(e.start, e.stop, e.peak) for e in merged] == [(1, 6, 6.0), (11, 14, 7.0)]
    apart = detect_events(scores, 1.0, 1.0, EventSettings(merge_s=1.0, min_duration_s=2.0))
    assert [(e.start, e.stop) for e in apart] == [(1, 3), (11, 14)]  # [5, 6) is shorter than 2 s
    long_only = detect_events(scores, 1.0, 1.0, EventSettings(merge_s=2.0, min_duration_s=4.0))
    assert [(e.start, e.stop) for e in long_only] == [(1, 6)]
    at_2hz = detect_events(scores, 1.0, 2.0, EventSettings(merge_s=1.0, min_duration_s=0.0))
    assert [(e.start, e.stop, e.start_s, e.end_s) for e in at_2hz] == [(1, 6, 0.5, 3.0), (11, 14, 5.5, 7.0)]
    assert detect_events(scores, 10.0, 1.0) == []
    assert [(e.start, e.stop) for e in label_events(np.array([1, 1, 0, 0, 1, 0, 1]), 1.0)] == [(0, 2), (4, 5), (6, 7)]


# --- windows -------------------------------------------------------------------------------------------------------

def test_window_scores_back_onto_samples():
    grid = WindowGrid(np.array([0, 2, 4, 6]), np.array([4, 6, 8, 10]), 1.0)
    scores = np.array([1.0, 2.0, 3.0, 4.0])
    np.testing.assert_allclose(sample_scores(grid, scores, 10, "mean"), [1, 1, 1.5, 1.5, 2.5, 2.5, 3.5, 3.5, 4, 4])
    np.testing.assert_allclose(sample_scores(grid, scores, 10, "max"), [1, 1, 2, 2, 3, 3, 4, 4, 4, 4])
    labels = np.array([0, 0, 0, 1, 1, 1, 0, 0, 0, 0])
    # labelled samples per window: [0, 4) 1 of 4, [2, 6) 3, [4, 8) 2, [6, 10) 0
    assert window_labels(grid, labels).tolist() == [0, 1, 1, 0]
    assert window_labels(grid, labels, min_fraction=0.6).tolist() == [0, 1, 0, 0]
    assert window_labels(grid, labels, min_fraction=0.25).tolist() == [1, 1, 1, 0]


def test_windows_stream_in_batches_and_cover_the_recording():
    device = Device(rate_hz=50, joints=["right_wrist"], gravity="removed")
    settings = WindowSettings(window_s=10.0, hop_s=2.5, batch_size=8)
    series = np.random.default_rng(0).normal(size=(50 * 61, 6))
    batches = list(window_batches(checked_recording(series, device, settings), device, settings))
    grid = grid_of(len(series), device, settings)
    assert [len(b) for b in batches] == [8, 8, 6] and len(grid) == 22  # starts 0, 2.5, ... 50 s (21), then 51 s
    assert grid.stops[-1] == len(series) and np.concatenate([b.index for b in batches]).tolist() == list(range(22))
    assert batches[0].imu.shape == (8, 200, 22, 6) and batches[0].channels.sum() == 6
    assert batches[0].compact(batches[0].channels).shape == (8, 6, 200)


def test_recordings_are_checked():
    device = Device(rate_hz=10, joints=["right_wrist"], gravity="removed")
    settings = WindowSettings()
    with pytest.raises(InputError, match=r"rec.npy: 99 samples \(9.9 s at 10 Hz\) is shorter than one 10 s window"):
        checked_recording(np.zeros((99, 6)), device, settings, "rec.npy")
    bad = np.zeros((200, 6))
    bad[17, 4] = np.nan
    with pytest.raises(InputError, match="rec.npy: 1 NaN or infinite samples"):
        checked_recording(bad, device, settings, "rec.npy")
    with pytest.raises(InputError, match="5 channels"):
        checked_recording(np.zeros((200, 5)), device, settings, "rec.npy")
    assert checked_recording(np.zeros((100, 6)), device, settings).shape == (100, 6)


# --- protocols -----------------------------------------------------------------------------------------------------

def test_novelty_protocol_ground_truth():
    protocol = build_protocol("novelty", 3)
    again = build_protocol("novelty", 3)
    assert all(np.array_equal(a, b) for a, b in zip(protocol.recordings, again.recordings))  # seeded
    assert not np.array_equal(protocol.recordings[0], build_protocol("novelty", 4).recordings[0])
    assert len(protocol.recordings) == 2 and protocol.normal[0].shape == (20 * 100, 6)
    for recording, labels in zip(protocol.recordings, protocol.labels):
        assert recording.shape == (13 * 100, 6) and labels.shape == (1300,) and labels.sum() == 300
        # every anomalous stretch is whole BasicMotions series of running or badminton: high energy
        anomalous = np.linalg.norm(recording[labels == 1, :3], axis=1).mean()
        normal = np.linalg.norm(recording[labels == 0, :3], axis=1).mean()
        assert anomalous > 2 * normal
    assert protocol.abnormal_text == ("the person is running", "the person is playing badminton")


def test_faults_are_injected_only_where_labelled():
    protocol = build_protocol("faults", 0)
    clean = build_protocol("faults", 0)
    assert all(np.array_equal(a, b) for a, b in zip(protocol.recordings, clean.recordings))
    kinds = np.concatenate(protocol.kinds)
    assert set(kinds[kinds != ""]) == set(FAULTS)
    assert all(round(np.mean(label), 2) == 0.3 for label in protocol.labels)  # 5 faults of 12 s in 200 s
    rng = np.random.default_rng(0)
    scale = np.ones(6)
    base = rng.normal(size=(300, 6))
    for kind in FAULTS:
        series = base.copy()
        inject(series, kind, 100, 200, np.random.default_rng(1), scale)
        assert np.array_equal(series[:100], base[:100]) and np.array_equal(series[200:], base[200:])
        assert not np.allclose(series[100:200], base[100:200]), kind
    series = base.copy()
    inject(series, "dropout", 100, 200, rng, scale)
    assert (series[100:200] == 0).all()
    inject(series := base.copy(), "rotation", 100, 200, rng, scale)
    np.testing.assert_allclose(np.linalg.norm(series[100:200, :3], axis=1), np.linalg.norm(base[100:200, :3], axis=1))


# --- detectors on the protocols ------------------------------------------------------------------------------------

DETECTORS = ("knn", "mahalanobis", "text", "forecast", "iforest", "stats-knn")


@pytest.fixture(scope="module")
def novelty_results(model_folder):
    return evaluate_protocol(model_folder, "novelty", [0], DETECTORS)


@pytest.fixture(scope="module")
def faults_results(model_folder):
    return evaluate_protocol(model_folder, "faults", [0], DETECTORS)


def test_novelty_auroc_of_each_detector(novelty_results):
    per = novelty_results["per_seed"]["0"]
    assert set(per) == set(DETECTORS)
    # running and badminton against standing and walking: every detector that learns the normal windows
    # separates them, even on a random encoder (its embedding still reflects the signal's energy)
    for name in ("knn", "mahalanobis", "forecast", "iforest", "stats-knn"):
        assert per[name]["auroc"] > 0.9, (name, per[name]["auroc"])
        assert per[name]["event_recall"] >= 0.75, name
    # an untrained text tower carries no meaning: zero-shot text is no better than chance here
    assert per["text"]["auroc"] < 0.6
    summary = novelty_results["summary"]["knn"]["auroc"]
    assert summary["mean"] == per["knn"]["auroc"] and summary["std"] == 0.0 and summary["n"] == 1
    assert novelty_results["detectors"]["knn"]["pretrained"] and not novelty_results["detectors"]["forecast"][
        "pretrained"]


def test_fault_auroc_of_each_detector(faults_results):
    per = faults_results["per_seed"]["0"]
    for name in DETECTORS:
        assert 0.0 <= per[name]["auroc"] <= 1.0 and set(per[name]["fault_auroc"]) == set(FAULTS)
    # spikes and a rotated device change the statistics of every channel: the window statistics see them
    assert per["stats-knn"]["fault_auroc"]["spike"] > 0.9 and per["stats-knn"]["fault_auroc"]["rotation"] > 0.9
    assert per["forecast"]["fault_auroc"]["spike"] > 0.85
    # a drop-out to zero looks like standing still to the distance detectors, not to MiniRocket's forest
    assert per["iforest"]["fault_auroc"]["dropout"] > 0.85 > per["stats-knn"]["fault_auroc"]["dropout"]


def test_scorer_thresholds_from_held_out_normal_windows(model_folder):
    from pretrain import load_model

    protocol = build_protocol("novelty", 0)
    network = load_model(model_folder)
    settings = DetectorSettings(abnormal=protocol.abnormal_text, normal=protocol.normal_text)
    scorer = AnomalyScorer(build_detectors(["knn", "stats-knn", "text"], settings, network), BASIC_MOTIONS_DEVICE,
                           network=network).fit(protocol.normal)
    result = scorer.score(protocol.recordings[0])
    normal = scorer.score(protocol.normal[0])
    # kNN scores on its own fitted windows are 0 for k = 1 but not on held-out halves: thresholds are above 0
    assert scorer.thresholds["knn"] > 0 and scorer.thresholds["stats-knn"] > 0
    assert np.mean(normal.scores["stats-knn"] > scorer.thresholds["stats-knn"]) <= 0.05
    assert result.samples("knn").shape == (1300,) and len(result.scores["knn"]) == len(result.grid)
    text_only = AnomalyScorer(build_detectors(["text"], settings, network), BASIC_MOTIONS_DEVICE, network=network)
    assert text_only.fit([]).thresholds == {"text": 0.0}  # no normal data: abnormal closer than normal
    with pytest.raises(InputError, match="the knn detector needs normal recordings"):
        AnomalyScorer(build_detectors(["knn"], settings, network), BASIC_MOTIONS_DEVICE, network=network).fit([])
    with pytest.raises(InputError, match="unknown detectors"):
        build_detectors(["knn", "lof"], settings, network)


def test_neural_forecast_residual_on_novelty(model_folder):
    """The neural forecaster of finetune.forecast (the model's encoder, one epoch here) as a detector."""
    from pretrain import load_model

    protocol = build_protocol("novelty", 0)
    network = load_model(model_folder)
    detectors = build_detectors(["forecast-net"], DetectorSettings(forecast_epochs=1), network)
    scorer = AnomalyScorer(detectors, BASIC_MOTIONS_DEVICE, network=network).fit([protocol.normal[0][:1200]])
    labels = np.concatenate(protocol.labels)
    scores = np.concatenate([scorer.score(r).samples("forecast-net") for r in protocol.recordings])
    assert point_metrics(labels, scores)["auroc"] > 0.9
    assert detectors[0].forecaster.encoder is not network.imu_encoder  # trained on a copy: the model is untouched
    with pytest.raises(InputError, match="the forecast-net detector needs a model"):
        build_detectors(["forecast-net"], DetectorSettings())
