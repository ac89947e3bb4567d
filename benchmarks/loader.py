"""Load a split of an evaluation dataset, validated, as series at their original rate with class ids.

The released layout of the UniMTS benchmarks (Zhang et al., NeurIPS 2024) is one folder per dataset::

    DIR/X_train.npy  y_train.npy  X_test.npy  y_test.npy  DIR.json

``X`` is (series, time, channels) in the stored units and the original rate, ``y`` the class ids, and
``DIR.json`` ``{"label_dictionary": {"0": ["stand", ...synonyms], ...}}`` names the classes; it is
authoritative for label names. Arrays are memory-mapped, so a large test set is read as it is prepared.
BasicMotions comes from aeon's bundled copy through aeon's own loader (no download); HAPT from its raw
recordings through :mod:`benchmarks.hapt`. Custom data uses the
same checks through :func:`load_arrays`.

Everything wrong with the input raises :class:`skeletons.errors.InputError` naming the file: a missing
file, X and y of different lengths, label ids without a description, too few channels for the placements,
non-finite values.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from skeletons.errors import InputError

from .registry import BASIC_MOTIONS_CLASSES, Dataset

SPLITS = ("train", "test")
#: Bytes of X scanned at a time for non-finite values.
_SCAN_BYTES = 64 << 20


@dataclass(frozen=True)
class BenchmarkSplit:
    """One split of a dataset, ready for :func:`benchmarks.prepare.prepare_split`.

    Attributes:
        dataset: the registry entry (placements, rate, gravity).
        split: "train" or "test".
        x: (N, T, C) series in stored units at ``dataset.rate_hz``; possibly a read-only memory map.
        y: (N,) int64 class ids (keys of ``labels``).
        labels: class id -> descriptions (synonyms), ordered by id; score columns follow this order.
        source: where the series came from, for messages and reports.
    """

    dataset: Dataset
    split: str
    x: np.ndarray
    y: np.ndarray
    labels: dict[int, list[str]]
    source: str

    @property
    def class_ids(self) -> list[int]:
        return list(self.labels)

    @property
    def descriptions(self) -> list[list[str]]:
        """The synonyms of each class, in column order."""
        return list(self.labels.values())

    @property
    def targets(self) -> np.ndarray:
        """(N,) int64 column index of each series' class (equal to ``y`` when ids run 0..K-1)."""
        return np.searchsorted(np.asarray(self.class_ids), self.y).astype(np.int64)


