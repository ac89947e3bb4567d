"""The zero-shot report: a markdown table (beside the UniMTS paper's numbers when measured its way), and
confusion-matrix PNGs.

``write_report(path, payload)`` writes ``path`` (markdown) and, next to it, one
``<stem>-<dataset>-confusion.png`` per dataset; every file is written atomically. A run made with the reference
protocol (``--protocol unimts``, :mod:`zero_shot.protocol`) sets our Acc, macro-F1 and R@2 beside the paper's
zero-shot UniMTS figures (Zhang et al., NeurIPS 2024; from ``benchmarks/data/unimts_paper_results.tsv``)
wherever the paper evaluated the dataset; a run made another way shows the paper's figures only under a heading
that says the protocols differ. The average is over the paper's datasets only; the others are averaged apart.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from benchmarks.markdown import markdown_table
from benchmarks.paper import paper_results
from skeletons.atomic import atomic_path, write_text_atomic

from .llm_report import PAPER_LLM, baseline_header, comparison_section, unanswered_section

#: (our metric key, column title) of the metrics that the paper reports too.
_COMPARED = (("acc", "Acc"), ("f1", "F1"), ("r@2", "R@2"))


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f}"


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def plot_confusion(path: str | Path, matrix: np.ndarray, class_names: Sequence[str], title: str) -> Path:
    """Draw a (K, K) confusion matrix (rows: true class, coloured by row fraction, counts written when
    K <= 15) as a PNG at ``path``."""
    matrix = np.asarray(matrix)
    classes = len(class_names)
    size = max(4.0, 0.35 * classes + 2.5)
    figure = Figure(figsize=(size + 1.0, size), layout="constrained")
    axes = figure.add_subplot()
    fractions = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)
    image = axes.imshow(fractions, cmap="Blues", vmin=0.0, vmax=1.0)
    figure.colorbar(image, ax=axes, label="fraction of the true class", shrink=0.8)
    ticks = np.arange(classes)
    axes.set_xticks(ticks, labels=class_names, rotation=60, ha="right", fontsize=8)
    axes.set_yticks(ticks, labels=class_names, fontsize=8)
    axes.set_xlabel("predicted")
    axes.set_ylabel("true")
    axes.set_title(title)
    if classes <= 15:
        for (row, column), count in np.ndenumerate(matrix):
            if count:
                axes.text(column, row, str(count), ha="center", va="center", fontsize=7,
                          color="white" if fractions[row, column] > 0.5 else "black")
    with atomic_path(path) as temporary:
        figure.savefig(temporary, dpi=110)
    return Path(path)


def _mean(source: dict, names: list[str], key: str) -> float | None:
    values = [source[name][key] for name in names]
    return None if None in values else float(np.mean(values))  # None: a metric a method has not (LLM R@2)


def _average_row(title: str, results: dict, names: list[str], paper: dict | None) -> list[str]:
    """Our unweighted mean over ``names``; the paper's mean over the same beside it (a column only when
    ``paper`` is not None; empty unless the paper covers every one of ``names``)."""
    row = [title, "", str(sum(results[name]["n"] for name in names)), ""]
    covered = paper is not None and all(name in paper for name in names)
    for key, _ in _COMPARED:
        row.append(_percent(_mean(results, names, key)))
        if paper is not None:
            row.append(_percent(_mean(paper, names, key) if covered else None))
    row += [_percent(_mean(results, names, "r@5")), _percent(_mean(results, names, "mrr"))]
    return row


def _in_paper(payload: dict, name: str, paper: dict) -> bool:
    """Whether ``name`` is one of the paper's datasets (a level in the run's record, or a paper figure)."""
    return payload["datasets"].get(name, {}).get("level") is not None or name in paper


def _table(payload: dict, paper: dict[str, dict[str, float]], beside: bool = True) -> list[str]:
    """Our metrics per dataset, the paper's beside them when ``beside``; the average over the paper's datasets
    and, apart, over the others (BasicMotions, HAPT, custom data)."""
    header = ["dataset", "level", "n", "classes"]
    for _, title in _COMPARED:
        header += [title, f"paper {title}"] if beside else [title]
    header += ["R@5", "MRR"]
    rows = []
    for name, metrics in payload["results"].items():
        info = payload["datasets"][name]
        row = [name, info["level"] or "–", str(metrics["n"]), str(len(info["classes"]))]
        for key, _ in _COMPARED:
            row += [_percent(metrics[key]), _percent(paper.get(name, {}).get(key))] if beside else [
                _percent(metrics[key])]
        row += [_percent(metrics["r@5"]), _percent(metrics["mrr"])]
        rows.append(row)
    results = payload["results"]
    ours = [name for name in results if _in_paper(payload, name, paper)]
    others = [name for name in results if name not in ours]
    if ours:
        rows.append(_average_row(f"**average, the paper's datasets** ({len(ours)})", results, ours,
                                 paper if beside else None))
    if len(others) > 1:
        rows.append(_average_row(f"**average, outside the paper** ({len(others)})", results, others,
                                 {} if beside else None))
    return markdown_table(header, rows)


def _paper_apart(payload: dict, paper: dict[str, dict[str, float]]) -> list[str]:
    """The paper's figures for the datasets of a run made another way, under a heading that says so."""
    names = [name for name in payload["results"] if name in paper]
    if not names:
        return []
    departures = ", ".join(payload["protocol"].get("departures", [])) or "not recorded"
    rows = [[name, *(_percent(paper[name].get(key)) for key, _ in _COMPARED)] for name in names]
    rows.append([f"**average** ({len(names)})", *(_percent(_mean(paper, names, key)) for key, _ in _COMPARED)])
    return [f"## The paper's figures: a different protocol ({payload['protocol'].get('name', 'ours')})", "",
            "The UniMTS paper measured these with the reference protocol (`--protocol unimts`); this run departs "
            f"from it ({departures}), so the figures are not measured the same way and are not set beside ours.",
            "", *markdown_table(["dataset", *(f"paper {title}" for _, title in _COMPARED)], rows), ""]


