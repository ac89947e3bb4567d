"""How much of a real activity the simulator carries at one device, with no text in the loop.

    python -m experiments.sim_supervised [--classes walking,walking upstairs,walking downstairs] [--seeds 3]
        [--steps 400] [--data-root ../shared/data] [--corpora data/corpus] [--output reports/sim_supervised]
        [--model runs/cpu-small/seed-0 ...]

Zero-shot transfer can fail in two places: the simulated signals may not carry what tells real activities
apart, or the contrastive alignment may not learn it. This separates the two. The motion encoder of
``cpu-small`` (its ST-GCN, freshly initialised) and a linear head are trained *supervised* to name the
activity of simulated windows of HAPT's classes at HAPT's device (the waist, ``spine1``, alone): 2.56 s
crops of procedural clips, tiled to the model window by the same preparation path as HAPT's own windows,
under the augmentation the shipped config pretrains with (upright rotations, gain jitter, noise,
gravity-removed copies). Seed ``s`` trains on the procedural corpora of seeds ``s`` and ``s + 1`` and is
scored on the corpus of seed ``s + 2`` (held-out simulation) and on every window of the chosen classes from
HAPT's **training subjects** (real; no test subject is read). The real figure bounds from below what a
perfect alignment of the same simulated data could give; the held-out simulated one says how separable the
classes are in simulation at all.

Each ``--model`` (a pretrained model folder) is scored zero-shot on the same real windows, choosing among
the same classes with HAPT's prompts: how much of what the simulation carries the contrastive model uses;
and probed: a logistic regression on its frozen encoder's features, fitted on the first seed's simulated
training windows (augmented once) and scored on the real ones: whether its encoder holds it at all.

Results: ``OUTPUT/results.jsonl`` (one line per seed: held-out simulated and real metrics, the real confusion
matrix), ``OUTPUT/zero_shot.jsonl`` (one line per model) and ``OUTPUT/summary.md`` (mean ± std over seeds
or models, per-seed values, the confusions summed).
"""
from __future__ import annotations

import argparse
import json
import math
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from benchmarks.markdown import markdown_table
from benchmarks.metrics import classification_metrics, confusion
from benchmarks.prepare import prepare_windows
from benchmarks.registry import HAPT, Placement
from experiments.realism import HAPT_PAIRS
from experiments.transfer import cpu_autocast
from skeletons.arguments import comma_list, seed_list, seeds
from skeletons.atomic import write_text_atomic
from skeletons.errors import InputError, exit_on_bad_input

#: HAPT's gaits, the default classes: the ones the contrastive models confuse most (README).
GAITS = ("walking", "walking upstairs", "walking downstairs")
#: HAPT's waist phone and its window: 128 samples at 50 Hz.
WAIST = 9
WINDOW_S = 2.56


@dataclass(frozen=True)
class SupervisedSettings:
    """The supervised run: steps, batch, AdamW's learning rate and weight decay, clips per corpus."""

    steps: int = 400
    batch_size: int = 64
    lr: float = 2e-3
    weight_decay: float = 0.01
    clips: int = 2000


def crop_starts(length: int, crop: int, hop: int) -> np.ndarray:
    """Starts of the ``crop``-sample crops of a ``length``-sample clip, every ``hop`` samples (none if shorter)."""
    return np.arange(0, max(0, length - crop) + 1, hop) if length >= crop else np.zeros(0, dtype=np.int64)


