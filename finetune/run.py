"""Few-shot and full-shot fine-tuning of a pretrained motion model on one dataset, beside from-scratch and
classical baselines: every (mode, shots, seed) run on the same selected training series and test windows.

The protocol of UniMTS (Zhang et al., NeurIPS 2024, Sec. 4.3): k labelled series per class of the training
split (or all of it), prepared as pretraining windows are, and accuracy / macro F1 on the whole test split,
averaged over seeds. :func:`run_finetune` returns the document that ``python -m finetune`` writes as JSON.
"""
from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import asdict, replace
from typing import Literal

import numpy as np
import torch
from tqdm.auto import tqdm

from benchmarks.loader import BenchmarkSplit, load_split
from benchmarks.metrics import classification_metrics
from benchmarks.prepare import TARGET_RATE_HZ, WINDOW
from benchmarks.registry import Dataset, get_dataset
from pretrain import load_model
from pretrain.model import MotionTextModel
from skeletons.errors import InputError
from zero_shot.evaluate import zero_shot_scores
from zero_shot.prompts import class_text_embeddings

from .data import Windows, labelled_windows
from .heads import HEADS, Head, build_classifier
from .linear_probe import EARLY_BLOCKS, PROBE_C, early_features, early_probe_scores, has_blocks, random_encoder
from .minirocket import ALPHAS, N_KERNELS, minirocket_scores, present_channels
from .protocol import FinetuneProtocol, finetune_protocol
from .report import summarise
from .selection import (
    MIN_VALIDATION_SHOTS,
    VALIDATION_FRACTION,
    Selection,
    released_index_path,
    released_selection,
    select_shots,
    shots_label,
    stable_seed,
)
from .train import NEURAL_MODES, TrainSettings, fit, predict

#: Logistic regressions on the frozen early blocks (:mod:`finetune.linear_probe`): of the pretrained encoder, and
#: of the same network freshly initialised.
EARLY_MODES = ("early", "random-early")
MODES = (*NEURAL_MODES, *EARLY_MODES, "minirocket")
#: The shot counts of the paper's few-shot tables.
PAPER_KS = (1, 2, 3, 5, 10)
DEFAULT_DATA_ROOT = "data/benchmarks"
FULL_ROW = "full"


def row_name(k: int | None) -> int | str:
    """The results key of a shot setting: the integer k (a string in the JSON file), or ``"full"`` for the
    whole training split."""
    return FULL_ROW if k is None else int(k)


def load_splits(data: str | Dataset | tuple[BenchmarkSplit, BenchmarkSplit],
                data_root: str | os.PathLike = DEFAULT_DATA_ROOT) -> tuple[BenchmarkSplit, BenchmarkSplit]:
    """(train, test) of a registered dataset (by name or entry) under ``data_root``, or a given pair, checked
    to describe the same classes."""
    if isinstance(data, tuple):
        train, test = data
    else:
        dataset = get_dataset(data) if isinstance(data, str) else data
        train, test = load_split(dataset, data_root, "train"), load_split(dataset, data_root, "test")
    if train.labels != test.labels:
        raise InputError(test.source, "the test split's classes differ from the training split's")
    if len(np.unique(train.y)) < 2:
        raise InputError(train.source, "the training split holds fewer than two classes")
    return train, test


def _checked_options(ks: Sequence[int], modes: Sequence[str], seeds: int | Sequence[int], head: str,
                     full: bool) -> tuple[list[int | None], list[str], list[int]]:
    """Shot settings (None = full), modes and seeds, or InputError naming what is wrong."""
    unknown = [m for m in modes if m not in MODES]
    if unknown or not modes:
        raise InputError(None, f"unknown mode {unknown[0]!r}; known: {', '.join(MODES)}" if unknown
                         else "no mode given")
    bad = [k for k in ks if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1]
    if bad:
        raise InputError(None, f"k must be a whole number of series per class, at least 1; got {bad[0]!r}")
    shots: list[int | None] = list(dict.fromkeys(int(k) for k in ks)) + ([None] if full else [])
    if not shots:
        raise InputError(None, "nothing to run: give k values and/or full")
    seed_list = list(range(seeds)) if isinstance(seeds, (int, np.integer)) else [int(s) for s in seeds]
    if not seed_list or len(set(seed_list)) != len(seed_list):
        raise InputError(None, f"seeds: a positive count or distinct seeds, got {seeds!r}")
    if head not in HEADS:
        raise InputError(None, f"unknown head {head!r}; known: {', '.join(HEADS)}")
    return shots, list(dict.fromkeys(modes)), seed_list


