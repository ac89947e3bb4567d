"""Corpus simulation speed: the batched path ``python -m simulate`` runs, against the same simulation written
clip by clip and joint by joint (:mod:`.reference_simulate`), in one run.

Input: positions-only 10 s clips at 20 fps (orientations estimated, as for HumanML3D), output 20 Hz
acc + gyro on 22 joints, with the consumer sensor model (:meth:`simulate.sensor.SensorModel.consumer`) and
without it (physics alone). The plain implementation is slow enough that a few dozen clips time it well;
both are reported in clips/s. Peak memory of one batched call is reported beside.
"""
from __future__ import annotations

import os
import time

import numpy as np
import torch
from threadpoolctl import threadpool_limits

from simulate.corpus import CorpusConfig, clip_seed, simulate_motions
from simulate.physics import _ideal_signals
from simulate.sensor import SensorModel
from skeletons import Motion

from .memory import peak_memory_mb
from .reference_simulate import simulate_clip_plain
from .timing import best_of, smooth_random_clips


def bench_simulate(clips: int = 1024, plain_clips: int = 32, seconds: float = 10.0, fps: float = 20.0,
                   repeats: int = 3) -> dict:
    """Clips/s of the batched corpus path and of the per-clip, per-joint implementation (see the module doc)."""
    positions = smooth_random_clips(clips, int(seconds * fps), fps)
    motions = [Motion(positions=p, fps=fps) for p in positions]
    ids = [f"clip{i}" for i in range(clips)]
    figures = {"clips": clips, "plain_clips": plain_clips, "clip_seconds": seconds, "fps": fps, "rate_hz": 20.0,
               "joints": 22, "input": "positions only", "repeats": repeats}
    for sensor in ("consumer", "ideal"):
        config = CorpusConfig(source="benchmark", rate_hz=20.0, sensor=sensor)
        model = SensorModel.consumer() if sensor == "consumer" else None

        def batched(config: CorpusConfig = config) -> None:
            simulate_motions(motions, config, ids)

        def plain(model: SensorModel | None = model) -> None:
            for i in range(plain_clips):
                rng = np.random.default_rng(clip_seed(0, ids[i]))
                simulate_clip_plain(positions[i], fps, 20.0, model, rng)

        simulate_motions(motions[:8], config, ids[:8])  # warm-up
        best = {"batched": float("inf"), "plain": float("inf")}
        for _ in range(repeats):  # interleaved, so that load changes fall on both
            for name, work in (("batched", batched), ("plain", plain)):
                start = time.perf_counter()
                work()
                best[name] = min(best[name], time.perf_counter() - start)
        figures[f"clips_per_s_{sensor}"] = clips / best["batched"]
        figures[f"plain_clips_per_s_{sensor}"] = plain_clips / best["plain"]
        figures[f"ratio_{sensor}"] = figures[f"clips_per_s_{sensor}"] / figures[f"plain_clips_per_s_{sensor}"]
        figures[f"peak_memory_mb_{sensor}"] = peak_memory_mb(batched)
    figures.update(one_core_costs(positions[:64], fps))
    figures["clips_per_s"] = figures["clips_per_s_consumer"]
    figures["ratio"] = figures["ratio_consumer"]
    print(f"simulate, {seconds:g} s clips, 22 joints, {fps:g} fps positions only -> 20 Hz acc + gyro, orientation "
          f"estimation included, best of {repeats}:")
    for sensor in ("consumer", "ideal"):
        peak = figures[f"peak_memory_mb_{sensor}"]
        print(f"  {sensor + ' sensor' if sensor == 'consumer' else 'physics alone':15s} batched "
              f"{figures[f'clips_per_s_{sensor}']:7.0f} clips/s ({clips} clips)   plain "
              f"{figures[f'plain_clips_per_s_{sensor}']:6.1f} clips/s ({plain_clips} clips)   "
              f"{figures[f'ratio_{sensor}']:5.0f}x   peak memory {'n/a' if peak is None else f'{peak:.0f} MB'}")
    print(f"  one core, per clip: physics {figures['physics_ms_per_clip']:.2f} ms, consumer sensor model "
          f"{figures['sensor_ms_per_clip']:.2f} ms, of which {figures['draws_ms_per_clip']:.2f} ms draw its "
          f"{figures['draws_per_clip']:,} Gaussians; bound on {os.cpu_count()} cores "
          f"{figures['bound_clips_per_s']:.0f} clips/s")
    return figures


def one_core_costs(positions: np.ndarray, fps: float, repeats: int = 5) -> dict:
    """Milliseconds per clip on one core of the physics, the consumer sensor model and the sensor model's
    Gaussian draws alone (one torch generator per clip, as the corpus seeds them), and the clips/s those
    costs allow on all cores: where the time goes, when the clips/s fall short of a target."""
    clips = len(positions)
    sensor = SensorModel.consumer()
    seeds = [clip_seed(0, f"clip{i}") for i in range(clips)]
    with threadpool_limits(limits=1):
        physics_s = best_of(lambda: _ideal_signals(positions, fps, None, 20.0, True), repeats)
        imu = _ideal_signals(positions, fps, None, 20.0, True)
        sensor_s = best_of(lambda: sensor.apply(imu, 20.0, [np.random.default_rng(s) for s in seeds]), repeats)
        generators = [torch.Generator().manual_seed(s) for s in seeds]
        draws = torch.empty(imu.shape)
        draws_s = best_of(lambda: [draws[i].normal_(generator=g) for i, g in enumerate(generators)], repeats)
    per_clip = {"physics_ms_per_clip": 1e3 * physics_s / clips, "sensor_ms_per_clip": 1e3 * sensor_s / clips,
                "draws_ms_per_clip": 1e3 * draws_s / clips, "draws_per_clip": int(np.prod(imu.shape[1:]))}
    per_clip["bound_clips_per_s"] = (os.cpu_count() or 1) * 1e3 / (
        per_clip["physics_ms_per_clip"] + per_clip["sensor_ms_per_clip"])
    return per_clip
