"""Transfer of one pretrained model to real sensors: zero-shot, and few-shot probes against its random init.

    python -m experiments.transfer --model runs/cpu-small [--protocol select|report] [--data-root ../shared/data]

Two protocols, so that settings are chosen on training data only:

* ``select`` (for choosing a recipe): BasicMotions **train** zero-shot; HAPT **training subjects** only,
  split in two halves: few-shot probes draw their shots from the first half (subjects 1, 3, 5, 6, 7, 8, 11,
  14, 15, 16) and are scored, like zero-shot, on the windows of the second half (the other 11);
* ``report`` (the figures we publish): BasicMotions **test** zero-shot, probes with shots from its train
  split; HAPT zero-shot on every window of UCI-HAR's **test subjects**; probes draw shots from (every 8th
  window of) the training subjects and are scored on every 3rd test-subject window.

Zero-shot is also reported calibrated (:mod:`zero_shot.calibration`): each class's score standardised over
other windows of the same device, read without labels: BasicMotions test on its train split, HAPT's scored
windows on the pool the probes draw from; in ``select``, BasicMotions train's halves on each other.

A probe is a logistic regression (scikit-learn) on frozen, standardised features of k windows per class,
averaged over ``draws`` draws of the shots: the pretrained encoder's pooled features (before the
projection), its early blocks' pooled features (the first ``early_blocks`` ST-GCN blocks, concatenated), its
embeddings (after the projection), the same network freshly initialised (pooled features of the last block
and of the early blocks), and MiniRocket (Dempster et al., KDD 2021; :mod:`finetune.minirocket`) on the same
shots. The issue reported that a probe liked a random-init encoder better than the pretrained one; this is
what measures it. Reading more than the last layer is the usual probe of a pretrained network (SUPERB, Yang
et al., Interspeech 2021, weighs every layer): the contrastive objective shapes the deep blocks most. Encoders
without blocks (the language-model core) have no early-block probes.
"""
from __future__ import annotations

import argparse
import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from benchmarks.hapt import load_hapt, split_subjects
from benchmarks.loader import BenchmarkSplit, is_present, load_split
from benchmarks.metrics import classification_metrics, confusion
from benchmarks.prepare import prepare_split
from benchmarks.registry import BASIC_MOTIONS, HAPT, Dataset
from finetune.data import Windows
from finetune.linear_probe import pooled_blocks, probe_scores, random_encoder
from finetune.minirocket import minirocket_scores, present_channels
from finetune.selection import stable_seed
from pretrain import load_model
from pretrain.model import MotionTextModel
from pretrain.train import resolve_mixed_precision
from zero_shot.calibration import cross_fitted, fit_calibration
from zero_shot.prompts import class_text_embeddings
from zero_shot.reference import reference_windows

DEFAULT_DATA_ROOT = "../shared/data"
PROTOCOLS = ("select", "report")
#: The probe's feature sources, in table order.
PROBES = ("pretrained-encoder", "pretrained-early", "pretrained-embedding", "random-encoder", "random-early",
          "minirocket")
#: (k, draw) -> (seed, shot indices): every probe fit (:func:`shot_plan`).
ShotPlan = dict[tuple[int, int], tuple[int, np.ndarray]]


@dataclass(frozen=True)
class TransferSettings:
    """What :func:`evaluate_transfer` measures.

    Attributes:
        ks: shots per class of the probes.
        draws: draws of the shots per k (the probe's mean is over them).
        pool_every: draw the shots from every n-th window of the pool split (only the windows drawn are
            encoded).
        select_eval_every: in ``select``, keep every n-th window of the scoring half.
        probe_scored_every: in ``report``, the probes score every n-th test window (zero-shot scores all).
        random_seed: seed of the random-init network.
        draw_seed: seed of the shot draws (and of MiniRocket); None: ``random_seed``. Models compared on
            the same shots (the demo's pretraining seeds) share one.
        early_blocks: the early-block probes read the pooled outputs of this many first ST-GCN blocks
            (2 of cpu-small's 5, chosen on HAPT's training subjects: README, "Probing the early blocks").
    """

    ks: tuple[int, ...] = (1, 5)
    draws: int = 5
    pool_every: int = 8
    select_eval_every: int = 2
    probe_scored_every: int = 3
    random_seed: int = 0
    draw_seed: int | None = None
    early_blocks: int = 2

    @property
    def shot_seed(self) -> int:
        return self.random_seed if self.draw_seed is None else self.draw_seed


