"""Classification metrics from a score matrix, as the UniMTS paper reports them (Zhang et al., NeurIPS 2024).

``classification_metrics(scores, targets)`` takes (N, K) scores (higher = more likely; cosine similarities
in zero-shot) and the true column of each row, and returns fractions in [0, 1]:

* ``acc``: top-1 accuracy;
* ``precision``, ``recall``, ``f1``: macro averages over the classes that occur in the targets or the
  predictions (scikit-learn's default set, which the paper's code uses), 0 where undefined;
* ``r@1`` .. ``r@5``: the fraction of rows whose true class ranks within the top k (k capped at K, so with
  K < 5 classes ``r@K`` and beyond are 1);
* ``mrr``: mean reciprocal rank of the true class;
* ``n``: the number of rows.

Ranks break ties by column order, as ``argmax`` does, so ``r@1`` always equals ``acc``: a model that gives
every class the same score gets the rank its column order gives, never a free top rank.

``answer_metrics(predictions, targets, classes)`` scores a classifier that names one class and ranks none
(a language model's answer): the same keys, with -1 for "no usable answer" (counted wrong, and no class's
false positive), ``r@1`` = ``acc`` and ``r@2`` .. ``r@5``, ``mrr`` None (a single answer ranks nothing else).
"""
from __future__ import annotations

import numpy as np
from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

RECALL_AT = (1, 2, 3, 4, 5)
#: The keys of :func:`classification_metrics`, in report order.
METRIC_KEYS = ("acc", "precision", "recall", "f1", *(f"r@{k}" for k in RECALL_AT), "mrr", "n")


def _checked(scores: np.ndarray, targets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    scores, targets = np.asarray(scores, dtype=np.float64), np.asarray(targets, dtype=np.int64)
    if scores.ndim != 2 or targets.shape != (len(scores),) or len(scores) == 0:
        raise ValueError(f"expected scores (N, K) and targets (N,), N > 0; got {scores.shape} and {targets.shape}")
    if targets.min() < 0 or targets.max() >= scores.shape[1]:
        raise ValueError(f"targets must be columns 0..{scores.shape[1] - 1}")
    return scores, targets


def true_class_ranks(scores: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """(N,) rank of each row's true class, 1 = best; ties go to the earlier column."""
    scores, targets = _checked(scores, targets)
    true = scores[np.arange(len(scores)), targets][:, None]
    columns = np.arange(scores.shape[1])[None, :]
    ahead = (scores > true) | ((scores == true) & (columns < targets[:, None]))
    return 1 + ahead.sum(axis=1)


def classification_metrics(scores: np.ndarray, targets: np.ndarray) -> dict[str, float | int]:
    """acc, macro precision / recall / F1, R@1..R@5, MRR (fractions in [0, 1]) and n; see the module doc."""
    scores, targets = _checked(scores, targets)
    predictions = scores.argmax(axis=1)
    precision, recall, f1, _ = precision_recall_fscore_support(targets, predictions, average="macro",
                                                               zero_division=0)
    ranks = true_class_ranks(scores, targets)
    metrics: dict[str, float | int] = {"acc": float(np.mean(predictions == targets)), "precision": float(precision),
                                       "recall": float(recall), "f1": float(f1)}
    metrics.update({f"r@{k}": float(np.mean(ranks <= k)) for k in RECALL_AT})  # ranks <= K: r@k = 1 for k >= K
    metrics["mrr"] = float(np.mean(1.0 / ranks))
    metrics["n"] = len(targets)
    return metrics


def answer_metrics(predictions: np.ndarray, targets: np.ndarray, classes: int) -> dict[str, float | int | None]:
    """The metrics of single answers: ``predictions`` (N,) columns 0..classes-1 or -1 for no usable answer."""
    predictions, targets = np.asarray(predictions, dtype=np.int64), np.asarray(targets, dtype=np.int64)
    if predictions.shape != targets.shape or predictions.ndim != 1 or len(targets) == 0:
        raise ValueError(f"expected predictions and targets (N,), N > 0; got {predictions.shape} and {targets.shape}")
    if targets.min() < 0 or targets.max() >= classes or predictions.min() < -1 or predictions.max() >= classes:
        raise ValueError(f"targets must be columns 0..{classes - 1}, predictions those or -1")
    # The classes scikit-learn's default would average over (those in targets or predictions), "no answer" not one.
    labels = np.union1d(targets, predictions[predictions >= 0])
    precision, recall, f1, _ = precision_recall_fscore_support(targets, predictions, labels=labels, average="macro",
                                                               zero_division=0)
    accuracy = float(np.mean(predictions == targets))
    metrics: dict[str, float | int | None] = {"acc": accuracy, "precision": float(precision), "recall": float(recall),
                                              "f1": float(f1)}
    metrics.update({f"r@{k}": accuracy if k == 1 else None for k in RECALL_AT})
    metrics["mrr"] = None
    metrics["n"] = len(targets)
    return metrics


def answer_confusion(predictions: np.ndarray, targets: np.ndarray, classes: int) -> np.ndarray:
    """(K, K) int64 counts of the rows with an answer (prediction >= 0): row = true class, column = answer."""
    predictions, targets = np.asarray(predictions, dtype=np.int64), np.asarray(targets, dtype=np.int64)
    answered = predictions >= 0
    return confusion_matrix(targets[answered], predictions[answered], labels=np.arange(classes)).astype(np.int64)


def confusion(scores: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """(K, K) int64 counts: row = true class, column = predicted class (the top-scoring column)."""
    scores, targets = _checked(scores, targets)
    return confusion_matrix(targets, scores.argmax(axis=1), labels=np.arange(scores.shape[1])).astype(np.int64)


def average_metrics(results: dict[str, dict[str, float | int]]) -> dict[str, float | int]:
    """The unweighted mean of each metric over datasets (the paper's "Average" column); ``n`` is summed.
    A metric that is None for some dataset (see :func:`answer_metrics`) is None in the average."""
    if not results:
        return {}
    values = {key: [r[key] for r in results.values()] for key in METRIC_KEYS if key != "n"}
    average: dict[str, float | int | None] = {key: None if None in column else float(np.mean(column))
                                              for key, column in values.items()}
    average["n"] = int(sum(r["n"] for r in results.values()))
    average["datasets"] = len(results)
    return average
