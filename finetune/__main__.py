"""Few-shot and full-shot fine-tuning of a pretrained motion model, beside from-scratch and classical baselines.

    python -m finetune --model runs/cpu-small --benchmarks basicmotions --k 1,5 --full \\
        --modes full,probe,random,minirocket --seeds 3 --output reports/finetune/basicmotions.json
    python -m finetune --model runs/cpu-small --custom-x X_train.npy --custom-y y_train.npy \\
        --custom-test-x X_test.npy --custom-test-y y_test.npy --labels labels.json --joints right_wrist \\
        --input-rate 50 --acc-unit g --output custom.json
    python -m finetune --task forecast --model runs/cpu-small-llm --benchmarks basicmotions \
        --context 100 --horizon 20 --forecast-joints right_wrist --seeds 3 --output reports/forecast.json

Each run of a mode (full: encoder and head train; probe: frozen encoder, head only; random: the same network
from a random initialisation; early / random-early: a logistic regression on the frozen first blocks of the
pretrained / a freshly initialised encoder, :mod:`finetune.linear_probe`; minirocket: MiniRocket features and a
ridge classifier) sees k training series
per class (``--k``, a comma list, default 1,2,3,5,10; ``--k`` with no value runs none) or, with ``--full``,
the whole training split, and is scored on the whole test split. ``--seeds S`` runs seeds 0..S-1 (``--seeds
0,4`` runs those): each draws its own shots and initialisation, shared by all modes.

Two protocols (``--protocol``, :mod:`finetune.protocol`), each setting also on its own flag:

* ``ours`` (default): the text head, AdamW, batches of 8, 20 epochs and at least 50 steps, head rate 1e-3,
  encoder rate 1e-4, weight decay 0.01, the encoder's batch-norm statistics kept; shots drawn by seed; **when
  every class has 5 or more shots a stratified fifth is held out for early stopping** and the best epoch on it
  is kept, so k=5 trains on 4 series per class and validates on 1 (the table and JSON say
  ``k=5 (4 train + 1 validation)``; ``--validation none`` trains on all k);
* ``unimts``: the reference's ``finetune.py`` exactly: a linear head on the pooled encoder features, Adam at
  1e-4 for all weights, no weight decay, batches of 64, 200 epochs, batch-norm statistics updating
  (``model.train()``) in full and probe mode, the epoch with the lowest training loss kept, class text
  ``' '.join(synonyms)``, FFT resampling, and the shots of its released index files
  ``DATA_ROOT/few_shot_data_2/{dataset}_k={k}.pth`` (a missing file is an error naming it; ``--shots drawn`` or
  ``--draw-missing-shots`` use our seeded draws instead).

``--rotation`` adds random sensor rotations. The JSON
``--output`` holds the ``protocol``, ``results[mode]["<k>" or "full"]`` (its ``label``, acc / f1 mean and
sample std over seeds as fractions in [0, 1], shots per class, classes with fewer than k training series, and
every seed's metrics), the zero-shot accuracy of the model on the same test windows, the settings, and under
``selection`` the training-split rows of every run and where they came from; a markdown table of the modes side
by side is written beside it (``FILE.md``); with
several ``--benchmarks`` each gets its own pair, ``FILE-<benchmark>.json`` and ``.md``. ``--task forecast``
instead predicts the next ``--horizon`` samples of the chosen joints/channels from the ``--context`` before
them (:mod:`finetune.forecast`): MAE and RMSE per channel of the pretrained encoder's forecaster and the same
network from scratch (each over ``--seeds``) beside naive, seasonal-naive and linear (DLinear-style)
baselines; ``--epochs`` and ``--batch-size`` default to 10 and 16 there. ``--save DIR`` also
trains one classifier on the whole training split (of the first benchmark) and keeps it in DIR for
``python -m zero_shot predict --model DIR`` and ``finetune.Classifier.from_pretrained(DIR)``. Bad input - a missing
file or model folder, an unknown benchmark, mode or head, k < 1 - prints one line ``error: <file>: <problem>``
on stderr, exits with code 2 and writes nothing.
"""
from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path

import torch

from benchmarks.custom import add_custom_data_arguments, custom_options, custom_split
from benchmarks.loader import BenchmarkSplit
from benchmarks.registry import get_dataset
from skeletons.arguments import add_hidden_alias, add_model_argument, comma_list, flatten, require, seeds
from skeletons.atomic import write_text_atomic
from skeletons.errors import InputError, exit_on_bad_input
from zero_shot.device import Device
from zero_shot.protocol import add_protocol_arguments