def select_halves() -> tuple[tuple[int, ...], tuple[int, ...]]:
    """HAPT's training subjects, split into (shot subjects, scoring subjects) by alternating order."""
    subjects = split_subjects("train")
    return subjects[0::2], subjects[1::2]


def _rows(split: BenchmarkSplit, rows: np.ndarray | slice) -> BenchmarkSplit:
    """The split's series at ``rows`` (an index array, or a slice such as every n-th)."""
    from dataclasses import replace

    return replace(split, x=split.x[rows], y=split.y[rows])


def cpu_autocast() -> torch.autocast:
    """bf16 autocast where the CPU computes in bf16 natively (as pretraining does; embeddings agree with
    fp32 to a cosine of 0.9999 and it is 1.7x faster on the project's 2-core machine)."""
    bf16 = resolve_mixed_precision("auto") == "bf16" and not torch.cuda.is_available()
    return torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16)


def encode(model: MotionTextModel, imu: np.ndarray, mask: np.ndarray, batch_size: int = 256
           ) -> tuple[np.ndarray, np.ndarray]:
    """(pooled features before the projection, unit embeddings after it) of prepared windows."""
    pooled, embedded, _ = encode_with_early(model, imu, mask, 1, batch_size)
    return pooled, embedded


def encode_blocks(encoder: torch.nn.Module, channels: int, imu: np.ndarray, mask: np.ndarray, blocks: int,
                  batch_size: int = 256) -> tuple[np.ndarray, np.ndarray | None]:
    """(pooled features of a bare motion encoder, the pooled outputs of its first ``blocks`` blocks
    concatenated), in one pass under :func:`cpu_autocast` (:func:`finetune.linear_probe.pooled_blocks`); the
    second is None for an encoder without blocks."""
    with cpu_autocast():
        return pooled_blocks(encoder, channels, imu, mask, blocks, batch_size)


def encode_with_early(model: MotionTextModel, imu: np.ndarray, mask: np.ndarray, blocks: int,
                      batch_size: int = 256) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """(pooled features before the projection, unit embeddings after it, the pooled outputs of the first
    ``blocks`` blocks or None for an encoder without blocks) of prepared windows, in one pass of the encoder;
    the projection runs under the same autocast, in the same batches."""
    pooled, early = encode_blocks(model.imu_encoder, model.channels, imu, mask, blocks, batch_size)
    with torch.inference_mode(), cpu_autocast():
        embedded = [torch.nn.functional.normalize(model.imu_projection(torch.from_numpy(pooled[s:s + batch_size])),
                                                  dim=-1).float().numpy() for s in range(0, len(pooled), batch_size)]
    return pooled, np.concatenate(embedded), early


def draw_shots(targets: np.ndarray, k: int, seed: int) -> np.ndarray:
    """k indices per class present in ``targets`` (fewer where a class is short), sorted."""
    rng = np.random.default_rng(seed)
    chosen = [rng.choice(np.flatnonzero(targets == c), size=min(k, int((targets == c).sum())), replace=False)
              for c in np.unique(targets)]
    return np.sort(np.concatenate(chosen))