def device_windows(corpus: str | Path, activities: list[str], joint: int = WAIST, rate_hz: float = 20.0,
                   window_s: float = WINDOW_S) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(imu, mask, target)``: every ``window_s`` crop (50 % overlap) of the corpus's clips of ``activities``,
    ``joint`` alone, prepared as a real device's window (tiled to the model window; target = index into
    ``activities``)."""
    from simulate.corpus import load_corpus

    dataset = load_corpus(corpus).select_columns(["imu", "activity"])
    names = np.asarray(dataset["activity"])
    rows = np.flatnonzero(np.isin(names, activities))
    crop = round(window_s * rate_hz)
    series, targets = [], []
    for row, clip in zip(rows.tolist(), dataset.select(rows.tolist()).with_format("numpy")["imu"], strict=True):
        signal = np.asarray(clip, dtype=np.float32)[:, joint]  # (T, 6)
        for start in crop_starts(len(signal), crop, crop // 2):
            series.append(signal[start:start + crop])
            targets.append(activities.index(str(names[row])))
    if not series:
        raise InputError(Path(corpus), f"holds no clip of {', '.join(activities)} long enough for {window_s} s")
    imu, mask = prepare_windows(np.stack(series), [Placement(joint=joint, acc=(0, 3), gyro=(3, 6))], rate_hz)
    return imu, mask, np.asarray(targets, dtype=np.int64)


def real_windows(data_root: str, classes: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(imu, mask, target)`` of HAPT's training subjects' windows of ``classes`` (target = index into it)."""
    from benchmarks.hapt import load_hapt
    from benchmarks.prepare import prepare_split

    split = load_hapt(HAPT, data_root, "train")
    names = [HAPT.labels[int(c)][0] for c in split.class_ids]  # each class's first synonym
    imu, mask = prepare_split(split)
    keep = np.isin(np.asarray(names)[split.targets], classes)
    targets = np.asarray([classes.index(names[t]) for t in split.targets[keep]], dtype=np.int64)
    return imu[keep], mask[keep], targets


class Classifier(torch.nn.Module):
    """The config's motion encoder (pooled features) and a linear head."""

    def __init__(self, encoder: torch.nn.Module, width: int, classes: int):
        super().__init__()
        self.encoder = encoder
        self.head = torch.nn.Linear(width, classes)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return self.head(self.encoder(x, mask).float())


def build_classifier(config, classes: int, seed: int) -> Classifier:
    from pretrain.model import build_imu_encoder

    torch.manual_seed(seed)
    settings = asdict(config.model.imu_encoder)
    encoder = build_imu_encoder(config.model.encoder, config.model.channels, settings)
    return Classifier(encoder, settings["channels"][-1], classes)


def train_classifier(model: Classifier, imu: np.ndarray, mask: np.ndarray, targets: np.ndarray, augment,
                     settings: SupervisedSettings, seed: int) -> Classifier:
    """``settings.steps`` AdamW steps of cross-entropy on augmented batches drawn with replacement (seeded)."""
    from pretrain.augment import Augmenter

    augmenter = Augmenter(augment, seed=seed)
    optimizer = torch.optim.AdamW(model.parameters(), lr=settings.lr, weight_decay=settings.weight_decay)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: 0.5 * (1 + math.cos(math.pi * min(step, settings.steps) / settings.steps)))
    rng = np.random.default_rng(seed)
    model.train()
    for _ in tqdm(range(settings.steps), desc="supervised", unit="step"):
        rows = rng.integers(0, len(imu), settings.batch_size)
        x, m = augmenter(torch.from_numpy(imu[rows]), torch.from_numpy(mask[rows]))
        with cpu_autocast():
            logits = model(x, m)
        loss = torch.nn.functional.cross_entropy(logits.float(), torch.from_numpy(targets[rows]))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        schedule.step()
    return model.eval()


@torch.inference_mode()
def scores(model: Classifier, imu: np.ndarray, mask: np.ndarray, batch_size: int = 256) -> np.ndarray:
    with cpu_autocast():
        return np.concatenate([model(torch.from_numpy(imu[s:s + batch_size]), torch.from_numpy(mask[s:s + batch_size]))
                               .float().numpy() for s in range(0, len(imu), batch_size)])


