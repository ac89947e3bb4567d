"""Zero-shot activity recognition with a pretrained motion-text model, on benchmarks or custom data.

    python -m zero_shot --model runs/cpu-small --benchmarks all --output zs.json --report zs.md
    python -m zero_shot --model runs/cpu-small --benchmarks UCIHAR,opportunity --data-root data/benchmarks
    python -m zero_shot predict --model runs/cpu-small watch.csv --classes "walking,running" --output p.csv
    python -m zero_shot --model runs/cpu-small --custom-x X.npy --custom-y y.npy --labels labels.json \\
        --joints right_wrist --input-rate 50 --acc-unit g
    python -m zero_shot --model runs/cpu-small --benchmarks basicmotions --baseline llm \\
        --endpoint http://localhost:8000/v1 --llm-model NAME --cache answers.json --report zs.md

``--benchmarks`` takes dataset names or folders (comma-separated, any case) or ``all``: every registered
dataset whose folder is under ``--data-root``, and BasicMotions, which ships with aeon. The JSON holds
``results`` (per dataset: acc, precision, recall, f1, r@1..r@5, mrr as fractions in [0, 1], and n),
their unweighted ``average``, confusion matrices, and the datasets that were ``skipped`` (absent) or
``failed`` (present but unusable, with the reason: a batch goes on without them); the library function
behind it is :func:`zero_shot.run_zero_shot`. Bad input - a missing
file, X and y of different lengths, label ids without a description, the wrong channel count, an unknown
benchmark, a bad model folder, or any problem with the only dataset asked for - prints one line
``error: <file>: <problem>`` on stderr, exits with code 2 and writes nothing.

``--protocol unimts`` evaluates exactly as the UniMTS reference code does (:mod:`zero_shot.protocol`: each class's
synonyms joined into one text, no template; the whole series resampled by FFT, then its first 10 s); the default
``ours`` ensembles templates x synonyms and resamples the prefix with an anti-aliasing filter. ``--class-text``
and ``--resampling`` change one setting of the chosen protocol. The JSON and the report record the protocol; the
report sets the paper's columns beside ours only for runs made the reference's way.

``--calibrate-on train`` standardises each class's scores over the dataset's training windows, read without
their labels (:mod:`zero_shot.calibration`): a label-free correction for the device, recorded in the JSON.

``--normalise simulated`` standardises them instead over simulated windows of the procedural library at the
device's joints, rate and gravity convention (:mod:`zero_shot.reference`): nothing of the device is read, so the
result is still zero-shot (the demo's headline zero-shot; README, "Normalising scores on simulated windows").

``--baseline llm`` asks a language or vision-language model on any OpenAI-compatible server to classify the
same windows (:mod:`zero_shot.llm_baseline`): beside the model given by ``--model``, or alone without it.
"""
from __future__ import annotations

import argparse
import json
import sys
from functools import partial
from pathlib import Path

import torch

from benchmarks.custom import MAX_RATE_HZ, MIN_RATE_HZ, add_custom_data_arguments, custom_split
from benchmarks.loader import SPLITS
from skeletons.arguments import add_model_argument, comma_list, flatten, require
from skeletons.atomic import write_text_atomic
from skeletons.errors import exit_on_bad_input

from .llm_baseline import add_llm_arguments, llm_settings, run_llm_baseline_document
from .protocol import add_protocol_arguments, zero_shot_protocol
from .report import write_report
from .run import DEFAULT_DATA_ROOT, NORMALISATIONS, load_splits, run_zero_shot
from .windows import WINDOW_S


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m zero_shot", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    add_model_argument(parser)
    parser.add_argument("--benchmarks", type=comma_list(), nargs="+",
                        help="comma-separated dataset names or folders, or 'all'")
    parser.add_argument("--data-root", default=DEFAULT_DATA_ROOT,
                        help=f"folder holding the released datasets (default {DEFAULT_DATA_ROOT})")
    parser.add_argument("--split", choices=SPLITS, default="test", help="split of the benchmarks (default test)")
    parser.add_argument("--calibrate-on", choices=SPLITS, default=None,
                        help="standardise each class's scores over this other split's windows, unlabeled "
                             "(zero_shot.calibration; e.g. train when scoring test)")
    parser.add_argument("--normalise", choices=NORMALISATIONS, default="none",
                        help="simulated: standardise each class's scores over simulated windows of the library at "
                             "the device's joints (zero_shot.reference); reads nothing of the device")
    parser.add_argument("--output", help="write the JSON results here (default: print them)")
    parser.add_argument("--report", help="write a markdown report here, confusion-matrix PNGs beside it")
    parser.add_argument("--batch-size", type=int, default=256, help="series per encoder batch (default 256)")
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu",
                        help="torch device of the model (default: cuda when available, else cpu)")
    parser.add_argument("--remove-gravity", action="store_true",
                        help="subtract gravity from accelerometers whose data includes it")
    add_protocol_arguments(parser)
    add_custom_data_arguments(parser)
    add_llm_arguments(parser)
    return parser


