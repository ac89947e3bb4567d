"""Pretraining end to end on a tiny procedural corpus: CLI, outputs, exact resume, torchrun, load_model."""
import dataclasses
import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest
import torch
import yaml

from pretrain.config import PretrainConfig, TrainConfig, available, load_config, override
from pretrain.data import EpochBatches
from simulate.corpus import CorpusConfig, build_corpus
from simulate.sources import procedural_items
from skeletons import InputError
from tests.conftest import REPO

TINY = ["--set", "model.imu_encoder.channels=[8, 16]", "--set", "model.imu_encoder.strides=[1, 2]",
        "--set", "model.embed_dim=32", "--set", "train.batch_size=8", "--set", "train.warmup_steps=2",
        "--set", "train.log_every=1", "--set", "train.checkpoint_every=2", "--set", "data.window=100"]
ENV = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "OMP_NUM_THREADS": "1"}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pretrain") / "corpus"
    items = procedural_items(32, seed=1, activities=["walk", "run", "sit", "wave"], duration_s=6.0)
    build_corpus(items, folder, CorpusConfig(source="procedural", sensor="ideal"), progress=False)
    return folder


def pretrain(*args, launcher=(sys.executable, "-m", "pretrain")):
    return subprocess.run([*launcher, "--quiet", *map(str, args)], cwd=REPO, capture_output=True, text=True,
                          timeout=600, env=ENV)


def test_bundled_configs_load_and_override():
    assert {"cpu-small", "unimts-ours", "unimts-paper"} <= set(available()) and "unimts" not in available()
    small, paper = load_config("cpu-small"), load_config("unimts-ours")
    assert paper.model.imu_encoder.channels[-1] == 512 and paper.data.window == 200
    assert paper.model.text_tower["kind"] == "open_clip" and small.model.text_tower["kind"] == "minilm"
    assert override(small, "train.lr=0.5").train.lr == 0.5 and small.train.lr != 0.5
    assert small.augment.window == small.data.window and small.augment.rate_hz == small.data.rate_hz
    assert PretrainConfig.from_dict(small.to_dict()) == small
    with pytest.raises(InputError):
        override(small, "train.nonsense=1")
    with pytest.raises(InputError):
        load_config("no-such-config")


@pytest.mark.parametrize("assignment,message", [
    ("train.lr=fast", "train.lr must be float, got 'fast'"),
    ("train.batch_size=8.5", "train.batch_size must be int"),
    ("data.window=[200]", "data.window must be int"),
    ("augment.rotation=3", "augment.rotation must be bool"),
    ("model.imu_encoder.depth=3", "unknown config key"),
    ("model.channels=4", "model.channels must be 3 or 6"),
    ("train.mixed_precision=fp8", "train.mixed_precision must be one of"),
])
def test_config_refuses_wrong_types_and_unknown_keys(assignment, message):
    with pytest.raises(InputError, match=message.replace("[", r"\[")):
        override(load_config("cpu-small"), assignment)


def test_config_file_with_an_unknown_key_exits_2_naming_the_file(tmp_path):
    values = load_config("cpu-small").to_dict()
    values["train"]["learning_rate"] = 1e-3
    path = tmp_path / "typo.yaml"
    path.write_text(yaml.safe_dump(values))
    with pytest.raises(InputError, match="unknown train keys .'learning_rate'."):
        load_config(path)
    result = pretrain("--corpus", tmp_path, "--output", tmp_path / "out", "--config", path)
    assert result.returncode == 2 and result.stderr.strip().splitlines() == [
        f"error: {path}: unknown train keys ['learning_rate']; known: " + ", ".join(
            f.name for f in dataclasses.fields(TrainConfig))]
    assert not (tmp_path / "out").exists()


def test_batches_are_deterministic_and_split_across_processes(corpus):
    one = EpochBatches(str(corpus), 8, 100, seed=0, epoch=0)
    again = EpochBatches(str(corpus), 8, 100, seed=0, epoch=0)
    assert len(one) == 4
    first, repeat = one[1], again[1]
    assert torch.equal(first["imu"], repeat["imu"]) and first["texts"] == repeat["texts"]
    assert not torch.equal(EpochBatches(str(corpus), 8, 100, seed=0, epoch=1)[1]["index"], first["index"])
    halves = [EpochBatches(str(corpus), 4, 100, seed=0, epoch=0, rank=r, world_size=2)[1] for r in (0, 1)]
    assert sorted(torch.cat([h["index"] for h in halves]).tolist()) == sorted(first["index"].tolist())
    # 6 s clips at 20 Hz are 120 samples; a 200-sample window is zero-padded and masked past the end.
    long_window = EpochBatches(str(corpus), 8, 200, seed=0, epoch=0)[0]
    assert long_window["mask"][:, :120].min() == 1 and long_window["mask"][:, 120:].max() == 0


