"""``python -m zero_shot predict``: label a recording of your own, window by window, with no labels file.

    python -m zero_shot predict --model runs/cpu-small watch.csv --classes "walking,running,cycling" \\
        --joints right_wrist --output predictions.csv
    python -m zero_shot predict --model runs/my-watch watch.csv --output predictions.csv   # a saved classifier

The recording is a CSV as phones and watches export it (:mod:`zero_shot.recording_csv`: the rate comes from
the time column; columns and units from flags or guessed, every guess printed) or a ``.npy`` (T, 6 per
joint) with ``--input-rate``. It is read as 10 s sliding windows (``--window``, ``--hop``; the last window
ends at the last sample, a shorter recording is wrap-padded, and stderr says which), each scored against
the classes (``--classes "a,b"`` with ``|`` between synonyms, ``"walking|strolling,running"``, or
``--labels FILE``: one class per line, or the labels JSON of ``--custom-x``), by zero-shot cosine similarity,
or by a classifier folder that ``python -m finetune --save DIR`` or ``Classifier.save_pretrained`` wrote
(given as ``--model`` or ``--classifier``; its classes and device are its own). ``--calibrate-with OTHER``
(zero-shot only) standardises each class's window scores over another, unlabeled recording of the same
device that covers the classes (:mod:`zero_shot.calibration`); the scores written are then standardised ones.
Written: ``--output`` (a CSV per window: start_s, end_s, label, score, top3), ``<output>-segments.csv``
(smoothed segments: start_s, end_s, label, score, windows) and ``<output>.png`` (the recording with its
segments and the window scores); the segments are printed. Bad input - a missing file or column, a time column
that does not increase, NaN values, no classes - prints one line ``error: <file>: <problem>`` on stderr, exits
2 and writes nothing.
"""
from __future__ import annotations

import argparse
import csv
import io
import sys
from pathlib import Path

import numpy as np
import torch

from benchmarks.custom import ACC_UNITS, GYRO_UNITS
from benchmarks.loader import load_npy, read_label_dictionary
from skeletons.arguments import add_model_argument, comma_list
from skeletons.atomic import atomic_path, write_text_atomic
from skeletons.errors import InputError, exit_on_bad_input

from .calibration import ScoreCalibration
from .classifier import TrainedClassifier
from .device import Device
from .heads import is_classifier_folder
from .model import MotionModel, RecordingPrediction
from .recording_csv import Recording, read_recording
from .windows import WINDOW_S


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m zero_shot predict", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    add_model_argument(parser, required=False, help="model folder, or a classifier folder")
    parser.add_argument("--classifier", help="a classifier folder (python -m finetune --save DIR)")
    parser.add_argument("recording", help="the recording: a .csv export or a .npy (T, 6 x joints)")
    parser.add_argument("--classes", help='comma-separated classes, "|" between synonyms: "walking|strolling,running"')
    parser.add_argument("--labels", help="a file of classes: one per line (synonyms split by |), or labels JSON")
    parser.add_argument("--joints", type=comma_list(), help="joint of each 6-channel block (default right_wrist)")
    parser.add_argument("--up", type=comma_list(), help="each device's up axis (+x, -z, ...; on the trunk and legs the"
                        " one pointing up while the wearer stands; none where unknown), per joint or one for all")
    parser.add_argument("--gravity", choices=("included", "removed"), default=None,
                        help="whether the accelerometer includes gravity (default included)")
    parser.add_argument("--remove-gravity", action="store_true", help="subtract gravity before encoding")
    parser.add_argument("--input-rate", type=float, help="sample rate of a .npy (a CSV's comes from its time column; "
                                                         "given for a CSV, it is resampled to this rate)")
    parser.add_argument("--time-column", help="name of the CSV's time column (default: guessed)")
    parser.add_argument("--time-unit", choices=("s", "ms", "us", "ns", "iso"), help="its unit (default: guessed)")
    parser.add_argument("--acc-columns", type=comma_list(), help="the accelerometer's x,y,z columns (default: guessed)")
    parser.add_argument("--gyro-columns", type=comma_list(), help="the gyroscope's x,y,z columns (default: guessed)")
    parser.add_argument("--acc-unit", choices=list(ACC_UNITS), help="default: from the header or guessed")
    parser.add_argument("--gyro-unit", choices=list(GYRO_UNITS), help="default: from the header or guessed")
    parser.add_argument("--window", type=float, default=WINDOW_S, help=f"window length in s (default {WINDOW_S:g})")
    parser.add_argument("--hop", type=float, help="seconds between window starts (default: half a window)")
    parser.add_argument("--smooth", type=int, default=3, help="windows in the majority vote of segments (default 3)")
    parser.add_argument("--calibrate-with", metavar="RECORDING",
                        help="another recording of the same device, unlabeled and read like the first, covering the "
                             "classes: each class's window scores are standardised over it (zero_shot.calibration)")
    parser.add_argument("--output", required=True, help="the per-window CSV; segments CSV and PNG go beside it")
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu", help="torch device")
    return parser


