"""The LLM-core motion encoder: what trains and what stays frozen, masks, pooling, any transformers core,
and a pretraining run whose folder zero_shot, finetune and load_model read like any other."""
import json
import os
import subprocess
import sys

import pytest
import torch

from pretrain import load_model
from pretrain.llm_core import adapted_parameter_names, core_source
from pretrain.llm_encoder import LLMEncoder, pool_tokens
from pretrain.model import MotionTextModel
from pretrain.train import parameter_groups
from simulate.corpus import CorpusConfig, build_corpus
from simulate.sources import procedural_items
from tests.conftest import REPO

ENV = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "OMP_NUM_THREADS": "1"}
SMALL = {"conv_width": 12, "kernel_sizes": [3, 5], "conv_stride": 4, "patch": 5}


def _batch(seed: int = 0, steps: int = 60) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(4, steps, 22, 6, generator=generator)
    mask = torch.zeros_like(x)
    mask[:, :, [0, 17, 21]] = 1
    return x, mask


def _steps(encoder: torch.nn.Module, count: int = 3) -> None:
    """A few AdamW steps (with weight decay, as pretraining groups them) on a regression loss."""
    optimizer = torch.optim.AdamW(parameter_groups(encoder, 0.01), lr=1e-2)
    encoder.train()
    for step in range(count):
        x, mask = _batch(step)
        loss = (encoder(x, mask) - 1.0).pow(2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


def _changed(before: dict, encoder: torch.nn.Module) -> set[str]:
    return {name for name, value in encoder.state_dict().items() if not torch.equal(before[name], value)}


def _check_frozen_core_and_trained_rest(encoder: LLMEncoder, position_name: str, norm_name: str) -> None:
    before = {name: value.detach().clone() for name, value in encoder.state_dict().items()}
    _steps(encoder)
    changed = _changed(before, encoder)
    adapted = {f"core.{name}" for name in adapted_parameter_names(encoder.core)}
    lora = {name for name in before if "lora_" in name}
    frozen = {name for name, _ in encoder.core.named_parameters(prefix="core")} - adapted - lora
    assert frozen and not (changed & frozen), f"frozen core weights changed: {sorted(changed & frozen)[:3]}"
    assert any("lora_B" in name for name in changed) and any("lora_A" in name for name in changed)
    assert f"core.{position_name}" in changed and f"core.{norm_name}" in changed
    assert any(name.startswith("embedder.") for name in changed) and "token_projection.weight" in changed


def test_lora_core_stays_pretrained_while_adapters_positions_and_norms_train():
    from transformers import AutoModel

    torch.manual_seed(0)
    encoder = LLMEncoder(core_layers=2, **SMALL)
    pretrained = AutoModel.from_pretrained(core_source("minilm")).state_dict()
    query = "encoder.layer.1.attention.self.query"
    assert torch.equal(encoder.core.state_dict()[f"{query}.base_layer.weight"], pretrained[f"{query}.weight"])
    _check_frozen_core_and_trained_rest(encoder, "embeddings.position_embeddings.weight",
                                        "encoder.layer.1.output.LayerNorm.weight")
    # after training the frozen projection is still MiniLM's own
    assert torch.equal(encoder.core.state_dict()[f"{query}.base_layer.weight"], pretrained[f"{query}.weight"])
    # finetune's full mode calls requires_grad_(True) on the encoder: the core must stay frozen
    encoder.requires_grad_(False)
    encoder.requires_grad_(True)
    assert not encoder.core.state_dict(keep_vars=True)[f"{query}.base_layer.weight"].requires_grad
    assert encoder.core.state_dict(keep_vars=True)[f"{query}.lora_A.default.weight"].requires_grad


@pytest.fixture(scope="module")
def tiny_gpt2(tmp_path_factory):
    """A randomly initialised two-block GPT-2, built here and saved as a transformers folder."""
    from transformers import GPT2Config, GPT2Model

    torch.manual_seed(0)
    folder = tmp_path_factory.mktemp("gpt2")
    GPT2Model(GPT2Config(n_layer=2, n_embd=32, n_head=2, n_positions=64, vocab_size=50)).save_pretrained(folder)
    return folder


def test_a_random_tiny_gpt2_works_as_the_core(tiny_gpt2):
    torch.manual_seed(0)
    encoder = LLMEncoder(core=str(tiny_gpt2), joints="tokens", pooling="last", **SMALL)
    assert encoder.out_channels == 32 and type(encoder.core).__name__ == "GPT2Model"
    assert any("c_attn.lora_A" in name for name, _ in encoder.named_parameters())
    _check_frozen_core_and_trained_rest(encoder, "wpe.weight", "ln_f.weight")
    rebuilt = LLMEncoder(**{k: v for k, v in encoder.config().items()})
    rebuilt.load_state_dict(encoder.state_dict())
    x, mask = _batch(5)
    encoder.eval(), rebuilt.eval()
    assert torch.allclose(encoder(x, mask), rebuilt(x, mask), atol=1e-6)


def test_full_and_random_modes(tiny_gpt2):
    full = LLMEncoder(core=str(tiny_gpt2), core_train="full", **SMALL)
    assert all(p.requires_grad for n, p in full.core.named_parameters() if n != "wte.weight")
    torch.manual_seed(1)
    random = LLMEncoder(core=str(tiny_gpt2), core_init="random", **SMALL)
    assert not torch.equal(random.core.h[0].attn.c_attn.base_layer.weight, full.core.h[0].attn.c_attn.weight)


@pytest.mark.parametrize("joints", ["pool", "tokens"])
def test_masked_values_never_reach_the_output(tiny_gpt2, joints):
    torch.manual_seed(0)
    encoder = LLMEncoder(core=str(tiny_gpt2), joints=joints, **SMALL).eval()
    x, mask = _batch(3)
    noisy = torch.where(mask != 0, x, torch.randn_like(x) * 100)
    assert torch.allclose(encoder(x, mask), encoder(noisy, mask), atol=1e-5)
    other = x.clone()
    other[:, :, 17] += 1.0
    assert not torch.allclose(encoder(x, mask), encoder(other, mask), atol=1e-5)


def test_pooling_mean_and_last_over_valid_tokens():
    hidden = torch.arange(12.0).view(2, 3, 2)
    valid = torch.tensor([[True, True, False], [False, True, True]])
    assert torch.equal(pool_tokens(hidden, valid, "last"), torch.tensor([[2.0, 3.0], [10.0, 11.0]]))
    assert torch.equal(pool_tokens(hidden, valid, "mean"), torch.tensor([[1.0, 2.0], [9.0, 10.0]]))


def _run(*args):
    return subprocess.run([sys.executable, *map(str, args)], cwd=REPO, capture_output=True, text=True,
                          timeout=900, env=ENV)


def test_pretrain_cpu_small_llm_folder_loads_everywhere(tmp_path):
    corpus = tmp_path / "corpus"
    items = procedural_items(16, seed=1, activities=["walk", "run", "sit", "wave"], duration_s=6.0)
    build_corpus(items, corpus, CorpusConfig(source="procedural", sensor="ideal"), progress=False)
    output = tmp_path / "run"
    done = _run("-m", "pretrain", "--quiet", "--corpus", corpus, "--output", output, "--config", "cpu-small-llm",
                "--max-steps", 2, "--set", "train.batch_size=8", "--set", "train.warmup_steps=1",
                "--set", "model.imu_encoder.core_layers=1")
    assert done.returncode == 0, done.stderr[-2000:]
    assert "motion encoder (llm)" in done.stdout and "trainable" in done.stdout  # counts go to stdout
    config = json.loads((output / "config.json").read_text())
    assert config["encoder"] == "llm" and config["imu_encoder"]["core_config"]["num_hidden_layers"] == 1
    model = load_model(output)
    assert isinstance(model, MotionTextModel) and any("lora_A" in n for n in model.state_dict())
    x, mask = _batch(1, steps=100)
    again = load_model(output)
    assert torch.allclose(model.encode_imu(x, mask), again.encode_imu(x, mask), atol=1e-6)
    zero_shot = _run("-m", "zero_shot", "--model", output, "--benchmarks", "basicmotions",
                     "--output", tmp_path / "zs.json")
    assert zero_shot.returncode == 0, zero_shot.stderr[-2000:]
    assert 0.0 <= json.loads((tmp_path / "zs.json").read_text())["results"]["BasicMotions"]["acc"] <= 1.0
    finetune = _run("-m", "finetune", "--model", output, "--benchmarks", "basicmotions", "--k", 1,
                    "--modes", "full,random", "--seeds", 1, "--epochs", 1, "--min-steps", 2,
                    "--output", tmp_path / "ft.json")
    assert finetune.returncode == 0, finetune.stderr[-2000:]
    results = json.loads((tmp_path / "ft.json").read_text())["results"]
    assert set(results) == {"full", "random"} and 0.0 <= results["full"]["1"]["acc_mean"] <= 1.0