def _selections(protocol: FinetuneProtocol, rows: dict[int | str, int | None], targets: np.ndarray,
                num_classes: int, name: str, dataset_dir: str, seed_list: list[int], data_root: str | os.PathLike,
                draw_missing_shots: bool) -> tuple[dict[int | str, list[Selection]], dict[int | str, str]]:
    """Each row's selection per seed, and where its shots came from (a released file, or our draws)."""
    hold_out = protocol.validation == "holdout"
    options = {} if hold_out else {"min_validation_shots": 10**9}
    selections, sources = {}, {}
    for row, k in rows.items():
        path = None if k is None else released_index_path(data_root, dataset_dir, k)
        if protocol.shots == "released" and path is not None and (path.is_file() or not draw_missing_shots):
            chosen = released_selection(path, targets, num_classes)
            selections[row], sources[row] = [chosen] * len(seed_list), os.fspath(path)
        else:
            selections[row] = [select_shots(targets, num_classes, k, name, seed, **options) for seed in seed_list]
            sources[row] = "all training series" if k is None else (
                f"drawn (seeded; {os.fspath(path)} absent)" if protocol.shots == "released" else "drawn (seeded)")
    return selections, sources


def _neural_run(model: MotionTextModel, mode: str, head: Head, train: Windows, selection: Selection, test: Windows,
                descriptions: list[list[str]], class_embeddings: torch.Tensor | None, settings: TrainSettings,
                seed: int, class_text: str = "ensemble") -> dict:
    """Train one classifier (see :mod:`finetune.train`) and score the test windows."""
    torch.manual_seed(seed)
    source = model
    if mode == "random":
        # The same architecture, freshly initialised: nothing of the pretrained model but its shape. Its text head
        # starts from the untrained projection of the (generally pretrained, never motion-aligned) text tower.
        source = MotionTextModel.from_config(model.config).to(model.logit_scale.device).eval()
        if head == "text":
            class_embeddings = class_text_embeddings(source, descriptions, class_text=class_text)
    classifier = build_classifier(source, head, len(descriptions), class_embeddings)
    validation = train.take(selection.validation) if len(selection.validation) else None
    report = fit(classifier, mode, train.take(selection.train), validation, settings, seed)
    scores = predict(classifier, test, settings.eval_batch_size)
    return {**classification_metrics(scores, test.targets), "train_series": len(selection.train),
            "validation_series": len(selection.validation), "epochs_run": report.epochs_run,
            "kept_epoch": report.kept_epoch, "validation_accuracy": report.validation_accuracy,
            "validation_loss": report.validation_loss}


def _summary(runs: list[dict], mode: str, k: int | None, selection: Selection, targets: np.ndarray,
             class_names: list[str]) -> dict:
    """One mode's entry for one shot setting: its honest label (the neural modes hold shots out for early
    stopping, the others fit on every shot), mean and std over seeds, shots, short classes, every seed."""
    available = np.bincount(targets, minlength=len(class_names))
    short = [name for name, count in zip(class_names, available) if k is not None and count < k]
    return {"label": shots_label(k, selection, targets, held_out=mode in NEURAL_MODES), **summarise(runs),
            "shots_per_class": selection.shots_per_class, "short_classes": short, "per_seed": runs}


