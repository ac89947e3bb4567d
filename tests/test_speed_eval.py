"""The zero-shot speed benchmark runs and reports its figures (speed itself is never asserted)."""
from __future__ import annotations

import yaml

from experiments.speed.zero_shot_speed import bench_eval
from pretrain.config import load_config


def test_bench_eval_reports_series_per_second(tmp_path, capsys):
    config = load_config("cpu-small")
    config["model"]["imu_encoder"] = {"channels": [8, 8], "strides": [1, 2]}
    config["model"]["embed_dim"] = 16
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(config))
    figures = bench_eval(config=str(path), repeats=1)
    assert figures["series"] == 40 and figures["series_per_s"] > 0
    assert figures["total_s"] >= figures["prepare_s"] > 0
    line = capsys.readouterr().out.strip()
    assert "\n" not in line and "series/s zero-shot on BasicMotions" in line
