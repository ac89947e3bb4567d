"""Zero-shot evaluation of a model folder on benchmarks or custom data: the library function behind
``python -m zero_shot`` (as :func:`finetune.run_finetune` is behind ``python -m finetune``).

:func:`run_zero_shot` loads the splits (:func:`load_splits`: a batch skips absent datasets and lists
broken ones), scores each (:func:`zero_shot.evaluate.evaluate_split`) and returns the results document
that the CLI writes as JSON and :func:`zero_shot.report.write_report` renders.
"""
from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from functools import partial
from typing import Literal

from tqdm.auto import tqdm

from benchmarks.loader import BenchmarkSplit, is_present, load_split
from benchmarks.metrics import average_metrics
from benchmarks.prepare import TARGET_RATE_HZ, WINDOW
from benchmarks.registry import DATASETS, Dataset, get_dataset
from pretrain import load_model
from pretrain.model import MotionTextModel
from skeletons.errors import InputError

from . import reference
from .calibration import ScoreCalibration, fit_calibration
from .evaluate import DatasetResult, evaluate_split, zero_shot_scores
from .prompts import TEMPLATES, class_text_embeddings
from .protocol import ZeroShotProtocol, zero_shot_protocol
from .reference import reference_windows

DEFAULT_DATA_ROOT = "data/benchmarks"
#: How zero-shot scores may be standardised without the device's data (``normalise``).
NORMALISATIONS = ("none", "simulated")
Benchmark = str | Dataset | BenchmarkSplit | Callable[[], BenchmarkSplit]


def load_splits(benchmarks: Sequence[Benchmark], data_root: str | os.PathLike = DEFAULT_DATA_ROOT,
                split: str = "test") -> tuple[list[BenchmarkSplit], list[str], dict[str, str]]:
    """The loaded splits, the names skipped as absent (``"all"`` only) and the failed ones with reasons.

    ``benchmarks`` holds dataset names or folders (any case), registry entries, loaded splits, loaders, or
    ``"all"``: every registered dataset present under ``data_root``, and BasicMotions, which ships with
    aeon. A dataset that fails in a batch is listed and left out; the only dataset asked for, or a batch
    where every dataset fails, raises its InputError.
    """
    jobs: list[tuple[str, Callable[[], BenchmarkSplit]]] = []
    skipped: list[str] = []
    for entry in benchmarks:
        if isinstance(entry, str) and entry.lower() == "all":
            present = [d for d in DATASETS if is_present(d, data_root)]
            skipped += [d.name for d in DATASETS if d not in present]
            jobs += [(d.name, partial(load_split, d, data_root, split)) for d in present]
        elif isinstance(entry, BenchmarkSplit):
            jobs.append((entry.dataset.name, partial(lambda s: s, entry)))
        elif callable(entry) and not isinstance(entry, (str, Dataset)):
            jobs.append((getattr(entry, "name", "custom"), entry))
        else:
            dataset = get_dataset(entry) if isinstance(entry, str) else entry
            jobs.append((dataset.name, partial(load_split, dataset, data_root, split)))
    jobs = list(dict((name, load) for name, load in jobs).items())
    splits, failed, errors = [], {}, []
    for name, load in jobs:
        try:
            splits.append(load())
        except InputError as error:
            if len(jobs) == 1:
                raise
            failed[name] = str(error)
            errors.append(error)
    if not splits:
        raise errors[0] if errors else InputError(None, "no benchmark to evaluate")
    return splits, skipped, failed