def run_finetune(model_folder: str | os.PathLike, data: str | Dataset | tuple[BenchmarkSplit, BenchmarkSplit],
                 ks: Sequence[int] = PAPER_KS, modes: Sequence[str] = MODES, seeds: int | Sequence[int] = 3,
                 epochs: int | None = None, head: Head | None = None, full: bool = False, progress: bool = True, *,
                 data_root: str | os.PathLike = DEFAULT_DATA_ROOT, settings: TrainSettings | None = None,
                 device: str | torch.device = "cpu", gravity: Literal["keep", "remove"] = "keep",
                 protocol: FinetuneProtocol | str = "ours", draw_missing_shots: bool = False) -> dict:
    """Fine-tune the model in ``model_folder`` on ``data`` in every mode, shot setting and seed; the results document.

    Args:
        model_folder: a model folder (:func:`pretrain.load_model`).
        data: a dataset name or registry entry (both splits loaded from ``data_root``), or (train, test).
        ks: series per class of the few-shot runs.
        modes: any of ``full``, ``probe``, ``random`` (:mod:`finetune.train`), ``early`` and ``random-early``
            (:mod:`finetune.linear_probe`: a logistic regression on the frozen first blocks of the pretrained or a
            freshly initialised encoder; skipped, and listed under ``skipped_modes``, for an encoder without
            blocks) and ``minirocket`` (:mod:`finetune.minirocket`).
        seeds: a count n (seeds 0..n-1) or the seeds themselves; each seed draws its own shots
            (:mod:`finetune.selection`) and initialisation, shared by every mode.
        epochs: replaces ``settings.epochs`` (None: the protocol's).
        head: ``text`` or ``linear`` (:mod:`finetune.heads`; None: the protocol's).
        full: also run on the whole training split (the row ``"full"``).
        progress: show a progress bar over the (mode, shots, seed) runs.
        settings: the rest of the training settings (defaults: :class:`finetune.train.TrainSettings`).
        device: torch device of the neural runs.
        gravity: "remove" subtracts gravity from accelerometers that include it (:mod:`benchmarks.prepare`).
        protocol: a :class:`finetune.protocol.FinetuneProtocol` or its name (``ours``, ``unimts``): class text,
            resampling, validation hold-out and where the shots come from; ``settings``, ``head`` and ``epochs``
            default to its values.
        draw_missing_shots: with ``shots="released"``, draw our seeded shots where a released index file is
            absent (otherwise its absence is an InputError naming the file).

    Returns:
        ``{"benchmark", "model_folder", "classes", "n_train", "n_test", "protocol", "settings", "zero_shot",
        "skipped_modes": {mode: why}, "results": {mode: {row: {"label", "acc_mean", "acc_std", "f1_mean",
        "f1_std", "shots_per_class", "short_classes", "per_seed": [{"seed", metrics..., run details...}]}}},
        "selection": {row: [{"seed", "label", "source", "train", "validation"}]}}`` with rows keyed by the
        integer k and ``"full"``, metrics as fractions in [0, 1]; ``label`` says ``k=5 (4 train + 1
        validation)`` where shots are held out.

    Raises:
        InputError: an unknown mode, head or dataset, k < 1, no seeds, or unusable data or model folder.
    """
    if isinstance(protocol, str):
        try:
            protocol = finetune_protocol(protocol)
        except ValueError as error:
            raise InputError(None, str(error)) from None
    head = head or protocol.head
    shots, modes, seed_list = _checked_options(ks, modes, seeds, head, full)
    epochs = protocol.epochs if epochs is None else epochs
    if epochs < 1:
        raise InputError(None, f"epochs must be at least 1, got {epochs}")
    settings = replace(settings or protocol.train_settings(), epochs=epochs)
    train_split, test_split = load_splits(data, data_root)
    descriptions, name = train_split.descriptions, train_split.dataset.name
    rows = {row_name(k): k for k in shots}
    selections, sources = _selections(protocol, rows, train_split.targets, len(descriptions), name,
                                      train_split.dataset.dir, seed_list, data_root, draw_missing_shots)
    model = load_model(model_folder, device=device)
    skipped = {mode: f"probes the blocks of an ST-GCN; this model's encoder is {model.config.get('encoder')!r}"
               for mode in modes if mode in EARLY_MODES and not has_blocks(model.imu_encoder)}
    modes = [mode for mode in modes if mode not in skipped]
    if not modes:
        raise InputError(model_folder, f"no mode left to run: {'; '.join(f'{m} {why}' for m, why in skipped.items())}")
    use_gyro = model.channels == 6
    prepare = {"use_gyro": use_gyro, "gravity": gravity, "resampling": protocol.resampling}
    train = labelled_windows(train_split, **prepare)
    test = labelled_windows(test_split, **prepare)
    class_embeddings = class_text_embeddings(model, descriptions, class_text=protocol.class_text)
    zero_shot = classification_metrics(zero_shot_scores(model, test.imu, test.mask, class_embeddings), test.targets)
    channels = present_channels(train.mask)
    pretrained_test_features = None  # the early blocks of the pretrained encoder over the test windows, once
    jobs = [(mode, row, index) for mode in modes for row in selections for index in range(len(seed_list))]
    results: dict[str, dict[int | str, list[dict]]] = {mode: {row: [] for row in selections} for mode in modes}
    bar = tqdm(jobs, desc=f"fine-tuning {name}", unit="run", disable=not progress)
    for mode, row, index in bar:
        seed, selection = seed_list[index], selections[row][index]
        bar.set_postfix_str(f"{mode} {row} seed {seed}")
        run_seed = stable_seed(name, row, seed)
        if mode == "minirocket":
            scores, alpha = minirocket_scores(train.take(selection.shots), test, len(descriptions), run_seed, channels)
            record = {**classification_metrics(scores, test.targets), "train_series": len(selection.shots),
                      "validation_series": 0, "ridge_alpha": alpha}
        elif mode in EARLY_MODES:
            if mode == "early":
                encoder = model.imu_encoder
                if pretrained_test_features is None:
                    pretrained_test_features = early_features(encoder, model.channels, test)
                test_features = pretrained_test_features
            else:
                encoder, test_features = random_encoder(model, run_seed).to(device), None
            scores = early_probe_scores(encoder, model.channels, train.take(selection.shots), test, len(descriptions),
                                        test_features=test_features)
            record = {**classification_metrics(scores, test.targets), "train_series": len(selection.shots),
                      "validation_series": 0, "blocks": EARLY_BLOCKS}
        else:
            record = _neural_run(model, mode, head, train, selection, test, descriptions,
                                 class_embeddings if head == "text" else None, settings, run_seed,
                                 protocol.class_text)
        results[mode][row].append({"seed": seed, **record})
    class_names = [synonyms[0] for synonyms in descriptions]
    return {
        "benchmark": name,
        "model_folder": os.fspath(model_folder),
        "classes": class_names,
        "n_train": len(train),
        "n_test": len(test),
        "protocol": protocol.to_json(),
        "settings": {"modes": modes, "ks": [k for k in shots if k is not None], "full": full, "seeds": seed_list,
                     "head": head, **asdict(settings), "device": str(device), "use_gyro": use_gyro,
                     "gravity": "removed where included" if gravity == "remove" else "as recorded",
                     "window": WINDOW, "rate_hz": TARGET_RATE_HZ,
                     "validation_fraction": VALIDATION_FRACTION if protocol.validation == "holdout" else 0.0,
                     "min_validation_shots": MIN_VALIDATION_SHOTS if protocol.validation == "holdout" else None,
                     "minirocket": {"n_kernels": N_KERNELS, "alphas": ALPHAS.tolist()},
                     "early_probe": {"blocks": EARLY_BLOCKS, "C": PROBE_C},
                     "std": "sample standard deviation over seeds (ddof 1)"},
        "zero_shot": zero_shot,
        "skipped_modes": skipped,
        "results": {mode: {row: _summary(runs, mode, rows[row], selections[row][0], train.targets, class_names)
                           for row, runs in by_row.items()}
                    for mode, by_row in results.items()},
        "selection": {row: [{"seed": seed, "label": shots_label(rows[row], s, train.targets), "source": sources[row],
                             **s.to_json()} for seed, s in zip(seed_list, runs)]
                      for row, runs in selections.items()},
    }
