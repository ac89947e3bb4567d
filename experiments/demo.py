"""``make demo``: the whole method on real data, offline, on a laptop CPU, over pretraining seeds.

    python -m experiments.demo [--output reports/demo] [--corpora data/corpus] [--model runs/cpu-small]
        [--config cpu-small] [--seeds 3] [--data-root ../shared/data]

1. for each seed s (3 by default): builds the procedural corpus drawn with seed s and pretrains the config
   on it with training seed s (:mod:`experiments.seeds`; interrupted runs resume, finished ones are reused),
   logging zero-shot accuracy on BasicMotions' **train** split against training step;
2. evaluates every seed's model (:mod:`experiments.transfer`, protocol ``report``): zero-shot (headline:
   the text scores normalised over simulated windows at the device's joints, :mod:`zero_shot.reference`,
   in an ensemble with a probe fitted on simulated windows of each class, :mod:`experiments.sim_probe`; the
   text alone, the plain cosine scores and calibrated scores beside it) on BasicMotions' test split (real
   smartwatch data that ships with aeon) and, when
   ``hapt.npz`` is under ``--data-root``, on HAPT's UCI-HAR test subjects (real waist phone); few-shot
   logistic-regression probes with k = 1 and 5 labelled windows per class on frozen features, pretrained
   against the same network randomly initialised and against MiniRocket, every seed on the same shots (so
   the seeds' spread is the pretraining's, and MiniRocket, which does not depend on the model, is fitted
   once). No real series is ever pretrained on;
3. writes ``summary.json`` (every figure as mean and std over the seeds, with ``per_seed``), ``summary.md``
   and plots (loss and zero-shot accuracy against step, the embedding space with real windows overlaid,
   simulated vs real wrist IMU with the devices' Nyquist frequencies, the first seed's confusion matrix)
   and prints the summary.

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
from experiments.seeds import spread
from pretrain.cpu_memory import keep_freed_memory
from skeletons.arguments import add_model_argument, seed_list, seeds
from skeletons.atomic import write_text_atomic
from skeletons.errors import InputError, exit_on_bad_input

#: The right wrist, where the BasicMotions watch sits (``benchmarks.registry``).
WRIST = 21
#: Procedural activities shown beside BasicMotions' classes in the simulated-vs-real plot.
COMPARED = {"walking": "walk", "running": "run"}


@contextmanager
def timed(timings: dict, stage: str):
    start = time.perf_counter()
    print(f"demo: {stage} ...", flush=True)
    yield
    timings[f"{stage}_s"] = round(time.perf_counter() - start, 1)


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


PROBE_NAMES = {"pretrained-encoder": "pretrained (encoder features)", "pretrained-early": "pretrained (early blocks)",
               "pretrained-embedding": "pretrained (embedding)", "random-encoder": "random init (encoder features)",
               "random-early": "random init (early blocks)", "minirocket": "MiniRocket"}
ZERO_SHOT_KEYS = ("acc", "f1", "r@2", "mrr")
#: What the headline zero-shot figures are (``summary.json`` ``zero_shot_scores``), as the summary says it.
HEADLINES = {
    "ensemble": "Zero-shot from text and simulation (`experiments.sim_probe`): each class's cosine score standardised "
                "over 512 simulated windows of the procedural library at the device's joints, rate and gravity "
                "convention (`zero_shot.reference`), its class probabilities averaged with those of a logistic "
                "regression on the frozen early blocks fitted on simulated windows of each class's library "
                "activity. Nothing of the device is read.",
    "text": "Each class's cosine score standardised over 512 simulated windows of the procedural library at the "
            "device's joints, rate and gravity convention (`zero_shot.reference`): nothing of the device is read.",
}


def zero_shot_over_seeds(per_seed: list[dict], dataset: str, entry: str = "zero_shot") -> dict:
    """``acc_mean``, ``acc_std`` (and the same for F1, R@2, MRR) over seeds, and ``per_seed``, of each
    seed's ``entry``: ``zero_shot`` (the headline, :func:`_seed_result`), ``text`` (scores normalised over
    simulated windows, :mod:`zero_shot.reference`), ``plain`` (the cosine similarities as they are) or
    ``calibrated`` (:mod:`zero_shot.calibration`)."""
    rows = [{"seed": r["seed"], **{key: r[dataset][entry][key] for key in ZERO_SHOT_KEYS}} for r in per_seed]
    summary = {}
    for key in ZERO_SHOT_KEYS:
        values = spread([row[key] for row in rows])
        summary[f"{key}_mean"], summary[f"{key}_std"] = values["mean"], values["std"]
    return {**summary, "acc_min": min(row["acc"] for row in rows), "per_seed": rows}


def few_shot_over_seeds(per_seed: list[dict], dataset: str) -> dict:
    """Per k and probe: accuracy mean and std over pretraining seeds (each seed's figure is its mean over
    shot draws), and ``per_seed``."""
    result: dict[str, dict] = {}
    for k, probes in per_seed[0][dataset]["probe"].items():
        result[k] = {}
        for probe in probes:
            rows = [{"seed": r["seed"], "acc": r[dataset]["probe"][k][probe]["acc_mean"],
                     "f1": r[dataset]["probe"][k][probe]["f1_mean"]} for r in per_seed]
            values = spread([row["acc"] for row in rows])
            result[k][probe] = {"acc_mean": values["mean"], "acc_std": values["std"], "per_seed": rows}
    return result


def _seed_result(seed: int, transfer: dict, ensemble: dict | None = None) -> dict:
    """One seed's figures in the layout the summaries read: per dataset ``zero_shot`` (the headline: the
    ensemble of text and simulation where ``ensemble``, per dataset the :func:`experiments.sim_probe.evaluate`
    result, has one; else the normalised text scores), ``text``, ``plain``, ``calibrated`` and ``probe``."""
    def zero_shot(entry: dict) -> dict:
        text = {key: entry["normalised"][key] for key in ZERO_SHOT_KEYS}
        return {"zero_shot": text, "text": text, "plain": {key: entry[key] for key in ZERO_SHOT_KEYS},
                "calibrated": {key: entry["calibrated"][key] for key in ZERO_SHOT_KEYS}}

    row = {"seed": seed, "basicmotions": {**zero_shot(transfer["basicmotions"]),
                                          "probe": transfer["basicmotions"]["probe"]}}
    if "hapt" in transfer:
        row["hapt"] = {**zero_shot(transfer["hapt"]["zero_shot"]), "probe": transfer["hapt"]["probe"]}
    for dataset, result in (ensemble or {}).items():  # the headline, where the encoder has early blocks
        row[dataset]["zero_shot"] = {key: result["ensemble"][key] for key in ZERO_SHOT_KEYS}
    return row


def _cell(entry: dict, key: str = "acc") -> str:
    return f"{entry[f'{key}_mean']:.3f} ± {entry[f'{key}_std']:.3f}"


def zero_shot_table(by_dataset: dict, names: dict[str, str]) -> list[str]:
    rows = [[names[dataset], _cell(entry), f"{entry['acc_min']:.3f}", _cell(entry, "f1"), _cell(entry, "r@2"),
             _cell(entry, "mrr"), ", ".join(f"{row['acc']:.3f}" for row in entry["per_seed"])]
            for dataset, entry in by_dataset.items()]
    return markdown_table(["dataset", "acc", "lowest seed", "macro F1", "R@2", "MRR", "per-seed acc"], rows)


def summary_markdown(summary: dict) -> str:
    seeds = summary["seeds"]
    lines = ["# Demo: UniMTS-style pretraining on simulated motion, evaluated on real sensors", "",
             f"`{summary['config']}` pretrained {len(seeds)} times (corpus seed = training seed = {seeds}, "
             f"{summary['clips']} procedural clips each); every figure is mean ± std over these pretraining "
             f"seeds, per-seed values in `summary.json`. Machine: {summary['machine']['cpu']}, "
             f"{summary['machine']['cores']} cores, {summary['machine'].get('gpu', 'no GPU')}.", "",
             "## Zero-shot", "", HEADLINES[summary["zero_shot_scores"]], ""]
    names = {"basicmotions": "BasicMotions test (40 series, wrist, chance 0.25)",
             "hapt": "HAPT test subjects (waist, 6 classes, chance 0.17)"}
    lines += zero_shot_table(summary["zero_shot"], names)
    if summary["zero_shot_scores"] != "text":
        lines += ["", "## Zero-shot from text alone", "", HEADLINES["text"], ""]
        lines += zero_shot_table(summary["zero_shot_text"], names)
    lines += ["", "## Zero-shot, plain cosine scores (no normalisation)", ""]
    lines += zero_shot_table(summary["zero_shot_plain"], names)
    lines += ["", "## Zero-shot, calibrated on unlabeled windows of the device", "",
              "Each class's score standardised over other windows of the same device, read without their labels "
              "(`zero_shot.calibration`): BasicMotions' train split for its test split, every 8th window of "
              "HAPT's training subjects for its test subjects. A different protocol from plain zero-shot: it "
              "needs an unlabeled recording from the device.", ""]
    lines += zero_shot_table(summary["zero_shot_calibrated"], names)
    for dataset, by_k in summary["few_shot"].items():
        probes = list(next(iter(by_k.values())))
        lines += ["", f"## Few-shot on {names[dataset].split(' (')[0]}: logistic-regression probe on frozen "
                      "features (accuracy)", "",
                  *markdown_table(["k", *(PROBE_NAMES.get(p, p) for p in probes)],
                                  [[k, *(_cell(entry[p]) for p in probes)] for k, entry in by_k.items()])]
    timings = summary["timings"]
    lines += ["", "## Timings (s)", "", *markdown_table(list(timings), [list(timings.values())]), "",
              "## Plots", ""] + [f"![{name}]({file})" for name, file in summary["plots"].items()]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m experiments.demo", description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=Path("reports/demo"))
    parser.add_argument("--corpora", type=Path, default=Path("data/corpus"),
                        help="where the procedural corpora (one per seed) are built")
    parser.add_argument("--clips", type=int, default=2000, help="procedural clips per corpus")
    add_model_argument(parser, required=False, default="runs/cpu-small",
                       help="folder of the pretrained models, one per seed (MODEL/seed-N; default runs/cpu-small)")
    parser.add_argument("--config", default="cpu-small", help="pretraining config, name or YAML path")
    parser.add_argument("--seeds", type=seeds, default=3,
                        help="pretraining seeds: a count (default 3) or comma-separated seeds")
    parser.add_argument("--data-root", default="../shared/data",
                        help="folder holding hapt/hapt.npz (HAPT is skipped when it is absent)")
    args = parser.parse_args(argv)
    keep_freed_memory()  # pretraining on CPU reuses freed tensors instead of faulting in new pages
    with exit_on_bad_input():
        run(args)


def bm_train_zero_shot():
    """A callback for :func:`pretrain.train.train`: zero-shot accuracy on BasicMotions' 40 **train** series
    (never its test split), for the curve of accuracy against training step."""
    from benchmarks.loader import load_split
    from benchmarks.registry import BASIC_MOTIONS
    from zero_shot.evaluate import evaluate_split

    split = load_split(BASIC_MOTIONS, ".", "train")
    return lambda model: {"basicmotions_train_acc": evaluate_split(model, split).metrics["acc"]}


def ensemble_zero_shot(folder: Path, data_root: str) -> dict:
    """Per dataset present, the test split scored from text and simulation (:mod:`experiments.sim_probe`);
    empty for an encoder without blocks (the language-model core)."""
    from experiments import sim_probe
    from finetune.linear_probe import has_blocks
    from pretrain import load_model

    model = load_model(folder)
    if not has_blocks(model.imu_encoder):
        return {}
    return {name: sim_probe.evaluate(model, dataset, split, sim_probe.CLIPS, sim_probe.pretraining_augment(folder))
            for name, (dataset, split) in sim_probe.splits("report", data_root).items()}


def run(args: argparse.Namespace) -> dict:
    from benchmarks.registry import BASIC_MOTIONS
    from experiments.embedding import plot_embedding_space
    from experiments.plots import peak_frequency, plot_simulated_vs_real, plot_training_curves
    from experiments.seeds import Setting, corpus_folder, pretrain_seed
    from experiments.speed.machine import machine_info
    from experiments.transfer import TransferSettings, evaluate_transfer
    from pretrain import load_model
    from zero_shot.report import plot_confusion

    timings: dict[str, float] = {}
    if Path(args.corpora).exists() and not Path(args.corpora).is_dir():
        raise InputError(args.corpora, "--corpora must be a folder (one corpus per seed is built in it)")
    args.output.mkdir(parents=True, exist_ok=True)  # after the checks: refused input leaves no folder
    args.model = Path(args.model)
    args.seeds = seed_list(args.seeds)
    setting = Setting(config=args.config, clips=args.clips)
    models = {seed: args.model / f"seed-{seed}" for seed in args.seeds}
    with timed(timings, "pretrain"):  # corpora included
        callback = bm_train_zero_shot()
        for seed, folder in models.items():
            print(f"demo: seed {seed}", flush=True)
            pretrain_seed(setting, seed, folder, args.corpora, evaluate=callback)
    with timed(timings, "evaluate"):  # every seed's probes on the same shots, so MiniRocket is fitted once
        minirocket_cache: dict = {}
        transfers = {seed: evaluate_transfer(folder, "report", args.data_root,
                                             TransferSettings(random_seed=seed, draw_seed=0), minirocket_cache)
                     for seed, folder in models.items()}
        ensembles = {seed: ensemble_zero_shot(folder, args.data_root) for seed, folder in models.items()}
        per_seed = [_seed_result(seed, transfer, ensembles[seed]) for seed, transfer in transfers.items()]
    first = models[args.seeds[0]]
    with timed(timings, "plots"):
        model = load_model(first)
        zero, names = transfers[args.seeds[0]]["basicmotions"], [labels[0] for labels in BASIC_MOTIONS.labels]
        plot_confusion(args.output / "confusion_zero_shot.png", np.asarray(zero["normalised"]["confusion"]), names,
                       f"BasicMotions zero-shot from text (test), seed {args.seeds[0]}")
        plot_confusion(args.output / "confusion_calibrated.png", np.asarray(zero["calibrated"]["confusion"]), names,
                       f"BasicMotions calibrated (test), seed {args.seeds[0]}")
        pairs = simulated_vs_real()
        plot_simulated_vs_real(args.output / "simulated_vs_real.png", pairs, device_rate_hz=BASIC_MOTIONS.rate_hz)
        plot_training_curves(args.output / "training_curves.png",
                             {seed: folder / "metrics.jsonl" for seed, folder in models.items()})
        plot_embedding_space(args.output / "embedding_space.png", model,
                             corpus_folder(args.corpora, args.clips, args.seeds[0]), args.data_root)
    timings["total_s"] = round(sum(timings.values()), 1)
    summary = {
        "zero_shot": {dataset: zero_shot_over_seeds(per_seed, dataset)
                      for dataset in ("basicmotions", "hapt") if dataset in per_seed[0]},
        "zero_shot_plain": {dataset: zero_shot_over_seeds(per_seed, dataset, "plain")
                            for dataset in ("basicmotions", "hapt") if dataset in per_seed[0]},
        "zero_shot_calibrated": {dataset: zero_shot_over_seeds(per_seed, dataset, "calibrated")
                                 for dataset in ("basicmotions", "hapt") if dataset in per_seed[0]},
        "zero_shot_scores": "ensemble" if any(ensembles.values()) else "text",
        "zero_shot_text": {dataset: zero_shot_over_seeds(per_seed, dataset, "text")
                           for dataset in ("basicmotions", "hapt") if dataset in per_seed[0]},
        "few_shot": {dataset: few_shot_over_seeds(per_seed, dataset)
                     for dataset in ("basicmotions", "hapt") if dataset in per_seed[0]},
        "seeds": list(args.seeds),
        "per_seed": per_seed,
        "config": args.config,
        "clips": args.clips,
        "models": {str(seed): str(folder) for seed, folder in models.items()},
        "machine": machine_info(),
        "timings": timings,
        "wrist_peak_hz": {name: {"simulated": peak_frequency(sim[:, :3], 20.0),
                                 "real": peak_frequency(real[:, :3], 20.0)}
                          for name, (sim, real) in pairs.items()},
        "plots": {"simulated vs real": "simulated_vs_real.png", "training curves": "training_curves.png",
                  "embedding space": "embedding_space.png", "confusion (first seed)": "confusion_zero_shot.png",
                  "confusion calibrated (first seed)": "confusion_calibrated.png"},
    }
    write_text_atomic(args.output / "summary.json", json.dumps(summary, indent=2) + "\n")
    markdown = summary_markdown(summary)
    write_text_atomic(args.output / "summary.md", markdown)
    print(markdown)
    return summary


if __name__ == "__main__":
    main()
