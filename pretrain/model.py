"""The motion–text model: an ST-GCN over the 22 joints and a text tower in one embedding space.

``MotionTextModel.encode_imu(x, mask)`` takes the project's IMU layout (B, T, 22, 6) — accelerometer
then gyroscope — and returns L2-normalised (B, D) embeddings; ``encode_text(texts)`` returns (B, D) for
a list of strings. A model folder holds ``model.safetensors`` and ``config.json`` (everything needed to
rebuild the model); ``load_model(folder)`` rebuilds it.
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from skeletons.atomic import atomic_path
from skeletons.errors import InputError

from .stgcn import STGCN
from .text import build_text_tower

FORMAT = "motion-pretrain/1"
#: CLIP caps the learnable inverse temperature at 100 (Radford et al. 2021).
MAX_LOGIT_SCALE = math.log(100.0)


class MotionTextModel(nn.Module):
    """ST-GCN motion encoder + text tower + projections into a shared space + a learnable temperature.

    Args:
        channels: 6 (accelerometer and gyroscope) or 3 (accelerometer only): how many of the six IMU
            channels the encoder reads.
        imu_encoder: keyword arguments of :class:`pretrain.stgcn.STGCN` (without ``in_channels``).
        text_tower: the text-tower config (see :func:`pretrain.text.build_text_tower`).
        embed_dim: width of the shared space; ``None`` uses the encoders' widths directly (they must
            match), as the released UniMTS model does.
        init_temperature: initial softmax temperature of the contrastive logits.
    """

    def __init__(self, channels: int, imu_encoder: dict, text_tower: dict, embed_dim: int | None = 256,
                 init_temperature: float = 0.07):
        super().__init__()
        if channels not in (3, 6):
            raise ValueError(f"channels must be 3 or 6, got {channels}")
        self.channels = channels
        self.imu_encoder = STGCN(in_channels=channels, **imu_encoder)
        self.text_tower = build_text_tower(text_tower)
        imu_width, text_width = self.imu_encoder.out_channels, self.text_tower.width
        if embed_dim is None:
            if imu_width != text_width:
                raise ValueError(f"without projections the widths must match: {imu_width} vs {text_width}")
            self.imu_projection, self.text_projection = nn.Identity(), nn.Identity()
        else:
            self.imu_projection = nn.Linear(imu_width, embed_dim)
            self.text_projection = nn.Linear(text_width, embed_dim)
        self.logit_scale = nn.Parameter(torch.tensor(math.log(1.0 / init_temperature)))
        self.config = {"format": FORMAT, "channels": channels, "imu_encoder": dict(imu_encoder),
                       "text_tower": dict(text_tower), "embed_dim": embed_dim}

    @property
    def embed_dim(self) -> int:
        return self.config["embed_dim"] or self.imu_encoder.out_channels

    def encode_imu(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        """L2-normalised embeddings (B, D) of IMU windows ``x`` (B, T, 22, 6) with ``mask`` of that shape.

        An accelerometer-only model reads channels 0-2; any gyroscope channels are ignored. Raw series
        (B, T, 6) from one device must be placed on a joint and resampled first:
        ``zero_shot.MotionModel.encode(X, rate_hz=..., joints=[...])`` does that.
        """
        if x.ndim != 4 or x.shape[2] != 22:
            raise ValueError(f"encode_imu takes prepared windows (B, T, 22, 6), got {tuple(x.shape)}; for raw "
                             f"device series (B, T, 6) use zero_shot.MotionModel.encode(X, rate_hz=..., joints=[...])")
        x = x[..., : self.channels]
        mask = None if mask is None else mask[..., : self.channels]
        return F.normalize(self.imu_projection(self.imu_encoder(x, mask)), dim=-1)

    def encode_text(self, texts: list[str]) -> torch.Tensor:
        """L2-normalised embeddings (B, D) of ``texts``."""
        return F.normalize(self.text_projection(self.text_tower(list(texts))), dim=-1)

    def clamped_logit_scale(self) -> torch.Tensor:
        return self.logit_scale.clamp(0.0, MAX_LOGIT_SCALE).exp()

    @classmethod
    def from_config(cls, config: dict) -> MotionTextModel:
        """Build from ``config.json``'s content or a training config's ``model`` section."""
        keys = ("channels", "imu_encoder", "text_tower", "embed_dim")
        return cls(**{k: config[k] for k in keys}, init_temperature=config.get("init_temperature", 0.07))

    def save(self, folder: str | Path, extra: dict | None = None) -> Path:
        """Write ``model.safetensors`` and ``config.json`` into ``folder`` (each file atomically)."""
        from safetensors.torch import save_file

        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        state = {k: v.detach().cpu().contiguous() for k, v in self.state_dict().items()}
        with atomic_path(folder / "model.safetensors") as temporary:
            save_file(state, str(temporary), metadata={"format": FORMAT})
        with atomic_path(folder / "config.json") as temporary:
            temporary.write_text(json.dumps({**self.config, **(extra or {})}, indent=2))
        return folder


def load_model(folder: str | Path, device: str | torch.device = "cpu") -> MotionTextModel:
    """The model saved in ``folder`` (``model.safetensors`` + ``config.json``), in eval mode.

    ``model.data`` is the ``data`` section of ``config.json`` (window, rate_hz and channels of the training
    windows) where the folder records it, else None.
    """
    from safetensors.torch import load_file

    folder = Path(folder)
    config_path, weights_path = folder / "config.json", folder / "model.safetensors"
    for path in (config_path, weights_path):
        if not path.is_file():
            raise InputError(path, "missing: a model folder holds model.safetensors and config.json")
    try:
        config = json.loads(config_path.read_text())
    except json.JSONDecodeError as error:
        raise InputError(config_path, f"not valid JSON ({error})") from None
    if config.get("format") != FORMAT:
        raise InputError(config_path, f"unknown model format {config.get('format')!r}; expected {FORMAT}")
    model = MotionTextModel.from_config(config)
    try:
        state = load_file(str(weights_path))
    except Exception as error:  # safetensors raises its own error types for damaged files
        raise InputError(weights_path, f"not a readable safetensors file ({error})") from None
    missing, unexpected = model.load_state_dict(state, strict=False)
    if missing or unexpected:
        raise InputError(weights_path, f"weights do not fit the config: missing {missing[:3]}, "
                                       f"unexpected {unexpected[:3]}")
    model.data = config.get("data")
    return model.to(device).eval()
