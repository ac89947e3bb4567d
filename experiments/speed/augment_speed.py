"""Augmentation speed: the batched on-device pipeline beside per-sample, per-joint loops (:mod:`.reference`)."""
from __future__ import annotations

from dataclasses import asdict

import numpy as np
import torch

from pretrain.augment import Augmenter, random_rotations, rotate_joints
from pretrain.config import load_config

from .memory import peak_memory_mb
from .reference import augment_per_sample_loop, rotate_per_sample_loop
from .timing import interleaved_best


def bench_augment(batch: int = 64, frames: int = 200, repeats: int = 7, config: str = "cpu-small") -> dict:
    """The batched on-device augmentation against the same work written per sample and per joint, twice:
    the rotation alone (UniMTS's loop, torch) and the whole pipeline of ``config`` (gravity removal for a
    fraction of the samples, crop or wrap, rotation, gain jitter, noise, joint masking; NumPy/SciPy loop)."""
    settings = asdict(load_config(config).augment)
    generator = torch.Generator().manual_seed(0)
    x = torch.randn((batch, frames, 22, 6), generator=generator)
    mask = torch.ones_like(x)
    rotations = random_rotations(batch, 22, generator)
    augmenter = Augmenter(settings, seed=0)
    loop_rng = np.random.default_rng(0)
    seconds = interleaved_best({
        "rotation_batched": lambda: rotate_joints(x, random_rotations(batch, 22, generator)),
        "rotation_loop": lambda: rotate_per_sample_loop(x, rotations),
        "pipeline_batched": lambda: augmenter(x, mask),
        "pipeline_loop": lambda: augment_per_sample_loop(x.numpy(), mask.numpy(), settings, loop_rng),
    }, repeats)
    figures = {"batch": batch, "frames": frames, "threads": torch.get_num_threads(), "config": config,
               "repeats": repeats, **{f"{name}_s": value for name, value in seconds.items()},
               "peak_memory_mb": peak_memory_mb(lambda: augmenter(x, mask))}
    for part in ("rotation", "pipeline"):
        figures[f"{part}_speedup"] = figures[f"{part}_loop_s"] / figures[f"{part}_batched_s"]
    figures["ratio"] = figures["pipeline_speedup"]
    print(f"augment, batch of {batch} x {frames} x 22 x 6, {figures['threads']} threads, best of {repeats}:")
    print(f"  rotation per sample and joint:   batched {figures['rotation_batched_s'] * 1e3:7.2f} ms"
          f"   loop {figures['rotation_loop_s'] * 1e3:8.1f} ms   {figures['rotation_speedup']:5.0f}x")
    print(f"  whole pipeline ({config}):    batched {figures['pipeline_batched_s'] * 1e3:7.2f} ms"
          f"   loop {figures['pipeline_loop_s'] * 1e3:8.1f} ms   {figures['pipeline_speedup']:5.0f}x   "
          f"peak memory {_megabytes(figures['peak_memory_mb'])}")
    floor = floor_costs(x, mask, settings, repeats)
    figures.update(floor)
    print(f"  floor of the batched pipeline: its {floor['noise_draws']:,} Gaussian draws "
          f"{floor['draws_s'] * 1e3:.2f} ms, "
          f"writing the (B, T, 22, 6) output and mask {floor['output_s'] * 1e3:.2f} ms")
    return figures


def floor_costs(x: torch.Tensor, mask: torch.Tensor, settings: dict, repeats: int) -> dict:
    """What the batched pipeline cannot avoid, timed alone: the Gaussian noise of the kept joints (on average
    the middle of ``keep_joints`` per sample; no draws without noise) and writing a zeroed output and mask of
    the input's shape."""
    joints = sum(settings["keep_joints"]) // 2 if settings["keep_joints"] else x.shape[2]
    kept = x.shape[0] * x.shape[1] * joints * x.shape[3]
    noise = torch.empty(kept) if max(np.broadcast_to(settings["noise_std"], 2)) > 0 else torch.empty(0)
    generator = torch.Generator().manual_seed(0)
    seconds = interleaved_best({"draws": lambda: noise.normal_(generator=generator),
                                "output": lambda: (torch.zeros_like(x).add_(1), torch.zeros_like(mask).add_(1))},
                               repeats)
    return {"noise_draws": noise.numel(), "draws_s": seconds["draws"], "output_s": seconds["output"]}


def _megabytes(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0f} MB"
