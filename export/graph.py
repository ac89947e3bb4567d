"""The classifier that gets exported: device window -> 22-joint layout (+ mask) -> motion encoder -> class scores.

:class:`EdgeClassifier` wraps a :class:`pretrain.model.MotionTextModel`'s motion encoder and a fixed (K, D)
class-embedding matrix (unit rows, already multiplied by the model's logit scale), so one forward pass maps a
``(B, window, joints, channels)`` window of the device's own joints, in m/s^2 and rad/s, to ``(B, K)`` scores
equal to ``logit_scale * cos(motion, class)`` -- the zero-shot scores of :mod:`zero_shot` up to that constant.
The device's joints are scattered into the canonical 22-joint layout inside the graph and the mask (1 on the
device's joints and read channels, 0 elsewhere) is a constant of the graph, so the exported file needs nothing
but the window. Class embeddings come from zero-shot label texts through :func:`zero_shot.class_text_embeddings`
(prompt ensembling), so the text tower is not part of the export.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import nn

from benchmarks.prepare import TARGET_RATE_HZ, WINDOW
from pretrain.model import MotionTextModel
from skeletons import NUM_JOINTS
from skeletons.body import JOINT_INDEX
from skeletons.errors import InputError
from zero_shot.prompts import class_text_embeddings


@dataclass(frozen=True)
class DeviceDescription:
    """What the exported graph expects: the device's joints (canonical names), its sample rate and window
    length, the channels per joint and their units, and whether the accelerometer includes gravity."""

    joints: tuple[str, ...]
    rate_hz: float = TARGET_RATE_HZ
    window: int = WINDOW
    channels: int = 6
    units: str = "acc xyz m/s^2 (specific force), gyro xyz rad/s"
    gravity: str = "included"

    def to_dict(self) -> dict:
        return {**asdict(self), "joints": list(self.joints)}


def joint_indices(joints: Sequence[str]) -> list[int]:
    """Canonical indices of ``joints``; an unknown or repeated name is an :class:`InputError`."""
    unknown = [name for name in joints if name not in JOINT_INDEX]
    if unknown or not joints:
        raise InputError(None, f"unknown joint(s) {', '.join(unknown) or '(none given)'}; known: "
                               f"{', '.join(JOINT_INDEX)}")
    if len(set(joints)) != len(joints):
        raise InputError(None, f"joints repeated in {', '.join(joints)}")
    return [JOINT_INDEX[name] for name in joints]


class EdgeClassifier(nn.Module):
    """``forward(window (B, T, J, C)) -> (B, K)`` scaled cosine scores; see the module docstring."""

    def __init__(self, model: MotionTextModel, class_matrix: torch.Tensor, joints: Sequence[str]):
        super().__init__()
        self.encoder, self.projection = model.imu_encoder, model.imu_projection
        self.channels = model.channels
        indices = joint_indices(joints)
        self.register_buffer("joint_index", torch.tensor(indices, dtype=torch.long), persistent=False)
        self.register_buffer("class_matrix", class_matrix.detach().float().clone(), persistent=False)
        mask = torch.zeros(NUM_JOINTS, self.channels)
        mask[indices] = 1.0
        self.register_buffer("joint_mask", mask, persistent=False)

    def forward(self, window: torch.Tensor) -> torch.Tensor:
        batch, steps = window.shape[0], window.shape[1]
        imu = window.new_zeros(batch, steps, NUM_JOINTS, self.channels)
        imu = imu.index_copy(2, self.joint_index, window[..., : self.channels])
        mask = self.joint_mask.expand(batch, steps, NUM_JOINTS, self.channels)
        features = F.normalize(self.projection(self.encoder(imu, mask)), dim=-1)
        return features @ self.class_matrix.T


def class_matrix(model: MotionTextModel, descriptions: Sequence[Sequence[str]]) -> torch.Tensor:
    """(K, D) zero-shot class embeddings (prompt-ensembled unit rows) times the model's logit scale."""
    with torch.no_grad():
        return class_text_embeddings(model, descriptions) * model.clamped_logit_scale().float()


def device_for(model: MotionTextModel, joints: Sequence[str], gravity: str = "included") -> DeviceDescription:
    """The device description of ``model`` read through ``joints``: rate and window of its training windows
    (``model.data`` where the folder records them, else the evaluation protocol's 20 Hz and 200 samples)."""
    data = getattr(model, "data", None) or {}
    return DeviceDescription(joints=tuple(joints), rate_hz=float(data.get("rate_hz", TARGET_RATE_HZ)),
                             window=int(data.get("window", WINDOW)), channels=model.channels, gravity=gravity)


def build_classifier(model: MotionTextModel, descriptions: Sequence[Sequence[str]], joints: Sequence[str]
                     ) -> EdgeClassifier:
    """An eval-mode :class:`EdgeClassifier` of ``model`` for classes described by ``descriptions``."""
    return EdgeClassifier(model, class_matrix(model, descriptions), joints).eval()