from .classifier import MotionModel
from .data import labelled_windows
from .forecast import CHANNEL_NAMES, FORECAST_MODES, ForecastSettings, forecast_markdown, run_forecast
from .heads import HEADS
from .protocol import FINETUNE_PROTOCOLS, SHOTS, VALIDATION, FinetuneProtocol, finetune_protocol
from .report import markdown
from .run import DEFAULT_DATA_ROOT, MODES, PAPER_KS, load_splits, run_finetune
from .train import BATCHNORM, KEEP_EPOCH, NEURAL_MODES, TrainSettings

_DEFAULTS = TrainSettings()
_FORECAST = ForecastSettings()
_OURS, _UNIMTS = FINETUNE_PROTOCOLS["ours"], FINETUNE_PROTOCOLS["unimts"]


def _both(field: str) -> str:
    """``ours X, unimts Y``: a setting's default under each protocol, for --help."""
    return f"ours {getattr(_OURS, field)}, unimts {getattr(_UNIMTS, field)}"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m finetune", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--task", choices=("classify", "forecast"), default="classify",
                        help="classify (few-shot recognition, default) or forecast (next samples of chosen channels)")
    add_model_argument(parser)
    parser.add_argument("--benchmarks", type=comma_list(), nargs="+",
                        help="comma-separated dataset names or folders (any case), e.g. basicmotions,UCIHAR")
    add_hidden_alias(parser, "--benchmark", "benchmarks", type=comma_list(), nargs="+")
    parser.add_argument("--data-root", default=DEFAULT_DATA_ROOT,
                        help=f"folder holding the released datasets (default {DEFAULT_DATA_ROOT})")
    parser.add_argument("--k", type=comma_list(int), nargs="*", default=[list(PAPER_KS)],
                        help="training series per class, comma-separated (default 1,2,3,5,10). Under --protocol ours "
                             "a stratified fifth of k >= 5 shots is held out for early stopping: k=5 is "
                             "4 train + 1 validation per class (--validation none trains on all k)")
    parser.add_argument("--full", action="store_true", help="also train on the whole training split")
    parser.add_argument("--modes", type=comma_list(), default=list(MODES),
                        help=f"comma-separated modes among {', '.join(MODES)} (default: all)")
    add_hidden_alias(parser, "--mode", "modes", type=comma_list())
    parser.add_argument("--seeds", type=seeds, default=3,
                        help="a count S (seeds 0..S-1) or comma-separated seeds, e.g. 0,4 (default 3)")
    add_protocol_arguments(parser)
    parser.add_argument("--epochs", type=int,
                        help=f"training epochs, at most with early stopping (default: {_both('epochs')}; "
                             f"forecasting {_FORECAST.epochs})")
    parser.add_argument("--head", choices=HEADS,
                        help="text: classifier initialised from the label embeddings (zero-shot at start); "
                             "linear: randomly initialised linear layer on the encoder features, which learns "
                             f"faster with a higher --lr-head such as 1e-2 (default: {_both('head')})")
    parser.add_argument("--min-steps", type=int,
                        help=f"the fewest optimiser steps of a run: tiny training sets get more epochs "
                             f"(default: {_both('min_steps')})")
    parser.add_argument("--batch-size", type=int,
                        help=f"training windows per step (default: {_both('batch_size')}; "
                             f"forecasting {_FORECAST.batch_size})")
    parser.add_argument("--lr-head", type=float,
                        help=f"learning rate of the head, and of every weight in random mode "
                             f"(default: {_both('lr_head')})")
    parser.add_argument("--lr-encoder", type=float,
                        help=f"learning rate of the pretrained encoder in full mode (default: {_both('lr_encoder')})")
    parser.add_argument("--weight-decay", type=float,
                        help=f"AdamW weight decay of matrices and kernels (default: {_both('weight_decay')})")
    parser.add_argument("--batchnorm", choices=BATCHNORM,
                        help="keep: the encoder's batch-norm statistics stay the pretrained ones; update: they follow "
                             f"the training batches, as model.train() does (default: {_both('batchnorm')})")
    parser.add_argument("--validation", choices=VALIDATION,
                        help="holdout: a stratified fifth of k >= 5 shots validates for early stopping; none: every "
                             f"shot trains (default: {_both('validation')})")
    parser.add_argument("--keep-epoch", choices=KEEP_EPOCH,
                        help="validation: the best epoch on the held-out shots (the last without them); train_loss: "
                             f"the epoch with the lowest training loss (default: {_both('keep_epoch')})")
    parser.add_argument("--shots", choices=SHOTS,
                        help="drawn: our seeded draws; released: the reference's index files "
                             f"DATA_ROOT/few_shot_data_2/DATASET_k=K.pth (default: {_both('shots')})")
    parser.add_argument("--draw-missing-shots", action="store_true",
                        help="with --shots released, draw our seeded shots where an index file is absent (otherwise "
                             "its absence is an error)")
    parser.add_argument("--rotation", action="store_true",
                        help="rotate every joint's sensor frame at random in each training batch")
    parser.add_argument("--remove-gravity", action="store_true",
                        help="subtract gravity from accelerometers whose data includes it")
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu",
                        help="torch device of the neural runs (default: cuda when available, else cpu)")
    parser.add_argument("--output", required=True, help="the JSON results; the markdown table goes beside it (.md)")
    forecast = parser.add_argument_group("forecasting (--task forecast)")
    forecast.add_argument("--context", type=int, default=_FORECAST.context,
                          help=f"context samples at 20 Hz (default {_FORECAST.context})")
    forecast.add_argument("--horizon", type=int, default=_FORECAST.horizon,
                          help=f"samples to forecast (default {_FORECAST.horizon})")
    forecast.add_argument("--forecast-joints", type=comma_list(),
                          help="comma-separated joints to forecast (default: every joint with data)")
    forecast.add_argument("--forecast-channels", type=comma_list(),
                          help=f"comma-separated channels among {', '.join(CHANNEL_NAMES)} (default: all with data)")
    forecast.add_argument("--forecast-stride", type=int, default=_FORECAST.train_stride,
                          help=f"samples between training origins (default {_FORECAST.train_stride})")
    forecast.add_argument("--forecast-modes", type=comma_list(), default=list(FORECAST_MODES),
                          help=f"neural forecasters among {', '.join(FORECAST_MODES)} (default: both)")
    parser.add_argument("--save", metavar="DIR",
                        help="also train one classifier on the whole training split (first neural mode of --modes, "
                             "first seed, --head) and keep it in DIR (classifier.safetensors + classifier.json with "
                             "the labels and the device); python -m zero_shot predict --model DIR uses it")
    add_custom_data_arguments(parser, with_test=True)
    return parser


