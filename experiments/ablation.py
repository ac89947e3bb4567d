"""What moves zero-shot accuracy: pretraining variants, each scored on BasicMotions.

    python -m experiments.ablation --output reports/ablation [--variants base,no-rotation] [--steps 600]

Every variant builds (or reuses) a procedural corpus, pretrains ``cpu-small`` with some settings changed,
and evaluates zero-shot on BasicMotions. Settings are chosen on the **train** split (40 series that no
variant ever trains on: pretraining sees only simulated data); the test split is reported beside it and
never used to choose. Results go to ``OUTPUT/results.jsonl`` (one line per variant; a finished variant is
skipped on the next call, an interrupted pretraining resumes) and ``OUTPUT/ablation.md``.
"""
from __future__ import annotations

import argparse
import json
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks.markdown import markdown_table
from pretrain.cpu_memory import keep_freed_memory
from skeletons.arguments import comma_list
from skeletons.atomic import write_text_atomic
from skeletons.errors import InputError, exit_on_bad_input


@dataclass(frozen=True)
class Variant:
    """One pretraining setting: config overrides (``section.key=value``), corpus size, steps, templates."""

    description: str
    overrides: tuple[str, ...] = ()
    clips: int = 2000
    sensor: str = "consumer"  # the corpus's sensor model (simulate.sensor); the ablation ran on the uncalibrated part
    steps_factor: float = 1.0
    templates: tuple[str, ...] | None = None  # None: zero_shot.prompts.TEMPLATES


#: The reference every variant changes: cpu-small as it was when the ablation was run (``--steps`` 600).
#: The shipped cpu-small took what won on the train split (gravity-removed copies 0.5, 300 steps).
BASE_OVERRIDES = ("augment.gravity_removed_p=0.25",)

VARIANTS: dict[str, Variant] = {
    "base": Variant("the reference: cpu-small with gravity-removed copies 0.25, 600 steps"),
    "no-rotation": Variant("no rotation augmentation", ("augment.rotation=false",)),
    "no-gravity-removed": Variant("no gravity-removed copies", ("augment.gravity_removed_p=0.0",)),
    "gravity-removed-0.5": Variant("half the samples gravity-removed", ("augment.gravity_removed_p=0.5",)),
    "all-joints": Variant("no joint masking (all 22 joints kept)", ("augment.keep_joints=null",)),
    "gain-jitter-0.4": Variant("gains drawn from [0.6, 1.4] instead of [0.9, 1.1]",
                               ("augment.amplitude_jitter=0.4",)),
    "lowpass-0.5": Variant("half the samples band-limited to 2.5-10 Hz, as 5-20 Hz devices",
                           ("augment.lowpass_p=0.5",)),
    "ideal-sensor": Variant("corpus simulated without sensor errors (noise, bias, scale)", sensor="ideal"),
    "corpus-500": Variant("corpus of 500 clips", clips=500),
    "corpus-4000": Variant("corpus of 4000 clips", clips=4000),
    "half-steps": Variant("half the steps", steps_factor=0.5),
    "half-steps-gravity-removed-0.5": Variant("half the steps, half the samples gravity-removed",
                                              ("augment.gravity_removed_p=0.5",), steps_factor=0.5),
    "wider": Variant("ST-GCN twice as wide (64-256), same steps",
                     ("model.imu_encoder.channels=[64, 64, 128, 128, 256]",)),
    "one-template": Variant("no prompt ensembling (the bare label)", templates=("{}",)),
}


def run_variant(name: str, variant: Variant, output: Path, steps: int, corpora: Path) -> dict:
    """Pretrain (resuming) and score one variant; its result row."""
    from benchmarks.registry import BASIC_MOTIONS
    from pretrain import load_model
    from pretrain.config import load_config, override
    from pretrain.train import train
    from simulate.corpus import procedural_corpus
    from zero_shot import TEMPLATES, run_zero_shot

    name_suffix = "" if variant.sensor == "consumer" else f"-{variant.sensor}"
    corpus = procedural_corpus(corpora / f"procedural-{variant.clips}-seed0{name_suffix}", variant.clips,
                               sensor=variant.sensor)
    length = f"train.max_steps={max(1, round(steps * variant.steps_factor))}"
    config = override(load_config("cpu-small"), *BASE_OVERRIDES, *variant.overrides, length)
    # Variants that change only the evaluation share the base model.
    corpus_and_length = (variant.clips, variant.sensor, variant.steps_factor)
    shares_base = not variant.overrides and corpus_and_length == (2000, "consumer", 1)
    model_dir = output / "runs" / ("base" if shares_base else name)
    start = time.perf_counter()
    if not (model_dir / "model.safetensors").exists():
        train(config, corpus, model_dir, resume=True)
    seconds = time.perf_counter() - start
    model = load_model(model_dir)
    row = {"variant": name, "description": variant.description, "clips": variant.clips, "sensor": variant.sensor,
           "steps": config.train.max_steps, "overrides": list(variant.overrides), "pretrain_s": seconds}
    for split in ("train", "test"):
        metrics = run_zero_shot(model, [BASIC_MOTIONS], split=split,
                                templates=variant.templates or TEMPLATES)["results"][BASIC_MOTIONS.name]
        row[split] = {key: metrics[key] for key in ("acc", "f1", "r@2", "mrr")}
    return row


def markdown(rows: list[dict]) -> str:
    header = ["variant", "what changes", "clips", "steps", "train acc", "test acc", "test F1", "test R@2"]
    cells = [[row["variant"], row["description"], row["clips"], row["steps"], f"{row['train']['acc']:.3f}",
              f"{row['test']['acc']:.3f}", f"{row['test']['f1']:.3f}", f"{row['test']['r@2']:.3f}"] for row in rows]
    return "\n".join(markdown_table(header, cells)) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m experiments.ablation", description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=Path("reports/ablation"))
    parser.add_argument("--variants", type=comma_list(), default=list(VARIANTS),
                        help=f"comma-separated, from {', '.join(VARIANTS)}")
    parser.add_argument("--steps", type=int, default=600, help="optimizer steps of the base variant")
    parser.add_argument("--corpora", type=Path, default=Path("data/corpus"), help="where corpora are built")
    args = parser.parse_args(argv)
    keep_freed_memory()  # pretraining on CPU reuses freed tensors instead of faulting in new pages
    with exit_on_bad_input():
        names = args.variants
        unknown = sorted(set(names) - set(VARIANTS))
        if unknown:
            raise InputError(None, f"unknown variants {unknown}; known: {', '.join(VARIANTS)}")
        args.output.mkdir(parents=True, exist_ok=True)
        results = args.output / "results.jsonl"
        done = {}
        if results.exists():
            done = {row["variant"]: row for row in map(json.loads, results.read_text().splitlines())}
        for name in names:
            if name in done and done[name]["steps"] == round(args.steps * VARIANTS[name].steps_factor):
                continue
            row = run_variant(name, VARIANTS[name], args.output, args.steps, args.corpora)
            done[name] = row
            with results.open("a") as handle:
                handle.write(json.dumps(row) + "\n")
            print(f"{name}: train acc {row['train']['acc']:.3f}  test acc {row['test']['acc']:.3f}", flush=True)
        write_text_atomic(args.output / "ablation.md", markdown([done[name] for name in names if name in done]))


if __name__ == "__main__":
    main()
