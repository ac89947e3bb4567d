"""Descriptions of clips from a small seeded grammar.

A description combines a subject ("a person", "the woman", "a runner"), the activity's verb phrase
(conjugated: "walks up the stairs", "is walking up the stairs") or its label as HAR datasets name it
("walking upstairs"), and optional parts that are true of the clip: tempo ("briskly"), the working hand
("with the left hand"), details and variants ("holding the handrail", "on an exercise bike"), the way a
path turns, and a setting ("in a park"). Verb phrases are written in the base form ("walk up the
stairs"); :func:`third_person` and :func:`gerund` conjugate their first word and any word marked with
``+`` ("squat down and +stand up").
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

_VOWELS = set("aeiou")
_IRREGULAR_THIRD = {"be": "is", "have": "has", "do": "does", "go": "goes"}
_IRREGULAR_GERUND = {"be": "being", "lie": "lying", "die": "dying", "tie": "tying", "see": "seeing",
                     "squat": "squatting", "quit": "quitting"}

NEUTRAL_SUBJECTS = ("a person", "someone", "the person", "a human", "somebody", "an individual",
                    "the subject", "a participant", "a user")
SUBJECTS = {"female": ("a woman", "the woman", "a lady", "a girl", "she"),
            "male": ("a man", "the man", "a guy", "a boy", "he")}
FRAMES = ("a person {g}", "someone {g}", "a video of someone {g}", "a clip of a person {g}",
          "a recording of someone {g}", "the subject is {g}", "this person is {g}")

TEMPO = {
    "pace": {"slow": ("slowly", "at a slow pace", "leisurely", "at an easy pace", "unhurriedly"),
             "normal": ("at a normal pace", "at a steady pace", "at a moderate pace", "steadily", "at an even pace"),
             "fast": ("quickly", "fast", "briskly", "at a fast pace", "rapidly", "hurriedly")},
    "rhythm": {"slow": ("slowly", "at a slow rhythm", "calmly", "gently", "at a relaxed tempo"),
               "normal": ("at a steady rhythm", "rhythmically", "at a moderate tempo", "steadily", "evenly"),
               "fast": ("quickly", "vigorously", "energetically", "at a fast rhythm", "rapidly", "intensely")},
    "manner": {"slow": ("slowly", "calmly", "carefully", "gently", "without hurrying"),
               "normal": ("normally", "casually", "in a relaxed way", "steadily", "naturally"),
               "fast": ("quickly", "hastily", "briskly", "rapidly", "in a hurry")},
}
SIDE = ("with the {s} hand", "using the {s} hand", "with their {s} hand", "{s}-handed", "using the {s} arm")
TURN = {"left": ("turning left", "curving to the left", "bearing left", "veering to the left"),
        "right": ("turning right", "curving to the right", "bearing right", "veering to the right")}
DETAILS = {
    "arms_crossed": ("with arms crossed", "with folded arms", "arms folded across the chest"),
    "hands_on_hips": ("with hands on hips", "hands resting on the hips"),
    "hands_in_pockets": ("with hands in pockets", "hands in the pockets"),
    "hands_clasped": ("with hands clasped", "hands held together"),
    "holding_phone": ("while looking at a phone", "holding a phone", "checking a phone"),
    "hands_on_lap": ("with hands on the lap",),
    "handrail": ("holding the handrail", "with a hand on the railing", "holding on to the banister"),
    "on_back": ("on the back", "on their back", "face up"),
    "on_side": ("on the side", "on their side", "curled up on one side"),
    "on_front": ("on the stomach", "face down", "on their belly"),
    "both_hands": ("with both hands", "using both arms"),
    "forwards": ("forwards", "in a forward direction"),
    "backwards": ("backwards", "in a backward direction"),
    "sideways": ("out to the sides", "sideways"),
    "front_back": ("forwards and backwards", "back and forth"),
    "hands_behind_head": ("with hands behind the head",),
    "standing": ("while standing in place", "on the spot"),
    "moving": ("while moving around", "on the move"),
}


def _third(verb: str) -> str:
    if verb in _IRREGULAR_THIRD:
        return _IRREGULAR_THIRD[verb]
    if re.search(r"(s|x|z|ch|sh|o)$", verb):
        return verb + "es"
    if re.search(r"[^aeiou]y$", verb):
        return verb[:-1] + "ies"
    return verb + "s"


def _ing(verb: str) -> str:
    if verb in _IRREGULAR_GERUND:
        return _IRREGULAR_GERUND[verb]
    if verb.endswith("ie"):
        return verb[:-2] + "ying"
    if verb.endswith("e") and not verb.endswith(("ee", "ye", "oe")) and len(verb) > 2:
        return verb[:-1] + "ing"
    if (len(verb) >= 3 and verb[-1] not in _VOWELS | set("wxy") and verb[-2] in _VOWELS
            and verb[-3] not in _VOWELS and len(re.findall(r"[aeiou]+", verb)) == 1):
        return verb + verb[-1] + "ing"  # one syllable ending consonant-vowel-consonant: run -> running
    return verb + "ing"


def _conjugate(phrase: str, form) -> str:
    """Conjugate the first word of a base-form phrase and every later word marked with ``+``."""
    words = phrase.split(" ")
    return " ".join([form(words[0])] + [form(w[1:]) if w.startswith("+") else w for w in words[1:]])


def third_person(phrase: str) -> str:
    """``"walk up the stairs"`` -> ``"walks up the stairs"``; ``"sit and +relax"`` -> ``"sits and relaxes"``."""
    return _conjugate(phrase, _third)


def gerund(phrase: str) -> str:
    """``"sit down"`` -> ``"sitting down"``: -ing forms (doubling a final consonant of one-syllable verbs,
    dropping a silent e, ie -> ying) of the first word and of words marked with ``+``."""
    return _conjugate(phrase, _ing)


@dataclass(frozen=True)
class Phrasing:
    """How an activity is put into words.

    labels: names of the activity as datasets and people use them ("walking upstairs", "stairs up").
    verbs: base-form verb phrases ("walk up the stairs"). contexts: settings ("in a stairwell").
    subjects: activity-specific subjects ("a runner"). tempo: "pace", "rhythm" or "manner" (or None).
    variants: phrases for each variant key; details: extra detail phrases beyond :data:`DETAILS`.
    handed: descriptions may name the hand doing the work.
    """

    labels: tuple[str, ...]
    verbs: tuple[str, ...]
    contexts: tuple[str, ...] = ()
    subjects: tuple[str, ...] = ()
    tempo: str | None = None
    variants: dict[str, tuple[str, ...]] = field(default_factory=dict)
    handed: bool = False


@dataclass(frozen=True)
class Clip:
    """What the grammar knows about a clip: facts plus the subject's sex and working hand."""

    tempo: str | None = None
    turn: str | None = None
    variant: str | None = None
    details: tuple[str, ...] = ()
    sex: str | None = None
    hand: str | None = None  # "left" or "right" when the activity is handed


