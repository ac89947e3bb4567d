"""A motion encoder with a pretrained language model as its core: IMU on 22 joints -> one embedding per sample.

The framework of seed 001 (after SeisMoLLM, Wang et al. 2025, and "One Fits All", Zhou et al., NeurIPS 2023),
behind the ST-GCN's interface: ``forward(x, mask)`` maps (B, T, 22, C) and its mask to (B, out_channels).

1. **Input normalisation**: masked entries set to zero, then a batch-norm over joints x channels (as the
   ST-GCN's ``data_bn``).
2. **Multi-scale convolutional embedder** (:class:`MultiScaleEmbedder`), shared by every joint: parallel
   strided 1-D convolutions with several odd kernel sizes over each joint's C channels, concatenated, GELU,
   and a 1x1 mixing convolution: (T) -> (T / stride) steps of ``conv_width`` features.
3. **Latent patching** (:func:`patch_tokens`): ``patch`` consecutive steps of one joint, flattened, become a
   ``hidden``-wide token through one linear map. ``joints: pool`` averages the tokens of one patch over the
   joints that have data in it (the mask respected), giving T / (stride * patch) tokens; ``joints: tokens``
   keeps every (patch, joint) as a token, time-major, with a learnable joint embedding added, and the core's
   attention mask drops joints without data. Both use the patch index as the core's position id.
4. **Core** (:mod:`pretrain.llm_core`): the transformer blocks of a pretrained language model, frozen with
   LoRA on attention and trainable position embeddings and layer norms (``core_train: lora``), or
   ``frozen`` / ``full``; ``core_init: random`` keeps the architecture only.
5. **Pooling**: ``mean`` over the attended tokens, or ``last``, the last attended token (the one a causal
   decoder such as GPT-2 has shown everything).

``requires_grad_(True)`` re-applies the core's training mode instead of unfreezing it, so code that trains
"the whole encoder" (``finetune``'s full mode) trains what this encoder lets train.
"""
from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from skeletons.errors import InputError

from .llm_core import core_config_dict, load_core, set_core_training

JOINT_MODES = ("pool", "tokens")
POOLINGS = ("mean", "last")
NUM_JOINTS = 22