def parse_classes(text: str) -> list[list[str]]:
    """``"walking|strolling,running"`` -> ``[["walking", "strolling"], ["running"]]``."""
    return [[s.strip() for s in part.split("|") if s.strip()] for part in text.split(",") if part.strip()]


def read_classes(path: str) -> list[list[str]]:
    """Classes from a labels JSON (as ``--custom-x`` reads) or a text file, one class per line."""
    if path.endswith(".json"):
        return list(read_label_dictionary(path).values())
    file = Path(path)
    if not file.is_file():
        raise InputError(path, "missing: expected a labels file")
    return [[s.strip() for s in line.split("|") if s.strip()] for line in file.read_text().splitlines() if line.strip()]


def _classes(args) -> list[list[str]] | None:
    classes = parse_classes(args.classes) if args.classes else read_classes(args.labels) if args.labels else None
    if classes is not None and len(classes) < 2:
        raise InputError(args.labels, "give at least two classes")
    return classes


def _load_input(args, path: str) -> tuple[np.ndarray, Recording | None]:
    if path.endswith(".npy"):
        if not args.input_rate:
            raise InputError(path, "a .npy recording needs --input-rate")
        x = np.asarray(load_npy(path, "recording (time, 6 x joints)"), dtype=np.float64)
        if x.ndim != 2:
            raise InputError(path, f"a recording is (time, channels), got {x.shape}")
        return x, None
    recording = read_recording(path, time_column=args.time_column, time_unit=args.time_unit,
                               acc_columns=args.acc_columns, gyro_columns=args.gyro_columns, acc_unit=args.acc_unit,
                               gyro_unit=args.gyro_unit, rate_hz=args.input_rate, gravity=args.gravity or "included")
    return recording.series, recording


def _device(args, recording: Recording | None, saved: Device | None, channels: int) -> Device:
    joints = args.joints or (saved.joints if saved else ["right_wrist"])
    gravity = args.gravity or (saved.gravity if saved else "included")
    up = args.up or (saved.up if saved else None)
    if recording is not None:
        return Device(rate_hz=recording.rate_hz, joints=joints, acc_unit=recording.acc_unit,
                      gyro_unit=recording.gyro_unit, gravity=gravity, gyro=recording.gyro, up=up)
    gyro = channels == 6 * len(joints)
    return Device(rate_hz=args.input_rate, joints=joints, acc_unit=args.acc_unit or "m/s2",
                  gyro_unit=args.gyro_unit or "rad/s", gravity=gravity, gyro=gyro, up=up)


def predict(args) -> RecordingPrediction:
    """Read, score, write (see the module doc); the prediction."""
    folder = args.classifier or args.model
    if folder is None:
        raise InputError(None, "give --model DIR (a model or classifier folder) or --classifier DIR")
    classes = _classes(args)
    series, recording = _load_input(args, args.recording)
    for note in recording.notes if recording else []:
        print(f"{args.recording}: {note}", file=sys.stderr)
    unlabeled = _load_input(args, args.calibrate_with) if args.calibrate_with else None
    options = dict(window_s=args.window, hop_s=args.hop, smooth=args.smooth, progress=sys.stderr.isatty())
    if args.classifier or is_classifier_folder(folder):
        if unlabeled is not None:
            raise InputError(folder, "--calibrate-with calibrates zero-shot scores; a classifier's are its own")
        classifier = TrainedClassifier.from_pretrained(folder, device=args.device)
        if classes is not None and [c[0] for c in classes] != classifier.classes:
            raise InputError(folder, f"this classifier's classes are {classifier.classes}; leave --classes out")
        classifier.remove_gravity = classifier.remove_gravity or args.remove_gravity
        device = _device(args, recording, classifier.device, series.shape[1])
        result = classifier.predict_recording(series, device, **options)
    else:
        if classes is None:
            raise InputError(None, "zero-shot prediction needs --classes or --labels")
        model = MotionModel.from_pretrained(folder, device=args.device, remove_gravity=args.remove_gravity)
        calibration = None
        if unlabeled is not None:
            calibration = _calibration(args, model, classes, *unlabeled)
        result = model.predict_recording(series, classes, _device(args, recording, None, series.shape[1]),
                                         calibration=calibration, **options)
    print(f"{args.recording}: {result.note}", file=sys.stderr)
    write_outputs(Path(args.output), result, series, _device_rate(args, recording))
    for segment in result.segments:
        print(f"{segment.start_s:8.1f} s - {segment.end_s:8.1f} s  {segment.label}  ({segment.score:.3f}, "
              f"{segment.windows} windows)")
    return result


