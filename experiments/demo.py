"""``make demo``: the whole method on real data, offline, in minutes on a laptop CPU.

    python -m experiments.demo [--output reports/demo] [--corpus data/corpus/procedural] [--model runs/cpu-small]
        [--k 1,5] [--modes full,random,minirocket] [--seeds 2]

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

from benchmarks.markdown import markdown_table
from skeletons.arguments import add_model_argument, comma_list, flatten, seeds
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
        if trained.get("steps") == config.train.max_steps and trained.get("config") == config.name:
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


def few_shot(model_dir: Path, ks: list[int], modes: list[str], seeds: int | list[int], epochs: int) -> dict:
    """Fine-tuning on BasicMotions (:mod:`finetune`), by integer k: the first mode's (the pretrained model's)
    ``acc_mean``, ``acc_std``, ``f1_mean``, ``f1_std``, and every mode's under ``by_mode``."""
    from benchmarks.registry import BASIC_MOTIONS
    from finetune import run_finetune

    results = run_finetune(model_dir, BASIC_MOTIONS, ks=ks, modes=modes, seeds=seeds, epochs=epochs,
                           progress=True)["results"]
    by_k = {}
    for k in ks:
        by_mode = {mode: results[mode][k] for mode in modes}
        headline = {key: by_mode[modes[0]][key] for key in ("acc_mean", "acc_std", "f1_mean", "f1_std")}
        by_k[k] = {**headline, "mode": modes[0], "by_mode": by_mode}
    return by_k


def summary_markdown(summary: dict) -> str:
    zero = summary["zero_shot"]["basicmotions"]
    few = summary["few_shot"]["basicmotions"]
    modes = list(next(iter(few.values()))["by_mode"])
    few_rows = [[k, *(f"{entry['by_mode'][m]['acc_mean']:.3f} ± {entry['by_mode'][m]['acc_std']:.3f}" for m in modes)]
                for k, entry in few.items()]
    timings = summary["timings"]
    lines = ["# Demo: UniMTS-style pretraining on simulated motion, evaluated on real BasicMotions", "",
             f"Model `{summary['model']}` ({summary['pretrain']['steps']} steps of `{summary['pretrain']['config']}` "
             f"on {summary['corpus']['clips']} procedural clips). Chance is 0.25.", "",
             "## Zero-shot (test split, 40 series)", "",
             *markdown_table(["acc", "macro F1", "R@2", "MRR"],
                             [[f"{zero[key]:.3f}" for key in ("acc", "f1", "r@2", "mrr")]]), "",
             "## Few-shot (test accuracy, mean ± std over seeds)", "",
             *markdown_table(["k", *(MODE_NAMES.get(mode, mode) for mode in modes)], few_rows), "",
             "## Timings (s)", "", *markdown_table(list(timings), [list(timings.values())]), "",
             "## Plots", ""] + [f"![{name}]({file})" for name, file in summary["plots"].items()]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m experiments.demo", description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=Path("reports/demo"))
    parser.add_argument("--corpus", type=Path, default=Path("data/corpus/procedural"))
    parser.add_argument("--clips", type=int, default=2000, help="procedural clips when the corpus is built")
    add_model_argument(parser, required=False, default="runs/cpu-small",
                       help="model folder: reused when finished, else pretrained (default runs/cpu-small)")
    parser.add_argument("--config", default="cpu-small", help="pretraining config, name or YAML path")
    parser.add_argument("--k", type=comma_list(int), nargs="+", default=[[1, 5]],
                        help="labelled series per class, comma-separated (default 1,5)")
    parser.add_argument("--modes", type=comma_list(), default=["full", "random", "minirocket"],
                        help="fine-tuning modes, comma-separated (default full,random,minirocket)")
    parser.add_argument("--seeds", type=seeds, default=2, help="a count (default 2) or comma-separated seeds")
    parser.add_argument("--epochs", type=int, default=20)
    args = parser.parse_args(argv)
    args.model, args.k = Path(args.model), flatten(args.k)
    with exit_on_bad_input():
        run(args)


def run(args: argparse.Namespace) -> dict:
    from benchmarks.registry import BASIC_MOTIONS
    from experiments.plots import peak_frequency, plot_accuracy_vs_k, plot_simulated_vs_real
    from simulate.corpus import load_corpus, procedural_corpus
    from zero_shot import run_zero_shot
    from zero_shot.report import plot_confusion

    timings: dict[str, float] = {}
    with timed(timings, "corpus"):
        corpus = procedural_corpus(args.corpus, args.clips)
    args.output.mkdir(parents=True, exist_ok=True)  # after the corpus: a refused --corpus leaves no folder
    with timed(timings, "pretrain"):
        trained = pretrain_once(corpus, args.model, args.config)
    with timed(timings, "zero_shot"):
        zero = run_zero_shot(args.model, [BASIC_MOTIONS])
        name = BASIC_MOTIONS.name
        classes = zero["datasets"][name]["classes"]
        plot_confusion(args.output / "confusion_zero_shot.png", np.asarray(zero["confusion"][name]), classes,
                       "BasicMotions zero-shot (test)")
    with timed(timings, "few_shot"):
        few = few_shot(args.model, args.k, args.modes, args.seeds, args.epochs)
    with timed(timings, "plots"):
        pairs = simulated_vs_real()
        plot_simulated_vs_real(args.output / "simulated_vs_real.png", pairs)
        curves = {MODE_NAMES.get(mode, mode): [(k, entry["by_mode"][mode]["acc_mean"],
                                                entry["by_mode"][mode]["acc_std"]) for k, entry in few.items()]
                  for mode in next(iter(few.values()))["by_mode"]}
        plot_accuracy_vs_k(args.output / "accuracy_vs_k.png", curves, zero["results"][name]["acc"], 1 / len(classes))
    timings["total_s"] = round(sum(timings.values()), 1)
    summary = {
        "zero_shot": {"basicmotions": zero["results"][name]},
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
