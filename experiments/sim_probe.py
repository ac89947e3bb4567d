"""Zero-shot from text and from simulation together: the normalised text scores beside a probe fitted on
simulated windows of each class.

    python -m experiments.sim_probe --model runs/cpu-small/seed-0 [--model ...] [--protocol select|report]
        [--data-root ../shared/data] [--clips 60] [--output reports/sim_probe]

Zero-shot recognition reads a class from its description alone. The procedural library can also *show* the
class: each class is matched to the library activity whose labels the model's text tower puts nearest
(:func:`library_activities`), ``clips`` clips of it are simulated at the device's joints and sample rate with
the corpus's sensor model, cut into windows as long as the device's series and prepared as they are
(:func:`simulated_windows`); a logistic regression on the frozen encoder's early blocks
(:mod:`finetune.linear_probe`), fitted on those windows after one pass of the model's pretraining
augmentation (``--augment pretraining``, the config its folder names; ``rotation`` keeps only the turns, tilt,
gain and noise), scores the real windows. No real label and no real window is read before scoring, so the
result is still zero-shot. Training classifiers on virtual IMU data is the premise of IMUTube (Kwon et al.,
IMWUT 2020) and IMUGPT (Leng et al., ISWC 2023); here the simulated classifier is one vote beside the text.

The ensemble (``ensemble``): the mean of the text's class probabilities (softmax of the scores normalised
on simulated reference windows, :mod:`zero_shot.reference`, whose per-class z-scores need no temperature)
and the probe's. It has no setting tuned: equal weights, temperature 1, 60 clips per class, the first 2 blocks,
fixed before the first measurement; it was measured on training data before any test figure was read (README,
"Zero-shot from text and simulation").

Protocols as in :mod:`experiments.transfer`: ``select`` scores BasicMotions' train split and every 2nd
window of HAPT's scoring half of the training subjects; ``report`` BasicMotions' test split and every window
of HAPT's test subjects. Results: ``OUTPUT/results.jsonl`` (one line per model: per dataset the text, probe
and ensemble accuracies and macro F1, and the class -> activity match) and ``OUTPUT/summary.md`` (mean ±
std over the models, per model in brackets).
"""
from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np
from scipy.special import softmax
from tqdm import tqdm

from benchmarks.hapt import load_hapt
from benchmarks.loader import BenchmarkSplit, is_present, load_split
from benchmarks.markdown import markdown_table
from benchmarks.metrics import classification_metrics
from benchmarks.prepare import prepare_split, prepare_windows
from benchmarks.registry import BASIC_MOTIONS, HAPT, Dataset, Placement
from experiments.transfer import (
    DEFAULT_DATA_ROOT,
    PROTOCOLS,
    _rows,
    encode_blocks,
    encode_with_early,
    reference_embeddings,
    select_halves,
)
from finetune.linear_probe import EARLY_BLOCKS, has_blocks, probe_scores
from pretrain.model import MotionTextModel
from skeletons.atomic import write_text_atomic
from skeletons.errors import InputError, exit_on_bad_input
from zero_shot.calibration import fit_calibration
from zero_shot.prompts import class_text_embeddings

#: Clips simulated per class, the seed of their motions and sensor noise, and of the augmentation pass.
CLIPS = 60
SIMULATION_SEED = 0
AUGMENT_SEED = 0
#: The metrics kept per way of scoring (:func:`benchmarks.metrics.classification_metrics`).
METRICS = ("acc", "f1", "r@2", "mrr")


def library_activities(model: MotionTextModel, descriptions: Sequence[Sequence[str]]) -> list[str]:
    """Per class (its descriptions), the id of the procedural activity whose labels the model's text tower
    embeds nearest (cosine of the prompt-ensembled class embeddings)."""
    from skeletons.procedural import ACTIVITIES

    activities = list(ACTIVITIES.values())
    library = class_text_embeddings(model, [list(a.phrasing.labels) for a in activities]).float()
    classes = class_text_embeddings(model, [list(d) for d in descriptions]).float()
    return [activities[i].id for i in (classes @ library.T).argmax(1).tolist()]


