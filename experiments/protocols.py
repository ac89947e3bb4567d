"""Our protocol against the UniMTS reference's, on one model: what each way of evaluating gives.

    python -m experiments.protocols --model runs/cpu-small --data-root data/benchmarks --output reports/protocols.json

For every benchmark (default BasicMotions, bundled with aeon, and UCI-HAR as ``python -m benchmarks.ucihar`` cuts
it from the raw HAPT recordings into ``DATA_ROOT/UCIHAR``), one table: zero-shot accuracy and macro F1 of the
same model under ``--protocol ours`` and ``--protocol unimts`` (:mod:`zero_shot.protocol`), and few-shot
fine-tuning (:mod:`finetune.protocol`) at each k and mode under both, mean ± sample std over seeds. Rows are
labelled honestly: under ours, k >= 5 holds a fifth of the shots out for early stopping (``k=5 (4 train + 1
validation)``), under unimts every shot trains. The benchmarks' data carries no released few-shot index files,
so both protocols draw their shots with our seeded draws (``--draw-missing-shots``): the same shots for the same
seed, k and dataset, which isolates the training recipe. ``--train-every`` / ``--test-every`` keep every n-th
window of a large split (stated in the output), so that a CPU measurement stays small. Writes the JSON and a
markdown table beside it (``FILE.md``), both atomically.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch

from benchmarks.loader import BenchmarkSplit
from benchmarks.markdown import markdown_table
from benchmarks.registry import get_dataset
from finetune.protocol import finetune_protocol
from finetune.run import load_splits, run_finetune
from skeletons.arguments import comma_list
from skeletons.atomic import write_text_atomic
from skeletons.errors import exit_on_bad_input
from zero_shot.run import run_zero_shot

PROTOCOLS = ("ours", "unimts")


def every(split: BenchmarkSplit, step: int) -> BenchmarkSplit:
    """Every ``step``-th series of ``split`` (all of it for step 1)."""
    if step <= 1:
        return split
    keep = np.arange(0, len(split.y), step)
    return replace(split, x=np.asarray(split.x[keep]), y=split.y[keep])


def measure(model: str, benchmarks: list[str], data_root: str, ks: list[int], modes: list[str], seeds: int,
            train_every: int = 1, test_every: int = 1, device: str = "cpu", few_shot_on: list[str] | None = None,
            unimts_epochs: int | None = None) -> dict:
    """The comparison document (see the module doc); few-shot only on ``few_shot_on`` (default: every benchmark),
    the unimts recipe cut to ``unimts_epochs`` when given (recorded as a departure in its protocol name)."""
    document: dict = {"model_folder": model, "benchmarks": {}, "settings": {
        "ks": ks, "modes": modes, "seeds": list(range(seeds)), "train_every": train_every, "test_every": test_every,
        "unimts_epochs": unimts_epochs or finetune_protocol("unimts").epochs,
        "shots": "our seeded draws under both protocols (no released index files for these data)"}}
    few_shot_on = [get_dataset(name).name for name in (few_shot_on or benchmarks)]
    for name in benchmarks:
        started = time.perf_counter()
        dataset = get_dataset(name)
        train, test = load_splits(dataset, data_root)
        train, test = every(train, train_every), every(test, test_every)
        entry: dict = {"n_train": len(train.y), "n_test": len(test.y), "zero_shot": {}, "few_shot": {}}
        for protocol in PROTOCOLS:
            zero = run_zero_shot(model, [test], data_root=data_root, device=device, protocol=protocol)
            metrics = zero["results"][dataset.name]
            entry["zero_shot"][protocol] = {"acc": metrics["acc"], "f1": metrics["f1"], "n": metrics["n"]}
            if dataset.name not in few_shot_on:
                continue
            recipe = finetune_protocol(protocol, epochs=unimts_epochs if protocol == "unimts" else None)
            few = run_finetune(model, (train, test), ks=ks, modes=modes, seeds=seeds, progress=False,
                               data_root=data_root, device=device, protocol=recipe, draw_missing_shots=True)
            entry["few_shot"][protocol] = {
                mode: {str(row): {key: value[key] for key in ("label", "acc_mean", "acc_std", "f1_mean", "f1_std")}
                       for row, value in rows.items()} for mode, rows in few["results"].items()}
            entry.setdefault("protocols", {})[protocol] = few["protocol"]
        entry["seconds"] = round(time.perf_counter() - started, 1)
        document["benchmarks"][dataset.name] = entry
    return document


def _cell(value: dict) -> str:
    return f"{100 * value['acc_mean']:.1f} ± {100 * value['acc_std']:.1f}"


def markdown(document: dict) -> str:
    """One table: a row per (benchmark, setting), the protocols side by side (accuracy, %)."""
    rows = []
    for name, entry in document["benchmarks"].items():
        zero = entry["zero_shot"]
        rows.append([name, "zero-shot", *(f"{100 * zero[p]['acc']:.1f}" for p in PROTOCOLS)])
        if not entry["few_shot"]:
            continue
        ours, unimts = entry["few_shot"]["ours"], entry["few_shot"]["unimts"]
        for mode in ours:
            for row in ours[mode]:
                rows.append([name, f"{mode}, ours {ours[mode][row]['label']} / unimts {unimts[mode][row]['label']}",
                             _cell(ours[mode][row]), _cell(unimts[mode][row])])
    settings = document["settings"]
    lines = ["# Our protocol against the UniMTS reference's", "",
             f"Model `{document['model_folder']}`; accuracy in % (few-shot: mean ± sample std over seeds "
             f"{settings['seeds']}); shots: {settings['shots']}; the unimts recipe ran {settings['unimts_epochs']} "
             f"epochs (the reference: 200). Kept: every {settings['train_every']}-th training and every "
             f"{settings['test_every']}-th test window (n below).", "",
             *markdown_table(["benchmark", "setting", "ours", "unimts"], rows), ""]
    for name, entry in document["benchmarks"].items():
        lines.append(f"- {name}: {entry['n_train']} training / {entry['n_test']} test windows, {entry['seconds']} s.")
    machine = document.get("machine")
    if machine:
        lines += ["", f"Machine: {machine}."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m experiments.protocols", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True, help="the model folder (python -m pretrain's output)")
    parser.add_argument("--data-root", default="data/benchmarks", help="folder holding UCIHAR/ (and others)")
    parser.add_argument("--benchmarks", type=comma_list(), default=["BasicMotions", "UCIHAR"])
    parser.add_argument("--k", type=comma_list(int), default=[1, 5], help="shots per class (default 1,5)")
    parser.add_argument("--modes", type=comma_list(), default=["full", "probe"])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--train-every", type=int, default=1, help="keep every n-th training window (default 1)")
    parser.add_argument("--test-every", type=int, default=1, help="keep every n-th test window (default 1)")
    parser.add_argument("--few-shot-on", type=comma_list(), help="few-shot on these benchmarks only (default: all)")
    parser.add_argument("--unimts-epochs", type=int,
                        help="cut the unimts recipe to this many epochs (default: its 200), for a small measurement")
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--output", required=True, help="the JSON; the markdown table goes beside it (.md)")
    args = parser.parse_args(argv)
    with exit_on_bad_input():
        started = time.perf_counter()
        document = measure(args.model, args.benchmarks, args.data_root, args.k, args.modes, args.seeds,
                           args.train_every, args.test_every, args.device, args.few_shot_on, args.unimts_epochs)
        document["machine"] = (f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, torch "
                               f"{torch.__version__}, {torch.get_num_threads()} threads; "
                               f"{time.perf_counter() - started:.0f} s in all")
        output = Path(args.output)
        write_text_atomic(output, json.dumps(document, indent=2) + "\n")
        write_text_atomic(output.with_suffix(".md"), markdown(document))
    print(markdown(document), end="")


if __name__ == "__main__":
    main()