def run_seed(seed: int, classes: list[str], data_root: str, corpora: Path, settings: SupervisedSettings,
             real: tuple[np.ndarray, np.ndarray, np.ndarray]) -> dict:
    """One seed: train on the corpora of seeds ``seed`` and ``seed + 1``, score on ``seed + 2`` and on ``real``."""
    from experiments.seeds import corpus_folder
    from pretrain.config import load_config
    from simulate.corpus import procedural_corpus

    config = load_config("cpu-small")
    activities = [HAPT_PAIRS[name] for name in classes]
    parts = [device_windows(procedural_corpus(corpus_folder(corpora, settings.clips, s), settings.clips, seed=s),
                            activities) for s in (seed, seed + 1, seed + 2)]
    imu, mask, targets = (np.concatenate(arrays) for arrays in zip(*parts[:2], strict=True))
    model = train_classifier(build_classifier(config, len(classes), seed), imu, mask, targets, config.augment,
                             settings, seed)
    held_out = scores(model, *parts[2][:2])
    real_scores = scores(model, *real[:2])
    return {"seed": seed, "classes": classes, "train_windows": len(imu),
            "simulated_held_out": classification_metrics(held_out, parts[2][2]),
            "real": classification_metrics(real_scores, real[2]),
            "real_confusion": confusion(real_scores, real[2]).tolist()}


def hapt_synonyms(classes: list[str]) -> list[list[str]]:
    """HAPT's synonyms (its zero-shot prompts) of each of ``classes``."""
    synonyms = {labels[0]: list(labels) for labels in HAPT.labels}
    return [synonyms[name] for name in classes]


def zero_shot_among(model_dir: str | Path, classes: list[str], real: tuple[np.ndarray, np.ndarray, np.ndarray],
                    simulated: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None) -> dict:
    """A pretrained model's zero-shot metrics and confusion on the same real windows, choosing among
    ``classes`` only (HAPT's prompts for them), so that it compares with the supervised figure. With
    ``simulated`` windows also a logistic regression on the frozen encoder's pooled features, fitted on them
    and scored on the real windows (``probe_real``): does the encoder hold what the text side misses?"""
    from experiments.transfer import encode, probe_scores
    from pretrain import load_model
    from zero_shot.prompts import class_text_embeddings

    model = load_model(model_dir)
    texts = class_text_embeddings(model, hapt_synonyms(classes))
    pooled, embedded = encode(model, real[0], real[1])
    logits = embedded @ texts.float().numpy().T
    result = {"model": str(model_dir), "real": classification_metrics(logits, real[2]),
              "real_confusion": confusion(logits, real[2]).tolist()}
    if simulated is not None:
        probe = probe_scores(encode(model, simulated[0], simulated[1])[0], simulated[2], pooled, len(classes))
        result |= {"probe_real": classification_metrics(probe, real[2]),
                   "probe_confusion": confusion(probe, real[2]).tolist()}
    return result


