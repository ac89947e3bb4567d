"""Corpus simulation speed: clips/s of the batched path ``python -m simulate`` runs."""
from __future__ import annotations

import time

from simulate.corpus import CorpusConfig, simulate_motions
from skeletons import Motion

from .timing import smooth_random_clips


def bench_simulate(clips: int = 1024, seconds: float = 10.0, fps: float = 20.0, repeats: int = 3) -> dict:
    """The batched corpus path on positions-only clips: orientation estimation, physics and the consumer
    sensor model, as ``python -m simulate`` runs it; also the physics alone (ideal sensor)."""
    positions = smooth_random_clips(clips, int(seconds * fps), fps)
    motions = [Motion(positions=p, fps=fps) for p in positions]
    figures = {"clips": clips, "clip_seconds": seconds, "fps": fps, "rate_hz": 20.0, "joints": 22,
               "input": "positions only", "repeats": repeats}
    for sensor in ("consumer", "ideal"):
        config = CorpusConfig(source="benchmark", rate_hz=20.0, sensor=sensor)
        ids = [f"clip{i}" for i in range(clips)]
        simulate_motions(motions[:8], config, ids[:8])  # warm-up
        best = float("inf")
        for _ in range(repeats):
            start = time.perf_counter()
            simulate_motions(motions, config, ids)
            best = min(best, time.perf_counter() - start)
        figures[f"clips_per_s_{sensor}"] = clips / best
    figures["clips_per_s"] = figures["clips_per_s_consumer"]
    print(f"simulate: {figures['clips_per_s']:.0f} clips/s ({clips} clips of {seconds:g} s, 22 joints, "
          f"{fps:g} fps positions only -> 20 Hz acc+gyro, orientation estimation and consumer sensor model "
          f"included; physics alone {figures['clips_per_s_ideal']:.0f} clips/s; best of {repeats})")
    return figures
