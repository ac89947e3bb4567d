"""The recipe table: figures over seeds and the share of HAPT's gait windows called right."""
from __future__ import annotations

import numpy as np
import pytest

from experiments.recipe import FIGURES, gaits_right, markdown


def _row(seed: int, bm: float, confusion: np.ndarray | None, calibrated: float | None = None) -> dict:
    probe = {"acc_mean": 0.5}
    zero_shot = {"acc": 0.5} if confusion is None else {"acc": 0.5, "confusion": confusion.tolist()}
    bm_entry = {"acc": bm}
    if calibrated is not None:
        zero_shot["calibrated"] = bm_entry["calibrated"] = {"acc": calibrated}
    return {"variant": "base", "seed": seed, "basicmotions": bm_entry,
            "hapt": {"zero_shot": zero_shot,
                     "probe": {str(k): {"pretrained-encoder": probe, "random-encoder": probe, "minirocket": probe}
                               for k in (1, 5)}}}


def test_gaits_right_counts_gait_windows_called_right_among_all_classes():
    matrix = np.zeros((6, 6), dtype=int)
    matrix[0, 0], matrix[0, 1] = 6, 4   # walking: 6 right, 4 called upstairs
    matrix[1, 1], matrix[1, 4] = 2, 8   # upstairs: 2 right, 8 called standing
    matrix[2, 0] = 10                   # downstairs: all called walking
    matrix[3, 3] = matrix[4, 4] = matrix[5, 5] = 50  # the postures do not count
    assert gaits_right(_row(0, 0.7, matrix)) == pytest.approx(8 / 30)
    assert gaits_right(_row(0, 0.7, None)) is None


def test_markdown_gives_mean_std_and_per_seed_gait_shares():
    diagonal = np.diag([5, 5, 5, 5, 5, 5])
    table = markdown([_row(1, 0.8, diagonal), _row(0, 0.6, None)])
    header, _, line = table.strip().splitlines()
    assert header.count("|") == len(FIGURES) + 4
    cells = [cell.strip() for cell in line.strip("|").split("|")]
    assert cells[:3] == ["base", "2", "0.700 ± 0.141"]
    assert cells[-1] == "- / 1.00"  # seeds in order: seed 0 has no matrix, seed 1 calls every window right


def test_a_figure_some_seed_lacks_is_a_dash_not_an_error():
    """Result lines written before calibrated zero-shot was measured have no such figure."""
    calibrated = [name for name, _ in FIGURES].index("BM train calibrated") + 2
    old_and_new = markdown([_row(0, 0.6, None), _row(1, 0.8, None, calibrated=0.9)])
    assert [c.strip() for c in old_and_new.strip().splitlines()[2].strip("|").split("|")][calibrated] == "-"
    both_new = markdown([_row(0, 0.6, None, calibrated=0.8), _row(1, 0.8, None, calibrated=0.9)])
    assert [c.strip() for c in both_new.strip().splitlines()[2].strip("|").split("|")][calibrated] == "0.850 ± 0.071"


def test_reevaluate_replaces_the_lines_of_finished_models_without_retraining(tmp_path, monkeypatch):
    import json

    import experiments.seeds
    import experiments.transfer
    from experiments.recipe import main

    trained, scored = [], []
    monkeypatch.setattr(experiments.seeds, "pretrain_seed",
                        lambda setting, seed, folder, corpora: trained.append(seed) or folder)
    monkeypatch.setattr(experiments.transfer, "evaluate_transfer",
                        lambda model, protocol, root, settings: scored.append(model) or _row(0, 0.9, None))
    results = tmp_path / "results.jsonl"
    lines = [{**_row(seed, 0.5, None), "pretrain_s": 100.0 + seed} for seed in (0, 1)]
    results.write_text("".join(json.dumps(line) + "\n" for line in lines))
    arguments = ["--variants", "base", "--seeds", "1", "--output", str(tmp_path), "--runs", str(tmp_path / "runs")]
    main(arguments)
    assert scored == []  # a done line is skipped
    main([*arguments, "--reevaluate"])
    assert len(scored) == 1
    rows = [json.loads(line) for line in results.read_text().splitlines()]
    assert [(row["seed"], row["basicmotions"]["acc"], row["pretrain_s"]) for row in rows] == [
        (0, 0.9, 100.0), (1, 0.5, 101.0)]  # replaced in place, its training time kept; seed 1 untouched


def test_a_finished_run_is_reused_only_with_the_corpus_it_was_trained_on(tmp_path, monkeypatch):
    """The stamp holds the corpus's fingerprint: a corpus rebuilt under another sensor model or library version
    (same folder, same clips) retrains the model instead of reusing one trained on the old signals."""
    import pretrain.train
    import simulate.corpus
    from experiments.seeds import Setting, pretrain_seed

    fingerprint = {"value": "calibrated-a"}
    trained = []

    def fake_train(config, corpus, model_dir, resume, evaluate, evaluate_every):
        trained.append(fingerprint["value"])
        model_dir.mkdir(parents=True, exist_ok=True)
        (model_dir / "model.safetensors").write_bytes(b"")
        (model_dir / "config.json").write_text("{}")

    monkeypatch.setattr(simulate.corpus, "procedural_corpus", lambda folder, clips, seed, sensor: folder)
    monkeypatch.setattr(simulate.corpus, "built_fingerprint", lambda folder: fingerprint["value"])
    monkeypatch.setattr(pretrain.train, "train", fake_train)
    run = tmp_path / "run"
    for _ in range(2):
        pretrain_seed(Setting(), 0, run, tmp_path / "corpora")
    assert trained == ["calibrated-a"]  # the second call reuses the finished run
    fingerprint["value"] = "consumer-b"
    pretrain_seed(Setting(), 0, run, tmp_path / "corpora")
    assert trained == ["calibrated-a", "consumer-b"]


def test_a_settings_sensor_model_builds_its_own_corpus(tmp_path, monkeypatch):
    import pretrain.train
    import simulate.corpus
    from experiments.seeds import Setting, pretrain_seed

    built = []

    def fake_corpus(folder, clips, seed, sensor):
        built.append((folder.name, sensor))
        return folder

    def fake_train(config, corpus, model_dir, resume, evaluate, evaluate_every):
        model_dir.mkdir(parents=True, exist_ok=True)
        (model_dir / "config.json").write_text("{}")

    monkeypatch.setattr(simulate.corpus, "procedural_corpus", fake_corpus)
    monkeypatch.setattr(simulate.corpus, "built_fingerprint", lambda folder: "any")
    monkeypatch.setattr(pretrain.train, "train", fake_train)
    for setting in (Setting(), Setting(sensor="worn-varied")):
        pretrain_seed(setting, 3, tmp_path / setting.sensor, tmp_path / "corpora")
    assert built == [("procedural-2000-seed3", "calibrated"), ("procedural-2000-seed3-worn-varied", "worn-varied")]
