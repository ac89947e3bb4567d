"""The frozen-feature baseline: a logistic regression on the pooled outputs of an encoder's early blocks.

Contract
--------
:func:`pooled_blocks` runs a bare motion encoder (an ST-GCN, :class:`pretrain.stgcn.STGCN`) once over
prepared windows (N, T, 22, 6) and returns the pooled features of its last block (what the projection reads)
and the pooled outputs of its first ``blocks`` blocks, concatenated. :func:`probe_scores` fits a logistic
regression (scikit-learn, L2 with C = 1, features standardised on the training windows) and scores other
windows. :func:`early_probe_scores` puts the two together: the ``early`` and ``random-early`` modes of
:func:`finetune.run.run_finetune`. Nothing trains inside the encoder, so a run is deterministic and takes
seconds on a CPU.

Why the early blocks: the contrastive objective shapes an encoder's deep blocks towards the descriptions it
was trained on and, under the upright-rotation augmentation, makes them ignore small tilts, while the first
blocks keep more of the signal (the direction of gravity, which separates postures at the waist). On HAPT's
training subjects the cpu-small encoder's first two blocks probe at k = 5 to 0.851 against 0.786 from its
output, and above fine-tuning the whole network on the same shots (0.74-0.78; README, "Probing the early
blocks"). Reading more than the last layer is the usual probe of a pretrained network (SUPERB, Yang et al.,
Interspeech 2021); a linear probe on frozen features is the evaluation of CLIP's representations (Radford
et al., ICML 2021).

Encoders without blocks (the language-model core) have no early features: :func:`pooled_blocks` returns
None in their place and :func:`early_probe_scores` raises ValueError.
"""
from __future__ import annotations

import numpy as np
import torch

from .data import Windows

#: Blocks read by default: 2 of cpu-small's 5, chosen on HAPT's training subjects (README, "Probing the early
#: blocks").
EARLY_BLOCKS = 2
#: The logistic regression's inverse L2 strength and iteration cap.
PROBE_C = 1.0
PROBE_MAX_ITER = 2000


def random_encoder(model, seed: int) -> torch.nn.Module:
    """``model``'s motion encoder (a :class:`pretrain.MotionTextModel`) freshly initialised from ``seed``, in
    eval mode: nothing of the checkpoint but its shape (the text tower is not built)."""
    from pretrain.model import build_imu_encoder

    torch.manual_seed(seed)
    return build_imu_encoder(model.config.get("encoder", "stgcn"), model.channels,
                             dict(model.config["imu_encoder"])).eval()


def has_blocks(encoder: torch.nn.Module) -> bool:
    """Whether ``encoder`` exposes its blocks' pooled outputs (``block_features``), as the ST-GCN does."""
    return callable(getattr(encoder, "block_features", None))


@torch.inference_mode()
def pooled_blocks(encoder: torch.nn.Module, channels: int, imu: np.ndarray, mask: np.ndarray, blocks: int,
                  batch_size: int = 256) -> tuple[np.ndarray, np.ndarray | None]:
    """``(last, early)`` float32: the encoder's pooled features (N, width) and its first ``blocks`` blocks'
    pooled outputs concatenated (N, sum of their widths), in one pass over the windows, reading their first
    ``channels`` IMU channels; ``early`` is None for an encoder without blocks. Runs under the caller's
    autocast, if any."""
    if blocks < 1:
        raise ValueError(f"blocks must be at least 1, got {blocks}")
    encoder.eval()
    device = next(encoder.parameters(), torch.empty(0)).device
    last, early = [], []
    for start in range(0, len(imu), batch_size):
        x = torch.from_numpy(np.ascontiguousarray(imu[start:start + batch_size, ..., :channels])).to(device)
        m = torch.from_numpy(np.ascontiguousarray(mask[start:start + batch_size, ..., :channels])).to(device)
        if has_blocks(encoder):
            pooled = encoder.block_features(x, m)
            last.append(pooled[-1].float().cpu().numpy())
            early.append(torch.cat(pooled[:blocks], 1).float().cpu().numpy())
        else:
            last.append(encoder(x, m).float().cpu().numpy())
    return np.concatenate(last), (np.concatenate(early) if early else None)


def probe_scores(train_features: np.ndarray, train_targets: np.ndarray, test_features: np.ndarray,
                 num_classes: int) -> np.ndarray:
    """(N_test, K) log-probabilities of a logistic regression fitted on standardised ``train_features``;
    classes absent from the training windows score ``-inf``."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    pipeline = make_pipeline(StandardScaler(), LogisticRegression(max_iter=PROBE_MAX_ITER, C=PROBE_C))
    pipeline.fit(train_features, train_targets)
    scores = np.full((len(test_features), num_classes), -np.inf)
    with np.errstate(divide="ignore"):  # a probability that underflows to 0 is a score of -inf
        scores[:, pipeline[-1].classes_] = pipeline.predict_log_proba(test_features)
    return scores


def early_features(encoder: torch.nn.Module, channels: int, windows: Windows, blocks: int = EARLY_BLOCKS,
                   batch_size: int = 256) -> np.ndarray:
    """(N, features) pooled outputs of the first ``blocks`` blocks of ``encoder`` over ``windows``;
    ValueError for an encoder without blocks."""
    if not has_blocks(encoder):
        raise ValueError(f"{type(encoder).__name__} has no blocks to probe; the early probe needs an ST-GCN")
    return pooled_blocks(encoder, channels, windows.imu, windows.mask, blocks, batch_size)[1]


def early_probe_scores(encoder: torch.nn.Module, channels: int, train: Windows, test: Windows, num_classes: int,
                       blocks: int = EARLY_BLOCKS, test_features: np.ndarray | None = None) -> np.ndarray:
    """(N_test, K) scores of a logistic regression on the early blocks of the frozen ``encoder``, fitted on
    every ``train`` window. ``test_features`` (:func:`early_features` of ``test``) spares encoding the test
    windows again when one encoder scores them for several fits. ValueError for an encoder without blocks or
    fewer than two training classes."""
    if len(np.unique(train.targets)) < 2:
        raise ValueError("the early probe needs training windows of at least two classes")
    train_features = early_features(encoder, channels, train, blocks)
    if test_features is None:
        test_features = early_features(encoder, channels, test, blocks)
    return probe_scores(train_features, train.targets, test_features, num_classes)
