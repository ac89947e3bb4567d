"""Run detectors on the offline protocols (:mod:`anomaly.protocols`) over seeds and measure them.

:func:`evaluate_protocol` builds the protocol for each seed, fits an :class:`anomaly.scoring.AnomalyScorer`
on its normal recording (the text detector gets the protocol's descriptions of the abnormal and the normal
state) and scores its test recordings. Per seed and detector: point-wise metrics
(:func:`anomaly.metrics.point_metrics`) on the per-sample scores of every test recording together, event
metrics pooled over the recordings (events: :func:`anomaly.events.detect_events` at the detector's
threshold from normal data, against the labelled stretches, ``tolerance_s`` either side) and, for the
fault protocol, the AUROC of each fault kind against the normal samples. ``summary`` holds the mean and
standard deviation over seeds (population std, ``ddof=0``) of every metric that is defined on every seed.
"""
from __future__ import annotations

import os
import platform
import time
from collections.abc import Sequence
from dataclasses import asdict, replace
from typing import Any

import numpy as np

from pretrain.model import load_model

from .detectors import DetectorSettings, build_detectors
from .events import EventSettings, detect_events, label_events
from .metrics import EVENT_KEYS, POINT_KEYS, event_metrics, point_metrics, pooled_event_metrics
from .protocols import FAULTS, ProtocolSettings, build_protocol
from .scoring import QUANTILE, AnomalyScorer
from .windows import WindowSettings

DEFAULT_DETECTORS = ("knn", "mahalanobis", "text", "forecast", "iforest", "stats-knn")
#: Event tolerance of the protocols, seconds.
TOLERANCE_S = 5.0


def _seed_metrics(scorer: AnomalyScorer, protocol, events: EventSettings, tolerance_s: float) -> dict[str, dict]:
    results = [scorer.score(recording, f"{protocol.name} recording {i}", desc=f"{protocol.name} seed "
                                                                              f"{protocol.seed}")
               for i, recording in enumerate(protocol.recordings)]
    labels = np.concatenate(protocol.labels)
    kinds = np.concatenate(protocol.kinds) if protocol.kinds else None
    metrics = {}
    for detector in scorer.detectors:
        name = detector.name
        per_sample = [result.samples(name) for result in results]
        scores = np.concatenate(per_sample)
        entry: dict[str, Any] = point_metrics(labels, scores)
        parts = [event_metrics(label_events(label, scorer.device.rate_hz),
                               detect_events(sample, scorer.thresholds[name], scorer.device.rate_hz, events),
                               tolerance_s) for label, sample in zip(protocol.labels, per_sample)]
        entry.update(pooled_event_metrics(parts), threshold=scorer.thresholds[name])
        if kinds is not None:
            entry["fault_auroc"] = {kind: point_metrics(labels[keep], scores[keep])["auroc"]
                                    for kind in FAULTS for keep in [(kinds == kind) | (labels == 0)]}
        metrics[name] = entry
    return metrics


def _summary(per_seed: dict[int, dict[str, dict]], detectors: Sequence[str]) -> dict[str, dict]:
    summary: dict[str, dict] = {}
    for name in detectors:
        entries = [per_seed[seed][name] for seed in per_seed]
        row: dict[str, Any] = {}
        for key in (*POINT_KEYS, *EVENT_KEYS):
            values = [e[key] for e in entries]
            row[key] = (None if any(v is None for v in values) else
                        {"mean": float(np.mean(values)), "std": float(np.std(values)), "n": len(values)})
        if "fault_auroc" in entries[0]:
            row["fault_auroc"] = {kind: {"mean": float(np.mean([e["fault_auroc"][kind] for e in entries])),
                                         "std": float(np.std([e["fault_auroc"][kind] for e in entries]))}
                                  for kind in FAULTS}
        summary[name] = row
    return summary


def _processor() -> str:
    """The CPU's model name (from /proc/cpuinfo where there is one)."""
    try:
        for line in open("/proc/cpuinfo", encoding="utf-8"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def evaluate_protocol(model: str | os.PathLike | None, protocol: str, seeds: Sequence[int],
                      detectors: Sequence[str] = DEFAULT_DETECTORS, *,
                      windows: WindowSettings | None = None, settings: DetectorSettings | None = None,
                      protocol_settings: ProtocolSettings | None = None, events: EventSettings | None = None,
                      quantile: float = QUANTILE, tolerance_s: float = TOLERANCE_S, torch_device: str = "cpu",
                      progress: bool | None = None) -> dict[str, Any]:
    """The JSON-ready results of ``detectors`` on ``protocol`` over ``seeds`` (see the module doc)."""
    windows, settings = windows or WindowSettings(), settings or DetectorSettings()
    protocol_settings, events = protocol_settings or ProtocolSettings(), events or EventSettings()
    network = load_model(model, device=torch_device) if model is not None else None
    started = time.perf_counter()
    per_seed: dict[int, dict[str, dict]] = {}
    text = {}
    for seed in seeds:
        data = build_protocol(protocol, seed, protocol_settings)
        text = {"abnormal": list(data.abnormal_text), "normal": list(data.normal_text)}
        chosen = replace(settings, abnormal=data.abnormal_text, normal=data.normal_text, seed=seed)
        scorer = AnomalyScorer(build_detectors(detectors, chosen, network), data.device, windows, network=network,
                               torch_device=torch_device, quantile=quantile, progress=progress)
        scorer.fit(data.normal, [f"{protocol} normal recording"])
        per_seed[seed] = _seed_metrics(scorer, data, events, tolerance_s)
    return {"protocol": protocol, "model": None if model is None else os.fspath(model), "seeds": list(seeds),
            "detectors": {name: {"pretrained": bool(d.pretrained)} for name, d in
                          ((n, build_detectors([n], settings, network)[0]) for n in detectors
                           if n != "text" or network is not None)},
            "text": text, "windows": asdict(windows), "settings": {**asdict(settings), "abnormal": None,
                                                                   "normal": None},
            "protocol_settings": asdict(protocol_settings), "events": asdict(events), "quantile": quantile,
            "tolerance_s": tolerance_s, "per_seed": {str(s): v for s, v in per_seed.items()},
            "summary": _summary(per_seed, detectors),
            "machine": {"platform": platform.platform(), "processor": _processor(), "cpus": os.cpu_count(),
                        "torch_device": torch_device},
            "seconds": round(time.perf_counter() - started, 1)}


__all__ = ["DEFAULT_DETECTORS", "TOLERANCE_S", "evaluate_protocol"]
