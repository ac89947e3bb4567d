"""UCI-HAR from the raw UCI HAPT recordings, in the released UCIHAR folder layout the registry reads.

    python -m benchmarks.ucihar --input ../shared/data/hapt --output data/benchmarks/UCIHAR

Contract: :func:`convert` reads the raw HAPT sessions (Reyes-Ortiz et al., Neurocomputing 171, 2016; CC BY 4.0)
either as a user downloads them (a folder holding ``RawData/acc_expEE_userUU.txt``, ``gyro_expEE_userUU.txt`` and
``labels.txt``) or as ``hapt.npz`` (``../shared/data/hapt``, the same content as numpy arrays, see
:mod:`benchmarks.hapt`), processes them as UCI-HAR's authors describe (Anguita et al., ESANN 2013; its README),
and writes ``OUTPUT/X_train.npy, y_train.npy, X_test.npy, y_test.npy, UCIHAR.json``:

1. per recording and channel, a median filter (3 samples) and a 3rd-order low-pass Butterworth at 20 Hz
   (zero-phase, :func:`scipy.signal.sosfiltfilt`);
2. the filtered acceleration split by a 3rd-order 0.3 Hz low-pass Butterworth into gravity and body
   acceleration (total minus gravity); the filtered gyroscope is the body gyroscope;
3. windows of 2.56 s (128 samples at 50 Hz) with 50 % overlap over each run of one of UCI-HAR's six activities
   (walking, upstairs, downstairs, sitting, standing, lying; :func:`benchmarks.hapt.cut_windows`: a window
   never crosses a transition or the end of a recording), after filtering the whole recording;
4. UCI-HAR's subject split: subjects 2, 4, 9, 10, 12, 13, 18, 20, 24 test, the other 21 train;
5. ``X`` (N, 128, 9) float32: body acceleration xyz (g), body gyroscope xyz (rad/s), total acceleration xyz
   (g), the channel order of the UniMTS release (its ``data.py`` reads total acceleration from channels 6-8
   and the gyroscope from 3-5); ``y`` int64 class ids 0-5 in that activity order.

The folder is written under a temporary name and renamed into place, with the project's output marker; an
existing folder this tool did not write is refused (exit 2, one line) and left alone. The windows differ from
UCI-HAR's own (7,352 train / 2,947 test): UCI-HAR's exact labelling and filter implementation are not
published, and HAPT relabelled the sessions; on ``../shared/data/hapt`` this gives 7,415 / 2,996.
"""
from __future__ import annotations

import argparse
import json
import os
import re
from pathlib import Path

import numpy as np
from scipy.signal import butter, medfilt, sosfiltfilt

from skeletons.atomic import atomic_path
from skeletons.errors import InputError, exit_on_bad_input
from skeletons.outputs import claim_output, mark_output

from .hapt import UCIHAR_ACTIVITIES, cut_windows, find_file, read_recordings, split_recordings
from .registry import HAPT

RATE_HZ = 50.0
TOOL = "benchmarks.ucihar"
#: The folder name and label file the registry reads for UCI-HAR.
DATASET_DIR = "UCIHAR"
_RAW = re.compile(r"acc_exp(\d+)_user(\d+)\.txt$")


def ucihar_channels(signals: np.ndarray, rate_hz: float = RATE_HZ) -> np.ndarray:
    """(T, 9) float32 body acc, body gyro, total acc of one recording's raw (T, 6) acc (g) and gyro (rad/s)."""
    signals = np.asarray(signals, dtype=np.float64)
    smoothed = np.stack([medfilt(signals[:, c], 3) for c in range(signals.shape[1])], axis=1)
    noise = butter(3, 20.0, fs=rate_hz, output="sos")
    filtered = sosfiltfilt(noise, smoothed, axis=0) if len(signals) > 3 * (2 * len(noise) + 1) else smoothed
    total, gyro = filtered[:, :3], filtered[:, 3:]
    gravity_filter = butter(3, 0.3, fs=rate_hz, output="sos")
    gravity = sosfiltfilt(gravity_filter, total, axis=0) if len(total) > 3 * (2 * len(gravity_filter) + 1) else (
        np.broadcast_to(total.mean(0), total.shape))
    return np.concatenate([total - gravity, gyro, total], axis=1).astype(np.float32)


