"""UCI HAPT: the raw waist-phone recordings behind UCI-HAR, cut into UCI-HAR-style windows, split by subject.

The raw recordings of "Smartphone-Based Recognition of Human Activities and Postural Transitions"
(Reyes-Ortiz, Oneto, Samà, Parra, Anguita, Neurocomputing 171, 2016; CC BY 4.0) are kept as one
``hapt.npz`` (no pickle): ``signals`` (N, 6) float32 accelerometer xyz in g with gravity, gyroscope xyz in
rad/s, phone frame, 50 Hz; ``labels`` (N,) int8 activity per sample (1-12, -1 unlabelled); ``offsets``
(recordings + 1,) where each recording starts; ``subjects`` (recordings,) subject ids 1-30. The project
keeps a copy at ``../shared/data/hapt/hapt.npz``; it is never used to train the pretrained model.

UCI-HAR (Anguita et al., ESANN 2013) was cut from the same sessions: windows of 2.56 s (128 samples) with
50 % overlap over the contiguous segments of its six activities, subjects 2, 4, 9, 10, 12, 13, 18, 20, 24
for test and the other 21 for training. :func:`cut_windows` does that cutting on any labelled stream (a
window never crosses a change of label or the end of a recording) and is shared by converters to other
layouts; :func:`load_hapt` returns a validated :class:`benchmarks.loader.BenchmarkSplit`, so the one
preparation path (:mod:`benchmarks.prepare`) turns g into m/s^2 and 50 Hz into the model's rate.

The file is found under a data root as ``ROOT/hapt/hapt.npz`` or ``ROOT/hapt.npz``, or ``ROOT`` may be the
file itself (``--data-root ../shared/data``).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from skeletons.errors import InputError

from .levelling import level_recordings
from .loader import BenchmarkSplit, validate_split
from .registry import Dataset

FILE_NAME = "hapt.npz"
#: UCI-HAR's test subjects (its ``subject_test.txt``); the other 21 of the 30 are its training subjects.
TEST_SUBJECTS = (2, 4, 9, 10, 12, 13, 18, 20, 24)
#: HAPT's activity ids of UCI-HAR's six classes: walking, upstairs, downstairs, sitting, standing, lying.
UCIHAR_ACTIVITIES = (1, 2, 3, 4, 5, 6)
#: UCI-HAR's windows: 2.56 s at 50 Hz, 50 % overlap.
WINDOW_SAMPLES = 128
WINDOW_STEP = 64
_ARRAYS = ("signals", "labels", "offsets", "subjects")


@dataclass(frozen=True)
class Windows:
    """Windows cut from labelled recordings.

    Attributes:
        x: (N, length, channels) float32.
        activity: (N,) the activity id every sample of the window carries.
        recording: (N,) the recording each window comes from.
        start: (N,) its first sample within that recording.
    """

    x: np.ndarray
    activity: np.ndarray
    recording: np.ndarray
    start: np.ndarray


def label_runs(labels: np.ndarray) -> list[tuple[int, int, int]]:
    """``(start, stop, label)`` of each maximal run of equal labels, in order."""
    labels = np.asarray(labels)
    if len(labels) == 0:
        return []
    edges = np.flatnonzero(np.diff(labels)) + 1
    starts = np.concatenate([[0], edges])
    stops = np.concatenate([edges, [len(labels)]])
    return [(int(a), int(b), int(labels[a])) for a, b in zip(starts, stops)]


def cut_windows(signals: np.ndarray, labels: np.ndarray, offsets: np.ndarray, activities: tuple[int, ...],
                length: int = WINDOW_SAMPLES, step: int = WINDOW_STEP,
                recordings: np.ndarray | None = None) -> Windows:
    """Windows of ``length`` samples every ``step`` over each run of one of ``activities``.

    Args:
        signals: (samples, channels) of every recording, one after the other.
        labels: (samples,) the activity of each sample.
        offsets: (recordings + 1,) recording r is ``signals[offsets[r]:offsets[r + 1]]``.
        activities: the activity ids to cut; other samples (transitions, unlabelled) separate runs.
        length, step: window length and hop in samples; a run shorter than ``length`` gives no window.
        recordings: which recordings to cut (default all), in the order given.
    """
    if length < 1 or step < 1:
        raise ValueError(f"length and step must be positive, got {length} and {step}")
    offsets = np.asarray(offsets)
    order = range(len(offsets) - 1) if recordings is None else recordings
    wanted = set(int(a) for a in activities)
    starts, activity, recording = [], [], []
    for r in order:
        begin = int(offsets[r])
        for run_start, run_stop, label in label_runs(labels[begin:int(offsets[r + 1])]):
            if label not in wanted:
                continue
            first = np.arange(run_start, run_stop - length + 1, step)
            starts.append(first)
            activity.append(np.full(len(first), label))
            recording.append(np.full(len(first), r))
    starts = np.concatenate(starts or [np.zeros(0, int)]).astype(np.int64)
    recording = np.concatenate(recording or [np.zeros(0, int)]).astype(np.int64)
    absolute = offsets[recording] + starts
    x = np.asarray(signals)[absolute[:, None] + np.arange(length)].astype(np.float32, copy=False)
    return Windows(x=x, activity=np.concatenate(activity or [np.zeros(0, int)]).astype(np.int64),
                   recording=recording, start=starts)


def find_file(root: str | os.PathLike) -> Path | None:
    """``hapt.npz`` under ``root`` (``root/hapt/hapt.npz``, ``root/hapt.npz``, or ``root`` itself); None."""
    root = Path(root)
    for candidate in (root, root / "hapt" / FILE_NAME, root / FILE_NAME):
        if candidate.is_file() and candidate.suffix == ".npz":
            return candidate
    return None


def read_recordings(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """The arrays of ``hapt.npz``, checked for consistency; InputError naming the file otherwise."""
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as archive:
            missing = [name for name in _ARRAYS if name not in archive.files]
            if missing:
                raise InputError(path, f"not a HAPT archive: no {', '.join(missing)}")
            arrays = {name: archive[name] for name in _ARRAYS}
    except (OSError, ValueError) as error:
        raise InputError(path, f"not a readable .npz archive ({error})") from None
    signals, labels, offsets, subjects = (arrays[name] for name in _ARRAYS)
    if signals.ndim != 2 or signals.shape[1] != 6:
        raise InputError(path, f"signals must be (samples, 6), got {signals.shape}")
    if labels.shape != (len(signals),):
        raise InputError(path, f"{labels.shape} labels for {len(signals)} samples")
    if (offsets.ndim != 1 or len(offsets) != len(subjects) + 1 or offsets[0] != 0
            or offsets[-1] != len(signals) or np.any(np.diff(offsets) < 0)):
        raise InputError(path, f"offsets must rise from 0 to {len(signals)} with one more entry than subjects")
    return arrays


def split_subjects(split: str) -> tuple[int, ...]:
    """UCI-HAR's ``split`` ("train" or "test") subjects, ascending."""
    return TEST_SUBJECTS if split == "test" else tuple(s for s in range(1, 31) if s not in TEST_SUBJECTS)


