"""The contrastive objective: symmetric InfoNCE between IMU windows and their descriptions, or the UniMTS
reference's one-way IMU->text cross-entropy (:func:`imu_to_text_loss`, the ``unimts-paper`` config).

CLIP (Radford et al., "Learning Transferable Visual Models From Natural Language Supervision", ICML 2021)
as UniMTS uses it (Zhang et al., NeurIPS 2024), with two additions:

* :func:`gather_features` collects the features of all processes so that every sample meets the whole
  global batch as negatives (as open_clip's ``gather_features`` does);
* :func:`clip_loss` knows that many windows share one description ("a person walks"): samples whose
  texts are identical are not each other's negatives; each row's target spreads uniformly over all of
  its positives;
* :func:`prototype_loss`, optional beside it, classifies each window among *all* activities of the corpus at
  once, against each activity's prototype (:func:`class_prototypes`: the normalised mean of several of its
  descriptions' embeddings, as CLIP averages a prompt ensemble into a zero-shot classifier, and as
  prototypical networks (Snell et al., NeurIPS 2017) take a class's mean). A batch of 64 windows from 77
  activities rarely holds "walking upstairs" beside "walking downstairs"; the prototype term puts every
  window against every activity in every step.

When equal texts get identical features (a frozen, cached or otherwise deterministic text tower), twin
columns of the logit matrix are the same column, and the soft targets give exactly plain CLIP's loss and
gradients: CLIP already treats exact duplicates as one text, up to a constant ``log |P_i|``. The targets
change training only where the features of equal texts differ (dropout in a trained tower), or where ids
group different texts (e.g. paraphrases of one clip's description).
"""
from __future__ import annotations

import torch
import torch.distributed as dist
import torch.nn.functional as F