def read_label_dictionary(path: str | os.PathLike) -> dict[int, list[str]]:
    """Class id -> descriptions from ``{"label_dictionary": {"0": ["stand", ...]}}`` or a plain ``{"0": [...]}``.

    A description may be one string or a list of synonyms. The result is ordered by class id.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(path, "missing: the label file maps class ids to descriptions")
    try:
        content = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise InputError(path, f"not valid JSON ({error})") from None
    mapping = content.get("label_dictionary", content) if isinstance(content, dict) else None
    if not isinstance(mapping, dict) or not mapping:
        raise InputError(path, 'expected {"label_dictionary": {"0": ["description", ...], ...}}')
    labels: dict[int, list[str]] = {}
    for key, value in mapping.items():
        try:
            class_id = int(key)
        except ValueError:
            raise InputError(path, f"label id {key!r} is not an integer") from None
        synonyms = [value] if isinstance(value, str) else value
        if not (isinstance(synonyms, list) and synonyms
                and all(isinstance(s, str) and s.strip() for s in synonyms)):
            raise InputError(path, f"label {key}: expected a description or a list of descriptions, got {value!r}")
        labels[class_id] = [s.strip() for s in synonyms]
    return dict(sorted(labels.items()))


def load_npy(path: str | os.PathLike, what: str) -> np.ndarray:
    """A .npy array, memory-mapped; InputError naming the file when it is missing or unreadable."""
    path = Path(path)
    if not path.is_file():
        raise InputError(path, f"missing: expected the {what} as a .npy file")
    try:
        return np.load(path, mmap_mode="r", allow_pickle=False)
    except (ValueError, OSError) as error:
        raise InputError(path, f"not a readable .npy array ({error})") from None


def _check_finite(x: np.ndarray, path: str) -> None:
    step = max(1, _SCAN_BYTES // max(1, x[0].nbytes))  # series per scan
    for start in range(0, len(x), step):
        bad = ~np.isfinite(x[start:start + step])
        if bad.any():
            series = start + int(np.argwhere(bad)[0][0])
            raise InputError(path, f"non-finite values (NaN or inf), first in series {series}")


def validate_split(dataset: Dataset, split: str, x: np.ndarray, y: np.ndarray, labels: dict[int, list[str]], *,
                   x_source: str, y_source: str, labels_source: str, channels: int | None = None) -> BenchmarkSplit:
    """Check series, ids and descriptions against each other and the placements; the validated split.

    ``channels`` demands exactly that many channels (custom data); by default X must have at least the
    channels the placements read (released arrays may hold more, e.g. UCI-HAR's body_acc).
    """
    if x.ndim != 3 or not np.issubdtype(x.dtype, np.number) or np.issubdtype(x.dtype, np.complexfloating):
        raise InputError(x_source, f"expected real numbers shaped (series, time, channels), got {x.dtype} "
                                   f"{tuple(x.shape)}")
    if len(x) == 0 or x.shape[1] == 0:
        raise InputError(x_source, f"no data: shape {tuple(x.shape)}")
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1 or not (np.issubdtype(y.dtype, np.integer)
                           or (np.issubdtype(y.dtype, np.floating) and np.all(np.mod(y, 1) == 0))):
        raise InputError(y_source, f"expected one integer class id per series, got {y.dtype} {tuple(y.shape)}")
    if len(y) != len(x):
        raise InputError(y_source, f"{len(y)} labels for {len(x)} series in {Path(x_source).name}")
    y = np.asarray(y, dtype=np.int64)
    unknown = sorted(set(np.unique(y).tolist()) - set(labels))
    if unknown:
        raise InputError(labels_source, f"no description for label ids {unknown[:10]} found in "
                                        f"{Path(y_source).name}")
    if channels is None:
        wrong, relation, needed = x.shape[2] < dataset.channels_needed, "at least", dataset.channels_needed
    else:
        wrong, relation, needed = x.shape[2] != channels, "exactly", channels
    if wrong:
        raise InputError(x_source, f"{x.shape[2]} channels, but the placements on {', '.join(dataset.joint_names)} "
                                   f"need {relation} {needed}")
    _check_finite(x, x_source)
    return BenchmarkSplit(dataset=dataset, split=split, x=x, y=y, labels=labels, source=x_source)


def load_arrays(dataset: Dataset, x_path: str | os.PathLike, y_path: str | os.PathLike,
                labels_path: str | os.PathLike, split: str = "test") -> BenchmarkSplit:
    """A split from ``X.npy``, ``y.npy`` and a label file, validated (see :func:`validate_split`)."""
    x = load_npy(x_path, "series (series, time, channels)")
    y = np.asarray(load_npy(y_path, "class ids (series,)"))
    labels = read_label_dictionary(labels_path)
    return validate_split(dataset, split, x, y, labels, x_source=os.fspath(x_path), y_source=os.fspath(y_path),
                          labels_source=os.fspath(labels_path))


def dataset_folder(dataset: Dataset, root: str | os.PathLike) -> Path:
    return Path(root) / dataset.dir


def is_present(dataset: Dataset, root: str | os.PathLike) -> bool:
    """Whether the dataset can be loaded: aeon's bundled data always; released data when its folder exists."""
    if dataset.source == "hapt":
        from .hapt import find_file

        return find_file(root) is not None
    return dataset.source == "aeon" or dataset_folder(dataset, root).is_dir()


def load_released(dataset: Dataset, root: str | os.PathLike, split: str = "test") -> BenchmarkSplit:
    """``split`` of a dataset in the released layout under ``root`` (``root/DIR/X_split.npy`` ...)."""
    folder = dataset_folder(dataset, root)
    if not folder.is_dir():
        raise InputError(folder, f"missing: no folder for {dataset.name} under the data root; the 18 datasets come "
                                 "from UniMTS's processed release (github.com/xiyuanzh/UniMTS, 'Download the processed "
                                 "evaluation data'); see the README's data recipes")
    return load_arrays(dataset, folder / f"X_{split}.npy", folder / f"y_{split}.npy", folder / f"{dataset.dir}.json",
                       split=split)


def load_basic_motions(dataset: Dataset, split: str = "test") -> BenchmarkSplit:
    """BasicMotions from the copy inside the aeon wheel, via aeon's loader (offline), as (N, 100, 6)."""
    from aeon.datasets import load_basic_motions as aeon_load

    x, names = aeon_load(split=split)  # (N, channels, time), class strings
    lookup = {name: i for i, name in enumerate(BASIC_MOTIONS_CLASSES)}
    y = np.array([lookup[str(name).lower()] for name in names], dtype=np.int64)
    labels = {i: list(synonyms) for i, synonyms in enumerate(dataset.labels)}
    source = f"aeon:BasicMotions_{split.upper()}"
    return validate_split(dataset, split, np.ascontiguousarray(x.transpose(0, 2, 1)), y, labels,
                          x_source=source, y_source=source, labels_source=source)


def load_split(dataset: Dataset, root: str | os.PathLike, split: str = "test") -> BenchmarkSplit:
    """``split`` ("train" or "test") of a registered dataset, from wherever its source keeps it."""
    if split not in SPLITS:
        raise InputError(None, f"unknown split {split!r}; known: {', '.join(SPLITS)}")
    if dataset.source == "aeon":
        return load_basic_motions(dataset, split)
    if dataset.source == "hapt":
        from .hapt import load_hapt

        return load_hapt(dataset, root, split)
    return load_released(dataset, root, split)
