"""The anomaly report: per protocol, every detector's point-wise and event-wise metrics, markdown and JSON.

``render_markdown(payloads)`` takes the payloads of :func:`anomaly.evaluate.evaluate_protocol` (one per
protocol) and returns a markdown document: for each protocol a table with one row per detector - the
pretrained ones (embedding kNN, Mahalanobis, zero-shot text) first, the classical baselines (forecast
residual, MiniRocket + isolation forest, statistics kNN) below them - and columns AUROC, AUPRC, best F1
(point-wise, over every test sample) and event recall / precision (events at the threshold from normal
data, with the protocol's tolerance), each mean ± std over the seeds in percent, "–" where undefined on
some seed (e.g. precision with no event predicted). The fault protocol adds a table of AUROC per fault kind.
``write_report(path, payloads)`` writes it and ``write_json(path, payloads)`` the payloads, atomically; each
file says it was written by ``python -m anomaly evaluate`` (the JSON's ``tool``, a comment ending the markdown),
so that the command replaces only its own files.
"""
from __future__ import annotations

import json
import os
from collections.abc import Sequence

from benchmarks.markdown import markdown_table
from skeletons.atomic import write_text_atomic

from .protocols import FAULTS

#: The command that writes these files; its JSON says so in ``tool``, its markdown in :data:`REPORT_MARK`.
EVALUATE_TOOL = "python -m anomaly evaluate"
REPORT_MARK = f"<!-- written by {EVALUATE_TOOL} -->"
_COLUMNS = (("auroc", "AUROC"), ("auprc", "AUPRC"), ("best_f1", "best F1"), ("event_recall", "event recall"),
            ("event_precision", "event precision"))
_TITLES = {"knn": "embedding kNN", "mahalanobis": "embedding Mahalanobis", "text": "zero-shot text",
           "forecast-net": "forecast residual (neural)", "forecast": "forecast residual (linear)",
           "iforest": "MiniRocket + isolation forest",
           "stats-knn": "window statistics kNN"}


def _cell(value: dict | None) -> str:
    if value is None:
        return "–"
    return f"{100 * value['mean']:.1f} ± {100 * value['std']:.1f}"


def _ordered(payload: dict) -> list[str]:
    kinds = payload["detectors"]
    return sorted(payload["summary"], key=lambda name: (not kinds.get(name, {}).get("pretrained", False),
                                                         list(payload["summary"]).index(name)))


def protocol_section(payload: dict) -> list[str]:
    """The markdown lines of one protocol's results."""
    seeds = payload["seeds"]
    lines = [f"## {payload['protocol']}", "",
             f"Seeds {', '.join(map(str, seeds))}; windows {payload['windows']['window_s']:g} s every "
             f"{payload['windows']['hop_s']:g} s; thresholds: the {payload['quantile']:g} quantile of held-out normal "
             f"scores; event tolerance {payload['tolerance_s']:g} s. Percent, mean ± std over the seeds.", ""]
    if payload.get("text", {}).get("abnormal"):
        lines += [f"Zero-shot text: abnormal {payload['text']['abnormal']}, normal {payload['text']['normal']}.", ""]
    rows = []
    for name in _ordered(payload):
        kind = "pretrained" if payload["detectors"].get(name, {}).get("pretrained") else "classical"
        rows.append([_TITLES.get(name, name), kind, *(_cell(payload["summary"][name][key]) for key, _ in _COLUMNS)])
    lines += markdown_table(["detector", "kind", *(title for _, title in _COLUMNS)], rows, "r")
    if any("fault_auroc" in row for row in payload["summary"].values()):
        lines += ["", "AUROC per fault kind (that kind's samples against the normal samples):", ""]
        rows = [[_TITLES.get(name, name), *(_cell(payload["summary"][name]["fault_auroc"][kind]) for kind in FAULTS)]
                for name in _ordered(payload)]
        lines += markdown_table(["detector", *FAULTS], rows, "r")
    return lines + [""]


def render_markdown(payloads: Sequence[dict]) -> str:
    first = payloads[0]
    lines = ["# Anomaly detection", "",
             f"Model folder: `{first['model']}`. Machine: {first['machine']['processor']}, "
             f"{first['machine']['cpus']} CPUs, torch device {first['machine']['torch_device']}.", ""]
    for payload in payloads:
        lines += protocol_section(payload)
    return "\n".join(lines + [REPORT_MARK, ""])


def write_report(path: str | os.PathLike, payloads: Sequence[dict]) -> None:
    write_text_atomic(path, render_markdown(payloads))


def write_json(path: str | os.PathLike, payloads: Sequence[dict]) -> None:
    document = {"tool": EVALUATE_TOOL, "protocols": {p["protocol"]: p for p in payloads}}
    write_text_atomic(path, json.dumps(document, indent=2) + "\n")


__all__ = ["EVALUATE_TOOL", "REPORT_MARK", "protocol_section", "render_markdown", "write_json", "write_report"]
