"""``make demo``: the whole method on real data, offline, in minutes on a laptop CPU.

    python -m experiments.demo [--output reports/demo] [--corpus data/corpus/procedural] [--model runs/cpu-small]

1. builds the procedural corpus (simulated IMU of 60 activities with varied descriptions);
2. pretrains the ``cpu-small`` config on it (resuming an interrupted run; a finished one is reused);
3. evaluates zero-shot on BasicMotions (real smartwatch data that ships with aeon): no BasicMotions
   series is ever trained on;
4. fine-tunes with k = 1 and 5 labelled series per class: pretrained vs random init vs MiniRocket;
5. writes ``summary.json``, ``summary.md`` and plots (simulated vs real wrist IMU, the confusion matrix,
   accuracy against k) to the output folder and prints the summary table.

Each stage's wall time goes into ``summary.json`` under ``timings``.
"""
from __future__ import annotations

import argparse
import json
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from skeletons.atomic import write_text_atomic
from skeletons.errors import exit_on_bad_input

#: The right wrist, where the BasicMotions watch sits (``benchmarks.registry``).
WRIST = 21
#: Procedural activities shown beside BasicMotions' classes in the simulated-vs-real plot.
COMPARED = {"walking": "walk", "running": "run"}
MODE_NAMES = {"full": "pretrained, fine-tuned", "probe": "pretrained, linear probe", "random": "random init",
              "minirocket": "MiniRocket"}


@contextmanager
def timed(timings: dict, stage: str):
    start = time.perf_counter()
    print(f"demo: {stage} ...", flush=True)
    yield
    timings[f"{stage}_s"] = round(time.perf_counter() - start, 1)


def pretrain_once(corpus: Path, model_dir: Path, config_name: str) -> dict:
    """Pretrain ``config_name`` into ``model_dir`` unless a finished model of that length is there."""
    from pretrain.config import load_config
    from pretrain.train import train

    config = load_config(config_name)
    saved = model_dir / "config.json"
    if (model_dir / "model.safetensors").exists() and saved.exists():
        trained = json.loads(saved.read_text()).get("trained", {})
        if trained.get("steps") == config["train"]["max_steps"] and trained.get("config") == config["name"]:
            return trained
    train(config, corpus, model_dir, resume=True)
    return json.loads(saved.read_text())["trained"]


def simulated_vs_real(rate_hz: float = 20.0, seed: int = 0) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """For walking and running: the right wrist of a procedural clip simulated as the corpus is (consumer
    sensor model), gravity removed, beside the first BasicMotions train series of that class (whose watch
    reports no gravity)."""
    import torch

    from benchmarks.loader import load_split
    from benchmarks.prepare import prepare_split
    from benchmarks.registry import BASIC_MOTIONS
    from simulate.corpus import CorpusConfig, simulate_motions
    from simulate.gravity import remove_gravity
    from simulate.sources import procedural_items

    split = load_split(BASIC_MOTIONS, ".", "train")
    imu, _ = prepare_split(split)
    names = [split.labels[class_id][0] for class_id in split.class_ids]
    config = CorpusConfig(source="procedural", rate_hz=rate_hz, seed=seed)
    pairs = {}
    for real_name, activity in COMPARED.items():
        item = procedural_items(1, seed, activities=[activity])[0]
        clip = simulate_motions(item.load(), config, [item.id])[0][:, WRIST]  # (T, 6) with gravity
        clip = remove_gravity(torch.from_numpy(clip)[None, :, None], rate_hz=rate_hz)[0, :, 0].numpy()
        real = imu[int(np.flatnonzero(split.targets == names.index(real_name))[0]), :, WRIST]
        pairs[real_name] = (clip[: len(real)], real)
    return pairs


def few_shot(model_dir: Path, ks: list[int], modes: list[str], seeds: int, epochs: int) -> dict:
    """Fine-tuning on BasicMotions (:mod:`finetune`), by k: the first mode's (the pretrained model's)
    ``acc_mean``, ``acc_std``, ``f1_mean``, ``f1_std``, and every mode's under ``by_mode``."""
    from benchmarks.registry import BASIC_MOTIONS
    from finetune import run_finetune

    results = run_finetune(model_dir, BASIC_MOTIONS, ks=ks, modes=modes, seeds=seeds, epochs=epochs,
                           progress=True)["results"]
    by_k = {}
    for k in (f"k={k}" for k in ks):
        by_mode = {mode: results[mode][k] for mode in modes}
        headline = {key: by_mode[modes[0]][key] for key in ("acc_mean", "acc_std", "f1_mean", "f1_std")}
        by_k[k] = {**headline, "mode": modes[0], "by_mode": by_mode}
    return by_k


