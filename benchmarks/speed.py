"""Speed suite: ``python -m benchmarks.speed simulate``.

Each benchmark prints one line and appends a JSON record (figure + machine information) to
``benchmarks/results/speed.jsonl``. Speed is measured here, never asserted by tests.
"""
from __future__ import annotations

import argparse
import json
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from .machine import machine_info

RESULTS = Path(__file__).parent / "results" / "speed.jsonl"


def record(name: str, figures: dict, results: Path = RESULTS) -> None:
    entry = {"benchmark": name, "when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
             **figures, "machine": machine_info()}
    results.parent.mkdir(parents=True, exist_ok=True)
    with results.open("a") as handle:
        handle.write(json.dumps(entry) + "\n")


def smooth_random_clips(count: int, frames: int, fps: float, seed: int = 0) -> np.ndarray:
    """(count, frames, 22, 3) positions: a standing body whose joints drift along smooth random paths."""
    from skeletons import NUM_JOINTS, PARENTS

    rng = np.random.default_rng(seed)
    rest = np.zeros((NUM_JOINTS, 3))
    offsets = rng.normal(0, 0.12, size=(NUM_JOINTS, 3)) + [0, 0.15, 0]
    for j in range(1, NUM_JOINTS):
        rest[j] = rest[PARENTS[j]] + offsets[j]
    t = np.arange(frames) / fps
    frequencies = rng.uniform(0.3, 3.0, size=(count, 1, NUM_JOINTS, 3, 4))
    phases = rng.uniform(0, 2 * np.pi, size=frequencies.shape)
    wobble = 0.05 * np.sin(2 * np.pi * frequencies * t[None, :, None, None, None] + phases).sum(-1)
    return (rest + [0, 1.0, 0] + wobble).astype(np.float32)


def bench_simulate(clips: int = 1024, seconds: float = 10.0, fps: float = 20.0, repeats: int = 3) -> dict:
    """The batched corpus path on positions-only clips: orientation estimation, physics and the consumer
    sensor model, as ``python -m simulate`` runs it; also the physics alone (ideal sensor)."""
    from simulate.corpus import CorpusConfig, simulate_motions
    from skeletons import Motion

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


BENCHMARKS = {"simulate": bench_simulate}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.speed", description=__doc__.splitlines()[0])
    parser.add_argument("benchmark", choices=[*BENCHMARKS, "all"])
    parser.add_argument("--no-record", action="store_true", help=f"do not append to {RESULTS}")
    args = parser.parse_args(argv)
    names = list(BENCHMARKS) if args.benchmark == "all" else [args.benchmark]
    for name in names:
        figures = BENCHMARKS[name]()
        if not args.no_record:
            record(name, figures)


if __name__ == "__main__":
    main()
