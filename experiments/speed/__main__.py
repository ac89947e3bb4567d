"""Speed suite: ``python -m experiments.speed simulate|augment|train|eval|export|all [--config NAME]``.

``export`` times the exported edge classifier (ONNX fp32, int8) beside PyTorch: ``--model DIR`` exports that
model folder (else a random-init ``--config`` network), ``--corpus DIR`` calibrates static int8 on its windows.

``all`` runs every benchmark (and, when CUDA is present, the ``unimts-ours`` config's training step on the GPU in
bf16 with the ST-GCN compiled). Each benchmark prints its figures and appends a JSON record (figure +
machine information) to ``experiments/speed/results/speed.jsonl``.
"""
from __future__ import annotations

import argparse

import torch

from .augment_speed import bench_augment
from .export_speed import bench_export
from .simulate_speed import bench_simulate
from .timing import RESULTS, record
from .train_speed import bench_train
from .zero_shot_speed import bench_eval

BENCHMARKS = {"simulate": bench_simulate, "augment": bench_augment, "train": bench_train, "eval": bench_eval,
              "export": bench_export}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m experiments.speed", description=__doc__.splitlines()[0])
    parser.add_argument("benchmark", choices=[*BENCHMARKS, "all"])
    parser.add_argument("--config", default="cpu-small", help="augment, train, eval: the pretraining config to time")
    parser.add_argument("--model", help="export: the model folder to export (default: random init of --config)")
    parser.add_argument("--corpus", help="export: a corpus whose windows calibrate static int8")
    parser.add_argument("--no-record", action="store_true", help=f"do not append to {RESULTS}")
    args = parser.parse_args(argv)
    names = list(BENCHMARKS) if args.benchmark == "all" else [args.benchmark]
    runs = [(name, {} if name == "simulate" else {"config": args.config}) for name in names]
    runs = [(name, {**options, "model": args.model, "corpus": args.corpus} if name == "export" else options)
            for name, options in runs]
    if args.benchmark == "all" and torch.cuda.is_available():  # the paper's config on the GPU, for later comparison
        runs.append(("train", {"config": "unimts-ours", "device": "cuda", "compile_encoder": True}))
    for name, options in runs:
        figures = BENCHMARKS[name](**options)
        if not args.no_record:
            record(name, figures)


if __name__ == "__main__":
    main()
