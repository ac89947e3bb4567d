"""A trained classifier as users hold it: its network, its classes and the device it was trained for.

``TrainedClassifier.from_pretrained(folder)`` reads a classifier folder (:mod:`zero_shot.heads`) written by
``save_pretrained`` (``finetune.Classifier`` after ``fit``, or ``python -m finetune ... --save DIR``);
``predict`` / ``predict_proba`` score series like :class:`zero_shot.MotionModel` does (sliding windows over
long series, probabilities averaged over each series' windows), with the saved device as the default, and
``predict_recording`` gives per-window probabilities and segments of one recording.
"""
from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from .device import Device, as_device, checked_series
from .heads import MotionClassifier, load_classifier_folder, save_classifier_folder
from .model import RecordingPrediction, predict_recording_with, window_outputs
from .prompts import class_descriptions
from .windows import WINDOW_S


class TrainedClassifier:
    """A :class:`zero_shot.heads.MotionClassifier` with its classes, head kind, encoder config and device."""

    def __init__(self, network: MotionClassifier, classes: Sequence[str | Sequence[str]], *, head: str,
                 model_config: dict[str, Any], device: Device | None = None, remove_gravity: bool = False,
                 batch_size: int = 256):
        self.network = network
        self.descriptions = class_descriptions(classes)
        self.head = head
        self.model_config = model_config
        self.device = device
        self.remove_gravity = remove_gravity
        self.batch_size = batch_size

    @property
    def classes(self) -> list[str]:
        """The first description of each class, in column order."""
        return [synonyms[0] for synonyms in self.descriptions]

    @property
    def torch_device(self) -> torch.device:
        return next(self.network.parameters()).device

    def _device(self, device: Device | None, options: dict[str, Any]) -> Device:
        if device is None and not options:
            if self.device is None:
                raise ValueError("describe the device (rate_hz=..., joints=[...]): this classifier has none saved")
            return self.device
        return as_device(device, options)

    def _probabilities(self, imu: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return torch.softmax(self.network(imu, mask).float(), dim=-1)

    def predict_proba(self, x: Any, device: Device | None = None, *, window_s: float = WINDOW_S,
                      hop_s: float | None = None, progress: bool | None = None, **device_options: Any) -> np.ndarray:
        """(N, K) class probabilities of series ``x``, mean over each series' windows."""
        device = self._device(device, device_options)
        self.network.eval()
        outputs, _ = window_outputs(self._probabilities, checked_series(x, device), device,
                                    channels=self.network.channels, window_s=window_s, hop_s=hop_s,
                                    batch_size=self.batch_size, remove_gravity=self.remove_gravity,
                                    torch_device=self.torch_device, progress=progress)
        return outputs.mean(1)

    def predict(self, x: Any, device: Device | None = None, **options: Any) -> list[str]:
        """The most probable class of each series."""
        return [self.classes[i] for i in self.predict_proba(x, device, **options).argmax(1)]

    def predict_recording(self, recording: Any, device: Device | None = None, *, window_s: float = WINDOW_S,
                          hop_s: float | None = None, smooth: int = 3, progress: bool | None = None,
                          **device_options: Any) -> RecordingPrediction:
        """Per-window probabilities and segments of one recording of any length."""
        device = self._device(device, device_options)
        self.network.eval()
        return predict_recording_with(self._probabilities, recording, device, self.classes,
                                      channels=self.network.channels, window_s=window_s, hop_s=hop_s, smooth=smooth,
                                      batch_size=self.batch_size, remove_gravity=self.remove_gravity,
                                      torch_device=self.torch_device, progress=progress)

    def save_pretrained(self, folder: str | os.PathLike) -> None:
        """``classifier.safetensors`` + ``classifier.json`` (classes, head, encoder config, device)."""
        save_classifier_folder(folder, self.network, {
            "head": self.head, "classes": self.descriptions, "model": self.model_config,
            "device": None if self.device is None else self.device.to_json(), "remove_gravity": self.remove_gravity})

    @classmethod
    def from_pretrained(cls, folder: str | os.PathLike, device: str | torch.device = "cpu") -> TrainedClassifier:
        network, config = load_classifier_folder(folder)
        saved = config.get("device")
        return cls(network.to(device), config["classes"], head=config["head"], model_config=config["model"],
                   device=None if saved is None else Device.from_json(saved),
                   remove_gravity=config.get("remove_gravity", False))