def _summary(name: str, m: dict, method: str = "") -> str:
    def percent(key: str) -> str:
        return "    –" if m[key] is None else f"{100 * m[key]:5.1f}"  # None: an LLM's answer ranks nothing

    return (f"{name:14s} {method}n={m['n']:<6d} acc {percent('acc')}  f1 {percent('f1')}  "
            f"R@2 {percent('r@2')}  R@5 {percent('r@5')}  MRR {percent('mrr')}")


def _say_window(args: argparse.Namespace) -> None:
    """Tell on stderr when custom series are longer than the one 10 s window the benchmark protocol scores."""
    import numpy as np

    if not MIN_RATE_HZ <= args.input_rate <= MAX_RATE_HZ:
        return  # the custom data's checks refuse the rate in one line
    try:
        steps = np.load(args.custom_x, mmap_mode="r", allow_pickle=False).shape[1]
    except (OSError, ValueError, IndexError):
        return  # the loader reports an unreadable file
    seconds = steps / args.input_rate
    if seconds > WINDOW_S + 1e-9:
        print(f"{args.custom_x}: series are {seconds:.1f} s; the benchmark protocol scores the first {WINDOW_S:g} s "
              f"of each (every window: python -m zero_shot predict, or zero_shot.MotionModel)", file=sys.stderr)


def run(args: argparse.Namespace) -> dict:
    """Evaluate (:func:`zero_shot.run_zero_shot`), write; the JSON document."""
    benchmarks: list = flatten(args.benchmarks) or []
    if args.custom_x:
        benchmarks.append(partial(custom_split, args, args.custom_x, args.custom_y))
        _say_window(args)
    gravity = "remove" if args.remove_gravity else "keep"
    settings = llm_settings(args) if args.baseline == "llm" else None
    splits, skipped, failed = load_splits(benchmarks, args.data_root, args.split)
    payload = {}
    if args.model:
        protocol = zero_shot_protocol(args.protocol, class_text=args.class_text, resampling=args.resampling)
        payload = run_zero_shot(args.model, splits, data_root=args.data_root, split=args.split,
                                batch_size=args.batch_size, device=args.device, gravity=gravity,
                                progress=sys.stderr.isatty(), protocol=protocol, calibrate_on=args.calibrate_on,
                                normalise=args.normalise)
        payload.update(skipped=skipped, failed={**failed, **payload["failed"]})
    if settings is not None:
        section = run_llm_baseline_document(splits, settings, split=args.split, progress=sys.stderr.isatty())
        if args.model:
            payload["baselines"] = {"llm": section}
        else:
            payload = {**section, "skipped": skipped, "failed": failed}
    document = json.dumps(payload, indent=2)
    if args.report:
        write_report(args.report, payload)
    if args.output:
        write_text_atomic(args.output, document + "\n")
        for name, metrics in payload["results"].items():
            print(_summary(name, metrics, "" if args.model else "LLM "))
        for name, metrics in payload.get("baselines", {}).get("llm", {}).get("results", {}).items():
            print(_summary(name, metrics, "LLM "))
    else:
        print(document)
    return payload


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["predict"]:  # label a recording of your own: zero_shot.predict
        from .predict import main as predict_main

        return predict_main(argv[1:])
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.baseline:
        require(parser, args, model="--model")
    if not args.benchmarks and not args.custom_x:
        parser.error("give --benchmarks and/or --custom-x")
    if args.custom_x and not all((args.custom_y, args.labels, args.joints, args.input_rate is not None)):
        parser.error("--custom-x needs --custom-y, --labels, --joints and --input-rate")
    if args.batch_size < 1:
        parser.error("--batch-size must be positive")
    if args.output and Path(args.output).is_dir():
        parser.error(f"--output {args.output} is a folder")
    with exit_on_bad_input():
        run(args)


if __name__ == "__main__":
    main()
