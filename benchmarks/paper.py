"""The results the UniMTS paper reports (Zhang et al., NeurIPS 2024), to set beside ours.

``benchmarks/data/unimts_paper_results.tsv`` holds them as percentages: one row per (setting, method,
metric), one column per dataset (the registry's names) and the paper's "Average". ``paper_results()``
returns them as fractions in [0, 1], like :mod:`benchmarks.metrics`, keyed by dataset name then by our
metric keys (``acc``, ``f1``, ``r@2``).
"""
from __future__ import annotations

import csv
from importlib import resources

#: The paper's metric names -> the keys of :func:`benchmarks.metrics.classification_metrics`.
_METRIC_KEYS = {"Acc": "acc", "F1": "f1", "R@2": "r@2"}


def paper_results(setting: str = "zero_shot", method: str = "UniMTS") -> dict[str, dict[str, float]]:
    """``{dataset name: {metric key: fraction}}`` of one method in one setting ("zero_shot", "few_shot");
    the paper's own average is under "Average"."""
    text = resources.files("benchmarks").joinpath("data/unimts_paper_results.tsv").read_text(encoding="utf-8")
    rows = csv.DictReader((line for line in text.splitlines() if not line.startswith("#")), delimiter="\t")
    results: dict[str, dict[str, float]] = {}
    for row in rows:
        if row["setting"] != setting or row["method"] != method:
            continue
        key = _METRIC_KEYS.get(row["metric"], row["metric"].lower())
        for dataset, value in row.items():
            if dataset not in ("setting", "method", "metric") and value:
                results.setdefault(dataset, {})[key] = float(value) / 100.0
    return results