def split_recordings(subjects: np.ndarray, split: str, only: tuple[int, ...] | None = None) -> np.ndarray:
    """The recordings of UCI-HAR's ``split`` ("train" or "test") subjects, or of those among them in ``only``."""
    wanted = split_subjects(split) if only is None else tuple(s for s in split_subjects(split) if s in only)
    return np.flatnonzero(np.isin(subjects, wanted))


def load_hapt(dataset: Dataset, root: str | os.PathLike, split: str = "test",
              subjects: tuple[int, ...] | None = None, level: bool = True) -> BenchmarkSplit:
    """UCI-HAR-style windows of HAPT's ``split`` subjects (class ids 0-5 in UCI-HAR's order); ``subjects``
    keeps only those of the split's subjects (e.g. half the training subjects, to choose settings on the
    other half). ``level`` turns each recording so that its gait reads gravity along the placement's up
    axis (:func:`benchmarks.levelling.level_recordings`; no label is read); False keeps the phone frame
    as recorded."""
    path = find_file(root)
    if path is None:
        raise InputError(Path(root) / "hapt" / FILE_NAME,
                         "missing: the raw UCI HAPT recordings (the project keeps them in ../shared/data/hapt/; "
                         "pass --data-root ../shared/data)")
    arrays = read_recordings(path)
    recordings = split_recordings(arrays["subjects"], split, subjects)
    signals = arrays["signals"]
    placement = dataset.placements[0]
    if level and placement.up is not None:
        try:
            signals = level_recordings(signals, arrays["offsets"], placement.up, WINDOW_SAMPLES, WINDOW_STEP,
                                       placement.acc, placement.gyro, recordings)
        except ValueError as error:
            raise InputError(path, f"cannot level on its gait: {error}") from None
    windows = cut_windows(signals, arrays["labels"], arrays["offsets"], UCIHAR_ACTIVITIES, recordings=recordings)
    if len(windows.x) == 0:
        raise InputError(path, f"no {WINDOW_SAMPLES}-sample window of activities 1-6 among the {split} subjects")
    y = np.searchsorted(np.asarray(UCIHAR_ACTIVITIES), windows.activity).astype(np.int64)
    labels = {i: list(synonyms) for i, synonyms in enumerate(dataset.labels)}
    source = os.fspath(path)
    return validate_split(dataset, split, windows.x, y, labels, x_source=source, y_source=source,
                          labels_source=source)
