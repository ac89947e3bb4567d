"""Text towers: MiniLM from the installed package, open_clip (random weights), any HF folder; modes and cache."""
from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # before transformers is imported: nothing may be downloaded
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import pytest  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from pretrain.text import TextTower, build_text_tower, minilm_path  # noqa: E402
from skeletons.errors import InputError  # noqa: E402

SENTENCES = ["a person walks forward slowly", "someone is walking ahead at a slow pace",
             "a man jumps up and down", "the stock market fell sharply today"]


@pytest.fixture(scope="module")
def minilm() -> TextTower:
    return build_text_tower({"kind": "minilm"})


def _counting_forwards(tower: TextTower) -> list[int]:
    """Batch sizes of the encoder's forward passes, recorded from now on."""
    sizes: list[int] = []
    tower.encoder.register_forward_hook(lambda module, args, kwargs, output: sizes.append(len(kwargs["input_ids"])),
                                        with_kwargs=True)
    return sizes


def test_minilm_loads_offline_from_the_package(minilm):
    assert minilm_path().is_dir() and (minilm_path() / "model.safetensors").is_file()
    assert minilm.width == 384 and minilm.max_length == 256
    features = minilm(SENTENCES)
    assert features.shape == (4, 384) and features.dtype == torch.float32 and not features.requires_grad
    torch.testing.assert_close(minilm.embed(SENTENCES), minilm.embed(SENTENCES))  # eval mode: deterministic


def test_minilm_matches_sentence_transformers(minilm):
    sentence_transformers = pytest.importorskip("sentence_transformers")
    reference = sentence_transformers.SentenceTransformer(str(minilm_path()), device="cpu")
    expected = torch.from_numpy(reference.encode(SENTENCES))  # mean pooling then L2 normalisation
    torch.testing.assert_close(F.normalize(minilm.embed(SENTENCES), dim=-1), expected, atol=1e-5, rtol=0)


def test_similar_descriptions_are_closer_than_unrelated_ones(minilm):
    features = F.normalize(minilm(SENTENCES), dim=-1)
    similarity = features @ features.T
    assert similarity[0, 1] > 0.6
    assert similarity[0, 1] > similarity[0, 2] > similarity[0, 3]


def test_long_texts_are_truncated_to_the_maximum_length(minilm):
    prefix = "walk " * 300  # 300 tokens: past the 256 kept
    features = minilm.embed([prefix + "then sit down", prefix + "then jump over a box"])
    torch.testing.assert_close(features[0], features[1])


def test_frozen_tower_embeds_each_description_once():
    tower = build_text_tower({"kind": "minilm", "train": "frozen"})
    sizes = _counting_forwards(tower)
    first = tower(["walk", "run", "walk"])
    assert sizes == [2]  # the two distinct descriptions, in one pass
    again = tower(["run", "walk"])
    assert sizes == [2]  # all cached: no forward pass
    torch.testing.assert_close(again, first[[1, 0]])
    tower(["walk", "jump"])
    assert sizes == [2, 1]  # only the new description
    assert not any(p.requires_grad for p in tower.parameters())
    tower.train()
    assert not tower.encoder.training  # a frozen encoder stays in eval mode (no dropout)
    assert set(tower.state_dict()) == {f"encoder.{key}" for key in tower.encoder.state_dict()}  # no cache
    tower.to(torch.float64)  # features of another dtype / device: the cache empties
    tower(["walk"])
    assert sizes == [2, 1, 1]


def test_lora_trains_only_the_adapters():
    tower = build_text_tower({"kind": "minilm", "train": "lora", "lora": {"r": 4, "alpha": 8}})
    trainable = [name for name, p in tower.named_parameters() if p.requires_grad]
    assert trainable and all("lora_" in name for name in trainable)
    assert any(".query." in name for name in trainable) and any(".value." in name for name in trainable)
    tower.train()
    features = tower(SENTENCES[:2])
    assert features.requires_grad
    features.square().sum().backward()
    assert all(p.grad is not None for p in tower.parameters() if p.requires_grad)
    assert any(p.grad.abs().sum() > 0 for name, p in tower.named_parameters() if "lora_B" in name)


def test_full_mode_trains_every_weight():
    tower = build_text_tower({"kind": "minilm", "train": "full"})
    assert all(p.requires_grad for p in tower.parameters())
    assert not hasattr(tower.encoder, "pooler") or tower.encoder.pooler is None  # no unused weights for DDP
    tower(SENTENCES[:2]).sum().backward()
    assert all(p.grad is not None for p in tower.parameters())
    with pytest.raises(RuntimeError, match="frozen"):
        tower.encode_cached(SENTENCES)


def test_hf_kind_reads_a_model_folder(minilm):
    mean = build_text_tower({"kind": "hf", "path": str(minilm_path()), "pooling": "mean"})
    torch.testing.assert_close(mean(SENTENCES), minilm(SENTENCES))
    cls = build_text_tower({"kind": "hf", "path": str(minilm_path()), "pooling": "cls", "max_length": 16})
    assert cls.width == 384 and cls.max_length == 16
    assert not torch.allclose(cls(SENTENCES), minilm(SENTENCES))


def test_open_clip_text_tower_with_random_weights():
    tower = build_text_tower({"kind": "open_clip", "name": "ViT-B-32-quickgelu", "pretrained": None})
    assert tower.width == 512
    features = tower(SENTENCES + ["a very long description " * 40])  # beyond 77 tokens: truncated
    assert features.shape == (5, 512) and torch.isfinite(features).all()
    keys = list(tower.state_dict())
    assert not any("visual" in key or "logit_scale" in key for key in keys)


def test_open_clip_lora_adapts_the_attention_blocks():
    tower = build_text_tower({"kind": "open_clip", "pretrained": None, "train": "lora", "lora": {"r": 2}})
    trainable = [name for name, p in tower.named_parameters() if p.requires_grad]
    assert trainable and all("lora_" in name for name in trainable)
    assert len({name.split(".attn")[0] for name in trainable}) == 12  # every block of the 12-layer transformer
    tower(SENTENCES[:2]).sum().backward()
    assert any(p.grad.abs().sum() > 0 for name, p in tower.named_parameters() if "lora_B" in name)


@pytest.mark.parametrize("config, problem", [
    ({"kind": "bert"}, "kind"),
    ({"kind": "minilm", "train": "half"}, "train"),
    ({"kind": "minilm", "pooling": "cls"}, "unknown text_tower keys"),
    ({"kind": "hf"}, "path"),
    ({"kind": "minilm", "train": "lora", "lora": {"rank": 4}}, "lora"),
])
def test_bad_configs_are_input_errors(config, problem):
    with pytest.raises(InputError, match=problem):
        build_text_tower(config)
