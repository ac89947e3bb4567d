"""The paper's protocol beside ours (issue 15): FFT resampling, joined class text, released few-shot index files,
the unimts-paper pretraining config's one-way loss, and both CLIs recording the protocol."""
from __future__ import annotations

import copy
import json
import math
from pathlib import Path

import numpy as np
import pytest
import scipy.signal
import torch
import torch.nn.functional as F

from benchmarks.prepare import prepare_windows
from benchmarks.registry import Placement, get_dataset
from finetune.__main__ import main as finetune_main
from finetune.protocol import finetune_protocol
from finetune.selection import released_selection
from pretrain.config import load_config, override
from pretrain.data import crop
from tests.conftest import save_tiny_model
from tests.test_benchmarks_loader import write_released
from zero_shot.__main__ import main as zero_shot_main
from zero_shot.prompts import class_text_embeddings, joined_class_text
from zero_shot.protocol import zero_shot_protocol

PLACEMENTS = (Placement(joint=21, acc=(0, 3), gyro=(3, 6)),)


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory) -> Path:
    return save_tiny_model(tmp_path_factory.mktemp("model"), (8, 8), (2, 2))


@pytest.mark.parametrize("steps", [137, 1500])  # shorter than 10 s (wrap-padded) and much longer
def test_fft_resampling_equals_scipy_resample_of_the_whole_series(steps):
    x = np.random.default_rng(steps).normal(size=(3, steps, 6))
    imu, mask = prepare_windows(x, PLACEMENTS, 50.0, resampling="fft")
    whole = scipy.signal.resample(x, int(steps / 50.0 * 20), axis=1)  # the reference's data.py, whole series
    expected = whole[:, np.arange(200) % whole.shape[1]] if whole.shape[1] < 200 else whole[:, :200]
    np.testing.assert_array_equal(imu[:, :, 21], expected.astype(np.float32))
    assert mask[:, :, 21].all() and not imu[:, :, :21].any()
    polyphase, _ = prepare_windows(x, PLACEMENTS, 50.0)
    assert np.abs(polyphase[:, :, 21] - imu[:, :, 21]).max() > 1e-3  # the two paths really differ


class _Recorder:
    """Stands in for a model's text tower: records the texts it embeds."""

    def __init__(self):
        self.texts: list[str] = []

    def encode_text(self, texts):
        self.texts += list(texts)
        return torch.nn.functional.normalize(torch.randn(len(texts), 4), dim=-1)


def test_joined_class_text_is_exactly_the_synonyms_joined_by_spaces():
    synonyms = [["walking", "strolling about"], ["running"], ["lying", "lying down", "resting"]]
    assert joined_class_text(synonyms[2]) == "lying lying down resting"
    recorder = _Recorder()
    class_text_embeddings(recorder, synonyms, class_text="joined")
    assert sorted(recorder.texts) == sorted(" ".join(s) for s in synonyms)  # one text per class, no template
    ours = _Recorder()
    class_text_embeddings(ours, synonyms)
    assert "a person is walking" in ours.texts and "walking strolling about" not in ours.texts


def test_protocols_are_typed_and_single_flags_override_one_setting():
    assert zero_shot_protocol("unimts").paper_comparable and not zero_shot_protocol("ours").paper_comparable
    changed = zero_shot_protocol("unimts", resampling="polyphase")
    assert changed.departures() == ["resampling=polyphase"] and not changed.paper_comparable
    unimts = finetune_protocol("unimts")
    settings = unimts.train_settings()
    assert (unimts.head, settings.epochs, settings.batch_size, settings.lr_head, settings.lr_encoder,
            settings.weight_decay, settings.batchnorm, settings.keep_epoch, settings.min_steps) == (
        "linear", 200, 64, 1e-4, 1e-4, 0.0, "update", "train_loss", 0)
    assert finetune_protocol("unimts", epochs=3).departures() == ["epochs=3"]
    with pytest.raises(ValueError):
        finetune_protocol("paper")


def test_released_index_file_selects_exactly_its_rows(tmp_path):
    targets = np.array([0, 1, 2, 0, 1, 2, 0, 1, 2, 0])
    path = tmp_path / "UCIHAR_k=2.pth"
    torch.save([torch.tensor([9, 3]), torch.tensor([1, 7]), torch.tensor([5, 2])], path)  # one tensor per class
    selection = released_selection(path, targets, 3)
    assert selection.train.tolist() == [9, 3, 1, 7, 5, 2] and len(selection.validation) == 0
    assert selection.shots_per_class == [2, 2, 2]
    torch.save(torch.tensor([[0, 3], [4, 7], [2, 8]]), path)  # or one (classes, k) tensor
    assert released_selection(path, targets, 3).train.tolist() == [0, 3, 4, 7, 2, 8]
    torch.save(torch.tensor([0, 10]), path)
    with pytest.raises(Exception, match="row 10 lies outside"):
        released_selection(path, targets, 3)


