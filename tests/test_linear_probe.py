"""The early-block probe (finetune.linear_probe) and its modes in run_finetune."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch

from benchmarks.loader import load_split
from benchmarks.metrics import classification_metrics
from benchmarks.registry import get_dataset
from finetune import run_finetune
from finetune.data import Windows, labelled_windows
from finetune.linear_probe import early_features, early_probe_scores, probe_scores, random_encoder
from finetune.selection import stable_seed
from pretrain import load_model
from tests.conftest import save_tiny_model


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    return save_tiny_model(tmp_path_factory.mktemp("model"), (8, 16), (2, 2))


def test_probe_separates_separable_features():
    rng = np.random.default_rng(0)
    centres = rng.normal(0, 5, (3, 8))
    train_y, test_y = np.repeat(np.arange(3), 5), np.repeat(np.arange(3), 20)
    train, test = centres[train_y] + rng.normal(0, 0.5, (15, 8)), centres[test_y] + rng.normal(0, 0.5, (60, 8))
    scores = probe_scores(train, train_y, test, num_classes=4)  # class 3 never seen: -inf
    assert (scores.argmax(1) == test_y).all() and np.isneginf(scores[:, 3]).all()


def _postures(count: int, seed: int) -> Windows:
    """Still windows at the waist (spine1): upright (gravity along +y) or lying (along +x), with sensor noise."""
    rng = np.random.default_rng(seed)
    targets = np.arange(count) % 2
    imu = rng.normal(0, 0.05, (count, 40, 22, 6)).astype(np.float32)
    imu[targets == 0, :, 9, 1] += 9.81
    imu[targets == 1, :, 9, 0] += 9.81
    mask = np.zeros_like(imu)
    mask[:, :, 9] = 1
    return Windows(imu, mask * 1, targets)


def test_early_probe_tells_postures_apart_by_the_direction_of_gravity(checkpoint):
    """A freshly initialised network's first blocks keep the direction of gravity: two shots per posture
    suffice."""
    model = load_model(checkpoint)
    encoder = random_encoder(model, seed=0)
    train, test = _postures(4, seed=1), _postures(20, seed=2)
    scores = early_probe_scores(encoder, 6, train, test, num_classes=2, blocks=1)
    assert (scores.argmax(1) == test.targets).all()
    given = early_features(encoder, 6, test, blocks=1)
    assert given.shape == (20, 8)  # the first block's 8 channels
    np.testing.assert_array_equal(early_probe_scores(encoder, 6, train, test, 2, blocks=1, test_features=given), scores)


def test_random_encoder_is_seeded_and_keeps_only_the_shape(checkpoint):
    model = load_model(checkpoint)
    first, again, other = random_encoder(model, 3), random_encoder(model, 3), random_encoder(model, 4)
    pretrained = model.imu_encoder.state_dict()
    for name, value in first.state_dict().items():
        assert value.shape == pretrained[name].shape
        torch.testing.assert_close(value, again.state_dict()[name])
    weights = [name for name, value in first.state_dict().items() if value.dtype.is_floating_point and value.numel() > 8]
    assert any(not torch.equal(first.state_dict()[n], other.state_dict()[n]) for n in weights)
    assert any(not torch.equal(first.state_dict()[n], pretrained[n]) for n in weights)


def test_encoders_without_blocks_and_single_class_shots_are_refused():
    class Blockless(torch.nn.Module):  # e.g. the language-model core
        def forward(self, x, mask):
            return x.mean(dim=(1, 2))

    windows = _postures(4, seed=0)
    with pytest.raises(ValueError, match="no blocks"):
        early_features(Blockless(), 6, windows)
    one_class = windows.take(np.flatnonzero(windows.targets == 0))
    with pytest.raises(ValueError, match="two classes"):
        early_probe_scores(torch.nn.Identity(), 6, one_class, windows, 2)


def test_run_finetune_probes_the_pretrained_and_a_seeded_random_encoder(checkpoint, monkeypatch):
    import finetune.run

    seen = []

    def recording(encoder, *args, **kwargs):  # which encoder each run probes, and what it scores
        scores = early_probe_scores(encoder, *args, **kwargs)
        seen.append(({name: value.clone() for name, value in encoder.state_dict().items()}, scores))
        return scores

    monkeypatch.setattr(finetune.run, "early_probe_scores", recording)
    dataset = get_dataset("basicmotions")
    train, test = load_split(dataset, ".", "train"), load_split(dataset, ".", "test")
    test = replace(test, x=test.x[::4], y=test.y[::4])
    document = run_finetune(checkpoint, (train, test), ks=[2], modes=["early", "random-early"], seeds=[1],
                            progress=False)
    model = load_model(checkpoint)
    expected = [model.imu_encoder.state_dict(),
                random_encoder(model, stable_seed(train.dataset.name, 2, 1)).state_dict()]
    assert len(seen) == 2
    test_windows = labelled_windows(test, use_gyro=True)
    for (state, scores), weights, mode in zip(seen, expected, ("early", "random-early"), strict=True):
        for name, value in weights.items():
            torch.testing.assert_close(state[name], value)
        run = document["results"][mode][2]["per_seed"][0]
        assert run["acc"] == classification_metrics(scores, test_windows.targets)["acc"]
        assert run["train_series"] == 8 and run["blocks"] == 2
    assert document["settings"]["early_probe"] == {"blocks": 2, "C": 1.0}


def test_early_modes_are_skipped_and_listed_for_an_encoder_without_blocks(checkpoint, monkeypatch):
    import finetune.run
    from skeletons.errors import InputError

    monkeypatch.setattr(finetune.run, "has_blocks", lambda encoder: False)  # as the language-model core
    dataset = get_dataset("basicmotions")
    train, test = load_split(dataset, ".", "train"), load_split(dataset, ".", "test")
    test = replace(test, x=test.x[::8], y=test.y[::8])
    document = run_finetune(checkpoint, (train, test), ks=[1], modes=["early", "minirocket", "random-early"],
                            seeds=1, progress=False)
    assert list(document["results"]) == ["minirocket"]
    assert set(document["skipped_modes"]) == {"early", "random-early"}
    with pytest.raises(InputError, match="no mode left"):
        run_finetune(checkpoint, (train, test), ks=[1], modes=["early"], seeds=1, progress=False)