def _custom_splits(args: argparse.Namespace) -> tuple[BenchmarkSplit, BenchmarkSplit]:
    needed = {"--custom-y": args.custom_y, "--custom-test-x": args.custom_test_x,
              "--custom-test-y": args.custom_test_y, "--labels": args.labels, "--joints": args.joints,
              "--input-rate": args.input_rate}
    missing = [flag for flag, value in needed.items() if value is None]
    if missing:
        raise InputError(None, f"--custom-x needs {', '.join(missing)}")
    return (custom_split(args, args.custom_x, args.custom_y),
            custom_split(args, args.custom_test_x, args.custom_test_y))


def markdown_path(output: Path) -> Path:
    """``FILE.md`` beside ``FILE.json`` (``FILE.ext.md`` for any other name)."""
    return output.with_suffix(".md") if output.suffix == ".json" else output.with_name(output.name + ".md")


def _outputs(output: Path, benchmark: str, several: bool) -> tuple[Path, Path]:
    """The JSON and markdown files of one benchmark's results."""
    if several:
        output = output.with_name(f"{output.stem}-{benchmark.lower()}{output.suffix}")
    return output, markdown_path(output)


def run(args: argparse.Namespace) -> list[dict]:
    """Check the flags, fine-tune, write the JSON and the markdown table of each benchmark; the documents."""
    output = Path(args.output)
    if output.is_dir():
        raise InputError(output, "is a folder; --output names the JSON file to write")
    benchmarks = flatten(args.benchmarks) or []
    if bool(benchmarks) == bool(args.custom_x):
        raise InputError(None, "give either --benchmarks or --custom-x (with its test split)")
    datasets = list(dict.fromkeys(get_dataset(name) for name in benchmarks)) if benchmarks else [_custom_splits(args)]
    if args.task == "forecast":
        return [_forecast(args, data, output, len(datasets) > 1) for data in datasets]
    protocol = protocol_of(args)
    try:
        settings = protocol.train_settings(rotation=args.rotation)
    except ValueError as error:
        raise InputError(None, str(error)) from None
    documents = []
    for data in datasets:
        payload = run_finetune(args.model, data, ks=flatten(args.k), modes=args.modes, seeds=args.seeds,
                               epochs=protocol.epochs, head=protocol.head, full=args.full,
                               progress=sys.stderr.isatty(),
                               data_root=args.data_root, settings=settings, device=args.device,
                               gravity="remove" if args.remove_gravity else "keep", protocol=protocol,
                               draw_missing_shots=args.draw_missing_shots)
        for mode, why in payload["skipped_modes"].items():
            print(f"skipped mode {mode}: it {why}", file=sys.stderr)
        table = markdown(payload)
        json_path, table_path = _outputs(output, payload["benchmark"], len(datasets) > 1)
        write_text_atomic(json_path, json.dumps(payload, indent=2) + "\n")
        write_text_atomic(table_path, table)
        print(table, end="")
        documents.append(payload)
    if args.save:
        save_classifier(args, datasets[0], settings, protocol)
    return documents


