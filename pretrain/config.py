"""Pretraining configurations: YAML files shipped with the package (``pretrain/configs/*.yaml``), chosen by
name or path, and read into typed, validated sections.

A configuration has four sections, each a frozen dataclass: ``model`` (:class:`ModelConfig`, with the
motion encoder's settings: the ST-GCN's :class:`ImuEncoderConfig` when ``model.encoder`` is ``stgcn``, the
default, or the language-model core's :class:`LLMEncoderConfig` when it is ``llm``), ``data``
(:class:`DataConfig`: window and rate of the training windows), ``augment``
(:class:`pretrain.augment.AugmentConfig`, which takes window and rate from ``data``) and ``train``
(:class:`TrainConfig`). Unknown keys and values of the wrong type are refused with one
:class:`skeletons.errors.InputError` naming the file and the key. ``override(config, "train.lr=1e-4")``
returns a copy with dotted keys changed, validated again; ``config.to_dict()`` is the YAML form.
"""
from __future__ import annotations

import copy
import types
import typing
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, Union

import yaml

from skeletons.errors import InputError

from .augment import AugmentConfig

CONFIG_DIR = Path(__file__).resolve().parent / "configs"
SECTIONS = ("model", "data", "augment", "train")
MIXED_PRECISION = ("auto", "no", "bf16", "fp16")
#: ``train.loss``: ours (symmetric, duplicate-aware CLIP) or the reference's one-way IMU->text cross-entropy.
LOSSES = ("symmetric", "imu_to_text")
#: ``train.schedule``: linear warm-up then cosine decay (ours), or the reference's constant rate.
SCHEDULES = ("cosine", "constant")
#: ``train.weight_average``: which weights a run saves (:mod:`pretrain.weight_average`).
WEIGHT_AVERAGES = ("none", "ema", "uniform")
#: ``data.crop``: a random window of a longer clip (ours), or its first frames (the reference).
CROPS = ("random", "start")


@dataclass(frozen=True)
class ImuEncoderConfig:
    """The ST-GCN (:class:`pretrain.stgcn.STGCN`): width and temporal stride of each block."""

    channels: list[int] = field(default_factory=lambda: [64, 64, 64, 64, 128, 128, 128, 256, 256, 512])
    strides: list[int] = field(default_factory=lambda: [1, 1, 1, 1, 2, 1, 1, 2, 1, 1])
    temporal_kernel: int = 9
    dropout: float = 0.0
    edge_importance: bool = True

    def __post_init__(self) -> None:
        if not self.channels or len(self.channels) != len(self.strides):
            raise ValueError(f"model.imu_encoder needs one stride per block: channels {self.channels}, "
                             f"strides {self.strides}")
        if min(self.channels) < 1 or min(self.strides) < 1 or self.temporal_kernel < 1:
            raise ValueError("model.imu_encoder channels, strides and temporal_kernel must be positive")


@dataclass(frozen=True)
class LLMEncoderConfig:
    """The language-model-core encoder (:class:`pretrain.llm_encoder.LLMEncoder`; its docstring says what
    each setting does). ``core_config`` is filled in by saved models (the core's recorded architecture)."""

    core: str = "minilm"
    core_init: str = "pretrained"
    core_train: str = "lora"
    core_layers: int | None = None
    lora: dict[str, Any] = field(default_factory=dict)
    conv_width: int = 96
    kernel_sizes: list[int] = field(default_factory=lambda: [3, 7, 15])
    conv_stride: int = 4
    patch: int = 5
    joints: str = "pool"
    pooling: str = "mean"
    core_config: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        from .llm_core import CORE_INITS, CORE_TRAIN_MODES
        from .llm_encoder import JOINT_MODES, POOLINGS

        choices = {"core_init": CORE_INITS, "core_train": CORE_TRAIN_MODES, "joints": JOINT_MODES,
                   "pooling": POOLINGS}
        for name, allowed in choices.items():
            if getattr(self, name) not in allowed:
                raise ValueError(f"model.imu_encoder.{name} must be one of {', '.join(allowed)}, "
                                 f"got {getattr(self, name)!r}")
        if min(self.conv_width, self.conv_stride, self.patch, *self.kernel_sizes) < 1 or (
                self.core_layers is not None and self.core_layers < 1):
            raise ValueError("model.imu_encoder conv_width, conv_stride, patch, kernel_sizes and core_layers "
                             "must be positive")


ENCODER_CONFIGS: dict[str, type] = {"stgcn": ImuEncoderConfig, "llm": LLMEncoderConfig}


