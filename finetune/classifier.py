"""Few-shot training from Python: ``model.classifier(classes).fit(X, y, **device)``, then predict and save.

    from finetune import Classifier, MotionModel
    model = MotionModel.from_pretrained("runs/cpu-small")
    clf = model.classifier(["walking", "running"]).fit(X_few, y_few, rate_hz=50, joints=["right_wrist"])
    clf.predict(X_new); clf.save_pretrained("runs/my-watch"); Classifier.from_pretrained("runs/my-watch")

:class:`MotionModel` is :class:`zero_shot.MotionModel` plus ``classifier(...)``, which builds a
:class:`Classifier` on copies of the encoder (:func:`finetune.heads.build_classifier`, the text head by
default, so an unfitted classifier scores as zero-shot does). ``fit`` cuts every labelled series into its
sliding windows (each window a training example with the series' label), prepares them by the one
preparation path and trains with :func:`finetune.train.fit` (mode ``full`` by default, the settings of
:class:`finetune.train.TrainSettings`); the device given to ``fit`` is saved with the classifier and is the
default of later calls. Labels ``y`` are class descriptions (as in ``classes``) or column indices.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from benchmarks.prepare import TARGET_RATE_HZ, prepare_windows
from skeletons.errors import InputError
from zero_shot import MotionModel as ZeroShotModel
from zero_shot import TrainedClassifier
from zero_shot.device import Device, checked_series
from zero_shot.prompts import class_descriptions
from zero_shot.windows import WINDOW_S, cut_windows, window_grid

from .data import Windows
from .heads import Head, build_classifier
from .train import Mode, TrainSettings, fit


class Classifier(TrainedClassifier):
    """A trainable classifier: :class:`zero_shot.TrainedClassifier` plus :meth:`fit`."""

    def __init__(self, *args: Any, mode: Mode = "full", settings: TrainSettings | None = None, seed: int = 0,
                 **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.mode, self.settings, self.seed = mode, settings or TrainSettings(), seed

    def _targets(self, y: Any, count: int) -> np.ndarray:
        y = list(np.asarray(y).tolist())
        if len(y) != count:
            raise InputError(None, f"{count} series but {len(y)} labels")
        names = {name: i for i, synonyms in enumerate(self.descriptions) for name in synonyms}
        if all(isinstance(v, str) for v in y):
            unknown = sorted({v for v in y if v not in names})
            if unknown:
                raise InputError(None, f"labels {unknown} are not among the classes {self.classes}")
            return np.array([names[v] for v in y], dtype=np.int64)
        targets = np.asarray(y, dtype=np.int64)
        if targets.min() < 0 or targets.max() >= len(self.descriptions):
            raise InputError(None, f"label indices must be in 0..{len(self.descriptions) - 1}")
        return targets

    def fit(self, x: Any, y: Any, device: Device | None = None, *, window_s: float = WINDOW_S,
            hop_s: float | None = None, **device_options: Any) -> Classifier:
        """Train on series ``x`` with labels ``y`` (see the module doc); returns self."""
        device = self._device(device, device_options)
        series = checked_series(x, device)
        targets = self._targets(y, len(series))
        grid = window_grid(series.shape[1], device.rate_hz, window_s, hop_s)
        pieces = np.concatenate([cut_windows(s, grid) for s in series])
        imu, mask = prepare_windows(pieces, device.dataset().placements, device.rate_hz,
                                    window=round(window_s * TARGET_RATE_HZ), use_gyro=self.network.channels == 6,
                                    remove_gravity=self.remove_gravity)
        self.device = device
        return self.fit_windows(Windows(imu, mask, np.repeat(targets, len(grid))))

    def fit_windows(self, windows: Windows, validation: Windows | None = None) -> Classifier:
        """Train on prepared windows (:class:`finetune.data.Windows`, targets as class columns); returns self."""
        fit(self.network, self.mode, windows, validation, self.settings, self.seed)
        self.network.eval()
        return self


class MotionModel(ZeroShotModel):
    """:class:`zero_shot.MotionModel` plus :meth:`classifier` (few-shot training)."""

    def classifier(self, classes: Sequence[str | Sequence[str]], *, head: Head = "text", mode: Mode = "full",
                   settings: TrainSettings | None = None, seed: int = 0) -> Classifier:
        """An unfitted :class:`Classifier` for ``classes`` on copies of this model's encoder."""
        descriptions = class_descriptions(classes)
        torch.manual_seed(seed)
        embeddings = self.text_embeddings(descriptions) if head == "text" else None
        network = build_classifier(self.network, head, len(descriptions), embeddings)
        return Classifier(network, descriptions, head=head, model_config=self.network.config,
                          remove_gravity=self.remove_gravity, batch_size=self.batch_size, mode=mode,
                          settings=settings, seed=seed)