def simulated_windows(dataset: Dataset, activities: Sequence[str], series_samples: int, clips: int = CLIPS,
                      seed: int = SIMULATION_SEED, use_gyro: bool = True) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(imu, mask, target)``: ``clips`` procedural clips of each activity (target = its index), read at
    ``dataset``'s joints and rate under the corpus's sensor model, cut into ``series_samples``-long windows
    (50 % overlap) and prepared as the dataset's series are (:func:`benchmarks.prepare.prepare_windows`)."""
    from simulate.corpus import DEFAULT_SENSOR, clip_seed, sensor_model
    from simulate.physics import simulate_imu
    from skeletons.procedural import generate

    sensor, joints = sensor_model(DEFAULT_SENSOR), [p.joint for p in dataset.placements]
    hop = max(1, series_samples // 2)
    series, targets = [], []
    for target, activity in enumerate(activities):
        for k in range(clips):
            name = f"sim-probe-{target}-{k}"
            motion = generate(activity, clip_seed(seed, name) % 2**31)
            imu = simulate_imu(motion, dataset.rate_hz, sensor, seed=clip_seed(seed + 1, name), gravity=True)
            reading = imu[:, joints].reshape(len(imu), -1)  # 6 channels per placement
            for start in range(0, len(reading) - series_samples + 1, hop):
                series.append(reading[start:start + series_samples])
                targets.append(target)
    if not series:
        raise InputError(None, f"the simulated clips are shorter than the device's {series_samples}-sample series")
    placements = [Placement(joint=p.joint, acc=(6 * i, 6 * i + 3), gyro=(6 * i + 3, 6 * i + 6) if p.gyro else None)
                  for i, p in enumerate(dataset.placements)]
    imu, mask = prepare_windows(np.stack(series).astype(np.float32), placements, dataset.rate_hz,
                                use_gyro=use_gyro, remove_gravity=dataset.gravity == "removed")
    return imu, mask, np.asarray(targets, dtype=np.int64)


#: How the simulated windows are augmented before the probe reads them (:func:`augmented_once`).
AUGMENTS = ("pretraining", "rotation")


@lru_cache(maxsize=4)
def _simulated_once(dataset: Dataset, activities: tuple[str, ...], series_samples: int, clips: int, use_gyro: bool
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`simulated_windows` kept for the process: models scored on one device share the clips."""
    return simulated_windows(dataset, activities, series_samples, clips, use_gyro=use_gyro)


def pretraining_augment(model_folder: str | Path):
    """The :class:`pretrain.augment.AugmentConfig` the model in ``model_folder`` was pretrained with (its
    ``config.json`` names the config), or None where it names none that is known (imported weights)."""
    from pretrain.config import load_config

    saved = json.loads((Path(model_folder) / "config.json").read_text())
    name = (saved.get("trained") or {}).get("config")
    try:
        return load_config(name).augment if isinstance(name, str) else None
    except (InputError, OSError, ValueError):
        return None


def augmented_once(config, imu: np.ndarray, mask: np.ndarray, augment: str = "pretraining",
                   seed: int = AUGMENT_SEED, batch_size: int = 256) -> tuple[np.ndarray, np.ndarray]:
    """One pass of a pretraining augmentation (``config``, a :class:`pretrain.augment.AugmentConfig`; None
    leaves the windows unchanged) over prepared windows, as the encoder saw its training windows:
    ``pretraining`` applies all of it (gravity removed from a share of the windows, 1-5 joints kept),
    ``rotation`` only the turn about the vertical, tilt, gain and noise a real device's windows arrive with.
    Windows keep their length."""
    from dataclasses import replace

    from pretrain.augment import augment_windows

    if augment not in AUGMENTS:
        raise InputError(None, f"augment is one of {', '.join(AUGMENTS)}, got {augment!r}")
    if config is None:
        return imu, mask
    config = replace(config, window=None)
    if augment == "rotation":
        config = replace(config, keep_joints=None, gravity_removed_p=0.0, lowpass_p=0.0, tile_p=0.0)
    return augment_windows(config, imu, mask, seed, batch_size)


def ensemble_scores(normalised: np.ndarray, probe_log_probs: np.ndarray) -> np.ndarray:
    """(N, K) mean of the text's class probabilities (softmax of the per-class z-scores ``normalised``) and
    the probe's (``probe_log_probs`` exponentiated; -inf for a class it never saw gives 0)."""
    return (softmax(np.asarray(normalised, dtype=np.float64), axis=1) + np.exp(probe_log_probs)) / 2


def evaluate(model: MotionTextModel, dataset: Dataset, split: BenchmarkSplit, clips: int = CLIPS,
             augment_config=None, augment: str = "pretraining") -> dict:
    """Text (normalised), simulated probe and ensemble metrics on ``split``'s windows, and the class match."""
    if not has_blocks(model.imu_encoder):
        raise InputError(None, "the simulated probe reads an ST-GCN's early blocks; this encoder has none")
    activities = library_activities(model, split.descriptions)
    sim_imu, sim_mask, sim_targets = _simulated_once(dataset, tuple(activities), split.x.shape[1], clips,
                                                     model.channels == 6)
    sim_imu, sim_mask = augmented_once(augment_config, sim_imu, sim_mask, augment)
    imu, mask = prepare_split(split, use_gyro=model.channels == 6)
    classes = class_text_embeddings(model, split.descriptions).float().numpy()
    _, embedded, real_early = encode_with_early(model, imu, mask, EARLY_BLOCKS)
    text = fit_calibration(reference_embeddings(model, dataset) @ classes.T).apply(embedded @ classes.T)
    sim_early = encode_blocks(model.imu_encoder, model.channels, sim_imu, sim_mask, EARLY_BLOCKS)[1]
    probe = probe_scores(sim_early, sim_targets, real_early, len(activities))
    ensemble = ensemble_scores(text, probe)
    return {"activities": dict(zip([d[0] for d in split.descriptions], activities, strict=True)),
            "simulated_windows": len(sim_targets), "n": len(split.y),
            **{name: {key: classification_metrics(scores, split.targets)[key] for key in METRICS}
               for name, scores in (("text", text), ("probe", probe), ("ensemble", ensemble))}}


def splits(protocol: str, data_root: str) -> dict[str, tuple[Dataset, BenchmarkSplit]]:
    """The scored splits of ``protocol`` (module doc) that are present under ``data_root``."""
    out = {"basicmotions": (BASIC_MOTIONS, load_split(BASIC_MOTIONS, data_root,
                                                      "train" if protocol == "select" else "test"))}
    if is_present(HAPT, data_root):
        out["hapt"] = (HAPT, _rows(load_hapt(HAPT, data_root, "train", select_halves()[1]), slice(None, None, 2))
                       if protocol == "select" else load_split(HAPT, data_root, "test"))
    return out


def summary(rows: list[dict]) -> str:
    """Mean ± std over the models of each dataset's text, probe and ensemble accuracy, per model in brackets."""
    lines = ["# Zero-shot from text and simulation", ""]
    table = []
    for dataset in rows[0]["results"]:
        for name in ("text", "probe", "ensemble"):
            values = [row["results"][dataset][name]["acc"] for row in rows]
            spread = f" ± {np.std(values, ddof=1):.3f}" if len(values) > 1 else ""
            table.append([dataset, name, f"{np.mean(values):.3f}{spread} ({' / '.join(f'{v:.3f}' for v in values)})"])
    lines += [*markdown_table(["dataset", "scores", "accuracy (per model)"], table), ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m experiments.sim_probe", description=__doc__.splitlines()[0])
    parser.add_argument("--model", action="append", required=True, type=Path, help="a model folder (repeatable)")
    parser.add_argument("--protocol", choices=PROTOCOLS, default="report")
    parser.add_argument("--data-root", default=DEFAULT_DATA_ROOT)
    parser.add_argument("--clips", type=int, default=CLIPS, help=f"clips simulated per class (default {CLIPS})")
    parser.add_argument("--augment", choices=AUGMENTS, default="pretraining",
                        help="augmentation of the simulated windows (default: the model's pretraining augmentation)")
    parser.add_argument("--output", type=Path, default=Path("reports/sim_probe"))
    args = parser.parse_args(argv)
    from pretrain import load_model

    with exit_on_bad_input():
        if args.clips < 1:
            raise InputError(None, f"--clips must be at least 1, got {args.clips}")
        data = splits(args.protocol, args.data_root)
        rows = []
        for folder in tqdm(args.model, desc="models", unit="model"):
            model = load_model(folder)
            rows.append({"model": str(folder), "protocol": args.protocol, "augment": args.augment,
                         "results": {name: evaluate(model, dataset, split, args.clips, pretraining_augment(folder),
                                                    args.augment)
                                     for name, (dataset, split) in data.items()}})
        write_text_atomic(args.output / "results.jsonl", "".join(json.dumps(row) + "\n" for row in rows))
        write_text_atomic(args.output / "summary.md", summary(rows))
        print(summary(rows))


if __name__ == "__main__":
    main()