def zero_shot_metrics(model: MotionTextModel, embedded: np.ndarray, split: BenchmarkSplit,
                      unlabeled: np.ndarray | None = None, cross_fit: bool = False,
                      reference: np.ndarray | None = None) -> dict:
    """Zero-shot metrics from precomputed unit embeddings of ``split``'s windows, and the confusion matrix
    (``confusion``: rows true, columns predicted, in the split's class order). With ``unlabeled`` (unit
    embeddings of other windows of the same device) or ``cross_fit`` (calibrate each half of the windows on
    the other), also ``calibrated``: the same figures after :mod:`zero_shot.calibration`. With ``reference``
    (unit embeddings of :func:`zero_shot.reference.reference_windows`), also ``normalised``: the figures
    after standardising each class's score over those simulated windows, which reads nothing of the device."""
    classes = class_text_embeddings(model, split.descriptions).float().numpy()
    scores = embedded @ classes.T
    result = {**classification_metrics(scores, split.targets), "confusion": confusion(scores, split.targets).tolist()}
    if reference is not None:
        normalised = fit_calibration(reference @ classes.T).apply(scores)
        result["normalised"] = {**classification_metrics(normalised, split.targets),
                                "confusion": confusion(normalised, split.targets).tolist(),
                                "fitted_on": f"{len(reference)} simulated windows at the device's joints"}
    if unlabeled is not None or cross_fit:
        calibrated = (cross_fitted(scores) if unlabeled is None
                      else fit_calibration(unlabeled @ classes.T).apply(scores))
        result["calibrated"] = {**classification_metrics(calibrated, split.targets),
                                "confusion": confusion(calibrated, split.targets).tolist(),
                                "fitted_on": "the other half of the scored windows" if unlabeled is None
                                else f"{len(unlabeled)} other windows, unlabeled"}
    return result


def embeddings(model: MotionTextModel, split: BenchmarkSplit) -> np.ndarray:
    """Unit embeddings of every window of ``split``."""
    return encode(model, *prepare_split(split, use_gyro=model.channels == 6))[1]


def reference_embeddings(model: MotionTextModel, dataset: Dataset) -> np.ndarray:
    """Unit embeddings of the simulated reference windows of ``dataset``'s device
    (:func:`zero_shot.reference.reference_windows`)."""
    return encode(model, *reference_windows(dataset, use_gyro=model.channels == 6))[1]


def _features(model: MotionTextModel, random: torch.nn.Module, split: BenchmarkSplit, early_blocks: int,
              random_every: int = 1) -> dict[str, np.ndarray]:
    """Zero-shot embeddings of every window; the probes' features of every ``random_every``-th window (only
    those windows are kept for the probes, under ``"probe_rows"``)."""
    imu, mask = prepare_split(split, use_gyro=model.channels == 6)
    pooled, embedded, early = encode_with_early(model, imu, mask, early_blocks)
    rows = np.arange(0, len(imu), random_every)
    imu, mask = imu[rows], mask[rows]
    random_pooled, random_early = encode_blocks(random, model.channels, imu, mask, early_blocks)
    features = {"pretrained-encoder": pooled[rows], "pretrained-embedding": embedded[rows],
                "random-encoder": random_pooled, "random-early": random_early,
                "pretrained-early": None if early is None else early[rows]}
    return {**{name: value for name, value in features.items() if value is not None},
            "imu": imu, "mask": mask, "zero-shot-embedding": embedded, "probe_rows": rows}


def shot_plan(targets: np.ndarray, settings: TransferSettings, name: str) -> ShotPlan:
    """Every probe fit: ``(k, draw) -> (seed, indices into targets)``, the seed derived from ``name``, k and
    draw (it draws the shots and seeds MiniRocket)."""
    seeds = {(k, draw): stable_seed(name, f"k={k}", draw) for k in settings.ks for draw in range(settings.draws)}
    return {(k, draw): (seed, draw_shots(targets, k, seed)) for (k, draw), seed in seeds.items()}


