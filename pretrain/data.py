"""Batches from a simulated-IMU corpus, deterministic and resumable.

The corpus (``simulate.corpus``) is a memory-mapped Hugging Face dataset; nothing is loaded whole.
Clips without a description are left out. An epoch is a permutation of the rows seeded by
(seed, epoch); batch ``k`` of an epoch is always the same rows, the same description drawn for each,
and the same window, so a run resumes exactly from (epoch, batch). Under data parallelism each
process takes its share of every global batch.

Windows: a clip longer than the window is cropped at a random offset (``crop="start"``: its first frames, as
the UniMTS reference takes ``imu[:200]``); a shorter one is zero-padded at
the end with mask 0 there, so the augmenter can remove gravity from the real samples first and then
wrap-pad (``pretrain.augment.crop_or_wrap``, as UniMTS pads) on the training device.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from simulate.corpus import load_corpus
from skeletons.errors import InputError


def crop(length: int, window: int, rng: np.random.Generator, mode: str = "random") -> slice:
    """A random ``window``-long span of a clip of ``length`` frames (the whole clip when shorter); ``mode``
    ``start`` takes the first ``window`` frames."""
    if length <= window or mode == "start":
        return slice(0, min(length, window))
    start = int(rng.integers(0, length - window + 1))
    return slice(start, start + window)


@dataclass
class EpochBatches(torch.utils.data.Dataset):
    """Item ``k`` is batch ``k`` of one epoch for one process: ``{"imu", "mask", "texts", "index"}``.

    imu: float32 (B, window, 22, C); mask: float32 of the same shape (0 past a short clip's end); texts: list[str] of B
    descriptions; index: int64 (B,) corpus rows. ``batch_size`` is per process; the global batch is
    ``batch_size * world_size`` rows, of which process ``rank`` takes every ``world_size``-th.
    """

    corpus_path: str
    batch_size: int
    window: int
    seed: int
    epoch: int
    channels: int = 6
    rank: int = 0
    world_size: int = 1
    crop: str = "random"

    def __post_init__(self) -> None:
        self._rows = None
        corpus = load_corpus(self.corpus_path)
        described = np.flatnonzero([len(texts) > 0 for texts in corpus["texts"]])
        if len(described) == 0:
            raise InputError(self.corpus_path, "no clip in the corpus has a description to train on")
        self.num_rows = len(described)
        order = described[np.random.default_rng([self.seed, self.epoch]).permutation(self.num_rows)]
        global_batch = self.batch_size * self.world_size
        self.num_batches = self.num_rows // global_batch
        self.order = order[: self.num_batches * global_batch].reshape(self.num_batches, global_batch)

    def _corpus(self):
        if self._rows is None:  # opened lazily so the dataset pickles cheaply into loader workers
            self._rows = load_corpus(self.corpus_path).select_columns(["imu", "texts"]).with_format("numpy")
        return self._rows

    def __len__(self) -> int:
        return self.num_batches

    def __getitem__(self, batch: int) -> dict:
        rows = self.order[batch, self.rank :: self.world_size]
        records = self._corpus()[rows.tolist()]
        imu = np.zeros((len(rows), self.window, 22, self.channels), dtype=np.float32)
        mask = np.ones_like(imu)
        texts = []
        for slot, (row, clip, descriptions) in enumerate(zip(rows, records["imu"], records["texts"])):
            rng = np.random.default_rng([self.seed, self.epoch, int(row)])
            clip = np.asarray(clip, dtype=np.float32)
            span = clip[crop(len(clip), self.window, rng, self.crop), :, : self.channels]
            imu[slot, : len(span)] = span
            mask[slot, len(span) :] = 0.0
            descriptions = list(descriptions)
            texts.append(descriptions[int(rng.integers(len(descriptions)))])
        return {
            "imu": torch.from_numpy(imu),
            "mask": torch.from_numpy(mask),
            "texts": texts,
            "index": torch.from_numpy(rows.astype(np.int64)),
        }


def batch_loader(batches: EpochBatches, start: int = 0, num_workers: int = 0) -> torch.utils.data.DataLoader:
    """Batches ``start, start + 1, ...`` of an epoch, loaded in ``num_workers`` background processes."""
    return torch.utils.data.DataLoader(
        batches,
        batch_size=None,
        sampler=range(start, len(batches)),
        num_workers=num_workers,
        persistent_workers=False,
        collate_fn=None,
    )