def _pick(rng: np.random.Generator, options) -> str:
    return str(options[int(rng.integers(len(options)))])


def _subject(rng: np.random.Generator, phrasing: Phrasing, clip: Clip) -> str:
    pools = [NEUTRAL_SUBJECTS]
    if clip.sex in SUBJECTS:
        pools.append(SUBJECTS[clip.sex])
    if phrasing.subjects:
        pools.append(phrasing.subjects)
    return _pick(rng, pools[int(rng.integers(len(pools)))])


def _modifiers(rng: np.random.Generator, phrasing: Phrasing, clip: Clip, richness: float) -> list[str]:
    parts = []
    if clip.tempo and phrasing.tempo and rng.random() < richness:
        parts.append(_pick(rng, TEMPO[phrasing.tempo][clip.tempo]))
    if clip.variant and clip.variant in phrasing.variants and rng.random() < 0.5 + 0.5 * richness:
        parts.append(_pick(rng, phrasing.variants[clip.variant]))
    for detail in clip.details:
        if detail in DETAILS and rng.random() < 0.4 + 0.5 * richness:
            parts.append(_pick(rng, DETAILS[detail]))
    if clip.turn and rng.random() < 0.3 + 0.6 * richness:
        parts.append(_pick(rng, TURN[clip.turn]))
    if clip.hand and phrasing.handed and rng.random() < 0.2 + 0.5 * richness:
        parts.append(_pick(rng, SIDE).format(s=clip.hand))
    if phrasing.contexts and rng.random() < 0.15 + 0.5 * richness:
        parts.append(_pick(rng, phrasing.contexts))
    order = rng.permutation(len(parts)) if len(parts) > 1 and rng.random() < 0.3 else range(len(parts))
    return [parts[i] for i in order]