def gather_features(
    imu_features: torch.Tensor, text_features: torch.Tensor, text_ids: torch.Tensor | None = None
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
    """The features (and text ids) of all processes, concatenated in rank order along dim 0.

    Outside ``torch.distributed`` (or with one process) the inputs come back unchanged. Otherwise each
    process gathers everyone's tensors and puts its own back in its slice, so gradients flow into the
    local features and the loss on the global batch is computed identically in every process (open_clip's
    ``gather_with_grad=False, local_loss=False``). Each process's backward then yields exactly the gradient
    of the global loss with respect to its own features; DDP's averaging over processes divides encoder
    gradients by the world size, while a parameter every process uses whole, such as the temperature,
    keeps its full gradient (AdamW is insensitive to that constant factor). Local batches may differ in
    size between processes (a last, partial batch).
    """
    if not (dist.is_available() and dist.is_initialized()) or dist.get_world_size() == 1:
        return imu_features, text_features, text_ids
    sizes = _gathered_sizes(imu_features.shape[0], imu_features.device)
    ids = None if text_ids is None else _all_gather(text_ids, sizes)
    return _all_gather(imu_features, sizes), _all_gather(text_features, sizes), ids


def clip_loss(
    imu_features: torch.Tensor,
    text_features: torch.Tensor,
    logit_scale: torch.Tensor | float,
    text_ids: torch.Tensor | None = None,
) -> torch.Tensor:
    """Symmetric InfoNCE over a (global) batch: the mean of the IMU->text and text->IMU cross-entropies.

    Args:
        imu_features: (N, D) IMU embeddings; L2-normalised here, so logits are scaled cosine similarities.
        text_features: (N, D) embeddings of the samples' descriptions; normalised here too.
        logit_scale: the multiplier of the similarities, CLIP's ``exp(t)`` (the caller clamps it).
        text_ids: (N,) integers, equal exactly where the descriptions are equal; None treats all texts as
            distinct (plain CLIP). Row i's target is then ``1 / |P_i|`` on every sample of ``P_i``, the
            samples whose id equals i's (i included), in both directions.
    """
    imu = F.normalize(imu_features, dim=-1)
    text = F.normalize(text_features, dim=-1)
    logits = logit_scale * imu @ text.T  # (N, N): IMU rows, text columns
    if text_ids is None:
        targets = torch.arange(logits.shape[0], device=logits.device)
    else:
        same = (text_ids[:, None] == text_ids[None, :]).to(logits.dtype)
        targets = same / same.sum(dim=1, keepdim=True)  # symmetric: serves both directions
    return 0.5 * (F.cross_entropy(logits, targets) + F.cross_entropy(logits.T, targets))


def imu_to_text_loss(
    imu_features: torch.Tensor,
    text_features: torch.Tensor,
    logit_scale: torch.Tensor | float,
    text_ids: torch.Tensor | None = None,
    temperature: float = 1.0,
) -> torch.Tensor:
    """One-way InfoNCE, IMU rows against text columns only: the UniMTS reference's objective.

    Its ``pretrain.py`` computes ``F.cross_entropy(logits_per_imu / args.temperature, arange(N))`` with
    ``logits_per_imu = logit_scale.exp() * cos(imu, text)`` (CLIP's unclamped, trainable scale) and
    ``temperature`` 0.1; the text->IMU direction is never used. Here ``logit_scale`` is the multiplier already
    exponentiated (the caller decides whether to clamp), ``temperature`` divides the logits, and ``text_ids``
    (None: plain ``arange`` targets, as the reference) spreads each row's target over equal texts as
    :func:`clip_loss` does.
    """
    imu = F.normalize(imu_features, dim=-1)
    text = F.normalize(text_features, dim=-1)
    logits = logit_scale * imu @ text.T / temperature
    if text_ids is None:
        targets = torch.arange(logits.shape[0], device=logits.device)
    else:
        same = (text_ids[:, None] == text_ids[None, :]).to(logits.dtype)
        targets = same / same.sum(dim=1, keepdim=True)
    return F.cross_entropy(logits, targets)


def class_prototypes(text_features: torch.Tensor, classes: torch.Tensor, num_classes: int) -> torch.Tensor:
    """(num_classes, D) unit vectors: the normalised mean of the normalised ``text_features`` (M, D) of each
    class; ``classes`` (M,) gives each row's class in ``[0, num_classes)``. Every class needs a row."""
    text = F.normalize(text_features, dim=-1)
    sums = text.new_zeros((num_classes, text.shape[1])).index_add(0, classes, text)
    return F.normalize(sums, dim=-1)


def prototype_loss(imu_features: torch.Tensor, prototypes: torch.Tensor, logit_scale: torch.Tensor | float,
                   labels: torch.Tensor) -> torch.Tensor:
    """Cross-entropy of each window's scaled cosine similarities to all class ``prototypes`` (K, D) against
    its class ``labels`` (N,); rows labelled -1 (no class) are left out; 0 when none is labelled."""
    known = labels >= 0
    if not bool(known.any()):
        return imu_features.sum() * 0.0  # keeps the graph (and DDP's gradient hooks) intact
    imu = F.normalize(imu_features[known], dim=-1)
    return F.cross_entropy(logit_scale * imu @ prototypes.T, labels[known])


def _gathered_sizes(size: int, device: torch.device) -> list[int]:
    """Every process's local batch size, in rank order."""
    local = torch.tensor([size], device=device)
    sizes = [torch.zeros_like(local) for _ in range(dist.get_world_size())]
    dist.all_gather(sizes, local)
    return [int(s) for s in sizes]


def _all_gather(tensor: torch.Tensor, sizes: list[int]) -> torch.Tensor:
    """Concatenation of every process's ``tensor`` (first dims ``sizes``), this process's own in place."""
    largest = max(sizes)
    padded = tensor.detach()
    if tensor.shape[0] < largest:
        padded = torch.cat((padded, padded.new_zeros((largest - tensor.shape[0], *tensor.shape[1:]))))
    pieces = [torch.empty_like(padded) for _ in sizes]
    dist.all_gather(pieces, padded.contiguous())
    pieces = [piece[:size] for piece, size in zip(pieces, sizes)]
    pieces[dist.get_rank()] = tensor
    return torch.cat(pieces)
