"""The language-model baseline in the zero-shot report: its header, its rows beside the motion model's and the
paper's, and the answers that named no class.

``payload`` is the JSON the CLI writes: a baseline-only run's document (``payload["baseline"]``), or a
motion model's document with the baseline under ``payload["baselines"]["llm"]``
(:func:`zero_shot.llm_baseline.llm_payload`). The paper's figures are the UniMTS paper's zero-shot table
(Zhang et al., NeurIPS 2024): UniMTS and its HARGPT baseline (GPT-4 prompted with raw IMU numbers).
"""
from __future__ import annotations

from benchmarks.markdown import markdown_table
from benchmarks.paper import paper_results

#: The paper's language-model baseline in ``benchmarks/data/unimts_paper_results.tsv``.
PAPER_LLM = "HARGPT"
#: Unusable answers listed per dataset in the report (the JSON lists all).
LISTED_ANSWERS = 20
_SHOWN = (("acc", "Acc"), ("f1", "F1"), ("r@2", "R@2"))


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f}"


def describe_baseline(section: dict) -> str:
    """One sentence: which model, through which server, seeing what, and what the run cost."""
    info = section["baseline"]
    seen = "a plot of each window (PNG)" if info["representation"] == "plot" else (
        f"each window as numbers with per-channel statistics (VLM-TSC WITH_STATS; at least "
        f"{info['text']['downsample']}x downsampled, {info['text']['decimals']} decimals, "
        f"budget {info['text']['budget_tokens']} tokens)")
    return (f"Language-model baseline: `{info['model']}` at `{info['endpoint']}`, shown {seen}, asked for one of the "
            f"class names; {info['windows']} windows, {info['answers_cached']} answered from the cache, "
            f"{info['requests_sent']} requests sent. An answer naming no class counts as wrong; R@k (k >= 2) and MRR "
            f"do not exist for a single answer.")


def baseline_header(payload: dict) -> list[str]:
    """The opening of a report whose only method is the language-model baseline."""
    protocol = payload["protocol"]
    return ["# Zero-shot evaluation: a language model as classifier", "", describe_baseline(payload), "",
            f"Protocol: the {protocol['split']} split, prepared as for the motion models (the first "
            f"{protocol['window'] / protocol['rate_hz']:g} s at {protocol['rate_hz']:g} Hz, only what was recorded; "
            f"gravity {protocol['gravity']}).", "",
            f"Beside the paper's {PAPER_LLM} baseline (GPT-4 on raw numbers; Zhang et al., NeurIPS 2024) where the "
            f"paper evaluated the dataset. Percentages; macro F1.", ""]


def _row(dataset: str, method: str, metrics: dict, unanswered: str = "") -> list[str]:
    return [dataset, method, str(metrics.get("n", "–")), *[_percent(metrics.get(key)) for key, _ in _SHOWN],
            unanswered]


def comparison_section(payload: dict) -> list[str]:
    """Per dataset: the motion model, the language-model baseline, and the paper's UniMTS and HARGPT."""
    section = payload["baselines"]["llm"]
    paper, paper_llm = paper_results("zero_shot", "UniMTS"), paper_results("zero_shot", PAPER_LLM)
    llm_name = f"LLM `{section['baseline']['model']}` ({section['baseline']['representation']})"
    header = ["dataset", "method", "n", *[title for _, title in _SHOWN], "no class named"]
    rows = []
    for name, metrics in payload["results"].items():
        rows.append(_row(name, f"this model (`{payload['model_folder']}`)", metrics))
        if name in section["results"]:
            rows.append(_row(name, llm_name, section["results"][name], str(len(section["unanswered"][name]))))
        if name in paper:
            rows.append(_row(name, "paper: UniMTS", paper[name]))
        if name in paper_llm:
            rows.append(_row(name, f"paper: {PAPER_LLM} (GPT-4)", paper_llm[name]))
    return ["## Beside a language-model baseline", "", describe_baseline(section), "",
            *markdown_table(header, rows), "", *unanswered_section(section)]


def unanswered_section(section: dict) -> list[str]:
    """The answers that named no class (first :data:`LISTED_ANSWERS` per dataset), and how answers were parsed."""
    lines = []
    for name, counts in section.get("parsed", {}).items():
        lines.append(f"Answers on {name}: {counts['exact']} named a class exactly, {counts['fuzzy']} by fuzzy "
                     f"match, {counts['none']} named none, {counts['error']} unusable replies.")
    lines.append("")
    for name, answers in section.get("unanswered", {}).items():
        if not answers:
            continue
        rows = []
        for answer in answers[:LISTED_ANSWERS]:
            said = answer["answer"] if answer["answer"] is not None else f"({answer['how']})"
            rows.append([answer["index"], answer["true"], " ".join(str(said).split()).replace("|", "\\|")[:120]])
        if len(answers) > LISTED_ANSWERS:
            rows.append(["…", "", f"{len(answers) - LISTED_ANSWERS} more in the JSON"])
        lines += [f"### {name}: answers that named no class ({len(answers)}, counted wrong)", "",
                  *markdown_table(["window", "true class", "answer"], rows), ""]
    return lines
