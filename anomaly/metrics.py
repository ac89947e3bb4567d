"""Anomaly-detection metrics: point-wise from scores and labels, event-wise from events with a tolerance.

Pure functions. Labels are 0 (normal) or 1 (anomalous), one per sample or one per window, aligned with the
scores (higher = more anomalous).

* :func:`point_metrics`: ``auroc`` (area under the ROC curve), ``auprc`` (average precision, scikit-learn's
  step-wise area under the precision-recall curve), ``best_f1`` (the highest F1 over every threshold) with
  its ``best_threshold``, ``positives`` and ``n``. With one class only, the three areas are None (undefined).
* :func:`event_metrics`: a true event counts as found when some predicted event overlaps it or lies within
  ``tolerance_s`` of it (the time between their nearest samples: events [10, 20) and [22, 25) at 1 Hz, whose
  nearest samples are 19 and 22, are 3 s apart); a predicted event counts as correct when it is so near some
  true event. ``recall`` = found / true events, ``precision`` = correct / predicted events (None when there
  are none to divide by), ``f1`` their harmonic mean (0 when either is 0, None when either is None).
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.metrics import average_precision_score, precision_recall_curve, roc_auc_score

from .events import Event

POINT_KEYS = ("auroc", "auprc", "best_f1")
EVENT_KEYS = ("event_recall", "event_precision", "event_f1")


def _checked(labels: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    labels, scores = np.asarray(labels), np.asarray(scores, dtype=np.float64)
    if labels.shape != scores.shape or labels.ndim != 1 or len(labels) == 0:
        raise ValueError(f"expected labels and scores of one equal length, got {labels.shape} and {scores.shape}")
    if not np.isin(labels, (0, 1)).all():
        raise ValueError("labels must be 0 (normal) or 1 (anomalous)")
    if not np.isfinite(scores).all():
        raise ValueError("scores must be finite")
    return labels.astype(np.int64), scores


def point_metrics(labels: np.ndarray, scores: np.ndarray) -> dict[str, float | int | None]:
    """AUROC, AUPRC, best F1 and its threshold, positives and n (see the module doc)."""
    labels, scores = _checked(labels, scores)
    result: dict[str, float | int | None] = {"auroc": None, "auprc": None, "best_f1": None, "best_threshold": None,
                                             "positives": int(labels.sum()), "n": len(labels)}
    if 0 < labels.sum() < len(labels):
        precision, recall, thresholds = precision_recall_curve(labels, scores)
        f1 = 2 * precision * recall / np.maximum(precision + recall, 1e-12)
        best = int(np.argmax(f1[:-1]))  # the last point (recall 0) has no threshold
        result.update(auroc=float(roc_auc_score(labels, scores)), auprc=float(average_precision_score(labels, scores)),
                      best_f1=float(f1[best]), best_threshold=float(thresholds[best]))
    return result


def _near(event: Event, others: Sequence[Event], tolerance: float) -> bool:
    """Whether ``event`` overlaps one of ``others`` or lies within ``tolerance`` samples of it: the distance
    between their nearest samples (``gap + 1``, with ``gap`` the samples strictly between them)."""
    for other in others:
        gap = max(other.start - event.stop, event.start - other.stop)
        if gap < 0 or gap + 1 <= tolerance:
            return True
    return False


def event_metrics(true: Sequence[Event], predicted: Sequence[Event], tolerance_s: float = 0.0
                  ) -> dict[str, float | int | None]:
    """Event recall, precision and F1 with a tolerance in seconds (see the module doc)."""
    rates = {e.rate_hz for e in (*true, *predicted)}
    if len(rates) > 1:
        raise ValueError(f"events at different rates: {sorted(rates)}")
    tolerance = tolerance_s * (rates.pop() if rates else 1.0)
    found = sum(_near(event, predicted, tolerance) for event in true)
    correct = sum(_near(event, true, tolerance) for event in predicted)
    recall = found / len(true) if true else None
    precision = correct / len(predicted) if predicted else None
    f1 = (None if recall is None or precision is None else
          0.0 if recall + precision == 0 else 2 * recall * precision / (recall + precision))
    return {"event_recall": recall, "event_precision": precision, "event_f1": f1, "true_events": len(true),
            "predicted_events": len(predicted), "found": found, "correct": correct}


def pooled_event_metrics(parts: Sequence[dict]) -> dict[str, float | int | None]:
    """:func:`event_metrics` over several recordings: counts summed, then recall, precision and F1."""
    true, predicted = sum(p["true_events"] for p in parts), sum(p["predicted_events"] for p in parts)
    found, correct = sum(p["found"] for p in parts), sum(p["correct"] for p in parts)
    recall = found / true if true else None
    precision = correct / predicted if predicted else None
    f1 = (None if recall is None or precision is None else
          0.0 if recall + precision == 0 else 2 * recall * precision / (recall + precision))
    return {"event_recall": recall, "event_precision": precision, "event_f1": f1, "true_events": true,
            "predicted_events": predicted, "found": found, "correct": correct}


__all__ = ["EVENT_KEYS", "POINT_KEYS", "event_metrics", "point_metrics", "pooled_event_metrics"]
