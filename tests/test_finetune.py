"""Fine-tuning with a tiny random model on BasicMotions: shot selection, heads, training modes, MiniRocket,
the library entry point and the CLI end to end."""
from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch

from benchmarks.loader import load_split
from benchmarks.registry import get_dataset
from finetune import MODES, TrainSettings, build_classifier, fit, predict, run_finetune, select_shots, stable_seed
from finetune.__main__ import main
from finetune.data import Windows, labelled_windows
from finetune.minirocket import minirocket_scores
from finetune.report import markdown
from pretrain import load_model
from tests.conftest import save_tiny_model
from zero_shot import class_text_embeddings, zero_shot_scores

QUICK = TrainSettings(epochs=2, batch_size=8, min_steps=0)


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory) -> Path:
    return save_tiny_model(tmp_path_factory.mktemp("model"), (8, 16), (2, 2))


@pytest.fixture(scope="module")
def model(checkpoint):
    return load_model(checkpoint)


@pytest.fixture(scope="module")
def splits():
    dataset = get_dataset("basicmotions")
    return load_split(dataset, ".", "train"), load_split(dataset, ".", "test")


@pytest.fixture(scope="module")
def windows(splits) -> tuple[Windows, Windows]:
    return tuple(labelled_windows(split, use_gyro=True) for split in splits)


@pytest.fixture(scope="module")
def embeddings(model, splits) -> torch.Tensor:
    return class_text_embeddings(model, splits[0].descriptions)


def test_stable_seed_is_a_sha256_of_the_parts():
    expected = int.from_bytes(hashlib.sha256(b"BasicMotions\x1f3").digest()[:8], "little") >> 1
    assert stable_seed("BasicMotions", 3) == expected
    assert stable_seed("BasicMotions", 3) != stable_seed("BasicMotions", 4)


def test_selection_is_deterministic_nested_and_counted():
    targets = np.array([0] * 7 + [1] * 3 + [2] * 10)
    five = select_shots(targets, 3, 5, "toy", seed=0)
    assert np.array_equal(five.train, select_shots(targets, 3, 5, "toy", seed=0).train)
    assert not np.array_equal(five.train, select_shots(targets, 3, 5, "toy", seed=1).train)
    assert not np.array_equal(five.train, select_shots(targets, 3, 5, "other", seed=0).train)
    assert five.shots_per_class == [5, 3, 5] and len(five.validation) == 0  # class 1 has only 3: no hold-out
    assert np.bincount(targets[five.train], minlength=3).tolist() == [5, 3, 5]
    assert set(select_shots(targets, 3, 2, "toy", seed=0).train) < set(five.train)  # nested in k
    with pytest.raises(ValueError):
        select_shots(targets, 3, 0, "toy", seed=0)


def test_validation_is_a_stratified_fifth_when_every_class_has_five():
    targets = np.array([0] * 10 + [1] * 6 + [2] * 25)
    selection = select_shots(targets, 3, None, "toy", seed=2)
    assert np.bincount(targets[selection.validation], minlength=3).tolist() == [2, 1, 5]
    assert np.bincount(targets[selection.train], minlength=3).tolist() == [8, 5, 20]
    assert sorted(selection.shots.tolist()) == list(range(len(targets)))
    assert not set(selection.train) & set(selection.validation)


def test_text_head_scores_like_zero_shot_before_training(model, windows, embeddings):
    test = windows[1]
    classifier = build_classifier(model, "text", 4, embeddings)
    logits = predict(classifier, test)
    zero_shot = zero_shot_scores(model, test.imu, test.mask, embeddings)
    scale = model.clamped_logit_scale().item()
    np.testing.assert_allclose(logits / scale, zero_shot, atol=1e-5)
    assert np.array_equal(logits.argmax(1), zero_shot.argmax(1))


def _backbone_state(classifier) -> dict[str, torch.Tensor]:
    return {f"{i}.{k}": v.clone() for i, module in enumerate(classifier.backbone())
            for k, v in module.state_dict().items()}


def test_probe_trains_the_head_only(model, windows, embeddings):
    train = windows[0].take(np.arange(0, 40, 3))
    classifier = build_classifier(model, "text", 4, embeddings)
    before, head = _backbone_state(classifier), classifier.head.weight.detach().clone()
    fit(classifier, "probe", train, None, QUICK, seed=0)
    after = _backbone_state(classifier)
    assert all(torch.equal(before[key], after[key]) for key in before)  # weights and batch-norm statistics
    assert not torch.equal(head, classifier.head.weight)


