"""Which training series a few-shot run sees: k per class, and the part of them held out for early stopping.

The UniMTS few-shot protocol (Zhang et al., NeurIPS 2024, Sec. 4.3) trains on k labelled series per class
of a benchmark's training split (k = 1, 2, 3, 5, 10) and tests on the whole test split; the paper ships
fixed index files. Here the indices are drawn, reproducibly:

* a ``numpy`` generator is seeded from a SHA-256 hash of ``(dataset name, seed)`` (:func:`stable_seed`, never
  Python's salted ``hash``), and draws one random order of each class's training series, classes in
  column order;
* the k shots of a class are the first k of its order, so the shots for k are a subset of those for any
  larger k with the same seed (learning curves over k compare nested training sets, not new draws);
* a class with fewer than k training series gives all it has (:attr:`Selection.shots_per_class` says so);
* ``k=None`` takes every training series (full-shot), in the same seeded orders;
* when every class has at least ``min_validation_shots`` shots, the last ``floor(fraction * n)`` shots of
  each class's order (at least one) are held out for early stopping; otherwise nothing is.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

#: Hold out a validation part only when every class has at least this many shots.
MIN_VALIDATION_SHOTS = 5
#: The fraction of each class's shots held out then (stratified).
VALIDATION_FRACTION = 0.2


def stable_seed(*parts: object) -> int:
    """A 63-bit seed from the text of ``parts``: the same in every process and on every machine."""
    digest = hashlib.sha256("\x1f".join(str(part) for part in parts).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "little") >> 1


@dataclass(frozen=True)
class Selection:
    """The training series of one (dataset, k, seed) run, as indices into the training split.

    Attributes:
        train: indices the model is fitted on (class by class, in each class's drawn order).
        validation: indices held out for early stopping (empty when the shots are too few).
        shots_per_class: shots of each class (train + validation), in column order.
    """

    train: np.ndarray
    validation: np.ndarray
    shots_per_class: list[int]

    @property
    def shots(self) -> np.ndarray:
        """Every selected index: train then validation."""
        return np.concatenate([self.train, self.validation])

    def to_json(self) -> dict[str, list[int]]:
        return {"train": self.train.tolist(), "validation": self.validation.tolist()}


def class_orders(targets: np.ndarray, num_classes: int, dataset: str, seed: int) -> list[np.ndarray]:
    """For each class column, its training-series indices in the random order of ``(dataset, seed)``."""
    targets = np.asarray(targets)
    rng = np.random.default_rng(stable_seed(dataset, seed))
    return [rng.permutation(np.flatnonzero(targets == column)) for column in range(num_classes)]


def select_shots(targets: np.ndarray, num_classes: int, k: int | None, dataset: str, seed: int, *,
                 validation_fraction: float = VALIDATION_FRACTION,
                 min_validation_shots: int = MIN_VALIDATION_SHOTS) -> Selection:
    """k shots per class (all series when ``k`` is None) of a training split with class columns ``targets``.

    See the module docstring for the rule; ``dataset`` is the dataset's name (any stable identifier).
    """
    if k is not None and k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    shots = [order if k is None else order[:k] for order in class_orders(targets, num_classes, dataset, seed)]
    counts = [len(s) for s in shots]
    hold_out = [0] * num_classes
    if min(counts) >= max(1, min_validation_shots):
        hold_out = [max(1, int(validation_fraction * count)) for count in counts]
    train = np.concatenate([s[: len(s) - held] for s, held in zip(shots, hold_out)]).astype(np.int64)
    validation = np.concatenate([s[len(s) - held:] for s, held in zip(shots, hold_out)]).astype(np.int64)
    return Selection(train=train, validation=validation, shots_per_class=counts)
