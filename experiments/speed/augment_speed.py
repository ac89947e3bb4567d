"""Augmentation speed: the batched on-device pipeline beside per-sample, per-joint loops (:mod:`.reference`)."""
from __future__ import annotations

from dataclasses import asdict

import numpy as np
import torch

from pretrain.augment import Augmenter, random_rotations, rotate_joints
from pretrain.config import load_config

from .reference import augment_per_sample_loop, rotate_per_sample_loop
from .timing import best_of


def bench_augment(batch: int = 64, frames: int = 200, repeats: int = 5, config: str = "cpu-small") -> dict:
    """The batched on-device augmentation against the same work written per sample and per joint, twice:
    the rotation alone (UniMTS's loop, torch) and the whole pipeline of ``config`` (gravity removal for a
    fraction of the samples, crop or wrap, rotation, gain jitter, noise, joint masking; NumPy/SciPy loop)."""
    settings = asdict(load_config(config).augment)
    generator = torch.Generator().manual_seed(0)
    x = torch.randn((batch, frames, 22, 6), generator=generator)
    mask = torch.ones_like(x)
    rotations = random_rotations(batch, 22, generator)
    augmenter = Augmenter(settings, seed=0)
    figures = {"batch": batch, "frames": frames, "threads": torch.get_num_threads(), "config": config,
               "rotation_batched_s": best_of(lambda: rotate_joints(x, random_rotations(batch, 22, generator)), repeats),
               "rotation_loop_s": best_of(lambda: rotate_per_sample_loop(x, rotations), repeats),
               "pipeline_batched_s": best_of(lambda: augmenter(x, mask), repeats),
               "pipeline_loop_s": best_of(lambda: augment_per_sample_loop(x.numpy(), mask.numpy(), settings,
                                                                        np.random.default_rng(0)), repeats)}
    for part in ("rotation", "pipeline"):
        figures[f"{part}_speedup"] = figures[f"{part}_loop_s"] / figures[f"{part}_batched_s"]
    print(f"augment, batch of {batch} x {frames} x 22 x 6, {figures['threads']} threads, best of {repeats}:")
    print(f"  rotation per sample and joint:   batched {figures['rotation_batched_s'] * 1e3:7.2f} ms"
          f"   loop {figures['rotation_loop_s'] * 1e3:8.1f} ms   {figures['rotation_speedup']:5.0f}x")
    print(f"  whole pipeline ({config}):    batched {figures['pipeline_batched_s'] * 1e3:7.2f} ms"
          f"   loop {figures['pipeline_loop_s'] * 1e3:8.1f} ms   {figures['pipeline_speedup']:5.0f}x")
    return figures
