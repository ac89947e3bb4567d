"""Anomaly detection on motion recordings: several detectors side by side, events, and evaluation.

The stage beside zero-shot and fine-tuning (it uses them and everything below; only ``experiments`` and the
tests import it). ``python -m anomaly score`` scores recordings of any length window by window;
``python -m anomaly evaluate`` measures the detectors on offline protocols with ground truth (BasicMotions
novelty, injected sensor faults). Modules: :mod:`~anomaly.windows` (streamed windows, scores back onto
samples), :mod:`~anomaly.detectors`, :mod:`~anomaly.scoring` (fit on normal, score in batches),
:mod:`~anomaly.events`, :mod:`~anomaly.metrics`, :mod:`~anomaly.protocols`, :mod:`~anomaly.evaluate`,
:mod:`~anomaly.report`, :mod:`~anomaly.plot`.
"""
from __future__ import annotations

from .detectors import DETECTORS, Detector, DetectorSettings, build_detectors
from .evaluate import evaluate_protocol
from .events import Event, EventSettings, detect_events, label_events
from .metrics import event_metrics, point_metrics
from .protocols import Protocol, ProtocolSettings, build_protocol
from .scoring import AnomalyScorer, RecordingScores
from .windows import WindowSettings, checked_recording, sample_scores, window_batches

__all__ = ["DETECTORS", "AnomalyScorer", "Detector", "DetectorSettings", "Event", "EventSettings", "Protocol",
           "ProtocolSettings", "RecordingScores", "WindowSettings", "build_detectors", "build_protocol",
           "checked_recording", "detect_events", "evaluate_protocol", "event_metrics", "label_events",
           "point_metrics", "sample_scores", "window_batches"]
