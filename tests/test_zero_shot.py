"""Zero-shot evaluation with a tiny random model: prompt ensembling, scores, and the CLI end to end."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from benchmarks.loader import load_split
from benchmarks.metrics import METRIC_KEYS
from benchmarks.prepare import prepare_split
from benchmarks.registry import DATASETS, get_dataset
from pretrain import load_model
from tests.conftest import REPO
from tests.test_benchmarks_loader import write_released
from zero_shot import TEMPLATES, class_prompts, class_text_embeddings, evaluate_split, run_zero_shot, zero_shot_scores
from zero_shot.__main__ import main

MINIATURE = ("Opp_g", "UCIHAR", "Wharf", "UTD-MHAD")


@pytest.fixture(scope="module")
def model(checkpoint):
    return load_model(checkpoint)


@pytest.fixture(scope="module")
def data_root(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("benchmarks")
    for name in MINIATURE:
        write_released(root, get_dataset(name), count=8, seconds=4.0)
    return root


def test_class_embeddings_average_templates_and_synonyms(model):
    descriptions = [["walking", "strolling"], ["running"]]
    embeddings = class_text_embeddings(model, descriptions)
    assert embeddings.shape == (2, 32)
    torch.testing.assert_close(embeddings.norm(dim=-1), torch.ones(2))
    assert len(class_prompts(descriptions[0])) == 2 * len(TEMPLATES) and "a person is walking" in class_prompts(
        descriptions[0])
    with torch.inference_mode():
        expected = F.normalize(model.encode_text(class_prompts(descriptions[0])).mean(0), dim=0)
        single = model.encode_text(["running"])[0]
    torch.testing.assert_close(embeddings[0], expected)
    torch.testing.assert_close(class_text_embeddings(model, [["running"]], templates=("{}",))[0], single)


def test_class_embeddings_are_centred_on_the_corpus_text_centre(checkpoint, tmp_path):
    """A model that records its corpus's mean text embedding has every class's mean centred on it before
    normalising; the centre survives save and load, and a model without one is left as it was."""
    from pretrain.model import corpus_text_centre

    centred = load_model(checkpoint)
    descriptions = [["walking", "strolling"], ["running"], ["sitting"]]
    plain = class_text_embeddings(centred, descriptions)
    centre = corpus_text_centre(centred, [["walking slowly", "a stroll"], ["jogging"], ["sitting on a chair"]])
    centred.set_text_centre(centre)
    with torch.inference_mode():
        means = torch.stack([centred.encode_text(class_prompts(d)).mean(0) for d in descriptions])
    expected = F.normalize(means - centre, dim=-1)
    torch.testing.assert_close(class_text_embeddings(centred, descriptions), expected)
    assert not torch.allclose(expected, plain, atol=1e-3)
    centred.save(tmp_path / "centred")
    torch.testing.assert_close(load_model(tmp_path / "centred").text_centre, centre)
    torch.testing.assert_close(class_text_embeddings(load_model(checkpoint), descriptions), plain)
    with pytest.raises(ValueError):
        centred.set_text_centre(torch.zeros(3))


def test_scores_are_cosine_similarities(model):
    split = load_split(get_dataset("basicmotions"), ".", "test")
    imu, mask = prepare_split(split)
    classes = class_text_embeddings(model, split.descriptions)
    scores = zero_shot_scores(model, imu, mask, classes, batch_size=16)
    with torch.inference_mode():
        expected = model.encode_imu(torch.from_numpy(imu), torch.from_numpy(mask)) @ classes.T
    assert scores.shape == (40, 4) and np.abs(scores).max() <= 1.0 + 1e-5
    np.testing.assert_allclose(scores, expected.numpy(), atol=1e-5)
    result = evaluate_split(model, split, batch_size=16)
    np.testing.assert_allclose(result.scores, scores, atol=1e-5)
    assert result.confusion.sum() == 40 and result.metrics["n"] == 40


def test_cli_scores_all_of_basicmotions(checkpoint, tmp_path):
    output = tmp_path / "zs.json"
    run = subprocess.run([sys.executable, "-m", "zero_shot", "--model", str(checkpoint), "--benchmarks",
                          "BasicMotions", "--output", str(output)], cwd=REPO, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    payload = json.loads(output.read_text())
    metrics = payload["results"]["BasicMotions"]
    assert list(metrics) == list(METRIC_KEYS) and metrics["n"] == 40
    # the numbers are the metrics of the model's own scores, not merely fractions
    expected = evaluate_split(load_model(checkpoint), load_split(get_dataset("basicmotions"), ".", "test"),
                              batch_size=16)
    assert metrics == pytest.approx(expected.metrics, abs=1e-6)
    assert payload["confusion"]["BasicMotions"] == expected.confusion.tolist()
    # BasicMotions is not one of the paper's datasets: averaged apart, never into the paper-comparable average
    assert payload["average"] == {} and payload["average_outside_paper"]["acc"] == metrics["acc"]
    assert payload["protocol"]["use_gyro"] is True and payload["protocol"]["name"] == "ours"
    assert run.stdout.startswith("BasicMotions")


def test_cli_miniature_of_four_benchmarks_with_report(checkpoint, data_root, tmp_path, capsys):
    output, report = tmp_path / "out" / "zs.json", tmp_path / "out" / "zs.md"
    main(["--model", str(checkpoint), "--benchmarks", "opp_g,UCI-HAR,wharf,utd-mhad", "--data-root",
          str(data_root), "--output", str(output), "--report", str(report)])
    payload = json.loads(output.read_text())
    assert list(payload["results"]) == ["Opportunity", "UCI-HAR", "Wharf", "UTD-MHAD"]
    assert all(m["n"] == 8 for m in payload["results"].values())
    assert payload["average"]["datasets"] == 4 and payload["failed"] == {} and payload["skipped"] == []
    text = report.read_text()
    # our protocol: the paper's figures only under a heading that says the protocols differ
    ours, paper = text.split("## The paper's figures: a different protocol")
    assert "| UCI-HAR | easy | 8 | 6 |" in ours and "| 35.2 |" not in ours and "| 45.9 |" not in ours
    assert "| UCI-HAR | 35.2 | 22.0 | 53.1 |" in paper  # UCI-HAR's Acc, F1 and R@2 in the paper
    pictures = sorted(p.name for p in report.parent.glob("*.png"))
    assert pictures == ["zs-opportunity-confusion.png", "zs-uci-har-confusion.png", "zs-utd-mhad-confusion.png",
                        "zs-wharf-confusion.png"]
    assert all(f"]({name})" in text for name in pictures)
    assert len(capsys.readouterr().out.splitlines()) == 4


def test_cli_all_skips_absent_and_lists_broken(checkpoint, data_root, tmp_path):
    root = tmp_path / "root"
    for name in ("UCIHAR", "PAMAP"):
        write_released(root, get_dataset(name), count=4)
    np.save(root / "PAMAP" / "y_test.npy", np.zeros(3, np.int64))  # present but broken
    output = tmp_path / "all.json"
    main(["--model", str(checkpoint), "--benchmarks", "all", "--data-root", str(root), "--output", str(output)])
    payload = json.loads(output.read_text())
    assert list(payload["results"]) == ["UCI-HAR", "BasicMotions"]
    assert list(payload["failed"]) == ["PAMAP2"] and "3 labels for 4 series" in payload["failed"]["PAMAP2"]
    assert len(payload["skipped"]) == len(DATASETS) - 3 and "Opportunity" in payload["skipped"]


def write_custom(folder: Path, series: int = 5, labels: int | None = None, joints: int = 2, gyro: bool = True):
    rng = np.random.default_rng(1)
    folder.mkdir(parents=True, exist_ok=True)
    np.save(folder / "X.npy", rng.normal(size=(series, 120, (6 if gyro else 3) * joints)).astype(np.float32))
    np.save(folder / "y.npy", np.arange(labels if labels is not None else series) % 3)
    (folder / "labels.json").write_text(json.dumps({"0": ["sitting"], "1": ["walking", "strolling"], "2": "running"}))
    return [str(folder / name) for name in ("X.npy", "y.npy", "labels.json")]


def test_cli_custom_data_old_spellings(checkpoint, tmp_path):
    """--checkpoint, --rate, --gravity and space-separated --joints: the hidden aliases of the old release."""
    x, y, labels = write_custom(tmp_path / "custom", gyro=False)
    output = tmp_path / "custom.json"
    main(["--checkpoint", str(checkpoint), "--custom-x", x, "--custom-y", y, "--labels", labels, "--joints", "21",
          "left_wrist", "--rate", "50", "--acc-unit", "g", "--no-gyro", "--gravity", "included", "--output",
          str(output)])
    payload = json.loads(output.read_text())
    assert payload["results"]["custom"]["n"] == 5
    assert payload["datasets"]["custom"]["joints"] == ["right_wrist", "left_wrist"]
    assert payload["datasets"]["custom"]["classes"] == ["sitting", "walking", "running"]


def test_cli_custom_data_one_vocabulary(checkpoint, tmp_path, capsys):
    x, y, labels = write_custom(tmp_path / "custom", gyro=False)
    output = tmp_path / "custom.json"
    main(["--model", str(checkpoint), "--custom-x", x, "--custom-y", y, "--labels", labels, "--joints",
          "right_wrist,left_wrist", "--input-rate", "50", "--acc-unit", "g", "--no-gyro", "--input-gravity",
          "included", "--output", str(output)])
    payload = json.loads(output.read_text())
    assert payload["model_folder"] == str(checkpoint) and payload["results"]["custom"]["n"] == 5
    assert payload["datasets"]["custom"]["joints"] == ["right_wrist", "left_wrist"]
    with pytest.raises(SystemExit):
        main(["--help"])
    shown = capsys.readouterr().out
    assert "--model" in shown and "--input-rate" in shown and "--input-gravity" in shown
    assert "--checkpoint" not in shown and "--rate " not in shown and "--gravity " not in shown


def test_run_zero_shot_is_the_cli_without_files(checkpoint, model):
    document = run_zero_shot(checkpoint, ["basicmotions"])
    loaded = run_zero_shot(model, [load_split(get_dataset("basicmotions"), ".", "test")])
    assert document["results"] == loaded["results"] and document["confusion"] == loaded["confusion"]
    assert document["model_folder"] == str(checkpoint) and loaded["model_folder"] is None
    assert document["datasets"]["BasicMotions"]["classes"] == ["standing", "walking", "running", "playing badminton"]


@pytest.mark.parametrize("case", ["custom", "benchmark"])
def test_length_mismatch_exits_2_with_one_line_and_no_output(checkpoint, tmp_path, capsys, case):
    x, y, labels = write_custom(tmp_path / "data", labels=4)
    if case == "custom":
        arguments = ["--custom-x", x, "--custom-y", y, "--labels", labels, "--joints", "21,5", "--input-rate", "50"]
    else:
        folder = write_released(tmp_path / "root", get_dataset("UCIHAR"))
        y = str(folder / "y_test.npy")
        np.save(y, np.zeros(5, np.int64))
        arguments = ["--benchmarks", "UCIHAR", "--data-root", str(tmp_path / "root")]
    output, report = tmp_path / "out.json", tmp_path / "out.md"
    with pytest.raises(SystemExit) as caught:
        main(["--model", str(checkpoint), *arguments, "--output", str(output), "--report", str(report)])
    assert caught.value.code == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith(f"error: {y}: ") and "labels for" in err[0]
    assert not output.exists() and not report.exists() and not list(tmp_path.glob("*.png"))


@pytest.mark.parametrize("arguments, message", [
    (["--benchmarks", "UCIHAR,nope"], "unknown benchmark 'nope'"),
    (["--benchmarks", "PAMAP2"], "PAMAP: missing"),
    (["--custom-x", "X.npy", "--custom-y", "y.npy", "--labels", "l.json", "--joints", "hand", "--input-rate", "50"],
     "unknown joint 'hand'"),
])
def test_other_bad_input_exits_2(checkpoint, tmp_path, capsys, arguments, message):
    with pytest.raises(SystemExit) as caught:
        main(["--model", str(checkpoint), "--data-root", str(tmp_path), *arguments])
    err = capsys.readouterr().err.splitlines()
    assert caught.value.code == 2 and len(err) == 1 and message in err[0]


def test_bad_model_folder_exits_2(tmp_path, capsys):
    with pytest.raises(SystemExit) as caught:
        main(["--model", str(tmp_path), "--benchmarks", "basicmotions", "--output", str(tmp_path / "o.json")])
    err = capsys.readouterr().err.splitlines()
    assert caught.value.code == 2 and len(err) == 1 and "config.json: missing" in err[0]
    assert not (tmp_path / "o.json").exists()


class AccelerometerOnlyStub(torch.nn.Module):
    """A 3-channel model that records the windows it is given and embeds texts at random."""

    channels = 3

    def __init__(self):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.ones(4, 4))
        self.masks = []

    def encode_imu(self, x, mask):
        self.masks.append(mask)
        return F.normalize(x.flatten(1)[:, :4] @ self.weight + 1e-3, dim=-1)

    def encode_text(self, texts):
        return F.normalize(torch.randn(len(texts), 4, generator=torch.Generator().manual_seed(len(texts))), dim=-1)


def test_accelerometer_only_models_get_no_gyroscope():
    stub = AccelerometerOnlyStub()
    result = evaluate_split(stub, load_split(get_dataset("basicmotions"), ".", "test"), batch_size=32)
    assert result.metrics["n"] == 40 and len(stub.masks) == 2
    assert all(m[..., :3].sum() > 0 and not m[..., 3:].any() for m in stub.masks)