class MultiScaleEmbedder(nn.Module):
    """(N, C, T) -> (N, width, ceil(T / stride)): parallel strided convolutions with ``kernel_sizes``
    (odd, each ``width / len(kernel_sizes)`` wide), GELU, a 1x1 convolution mixing the scales, GELU."""

    def __init__(self, in_channels: int, width: int, kernel_sizes: tuple[int, ...], stride: int):
        super().__init__()
        if any(k % 2 != 1 for k in kernel_sizes) or width % len(kernel_sizes):
            raise InputError(None, f"imu_encoder.kernel_sizes must be odd and divide conv_width {width} "
                                   f"evenly; got {list(kernel_sizes)}")
        branch = width // len(kernel_sizes)
        self.branches = nn.ModuleList(nn.Conv1d(in_channels, branch, k, stride=stride, padding=k // 2)
                                      for k in kernel_sizes)
        self.mix = nn.Conv1d(width, width, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.gelu(self.mix(F.gelu(torch.cat([conv(x) for conv in self.branches], dim=1))))


def patch_presence(joint_mask: torch.Tensor, samples_per_patch: int, patches: int) -> torch.Tensor:
    """(B, V, T) bool -> (B, V, patches) bool: a joint has data in a patch when any of its samples has."""
    batch, joints, steps = joint_mask.shape
    padded = F.pad(joint_mask, (0, patches * samples_per_patch - steps))
    return padded.view(batch, joints, patches, samples_per_patch).any(-1)


def patch_tokens(features: torch.Tensor, presence: torch.Tensor, patch: int, projection: nn.Module,
                 joints: str, joint_embedding: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Tokens (B, L, hidden), their validity (B, L) and position ids (B, L) from per-joint ``features``
    (B, V, F, S) and ``presence`` (B, V, P) with P = ceil(S / patch) (see the module docstring)."""
    batch, num_joints, width, steps = features.shape
    patches = presence.shape[-1]
    features = F.pad(features, (0, patches * patch - steps))
    flat = features.view(batch, num_joints, width, patches, patch).permute(0, 3, 1, 2, 4)
    tokens = projection(flat.reshape(batch, patches, num_joints, width * patch))  # (B, P, V, hidden)
    present = presence.transpose(1, 2)  # (B, P, V)
    positions = torch.arange(patches, device=tokens.device)
    if joints == "pool":
        weights = present.to(tokens.dtype).unsqueeze(-1)
        pooled = (tokens * weights).sum(2) / weights.sum(2).clamp_min(1.0)
        return pooled, present.any(-1), positions.expand(batch, patches)
    tokens = tokens + joint_embedding.to(tokens.dtype)
    return (tokens.reshape(batch, patches * num_joints, -1), present.reshape(batch, -1),
            positions.repeat_interleave(num_joints).expand(batch, patches * num_joints))


def pool_tokens(hidden: torch.Tensor, valid: torch.Tensor, pooling: str) -> torch.Tensor:
    """(B, L, H) states -> (B, H): the mean over valid tokens, or the last valid token."""
    if pooling == "mean":
        weights = valid.to(hidden.dtype).unsqueeze(-1)
        return (hidden * weights).sum(1) / weights.sum(1).clamp_min(1.0)
    positions = torch.arange(valid.shape[1], device=valid.device)
    last = torch.where(valid, positions, -1).amax(1).clamp_min(0)
    return hidden[torch.arange(len(hidden), device=hidden.device), last]


class LLMEncoder(nn.Module):
    """IMU windows (B, T, 22, C) and their mask -> (B, hidden) features through a language-model core.

    Args:
        in_channels: IMU channels read per joint (6 or 3).
        core: ``minilm`` (default, offline), a transformers model folder or hub name.
        core_init: ``pretrained`` or ``random``.
        core_train: ``lora``, ``frozen`` or ``full`` (see :mod:`pretrain.llm_core`).
        core_layers: keep the first N transformer blocks (None: all).
        lora: LoRA settings ``r``, ``alpha``, ``dropout``, ``targets`` (see :mod:`pretrain.text`).
        conv_width, kernel_sizes, conv_stride: the multi-scale embedder.
        patch: embedder steps per token.
        joints: ``pool`` or ``tokens``.
        pooling: ``mean`` or ``last``.
        core_config: the core's recorded architecture (set in saved models; see :func:`load_core`).
    """

    def __init__(self, in_channels: int = 6, core: str = "minilm", core_init: str = "pretrained",
                 core_train: str = "lora", core_layers: int | None = None, lora: Mapping[str, Any] | None = None,
                 conv_width: int = 96, kernel_sizes: tuple[int, ...] = (3, 7, 15), conv_stride: int = 4,
                 patch: int = 5, joints: str = "pool", pooling: str = "mean",
                 core_config: Mapping[str, Any] | None = None):
        super().__init__()
        if joints not in JOINT_MODES:
            raise InputError(None, f"imu_encoder.joints must be one of {JOINT_MODES}, got {joints!r}")
        if pooling not in POOLINGS:
            raise InputError(None, f"imu_encoder.pooling must be one of {POOLINGS}, got {pooling!r}")
        if conv_stride < 1 or patch < 1:
            raise InputError(None, f"imu_encoder.conv_stride and patch must be >= 1, got {conv_stride}, {patch}")
        self.in_channels, self.num_joints = int(in_channels), NUM_JOINTS
        self.conv_stride, self.patch, self.joints, self.pooling = int(conv_stride), int(patch), joints, pooling
        self.core_train, self.lora = core_train, dict(lora or {})
        self.core = load_core(core, core_init, core_layers, core_config)
        set_core_training(self.core, core_train, self.lora)
        hidden = int(self.core.config.hidden_size)
        self.out_channels = hidden
        self.data_bn = nn.BatchNorm1d(self.in_channels * NUM_JOINTS)
        self.embedder = MultiScaleEmbedder(self.in_channels, int(conv_width), tuple(kernel_sizes), self.conv_stride)
        self.token_projection = nn.Linear(int(conv_width) * self.patch, hidden)
        self.joint_embedding = nn.Parameter(torch.zeros(NUM_JOINTS, hidden)) if joints == "tokens" else None
        if self.joint_embedding is not None:
            nn.init.normal_(self.joint_embedding, std=0.02)
        self._config = {"in_channels": self.in_channels, "core": str(core), "core_init": core_init,
                        "core_train": core_train, "core_layers": core_layers, "lora": dict(self.lora),
                        "conv_width": int(conv_width), "kernel_sizes": [int(k) for k in kernel_sizes],
                        "conv_stride": self.conv_stride, "patch": self.patch, "joints": joints, "pooling": pooling,
                        "core_config": core_config_dict(self.core)}

    def config(self) -> dict:
        """The constructor's keyword arguments as JSON-ready values, the core's architecture included."""
        return copy.deepcopy(self._config)

    def requires_grad_(self, requires_grad: bool = True) -> LLMEncoder:
        """Freeze everything, or make trainable what the core's training mode allows (never the frozen core)."""
        super().requires_grad_(requires_grad)
        if requires_grad:
            set_core_training(self.core, self.core_train, self.lora, inject=False)
        return self

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        """x (B, T, V, C), mask broadcastable to x with 1 where data exists -> (B, hidden)."""
        batch, steps, joints, width = x.shape
        if joints != self.num_joints or width != self.in_channels:
            raise ValueError(f"expected (B, T, {self.num_joints}, {self.in_channels}) input, got {tuple(x.shape)}")
        if mask is None:
            mask = torch.ones_like(x)
        mask = mask.expand_as(x) != 0
        x = torch.where(mask, x, torch.zeros((), dtype=x.dtype, device=x.device))
        x = self.data_bn(x.reshape(batch, steps, joints * width).transpose(1, 2))  # (B, V * C, T)
        features = self.embedder(x.reshape(batch * joints, width, steps))
        features = features.view(batch, joints, features.shape[1], features.shape[2])  # (B, V, F, S)
        patches = -(-features.shape[-1] // self.patch)
        presence = patch_presence(mask.any(-1).transpose(1, 2), self.conv_stride * self.patch, patches)
        tokens, valid, positions = patch_tokens(features, presence, self.patch, self.token_projection, self.joints,
                                                self.joint_embedding)
        valid = valid | ~valid.any(1, keepdim=True)  # a window without data attends to its (zero) tokens
        hidden = self.core(inputs_embeds=tokens, attention_mask=valid.long(), position_ids=positions).last_hidden_state
        return pool_tokens(hidden, valid, self.pooling)


def parameter_counts(module: nn.Module) -> dict[str, int]:
    """Total and trainable parameter counts of ``module``."""
    parameters = list(module.parameters())
    return {"total": sum(p.numel() for p in parameters),
            "trainable": sum(p.numel() for p in parameters if p.requires_grad)}
