"""``python -m anomaly``: score recordings for anomalies, or evaluate the detectors on the offline protocols.

    python -m anomaly score --model runs/cpu-small/seed-0 --normal normal.npy --recordings day.npy night.csv \\
        --joints right_wrist --input-rate 50 --detectors knn,text,forecast,iforest --output anomalies/
    python -m anomaly score --model DIR --recordings day.npy --input-rate 50 --detectors text \\
        --abnormal "the person falls|the person freezes while walking" --normal-text "the person is walking"
    python -m anomaly evaluate --model runs/cpu-small/seed-0 --protocol novelty,faults --seeds 3 \\
        --output anomaly.json --report anomaly.md

``score`` reads each recording as ``python -m zero_shot predict`` does (a ``.npy`` (T, 6 per joint) with
``--input-rate`` in ``--acc-unit`` / ``--gyro-unit``, or a phone/watch CSV whose rate and units come from the
file; later CSVs are resampled to the first recording's rate; all are converted to m/s^2 and rad/s), fits
the detectors on the ``--normal`` recordings (the text detector needs none) and scores every window
(:mod:`anomaly.scoring`; ``--window`` s every ``--hop`` s). Written into ``--output`` (a
folder, written whole or not at all; refused when it holds anything this command did not write, unless
``--overwrite``), per recording ``<name>``: ``<name>-scores.csv`` (one row per window: window, start_s,
end_s, start_sample, end_sample, one column per detector), ``<name>-scores.npy`` ((W, detectors) float64,
columns as in the CSV), ``<name>-events.csv`` (detector, start_s, end_s, start_sample, end_sample, peak) and
``<name>.png``; and ``anomaly.json`` (device, detectors, thresholds, settings, and per recording its events
and, given ``--labels`` (one 0/1 label per sample or per window, ``.npy`` or one number a line), its metrics).

``evaluate`` runs :func:`anomaly.evaluate.evaluate_protocol` on each protocol (BasicMotions ``novelty`` and
injected ``faults``) over ``--seeds`` and writes the JSON (``--output``) and the markdown report (``--report``,
:mod:`anomaly.report`); a file there that this command did not write is refused unless ``--overwrite``.

Bad input - a missing or unreadable file, a recording shorter than one window, NaN samples, labels longer
(or shorter) than the recording, an unknown detector - prints one line ``error: <file>: <problem>`` on stderr,
exits 2 and writes nothing.
"""
from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import torch

from benchmarks.custom import ACC_UNITS, GYRO_UNITS
from benchmarks.loader import load_npy
from skeletons.arguments import add_hidden_alias, add_model_argument, comma_list, seed_list, seeds
from skeletons.atomic import atomic_path
from skeletons.errors import InputError, exit_on_bad_input
from skeletons.outputs import claim_output, mark_output
from zero_shot.device import Device
from zero_shot.recording_csv import read_recording
from zero_shot.windows import WINDOW_S

from .detectors import ABNORMAL, DETECTORS, NORMAL, DetectorSettings, build_detectors
from .evaluate import DEFAULT_DETECTORS, TOLERANCE_S, evaluate_protocol
from .events import EventSettings, detect_events, label_events
from .metrics import event_metrics, point_metrics
from .plot import plot_scores
from .protocols import PROTOCOLS
from .report import EVALUATE_TOOL, REPORT_MARK, write_json, write_report
from .scoring import QUANTILE, AnomalyScorer, RecordingScores
from .windows import HOP_S, WindowSettings, grid_of

