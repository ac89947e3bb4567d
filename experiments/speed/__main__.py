"""Speed suite: ``python -m experiments.speed simulate|augment|train|step|eval|export|all [--device cuda]``.

``train``, ``simulate`` and ``augment`` each time our code beside a plain implementation of the same work in
the same run (the paper's ST-GCN written plainly; simulation clip by clip and joint by joint; augmentation
sample by sample), and report peak memory beside speed. ``all`` runs them (and ``step``, ``eval``) and ends
with a summary: the machine, the ratios, then the absolute figures.

``step`` times the full pretraining step of ``--config`` (augmentation, text tower, loss, AdamW); ``eval``
zero-shot evaluation; ``export`` the exported edge classifier (ONNX fp32, int8) beside PyTorch: ``--model DIR``
exports that model folder (else a random-init ``--config`` network), ``--corpus DIR`` calibrates static int8.
``--device cuda`` runs ``train`` and ``step`` on the GPU (simulation is numpy, on the CPU). Each benchmark
appends a JSON record (figures + machine information) to ``experiments/speed/results/speed.jsonl``.
"""
from __future__ import annotations

import argparse

import torch

from pretrain.cpu_memory import keep_freed_memory

from .augment_speed import bench_augment
from .export_speed import bench_export
from .report import summary_lines
from .simulate_speed import bench_simulate
from .step_speed import bench_step
from .timing import RESULTS, record
from .train_speed import bench_train
from .zero_shot_speed import bench_eval

BENCHMARKS = {"train": bench_train, "simulate": bench_simulate, "augment": bench_augment, "step": bench_step,
              "eval": bench_eval, "export": bench_export}
#: What ``all`` runs, the three with a plain comparator first.
ALL = ("train", "simulate", "augment", "step", "eval")


def options_for(name: str, args: argparse.Namespace) -> dict:
    if name == "train":
        return {"device": args.device, "compile_encoder": args.compile}
    if name == "step":
        return {"config": args.config, "device": args.device, "compile_encoder": args.compile}
    if name in ("augment", "eval"):
        return {"config": args.config}
    if name == "export":
        return {"config": args.config, "model": args.model, "corpus": args.corpus}
    return {}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m experiments.speed", description=__doc__.splitlines()[0])
    parser.add_argument("benchmark", choices=[*BENCHMARKS, "all"])
    parser.add_argument("--config", default="cpu-small", help="augment, step, eval, export: the pretraining config")
    parser.add_argument("--device", default="cpu", help="train, step: cpu or cuda")
    parser.add_argument("--compile", action="store_true", help="train, step: run our ST-GCN through torch.compile")
    parser.add_argument("--model", help="export: the model folder to export (default: random init of --config)")
    parser.add_argument("--corpus", help="export: a corpus whose windows calibrate static int8")
    parser.add_argument("--no-record", action="store_true", help=f"do not append to {RESULTS}")
    args = parser.parse_args(argv)
    keep_freed_memory()  # a CPU step reuses its freed tensors instead of faulting in new pages
    if args.device.startswith("cuda") and not torch.cuda.is_available():
        parser.error("--device cuda: no CUDA device is available")
    names = ALL if args.benchmark == "all" else (args.benchmark,)
    results = {}
    for name in names:
        results[name] = BENCHMARKS[name](**options_for(name, args))
        if not args.no_record:
            record(name, results[name])
    if any(name in results for name in ("train", "simulate", "augment")):
        print("\n" + "\n".join(summary_lines(results)))


if __name__ == "__main__":
    main()
