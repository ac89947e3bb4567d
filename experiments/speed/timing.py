"""What every speed measurement shares: best-of-n timing, synthetic clips, and the results file.

:func:`record` appends one JSON line (the figures and :func:`.machine.machine_info`) to :data:`RESULTS`.
"""
from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from skeletons import NUM_JOINTS, PARENTS

from .machine import machine_info

RESULTS = Path(__file__).parent / "results" / "speed.jsonl"


def record(name: str, figures: dict, results: Path = RESULTS) -> None:
    """Append ``figures`` of benchmark ``name`` with the time and machine information to ``results``."""
    entry = {"benchmark": name, "when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
             **figures, "machine": machine_info()}
    results.parent.mkdir(parents=True, exist_ok=True)
    with results.open("a") as handle:
        handle.write(json.dumps(entry) + "\n")


def best_of(function: Callable[[], object], repeats: int) -> float:
    """The shortest wall time in seconds of ``repeats`` calls of ``function``, after one warm-up call."""
    function()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def interleaved_best(functions: dict[str, Callable[[], object]], repeats: int) -> dict[str, float]:
    """The shortest wall time in seconds of each function over ``repeats`` rounds, after one warm-up call
    each; every round calls each function once, in turn, so that a change in the machine's load (shared
    cores, clock changes) falls on all of them alike rather than on whichever ran during it."""
    for function in functions.values():
        function()
    best = {name: float("inf") for name in functions}
    for _ in range(repeats):
        for name, function in functions.items():
            start = time.perf_counter()
            function()
            best[name] = min(best[name], time.perf_counter() - start)
    return best


def smooth_random_clips(count: int, frames: int, fps: float, seed: int = 0) -> np.ndarray:
    """(count, frames, 22, 3) positions: a standing body whose joints drift along smooth random paths."""
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