SCORE_TOOL = "python -m anomaly score"


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--detectors", type=comma_list(), help=f"comma list of {', '.join(DETECTORS)} "
                                                               f"(default: all; without --model the classical ones)")
    parser.add_argument("--window", type=float, default=WINDOW_S, help=f"window length, s (default {WINDOW_S:g})")
    parser.add_argument("--hop", type=float, default=HOP_S, help=f"seconds between windows (default {HOP_S:g})")
    parser.add_argument("--batch-size", type=int, default=64, help="windows per batch (default 64)")
    parser.add_argument("--k", type=int, default=5, help="neighbours of the kNN detectors (default 5)")
    parser.add_argument("--quantile", type=float, default=QUANTILE,
                        help=f"threshold: this quantile of held-out normal scores (default {QUANTILE:g})")
    parser.add_argument("--merge", type=float, default=2.0, help="merge events this many s apart (default 2)")
    parser.add_argument("--min-duration", type=float, default=1.0, help="shortest event, s (default 1)")
    parser.add_argument("--overwrite", action="store_true", help="replace outputs this command did not write")
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu", help="torch device")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m anomaly", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    score = commands.add_parser("score", help="score recordings (see python -m anomaly --help)")
    add_model_argument(score, required=False, help="model folder (needed by knn, mahalanobis, text)")
    score.add_argument("--normal", nargs="*", default=[], help="normal recordings (.npy or .csv) to fit on")
    score.add_argument("--recordings", nargs="+", required=True, help="recordings to score (.npy or .csv)")
    score.add_argument("--labels", nargs="*", help="0/1 labels per sample or window, one file per recording")
    score.add_argument("--joints", type=comma_list(), default=["right_wrist"], help="joint of each 6-channel block")
    score.add_argument("--input-rate", type=float, help="sample rate of .npy recordings (CSVs: from their time)")
    score.add_argument("--acc-unit", choices=list(ACC_UNITS), help="default: m/s2 (a CSV: from its header or guessed)")
    score.add_argument("--gyro-unit", choices=list(GYRO_UNITS), help="default: rad/s (a CSV: header or guessed)")
    score.add_argument("--input-gravity", choices=("included", "removed"), default="included",
                       help="whether the accelerometer includes gravity (default included)")
    add_hidden_alias(score, "--gravity", "input_gravity", choices=("included", "removed"))
    score.add_argument("--remove-gravity", action="store_true", help="subtract gravity before encoding")
    score.add_argument("--abnormal", help=f'descriptions of the abnormal state, "|" between them (default '
                                          f'"{"|".join(ABNORMAL)}")')
    score.add_argument("--normal-text", help=f'descriptions of the normal state (default "{"|".join(NORMAL)}"; '
                                             f'"" for none)')
    score.add_argument("--threshold", type=float, help="one threshold for every detector (default: --quantile)")
    score.add_argument("--output", required=True, help="output folder")
    _common(score)
    evaluate = commands.add_parser("evaluate", help="evaluate on the offline protocols")
    add_model_argument(evaluate, required=False, help="model folder (needed by knn, mahalanobis, text)")
    evaluate.add_argument("--protocol", type=comma_list(), default=list(PROTOCOLS),
                          help=f"comma list of {', '.join(PROTOCOLS)} (default both)")
    evaluate.add_argument("--seeds", type=seeds, default=3, help="a count (0..N-1) or a comma list (default 3)")
    evaluate.add_argument("--tolerance", type=float, default=TOLERANCE_S, help="event tolerance, s (default 5)")
    evaluate.add_argument("--output", required=True, help="the JSON results")
    evaluate.add_argument("--report", help="the markdown report")
    _common(evaluate)
    return parser


def _detector_names(args, has_model: bool) -> list[str]:
    if args.detectors:
        return list(args.detectors)
    return [n for n in DEFAULT_DETECTORS if has_model or DETECTORS[n].feature != "embedding"]