def read_raw_folder(folder: str | os.PathLike) -> dict[str, np.ndarray]:
    """The arrays of :func:`benchmarks.hapt.read_recordings` from HAPT as downloaded: ``RawData/`` (or the folder
    itself) with ``acc_expEE_userUU.txt`` / ``gyro_expEE_userUU.txt`` (one sample per line, three columns) and
    ``labels.txt`` (experiment, user, activity, first and last sample of each labelled stretch, inclusive,
    counted from 0)."""
    folder = Path(folder)
    raw = folder / "RawData" if (folder / "RawData").is_dir() else folder
    labels_file = raw / "labels.txt"
    if not labels_file.is_file():
        raise InputError(labels_file, "missing: expected HAPT's RawData/labels.txt (or give hapt.npz)")
    try:
        stretches = np.loadtxt(labels_file, dtype=np.int64, ndmin=2)
    except ValueError as error:
        raise InputError(labels_file, f"not five integer columns ({error})") from None
    if stretches.shape[1] != 5:
        raise InputError(labels_file, f"expected five columns per row, got {stretches.shape[1]}")
    experiments = sorted((int(m.group(1)), int(m.group(2)), p) for p in raw.iterdir() if (m := _RAW.search(p.name)))
    if not experiments:
        raise InputError(raw, "no acc_expEE_userUU.txt recordings")
    signals, labels, offsets, subjects = [], [], [0], []
    for experiment, user, acc_path in experiments:
        gyro_path = acc_path.with_name(acc_path.name.replace("acc_", "gyro_", 1))
        if not gyro_path.is_file():
            raise InputError(gyro_path, "missing: every acc_ recording needs its gyro_ recording")
        try:
            acc, gyro = np.loadtxt(acc_path, ndmin=2), np.loadtxt(gyro_path, ndmin=2)
        except ValueError as error:
            raise InputError(acc_path, f"not three numeric columns ({error})") from None
        if acc.shape[1] != 3 or gyro.shape != acc.shape:
            raise InputError(gyro_path, f"shape {gyro.shape} does not match {acc_path.name}'s {acc.shape}")
        label = np.full(len(acc), -1, dtype=np.int8)
        for _, _, activity, first, last in stretches[(stretches[:, 0] == experiment) & (stretches[:, 1] == user)]:
            label[first:last + 1] = activity
        signals.append(np.concatenate([acc, gyro], axis=1).astype(np.float32))
        labels.append(label)
        offsets.append(offsets[-1] + len(acc))
        subjects.append(user)
    return {"signals": np.concatenate(signals), "labels": np.concatenate(labels),
            "offsets": np.asarray(offsets, dtype=np.int64), "subjects": np.asarray(subjects, dtype=np.int64)}


def read_input(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """HAPT's recordings from ``hapt.npz`` (or a folder holding it) or from the downloaded raw folder."""
    path = Path(path)
    archive = find_file(path)
    if archive is not None:
        return read_recordings(archive)
    if not path.exists():
        raise InputError(path, "missing: give the downloaded HAPT folder (with RawData/) or hapt.npz")
    return read_raw_folder(path)


def ucihar_split(arrays: dict[str, np.ndarray], split: str) -> tuple[np.ndarray, np.ndarray]:
    """``(X, y)`` of UCI-HAR's ``split`` from HAPT's arrays (see the module doc)."""
    offsets = arrays["offsets"]
    recordings = split_recordings(arrays["subjects"], split)
    channels = np.zeros((len(arrays["signals"]), 9), dtype=np.float32)
    for r in recordings:
        channels[offsets[r]:offsets[r + 1]] = ucihar_channels(arrays["signals"][offsets[r]:offsets[r + 1]])
    windows = cut_windows(channels, arrays["labels"], offsets, UCIHAR_ACTIVITIES, recordings=recordings)
    y = np.searchsorted(np.asarray(UCIHAR_ACTIVITIES), windows.activity).astype(np.int64)
    return windows.x, y


def convert(source: str | os.PathLike, output: str | os.PathLike, overwrite: bool = False) -> dict[str, int]:
    """Write the UCIHAR folder ``output`` from HAPT at ``source``; the window count of each split."""
    arrays = read_input(source)
    splits = {split: ucihar_split(arrays, split) for split in ("train", "test")}
    for split, (x, _) in splits.items():
        if len(x) == 0:
            raise InputError(source, f"no 128-sample window of activities 1-6 among UCI-HAR's {split} subjects")
    labels = {str(i): list(synonyms) for i, synonyms in enumerate(HAPT.labels)}
    with claim_output(output, TOOL, overwrite) as target, atomic_path(target, directory=True) as temporary:
        for split, (x, y) in splits.items():
            np.save(temporary / f"X_{split}.npy", x)
            np.save(temporary / f"y_{split}.npy", y)
        (temporary / f"{DATASET_DIR}.json").write_text(json.dumps({"label_dictionary": labels}, indent=1) + "\n")
        mark_output(temporary, TOOL)
    return {split: len(y) for split, (_, y) in splits.items()}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.ucihar", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--input", required=True,
                        help="HAPT as downloaded (a folder with RawData/) or hapt.npz (or the folder holding it)")
    parser.add_argument("--output", required=True,
                        help=f"the UCIHAR folder to write, e.g. data/benchmarks/{DATASET_DIR}")
    parser.add_argument("--overwrite", action="store_true", help="replace a folder this tool did not write")
    args = parser.parse_args(argv)
    with exit_on_bad_input():
        counts = convert(args.input, args.output, args.overwrite)
    print(f"{args.output}: {counts['train']} train and {counts['test']} test windows of 128 samples (UCI-HAR layout)")


if __name__ == "__main__":
    main()
