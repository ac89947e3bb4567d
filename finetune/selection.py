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
  each class's order (at least one) are held out for early stopping; otherwise nothing is. Reports name such a
  row ``k=5 (4 train + 1 validation)`` (:func:`shots_label`).

The reference's own shots (``--protocol unimts``): :func:`released_selection` reads its released index file
``ROOT/few_shot_data_2/{dataset}_k={k}.pth`` and trains on every row it names.
"""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from skeletons.errors import InputError

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


#: Where the UniMTS release keeps its few-shot indices, under the data root (its ``data.py``'s ``select_samples``).
RELEASED_FOLDER = "few_shot_data_2"


def released_index_path(data_root: str | os.PathLike, dataset_dir: str, k: int) -> Path:
    """``ROOT/few_shot_data_2/{dataset}_k={k}.pth``: the reference's index file of one dataset and k."""
    return Path(data_root) / RELEASED_FOLDER / f"{dataset_dir}_k={k}.pth"


def _flat_rows(value: Any, path: Path) -> list[int]:
    """Every row index in a tensor, array, or (nested) list/tuple of them, in order."""
    import torch

    if isinstance(value, torch.Tensor):
        if value.is_floating_point() or value.is_complex() or value.dtype == torch.bool:
            raise InputError(path, f"index tensors must hold integers, got {value.dtype}")
        return [int(v) for v in value.reshape(-1).tolist()]
    if isinstance(value, np.ndarray) and np.issubdtype(value.dtype, np.integer):
        return [int(v) for v in value.reshape(-1)]
    if isinstance(value, (list, tuple)):
        return [row for item in value for row in _flat_rows(item, path)]
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return [int(value)]
    raise InputError(path, f"expected row indices (a tensor, or a list of per-class tensors), got "
                           f"{type(value).__name__}")


def released_selection(path: str | os.PathLike, targets: np.ndarray, num_classes: int) -> Selection:
    """The training rows a released index file names, all for training (the reference holds none out).

    The file holds what the reference's ``select_samples`` reads with ``torch.load``: a list with one tensor of
    row indices per class (classes in ascending label order), or one tensor of rows; either way the rows are
    indices into the training split, taken in the file's order. Read with ``torch.load(weights_only=True)``:
    nothing is unpickled beyond tensors and plain containers. InputError naming the file when it is absent,
    unreadable, or names a row outside the split.
    """
    import pickle

    import torch

    path = Path(path)
    if not path.is_file():
        raise InputError(path, "missing: the released few-shot index file (from UniMTS's data release, under "
                               f"DATA_ROOT/{RELEASED_FOLDER}/); pass --shots drawn, or --draw-missing-shots, to use "
                               "our seeded draws instead")
    try:
        value = torch.load(path, map_location="cpu", weights_only=True)
    except (pickle.UnpicklingError, RuntimeError, OSError, EOFError, ValueError) as error:
        raise InputError(path, f"not a readable index file ({str(error).splitlines()[0]})") from None
    rows = np.asarray(_flat_rows(value, path), dtype=np.int64)
    targets = np.asarray(targets)
    if len(rows) == 0:
        raise InputError(path, "holds no row index")
    bad = rows[(rows < 0) | (rows >= len(targets))]
    if len(bad):
        raise InputError(path, f"row {int(bad[0])} lies outside the training split's {len(targets)} series")
    counts = np.bincount(targets[rows], minlength=num_classes).tolist()
    return Selection(train=rows, validation=np.zeros(0, np.int64), shots_per_class=[int(c) for c in counts])


def shots_label(k: int | None, selection: Selection, targets: np.ndarray, held_out: bool = True) -> str:
    """How a row of results is named honestly: ``k=1``, ``k=5 (4 train + 1 validation)`` where shots are held out
    for early stopping, ``full`` or ``full (train + validation)``. ``held_out`` False: the mode fits on every
    shot (it has no early stopping), so the row is ``k=5`` or ``full`` whatever the selection holds out."""
    base = "full" if k is None else f"k={k}"
    if len(selection.validation) == 0 or not held_out:
        return base
    targets = np.asarray(targets)
    held = np.bincount(targets[selection.validation], minlength=len(selection.shots_per_class))
    trained = np.bincount(targets[selection.train], minlength=len(selection.shots_per_class))
    if len(set(held.tolist())) == 1 and len(set(trained.tolist())) == 1:
        return f"{base} ({int(trained[0])} train + {int(held[0])} validation)"
    return f"{base} ({len(selection.train)} train + {len(selection.validation)} validation series in all)"
