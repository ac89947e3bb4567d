"""Per-sample, per-joint loops doing what :class:`pretrain.augment.Augmenter` does on whole batches.

They exist only to be timed beside the batched version (``python -m experiments.speed augment``) and to
check it (``tests/test_augment.py``), and are kept out of the library:

* :func:`rotate_per_sample_loop` is the rotation augmentation written as UniMTS's training script writes it,
  one matrix product per sample and joint in torch;
* :func:`augment_per_sample_loop` is the whole pipeline written the way augmentation usually lives inside
  a dataset's ``__getitem__``: one sample, then one joint at a time, NumPy and SciPy rotations, the
  gyroscope integrated step by step for gravity removal.
"""
from __future__ import annotations

import numpy as np
import torch
from scipy.spatial.transform import Rotation


def rotate_per_sample_loop(x: torch.Tensor, rotations: torch.Tensor) -> torch.Tensor:
    """``x`` (B, T, J, C), C = 3 or 6, with every joint's acc (and gyro) triple turned by ``rotations[b, j]``."""
    out = torch.empty_like(x)
    for b in range(x.shape[0]):
        for j in range(x.shape[2]):
            for first in range(0, x.shape[3], 3):
                out[b, :, j, first:first + 3] = (rotations[b, j] @ x[b, :, j, first:first + 3].T).T
    return out


def augment_per_sample_loop(
    x: np.ndarray, mask: np.ndarray, settings: dict, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """(B, T, J, 6) signals and mask -> augmented (B, window, J, 6) copies, the steps of ``Augmenter``:
    gravity removal for a fraction of the samples, crop or wrap to the window, a uniform random rotation
    per joint (for a fraction ``upright_p`` of the samples a turn about +y, then a tilt of at most
    ``upright_tilt_deg`` about a horizontal axis), gain jitter and noise, then k in ``keep_joints`` joints kept."""
    window, rate = settings["window"], settings["rate_hz"]
    low, high = settings["keep_joints"]
    batch, _, joints, channels = x.shape
    out = np.zeros((batch, window, joints, channels), dtype=np.float32)
    out_mask = np.zeros_like(out)
    for b in range(batch):
        length = int(np.flatnonzero(mask[b].reshape(len(mask[b]), -1).max(1) > 0).max()) + 1
        remove = rng.uniform() < settings["gravity_removed_p"]
        upright = rng.uniform() < settings.get("upright_p", 0.0)
        start = int(rng.integers(0, max(length - window, 0) + 1))
        steps = start + np.arange(window) % length
        kept = rng.choice(joints, size=int(rng.integers(low, high + 1)), replace=False)
        for j in kept:
            signal = np.array(x[b, :length, j], dtype=np.float64)
            if remove:
                signal[:, :3] -= gravity_reading_loop(signal, 1.0 / rate)
            signal = signal[steps]
            if upright:
                heading, tilt = rng.uniform(0, 2 * np.pi), np.radians(settings["upright_tilt_deg"]) * rng.uniform()
                slant = Rotation.from_rotvec(tilt * np.array([np.cos(heading), 0.0, np.sin(heading)]))
                rotation = (slant * Rotation.from_euler("y", rng.uniform(0, 2 * np.pi))).as_matrix()
            else:
                rotation = Rotation.random(random_state=rng).as_matrix()
            for sensor, first in enumerate((0, 3)):
                gain = 1.0 + settings["amplitude_jitter"] * rng.uniform(-1.0, 1.0)
                noise = np.broadcast_to(settings["noise_std"], 2)[sensor] * rng.standard_normal((window, 3))
                signal[:, first:first + 3] = signal[:, first:first + 3] @ rotation.T * gain + noise
            out[b, :, j] = signal
            out_mask[b, :, j] = 1.0
    return out, out_mask


def gravity_reading_loop(signal: np.ndarray, dt: float) -> np.ndarray:
    """(T, 3) gravity reading of one joint's (T, 6) acc + gyro, by integrating the gyroscope step by step."""
    to_first = [Rotation.identity()]
    for t in range(1, len(signal)):
        step = Rotation.from_rotvec(0.5 * (signal[t - 1, 3:] + signal[t, 3:]) * dt)
        to_first.append(to_first[-1] * step)
    to_first = Rotation.concatenate(to_first)
    gravity_first = to_first.apply(signal[:, :3]).mean(axis=0)
    return to_first.inv().apply(gravity_first)