def run_zero_shot(model: str | os.PathLike | MotionTextModel, benchmarks: Sequence[Benchmark], *,
                  data_root: str | os.PathLike = DEFAULT_DATA_ROOT, split: str = "test", batch_size: int = 256,
                  device: str = "cpu", gravity: Literal["keep", "remove"] = "keep",
                  templates: tuple[str, ...] = TEMPLATES, progress: bool = False,
                  protocol: ZeroShotProtocol | str = "ours", calibrate_on: str | None = None,
                  normalise: Literal["none", "simulated"] = "none") -> dict:
    """Zero-shot metrics of ``model`` (a model folder or a loaded model) on ``benchmarks``; the document.

    ``protocol`` is a :class:`zero_shot.protocol.ZeroShotProtocol` or a protocol name (``ours``, ``unimts``):
    how class text is built and how series are resampled. ``calibrate_on`` names another split of each
    registered dataset (``"train"`` for the test split) whose windows, unlabeled, calibrate its scores
    (:mod:`zero_shot.calibration`); a dataset without that split fails as an unreadable one does.
    ``normalise="simulated"`` standardises them instead over simulated windows of the library at each
    dataset's joints, rate and gravity convention (:mod:`zero_shot.reference`), which reads nothing of the
    device, so the result stays zero-shot.

    Returns:
        ``{"model_folder", "model": {"channels", "embed_dim"}, "protocol", "results": {name: metrics},
        "average", "average_outside_paper", "datasets": {name: {"source", "level", "classes", "joints", "gravity",
        "gravity_assumed"}}, "confusion": {name: (K, K) counts}, "skipped", "failed"}``, metrics as fractions in
        [0, 1] (:func:`benchmarks.metrics.classification_metrics`). ``average`` is over the paper's datasets only
        (those with a paper level; empty when none ran), ``average_outside_paper`` over the others (BasicMotions,
        HAPT, custom data). ``protocol`` records the protocol's name and settings, and ``calibration`` the
        split calibrated on and each dataset's number of unlabeled windows (None without one), ``normalisation``
        the number of simulated windows (None without).
    """
    if normalise not in NORMALISATIONS:
        raise InputError(None, f"normalise is one of {', '.join(NORMALISATIONS)}, got {normalise!r}")
    if calibrate_on is not None and normalise != "none":
        raise InputError(None, "--calibrate-on and --normalise simulated both standardise the scores: choose one")
    if calibrate_on is not None and calibrate_on == split:
        raise InputError(None, f"--calibrate-on {calibrate_on} is the split being scored: calibrate on another "
                               "recording of the device (fitting on the scored windows is transductive)")
    if isinstance(protocol, str):
        protocol = zero_shot_protocol(protocol)
    splits, skipped, failed = load_splits(benchmarks, data_root, split)
    folder = None if isinstance(model, MotionTextModel) else os.fspath(model)
    if folder is not None:
        model = load_model(folder, device=device)
    check_model_data(model, folder)
    use_gyro = model.channels == 6
    evaluate = partial(evaluate_split, model, batch_size=batch_size, use_gyro=use_gyro, gravity=gravity,
                       templates=templates, progress=progress, class_text=protocol.class_text,
                       resampling=protocol.resampling)
    results, evaluated, calibrations = [], [], {}
    for s in tqdm(splits, desc="datasets", unit="dataset", disable=not progress):
        calibration = None
        if calibrate_on is not None:
            try:
                calibration = fit_calibration(evaluate(unlabeled_split(s, data_root, calibrate_on)).scores)
            except InputError as error:
                if len(splits) == 1:
                    raise
                failed[s.dataset.name] = str(error)
                continue
            calibrations[s.dataset.name] = calibration.windows
        elif normalise == "simulated":
            calibration = simulated_normalisation(model, s, use_gyro, templates, protocol)
        results.append(evaluate(s, calibration=calibration))
        evaluated.append(s)
    if not results:
        raise InputError(None, "no benchmark could be calibrated")
    payload = document(folder, model, results, evaluated, skipped, failed, split=split, use_gyro=use_gyro,
                       gravity=gravity, templates=templates, protocol=protocol)
    payload["calibration"] = None if calibrate_on is None else {"split": calibrate_on, "windows": calibrations}
    payload["normalisation"] = None if normalise == "none" else {"simulated_windows": reference.REFERENCE_CLIPS}
    return payload


def simulated_normalisation(model: MotionTextModel, split: BenchmarkSplit, use_gyro: bool,
                            templates: tuple[str, ...], protocol: ZeroShotProtocol) -> ScoreCalibration:
    """Each class's score mean and spread over the simulated reference windows of ``split``'s device."""
    classes = class_text_embeddings(model, split.descriptions, templates, class_text=protocol.class_text)
    return fit_calibration(zero_shot_scores(model, *reference_windows(split.dataset, use_gyro=use_gyro),
                                                  classes))


def unlabeled_split(split: BenchmarkSplit, data_root: str | os.PathLike, name: str) -> BenchmarkSplit:
    """The ``name`` split of ``split``'s dataset, to calibrate on (its labels are never read)."""
    if split.source == "custom" or split.dataset not in DATASETS:
        raise InputError(split.source, f"{split.dataset.name} has no {name} split to calibrate on: only "
                                       "registered datasets do")
    return load_split(split.dataset, data_root, name)


def check_model_data(model: MotionTextModel, folder: str | None) -> None:
    """Refuse a model trained on windows other than the ones evaluation prepares (``config.json``'s data)."""
    data = getattr(model, "data", None)
    if data and (data.get("window"), data.get("rate_hz")) != (WINDOW, TARGET_RATE_HZ):
        raise InputError(folder, f"the model was trained on {data.get('window')} samples at {data.get('rate_hz')} Hz; "
                                 f"evaluation prepares {WINDOW} samples at {TARGET_RATE_HZ:g} Hz")


def document(folder: str | None, model: MotionTextModel, results: list[DatasetResult], splits: list[BenchmarkSplit],
             skipped: list[str], failed: dict[str, str], *, split: str, use_gyro: bool, gravity: str,
             templates: tuple[str, ...], protocol: ZeroShotProtocol | None = None) -> dict:
    """The results document of a run."""
    protocol = protocol or zero_shot_protocol("ours")
    metrics = {r.name: r.metrics for r in results}
    in_paper = {s.dataset.name for s in splits if s.dataset.level is not None}
    datasets = {s.dataset.name: {"source": s.source, "level": s.dataset.level, "classes": r.class_names,
                                 "joints": s.dataset.joint_names, "gravity": s.dataset.gravity,
                                 "gravity_assumed": s.dataset.gravity_assumed}
                for s, r in zip(splits, results)}
    return {
        "model_folder": folder,
        "model": {"channels": model.channels, "embed_dim": model.embed_dim},
        "protocol": {**protocol.to_json(), "split": split, "window": WINDOW, "rate_hz": TARGET_RATE_HZ,
                     "use_gyro": use_gyro,
                     "gravity": "removed where included" if gravity == "remove" else "as recorded",
                     "templates": list(templates) if protocol.class_text == "ensemble" else [],
                     "score": "cosine similarity"},
        "results": metrics,
        "average": average_metrics({k: v for k, v in metrics.items() if k in in_paper}),
        "average_outside_paper": average_metrics({k: v for k, v in metrics.items() if k not in in_paper}),
        "datasets": datasets,
        "confusion": {r.name: r.confusion.tolist() for r in results},
        "skipped": skipped,
        "failed": failed,
    }
