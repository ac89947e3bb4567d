"""Zero-shot activity recognition with a pretrained motion-text model, on benchmarks or custom data.

    python -m zero_shot --checkpoint runs/cpu-small --benchmarks all --output zs.json --report zs.md
    python -m zero_shot --checkpoint runs/cpu-small --benchmarks UCIHAR,opportunity --data-root data/benchmarks
    python -m zero_shot --checkpoint runs/cpu-small --custom-x X.npy --custom-y y.npy --labels labels.json \\
        --joints right_wrist --rate 50 --acc-unit g

``--benchmarks`` takes dataset names or folders (comma-separated, any case) or ``all``: every registered
dataset whose folder is under ``--data-root``, and BasicMotions, which ships with aeon. The JSON holds
``results`` (per dataset: acc, precision, recall, f1, r@1..r@5, mrr as fractions in [0, 1], and n),
their unweighted ``average``, confusion matrices, and the datasets that were ``skipped`` (absent) or
``failed`` (present but unusable, with the reason: a batch goes on without them). Bad input - a missing
file, X and y of different lengths, label ids without a description, the wrong channel count, an unknown
benchmark, a bad checkpoint folder, or any problem with the only dataset asked for - prints one line
``error: <file>: <problem>`` on stderr, exits with code 2 and writes nothing.
"""
from __future__ import annotations

import argparse
import json
import sys
from functools import partial
from pathlib import Path

import torch
from tqdm.auto import tqdm

from benchmarks.custom import add_custom_data_arguments, custom_options, load_custom
from benchmarks.loader import SPLITS, BenchmarkSplit, is_present, load_split
from benchmarks.metrics import average_metrics
from benchmarks.prepare import TARGET_RATE_HZ, WINDOW
from benchmarks.registry import DATASETS, get_dataset
from pretrain import load_model
from skeletons.atomic import write_text_atomic
from skeletons.errors import InputError, exit_on_bad_input

from .evaluate import DatasetResult, evaluate_split
from .prompts import TEMPLATES
from .report import write_report

DEFAULT_DATA_ROOT = "data/benchmarks"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m zero_shot", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checkpoint", required=True, help="model folder (model.safetensors + config.json)")
    parser.add_argument("--benchmarks", help="comma-separated dataset names or folders, or 'all'")
    parser.add_argument("--data-root", default=DEFAULT_DATA_ROOT,
                        help=f"folder holding the released datasets (default {DEFAULT_DATA_ROOT})")
    parser.add_argument("--split", choices=SPLITS, default="test", help="split of the benchmarks (default test)")
    parser.add_argument("--output", help="write the JSON results here (default: print them)")
    parser.add_argument("--report", help="write a markdown report here, confusion-matrix PNGs beside it")
    parser.add_argument("--batch-size", type=int, default=256, help="series per encoder batch (default 256)")
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu",
                        help="torch device of the model (default: cuda when available, else cpu)")
    parser.add_argument("--remove-gravity", action="store_true",
                        help="subtract gravity from accelerometers whose data includes it")
    add_custom_data_arguments(parser)
    return parser


def _jobs(args: argparse.Namespace) -> tuple[list[tuple[str, partial]], list[str]]:
    """(name, loader) of every dataset to evaluate, and the names skipped as absent (``all`` only)."""
    jobs, skipped = [], []
    if args.benchmarks:
        names = [name.strip() for name in args.benchmarks.split(",") if name.strip()]
        if [name.lower() for name in names] == ["all"]:
            datasets = [d for d in DATASETS if is_present(d, args.data_root)]
            skipped = [d.name for d in DATASETS if d not in datasets]
        else:
            datasets = list(dict.fromkeys(get_dataset(name) for name in names))
        jobs += [(d.name, partial(load_split, d, args.data_root, args.split)) for d in datasets]
    if args.custom_x:
        jobs.append(("custom", partial(load_custom, args.custom_x, args.custom_y, args.labels, args.joints, args.rate,
                                       **custom_options(args))))
    return jobs, skipped


def load_all(args: argparse.Namespace) -> tuple[list[BenchmarkSplit], list[str], dict[str, str]]:
    """The loaded splits, the skipped names and the failed ones with reasons.

    A dataset that fails in a batch is listed and left out; the only dataset asked for, or a batch where
    every dataset fails, raises its InputError.
    """
    jobs, skipped = _jobs(args)
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
        raise errors[0]
    return splits, skipped, failed


def build_payload(args: argparse.Namespace, model, results: list[DatasetResult], splits: list[BenchmarkSplit],
                  skipped: list[str], failed: dict[str, str], use_gyro: bool) -> dict:
    """The JSON document of a run."""
    metrics = {r.name: r.metrics for r in results}
    datasets = {split.dataset.name: {"source": split.source, "level": split.dataset.level,
                                     "classes": result.class_names, "joints": split.dataset.joint_names,
                                     "gravity": split.dataset.gravity,
                                     "gravity_assumed": split.dataset.gravity_assumed}
                for split, result in zip(splits, results)}
    return {
        "checkpoint": str(args.checkpoint),
        "model": {"channels": model.channels, "embed_dim": model.embed_dim},
        "protocol": {"split": args.split, "window": WINDOW, "rate_hz": TARGET_RATE_HZ, "use_gyro": use_gyro,
                     "gravity": "removed where included" if args.remove_gravity else "as recorded",
                     "templates": list(TEMPLATES), "score": "cosine similarity"},
        "results": metrics,
        "average": average_metrics(metrics),
        "datasets": datasets,
        "confusion": {r.name: r.confusion.tolist() for r in results},
        "skipped": skipped,
        "failed": failed,
    }


def _summary(result: DatasetResult) -> str:
    m = result.metrics
    return (f"{result.name:14s} n={m['n']:<6d} acc {100 * m['acc']:5.1f}  f1 {100 * m['f1']:5.1f}  "
            f"R@2 {100 * m['r@2']:5.1f}  R@5 {100 * m['r@5']:5.1f}  MRR {100 * m['mrr']:5.1f}")


def run(args: argparse.Namespace) -> dict:
    """Load, evaluate, write; the JSON document."""
    splits, skipped, failed = load_all(args)
    model = load_model(args.checkpoint, device=args.device)
    use_gyro = model.channels == 6
    progress = sys.stderr.isatty()
    results = [evaluate_split(model, split, batch_size=args.batch_size, use_gyro=use_gyro,
                              gravity="remove" if args.remove_gravity else "keep", progress=progress)
               for split in tqdm(splits, desc="datasets", unit="dataset", disable=not progress)]
    payload = build_payload(args, model, results, splits, skipped, failed, use_gyro)
    document = json.dumps(payload, indent=2)
    if args.report:
        write_report(args.report, payload, results)
    if args.output:
        write_text_atomic(args.output, document + "\n")
        for result in results:
            print(_summary(result))
    else:
        print(document)
    return payload


def main(argv: list[str] | None = None) -> None:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.benchmarks and not args.custom_x:
        parser.error("give --benchmarks and/or --custom-x")
    if args.custom_x and not all((args.custom_y, args.labels, args.joints, args.rate)):
        parser.error("--custom-x needs --custom-y, --labels, --joints and --rate")
    if args.batch_size < 1:
        parser.error("--batch-size must be positive")
    if args.output and Path(args.output).is_dir():
        parser.error(f"--output {args.output} is a folder")
    with exit_on_bad_input():
        run(args)


if __name__ == "__main__":
    main()