def test_full_trains_the_encoder_but_keeps_its_batch_norm_statistics(model, windows):
    train = windows[0].take(np.arange(0, 40, 3))
    torch.manual_seed(0)
    classifier = build_classifier(model, "linear", 4)
    before = _backbone_state(classifier)
    fit(classifier, "full", train, None, QUICK, seed=0)
    after = _backbone_state(classifier)
    statistics = [key for key in before if "running_" in key]
    assert statistics and all(torch.equal(before[key], after[key]) for key in statistics)
    assert not torch.equal(before["0.data_bn.weight"], after["0.data_bn.weight"])
    assert not torch.equal(before["0.st_gcn_networks.0.gcn.conv.weight"], after["0.st_gcn_networks.0.gcn.conv.weight"])


def test_fit_brings_back_the_best_validation_epoch(model, windows, embeddings):
    train, validation = windows[0].take(np.arange(0, 40, 4)), windows[0].take(np.arange(2, 40, 4))
    wild = TrainSettings(epochs=4, batch_size=8, min_steps=0, lr_head=10.0, lr_encoder=10.0)  # later epochs worsen
    classifier = build_classifier(model, "text", 4, embeddings)
    report = fit(classifier, "full", train, validation, wild, seed=0)
    assert report.epochs_run == 4 and 1 <= report.kept_epoch < 4
    logits = torch.from_numpy(predict(classifier, validation))
    targets = torch.from_numpy(validation.targets)
    assert report.validation_accuracy == pytest.approx(float((logits.argmax(1) == targets).float().mean()))
    assert report.validation_loss == pytest.approx(float(torch.nn.functional.cross_entropy(logits, targets)), rel=1e-5)
    shorter = build_classifier(model, "text", 4, embeddings)  # the same run, stopped at the kept epoch
    fit(shorter, "full", train, None, replace(wild, epochs=report.kept_epoch), seed=0)
    assert all(torch.equal(value, shorter.state_dict()[name]) for name, value in classifier.state_dict().items())


def test_min_steps_extends_the_epochs_of_tiny_training_sets(model, windows):
    train = windows[0].take(np.arange(0, 40, 10))  # 4 windows: one step per epoch
    torch.manual_seed(0)
    report = fit(build_classifier(model, "linear", 4), "probe", train, None,
                 TrainSettings(epochs=2, batch_size=8, min_steps=5), seed=0)
    assert report.epochs_run == 5


def test_minirocket_separates_frequencies_and_leaves_absent_classes_out():
    rng = np.random.default_rng(0)
    time = np.arange(200) / 20.0
    frequencies = np.array([0.5, 3.0])
    targets = np.repeat([0, 1], 6)
    imu = np.zeros((12, 200, 22, 6), np.float32)
    imu[:, :, 21, 0] = np.sin(2 * np.pi * frequencies[targets][:, None] * time + rng.uniform(0, 6, (12, 1)))
    mask = np.zeros_like(imu)
    mask[:, :, 21, :3] = 1
    windows = Windows(imu, mask, targets)
    channels = mask.reshape(-1, 22, 6).any(0)
    scores, alpha = minirocket_scores(windows.take(np.arange(0, 12, 2)), windows.take(np.arange(1, 12, 2)),
                                      num_classes=3, seed=0, channels=channels, n_kernels=84)
    assert scores.shape == (6, 3) and np.all(np.isneginf(scores[:, 2])) and alpha > 0
    assert np.array_equal(scores.argmax(1), targets[1::2])


def test_every_mode_runs_and_the_same_call_gives_the_same_numbers(checkpoint, splits):
    train, test = splits
    pair = (train, replace(test, x=test.x[::5], y=test.y[::5]))  # 8 test series keep the test quick
    options = dict(ks=[2], modes=list(MODES), seeds=1, epochs=1, full=False, progress=False,
                   settings=TrainSettings(batch_size=8, min_steps=0))
    document = run_finetune(checkpoint, pair, **options)
    assert document == run_finetune(checkpoint, pair, **options)
    assert list(document["results"]) == list(MODES)
    for mode in MODES:
        entry = document["results"][mode][2]
        assert entry["shots_per_class"] == [2] * 4 and entry["short_classes"] == []
        assert [run["seed"] for run in entry["per_seed"]] == [0] and entry["per_seed"][0]["n"] == 8
        only = entry["per_seed"][0]  # one seed: the summary is that seed's figures, accuracy a count out of 8
        assert entry["acc_mean"] == only["acc"] and entry["f1_mean"] == only["f1"] and entry["acc_std"] == 0
        assert float(only["acc"] * 8).is_integer() and 0 <= only["acc"] <= 1 and 0 <= only["f1"] <= 1
    chosen = document["selection"][2][0]
    assert len(chosen["train"]) == 8 and chosen["validation"] == []
    assert np.bincount(train.targets[chosen["train"]]).tolist() == [2] * 4
    json.dumps(document)


