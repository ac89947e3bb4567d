"""Classifiers on the motion encoder (encoder + projection + class head), and their folders.

:class:`MotionClassifier` maps prepared windows (B, T, 22, 6) and their mask to class logits (B, K);
``python -m finetune`` trains them (:mod:`finetune.heads` builds them from a pretrained model) and
:mod:`zero_shot.model` reads a saved one for prediction, which is why they live at this layer.
A classifier folder holds ``classifier.safetensors`` (the classifier's weights) and ``classifier.json``
(format, head kind, the encoder's config, the class descriptions and the :class:`zero_shot.device.Device`
it was trained for): everything needed to rebuild it without the text tower or the pretrained folder.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from pretrain.model import build_imu_encoder
from skeletons.atomic import atomic_path
from skeletons.errors import InputError

CLASSIFIER_FORMAT = "motion-pretrain-classifier/1"
CLASSIFIER_CONFIG, CLASSIFIER_WEIGHTS = "classifier.json", "classifier.safetensors"


class CosineTextHead(nn.Module):
    """``scale * cos(z, w_k)`` for every class k, the rows ``w_k`` starting as ``class_embeddings`` (K, D)."""

    def __init__(self, class_embeddings: torch.Tensor, scale: float):
        super().__init__()
        self.weight = nn.Parameter(class_embeddings.detach().float().clone())
        self.register_buffer("scale", torch.tensor(float(scale)))

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return self.scale * F.normalize(features, dim=-1) @ F.normalize(self.weight, dim=-1).T


class MotionClassifier(nn.Module):
    """IMU windows (B, T, 22, 6) and their mask -> class logits (B, K).

    ``encoder`` is a motion encoder (:func:`pretrain.model.build_imu_encoder`: ST-GCN or LLM core) reading the
    first ``channels`` channels, ``projection`` maps its features to where the head reads them (the pretrained
    embedding projection for the text head, the identity for the linear head).
    :meth:`backbone` is what ``probe`` freezes.
    """

    def __init__(self, encoder: nn.Module, projection: nn.Module, head: nn.Module, channels: int):
        super().__init__()
        self.encoder = encoder
        self.projection = projection
        self.head = head
        self.channels = channels

    def backbone(self) -> list[nn.Module]:
        """The modules that come from the motion model (encoder and projection)."""
        return [self.encoder, self.projection]

    def features(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return self.projection(self.encoder(x[..., : self.channels], mask[..., : self.channels]))

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x, mask))


def save_classifier_folder(folder: str | Path, classifier: MotionClassifier, config: dict[str, Any]) -> Path:
    """Write ``classifier.safetensors`` and ``classifier.json`` (``config`` plus the format) atomically."""
    from safetensors.torch import save_file

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().cpu().contiguous() for k, v in classifier.state_dict().items()}
    with atomic_path(folder / CLASSIFIER_WEIGHTS) as temporary:
        save_file(state, str(temporary), metadata={"format": CLASSIFIER_FORMAT})
    with atomic_path(folder / CLASSIFIER_CONFIG) as temporary:
        temporary.write_text(json.dumps({"format": CLASSIFIER_FORMAT, **config}, indent=2))
    return folder


def is_classifier_folder(folder: str | Path) -> bool:
    return (Path(folder) / CLASSIFIER_CONFIG).is_file()


def load_classifier_folder(folder: str | Path) -> tuple[MotionClassifier, dict[str, Any]]:
    """The classifier saved in ``folder`` (eval mode, CPU) and its config; InputError for a damaged folder."""
    from safetensors.torch import load_file

    folder = Path(folder)
    config_path, weights_path = folder / CLASSIFIER_CONFIG, folder / CLASSIFIER_WEIGHTS
    for path in (config_path, weights_path):
        if not path.is_file():
            raise InputError(path, "missing: a classifier folder holds classifier.safetensors and classifier.json")
    try:
        config = json.loads(config_path.read_text())
    except json.JSONDecodeError as error:
        raise InputError(config_path, f"not valid JSON ({error})") from None
    if config.get("format") != CLASSIFIER_FORMAT:
        raise InputError(config_path, f"unknown format {config.get('format')!r}; expected {CLASSIFIER_FORMAT}")
    model = config["model"]
    encoder = build_imu_encoder(model.get("encoder", "stgcn"), model["channels"], model["imu_encoder"])
    classes = len(config["classes"])
    if config["head"] == "text":
        embed_dim = model.get("embed_dim")
        projection = nn.Identity() if embed_dim is None else nn.Linear(encoder.out_channels, embed_dim)
        head: nn.Module = CosineTextHead(torch.zeros(classes, embed_dim or encoder.out_channels), 1.0)
    else:
        projection, head = nn.Identity(), nn.Linear(encoder.out_channels, classes)
    classifier = MotionClassifier(encoder, projection, head, model["channels"])
    try:
        classifier.load_state_dict(load_file(str(weights_path)))
    except Exception as error:  # safetensors' own errors, or weights that do not fit the config
        raise InputError(weights_path, f"not this classifier's weights ({str(error).splitlines()[0]})") from None
    return classifier.eval(), config
