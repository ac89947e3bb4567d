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
from torch import nn

from zero_shot.heads import CosineTextHead, MotionClassifier

HEADS = ("text", "linear")
Head = Literal["text", "linear"]


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
