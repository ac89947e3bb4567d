"""Metrics on hand-computed cases: accuracy, macro P/R/F1, R@k, MRR, confusion, averages."""
from __future__ import annotations

import numpy as np
import pytest

from benchmarks.metrics import METRIC_KEYS, average_metrics, classification_metrics, confusion, true_class_ranks

# Four rows, three classes. True classes 0, 2, 0, 1; predictions 0, 1, 2, 2. The last row ties classes 0 and 1,
# and the tie goes to the earlier column, so its true class 1 ranks third (behind 2 and 0).
SCORES = np.array([[0.9, 0.1, 0.0],
                   [0.2, 0.5, 0.3],
                   [0.1, 0.2, 0.7],
                   [0.3, 0.3, 0.4]])
TARGETS = np.array([0, 2, 0, 1])


def test_ranks_break_ties_by_column_order():
    assert true_class_ranks(SCORES, TARGETS).tolist() == [1, 2, 3, 3]
    flat = np.zeros((3, 4))
    assert true_class_ranks(flat, np.array([0, 2, 3])).tolist() == [1, 3, 4]


def test_hand_computed_metrics():
    m = classification_metrics(SCORES, TARGETS)
    assert list(m) == list(METRIC_KEYS)
    assert m["acc"] == pytest.approx(0.25) and m["r@1"] == pytest.approx(0.25)
    assert m["r@2"] == pytest.approx(0.5)
    assert m["r@3"] == m["r@4"] == m["r@5"] == 1.0  # k beyond K = 3 classes is capped: the true class is always there
    assert m["mrr"] == pytest.approx((1 + 1 / 2 + 1 / 3 + 1 / 3) / 4)
    # per class (P, R, F1): class 0 (1, 1/2, 2/3); class 1 (0, 0, 0); class 2 (0, 0, 0)
    assert m["precision"] == pytest.approx(1 / 3)
    assert m["recall"] == pytest.approx(1 / 6)
    assert m["f1"] == pytest.approx(2 / 9)
    assert m["n"] == 4
    assert all(0.0 <= m[k] <= 1.0 for k in METRIC_KEYS if k != "n")


def test_macro_f1_is_the_mean_of_per_class_f1_over_the_classes_that_occur():
    # Four classes; class 3 is neither a target nor a prediction, so it is left out of the macro averages.
    targets = np.array([0, 0, 0, 1, 2, 2])
    predictions = np.array([0, 0, 1, 1, 1, 2])
    scores = np.eye(4)[predictions] + 0.01 * np.arange(4)[::-1]
    m = classification_metrics(scores, targets)
    # per class (P, R, F1): 0 (1, 2/3, 4/5); 1 (1/3, 1, 1/2); 2 (1, 1/2, 2/3)
    assert m["acc"] == pytest.approx(4 / 6)
    assert m["precision"] == pytest.approx(7 / 9)
    assert m["recall"] == pytest.approx(13 / 18)
    assert m["f1"] == pytest.approx(59 / 90)  # not 2PR/(P+R) of the macro P and R (0.749)
    assert m["f1"] != pytest.approx(2 * m["precision"] * m["recall"] / (m["precision"] + m["recall"]))


def test_perfect_scores_and_five_or_more_classes():
    targets = np.arange(7) % 6
    scores = np.eye(6)[targets] + 0.01 * np.arange(6)  # the true class always wins
    m = classification_metrics(scores, targets)
    assert m["acc"] == m["f1"] == m["mrr"] == m["r@1"] == 1.0
    worst = classification_metrics(-scores, targets)  # the true class always last of 6
    assert worst["r@5"] == 0.0 and worst["mrr"] == pytest.approx(1 / 6)


def test_confusion_rows_are_true_classes():
    assert confusion(SCORES, TARGETS).tolist() == [[1, 0, 1], [0, 0, 1], [0, 1, 0]]


def test_average_is_unweighted_with_n_summed():
    a = classification_metrics(SCORES, TARGETS)
    b = classification_metrics(np.eye(3), np.arange(3))
    average = average_metrics({"a": a, "b": b})
    assert average["acc"] == pytest.approx((0.25 + 1.0) / 2)
    assert average["n"] == 7 and average["datasets"] == 2


def test_bad_shapes_are_refused():
    with pytest.raises(ValueError):
        classification_metrics(SCORES, TARGETS[:3])
    with pytest.raises(ValueError):
        classification_metrics(SCORES, np.array([0, 1, 2, 3]))
