"""The demo end to end at toy size: corpora and pretraining over seeds, zero-shot and probes, plots, summary."""
from __future__ import annotations

import json

import yaml

import experiments.sim_probe  # noqa: F401  (loaded, so conftest keeps its clips few)
from experiments.demo import main
from experiments.transfer import PROBES
from pretrain.config import load_config, override


def test_demo_writes_summary_over_seeds_and_plots(tmp_path, capsys):
    config = override(load_config("cpu-small"), "model.imu_encoder.channels=[8, 16]",
                      "model.imu_encoder.strides=[2, 2]", "model.embed_dim=32", "train.batch_size=8",
                      "train.max_steps=3", "train.warmup_steps=1", "train.checkpoint_every=3", "train.log_every=1")
    path = tmp_path / "toy.yaml"
    path.write_text(yaml.safe_dump(config.to_dict()))
    args = ["--output", str(tmp_path / "demo"), "--corpora", str(tmp_path / "corpora"), "--clips", "24",
            "--model", str(tmp_path / "model"), "--config", str(path), "--seeds", "3",
            "--data-root", str(tmp_path / "no-hapt")]
    main(args)

    summary = json.loads((tmp_path / "demo" / "summary.json").read_text())
    zero = summary["zero_shot"]["basicmotions"]
    assert [row["seed"] for row in zero["per_seed"]] == [0, 1, 2]
    accuracies = [row["acc"] for row in zero["per_seed"]]
    assert abs(zero["acc_mean"] - sum(accuracies) / 3) < 1e-9 and zero["acc_std"] >= 0
    assert zero["acc_min"] == min(accuracies)
    assert "hapt" not in summary["zero_shot"]  # no hapt.npz under the data root
    plain = summary["zero_shot_plain"]["basicmotions"]
    assert [row["seed"] for row in plain["per_seed"]] == [0, 1, 2] and 0 <= plain["acc_mean"] <= 1
    calibrated = summary["zero_shot_calibrated"]["basicmotions"]
    assert [row["seed"] for row in calibrated["per_seed"]] == [0, 1, 2] and 0 <= calibrated["acc_mean"] <= 1
    # The headline is the ensemble of text and simulation (the tiny ST-GCN has early blocks); the text beside it.
    assert summary["zero_shot_scores"] == "ensemble"
    text = summary["zero_shot_text"]["basicmotions"]
    assert [row["seed"] for row in text["per_seed"]] == [0, 1, 2] and 0 <= text["acc_mean"] <= 1
    rows = [row["basicmotions"] for row in summary["per_seed"]]
    assert [row["text"] for row in rows] != [row["zero_shot"] for row in rows]
    assert zero["per_seed"][0]["acc"] == rows[0]["zero_shot"]["acc"]
    assert "Zero-shot from text alone" in (tmp_path / "demo" / "summary.md").read_text()
    # Three different corpora and models: corpus seed and training seed both follow the seed.
    assert len({(tmp_path / "model" / f"seed-{s}" / "model.safetensors").read_bytes() for s in range(3)}) == 3
    assert len(list((tmp_path / "corpora").iterdir())) == 3
    few = summary["few_shot"]["basicmotions"]
    assert set(few) == {"1", "5"}
    assert set(few["1"]) == set(PROBES)  # the tiny model is an ST-GCN: its early-block probes too
    assert all(len(entry["per_seed"]) == 3 for entry in few["5"].values())
    # Zero-shot accuracy against step is logged during pretraining (at step 0 and at the end).
    rows = [json.loads(line) for line in (tmp_path / "model" / "seed-0" / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows if "basicmotions_train_acc" in r] == [0, 3]
    for name in summary["plots"].values():
        assert (tmp_path / "demo" / name).read_bytes()[:4] == b"\x89PNG"
    assert "mean ± std over these pretraining seeds" in (tmp_path / "demo" / "summary.md").read_text()
    assert "Zero-shot" in capsys.readouterr().out

    main(args)  # a second run reuses the corpora and the finished models
    again = json.loads((tmp_path / "demo" / "summary.json").read_text())
    assert again["zero_shot"] == summary["zero_shot"] and again["few_shot"] == summary["few_shot"]
