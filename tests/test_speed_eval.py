"""The zero-shot speed benchmark runs and reports its figures (speed itself is never asserted)."""
from __future__ import annotations

import yaml

from experiments.speed.zero_shot_speed import bench_eval
from pretrain.config import load_config, override


def test_bench_eval_reports_series_per_second(tmp_path, capsys):
    config = override(load_config("cpu-small"), "model.imu_encoder.channels=[8, 8]",
                      "model.imu_encoder.strides=[1, 2]", "model.embed_dim=16")
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(config.to_dict()))
    figures = bench_eval(config=str(path), repeats=1)
    assert figures["series"] == 40 and figures["series_per_s"] > 0
    assert figures["total_s"] >= figures["prepare_s"] > 0
    line = capsys.readouterr().out.strip()
    assert "\n" not in line and "series/s zero-shot on BasicMotions" in line


def test_bench_step_times_the_training_step_of_pretrain(tmp_path, monkeypatch, capsys):
    from experiments.speed import step_speed
    from pretrain import train as training

    calls = []
    real_step = training.train_step
    monkeypatch.setattr(step_speed, "train_step", lambda *args: calls.append(1) or real_step(*args))
    config = override(load_config("cpu-small"), "model.imu_encoder.channels=[8, 8]",
                      "model.imu_encoder.strides=[1, 2]", "model.embed_dim=16", "data.window=40")
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(config.to_dict()))
    figures = step_speed.bench_step(config=str(path), batch=4, steps=2)
    assert len(calls) == 3 and figures["samples_per_s"] > 0  # warm-up + 2 timed steps, all the real step
    assert "samples/s" in capsys.readouterr().out


def test_bench_export_reports_every_runtime_against_pytorch(tmp_path, capsys):
    """The export benchmark of a model folder: every runtime scored on BasicMotions test, fp32 in agreement with
    PyTorch (the figures are the suite's, the parity is a property)."""
    from experiments.speed.export_speed import bench_export
    from tests.conftest import save_tiny_model

    figures = bench_export(model=str(save_tiny_model(tmp_path / "model", (16, 16), (1, 2))), rounds=3)
    results = figures["results"]
    assert list(results) == ["pytorch", "onnx-fp32", "onnx-int8-dynamic", "onnx-int8-static"]
    assert results["pytorch"]["agreement_with_pytorch"] == 1.0 and results["pytorch"]["max_abs_diff"] == 0.0
    assert results["onnx-fp32"]["agreement_with_pytorch"] == 1.0 and results["onnx-fp32"]["max_abs_diff"] < 1e-3
    for r in results.values():
        assert r["latency_ms_p99"] >= r["latency_ms_median"] > 0 and r["size_mb"] > 0
        assert r["accuracy"] * 40 == round(r["accuracy"] * 40)  # a count out of the 40 test windows
    assert figures["calibration"] == "BasicMotions train split"
    assert "onnx-int8-static" in capsys.readouterr().out
