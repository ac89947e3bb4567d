"""The motion–text model: a motion encoder over the 22 joints and a text tower in one embedding space.

The motion encoder is chosen by the model config's ``encoder``: ``stgcn`` (default, :mod:`pretrain.stgcn`)
or ``llm`` (a pretrained language-model core, :mod:`pretrain.llm_encoder`); ``imu_encoder`` holds its settings.

``MotionTextModel.encode_imu(x, mask)`` takes the project's IMU layout (B, T, 22, 6) — accelerometer
then gyroscope — and returns L2-normalised (B, D) embeddings; ``encode_text(texts)`` returns (B, D) for
a list of strings. A model folder holds ``model.safetensors`` and ``config.json`` (everything needed to
rebuild the model); ``load_model(folder)`` rebuilds it.
"""
from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from skeletons.atomic import atomic_path
from skeletons.errors import InputError

from .llm_encoder import LLMEncoder
from .stgcn import STGCN
from .text import build_text_tower

ENCODERS = ("stgcn", "llm")

FORMAT = "motion-pretrain/1"
#: CLIP caps the learnable inverse temperature at 100 (Radford et al. 2021).
MAX_LOGIT_SCALE = math.log(100.0)


def build_imu_encoder(kind: str, channels: int, settings: dict) -> nn.Module:
    """The motion encoder ``kind`` (``stgcn`` or ``llm``) reading ``channels`` IMU channels."""
    if kind == "stgcn":
        return STGCN(in_channels=channels, **settings)
    if kind == "llm":
        return LLMEncoder(in_channels=channels, **settings)
    raise InputError(None, f"model.encoder must be one of {ENCODERS}, got {kind!r}")


class MotionTextModel(nn.Module):
    """Motion encoder + text tower + projections into a shared space + a learnable temperature.

    Args:
        channels: 6 (accelerometer and gyroscope) or 3 (accelerometer only): how many of the six IMU
            channels the encoder reads.
        imu_encoder: keyword arguments of :class:`pretrain.stgcn.STGCN` or :class:`pretrain.llm_encoder.LLMEncoder`
            (without ``in_channels``).
        text_tower: the text-tower config (see :func:`pretrain.text.build_text_tower`).
        embed_dim: width of the shared space; ``None`` uses the encoders' widths directly (they must
            match), as the released UniMTS model does.
        init_temperature: initial softmax temperature of the contrastive logits.
        encoder: ``stgcn`` or ``llm``.
    """

    def __init__(self, channels: int, imu_encoder: dict, text_tower: dict, embed_dim: int | None = 256,
                 init_temperature: float = 0.07, encoder: str = "stgcn"):
        super().__init__()
        if channels not in (3, 6):
            raise ValueError(f"channels must be 3 or 6, got {channels}")
        self.channels = channels
        self.imu_encoder = build_imu_encoder(encoder, channels, dict(imu_encoder))
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
        encoder_config = dict(imu_encoder)
        if encoder == "llm":  # the core's architecture is recorded, so the folder loads without the core's files
            encoder_config = {k: v for k, v in self.imu_encoder.config().items() if k != "in_channels"}
        self.config = {"format": FORMAT, "channels": channels, "encoder": encoder, "imu_encoder": encoder_config,
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
        return F.normalize(self.imu_projection(self.imu_features(x, mask)), dim=-1)

    def imu_features(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        """The ST-GCN's pooled features (B, width) of ``x``, before the projection into the shared space."""
        if x.ndim != 4 or x.shape[2] != 22:
            raise ValueError(f"encode_imu takes prepared windows (B, T, 22, 6), got {tuple(x.shape)}; for raw "
                             f"device series (B, T, 6) use zero_shot.MotionModel.encode(X, rate_hz=..., joints=[...])")
        x = x[..., : self.channels]
        mask = None if mask is None else mask[..., : self.channels]
        return self.imu_encoder(x, mask)

    def encode_text(self, texts: list[str]) -> torch.Tensor:
        """L2-normalised embeddings (B, D) of ``texts``."""
        return F.normalize(self.text_projection(self.text_tower(list(texts))), dim=-1)

    @property
    def text_centre(self) -> torch.Tensor | None:
        """(D,) mean text embedding of the pretraining corpus's descriptions (:func:`corpus_text_centre`), or
        None; class embeddings are centred on it (:func:`zero_shot.prompts.class_text_embeddings`). It lives in
        ``config.json``, set by :func:`pretrain.train.train` through :meth:`set_text_centre`."""
        centre = self.config.get("text_centre")
        return None if centre is None else torch.tensor(centre, dtype=torch.float32)

    def set_text_centre(self, centre: torch.Tensor | None) -> None:
        """Record the corpus's mean text embedding (D,), or None to drop it (class embeddings left plain)."""
        if centre is None:
            self.config.pop("text_centre", None)
            return
        centre = torch.as_tensor(centre, dtype=torch.float32).detach().cpu()
        if centre.shape != (self.embed_dim,) or not bool(torch.isfinite(centre).all()):
            raise ValueError(f"a text centre must be {self.embed_dim} finite numbers, got shape {tuple(centre.shape)}")
        self.config["text_centre"] = [float(v) for v in centre]

    def clamped_logit_scale(self) -> torch.Tensor:
        return self.logit_scale.clamp(0.0, MAX_LOGIT_SCALE).exp()

    @classmethod
    def from_config(cls, config: dict) -> MotionTextModel:
        """Build from ``config.json``'s content or a training config's ``model`` section."""
        keys = ("channels", "imu_encoder", "text_tower", "embed_dim")
        model = cls(**{k: config[k] for k in keys}, init_temperature=config.get("init_temperature", 0.07),
                    encoder=config.get("encoder", "stgcn"))
        if config.get("text_centre") is not None:
            model.set_text_centre(torch.tensor(config["text_centre"]))
        return model

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


@torch.no_grad()
def corpus_text_centre(model: MotionTextModel, texts: Sequence[Sequence[str]], clips: int = 4096, seed: int = 0,
                       batch_size: int = 256) -> torch.Tensor:
    """(D,) mean unit text embedding of one description drawn (seeded) from each of at most ``clips`` clips.

    Centring class embeddings on it removes the direction every description of the corpus shares, so that no
    class wins merely by lying nearer the centre of the text cone (the modality gap of contrastive models:
    Liang et al., "Mind the Gap", NeurIPS 2022). Measured on training data only (``experiments.transfer``'s
    select protocol: BasicMotions train, HAPT's training subjects), ``cpu-small`` over 3 pretraining seeds:
    HAPT 0.509 -> 0.537 with every seed up, BasicMotions 0.817 -> 0.808 (one series of 40 fewer in one seed);
    on two earlier corpus versions HAPT rose in all six models too (README, "Centring class embeddings").
    """
    rng = np.random.default_rng(seed)
    rows = np.sort(rng.choice(len(texts), size=min(clips, len(texts)), replace=False))
    drawn = [texts[row][rng.integers(len(texts[row]))] for row in rows.tolist() if len(texts[row])]
    if not drawn:
        raise ValueError("the corpus has no descriptions to centre the text embeddings on")
    sums = sum(model.encode_text(drawn[i:i + batch_size]).float().sum(0) for i in range(0, len(drawn), batch_size))
    return (sums / len(drawn)).cpu()


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