def read_series(path: str, args, rate_hz: float | None) -> tuple[np.ndarray, float, bool]:
    """One recording (T, C) converted to m/s^2 and rad/s, its rate, and whether it has a gyroscope. A ``.npy``
    is in ``--acc-unit`` / ``--gyro-unit`` at ``--input-rate``; a CSV's units and rate are its own (a CSV read
    after another recording is resampled to ``rate_hz``, the first one's rate)."""
    if path.lower().endswith(".npy"):
        if not args.input_rate:
            raise InputError(path, "a .npy recording needs --input-rate")
        x = np.asarray(load_npy(path, "recording (time, 6 x joints)"), dtype=np.float64)
        if x.ndim != 2:
            raise InputError(path, f"a recording is (time, channels), got shape {x.shape}")
        rate, acc_unit, gyro_unit = args.input_rate, args.acc_unit or "m/s2", args.gyro_unit or "rad/s"
        gyro = x.shape[1] == 6 * len(args.joints)
    else:
        recording = read_recording(path, acc_unit=args.acc_unit, gyro_unit=args.gyro_unit,
                                   rate_hz=rate_hz or args.input_rate, gravity=args.input_gravity)
        for note in recording.notes:
            print(f"{path}: {note}", file=sys.stderr)
        x, rate, acc_unit, gyro_unit, gyro = (recording.series, recording.rate_hz, recording.acc_unit,
                                              recording.gyro_unit, recording.gyro)
    width = 6 if gyro else 3
    if x.shape[1] % width == 0:  # otherwise the channel check names the problem
        x = x * np.tile([ACC_UNITS[acc_unit]] * 3 + [GYRO_UNITS[gyro_unit]] * (width - 3), x.shape[1] // width)
    return x, rate, gyro


def read_labels(path: str, samples: int, windows: int, recording: str) -> np.ndarray:
    """0/1 labels, one per sample (``samples``) or one per window (``windows``) of ``recording``."""
    if not Path(path).is_file():
        raise InputError(path, "missing: expected labels (.npy, or one number a line)")
    try:
        labels = np.load(path, allow_pickle=False) if path.lower().endswith(".npy") else np.loadtxt(path, ndmin=1)
    except (ValueError, OSError) as error:
        raise InputError(path, f"not readable as labels ({str(error).splitlines()[0]})") from None
    labels = np.asarray(labels)
    if labels.ndim != 1 or not np.isin(labels, (0, 1)).all():
        raise InputError(path, f"labels must be one 0/1 value per sample, got shape {labels.shape}"
                               + ("" if labels.ndim != 1 else " with values other than 0 and 1"))
    if len(labels) not in (samples, windows):
        longer = "longer" if len(labels) > samples else "shorter"
        raise InputError(path, f"{len(labels)} labels, {longer} than {recording} ({samples} samples, {windows} "
                               f"windows): give one label per sample or per window")
    return labels.astype(np.int64)


def _csv(rows: list[dict], header: list[str]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=header, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def _names(paths: list[str]) -> list[str]:
    stems = [Path(p).stem for p in paths]
    return [stem if stems.count(stem) == 1 else f"{i}-{stem}" for i, stem in enumerate(stems)]


def _evaluate_labels(labels: np.ndarray, result: RecordingScores, events: dict, tolerance_s: float) -> dict:
    per_sample = len(labels) == result.length
    metrics = {}
    for name in result.scores:
        if per_sample:
            entry = point_metrics(labels, result.samples(name))
            entry.update(event_metrics(label_events(labels, result.rate_hz), events[name], tolerance_s))
        else:
            entry = point_metrics(labels, result.scores[name])  # per window: point-wise only
        metrics[name] = entry
    return {"labels_per": "sample" if per_sample else "window", "metrics": metrics}


def score_command(args) -> dict:
    """Read, check, fit, score, write (see the module doc); the summary written as anomaly.json."""
    output = Path(args.output)
    if args.labels is not None and len(args.labels) != len(args.recordings):
        raise InputError(None, f"--labels gives {len(args.labels)} files for {len(args.recordings)} recordings")
    with claim_output(output, SCORE_TOOL, args.overwrite):
        first: tuple[float, bool] | None = None
        loaded = []
        for path in [*args.normal, *args.recordings]:
            series, rate, gyro = read_series(path, args, first[0] if first else None)
            first = first or (rate, gyro)
            loaded.append((path, series))
        device = Device(rate_hz=first[0], joints=args.joints, acc_unit="m/s2", gyro_unit="rad/s",
                        gravity=args.input_gravity, gyro=first[1])
        windows = WindowSettings(args.window, args.hop, args.batch_size, args.remove_gravity)
        network = None
        if args.model:
            from pretrain.model import load_model

            network = load_model(args.model, device=args.device)
        settings = DetectorSettings(k=args.k, abnormal=tuple(_split(args.abnormal)) if args.abnormal else ABNORMAL,
                                    normal=tuple(_split(args.normal_text)) if args.normal_text is not None else NORMAL)
        scorer = AnomalyScorer(build_detectors(_detector_names(args, network is not None), settings, network),
                               device, windows, network=network, torch_device=args.device, quantile=args.quantile,
                               progress=sys.stderr.isatty() or None)
        normal = loaded[:len(args.normal)]
        targets = loaded[len(args.normal):]
        checked = [(path, scorer.check(series, path)) for path, series in targets]  # all checked before fitting
        labels = [None] * len(checked)
        if args.labels is not None:
            labels = [read_labels(lp, len(s), len(grid_of(len(s), device, windows)), path)
                      for lp, (path, s) in zip(args.labels, checked)]
        scorer.fit([s for _, s in normal], [p for p, _ in normal])
        if args.threshold is not None:
            scorer.thresholds = {name: args.threshold for name in scorer.thresholds}
        event_settings = EventSettings(args.merge, args.min_duration)
        results = [(path, series, scorer.score(series, path, desc=Path(path).name)) for path, series in checked]
        summary: dict[str, Any] = {
            "tool": SCORE_TOOL, "model": args.model, "device": device.to_json(), "detectors": list(scorer.thresholds),
            "thresholds": scorer.thresholds, "windows": asdict(windows), "settings": asdict(settings),
            "events": asdict(event_settings), "normal": list(args.normal), "recordings": {}}
        with atomic_path(output, directory=True) as temporary:
            for name, (path, series, result), label in zip(_names([p for p, _ in checked]), results, labels):
                events = {d: detect_events(result.samples(d), result.thresholds[d], device.rate_hz, event_settings)
                          for d in result.scores}
                _write_recording(temporary, name, series, result, events, label)
                entry = {"file": path, "samples": result.length, "windows": len(result.grid),
                         "events": {d: [e.row() for e in found] for d, found in events.items()}}
                if label is not None:
                    entry.update(_evaluate_labels(label, result, events, TOLERANCE_S))
                summary["recordings"][name] = entry
                print(f"{path}: {len(result.grid)} windows; events: "
                      + ", ".join(f"{d} {len(found)}" for d, found in events.items()))
            (temporary / "anomaly.json").write_text(json.dumps(summary, indent=2) + "\n")
            mark_output(temporary, SCORE_TOOL)
    return summary


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split("|") if part.strip()]


def _write_recording(folder: Path, name: str, series: np.ndarray, result: RecordingScores, events: dict,
                     labels: np.ndarray | None) -> None:
    names = list(result.scores)
    grid = result.grid
    table = np.stack([result.scores[d] for d in names], axis=1)
    rows = [{"window": i, "start_s": round(float(grid.start_s[i]), 3), "end_s": round(float(grid.end_s[i]), 3),
             "start_sample": int(grid.starts[i]), "end_sample": int(grid.stops[i]),
             **{d: f"{table[i, j]:.6g}" for j, d in enumerate(names)}} for i in range(len(grid))]
    (folder / f"{name}-scores.csv").write_text(_csv(rows, ["window", "start_s", "end_s", "start_sample",
                                                           "end_sample", *names]))
    np.save(folder / f"{name}-scores.npy", table)
    event_rows = [{"detector": d, **e.row()} for d, found in events.items() for e in found]
    (folder / f"{name}-events.csv").write_text(_csv(event_rows, ["detector", "start_s", "end_s", "start_sample",
                                                                 "end_sample", "peak"]))
    sample_labels = labels if labels is not None and len(labels) == result.length else None
    plot_scores(folder / f"{name}.png", series, result, events, sample_labels, title=name)


def _refuse_foreign(path: Path, ours: bool, overwrite: bool) -> None:
    if path.is_dir():
        raise InputError(path, "is a folder; give a file name")
    if path.exists() and not ours and not overwrite:
        raise InputError(path, f"exists and was not written by {EVALUATE_TOOL}; choose another name or pass "
                               f"--overwrite")


def _is_our_json(path: Path) -> bool:
    try:
        return json.loads(path.read_text(encoding="utf-8")).get("tool") == EVALUATE_TOOL
    except (OSError, ValueError, AttributeError):
        return False


def _is_our_report(path: Path) -> bool:
    try:
        return REPORT_MARK in path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False


def evaluate_command(args) -> list[dict]:
    output, report = Path(args.output), Path(args.report) if args.report else None
    _refuse_foreign(output, _is_our_json(output), args.overwrite)
    if report is not None:
        _refuse_foreign(report, _is_our_report(report), args.overwrite)
    unknown = [p for p in args.protocol if p not in PROTOCOLS]
    if unknown or not args.protocol:
        raise InputError(None, f"unknown protocols {unknown}; known: {', '.join(PROTOCOLS)}")
    chosen_seeds = seed_list(args.seeds)
    if args.model:
        from pretrain.model import load_model

        load_model(args.model)  # a bad folder is refused before any work
    payloads = [evaluate_protocol(args.model, protocol, chosen_seeds, _detector_names(args, args.model is not None),
                                  windows=WindowSettings(args.window, args.hop, args.batch_size),
                                  settings=DetectorSettings(k=args.k), events=EventSettings(args.merge,
                                                                                            args.min_duration),
                                  quantile=args.quantile, tolerance_s=args.tolerance, torch_device=args.device,
                                  progress=sys.stderr.isatty() or None)
                for protocol in args.protocol]
    write_json(output, payloads)
    if report is not None:
        write_report(report, payloads)
    for payload in payloads:
        for name, row in payload["summary"].items():
            auroc = row["auroc"]
            print(f"{payload['protocol']:8s} {name:12s} AUROC "
                  + ("-" if auroc is None else f"{auroc['mean']:.3f} ± {auroc['std']:.3f}"))
    return payloads


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    with exit_on_bad_input():
        if args.command == "score":
            score_command(args)
        else:
            evaluate_command(args)


if __name__ == "__main__":
    main()