@dataclass(frozen=True)
class ModelConfig:
    """The motion-text model (:class:`pretrain.model.MotionTextModel`).

    Attributes:
        channels: 6 (accelerometer and gyroscope) or 3 (accelerometer only).
        encoder: ``stgcn`` or ``llm``.
        imu_encoder: the encoder's settings (:class:`ImuEncoderConfig` or :class:`LLMEncoderConfig`).
        text_tower: the text tower's settings (:func:`pretrain.text.build_text_tower`; ``kind`` required).
        embed_dim: width of the shared space; None uses the encoders' widths (they must match).
    """

    channels: int = 6
    encoder: str = "stgcn"
    imu_encoder: ImuEncoderConfig | LLMEncoderConfig = field(default_factory=ImuEncoderConfig)
    text_tower: dict[str, Any] = field(default_factory=lambda: {"kind": "minilm", "train": "frozen"})
    embed_dim: int | None = 256

    def __post_init__(self) -> None:
        if self.channels not in (3, 6):
            raise ValueError(f"model.channels must be 3 or 6, got {self.channels}")
        if self.encoder not in ENCODER_CONFIGS:
            raise ValueError(f"model.encoder must be one of {', '.join(ENCODER_CONFIGS)}, got {self.encoder!r}")
        if not isinstance(self.text_tower.get("kind"), str):
            raise ValueError("model.text_tower needs a kind (minilm, hf or open_clip)")
        if self.embed_dim is not None and self.embed_dim < 1:
            raise ValueError(f"model.embed_dim must be positive or null, got {self.embed_dim}")

    def model_arguments(self, init_temperature: float = 0.07) -> dict[str, Any]:
        """The keyword arguments of :class:`pretrain.model.MotionTextModel`."""
        encoder = {k: v for k, v in asdict(self.imu_encoder).items() if not (k == "core_config" and v is None)}
        return {"channels": self.channels, "encoder": self.encoder, "imu_encoder": encoder,
                "text_tower": copy.deepcopy(self.text_tower), "embed_dim": self.embed_dim,
                "init_temperature": init_temperature}


@dataclass(frozen=True)
class DataConfig:
    """Training windows: ``window`` samples at ``rate_hz`` (the corpus's rate); ``crop`` ``random`` takes a random
    window of a longer clip, ``start`` its first ``window`` frames (the UniMTS reference's ``imu[:200]``)."""

    window: int = 200
    rate_hz: float = 20.0
    crop: str = "random"

    def __post_init__(self) -> None:
        if self.window < 1 or not self.rate_hz > 0:
            raise ValueError(f"data.window and data.rate_hz must be positive, got {self.window}, {self.rate_hz}")
        if self.crop not in CROPS:
            raise ValueError(f"data.crop must be one of {', '.join(CROPS)}, got {self.crop!r}")