def test_classes_with_too_few_training_series_are_reported(checkpoint, splits):
    train, test = splits
    keep = np.r_[np.flatnonzero(train.targets == 0)[:2], np.flatnonzero(train.targets != 0)]
    document = run_finetune(checkpoint, (replace(train, x=train.x[keep], y=train.y[keep]), test), ks=[3],
                            modes=["minirocket"], seeds=1, progress=False)
    entry = document["results"]["minirocket"][3]
    assert entry["shots_per_class"] == [2, 3, 3, 3] and entry["short_classes"] == ["standing"]
    assert "At k=3, fewer training series than k for: standing" in markdown(document)


def test_cli_writes_json_and_markdown(checkpoint, tmp_path):
    output = tmp_path / "ft.json"
    main(["--model", str(checkpoint), "--benchmarks", "BasicMotions", "--k", "1", "--full", "--modes",
          "probe,minirocket", "--seeds", "0,3", "--epochs", "1", "--min-steps", "0", "--output", str(output)])
    document = json.loads(output.read_text())
    assert document["benchmark"] == "BasicMotions" and document["settings"]["seeds"] == [0, 3]
    assert list(document["results"]["probe"]) == ["1", "full"]  # integer k in Python, a string in JSON
    full = document["results"]["probe"]["full"]
    assert full["shots_per_class"] == [10] * 4 and len(full["per_seed"]) == 2
    assert len(document["selection"]["full"][0]["validation"]) == 8  # 2 of each class's 10 held out
    table = (tmp_path / "ft.md").read_text()
    assert "| shots | probe | minirocket |" in table and "| k=1 |" in table
    assert "| full (8 train + 2 validation) |" in table  # the held-out fifth is named, not hidden


def test_cli_fine_tunes_custom_data_with_the_old_spellings(checkpoint, splits, tmp_path):
    """--checkpoint, --rate, --gravity, --mode and space-separated --k: hidden aliases for one release."""
    for split in splits:
        np.save(tmp_path / f"X_{split.split}.npy", split.x)
        np.save(tmp_path / f"y_{split.split}.npy", split.y)
    labels = tmp_path / "labels.json"
    labels.write_text(json.dumps({str(i): names for i, names in split.labels.items()}))
    output = tmp_path / "custom.json"
    main(["--checkpoint", str(checkpoint), "--custom-x", str(tmp_path / "X_train.npy"), "--custom-y",
          str(tmp_path / "y_train.npy"), "--custom-test-x", str(tmp_path / "X_test.npy"), "--custom-test-y",
          str(tmp_path / "y_test.npy"), "--labels", str(labels), "--joints", "right_wrist", "--rate", "10",
          "--gravity", "removed", "--k", "3", "4", "--mode", "full", "--seeds", "1", "--epochs", "1", "--min-steps",
          "0", "--output", str(output)])
    document = json.loads(output.read_text())
    assert document["benchmark"] == "custom" and document["n_test"] == 40
    assert document["results"]["full"]["3"]["per_seed"][0]["train_series"] == 12
    assert document["settings"]["ks"] == [3, 4]


@pytest.mark.parametrize("flags, culprit", [
    (["--model", "{tmp}/absent", "--benchmarks", "basicmotions"], "config.json"),
    (["--benchmarks", "nosuchset"], "unknown benchmark"),
    (["--benchmarks", "basicmotions", "--modes", "full,finetune"], "unknown mode 'finetune'"),
    (["--benchmarks", "basicmotions", "--k", "0"], "k must be"),
    (["--benchmarks", "basicmotions", "--seeds", "0"], "seeds"),
    (["--benchmarks", "basicmotions", "--seeds", "1,1"], "seeds"),
    (["--custom-x", "{tmp}/X.npy"], "--custom-x needs"),
    (["--benchmarks", "basicmotions", "--output", "{tmp}"], "is a folder"),
])
def test_bad_input_exits_2_and_writes_nothing(checkpoint, tmp_path, capsys, flags, culprit):
    defaults = ["--model", str(checkpoint), "--modes", "minirocket", "--k", "1", "--output", str(tmp_path / "out.json")]
    with pytest.raises(SystemExit) as exit_info:
        main(defaults + [flag.format(tmp=tmp_path) for flag in flags])  # later flags override the defaults
    assert exit_info.value.code == 2
    error = capsys.readouterr().err.strip()
    assert error.startswith("error:") and culprit in error and "\n" not in error
    assert not any(tmp_path.iterdir())