def _shot_pool(model: MotionTextModel, random: torch.nn.Module, split: BenchmarkSplit, settings: TransferSettings,
               name: str) -> tuple[dict[str, np.ndarray], np.ndarray, ShotPlan]:
    """Features of the windows some probe draws as shots, and nothing else (a draw of at most k per class
    needs no features of the rest of the pool): ``(features, their targets, plan into those rows)``."""
    plan = shot_plan(split.targets, settings, name)
    drawn = np.unique(np.concatenate([shots for _, shots in plan.values()]))
    subset = _rows(split, drawn)
    return (_features(model, random, subset, settings.early_blocks), subset.targets,
            {key: (seed, np.searchsorted(drawn, shots)) for key, (seed, shots) in plan.items()})


def probes(pool: dict[str, np.ndarray], pool_targets: np.ndarray, plan: ShotPlan,
           scored: dict[str, np.ndarray], scored_targets: np.ndarray, num_classes: int,
           minirocket_cache: dict | None = None) -> dict:
    """Per k (an integer key) and probe (those of :data:`PROBES` whose features ``pool`` holds, and MiniRocket):
    mean and std over the shot draws of ``plan`` (:func:`shot_plan`) of accuracy and macro F1, and every draw.
    MiniRocket reads only the windows, not the model: its scores are kept in ``minirocket_cache`` (when given)
    under a digest of everything they depend on, so models evaluated on the same shots fit it once."""
    channels = present_channels(pool["mask"])
    scored_digest = _digest(scored["imu"], channels) if minirocket_cache is not None else b""
    results: dict[int, dict] = {}
    present = [probe for probe in PROBES if probe == "minirocket" or probe in pool]
    for k in sorted({k for k, _ in plan}):
        runs: dict[str, list[dict]] = {probe: [] for probe in present}
        for draw in sorted(d for key_k, d in plan if key_k == k):
            seed, shots = plan[k, draw]
            for probe in present:
                if probe == "minirocket":
                    train = Windows(pool["imu"][shots], pool["mask"][shots], pool_targets[shots])
                    test = Windows(scored["imu"], scored["mask"], scored_targets)
                    scores = _minirocket(train, test, num_classes, seed, channels, minirocket_cache, scored_digest)
                else:
                    scores = probe_scores(pool[probe][shots], pool_targets[shots], scored[probe], num_classes)
                metrics = classification_metrics(scores, scored_targets)
                runs[probe].append({"draw": draw, "acc": metrics["acc"], "f1": metrics["f1"]})
        results[k] = {probe: {"acc_mean": float(np.mean([r["acc"] for r in rs])),
                                     "acc_std": float(np.std([r["acc"] for r in rs], ddof=1)) if len(rs) > 1 else 0.0,
                                     "f1_mean": float(np.mean([r["f1"] for r in rs])), "draws": rs}
                             for probe, rs in runs.items()}
    return results


def _minirocket(train: Windows, test: Windows, num_classes: int, seed: int, channels: np.ndarray,
                cache: dict | None, test_digest: bytes) -> np.ndarray:
    """MiniRocket's scores (:func:`finetune.minirocket.minirocket_scores`), from ``cache`` when it holds them."""
    if cache is None:
        return minirocket_scores(train, test, num_classes, seed, channels)[0]
    key = (_digest(train.imu, train.targets, channels, np.array([seed, num_classes])), test_digest)
    if key not in cache:
        cache[key] = minirocket_scores(train, test, num_classes, seed, channels)[0]
    return cache[key]


def _digest(*arrays: np.ndarray) -> bytes:
    """A content digest of arrays (shape, dtype and bytes)."""
    import hashlib

    digest = hashlib.blake2b(digest_size=16)
    for array in arrays:
        array = np.ascontiguousarray(array)
        digest.update(repr((array.shape, array.dtype.str)).encode())
        digest.update(array.data)
    return digest.digest()


