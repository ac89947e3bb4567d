"""The supervised simulation-to-real check (experiments.sim_supervised): windows cut as a device's, a
classifier that learns, a confusion matrix that counts right."""
from __future__ import annotations

import numpy as np
import pytest

from benchmarks.metrics import confusion
from experiments.sim_supervised import (
    SupervisedSettings,
    build_classifier,
    crop_starts,
    device_windows,
    scores,
    train_classifier,
)
from pretrain.config import load_config
from tests.conftest import save_tiny_model


def test_crop_starts_cover_the_clip_at_half_overlap():
    assert crop_starts(200, 51, 25).tolist() == [0, 25, 50, 75, 100, 125]
    assert crop_starts(51, 51, 25).tolist() == [0]
    assert crop_starts(50, 51, 25).tolist() == []


def test_confusion_rows_are_true_classes():  # the shared benchmarks.metrics.confusion, as results record it
    scores = np.eye(3)[[0, 1, 1, 2]]  # predicted 0, 1, 1, 2
    assert confusion(scores, np.array([0, 0, 1, 2])).tolist() == [[1, 1, 0], [0, 1, 0], [0, 0, 1]]


def test_device_windows_are_waist_crops_tiled_like_a_device(tmp_path):
    from simulate.corpus import CorpusConfig, build_corpus
    from simulate.sources import procedural_items

    corpus = build_corpus(procedural_items(2, 0, ["walk"], 4.0), tmp_path / "corpus",
                          CorpusConfig(source="procedural", sensor="ideal"), progress=False).output
    imu, mask, targets = device_windows(corpus, ["sit", "walk"], joint=9)
    # 4 s at 20 Hz = 80 samples: 51-sample crops at 0 and 25 per clip.
    assert imu.shape == (4, 200, 22, 6) and targets.tolist() == [1, 1, 1, 1]
    assert np.flatnonzero(mask.sum((0, 1, 3))).tolist() == [9]
    np.testing.assert_array_equal(imu[:, :51], imu[:, 51:102])  # 2.56 s tiled to the 10 s window
    from simulate.corpus import load_corpus

    clip = np.asarray(load_corpus(corpus).with_format("numpy")["imu"][0], dtype=np.float32)
    np.testing.assert_allclose(imu[1, :51, 9], clip[25:76, 9], rtol=1e-6)


def _waist_windows(count: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Class 1: a 2 Hz vertical bounce of 3 m/s^2 at the waist; class 0: still (gravity and sensor noise)."""
    t = np.arange(200) / 20.0
    targets = rng.integers(0, 2, count)
    imu = np.zeros((count, 200, 22, 6), np.float32)
    imu[:, :, 9, 1] = 9.81
    imu[:, :, 9, 1] += targets[:, None] * 3.0 * np.sin(2 * np.pi * 2.0 * t + rng.uniform(0, 6.3, (count, 1)))
    imu[:, :, 9] += rng.normal(0, 0.05, imu[:, :, 9].shape)
    mask = np.zeros_like(imu)
    mask[:, :, 9] = 1.0
    return imu, mask, targets.astype(np.int64)


def test_the_classifier_learns_what_separates_the_windows():
    rng = np.random.default_rng(0)
    imu, mask, targets = _waist_windows(128, rng)
    config = load_config("cpu-small")
    model = build_classifier(config, 2, seed=0)
    # Under the shipped augmentation; fewer steps leave the batch-norms' running statistics behind the network.
    train_classifier(model, imu, mask, targets, config.augment, SupervisedSettings(steps=100, batch_size=16, lr=1e-3),
                     seed=0)
    test_imu, test_mask, test_targets = _waist_windows(64, np.random.default_rng(1))
    accuracy = (scores(model, test_imu, test_mask).argmax(1) == test_targets).mean()
    assert accuracy >= 0.9


def test_hapt_synonyms_are_the_named_classes():
    from experiments.sim_supervised import hapt_synonyms

    assert hapt_synonyms(["walking upstairs", "lying"]) == [["walking upstairs", "climbing stairs"], ["lying", "lying down"]]


def test_zero_shot_among_scores_the_chosen_classes_with_their_prompts(tmp_path):
    import torch

    from experiments.sim_supervised import zero_shot_among
    from pretrain import load_model
    from zero_shot.prompts import class_text_embeddings

    folder = save_tiny_model(tmp_path / "model")
    imu, mask, _ = _waist_windows(12, np.random.default_rng(2))
    targets = np.arange(12) % 2
    result = zero_shot_among(folder, ["walking upstairs", "lying"], (imu, mask, targets))
    model = load_model(folder)
    texts = class_text_embeddings(model, [["walking upstairs", "climbing stairs"], ["lying", "lying down"]])
    with torch.inference_mode():
        predicted = (model.encode_imu(torch.from_numpy(imu), torch.from_numpy(mask)) @ texts.T).argmax(1).numpy()
    expected = np.zeros((2, 2), dtype=int)
    np.add.at(expected, (targets, predicted), 1)
    assert result["real_confusion"] == expected.tolist()
    assert result["real"]["acc"] == pytest.approx((predicted == targets).mean())


def test_the_frozen_probe_is_fitted_on_simulation_and_scored_on_the_real_windows(tmp_path):
    from experiments.sim_supervised import zero_shot_among

    folder = save_tiny_model(tmp_path / "model")
    simulated = _waist_windows(64, np.random.default_rng(3))
    real = _waist_windows(40, np.random.default_rng(4))
    result = zero_shot_among(folder, ["walking", "standing"], real, simulated)
    assert np.sum(result["probe_confusion"]) == 40
    assert result["probe_real"]["acc"] >= 0.9  # bouncing vs still: even a random encoder's features tell them apart
