"""The demo end to end at toy size: corpus, pretraining, BasicMotions zero-shot and few-shot, plots, summary."""
from __future__ import annotations

import json

import yaml

from experiments.demo import main
from pretrain.config import load_config, override


def test_demo_writes_summary_and_plots(tmp_path, capsys):
    config = override(load_config("cpu-small"), "model.imu_encoder.channels=[8, 16]",
                      "model.imu_encoder.strides=[2, 2]", "model.embed_dim=32", "train.batch_size=8",
                      "train.max_steps=3", "train.warmup_steps=1", "train.checkpoint_every=3", "train.log_every=1")
    path = tmp_path / "toy.yaml"
    path.write_text(yaml.safe_dump(config.to_dict()))
    args = ["--output", str(tmp_path / "demo"), "--corpus", str(tmp_path / "corpus"), "--clips", "24",
            "--model", str(tmp_path / "model"), "--config", str(path), "--k", "1", "--seeds", "1", "--epochs", "1"]
    main(args)

    summary = json.loads((tmp_path / "demo" / "summary.json").read_text())
    zero = summary["zero_shot"]["basicmotions"]
    assert zero["n"] == 40 and 0.0 <= zero["acc"] <= 1.0 and {"f1", "r@2", "mrr"} <= set(zero)
    few = summary["few_shot"]["basicmotions"]["1"]
    assert set(few["by_mode"]) == {"full", "random", "minirocket"} and 0.0 <= few["acc_mean"] <= 1.0
    assert few["acc_mean"] == few["by_mode"]["full"]["acc_mean"]
    assert summary["pretrain"]["steps"] == 3 and summary["corpus"]["clips"] == 24
    assert {"corpus_s", "pretrain_s", "zero_shot_s", "few_shot_s", "plots_s", "total_s"} == set(summary["timings"])
    for name in summary["plots"].values():
        assert (tmp_path / "demo" / name).read_bytes()[:4] == b"\x89PNG"
    assert "Zero-shot" in (tmp_path / "demo" / "summary.md").read_text()
    assert "| 1 |" in capsys.readouterr().out

    main(args)  # a second run reuses the corpus and the finished model
    again = json.loads((tmp_path / "demo" / "summary.json").read_text())
    assert again["zero_shot"] == summary["zero_shot"] and again["few_shot"] == summary["few_shot"]