def _calibration(args, model: MotionModel, classes: list[list[str]], series: np.ndarray,
                 recording: Recording | None) -> ScoreCalibration:
    """The calibration fitted on every window of the ``--calibrate-with`` recording."""
    try:
        calibration = model.calibrate(series, classes, _device(args, recording, None, series.shape[1]),
                                      window_s=args.window, hop_s=args.hop, progress=sys.stderr.isatty())
    except ValueError as error:  # too few windows
        raise InputError(args.calibrate_with, str(error)) from None
    print(f"{args.calibrate_with}: calibrated on {calibration.windows} windows, unlabeled", file=sys.stderr)
    return calibration


def _device_rate(args, recording: Recording | None) -> float:
    return recording.rate_hz if recording is not None else args.input_rate


def _csv(rows: list[dict]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def write_outputs(output: Path, result: RecordingPrediction, series: np.ndarray, rate_hz: float) -> None:
    """The per-window CSV, the segments CSV and the plot, each written atomically."""
    write_text_atomic(output, _csv(result.rows()))
    segments = [{"start_s": s.start_s, "end_s": s.end_s, "label": s.label, "score": round(s.score, 4),
                 "windows": s.windows} for s in result.segments]
    write_text_atomic(output.with_name(output.stem + "-segments.csv"), _csv(segments))
    plot_recording(output.with_suffix(".png"), result, series, rate_hz)


def plot_recording(path: Path, result: RecordingPrediction, series: np.ndarray, rate_hz: float) -> Path:
    """The accelerometer magnitude over time with the segments shaded and labelled, and each class's window score."""
    from matplotlib import colormaps
    from matplotlib.figure import Figure

    figure = Figure(figsize=(11, 5), layout="constrained")
    top, bottom = figure.subplots(2, 1, sharex=True, height_ratios=(2, 1))
    seconds = np.arange(len(series)) / rate_hz
    top.plot(seconds, np.linalg.norm(series[:, :3], axis=1), lw=0.6, color="black")
    colours = colormaps["tab10"]
    for segment in result.segments:
        colour = colours(result.class_names.index(segment.label) % 10)
        top.axvspan(segment.start_s, segment.end_s, color=colour, alpha=0.25)
        top.text((segment.start_s + segment.end_s) / 2, 1.01, segment.label, transform=top.get_xaxis_transform(),
                 ha="center", va="bottom", fontsize=8)
    top.set_ylabel("|acc| (input unit)")
    centres = (result.grid.start_s + result.grid.end_s) / 2
    for k, name in enumerate(result.class_names):
        bottom.plot(centres, result.scores[:, k], marker=".", label=name, color=colours(k % 10))
    bottom.set_xlabel("time (s)")
    bottom.set_ylabel("window score")
    bottom.legend(fontsize=7, ncols=min(5, len(result.class_names)))
    with atomic_path(path) as temporary:
        figure.savefig(temporary, dpi=100, format="png")
    return path


def main(argv: list[str] | None = None) -> None:
    parser = build_parser()
    args = parser.parse_args(argv)
    if Path(args.output).is_dir():
        parser.error(f"--output {args.output} is a folder")
    with exit_on_bad_input():
        predict(args)


__all__ = ["main", "parse_classes", "plot_recording", "predict", "read_classes", "write_outputs"]
