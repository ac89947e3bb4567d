"""The classifier that gets exported: device window -> 22-joint layout (+ mask) -> classifier -> class scores.

:class:`EdgeClassifier` wraps a :class:`zero_shot.heads.MotionClassifier` (motion encoder, projection, class
head) so that one forward pass maps a ``(B, window, joints, channels)`` window of the device's own joints, in
m/s^2 and rad/s, to ``(B, K)`` class scores. The classifier comes from one of two places:

- a pretrained model folder and class names (:func:`zero_shot_classifier`): the head is a
  :class:`zero_shot.heads.CosineTextHead` whose rows are the prompt-ensembled class-text embeddings and whose
  scale is the model's logit scale, so the scores are the zero-shot scores of :mod:`zero_shot`; the text
  tower is not part of the export;
- a classifier folder written by ``python -m finetune ... --save DIR`` (:func:`classifier_from_folder`): the
  fine-tuned encoder and head as trained, with the device and label names saved beside them.

The device's joints are scattered into the canonical 22-joint layout inside the graph and the mask (1 on the
device's joints and read channels, 0 elsewhere) is a constant of the graph, so the exported file needs nothing
but the window.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import torch
from torch import nn

from benchmarks.prepare import TARGET_RATE_HZ, WINDOW
from pretrain.model import MotionTextModel
from skeletons import NUM_JOINTS
from skeletons.body import JOINT_INDEX, JOINT_NAMES
from skeletons.errors import InputError
from zero_shot.device import Device
from zero_shot.heads import CosineTextHead, MotionClassifier, load_classifier_folder
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
    """``forward(window (B, T, J, C)) -> (B, K)`` scores of ``classifier``; see the module docstring."""

    def __init__(self, classifier: MotionClassifier, joints: Sequence[str]):
        super().__init__()
        self.classifier = classifier
        self.channels = classifier.channels
        indices = joint_indices(joints)
        self.register_buffer("joint_index", torch.tensor(indices, dtype=torch.long), persistent=False)
        mask = torch.zeros(NUM_JOINTS, self.channels)
        mask[indices] = 1.0
        self.register_buffer("joint_mask", mask, persistent=False)

    def forward(self, window: torch.Tensor) -> torch.Tensor:
        batch, steps = window.shape[0], window.shape[1]
        imu = window.new_zeros(batch, steps, NUM_JOINTS, self.channels)
        imu = imu.index_copy(2, self.joint_index, window[..., : self.channels])
        return self.classifier(imu, self.joint_mask.expand(batch, steps, NUM_JOINTS, self.channels))


def zero_shot_classifier(model: MotionTextModel, descriptions: Sequence[Sequence[str]]) -> MotionClassifier:
    """``model``'s encoder and projection with a cosine head on the zero-shot class-text embeddings of
    ``descriptions`` (prompt-ensembled unit rows), scaled by the model's logit scale."""
    with torch.no_grad():
        head = CosineTextHead(class_text_embeddings(model, descriptions), float(model.clamped_logit_scale()))
    return MotionClassifier(model.imu_encoder, model.imu_projection, head, model.channels)


def device_for(model: MotionTextModel, joints: Sequence[str], gravity: str = "included") -> DeviceDescription:
    """The device description of ``model`` read through ``joints``: rate and window of its training windows
    (``model.data`` where the folder records them, else the evaluation protocol's 20 Hz and 200 samples)."""
    data = getattr(model, "data", None) or {}
    return DeviceDescription(joints=tuple(joints), rate_hz=float(data.get("rate_hz", TARGET_RATE_HZ)),
                             window=int(data.get("window", WINDOW)), channels=model.channels, gravity=gravity)


def build_classifier(model: MotionTextModel, descriptions: Sequence[Sequence[str]], joints: Sequence[str]
                     ) -> EdgeClassifier:
    """An eval-mode :class:`EdgeClassifier` of ``model`` for classes described by ``descriptions``."""
    return EdgeClassifier(zero_shot_classifier(model, descriptions), joints).eval()


@dataclass(frozen=True)
class FolderClassifier:
    """A classifier folder made ready for export: the graph, the device it reads and its label names."""

    classifier: EdgeClassifier
    device: DeviceDescription
    labels: list[str]


def classifier_from_folder(folder: str, joints: Sequence[str] | None = None) -> FolderClassifier:
    """The fine-tuned classifier saved in ``folder``, reading ``joints`` (default: the saved device's joints).

    The graph reads windows at the evaluation protocol's rate and length (20 Hz, 200 samples), the layout
    every classifier is trained on; the saved device says where the sensor sits and whether its accelerometer
    includes gravity."""
    network, config = load_classifier_folder(folder)
    saved = Device.from_json(config["device"]) if config.get("device") else None
    if joints is None:
        if saved is None:
            raise InputError(folder, "the classifier saved no device; give --joints")
        joints = [JOINT_NAMES[j] if isinstance(j, int) else j for j in saved.joints]
    removed = config.get("remove_gravity") or (saved is not None and saved.gravity == "removed")
    gravity = "removed" if removed else "included"
    device = DeviceDescription(joints=tuple(joints), channels=network.channels, gravity=gravity)
    labels = [synonyms[0] if isinstance(synonyms, list) else str(synonyms) for synonyms in config["classes"]]
    return FolderClassifier(EdgeClassifier(network, joints).eval(), device, labels)