@pytest.fixture
def ucihar_root(tmp_path) -> Path:
    root = tmp_path / "benchmarks"
    write_released(root, get_dataset("UCIHAR"), count=12, seconds=3.0)  # classes 0..5, two series each
    return root


def test_finetune_unimts_takes_its_shots_from_the_released_file(checkpoint, ucihar_root, tmp_path, capsys):
    y = np.load(ucihar_root / "UCIHAR" / "y_train.npy")
    rows = [int(np.flatnonzero(y == c)[-1]) for c in range(6)]  # the last series of each class
    (ucihar_root / "few_shot_data_2").mkdir()
    torch.save([torch.tensor([r]) for r in rows], ucihar_root / "few_shot_data_2" / "UCIHAR_k=1.pth")
    output = tmp_path / "ft.json"
    finetune_main(["--model", str(checkpoint), "--benchmarks", "UCIHAR", "--data-root", str(ucihar_root), "--k", "1",
                   "--protocol", "unimts", "--modes", "probe", "--seeds", "2", "--epochs", "2", "--output",
                   str(output)])
    payload = json.loads(output.read_text())
    assert [s["train"] for s in payload["selection"]["1"]] == [rows, rows]  # every seed: the file's rows
    assert payload["selection"]["1"][0]["source"].endswith("few_shot_data_2/UCIHAR_k=1.pth")
    assert payload["protocol"]["name"] == "unimts+epochs=2" and payload["protocol"]["shots"] == "released"
    assert payload["settings"]["head"] == "linear" and payload["settings"]["batchnorm"] == "update"
    run = payload["results"]["probe"]["1"]["per_seed"][0]
    assert run["validation_series"] == 0 and run["train_series"] == 6
    assert "Protocol: **unimts+epochs=2**" in (tmp_path / "ft.md").read_text()

    (ucihar_root / "few_shot_data_2" / "UCIHAR_k=1.pth").unlink()
    with pytest.raises(SystemExit) as exit_info:
        finetune_main(["--model", str(checkpoint), "--benchmarks", "UCIHAR", "--data-root", str(ucihar_root), "--k",
                       "1", "--protocol", "unimts", "--modes", "probe", "--output", str(tmp_path / "no.json")])
    assert exit_info.value.code == 2 and not (tmp_path / "no.json").exists()
    error = capsys.readouterr().err.strip().splitlines()
    assert len(error) == 1 and "UCIHAR_k=1.pth: missing" in error[0]


def test_finetune_ours_labels_held_out_shots_honestly(checkpoint, ucihar_root, tmp_path):
    for name in ("X_train.npy", "y_train.npy"):  # five series per class for k=5
        array = np.load(ucihar_root / "UCIHAR" / name)
        np.save(ucihar_root / "UCIHAR" / name, np.concatenate([array] * 3))
    output = tmp_path / "ft.json"
    finetune_main(["--model", str(checkpoint), "--benchmarks", "UCIHAR", "--data-root", str(ucihar_root), "--k",
                   "1,5", "--modes", "probe,early", "--seeds", "1", "--epochs", "1", "--min-steps", "0", "--output",
                   str(output)])
    payload = json.loads(output.read_text())
    assert payload["results"]["probe"]["5"]["label"] == "k=5 (4 train + 1 validation)"
    # The early-block probe has no early stopping: it fits on all 5 shots, and its row says k=5.
    assert payload["results"]["early"]["5"]["label"] == "k=5"
    assert payload["results"]["early"]["5"]["per_seed"][0]["train_series"] == 5 * len(payload["classes"])
    assert payload["results"]["probe"]["1"]["label"] == "k=1"
    assert payload["selection"]["5"][0]["label"] == "k=5 (4 train + 1 validation)"
    assert "| k=5 (4 train + 1 validation) |" in (tmp_path / "ft.md").read_text()


@pytest.mark.parametrize("protocol", ["ours", "unimts"])
def test_zero_shot_cli_records_its_protocol(checkpoint, tmp_path, protocol):
    output, report = tmp_path / "zs.json", tmp_path / "zs.md"
    zero_shot_main(["--model", str(checkpoint), "--benchmarks", "basicmotions", "--protocol", protocol, "--output",
                    str(output), "--report", str(report)])
    payload = json.loads(output.read_text())
    recorded = payload["protocol"]
    assert recorded["name"] == protocol and recorded["paper_comparable"] == (protocol == "unimts")
    assert (recorded["class_text"], recorded["resampling"]) == (
        ("joined", "fft") if protocol == "unimts" else ("ensemble", "polyphase"))
    assert f"Protocol: **{protocol}**" in report.read_text()
    assert payload["average"] == {} and payload["average_outside_paper"]["datasets"] == 1