def protocol_of(args: argparse.Namespace) -> FinetuneProtocol:
    """``--protocol`` with every flag given for one of its settings applied; InputError for a bad value."""
    try:
        return finetune_protocol(args.protocol, class_text=args.class_text, resampling=args.resampling,
                                 head=args.head, epochs=args.epochs, min_steps=args.min_steps,
                                 batch_size=args.batch_size, lr_head=args.lr_head, lr_encoder=args.lr_encoder,
                                 weight_decay=args.weight_decay, batchnorm=args.batchnorm,
                                 validation=args.validation, keep_epoch=args.keep_epoch, shots=args.shots)
    except ValueError as error:
        raise InputError(None, str(error)) from None


def _forecast(args: argparse.Namespace, data, output: Path, several: bool) -> dict:
    """The forecasting task on one dataset: run, write the JSON and the markdown table; the document."""
    try:
        settings = ForecastSettings(context=args.context, horizon=args.horizon, epochs=args.epochs or _FORECAST.epochs,
                                    batch_size=args.batch_size or _FORECAST.batch_size,
                                    lr_head=args.lr_head or _DEFAULTS.lr_head,
                                    lr_encoder=args.lr_encoder or _DEFAULTS.lr_encoder,
                                    train_stride=args.forecast_stride)
    except ValueError as error:
        raise InputError(None, str(error)) from None
    payload = run_forecast(args.model, data, seeds=args.seeds, modes=tuple(args.forecast_modes), settings=settings,
                           joints=args.forecast_joints, channels=args.forecast_channels, data_root=args.data_root,
                           device=args.device, gravity="remove" if args.remove_gravity else "keep",
                           progress=sys.stderr.isatty())
    table = forecast_markdown(payload)
    json_path, table_path = _outputs(output, payload["benchmark"], several)
    write_text_atomic(json_path, json.dumps(payload, indent=2) + "\n")
    write_text_atomic(table_path, table)
    print(table, end="")
    return payload


def save_classifier(args: argparse.Namespace, data, settings: TrainSettings,
                    protocol: FinetuneProtocol | None = None) -> Path:
    """Train the classifier ``--save`` keeps (see its help) and write it to ``args.save``."""
    modes = [mode for mode in args.modes if mode in NEURAL_MODES]
    if not modes:
        raise InputError(None, f"--save needs a neural mode among --modes ({', '.join(NEURAL_MODES)})")
    train_split, _ = load_splits(data, args.data_root)
    seed = args.seeds[0] if isinstance(args.seeds, list) else 0
    model = MotionModel.from_pretrained(args.model, device=args.device, remove_gravity=args.remove_gravity)
    head = protocol.head if protocol is not None else (args.head or "text")
    classifier = model.classifier(train_split.descriptions, head=head, mode=modes[0],
                                  settings=replace(settings, epochs=args.epochs or settings.epochs), seed=seed)
    if args.custom_x:
        classifier.device = Device(rate_hz=args.input_rate, joints=flatten(args.joints), **custom_options(args))
    gravity = "remove" if args.remove_gravity else "keep"
    classifier.fit_windows(labelled_windows(train_split, use_gyro=model.network.channels == 6, gravity=gravity))
    classifier.save_pretrained(args.save)
    print(f"classifier ({modes[0]}, {head} head, {len(train_split.y)} training series) saved to {args.save}")
    return Path(args.save)


def main(argv: list[str] | None = None) -> None:
    parser = build_parser()
    args = parser.parse_args(argv)
    require(parser, args, model="--model")
    with exit_on_bad_input():
        run(args)


if __name__ == "__main__":
    main()
