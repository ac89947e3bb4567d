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

Activities: where the corpus names each clip's activity (the procedural library does), a batch also carries
each row's activity as an index into the corpus's sorted activity names (-1 for a clip without one), and
:func:`activity_bank` picks a fixed set of descriptions per activity for ``pretrain.loss.prototype_loss``.
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
    """Item ``k`` is batch ``k`` of one epoch for one process: ``{"imu", "mask", "texts", "index", "activity"}``.

    imu: float32 (B, window, 22, C); mask: float32 of the same shape (0 past a short clip's end); texts: list[str] of B
    descriptions; index: int64 (B,) corpus rows; activity: int64 (B,) index into :func:`activity_names` (-1 for
    none, and everywhere when the corpus has no activity column). ``batch_size`` is per process; the global batch is
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
        self.activity = activity_indices(corpus)

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
            "activity": torch.from_numpy(self.activity[rows]),
        }


def activity_names(corpus) -> list[str]:
    """The distinct activity names of a loaded corpus, sorted; empty without an ``activity`` column."""
    if "activity" not in corpus.column_names:
        return []
    return sorted({name for name in corpus["activity"] if name})


def activity_indices(corpus) -> np.ndarray:
    """int64 (rows,): each row's index into :func:`activity_names`, -1 where it names none."""
    names = activity_names(corpus)
    if not names:
        return np.full(len(corpus), -1, dtype=np.int64)
    lookup = {name: k for k, name in enumerate(names)}
    return np.array([lookup.get(name, -1) if name else -1 for name in corpus["activity"]], dtype=np.int64)


@dataclass(frozen=True)
class ActivityBank:
    """Descriptions standing for each activity: ``texts[m]`` describes activity ``classes[m]`` of ``names``."""

    names: tuple[str, ...]
    texts: tuple[str, ...]
    classes: np.ndarray  # int64 (M,)


def activity_bank(corpus_path: str, per_activity: int, seed: int = 0) -> ActivityBank | None:
    """Up to ``per_activity`` distinct descriptions of each activity of the corpus, drawn with ``seed`` from
    all its clips' descriptions; None when the corpus names no activities."""
    corpus = load_corpus(corpus_path)
    names = activity_names(corpus)
    if not names:
        return None
    pool: dict[str, set[str]] = {name: set() for name in names}
    for texts, name in zip(corpus["texts"], corpus["activity"]):
        if name:
            pool[name].update(texts)
    rng = np.random.default_rng(seed)
    texts, classes = [], []
    for k, name in enumerate(names):
        described = sorted(pool[name])
        if not described:
            raise InputError(corpus_path, f"activity {name!r} has no description")
        chosen = rng.choice(len(described), size=min(per_activity, len(described)), replace=False)
        texts.extend(described[i] for i in sorted(chosen))
        classes.extend([k] * len(chosen))
    return ActivityBank(tuple(names), tuple(texts), np.array(classes, dtype=np.int64))


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