def test_unimts_paper_config_trains_with_the_references_one_way_loss():
    from accelerate.state import AcceleratorState, GradientState

    from pretrain.train import make_accelerator, setup_training, train_step

    AcceleratorState._reset_state(reset_partial_state=True)
    GradientState._reset_state()
    paper = load_config("unimts-paper")
    assert (paper.model.channels, paper.data.crop, paper.augment.gravity_removed_p) == (3, "start", 0.0)
    assert (paper.train.loss, paper.train.loss_temperature, paper.train.clamp_logit_scale, paper.train.schedule,
            paper.train.weight_decay, paper.train.clip_grad, paper.train.batch_size) == (
        "imu_to_text", 0.1, False, "constant", 0.0, None, 64)
    assert crop(300, 200, np.random.default_rng(0), paper.data.crop) == slice(0, 200)
    # The paper's network and CLIP tower are too big for a unit test (and CLIP needs a download): small ones,
    # every training setting kept.
    config = override(paper, "model.imu_encoder.channels=[8, 8]", "model.imu_encoder.strides=[2, 2]",
                      "model.text_tower={kind: minilm, train: frozen}", "model.embed_dim=16")
    assert config.train == paper.train
    torch.manual_seed(0)
    accelerator = make_accelerator(config.train, None, cpu=True)
    run = setup_training(config, accelerator, total_steps=10)
    with torch.no_grad():
        run.unwrapped.logit_scale.fill_(math.log(200.0))  # above the clamp of 100: the reference never clamps
    augment, seen = run.augmenter, {}

    def recording(imu, mask):
        seen["x"], seen["mask"] = augment(imu, mask)
        return seen["x"], seen["mask"]

    run.augmenter = recording
    rng = np.random.default_rng(0)
    texts = ["a person walks", "someone jumps", "a person sits down", "waving both arms"]
    losses = []
    for _ in range(3):
        imu = torch.from_numpy(rng.normal(size=(4, 200, 22, 3)).astype(np.float32))
        before = copy.deepcopy(run.unwrapped)
        loss = train_step(run, imu, torch.ones_like(imu), texts)
        with torch.no_grad():  # by hand, from the weights before the step, in float64
            motion = F.normalize(before.imu_projection(before.imu_features(seen["x"], seen["mask"])), dim=-1)
            text = before.encode_text(texts)
            cosine = (motion.double() @ F.normalize(text.double(), dim=-1).T).numpy()
        logits = math.exp(before.logit_scale.item()) * cosine / 0.1
        by_hand = np.mean([np.log(np.exp(row - row.max()).sum()) + row.max() - row[i] for i, row in enumerate(logits)])
        symmetric = 0.5 * (by_hand + np.mean([np.log(np.exp(col - col.max()).sum()) + col.max() - col[i]
                                              for i, col in enumerate(logits.T)]))
        assert loss.item() == pytest.approx(by_hand, rel=1e-4) and abs(by_hand - symmetric) > 1e-3
        losses.append(loss.item())
    assert run.scheduler.get_last_lr() == [1e-4, 1e-4]  # constant, no warm-up or decay
    assert run.unwrapped.logit_scale.item() != pytest.approx(math.log(200.0))  # the scale trains, unclamped


def test_zero_shot_report_sets_the_papers_columns_beside_unimts_runs_only(checkpoint, ucihar_root, tmp_path):
    reports = {}
    for protocol in ("unimts", "ours"):
        output, report = tmp_path / f"{protocol}.json", tmp_path / f"{protocol}.md"
        zero_shot_main(["--model", str(checkpoint), "--benchmarks", "UCIHAR,basicmotions", "--data-root",
                        str(ucihar_root), "--protocol", protocol, "--output", str(output), "--report", str(report)])
        payload = json.loads(output.read_text())
        # the average is over the paper's datasets only: UCI-HAR; BasicMotions is averaged apart
        assert payload["average"]["datasets"] == 1 and payload["average"]["acc"] == payload["results"]["UCI-HAR"]["acc"]
        assert payload["average_outside_paper"]["acc"] == payload["results"]["BasicMotions"]["acc"]
        reports[protocol] = report.read_text()
    table = reports["unimts"].split("## Confusion")[0]
    assert "paper Acc" in table and "| 35.2 |" in table and "different protocol" not in table
    ours_table, paper_apart = reports["ours"].split("## The paper's figures: a different protocol")
    assert "paper Acc" not in ours_table and "| UCI-HAR | 35.2 | 22.0 | 53.1 |" in paper_apart