def _model_header(payload: dict) -> list[str]:
    protocol = payload["protocol"]
    comparable = bool(protocol.get("paper_comparable"))
    if protocol.get("class_text") == "joined":
        text = "one class text of its synonyms joined by spaces, no template"
    else:
        text = f"class embeddings averaged over {len(protocol['templates'])} templates x synonyms"
    resampling = ("the whole series resampled by FFT (scipy.signal.resample), then" if protocol.get("resampling") ==
                  "fft" else "anti-aliased polyphase resampling of")
    return [
        "# Zero-shot evaluation",
        "",
        f"Model folder: `{payload['model_folder']}` ({payload['model']['channels']} input channels per joint, "
        f"{payload['model']['embed_dim']}-d embeddings).",
        "",
        f"Protocol: **{protocol.get('name', 'ours')}**. The {protocol['split']} split; {resampling} the first "
        f"{protocol['window'] / protocol['rate_hz']:g} s of each series at {protocol['rate_hz']:g} Hz, wrap-padded "
        f"when shorter; gyroscope {'used' if protocol['use_gyro'] else 'not used'}; gravity {protocol['gravity']}; "
        f"{text}; cosine similarity.",
        "",
        ("Our figures beside the zero-shot results the UniMTS paper reports for its released model (Zhang et al., "
         "NeurIPS 2024), measured the same way (the reference protocol). Percentages; macro F1; the average is over "
         "the paper's datasets only, others are averaged apart." if comparable else
         "Percentages; macro F1; the average is over the paper's datasets only, others are averaged apart. The "
         "paper's figures follow under their own heading: its protocol differs from this run's."),
        "",
    ]


def render_markdown(payload: dict, images: dict[str, str]) -> str:
    """The report's markdown for ``payload`` (the JSON the CLI writes) and dataset -> PNG file name; a
    language-model baseline (:mod:`zero_shot.llm_report`) alone or beside the model."""
    beside = True
    if "baseline" in payload:  # a language model is the only method
        paper = paper_results("zero_shot", PAPER_LLM)
        lines = baseline_header(payload)
    else:
        paper = paper_results("zero_shot", "UniMTS")
        lines = _model_header(payload)
        beside = bool(payload["protocol"].get("paper_comparable"))
    lines += [*_table(payload, paper, beside), ""]
    if not beside:
        lines += _paper_apart(payload, paper)
    if payload.get("skipped"):
        lines += [f"Not present under the data root (skipped): {', '.join(payload['skipped'])}.", ""]
    for name, reason in payload.get("failed", {}).items():
        lines += [f"Failed: {name}: {reason}", ""]
    if "baseline" in payload:
        lines += unanswered_section(payload)
    if "llm" in payload.get("baselines", {}):
        lines += comparison_section(payload)
    if images:
        lines += ["## Confusion matrices", ""]
        lines += [f"![{name}]({file})\n" for name, file in images.items()]
    return "\n".join(lines)


def write_report(path: str | Path, payload: dict) -> list[Path]:
    """Write the markdown report of ``payload`` (:func:`zero_shot.run_zero_shot`'s document, or a language-model
    baseline's) at ``path`` and a confusion-matrix PNG per dataset beside it (``-llm-`` in the name for a
    baseline beside the model); the paths."""
    path = Path(path)
    images, written = {}, []
    documents = [(payload, "")]
    if "llm" in payload.get("baselines", {}):
        documents.append((payload["baselines"]["llm"], "-llm"))
    for document, suffix in documents:
        for name, matrix in document["confusion"].items():
            image = path.with_name(f"{path.stem}-{_slug(name)}{suffix}-confusion.png")
            accuracy = _percent(document["results"][name]["acc"])
            method = " LLM" if suffix or "baseline" in document else ""
            written.append(plot_confusion(image, np.asarray(matrix), document["datasets"][name]["classes"],
                                          f"{name}: zero-shot{method}, acc {accuracy}%"))
            images[name + (" (LLM)" if suffix else "")] = image.name
    write_text_atomic(path, render_markdown(payload, images))
    return [*written, path]
