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


def _label(results: dict, modes: list[str], row: int | str) -> str:
    """A row's honest label (``k=5 (4 train + 1 validation)``) as the JSON records it, else ``k=5``."""
    for mode in modes:
        if row in results[mode] and "label" in results[mode][row]:
            return results[mode][row]["label"]
    return _shots(row)


def _protocol_line(payload: dict) -> str:
    protocol = payload.get("protocol")
    if not protocol:
        return "Protocol: not recorded."
    if protocol.get("paper_comparable"):
        return (f"Protocol: **{protocol['name']}**, the UniMTS reference's fine-tuning exactly (its released "
                "finetune.py): comparable with the paper's few-shot figures.")
    return (f"Protocol: **{protocol['name']}**; departs from the UniMTS reference in "
            f"{', '.join(protocol['departures'])}, so the paper's few-shot figures were measured another way.")


def markdown(payload: dict) -> str:
    """Tables of accuracy and macro F1 (percent, mean ± std over seeds): a row per shot setting, a column per
    mode; then the zero-shot reference and the classes that had fewer training series than asked."""
    results, settings = payload["results"], payload["settings"]
    modes = list(results)
    rows = list(dict.fromkeys(row for mode in modes for row in results[mode]))
    seeds = len(settings["seeds"])
    lines = [f"# Fine-tuning on {payload['benchmark']}", "", _protocol_line(payload), "",
             f"Model folder `{payload['model_folder']}`, head `{settings['head']}`, {settings['epochs']} epochs "
             f"(at least {settings['min_steps']} steps), batch {settings['batch_size']}, "
             f"{seeds} seed{'s' if seeds != 1 else ''} (mean ± sample std over seeds), test split of "
             f"{payload['n_test']} series. Rows: k training series per class (where a fifth of them is held out "
             "for early stopping, the row says so; `early`, `random-early` and `minirocket` have no early "
             "stopping and fit on all k), or the full training split.", ""]
    for metric, title in (("acc", "Accuracy (%)"), ("f1", "Macro F1 (%)")):
        table = markdown_table(["shots", *modes], ([_label(results, modes, row),
                                                    *(_cell(results[mode].get(row), metric) for mode in modes)]
                                                   for row in rows), "r")
        lines += [f"## {title}", "", *table, ""]
    zero_shot = payload["zero_shot"]
    lines.append(f"Zero-shot, no training: accuracy {100 * zero_shot['acc']:.1f}, macro F1 "
                 f"{100 * zero_shot['f1']:.1f}.")
    short = {row: entry["short_classes"] for row, entry in results[modes[0]].items() if entry["short_classes"]}
    for row, classes in short.items():
        lines.append(f"At {_shots(row)}, fewer training series than k for: {', '.join(classes)} "
                     "(all of theirs were used).")
    return "\n".join(lines) + "\n"