def summary_markdown(summary: dict) -> str:
    zero = summary["zero_shot"]["basicmotions"]
    lines = ["# Demo: UniMTS-style pretraining on simulated motion, evaluated on real BasicMotions", "",
             f"Model `{summary['model']}` ({summary['pretrain']['steps']} steps of `{summary['pretrain']['config']}` "
             f"on {summary['corpus']['clips']} procedural clips). Chance is 0.25.", "",
             "## Zero-shot (test split, 40 series)", "",
             "| acc | macro F1 | R@2 | MRR |", "|---|---|---|---|",
             f"| {zero['acc']:.3f} | {zero['f1']:.3f} | {zero['r@2']:.3f} | {zero['mrr']:.3f} |", "",
             "## Few-shot (test accuracy, mean ± std over seeds)", ""]
    few = summary["few_shot"]["basicmotions"]
    modes = list(next(iter(few.values()))["by_mode"])
    lines += ["| k | " + " | ".join(MODE_NAMES.get(mode, mode) for mode in modes) + " |",
              "|---" * (len(modes) + 1) + "|"]
    for k, entry in few.items():
        cells = [f"{entry['by_mode'][m]['acc_mean']:.3f} ± {entry['by_mode'][m]['acc_std']:.3f}" for m in modes]
        lines.append(f"| {k.split('=')[1]} | " + " | ".join(cells) + " |")
    lines += ["", "## Timings (s)", "", "| " + " | ".join(summary["timings"]) + " |",
              "|---" * len(summary["timings"]) + "|",
              "| " + " | ".join(str(v) for v in summary["timings"].values()) + " |", "",
              "## Plots", ""] + [f"![{name}]({file})" for name, file in summary["plots"].items()]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m experiments.demo", description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=Path("reports/demo"))
    parser.add_argument("--corpus", type=Path, default=Path("data/corpus/procedural"))
    parser.add_argument("--clips", type=int, default=2000, help="procedural clips when the corpus is built")
    parser.add_argument("--model", type=Path, default=Path("runs/cpu-small"))
    parser.add_argument("--config", default="cpu-small")
    parser.add_argument("--k", type=int, nargs="+", default=[1, 5])
    parser.add_argument("--modes", default="full,random,minirocket")
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=20)
    args = parser.parse_args(argv)
    with exit_on_bad_input():
        run(args)


def run(args: argparse.Namespace) -> dict:
    from benchmarks.loader import load_split
    from benchmarks.registry import BASIC_MOTIONS
    from experiments.plots import peak_frequency, plot_accuracy_vs_k, plot_simulated_vs_real
    from pretrain import load_model
    from simulate.corpus import load_corpus, procedural_corpus
    from zero_shot.evaluate import evaluate_split
    from zero_shot.report import plot_confusion

    timings: dict[str, float] = {}
    args.output.mkdir(parents=True, exist_ok=True)
    with timed(timings, "corpus"):
        corpus = procedural_corpus(args.corpus, args.clips)
    with timed(timings, "pretrain"):
        trained = pretrain_once(corpus, args.model, args.config)
    with timed(timings, "zero_shot"):
        model = load_model(args.model)
        zero = evaluate_split(model, load_split(BASIC_MOTIONS, ".", "test"))
        plot_confusion(args.output / "confusion_zero_shot.png", zero.confusion, zero.class_names,
                       "BasicMotions zero-shot (test)")
    with timed(timings, "few_shot"):
        few = few_shot(args.model, args.k, args.modes.split(","), args.seeds, args.epochs)
    with timed(timings, "plots"):
        pairs = simulated_vs_real()
        plot_simulated_vs_real(args.output / "simulated_vs_real.png", pairs)
        curves = {MODE_NAMES.get(mode, mode): [(int(k.split("=")[1]), entry["by_mode"][mode]["acc_mean"],
                                                entry["by_mode"][mode]["acc_std"]) for k, entry in few.items()]
                  for mode in next(iter(few.values()))["by_mode"]}
        plot_accuracy_vs_k(args.output / "accuracy_vs_k.png", curves, zero.metrics["acc"], 1 / len(zero.class_names))
    timings["total_s"] = round(sum(timings.values()), 1)
    summary = {
        "zero_shot": {"basicmotions": zero.metrics},
        "few_shot": {"basicmotions": few},
        "timings": timings,
        "model": str(args.model),
        "pretrain": trained,
        "corpus": {"path": str(corpus), "clips": len(load_corpus(corpus))},
        "wrist_peak_hz": {name: {"simulated": peak_frequency(np.linalg.norm(sim[:, :3], axis=-1), 20.0),
                                 "real": peak_frequency(np.linalg.norm(real[:, :3], axis=-1), 20.0)}
                          for name, (sim, real) in pairs.items()},
        "plots": {"simulated vs real": "simulated_vs_real.png", "confusion": "confusion_zero_shot.png",
                  "accuracy vs k": "accuracy_vs_k.png"},
    }
    write_text_atomic(args.output / "summary.json", json.dumps(summary, indent=2) + "\n")
    markdown = summary_markdown(summary)
    write_text_atomic(args.output / "summary.md", markdown)
    print(markdown)
    return summary


if __name__ == "__main__":
    main()