@dataclass(frozen=True)
class TrainConfig:
    """The optimisation: per-process batch, length (``max_steps``, else ``epochs``), AdamW with warm-up and
    cosine decay (``schedule: constant`` keeps the rate), accumulation, clipping, mixed precision, checkpoints,
    logging, seed and loader workers, and the weight and temperature of the augmented-view contrastive term
    (0: off; :func:`pretrain.train.train`).

    The objective: ``loss`` ``symmetric`` (:func:`pretrain.loss.clip_loss`) or ``imu_to_text``
    (:func:`pretrain.loss.imu_to_text_loss`, the reference's); the logits are ``exp(logit_scale)`` times the
    cosine similarities, with the scale clamped to at most 100 unless ``clamp_logit_scale`` is false, divided by
    ``loss_temperature`` (the reference: 0.1); ``duplicate_aware`` false treats equal texts as negatives of each
    other (plain CLIP targets, as the reference). ``prototype_weight`` > 0 adds that times
    :func:`pretrain.loss.prototype_loss` over the corpus's activities, each standing as the mean of
    ``prototype_texts`` of its descriptions (corpora naming no activities: no term). ``weight_average``
    ``ema`` (decay ``ema_decay``) or ``uniform`` saves the model as an average of its weights after every
    optimizer step from step ``average_from`` on (:mod:`pretrain.weight_average`); ``none`` saves the last."""

    batch_size: int = 64
    max_steps: int | None = None
    epochs: int | None = None
    lr: float = 1e-4
    weight_decay: float = 0.01
    warmup_steps: int = 0
    grad_accum: int = 1
    clip_grad: float | None = 1.0
    mixed_precision: str = "auto"
    init_temperature: float = 0.07
    checkpoint_every: int = 1000
    keep_checkpoints: int = 2
    log_every: int = 10
    seed: int = 0
    num_workers: int = 0
    view_contrast_weight: float = 0.0
    view_contrast_temperature: float = 0.1
    loss: str = "symmetric"
    loss_temperature: float = 1.0
    clamp_logit_scale: bool = True
    duplicate_aware: bool = True
    schedule: str = "cosine"
    prototype_weight: float = 0.0
    prototype_texts: int = 16
    weight_average: str = "none"
    ema_decay: float = 0.99
    average_from: int = 1

    def __post_init__(self) -> None:
        if self.loss not in LOSSES or self.schedule not in SCHEDULES:
            raise ValueError(f"train.loss must be one of {', '.join(LOSSES)} and train.schedule one of "
                             f"{', '.join(SCHEDULES)}, got {self.loss!r} and {self.schedule!r}")
        if not self.loss_temperature > 0:
            raise ValueError(f"train.loss_temperature must be positive, got {self.loss_temperature}")
        if not (self.max_steps or self.epochs):
            raise ValueError("train needs max_steps or epochs")
        positive = ("batch_size", "grad_accum", "checkpoint_every", "keep_checkpoints", "log_every")
        for name in positive:
            if getattr(self, name) < 1:
                raise ValueError(f"train.{name} must be at least 1, got {getattr(self, name)}")
        if self.mixed_precision not in MIXED_PRECISION:
            raise ValueError(f"train.mixed_precision must be one of {', '.join(MIXED_PRECISION)}, "
                             f"got {self.mixed_precision!r}")
        if self.prototype_weight < 0 or self.prototype_texts < 1:
            raise ValueError(f"train.prototype_weight must be non-negative and prototype_texts at least 1, got "
                             f"{self.prototype_weight} and {self.prototype_texts}")
        if self.weight_average not in WEIGHT_AVERAGES or not 0.0 < self.ema_decay < 1.0 or self.average_from < 1:
            raise ValueError(f"train.weight_average must be one of {', '.join(WEIGHT_AVERAGES)}, ema_decay in (0, 1) "
                             f"and average_from at least 1, got {self.weight_average!r}, {self.ema_decay} and "
                             f"{self.average_from}")
        if self.view_contrast_weight < 0 or not self.view_contrast_temperature > 0:
            raise ValueError("train.view_contrast_weight must be non-negative and view_contrast_temperature positive")
        if not (self.lr > 0 and self.init_temperature > 0) or self.warmup_steps < 0 or self.num_workers < 0:
            raise ValueError("train.lr and train.init_temperature must be positive, warmup_steps and num_workers "
                             "non-negative")


@dataclass(frozen=True)
class PretrainConfig:
    """A whole pretraining configuration; ``augment`` carries ``data``'s window and rate."""

    name: str
    model: ModelConfig
    data: DataConfig
    augment: AugmentConfig
    train: TrainConfig

    @classmethod
    def from_dict(cls, values: Any, source: str | Path | None = None, name: str | None = None) -> PretrainConfig:
        """Validate parsed YAML; InputError on ``source`` names the first wrong key or value."""
        if not isinstance(values, dict) or any(not isinstance(values.get(s), dict) for s in SECTIONS):
            raise InputError(source, f"a config needs the sections {', '.join(SECTIONS)}")
        unknown = sorted(set(values) - {*SECTIONS, "name"})
        if unknown:
            raise InputError(source, f"unknown config sections {unknown}; known: {', '.join(SECTIONS)}")
        model = dict(values["model"])
        encoder_config = ENCODER_CONFIGS.get(model.get("encoder", "stgcn"))
        if encoder_config is None:
            raise InputError(source, f"model.encoder must be one of {', '.join(ENCODER_CONFIGS)}, "
                                     f"got {model.get('encoder')!r}")
        model["imu_encoder"] = _section(encoder_config, "model.imu_encoder", model.get("imu_encoder", {}), source)
        data = _section(DataConfig, "data", values["data"], source)
        if {"window", "rate_hz"} & set(values["augment"]):
            raise InputError(source, "augment takes window and rate_hz from the data section")
        augment = _section(AugmentConfig, "augment", {**values["augment"], "window": data.window,
                                                      "rate_hz": data.rate_hz}, source)
        return cls(name=str(values.get("name") or name or "config"),
                   model=_section(ModelConfig, "model", model, source), data=data, augment=augment,
                   train=_section(TrainConfig, "train", values["train"], source))

    def to_dict(self) -> dict[str, Any]:
        """The YAML form (``PretrainConfig.from_dict(c.to_dict()) == c``)."""
        augment = {k: v for k, v in asdict(self.augment).items() if k not in ("window", "rate_hz")}
        plain = {"name": self.name, "model": asdict(self.model), "data": asdict(self.data), "augment": augment,
                 "train": asdict(self.train)}
        return yaml.safe_load(yaml.safe_dump(plain))  # tuples as lists, as YAML holds them