def evaluate_transfer(model_dir: str | os.PathLike, protocol: str = "report",
                      data_root: str | os.PathLike = DEFAULT_DATA_ROOT,
                      settings: TransferSettings | None = None, minirocket_cache: dict | None = None) -> dict:
    """Zero-shot on BasicMotions and HAPT, and few-shot probes, by ``protocol`` (module docstring). HAPT is
    left out when its file is not under ``data_root`` (a user's clone has no ``../shared``); the random-init
    network follows ``settings.random_seed``, the shot draws ``settings.shot_seed``. Pass one
    ``minirocket_cache`` (a dict) to every model evaluated on the same shots to fit MiniRocket once."""
    if protocol not in PROTOCOLS:
        raise ValueError(f"protocol is one of {PROTOCOLS}, got {protocol!r}")
    settings = settings or TransferSettings()
    model = load_model(model_dir)
    random = random_encoder(model, settings.random_seed)
    tag = f"{protocol}-seed{settings.shot_seed}"
    bm_split = "train" if protocol == "select" else "test"
    bm = load_split(BASIC_MOTIONS, data_root, bm_split)
    bm_train = bm if protocol == "select" else load_split(BASIC_MOTIONS, data_root, "train")
    bm_features = _features(model, random, bm, settings.early_blocks)
    unlabeled = None if protocol == "select" else embeddings(model, bm_train)
    result = {"model": os.fspath(model_dir), "protocol": protocol,
              "basicmotions": {"split": bm_split,
                               **zero_shot_metrics(model, bm_features["zero-shot-embedding"], bm, unlabeled,
                                                   cross_fit=unlabeled is None,
                                                   reference=reference_embeddings(model, BASIC_MOTIONS))}}
    if protocol == "report":  # shots from the 40 training series, scored on the 40 test series
        pool, pool_targets, plan = _shot_pool(model, random, bm_train, settings, f"bm-{tag}")
        result["basicmotions"]["probe"] = probes(pool, pool_targets, plan, bm_features, bm.targets,
                                                 BASIC_MOTIONS.classes, minirocket_cache)
    if not is_present(HAPT, data_root):
        return result
    if protocol == "select":
        shot_subjects, scored_subjects = select_halves()
        pool_split = load_hapt(HAPT, data_root, "train", shot_subjects)
        scored_split = _rows(load_hapt(HAPT, data_root, "train", scored_subjects),
                             slice(None, None, settings.select_eval_every))
        where = f"training subjects {list(scored_subjects)} (every {settings.select_eval_every}th window)"
    else:
        pool_split, scored_split = load_split(HAPT, data_root, "train"), load_split(HAPT, data_root, "test")
        where = "UCI-HAR test subjects"
    pool_split = _rows(pool_split, slice(None, None, settings.pool_every))
    scored = _features(model, random, scored_split, settings.early_blocks,
                       1 if protocol == "select" else settings.probe_scored_every)
    pool, pool_targets, plan = _shot_pool(model, random, pool_split, settings, f"hapt-{tag}")
    result["hapt"] = {"scored_on": where, "n": len(scored_split.y), "probe_n": len(scored["probe_rows"]),
                      "zero_shot": zero_shot_metrics(model, scored["zero-shot-embedding"], scored_split,
                                                     embeddings(model, pool_split),
                                                     reference=reference_embeddings(model, HAPT)),
                      "probe": probes(pool, pool_targets, plan, scored, scored_split.targets[scored["probe_rows"]],
                                      HAPT.classes, minirocket_cache)}
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m experiments.transfer", description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True, type=Path)
    parser.add_argument("--protocol", choices=PROTOCOLS, default="report")
    parser.add_argument("--data-root", default=DEFAULT_DATA_ROOT)
    parser.add_argument("--output", type=Path, help="write the JSON here (default: print it)")
    args = parser.parse_args(argv)
    from skeletons.atomic import write_text_atomic
    from skeletons.errors import exit_on_bad_input

    with exit_on_bad_input():
        result = evaluate_transfer(args.model, args.protocol, args.data_root)
        text = json.dumps(result, indent=2) + "\n"
        if args.output:
            write_text_atomic(args.output, text)
        else:
            print(text)


if __name__ == "__main__":
    main()