def test_cli_trains_writes_outputs_and_resumes_exactly(corpus, tmp_path):
    straight = tmp_path / "straight"
    result = pretrain("--corpus", corpus, "--output", straight, "--max-steps", 6, *TINY)
    assert result.returncode == 0, result.stderr
    assert {"model.safetensors", "config.json", "metrics.jsonl", "checkpoints"} <= {p.name for p in straight.iterdir()}
    saved = json.loads((straight / "config.json").read_text())
    assert saved["data"] == {"window": 100, "rate_hz": 20.0, "channels": 6}
    # The trained model records its corpus's mean text embedding, which zero-shot centres class embeddings on.
    from pretrain import load_model
    from pretrain.model import corpus_text_centre
    from simulate.corpus import load_corpus

    trained = load_model(straight)
    assert len(saved["text_centre"]) == 32
    torch.testing.assert_close(trained.text_centre, corpus_text_centre(trained, load_corpus(corpus)["texts"]))
    metrics = [json.loads(line) for line in (straight / "metrics.jsonl").read_text().splitlines()]
    assert [m["step"] for m in metrics] == [1, 2, 3, 4, 5, 6]
    assert all(np.isfinite(m["loss"]) and m["samples_per_s"] > 0 and m["lr"] >= 0 for m in metrics)

    # Interrupt the same run after step 4: its newest checkpoint is step-4; resume to 6.
    interrupted = tmp_path / "interrupted"
    shutil.copytree(straight, interrupted)
    shutil.rmtree(interrupted / "checkpoints" / "step-6")
    (interrupted / "model.safetensors").unlink()
    assert sorted(p.name for p in (interrupted / "checkpoints").iterdir()) == ["step-4"]
    second = pretrain("--corpus", corpus, "--output", interrupted, "--max-steps", 6, "--resume", *TINY)
    assert second.returncode == 0, second.stderr
    from safetensors.torch import load_file

    a, b = load_file(straight / "model.safetensors"), load_file(interrupted / "model.safetensors")
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    steps = [json.loads(line)["step"] for line in (interrupted / "metrics.jsonl").read_text().splitlines()]
    assert steps == [1, 2, 3, 4, 5, 6]


def test_model_loads_in_a_fresh_process(corpus, tmp_path):
    output = tmp_path / "run"
    assert pretrain("--corpus", corpus, "--output", output, "--max-steps", 2, *TINY).returncode == 0
    script = (
        "import torch; from pretrain import load_model\n"
        f"m = load_model({str(output)!r})\n"
        "t = m.encode_text(['a person walks', 'someone waves'])\n"
        "x = torch.randn(3, 100, 22, 6); mask = torch.ones_like(x)\n"
        "e = m.encode_imu(x, mask)\n"
        "print(tuple(t.shape), tuple(e.shape), round(float(e.norm(dim=-1).mean()), 4))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, env=ENV,
                            timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[0] == "(2, 32) (3, 32) 1.0"


def test_torchrun_two_processes(corpus, tmp_path):
    output = tmp_path / "ddp"
    launcher = (sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "--master_port", "29517",
                "-m", "pretrain")
    result = pretrain("--corpus", corpus, "--output", output, "--max-steps", 2, *TINY,
                      "--set", "train.batch_size=4", launcher=launcher)
    assert result.returncode == 0, result.stderr
    assert (output / "model.safetensors").exists()
    metrics = [json.loads(line) for line in (output / "metrics.jsonl").read_text().splitlines()]
    assert len(metrics) == 2
    # The loss saw both processes' windows: only gathered features give 2 x 4 rows of logits.
    assert [m["global_batch"] for m in metrics] == [8, 8]


def test_bad_corpus_exits_2(tmp_path):
    result = pretrain("--corpus", tmp_path / "missing", "--output", tmp_path / "out", "--max-steps", 1)
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "out" / "model.safetensors").exists()
