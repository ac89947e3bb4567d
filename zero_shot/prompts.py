"""Class embeddings for zero-shot recognition: prompt ensembling over templates and synonyms.

A class is described by one or more synonyms (``["walking", "walking around"]``). Each synonym is put into
each of a few fixed sentence templates, every sentence is embedded by the model's text tower, and the
class embedding is the renormalised mean of those unit vectors: prompt ensembling as in CLIP (Radford et
al., ICML 2021, Sec. 3.1.4), which averages the noise of any single phrasing. The templates are written
once, plain and activity-neutral, and are never tuned on benchmark results. (UniMTS itself joins the
synonyms into one text per class; ensembling keeps each phrasing a whole sentence.)
"""
from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F

#: Sentence templates; ``{}`` takes a class description such as "walking" or "playing badminton".
TEMPLATES = (
    "{}",
    "a person is {}",
    "the person is {}",
    "someone is {}",
    "the activity is {}",
)


def class_prompts(synonyms: Sequence[str], templates: Sequence[str] = TEMPLATES) -> list[str]:
    """Every template filled with every synonym of one class."""
    return [template.format(synonym) for template in templates for synonym in synonyms]


@torch.no_grad()
def class_text_embeddings(model, descriptions: Sequence[Sequence[str]], templates: Sequence[str] = TEMPLATES,
                          batch_size: int = 256) -> torch.Tensor:
    """(K, D) L2-normalised class embeddings, row k from ``descriptions[k]`` (the synonyms of class k).

    ``model`` is a :class:`pretrain.MotionTextModel` (anything with ``encode_text(list[str]) -> (B, D)``
    unit vectors). Sentences are embedded in batches of ``batch_size``, each distinct one once, without
    gradients; the result is an ordinary tensor, so fine-tuning may use it as a fixed classifier.
    """
    if not descriptions or any(not synonyms for synonyms in descriptions):
        raise ValueError("every class needs at least one description")
    prompts = [class_prompts(synonyms, templates) for synonyms in descriptions]
    unique = sorted({p for sentences in prompts for p in sentences})
    embedded = torch.cat([model.encode_text(unique[i:i + batch_size]) for i in range(0, len(unique), batch_size)])
    row = {prompt: i for i, prompt in enumerate(unique)}
    means = torch.stack([embedded[[row[p] for p in sentences]].mean(0) for sentences in prompts])
    return F.normalize(means.float(), dim=-1)
