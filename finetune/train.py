"""Fit one classifier on a few labelled windows, and score windows with it.

Three ways to train, after the UniMTS fine-tuning protocol (Zhang et al., NeurIPS 2024, Sec. 4.3 and its
released ``finetune.py``: cross-entropy on the labelled windows, encoder and a linear head):

* ``full``: the pretrained encoder and the head train, the encoder at ``lr_encoder`` (10x below the head's
  rate, so the few labels adjust the pretrained features rather than overwrite them);
* ``probe``: the encoder is frozen (no gradients, eval mode, so batch-norm statistics stay too) and only
  the head trains;
* ``random``: the same architecture from a random initialisation (the paper's "random init" baseline);
  every weight trains at ``lr_head``, as there are no pretrained features to protect. Nothing of the
  checkpoint is used but its shape: a text head starts from the label embeddings of the fresh model, i.e.
  the text tower's general-language features (MiniLM, never aligned with motion) through an untrained
  projection.

Optimiser AdamW (Loshchilov & Hutter, ICLR 2019); decay on matrices and kernels only. Batch-norm:
``full`` keeps the encoder's batch-norm layers in eval mode (their affine weights still train), so a
batch of four real windows does not replace statistics estimated over thousands of pretraining windows;
``random`` has no statistics to keep and trains them as usual. Augmentation: optional random rotation of
every joint's sensor frame (:func:`pretrain.augment.random_rotations`, the rotation augmentation of
pretraining), off by default as in the paper's fine-tuning code.

Length: ``epochs`` passes over the training windows, extended to at least ``min_steps`` optimiser steps
(one pass over four windows is a single step, too few for anything to train). Early stopping: with a
validation part (see :mod:`finetune.selection`) the classifier is scored on it before training and after
every epoch, and the weights of the best epoch come back at the end: highest validation accuracy, ties
broken by the lower mean cross-entropy, the initial weights included (for the text head, zero-shot
recognition). Without one, the last weights are kept.

The reference's recipe (``--protocol unimts``, :mod:`finetune.protocol`) is reached through the settings:
``batchnorm="update"`` leaves every layer in train mode (the reference calls ``model.train()``, so batch-norm
statistics follow the few-shot batches in full *and* probe mode), ``keep_epoch="train_loss"`` keeps the weights
after the epoch with the lowest mean training loss (the reference's ``best_loss``), and ``weight_decay=0`` with
one learning rate for all makes AdamW exactly the reference's Adam.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from pretrain.augment import random_rotations, rotate_joints

from .data import Windows
from .heads import MotionClassifier

Mode = Literal["full", "probe", "random"]
NEURAL_MODES = ("full", "probe", "random")
#: Batch-norm layers of the pretrained encoder while training: ``keep`` (ours: eval mode in full and probe) or
#: ``update`` (the reference: statistics follow the training batches).
BATCHNORM = ("keep", "update")
#: Which epoch's weights come back: ``validation`` (ours: best on the held-out shots; the last without them)
#: or ``train_loss`` (the reference: lowest mean training loss over the epoch).
KEEP_EPOCH = ("validation", "train_loss")


@dataclass(frozen=True)
class TrainSettings:
    """How one classifier is fitted.

    Attributes:
        epochs: passes over the training windows (more where ``min_steps`` asks for them).
        batch_size: windows per optimiser step.
        lr_head: AdamW learning rate of the head (and of every weight in ``random`` mode).
        lr_encoder: learning rate of the pretrained encoder and projection in ``full`` mode.
        weight_decay: AdamW's decoupled weight decay of matrices and convolution kernels.
        rotation: rotate every joint's sensor frame at random in each training batch.
        min_steps: the fewest optimiser steps of a run: tiny training sets get more epochs.
        eval_batch_size: windows per forward pass when scoring.
        batchnorm: ``keep`` or ``update`` (see :data:`BATCHNORM`).
        keep_epoch: ``validation`` or ``train_loss`` (see :data:`KEEP_EPOCH`).
    """

    epochs: int = 20
    batch_size: int = 8
    lr_head: float = 1e-3
    lr_encoder: float = 1e-4
    weight_decay: float = 0.01
    rotation: bool = False
    min_steps: int = 50
    eval_batch_size: int = 256
    batchnorm: str = "keep"
    keep_epoch: str = "validation"

    def __post_init__(self) -> None:
        if self.batchnorm not in BATCHNORM or self.keep_epoch not in KEEP_EPOCH:
            raise ValueError(f"batchnorm must be one of {', '.join(BATCHNORM)} and keep_epoch one of "
                             f"{', '.join(KEEP_EPOCH)}: {self}")
        if self.epochs < 1 or self.batch_size < 1 or self.eval_batch_size < 1 or self.min_steps < 0:
            raise ValueError(f"epochs and batch sizes must be positive, min_steps >= 0: {self}")
        if not (self.lr_head > 0 and self.lr_encoder > 0 and self.weight_decay >= 0):
            raise ValueError(f"learning rates must be positive and weight decay non-negative: {self}")


@dataclass(frozen=True)
class FitReport:
    """What training did: epochs run, the epoch whose weights were kept (0 = the initial ones), and the
    validation accuracy and loss there (None without a validation part)."""

    epochs_run: int
    kept_epoch: int
    validation_accuracy: float | None
    validation_loss: float | None


def _device(module: nn.Module) -> torch.device:
    return next(module.parameters()).device


def _tensors(windows: Windows, device: torch.device) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    return (torch.as_tensor(windows.imu, device=device), torch.as_tensor(windows.mask, device=device),
            torch.as_tensor(windows.targets, device=device))


def _parameter_groups(classifier: MotionClassifier, mode: Mode, settings: TrainSettings) -> list[dict]:
    """AdamW groups by rate (see the module doc) and by decay (matrices and kernels only)."""
    backbone_rate = {"full": settings.lr_encoder, "random": settings.lr_head, "probe": None}[mode]
    parts = [(classifier.head, settings.lr_head)]
    if backbone_rate is not None:
        parts += [(module, backbone_rate) for module in classifier.backbone()]
    groups = []
    for module, rate in parts:
        for decay in (True, False):
            params = [p for name, p in module.named_parameters()
                      if (p.ndim >= 2 and "edge_importance" not in name) == decay]
            if params:
                groups.append({"params": params, "lr": rate, "weight_decay": settings.weight_decay if decay else 0.0})
    return groups


def _set_training(classifier: MotionClassifier, mode: Mode, batchnorm: str = "keep") -> None:
    """Train mode, except what must not change: the frozen backbone (``probe``) and the pretrained
    batch-norm statistics (``full``); with ``batchnorm="update"`` everything trains (the reference)."""
    classifier.train()
    if batchnorm == "update":
        return
    for module in classifier.backbone():
        if mode == "probe":
            module.eval()
        elif mode == "full":
            for layer in module.modules():
                if isinstance(layer, nn.modules.batchnorm._BatchNorm):
                    layer.eval()


@torch.inference_mode()
def predict(classifier: MotionClassifier, windows: Windows, batch_size: int = 256) -> np.ndarray:
    """(N, K) float32 logits of ``windows``, in eval mode."""
    classifier.eval()
    device = _device(classifier)
    imu, mask, _ = _tensors(windows, device)
    logits = [classifier(imu[i:i + batch_size], mask[i:i + batch_size]).float().cpu()
              for i in range(0, len(imu), batch_size)]
    return torch.cat(logits).numpy()


def _validation_score(classifier: MotionClassifier, windows: Windows, batch_size: int) -> tuple[float, float]:
    """(accuracy, mean cross-entropy) on the validation windows."""
    logits = torch.from_numpy(predict(classifier, windows, batch_size))
    targets = torch.as_tensor(windows.targets)
    return float((logits.argmax(1) == targets).float().mean()), float(F.cross_entropy(logits, targets))


def _snapshot(classifier: MotionClassifier) -> dict[str, torch.Tensor]:
    return {name: value.detach().clone() for name, value in classifier.state_dict().items()}


def fit(classifier: MotionClassifier, mode: Mode, train: Windows, validation: Windows | None,
        settings: TrainSettings, seed: int) -> FitReport:
    """Train ``classifier`` in place on ``train`` (see the module doc); ``seed`` fixes batch order and
    augmentation, so the same call gives the same weights."""
    if mode not in NEURAL_MODES:
        raise ValueError(f"unknown mode {mode!r}; known: {', '.join(NEURAL_MODES)}")
    device = _device(classifier)
    for module in classifier.backbone():
        module.requires_grad_(mode != "probe")
    optimizer = torch.optim.AdamW(_parameter_groups(classifier, mode, settings))
    generator = torch.Generator().manual_seed(seed)
    rotations = torch.Generator(device=device).manual_seed(seed)
    imu, mask, targets = _tensors(train, device)
    epochs = max(settings.epochs, math.ceil(settings.min_steps / math.ceil(len(targets) / settings.batch_size)))
    by_loss = settings.keep_epoch == "train_loss"
    has_validation = validation is not None and len(validation) > 0 and not by_loss
    if has_validation:
        best = _validation_score(classifier, validation, settings.eval_batch_size)
        best_state, kept_epoch = _snapshot(classifier), 0
    lowest = math.inf
    for epoch in range(1, epochs + 1):
        _set_training(classifier, mode, settings.batchnorm)
        total = 0.0
        for batch in torch.randperm(len(targets), generator=generator).split(settings.batch_size):
            batch = batch.to(device)
            x = imu[batch]
            if settings.rotation:
                x = rotate_joints(x, random_rotations(len(batch), x.shape[2], rotations, device, x.dtype))
            loss = F.cross_entropy(classifier(x, mask[batch]), targets[batch])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            total += float(loss.detach()) * len(batch)
        if by_loss and total / len(targets) < lowest:
            lowest, best_state, kept_epoch = total / len(targets), _snapshot(classifier), epoch
        if has_validation:
            accuracy, loss = _validation_score(classifier, validation, settings.eval_batch_size)
            if accuracy > best[0] or (accuracy == best[0] and loss < best[1]):
                best, best_state, kept_epoch = (accuracy, loss), _snapshot(classifier), epoch
    if by_loss:
        classifier.load_state_dict(best_state)
        return FitReport(epochs_run=epochs, kept_epoch=kept_epoch, validation_accuracy=None, validation_loss=None)
    if not has_validation:
        return FitReport(epochs_run=epochs, kept_epoch=epochs, validation_accuracy=None, validation_loss=None)
    classifier.load_state_dict(best_state)
    return FitReport(epochs_run=epochs, kept_epoch=kept_epoch, validation_accuracy=best[0], validation_loss=best[1])
