"""Classifiers for fine-tuning: the motion encoder of a pretrained model plus a class head.

Two heads:

* ``text``: a cosine classifier whose class vectors start as the prompt-ensembled label embeddings
  (:func:`zero_shot.prompts.class_text_embeddings`) and whose fixed temperature is the model's logit scale,
  so ``logits = scale * normalize(projection(encoder(x))) @ normalize(W).T``. Before any training it scores
  exactly like zero-shot recognition (scale times the cosine similarities), and training starts from the
  zero-shot classifier instead of from chance; the final layer of a contrastive model initialised with the
  zero-shot head, as WiSE-FT does for CLIP (Wortsman et al., CVPR 2022). The vectors are trained and
  renormalised in every forward pass (a cosine classifier, Chen et al., "A Closer Look at Few-shot
  Classification", ICLR 2019), so learning-rate steps act on directions, not on the scale.
* ``linear``: the UniMTS fine-tuning head (Zhang et al., NeurIPS 2024, released ``finetune.py``): a randomly
  initialised ``Linear(width, K)`` on the ST-GCN's pooled features, before the projection.
"""
from __future__ import annotations

import copy
from typing import Literal

import torch
import torch.nn.functional as F
from torch import nn

HEADS = ("text", "linear")
Head = Literal["text", "linear"]


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

    ``encoder`` is an ST-GCN (:class:`pretrain.stgcn.STGCN`) reading the first ``channels`` channels,
    ``projection`` maps its features to where the head reads them (the pretrained embedding projection for
    the text head, the identity for the linear head). :meth:`backbone` is what ``probe`` freezes.
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


def build_classifier(model, head: Head, num_classes: int, class_embeddings: torch.Tensor | None = None
                     ) -> MotionClassifier:
    """A classifier on copies of ``model``'s motion encoder (and projection, for the text head).

    ``model`` is a :class:`pretrain.MotionTextModel`, left untouched. The text head needs the (K, D) unit
    ``class_embeddings``; the linear head draws its weights from torch's global generator.
    """
    device = model.logit_scale.device
    encoder = copy.deepcopy(model.imu_encoder)
    if head == "text":
        if class_embeddings is None or class_embeddings.shape[0] != num_classes:
            raise ValueError(f"the text head needs ({num_classes}, D) class embeddings")
        projection = copy.deepcopy(model.imu_projection)
        classes = CosineTextHead(class_embeddings, model.clamped_logit_scale().item()).to(device)
    elif head == "linear":
        projection = nn.Identity()
        classes = nn.Linear(model.imu_encoder.out_channels, num_classes).to(device)
    else:
        raise ValueError(f"unknown head {head!r}; known: {', '.join(HEADS)}")
    return MotionClassifier(encoder, projection, classes, model.channels)
