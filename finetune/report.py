"""Summaries over seeds, and the markdown tables that put the modes side by side."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from benchmarks.markdown import markdown_table

#: Metrics summarised over seeds as ``<metric>_mean`` and ``<metric>_std``.
SUMMARY_METRICS = ("acc", "f1")


def summarise(per_seed: Sequence[dict]) -> dict[str, float]:
    """Mean and sample standard deviation (ddof 1; 0 for a single seed) of each summary metric."""
    summary = {}
    for metric in SUMMARY_METRICS:
        values = np.array([run[metric] for run in per_seed], dtype=np.float64)
        summary[f"{metric}_mean"] = float(values.mean())
        summary[f"{metric}_std"] = float(values.std(ddof=1)) if len(values) > 1 else 0.0
    return summary


def _cell(entry: dict | None, metric: str) -> str:
    if entry is None:
        return "-"
    return f"{100 * entry[f'{metric}_mean']:.1f} ± {100 * entry[f'{metric}_std']:.1f}"


def _shots(row: int | str) -> str:
    """A results row as the table shows it: ``k=5`` or ``full`` (rows read back from JSON are strings)."""
    return "full" if row == "full" else f"k={row}"


def markdown(payload: dict) -> str:
    """Tables of accuracy and macro F1 (percent, mean ± std over seeds): a row per shot setting, a column per
    mode; then the zero-shot reference and the classes that had fewer training series than asked."""
    results, settings = payload["results"], payload["settings"]
    modes = list(results)
    rows = list(dict.fromkeys(row for mode in modes for row in results[mode]))
    seeds = len(settings["seeds"])
    lines = [f"# Fine-tuning on {payload['benchmark']}", "",
             f"Model folder `{payload['model_folder']}`, head `{settings['head']}`, {settings['epochs']} epochs "
             f"(at least {settings['min_steps']} steps), "
             f"{seeds} seed{'s' if seeds != 1 else ''} (mean ± sample std over seeds), test split of "
             f"{payload['n_test']} series. Rows: k training series per class, or the full training split.", ""]
    for metric, title in (("acc", "Accuracy (%)"), ("f1", "Macro F1 (%)")):
        table = markdown_table(["shots", *modes], ([_shots(row), *(_cell(results[mode].get(row), metric)
                                                                   for mode in modes)] for row in rows), "r")
        lines += [f"## {title}", "", *table, ""]
    zero_shot = payload["zero_shot"]
    lines.append(f"Zero-shot, no training: accuracy {100 * zero_shot['acc']:.1f}, macro F1 "
                 f"{100 * zero_shot['f1']:.1f}.")
    short = {row: entry["short_classes"] for row, entry in results[modes[0]].items() if entry["short_classes"]}
    for row, classes in short.items():
        lines.append(f"At {_shots(row)}, fewer training series than k for: {', '.join(classes)} "
                     "(all of theirs were used).")
    return "\n".join(lines) + "\n"
