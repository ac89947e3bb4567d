"""The question a language model is asked about a sensor window, and the mapping of its free-text answer to a class.

The prompt names the activity classes (the first description of each) and asks for exactly one of them, as
HARGPT-style zero-shot prompting does (Ji et al., "HARGPT: Are LLMs Zero-Shot Human Activity Recognizers?",
2024); the same question and answer form the LLaVA fine-tuning conversations of :mod:`zero_shot.llava_export`.

:func:`parse_answer` maps an answer to a class column in three steps, and says which step decided:

1. ``exact``: the normalised answer (lower case, punctuation, quotes and an "answer:" prefix removed) is a
   class name or one of its synonyms, or exactly one class's name or synonym occurs in it as whole words (the
   longest where names overlap), or it is a part of exactly one class's names ("badminton");
2. ``fuzzy``: :func:`difflib.get_close_matches` finds a name within similarity :data:`FUZZY_CUTOFF`
   (a misspelling, "runing");
3. ``none``: no class, or several named at once: the answer is counted wrong and listed.
"""
from __future__ import annotations

import difflib
import re
from collections.abc import Sequence

SYSTEM_PROMPT = ("You are an expert in human activity recognition from wearable motion sensors. You answer with "
                 "the name of one activity and nothing else.")
#: Similarity (difflib ratio) a misspelt answer needs to count as a class name.
FUZZY_CUTOFF = 0.8
_PREFIX = re.compile(r"^(?:the\s+)?(?:final\s+)?(?:answer|activity|class|label)\s*(?:is)?\s*[:=-]?\s*")


def question(class_names: Sequence[str], representation: str) -> str:
    """The instruction after the data: the classes and the request for exactly one of them."""
    shown = "the plot above" if representation == "plot" else "the data above"
    options = "\n".join(f"- {name}" for name in class_names)
    return (f"Which activity was the person doing during the recording shown in {shown}? Choose exactly one of:\n"
            f"{options}\nAnswer with the activity's name only.")


def user_content(data_text: str, class_names: Sequence[str], representation: str,
                 image_url: str | None = None) -> str | list[dict]:
    """The user turn: the data (text, or a description plus an image) and :func:`question`."""
    text = f"{data_text}\n\n{question(class_names, representation)}"
    if image_url is None:
        return text
    return [{"type": "image_url", "image_url": {"url": image_url}}, {"type": "text", "text": text}]


def messages(data_text: str, class_names: Sequence[str], representation: str,
             image_url: str | None = None) -> list[dict]:
    """The chat messages of one request."""
    return [{"role": "system", "content": SYSTEM_PROMPT},
            {"role": "user", "content": user_content(data_text, class_names, representation, image_url)}]


def normalise(text: str) -> str:
    """Lower case, underscores and punctuation as spaces, one space between words, no "answer:" prefix."""
    text = text.strip().lower().replace("_", " ")
    text = re.sub(r"[^\w\s+-]", " ", text)
    text = re.sub(r"\s+", " ", text).strip()
    return _PREFIX.sub("", text).strip()


def _has_words(text: str, words: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(words)}(?!\w)", text) is not None


def parse_answer(answer: str, descriptions: Sequence[Sequence[str]]) -> tuple[int, str]:
    """``(column, how)``: the class an answer names and the step that decided ("exact", "fuzzy"), or
    ``(-1, "none")``. ``descriptions`` are the synonyms of each class, in column order."""
    names = {normalise(name): column for column, synonyms in enumerate(descriptions) for name in synonyms}
    names.pop("", None)
    said = normalise(answer)
    if said in names:
        return names[said], "exact"
    found = [name for name in names if _has_words(said, name)]
    # "walking upstairs" names one class even where "walking" names another: the longer name wins.
    mentioned = {names[name] for name in found if not any(name != other and _has_words(other, name) for other in found)}
    if not mentioned and len(said) >= 3:  # a part of a name ("badminton" for "playing badminton")
        mentioned = {column for name, column in names.items() if _has_words(name, said)}
    if len(mentioned) == 1:
        return mentioned.pop(), "exact"
    if mentioned:
        return -1, "none"  # several classes named: no single answer
    close = difflib.get_close_matches(said, list(names), n=1, cutoff=FUZZY_CUTOFF)
    if close:
        return names[close[0]], "fuzzy"
    return -1, "none"
