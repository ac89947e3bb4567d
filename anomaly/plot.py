"""A recording's signal with its anomaly scores and events: one PNG (matplotlib, no display needed).

:func:`plot_scores` draws, on top, the magnitude of the first accelerometer (channels 0-2) against time with
every detector's events shaded (and the labelled anomalies, when given, as a band under the axis); below,
each detector's per-sample scores, standardised by its threshold when it has one (score / |threshold|, so
1 is the threshold on every curve) with a dashed line at 1. Written atomically.
"""
from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from skeletons.atomic import atomic_path

from .events import Event, runs
from .scoring import RecordingScores


def plot_scores(path: str | os.PathLike, series: np.ndarray, result: RecordingScores,
                events: dict[str, Sequence[Event]], labels: np.ndarray | None = None, title: str = "") -> Path:
    """Draw ``series`` (T, C), its per-detector scores and ``events`` into the PNG ``path`` (module doc)."""
    from matplotlib import colormaps
    from matplotlib.figure import Figure

    figure = Figure(figsize=(11, 5.5), layout="constrained")
    top, bottom = figure.subplots(2, 1, sharex=True, height_ratios=(2, 1.4))
    seconds = np.arange(len(series)) / result.rate_hz
    top.plot(seconds, np.linalg.norm(series[:, :3], axis=1), lw=0.6, color="black")
    colours = colormaps["tab10"]
    names = list(result.scores)
    for k, name in enumerate(names):
        for number, event in enumerate(events.get(name, [])):
            top.axvspan(event.start_s, event.end_s, ymin=k / len(names), ymax=(k + 1) / len(names),
                        color=colours(k % 10), alpha=0.3, label=f"{name} events" if number == 0 else None)
    if labels is not None:
        for number, (start, stop) in enumerate(runs(np.asarray(labels) != 0)):
            top.axvspan(start / result.rate_hz, stop / result.rate_hz, ymin=-0.04, ymax=0.0, color="red",
                        clip_on=False, label="labelled anomaly" if number == 0 else None)
    top.set_ylabel("|acc|")
    top.set_title(title or "anomaly scores and events")
    if any(events.values()) or labels is not None:
        top.legend(fontsize=7, loc="upper right")
    for k, name in enumerate(names):
        scores = result.samples(name)
        threshold = result.thresholds.get(name)
        if threshold:
            scores = scores / abs(threshold)
        bottom.plot(seconds, scores, lw=0.8, color=colours(k % 10), label=name)
    bottom.axhline(1.0, color="grey", ls="--", lw=0.8)
    bottom.set_xlabel("time (s)")
    bottom.set_ylabel("score / threshold")
    bottom.legend(fontsize=7, ncols=min(6, len(names)))
    with atomic_path(path) as temporary:
        figure.savefig(temporary, dpi=100, format="png")
    return Path(path)


__all__ = ["plot_scores"]
