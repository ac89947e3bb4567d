"""Simulated reference windows of a device: zero-shot scores normalised without any data from the device.

Contract
--------
:func:`reference_windows` simulates ``clips`` clips of the procedural library (its default activity plan,
seeded) with the corpus's sensor model at the device's sample rate, reads them at the device's joints and
prepares them exactly as the device's own series are prepared (:func:`benchmarks.prepare.prepare_windows`:
gravity removed where the device delivers linear acceleration, resampled to the model's rate, one window
per clip). Their scores against the classes, given to :func:`zero_shot.calibration.fit_calibration`, give
each class's score mean and spread (:class:`zero_shot.calibration.ScoreCalibration`), which then
standardises the scores of the device's windows.

Why: a model pretrained on simulated motion scores some class descriptions above others for every window
of a joint (on BasicMotions' wrist, "walking" above "standing" for still windows). Calibration on unlabeled
windows of the device (:mod:`zero_shot.calibration`) corrects that but needs the device's data; the
simulated windows need none, so the result is still zero-shot. It is the test normalisation of speaker
verification (Z-norm: each model's scores standardised over an impostor population; Auckenthaler et al.,
DSP 2000) and the content-free calibration of Zhao et al. (ICML 2021, "Calibrate before use"), with the
population drawn from the pretraining library at the device's joints, rate and gravity convention.

The windows depend only on (joints, gyroscopes, rate, gravity, clips, seed) and are kept in memory for
the process (:func:`functools.lru_cache`), so several models scored on one device simulate them once.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from benchmarks.prepare import prepare_windows
from benchmarks.registry import Dataset, Placement

#: Procedural clips simulated for a device's reference (one window each), and the seed of their plan.
REFERENCE_CLIPS = 512
REFERENCE_SEED = 0


@lru_cache(maxsize=8)
def _simulated(joints: tuple[int, ...], rate_hz: float, clips: int, seed: int) -> np.ndarray:
    """(clips, T, len(joints), 6) readings of the library's clips at ``joints``, with gravity, at ``rate_hz``."""
    from simulate.corpus import DEFAULT_SENSOR, clip_seed, sensor_model
    from simulate.physics import simulate_batch
    from simulate.sources import procedural_items

    motions = [motion for item in procedural_items(clips, seed) for motion in item.load()]
    positions = np.stack([m.positions for m in motions])
    rotations = np.stack([m.rotations for m in motions]) if all(m.rotations is not None for m in motions) else None
    imu = simulate_batch(positions, motions[0].fps, rotations, rate_hz, sensor_model(DEFAULT_SENSOR),
                         clip_seeds=[clip_seed(seed, f"reference-{k}") for k in range(len(motions))])
    return np.ascontiguousarray(imu[:, :, list(joints)])


def reference_windows(dataset: Dataset, *, use_gyro: bool = True, clips: int | None = None,
                      seed: int = REFERENCE_SEED) -> tuple[np.ndarray, np.ndarray]:
    """``(imu, mask)`` (N, window, 22, 6) of simulated windows at ``dataset``'s joints, rate and gravity
    convention (module doc), ``clips`` of them (default :data:`REFERENCE_CLIPS`). A device without a
    gyroscope at a joint reads none there either."""
    clips = REFERENCE_CLIPS if clips is None else clips
    joints = tuple(placement.joint for placement in dataset.placements)
    readings = _simulated(joints, float(dataset.rate_hz), clips, seed)
    series = readings.reshape(len(readings), readings.shape[1], -1)  # channels: 6 per placement
    placements = [Placement(joint=p.joint, acc=(6 * i, 6 * i + 3),
                            gyro=(6 * i + 3, 6 * i + 6) if p.gyro is not None else None)
                  for i, p in enumerate(dataset.placements)]
    return prepare_windows(series, placements, dataset.rate_hz, use_gyro=use_gyro,
                           remove_gravity=dataset.gravity == "removed")