def summary(rows: list[dict], zero_shot: list[dict] = ()) -> str:
    """Mean ± std over seeds of held-out simulated and real accuracy and macro F1, per-seed values, and the
    real confusion summed over seeds."""
    lines = []
    figures = (("supervised, held-out simulation", [row["simulated_held_out"] for row in rows]),
               ("supervised, real (HAPT training subjects)", [row["real"] for row in rows]))
    if zero_shot:
        figures += (("pretrained models zero-shot among the same classes, real", [row["real"] for row in zero_shot]),)
    if zero_shot and "probe_real" in zero_shot[0]:
        figures += (("pretrained encoders frozen, probe fitted on simulation, real",
                     [row["probe_real"] for row in zero_shot]),)
    for label, metrics in figures:
        cells = [label]
        for metric in ("acc", "f1"):
            values = np.array([each[metric] for each in metrics])
            spread = values.std(ddof=1) if len(values) > 1 else 0.0
            cells.append(f"{values.mean():.3f} ± {spread:.3f} ({' / '.join(f'{v:.3f}' for v in values)})")
        lines.append(cells)
    classes = rows[0]["classes"]
    text = "\n".join(markdown_table(["scored on", "acc (per seed or model)", "macro F1"], lines))
    text = (f"The cpu-small encoder supervised on simulated {', '.join(classes)} at the waist ({len(rows)} seeds, "
            f"chance {1 / len(classes):.2f}):\n\n{text}\n")
    confusions = (("supervised", "real_confusion", rows), ("pretrained, zero-shot", "real_confusion", zero_shot),
                  ("pretrained, probe fitted on simulation", "probe_confusion", zero_shot))
    for label, key, parts in confusions:
        if parts and key in parts[0]:
            total = np.sum([part[key] for part in parts], axis=0)
            matrix = markdown_table(["true \\ predicted", *classes],
                                    [[name, *row] for name, row in zip(classes, total.tolist(), strict=True)])
            text += f"\nReal confusion, {label}, summed over {len(parts)}:\n\n" + "\n".join(matrix) + "\n"
    return text


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m experiments.sim_supervised", description=__doc__.splitlines()[0])
    parser.add_argument("--classes", type=comma_list(), default=list(GAITS),
                        help=f"comma-separated HAPT classes, from {', '.join(HAPT_PAIRS)}")
    parser.add_argument("--seeds", type=seeds, default=3, help="a count (default 3) or comma-separated seeds")
    parser.add_argument("--steps", type=int, default=SupervisedSettings.steps)
    parser.add_argument("--data-root", default="../shared/data", help="folder holding hapt/hapt.npz")
    parser.add_argument("--corpora", type=Path, default=Path("data/corpus"))
    parser.add_argument("--output", type=Path, default=Path("reports/sim_supervised"))
    parser.add_argument("--model", type=Path, action="append", default=[],
                        help="a pretrained model folder to compare, zero-shot among the same classes (repeatable)")
    args = parser.parse_args(argv)
    with exit_on_bad_input():
        unknown = sorted(set(args.classes) - set(HAPT_PAIRS))
        if unknown or len(args.classes) < 2:
            raise InputError(None, f"--classes needs at least two of {', '.join(HAPT_PAIRS)}; unknown: {unknown}")
        if args.steps < 1:
            raise InputError(None, f"--steps must be positive, got {args.steps}")
        settings = SupervisedSettings(steps=args.steps)
        real = real_windows(args.data_root, args.classes)
        chosen_seeds = seed_list(args.seeds)
        args.output.mkdir(parents=True, exist_ok=True)
        rows = []
        for seed in chosen_seeds:
            row = run_seed(seed, args.classes, args.data_root, args.corpora, settings, real)
            rows.append(row)
            print(f"seed {seed}: held-out simulation {row['simulated_held_out']['acc']:.3f}, "
                  f"real {row['real']['acc']:.3f}", flush=True)
        simulated = None
        if args.model:  # the frozen probes' training windows: the first seed's training corpora, augmented once
            from experiments.seeds import corpus_folder
            from pretrain.augment import augment_windows
            from pretrain.config import load_config

            activities = [HAPT_PAIRS[name] for name in args.classes]
            parts = [device_windows(corpus_folder(args.corpora, settings.clips, s), activities)
                     for s in (chosen_seeds[0], chosen_seeds[0] + 1)]
            imu, mask, targets = (np.concatenate(arrays) for arrays in zip(*parts, strict=True))
            simulated = (*augment_windows(load_config("cpu-small").augment, imu, mask, chosen_seeds[0]), targets)
        zero_shot = [zero_shot_among(model, args.classes, real, simulated) for model in args.model]
        write_text_atomic(args.output / "results.jsonl", "".join(json.dumps(row) + "\n" for row in rows))
        if zero_shot:
            write_text_atomic(args.output / "zero_shot.jsonl", "".join(json.dumps(row) + "\n" for row in zero_shot))
        write_text_atomic(args.output / "summary.md", summary(rows, zero_shot))
        print(summary(rows, zero_shot))


if __name__ == "__main__":
    main()