def _join(core: str, modifiers: list[str]) -> str:
    """``core`` followed by its modifiers: the first after a space, the others after commas."""
    modifiers = [m for m in modifiers if m]
    if not modifiers:
        return core
    return f"{core} {modifiers[0]}" + "".join(f", {m}" for m in modifiers[1:])


def _sentence(text: str) -> str:
    text = text.strip()
    return text[0].upper() + text[1:] + "."


def describe_once(rng: np.random.Generator, phrasing: Phrasing, clip: Clip, form: int | None = None) -> str:
    """One description; ``form`` picks the shape (0 sentence, 1 progressive, 2 label, 3 caption)."""
    form = int(rng.integers(4)) if form is None else form
    richness = float(rng.random())
    verb = _pick(rng, phrasing.verbs)
    extra = _modifiers(rng, phrasing, clip, richness)
    if form == 0:
        return _sentence(_join(f"{_subject(rng, phrasing, clip)} {third_person(verb)}", extra))
    if form == 1:
        return _sentence(_join(f"{_subject(rng, phrasing, clip)} is {gerund(verb)}", extra))
    if form == 2:
        label = _pick(rng, phrasing.labels)
        return _join(label, extra[: int(rng.integers(0, 2))]) if rng.random() < 0.6 else label
    return _join(_pick(rng, FRAMES).format(g=gerund(verb)), extra)


def describe(rng: np.random.Generator, phrasing: Phrasing, clip: Clip, count: int = 3) -> list[str]:
    """``count`` (at least 3) distinct descriptions: a sentence, a label and a caption-style phrase first."""
    count = max(3, count)
    texts: list[str] = []
    forms = [0, 2, 1 if rng.random() < 0.5 else 3]
    attempts = 0
    while len(texts) < count and attempts < 50:
        form = forms[len(texts)] if len(texts) < len(forms) and attempts < 10 else None
        text = describe_once(rng, phrasing, clip, form)
        if text not in texts:
            texts.append(text)
        attempts += 1
    return texts


def describe_sequence(rng: np.random.Generator, steps: list[tuple[Phrasing, Clip]], count: int = 3) -> list[str]:
    """Descriptions of a clip that changes activity: "a person walks and then sits down"."""
    joiners = (" and then ", ", then ", " before ", " and afterwards ", " and after that ")
    texts: list[str] = []
    attempts = 0
    while len(texts) < max(3, count) and attempts < 50:
        attempts += 1
        first, clip = steps[0]
        subject = _subject(rng, first, clip)
        verbs = [_pick(rng, phrasing.verbs) for phrasing, _ in steps]
        shape = int(rng.integers(3))
        if shape == 0:
            joiner = _pick(rng, joiners)
            text = third_person(verbs[0]) + "".join(
                joiner + (gerund(v) if joiner == " before " else third_person(v)) for v in verbs[1:])
            text = _sentence(f"{subject} {text}")
        elif shape == 1:
            labels = [_pick(rng, phrasing.labels) for phrasing, _ in steps]
            text = _pick(rng, (" then ", ", then ", " followed by ", " to ")).join(labels)
        else:
            text = _sentence(f"{subject} starts {gerund(verbs[0])} and " + " and then ".join(
                third_person(v) for v in verbs[1:]))
        if text not in texts:
            texts.append(text)
    return texts
