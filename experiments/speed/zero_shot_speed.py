"""Zero-shot evaluation speed: series/s through preparation, motion encoding and scoring.

``bench_eval()`` times the zero-shot path on BasicMotions' 40 test series (the one benchmark that ships
offline) with a randomly initialised model built from a pretraining config (``cpu-small`` by default:
the weights do not change the cost). The class text embeddings are computed once per dataset and timed
apart. Meant for ``python -m experiments.speed eval``; it prints one line and returns the figures.
"""
from __future__ import annotations

import time

import torch

from benchmarks.loader import load_split
from benchmarks.prepare import prepare_split
from benchmarks.registry import BASIC_MOTIONS
from pretrain.config import load_config
from pretrain.model import MotionTextModel
from zero_shot.evaluate import zero_shot_scores
from zero_shot.prompts import class_text_embeddings

from .timing import best_of


def bench_eval(config: str = "cpu-small", repeats: int = 3, batch_size: int = 256) -> dict:
    """Zero-shot series/s on BasicMotions (prepare + encode + score), best of ``repeats``, on the CPU."""
    torch.manual_seed(0)
    model = MotionTextModel.from_config(load_config(config).model.model_arguments()).eval()
    split = load_split(BASIC_MOTIONS, root=".", split="test")
    use_gyro = model.channels == 6
    start = time.perf_counter()
    classes = class_text_embeddings(model, split.descriptions)
    text_s = time.perf_counter() - start

    def prepare():
        return prepare_split(split, batch_size=batch_size, use_gyro=use_gyro)

    def whole() -> None:
        imu, mask = prepare()
        zero_shot_scores(model, imu, mask, classes, batch_size)

    prepare_s = best_of(prepare, repeats)
    total_s = best_of(whole, repeats)
    series = len(split.x)
    figures = {"config": config, "dataset": "BasicMotions", "series": series, "threads": torch.get_num_threads(),
               "repeats": repeats, "series_per_s": series / total_s, "total_s": total_s, "prepare_s": prepare_s,
               "encode_and_score_s": total_s - prepare_s, "text_embeddings_s": text_s}
    print(f"eval[{config}]: {figures['series_per_s']:.0f} series/s zero-shot on BasicMotions ({series} series of "
          f"10 s: prepare {prepare_s * 1e3:.1f} ms + encode and score {(total_s - prepare_s) * 1e3:.1f} ms; "
          f"class texts once {text_s * 1e3:.0f} ms; {figures['threads']} threads, best of {repeats})")
    return figures
