"""Few-shot and full-shot fine-tuning of a pretrained motion model, beside from-scratch and classical baselines.

    python -m finetune --model runs/cpu-small --benchmarks basicmotions --k 1,5 --full \\
        --modes full,probe,random,minirocket --seeds 3 --output reports/finetune/basicmotions.json
    python -m finetune --model runs/cpu-small --custom-x X_train.npy --custom-y y_train.npy \\
        --custom-test-x X_test.npy --custom-test-y y_test.npy --labels labels.json --joints right_wrist \\
        --input-rate 50 --acc-unit g --output custom.json
    python -m finetune --task forecast --model runs/cpu-small-llm --benchmarks basicmotions \
        --context 100 --horizon 20 --forecast-joints right_wrist --seeds 3 --output reports/forecast.json

Each run of a mode (full: encoder and head train; probe: frozen encoder, head only; random: the same network
from a random initialisation; minirocket: MiniRocket features and a ridge classifier) sees k training series
per class (``--k``, a comma list, default 1,2,3,5,10; ``--k`` with no value runs none) or, with ``--full``,
the whole training split, and is scored on the whole test split. ``--seeds S`` runs seeds 0..S-1 (``--seeds
0,4`` runs those): each draws its own shots and initialisation, shared by all modes. Training
(:mod:`finetune.train`): AdamW, batches of 8, 20 epochs and at least 50 steps, head rate 1e-3, encoder rate
1e-4, the encoder's batch-norm statistics kept in full mode; when every class has 5 or more shots a stratified
fifth is held out and the best epoch on it is kept; ``--rotation`` adds random sensor rotations. The JSON
``--output`` holds ``results[mode]["<k>" or "full"]`` (acc / f1 mean and sample std over seeds as fractions in
[0, 1], shots per class, classes with fewer than k training series, and every seed's metrics), the zero-shot
accuracy of the model on the same test windows, the settings, and under ``selection`` the training-split
indices of every run; a markdown table of the modes side by side is written beside it (``FILE.md``); with
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

from .classifier import MotionModel
from .data import labelled_windows
from .forecast import CHANNEL_NAMES, FORECAST_MODES, ForecastSettings, forecast_markdown, run_forecast
from .heads import HEADS
from .report import markdown
from .run import DEFAULT_DATA_ROOT, MODES, PAPER_KS, load_splits, run_finetune
from .train import NEURAL_MODES, TrainSettings

_DEFAULTS = TrainSettings()
_FORECAST = ForecastSettings()


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
                        help="training series per class, comma-separated (default 1,2,3,5,10)")
    parser.add_argument("--full", action="store_true", help="also train on the whole training split")
    parser.add_argument("--modes", type=comma_list(), default=list(MODES),
                        help=f"comma-separated modes among {', '.join(MODES)} (default: all)")
    add_hidden_alias(parser, "--mode", "modes", type=comma_list())
    parser.add_argument("--seeds", type=seeds, default=3,
                        help="a count S (seeds 0..S-1) or comma-separated seeds, e.g. 0,4 (default 3)")
    parser.add_argument("--epochs", type=int,
                        help=f"training epochs, at most with early stopping (default {_DEFAULTS.epochs}; "
                             f"forecasting {_FORECAST.epochs})")
    parser.add_argument("--head", choices=HEADS, default="text",
                        help="text: classifier initialised from the label embeddings (zero-shot at start); "
                             "linear: randomly initialised linear layer on the encoder features, which learns "
                             "faster with a higher --lr-head such as 1e-2 (default text)")
    parser.add_argument("--min-steps", type=int, default=_DEFAULTS.min_steps,
                        help=f"the fewest optimiser steps of a run: tiny training sets get more epochs "
                             f"(default {_DEFAULTS.min_steps})")
    parser.add_argument("--batch-size", type=int,
                        help=f"training windows per step (default {_DEFAULTS.batch_size}; "
                             f"forecasting {_FORECAST.batch_size})")
    parser.add_argument("--lr-head", type=float, default=_DEFAULTS.lr_head,
                        help=f"learning rate of the head, and of every weight in random mode "
                             f"(default {_DEFAULTS.lr_head})")
    parser.add_argument("--lr-encoder", type=float, default=_DEFAULTS.lr_encoder,
                        help=f"learning rate of the pretrained encoder in full mode (default {_DEFAULTS.lr_encoder})")
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
    try:
        settings = TrainSettings(batch_size=args.batch_size or _DEFAULTS.batch_size, lr_head=args.lr_head,
                                 lr_encoder=args.lr_encoder,
                                 rotation=args.rotation, min_steps=args.min_steps)
    except ValueError as error:
        raise InputError(None, str(error)) from None
    documents = []
    for data in datasets:
        payload = run_finetune(args.model, data, ks=flatten(args.k), modes=args.modes, seeds=args.seeds,
                               epochs=args.epochs or _DEFAULTS.epochs, head=args.head, full=args.full,
                               progress=sys.stderr.isatty(),
                               data_root=args.data_root, settings=settings, device=args.device,
                               gravity="remove" if args.remove_gravity else "keep")
        table = markdown(payload)
        json_path, table_path = _outputs(output, payload["benchmark"], len(datasets) > 1)
        write_text_atomic(json_path, json.dumps(payload, indent=2) + "\n")
        write_text_atomic(table_path, table)
        print(table, end="")
        documents.append(payload)
    if args.save:
        save_classifier(args, datasets[0], settings)
    return documents


def _forecast(args: argparse.Namespace, data, output: Path, several: bool) -> dict:
    """The forecasting task on one dataset: run, write the JSON and the markdown table; the document."""
    try:
        settings = ForecastSettings(context=args.context, horizon=args.horizon, epochs=args.epochs or _FORECAST.epochs,
                                    batch_size=args.batch_size or _FORECAST.batch_size, lr_head=args.lr_head,
                                    lr_encoder=args.lr_encoder, train_stride=args.forecast_stride)
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


def save_classifier(args: argparse.Namespace, data, settings: TrainSettings) -> Path:
    """Train the classifier ``--save`` keeps (see its help) and write it to ``args.save``."""
    modes = [mode for mode in args.modes if mode in NEURAL_MODES]
    if not modes:
        raise InputError(None, f"--save needs a neural mode among --modes ({', '.join(NEURAL_MODES)})")
    train_split, _ = load_splits(data, args.data_root)
    seed = args.seeds[0] if isinstance(args.seeds, list) else 0
    model = MotionModel.from_pretrained(args.model, device=args.device, remove_gravity=args.remove_gravity)
    classifier = model.classifier(train_split.descriptions, head=args.head, mode=modes[0],
                                  settings=replace(settings, epochs=args.epochs), seed=seed)
    if args.custom_x:
        classifier.device = Device(rate_hz=args.input_rate, joints=flatten(args.joints), **custom_options(args))
    gravity = "remove" if args.remove_gravity else "keep"
    classifier.fit_windows(labelled_windows(train_split, use_gyro=model.network.channels == 6, gravity=gravity))
    classifier.save_pretrained(args.save)
    print(f"classifier ({modes[0]}, {args.head} head, {len(train_split.y)} training series) saved to {args.save}")
    return Path(args.save)


def main(argv: list[str] | None = None) -> None:
    parser = build_parser()
    args = parser.parse_args(argv)
    require(parser, args, model="--model")
    with exit_on_bad_input():
        run(args)


if __name__ == "__main__":
    main()
