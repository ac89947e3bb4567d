"""The one markdown-table writer of every report (zero-shot, fine-tuning, the demo summary, the ablation)."""
from __future__ import annotations

from collections.abc import Iterable, Sequence


def markdown_table(header: Sequence[str], rows: Iterable[Sequence[object]],
                   align: str | Sequence[str] = "") -> list[str]:
    """The lines of a GitHub markdown table: ``header``, a rule, one line per row (cells as ``str``).

    ``align`` is one letter per column (``l`` plain, ``r`` right-aligned), or one letter for every column
    after the first; by default every column is plain.
    """
    if isinstance(align, str) and len(align) <= 1:
        align = ["l"] + [align or "l"] * (len(header) - 1)
    rule = "|" + "".join("---:|" if a == "r" else "---|" for a in align)
    return ["| " + " | ".join(map(str, header)) + " |", rule] + ["| " + " | ".join(map(str, row)) + " |"
                                                                    for row in rows]
