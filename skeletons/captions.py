"""Descriptions for motion clips from any source, and described sub-clips for captions with time spans.

A caption is a text with an optional span (start and end in seconds; 0 and 0 mean the whole clip), as in
HumanML3D's ``caption#tokens#start#end`` lines (Guo et al., CVPR 2022). Three places give captions:

- a **sidecar** ``NAME.txt`` beside a motion file ``NAME.bvh`` / ``NAME.npz`` in HumanML3D's format
  (one caption a line; a line without ``#`` is a whole-clip caption);
- a **texts file** (``--texts FILE``): JSON ``{"131_01": ["a person starts walking and stops"]}`` keyed by
  file stem (or the path relative to the input folder, without extension), or CSV with the header
  ``stem,description`` and one row per description. A JSON value may also be one string, and a text may
  carry a span in HumanML3D's ``caption#tokens#start#end`` form;
- **BABEL** for AMASS clips (:mod:`skeletons.readers.babel`).

:func:`described_clips` turns a clip and its captions into the whole clip (with the whole-clip captions)
plus one sub-clip per distinct span (with the captions of exactly that span).
"""
from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

from .errors import InputError
from .motion import Motion
from .readers.humanml3d import Caption, parse_caption_line, read_captions

__all__ = ["Caption", "TextsFile", "described_clips", "read_texts_file", "sidecar_captions",
           "swap_left_right", "span_name"]

_SWAPS = {"left": "right", "right": "left", "leftward": "rightward", "rightward": "leftward",
          "leftwards": "rightwards", "rightwards": "leftwards", "clockwise": "counterclockwise",
          "counterclockwise": "clockwise", "counter-clockwise": "clockwise", "anticlockwise": "clockwise",
          "anti-clockwise": "clockwise"}
_SWAP_PATTERN = re.compile(r"\b(" + "|".join(sorted(map(re.escape, _SWAPS), key=len, reverse=True)) + r")\b",
                           re.IGNORECASE)


def swap_left_right(text: str) -> str:
    """The description of the mirrored motion: left <-> right (and leftward(s), clockwise <-> counter-
    clockwise) swapped as whole words, keeping capitalisation; HumanML3D's mirrored ``M`` copies do the same.
    """
    def replace(match: re.Match) -> str:
        word = match.group(0)
        swapped = _SWAPS[word.lower()]
        if word.isupper():
            return swapped.upper()
        return swapped.capitalize() if word[0].isupper() else swapped

    return _SWAP_PATTERN.sub(replace, text)


def sidecar_path(motion_path: str | Path) -> Path:
    """``DIR/NAME.bvh`` -> ``DIR/NAME.txt``."""
    return Path(motion_path).with_suffix(".txt")


def sidecar_captions(motion_path: str | Path) -> list[Caption]:
    """The captions of the sidecar ``NAME.txt`` beside ``motion_path``; none when there is no sidecar."""
    path = sidecar_path(motion_path)
    return read_captions(path) if path.is_file() else []


def _captions_of(value, path: Path, key: str) -> list[Caption]:
    texts = [value] if isinstance(value, str) else value
    if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
        raise InputError(path, f"entry {key!r} must be a description or a list of descriptions")
    captions = [parse_caption_line(text, path, key) for text in texts]
    return [c for c in captions if c is not None]


def _read_json_texts(path: Path, content: str) -> dict[str, list[Caption]]:
    try:
        data = json.loads(content)
    except json.JSONDecodeError as error:
        raise InputError(path, f"not valid JSON ({error})") from None
    if not isinstance(data, dict):
        raise InputError(path, 'expected a JSON object {"stem": ["description", ...]}')
    return {str(key): _captions_of(value, path, key) for key, value in data.items()}


def _read_csv_texts(path: Path, content: str) -> dict[str, list[Caption]]:
    rows = list(csv.reader(io.StringIO(content)))
    if rows and [c.strip().lower() for c in rows[0][:2]] == ["stem", "description"]:
        rows = rows[1:]
    result: dict[str, list[Caption]] = {}
    for number, row in enumerate(rows, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) < 2 or not row[0].strip():
            raise InputError(path, f"line {number}: expected stem,description, got {row!r}")
        caption = parse_caption_line(",".join(row[1:]), path, row[0])
        if caption is not None:
            result.setdefault(row[0].strip(), []).append(caption)
    return result


class TextsFile(Mapping[str, list[Caption]]):
    """A ``--texts`` file: JSON ``{stem: [descriptions]}`` or CSV ``stem,description``, read once.

    :meth:`lookup` finds a motion file's captions by its path relative to the input folder (without
    extension), else by its stem.
    """

    def __init__(self, path: str | Path):
        self.path = Path(path)
        if not self.path.is_file():
            raise InputError(self.path, "no such texts file (expected JSON {stem: [descriptions]} or CSV "
                                        "stem,description)")
        content = self.path.read_text(encoding="utf-8")
        reader = _read_json_texts if content.lstrip().startswith(("{", "[")) else _read_csv_texts
        self._captions = reader(self.path, content)

    def __getitem__(self, key: str) -> list[Caption]:
        return self._captions[key]

    def __iter__(self):
        return iter(self._captions)

    def __len__(self) -> int:
        return len(self._captions)

    def lookup(self, relative_id: str, stem: str) -> list[Caption]:
        return list(self._captions.get(relative_id) or self._captions.get(stem) or [])


def read_texts_file(path: str | Path) -> TextsFile:
    """Read a ``--texts`` file (see :class:`TextsFile`)."""
    return TextsFile(path)


def span_name(name: str | None, start_s: float, end_s: float) -> str:
    """The name of the sub-clip ``start_s``-``end_s`` of ``name``: ``NAME@START-END`` (seconds, %g)."""
    return f"{name or ''}@{start_s:g}-{end_s:g}"


def _unique(texts: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(t for t in texts if t))


def described_clips(motion: Motion, captions: Iterable[Caption], span_fps: float | None = None) -> list[Motion]:
    """The whole clip with its whole-clip captions (added to ``motion.texts``), then one sub-clip per
    distinct span with the captions of exactly that span, named by :func:`span_name`.

    Span seconds become frames ``round(start * span_fps)`` to ``round(end * span_fps)`` (``span_fps``: by
    default the clip's rate; HumanML3D's spans count its nominal 20 fps). A span past the clip's end is cut
    at the end; one that leaves fewer than 2 frames is an :class:`InputError`.
    """
    captions = list(captions)
    rate = motion.fps if span_fps is None else span_fps
    whole = Motion(positions=motion.positions, fps=motion.fps, rotations=motion.rotations,
                   texts=_unique([*motion.texts, *(c.text for c in captions if c.whole_clip)]), name=motion.name)
    clips = [whole]
    for start_s, end_s in sorted({(c.start_s, c.end_s) for c in captions if not c.whole_clip}):
        start, stop = int(round(start_s * rate)), min(int(round(end_s * rate)), motion.num_frames)
        if stop - start < 2:
            raise InputError(motion.name, f"caption span {start_s:g}-{end_s:g} s leaves {max(stop - start, 0)} "
                                          f"frame(s) of a {motion.num_frames}-frame clip")
        part = motion.slice(start, stop)
        part.texts = _unique(c.text for c in captions if (c.start_s, c.end_s) == (start_s, end_s))
        part.name = span_name(motion.name, start_s, end_s)
        clips.append(part)
    return clips