def available() -> list[str]:
    """Names of the bundled configurations."""
    return sorted(p.stem for p in CONFIG_DIR.glob("*.yaml"))


def load_config(name_or_path: str | Path) -> PretrainConfig:
    """The configuration named ``name_or_path`` (e.g. ``cpu-small``) or stored at that path."""
    path = Path(name_or_path)
    if not path.suffix and not path.exists():
        path = CONFIG_DIR / f"{name_or_path}.yaml"
        if not path.exists():
            raise InputError(name_or_path, f"no such config; bundled configs: {', '.join(available())}")
    try:
        values = yaml.safe_load(path.read_text())
    except FileNotFoundError:
        raise InputError(path, "no such config file") from None
    except yaml.YAMLError as error:
        raise InputError(path, f"not valid YAML ({str(error).splitlines()[0]})") from None
    return PretrainConfig.from_dict(values, source=path, name=path.stem)


def override(config: PretrainConfig, *assignments: str) -> PretrainConfig:
    """A copy of ``config`` with each ``section.key=value`` set (values parsed as YAML), validated once all
    are set (so ``model.imu_encoder.channels`` and ``strides`` can change length together)."""
    values = config.to_dict()
    for assignment in assignments:
        key, separator, raw = assignment.partition("=")
        if not separator:
            raise InputError(None, f"an override is KEY=VALUE, got {assignment!r}")
        node = values
        *parents, leaf = key.strip().split(".")
        for part in parents:
            if not isinstance(node.get(part), dict):
                raise InputError(None, f"unknown config key {key!r}")
            node = node[part]
        if leaf not in node and parents[-1:] != ["text_tower"]:  # a text tower's settings depend on its kind
            raise InputError(None, f"unknown config key {key!r}")
        node[leaf] = yaml.safe_load(raw)
    return PretrainConfig.from_dict(values, source="--set " + " ".join(assignments) if assignments else None)


def _section(cls: type, title: str, values: Any, source: str | Path | None):
    """``cls(**values)`` after refusing unknown keys and values whose type does not fit the field."""
    if not isinstance(values, dict):
        raise InputError(source, f"{title} must be a mapping, got {values!r}")
    hints = typing.get_type_hints(cls)
    known = [f.name for f in fields(cls)]
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise InputError(source, f"unknown {title} keys {unknown}; known: {', '.join(known)}")
    for key, value in values.items():
        if not isinstance(value, (ImuEncoderConfig, LLMEncoderConfig, AugmentConfig)) and not _fits(value, hints[key]):
            raise InputError(source, f"{title}.{key} must be {_describe(hints[key])}, got {value!r}")
    try:
        return cls(**values)
    except InputError as error:
        raise InputError(source, error.problem) from None
    except (TypeError, ValueError) as error:
        raise InputError(source, str(error)) from None


def _fits(value: Any, hint: Any) -> bool:
    """Whether a YAML value fits a field's type (ints count as floats, lists as tuples)."""
    origin, arguments = typing.get_origin(hint), typing.get_args(hint)
    if hint is Any:
        return True
    if origin in (Union, types.UnionType):
        return any(_fits(value, option) for option in arguments)
    if hint is type(None):
        return value is None
    if hint is bool:
        return isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if hint is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if origin in (list, tuple):
        if not isinstance(value, (list, tuple)):
            return False
        items = [a for a in arguments if a is not Ellipsis]
        if origin is tuple and Ellipsis not in arguments and len(items) != len(value):
            return False
        return all(_fits(v, items[0] if len(items) == 1 else t) for v, t in zip(value, items * len(value)))
    if origin is dict or hint is dict:
        return isinstance(value, dict)
    return isinstance(value, hint) if isinstance(hint, type) else True


def _describe(hint: Any) -> str:
    return str(hint).replace("typing.", "").replace("<class '", "").replace("'>", "")
