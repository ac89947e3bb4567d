"""Class embeddings for zero-shot recognition: prompt ensembling over templates and synonyms.

A class is described by one or more synonyms (``["walking", "walking around"]``). Each synonym is put into
each of a few fixed sentence templates, every sentence is embedded by the model's text tower, and the
class embedding is the renormalised mean of those unit vectors: prompt ensembling as in CLIP (Radford et
al., ICML 2021, Sec. 3.1.4), which averages the noise of any single phrasing. The templates are written
once, plain and activity-neutral, and are never tuned on benchmark results. (UniMTS itself joins the
synonyms into one text per class; ensembling keeps each phrasing a whole sentence. ``class_text="joined"``
reproduces that: :func:`joined_class_text`, no template, one text per class.)
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

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


def class_descriptions(classes: str | Sequence[str | Sequence[str]]) -> list[list[str]]:
    """The synonyms of each class: ``["walking", "running"]`` -> ``[["walking"], ["running"]]``; an item that is
    a list or tuple is that class's synonyms (``[["walking", "strolling"], "running"]``). A bare string is
    refused (it would be read letter by letter), and so is an empty class or a non-string description."""
    if isinstance(classes, str):
        raise ValueError(f"classes must be a list of class descriptions, got the string {classes!r} "
                         f"(did you mean [{classes!r}] or {classes.split(',')!r}?)")
    result = [[item] if isinstance(item, str) else list(item) for item in classes]
    if not result or any(not synonyms or not all(isinstance(s, str) and s.strip() for s in synonyms)
                         for synonyms in result):
        raise ValueError(f"every class needs one or more non-empty descriptions, got {list(classes)!r}")
    return result


#: How a class becomes text: ``ensemble`` (ours: templates x synonyms, averaged) or ``joined`` (the reference's:
#: its synonyms joined by spaces into one text, no template).
CLASS_TEXTS = ("ensemble", "joined")
ClassText = Literal["ensemble", "joined"]


def joined_class_text(synonyms: Sequence[str]) -> str:
    """The reference's text of one class: ``' '.join(synonyms)`` (UniMTS ``data.py``'s ``label_list``)."""
    return " ".join(synonyms)


def class_prompts(synonyms: Sequence[str], templates: Sequence[str] = TEMPLATES) -> list[str]:
    """Every template filled with every synonym of one class."""
    return [template.format(synonym) for template in templates for synonym in synonyms]


@torch.no_grad()
def class_text_embeddings(model, descriptions: str | Sequence[str | Sequence[str]],
                          templates: Sequence[str] = TEMPLATES, batch_size: int = 256,
                          class_text: ClassText = "ensemble") -> torch.Tensor:
    """(K, D) L2-normalised class embeddings, row k from ``descriptions[k]``: one description (a string) or
    the synonyms of class k (a list), see :func:`class_descriptions`. ``class_text="joined"`` embeds the one
    text :func:`joined_class_text` per class instead and ignores ``templates``.

    ``model`` is a :class:`pretrain.MotionTextModel` (anything with ``encode_text(list[str]) -> (B, D)``
    unit vectors). Where it carries a ``text_centre`` (the mean text embedding of its pretraining corpus,
    :func:`pretrain.model.corpus_text_centre`), each class's mean is centred on it before normalising.
    Sentences are embedded in batches of ``batch_size``, each distinct one once, without gradients; the result
    is an ordinary tensor, so fine-tuning may use it as a fixed classifier.
    """
    descriptions = class_descriptions(descriptions)
    if class_text not in CLASS_TEXTS:
        raise ValueError(f"class_text must be one of {', '.join(CLASS_TEXTS)}, got {class_text!r}")
    if class_text == "joined":
        prompts = [[joined_class_text(synonyms)] for synonyms in descriptions]
    else:
        prompts = [class_prompts(synonyms, templates) for synonyms in descriptions]
    unique = sorted({p for sentences in prompts for p in sentences})
    embedded = torch.cat([model.encode_text(unique[i:i + batch_size]) for i in range(0, len(unique), batch_size)])
    row = {prompt: i for i, prompt in enumerate(unique)}
    means = torch.stack([embedded[[row[p] for p in sentences]].mean(0) for sentences in prompts]).float()
    centre = getattr(model, "text_centre", None)
    if centre is not None:
        means = means - centre.to(means.device)
    return F.normalize(means, dim=-1)
