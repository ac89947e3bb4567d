"""Choosing the pretraining recipe over seeds, on training data only.

    python -m experiments.recipe --variants base,view-0.5 --seeds 3 [--output reports/recipe]

Each variant is pretrained once per seed (corpus seed = training seed, :mod:`experiments.seeds`) and scored
by :func:`experiments.transfer.evaluate_transfer` with the ``select`` protocol: BasicMotions' **train**
split zero-shot, and HAPT's **training subjects** (zero-shot, and few-shot probes with shots from half of
them scored on the other half). No test split and no HAPT test subject is looked at, so the choice can be
reported on them afterwards. Results go to ``OUTPUT/results.jsonl`` (one line per variant and seed; done
lines are skipped on the next call) and ``OUTPUT/recipe.md`` (mean ± std over seeds, per-seed values).
``--reevaluate`` scores the asked variants and seeds again with today's evaluation (finished models are
not retrained) and replaces their lines.
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from benchmarks.markdown import markdown_table
from benchmarks.registry import HAPT
from experiments.seeds import Setting, spread
from experiments.sim_supervised import GAITS
from pretrain.cpu_memory import keep_freed_memory
from skeletons.arguments import comma_list, seed_list, seeds
from skeletons.atomic import write_text_atomic
from skeletons.errors import InputError, exit_on_bad_input

#: Candidate recipes: a description and a :class:`experiments.seeds.Setting` (cpu-small with overrides).
VARIANTS: dict[str, tuple[str, Setting]] = {
    "base": ("cpu-small as shipped", Setting()),
    "view-0.5": ("+ augmented-view (SimCLR) term, weight 0.5, temperature 0.1",
                 Setting(overrides=("train.view_contrast_weight=0.5",))),
    "rotation-0.5": ("half the samples keep their simulated sensor frames (rotation_p 0.5)",
                     Setting(overrides=("augment.rotation_p=0.5",))),
    "upright-0.5": ("half the samples turn only about the joints' up axis, tilted at most 15 degrees (upright_p 0.5)",
                    Setting(overrides=("augment.upright_p=0.5",))),
    "upright-0.8": ("most samples turn only about the joints' up axis, tilted at most 15 degrees (upright_p 0.8)",
                    Setting(overrides=("augment.upright_p=0.8",))),
    "upright-1.0": ("every sample turns only about the joints' up axis, tilted at most 15 degrees (upright_p 1)",
                    Setting(overrides=("augment.upright_p=1.0",))),
    "device-0.5": ("+ device augmentation: gains [0.6, 1.4], half the samples band-limited to 2.5-10 Hz",
                   Setting(overrides=("augment.amplitude_jitter=0.4", "augment.lowpass_p=0.5"))),
    "joints-1-3": ("1-3 joints kept per sample instead of 1-5 (benchmarks read 1-5 devices, most one)",
                   Setting(overrides=("augment.keep_joints=[1, 3]",))),
    "text-lora": ("low-rank adapters trained in the text tower (MiniLM), instead of a frozen one",
                  Setting(overrides=("model.text_tower.train=lora",))),
    "temperature-0.03": ("initial temperature 0.03 instead of 0.07 (logit scale 33 instead of 14)",
                         Setting(overrides=("train.init_temperature=0.03",))),
    "prototype-0.5": ("+ every window classified among all the corpus's activities (prototypes of 16 descriptions "
                      "each), weight 0.5", Setting(overrides=("train.prototype_weight=0.5",))),
    "prototype-1.0": ("+ every window classified among all the corpus's activities (prototypes of 16 descriptions "
                      "each), weight 1", Setting(overrides=("train.prototype_weight=1.0",))),
    "joints-1": ("one joint kept per sample (keep_joints [1, 1]): every window a single device",
                 Setting(overrides=("augment.keep_joints=[1, 1]",))),
    "joints-1-prototype-0.5": ("one joint kept per sample, + the activity-prototype term at weight 0.5",
                               Setting(overrides=("augment.keep_joints=[1, 1]", "train.prototype_weight=0.5"))),
    "tile-0.5": ("half the windows a 2-5 s piece of the clip, tiled to 10 s as short real series are padded",
                 Setting(overrides=("augment.tile_p=0.5",))),
    "tile-0.25": ("a quarter of the windows a 2-5 s piece of the clip, tiled to 10 s",
                  Setting(overrides=("augment.tile_p=0.25",))),
    "gravity-removed-0.5": ("half the samples gravity-removed instead of a quarter (gravity-free devices such as "
                            "BasicMotions' watch)", Setting(overrides=("augment.gravity_removed_p=0.5",))),
    "lowpass-0.5": ("half the samples band-limited to 2.5-10 Hz, as 5-20 Hz devices deliver them",
                    Setting(overrides=("augment.lowpass_p=0.5",))),
    "longer-4000": ("600 steps on a 4,000-clip corpus", Setting(overrides=("train.max_steps=600",), clips=4000)),
    "clips-4000": ("a 4,000-clip corpus instead of 2,000, the same 300 steps (each clip seen half as often)",
                   Setting(clips=4000)),
    "last-weights": ("the last step's weights saved, not their mean over the run's second half (cpu-small before "
                     "09c9143)", Setting(overrides=("train.weight_average=none",))),
    "ema-0.99": ("the saved weights are the exponential moving average of the trained ones, decay 0.99 (ramped: "
                 "0.971 at step 300)", Setting(overrides=("train.weight_average=ema", "train.ema_decay=0.99"))),
    "average-150": ("the saved weights are the mean of the weights after every step from step 150 on (SWAD; "
                    "cpu-small since 09c9143, so base too)",
                    Setting(overrides=("train.weight_average=uniform", "train.average_from=150"))),
    "average-100": ("the saved weights are the mean of the weights after every step from step 100 on (SWAD)",
                    Setting(overrides=("train.weight_average=uniform", "train.average_from=100"))),
    "worn-varied": ("each corpus clip's device mounted anywhere from rigid to as loose as the worn sensor model's "
                    "(simulate.sensor.SensorModel.worn_varied)", Setting(sensor="worn-varied")),
    "tilt-8": ("upright rotations tilt at most 8 deg (15 in cpu-small): levelled devices keep their posture",
               Setting(overrides=("augment.upright_tilt_deg=8.0",))),
    "wider": ("ST-GCN twice as wide (64-256)",
              Setting(overrides=("model.imu_encoder.channels=[64, 64, 128, 128, 256]",))),
}
#: The figures of the table, as (column, path into a result line).
FIGURES = (("BM train zero-shot", ("basicmotions", "acc")), ("HAPT train zero-shot", ("hapt", "zero_shot", "acc")),
           ("BM train normalised", ("basicmotions", "normalised", "acc")),
           ("HAPT train normalised", ("hapt", "zero_shot", "normalised", "acc")),
           ("BM train calibrated", ("basicmotions", "calibrated", "acc")),
           ("HAPT train calibrated", ("hapt", "zero_shot", "calibrated", "acc")),
           ("probe k=1 pretrained", ("hapt", "probe", "1", "pretrained-encoder", "acc_mean")),
           ("probe k=1 random", ("hapt", "probe", "1", "random-encoder", "acc_mean")),
           ("probe k=5 pretrained", ("hapt", "probe", "5", "pretrained-encoder", "acc_mean")),
           ("probe k=5 random", ("hapt", "probe", "5", "random-encoder", "acc_mean")),
           ("probe k=1 pretrained early blocks", ("hapt", "probe", "1", "pretrained-early", "acc_mean")),
           ("probe k=5 pretrained early blocks", ("hapt", "probe", "5", "pretrained-early", "acc_mean")),
           ("probe k=5 MiniRocket", ("hapt", "probe", "5", "minirocket", "acc_mean")))


def figure(row: dict, path: tuple[str, ...]) -> float | None:
    """The figure at ``path`` in a result line; None where the line has none (written before it was measured,
    as the calibrated zero-shot)."""
    value = row
    for key in path:
        if key not in value and (not key.isdigit() or int(key) not in value):
            return None
        value = value[key] if key in value else value[int(key)]
    return float(value)


def spread_cell(values: list[float | None]) -> str:
    """mean ± std of the seeds' figures; "-" when a seed lacks it."""
    if any(value is None for value in values):
        return "-"
    summary = spread(values)
    return f"{summary['mean']:.3f} ± {summary['std']:.3f}"


def gaits_right(row: dict) -> float | None:
    """The share of HAPT's gait windows (:data:`GAITS`) that zero-shot calls right among all its classes, from
    the result's confusion matrix; None for a line without one (written before it was recorded)."""
    matrix = row.get("hapt", {}).get("zero_shot", {}).get("confusion")
    if matrix is None:
        return None
    names = [labels[0] for labels in HAPT.labels]
    gaits = [names.index(name) for name in GAITS]
    matrix = np.asarray(matrix)
    return float(matrix[gaits, gaits].sum() / matrix[gaits].sum())


def markdown(rows: list[dict]) -> str:
    """One line per variant: each figure's mean ± std over its seeds, then the per-seed share of HAPT's gait
    windows called right (:func:`gaits_right`; "-" where a seed's line has no confusion matrix)."""
    lines = []
    for variant in dict.fromkeys(row["variant"] for row in rows):
        mine = sorted((row for row in rows if row["variant"] == variant), key=lambda row: row["seed"])
        cells = [spread_cell([figure(row, path) for row in mine]) for _, path in FIGURES]
        shares = [gaits_right(row) for row in mine]
        cells.append(" / ".join("-" if share is None else f"{share:.2f}" for share in shares))
        lines.append([variant, len(mine), *cells])
    header = ["variant", "seeds", *(name for name, _ in FIGURES), "HAPT gaits right (per seed)"]
    return "\n".join(markdown_table(header, lines)) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m experiments.recipe", description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=Path("reports/recipe"))
    parser.add_argument("--variants", type=comma_list(), default=["base", "view-0.5"],
                        help=f"comma-separated, from {', '.join(VARIANTS)}")
    parser.add_argument("--seeds", type=seeds, default=3, help="a count (default 3) or comma-separated seeds")
    parser.add_argument("--corpora", type=Path, default=Path("data/corpus"))
    parser.add_argument("--runs", type=Path, default=Path("runs/recipe"))
    parser.add_argument("--data-root", default="../shared/data", help="folder holding hapt/hapt.npz")
    parser.add_argument("--reevaluate", action="store_true",
                        help="score the asked variants and seeds again (finished models are not retrained) and "
                             "replace their lines, e.g. after the evaluation gained a figure")
    args = parser.parse_args(argv)
    keep_freed_memory()  # pretraining on CPU reuses freed tensors instead of faulting in new pages
    with exit_on_bad_input():
        from experiments.seeds import pretrain_seed
        from experiments.transfer import TransferSettings, evaluate_transfer

        unknown = sorted(set(args.variants) - set(VARIANTS))
        if unknown:
            raise InputError(None, f"unknown variants {unknown}; known: {', '.join(VARIANTS)}")
        chosen_seeds = seed_list(args.seeds)
        args.output.mkdir(parents=True, exist_ok=True)
        results = args.output / "results.jsonl"
        rows = [json.loads(line) for line in results.read_text().splitlines()] if results.exists() else []
        done = {(row["variant"], row["seed"]): row for row in rows}
        for name in args.variants:
            for seed in chosen_seeds:
                earlier = done.get((name, seed))
                if earlier is not None and not args.reevaluate:
                    continue
                start = time.perf_counter()
                model = pretrain_seed(VARIANTS[name][1], seed, args.runs / f"{name}-seed-{seed}", args.corpora)
                trained = time.perf_counter() - start if earlier is None else earlier["pretrain_s"]
                row = {**evaluate_transfer(model, "select", args.data_root, TransferSettings(random_seed=seed)),
                       "variant": name, "description": VARIANTS[name][0], "seed": seed, "pretrain_s": trained}
                if earlier is None:
                    rows.append(row)
                    with results.open("a") as handle:
                        handle.write(json.dumps(row) + "\n")
                else:  # the line is replaced where it stood, the file rewritten whole
                    rows[rows.index(earlier)] = row
                    write_text_atomic(results, "".join(json.dumps(r) + "\n" for r in rows))
                print(f"{name} seed {seed}: BM train {row['basicmotions']['acc']:.3f}", flush=True)
        write_text_atomic(args.output / "recipe.md", markdown([row for row in rows if row["variant"] in args.variants]))


if __name__ == "__main__":
    main()
