"""BABEL (Punnakkal et al., "BABEL: Bodies, Action and Behavior with English Labels", CVPR 2021): action
labels of AMASS clips as captions with time spans.

BABEL's release (``babel_v1.0_release/train.json``, ``val.json``, ``extra_train.json``, ``extra_val.json``;
``test.json`` carries no labels) is a JSON object per file, one entry per annotated AMASS sequence::

    {"12906": {"feat_p": "CMU/CMU/02/02_04_poses.npz", "dur": 8.2,
               "seq_ann": {"labels": [{"raw_label": "walk and turn", "proc_label": "walk and turn",
                                        "act_cat": ["walk", "turn"]}]},
               "frame_ann": {"labels": [{"raw_label": "walking forward", "proc_label": "walk forward",
                                          "act_cat": ["walk"], "start_t": 0.0, "end_t": 3.5}, ...]}}}

(the ``extra_*`` files hold lists ``seq_anns`` / ``frame_anns`` instead). Sequence labels describe the
whole clip; frame labels describe their span (seconds from the clip's first frame). Each label gives its
raw description (what the annotator wrote) and, when it differs, its processed label.

``feat_p`` names the AMASS file with the dataset folder as BABEL's copy of AMASS laid it out (doubled,
and with older folder names such as ``BioMotionLab_NTroje`` for today's ``BMLrub``), so a clip is matched
by the longest tail of its path (at least subject folder and file name) that names one BABEL sequence.
"""
from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

from ..errors import InputError
from .humanml3d import Caption

#: Where BABEL comes from (for errors that name it).
BABEL_SOURCE = "https://babel.is.tue.mpg.de (register, accept the licence, download babel_v1.0_release)"
_MIN_TAIL = 2
_WHOLE_CLIP_TOLERANCE_S = 1e-3


def _key(parts: Iterable[str]) -> tuple[str, ...]:
    parts = list(parts)
    parts[-1] = parts[-1].rsplit(".", 1)[0] if parts[-1].endswith((".npz", ".npy")) else parts[-1]
    return tuple(parts)


def _labels(annotation: object) -> list[dict]:
    """The ``labels`` of one annotation object, of a list of them, or none."""
    if annotation is None:
        return []
    if isinstance(annotation, list):
        return [label for item in annotation for label in _labels(item)]
    if isinstance(annotation, dict):
        labels = annotation.get("labels") or []
        return [label for label in labels if isinstance(label, dict)]
    return []


def _texts(label: dict) -> list[str]:
    texts = [label.get("raw_label"), label.get("proc_label")]
    return list(dict.fromkeys(str(t).strip() for t in texts if isinstance(t, str) and t.strip()))


def _captions(entry: dict) -> list[Caption]:
    """The captions of one BABEL sequence: its sequence labels (whole clip) and frame labels (spans)."""
    duration = float(entry.get("dur") or 0.0)
    captions = []
    for label in _labels(entry.get("seq_ann")) + _labels(entry.get("seq_anns")):
        captions.extend(Caption(text) for text in _texts(label))
    for label in _labels(entry.get("frame_ann")) + _labels(entry.get("frame_anns")):
        try:
            start, end = float(label["start_t"]), float(label["end_t"])
        except (KeyError, TypeError, ValueError):
            continue
        if end <= start:
            continue
        whole = start <= 0.0 and duration > 0 and end >= duration - _WHOLE_CLIP_TOLERANCE_S
        captions.extend(Caption(text) if whole else Caption(text, max(start, 0.0), end) for text in _texts(label))
    return captions


class BabelLabels:
    """BABEL's labels from one or more of its JSON files, looked up by AMASS file path."""

    def __init__(self, paths: str | Path | Iterable[str | Path]):
        paths = [paths] if isinstance(paths, (str, Path)) else list(paths)
        self.paths = [Path(p) for p in paths]
        self._captions: dict[tuple[str, ...], list[Caption]] = defaultdict(list)
        for path in self.paths:
            for entry in self._entries(path):
                feat_p = entry.get("feat_p")
                if isinstance(feat_p, str) and feat_p.strip():
                    key = _key(Path(feat_p).parts)
                    known = self._captions[key]
                    known.extend(c for c in _captions(entry) if c not in known)
        self._by_tail: dict[tuple[str, ...], set[tuple[str, ...]]] = defaultdict(set)
        for key in self._captions:
            for length in range(_MIN_TAIL, len(key) + 1):
                self._by_tail[key[-length:]].add(key)

    @staticmethod
    def _entries(path: Path) -> list[dict]:
        if not path.is_file():
            raise InputError(path, f"no such BABEL file; BABEL comes from {BABEL_SOURCE}")
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise InputError(path, f"not a BABEL JSON file ({error})") from None
        if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
            raise InputError(path, "not a BABEL JSON file (expected {babel_sid: {feat_p, seq_ann, frame_ann}})")
        return list(data.values())

    def __len__(self) -> int:
        return len(self._captions)

    def sequence(self, amass_file: str | Path) -> tuple[str, ...] | None:
        """The BABEL sequence (its ``feat_p`` parts) that the longest unambiguous tail of the path names."""
        parts = _key(Path(amass_file).parts)
        for length in range(len(parts), _MIN_TAIL - 1, -1):
            matches = self._by_tail.get(parts[-length:])
            if matches and len(matches) == 1:
                return next(iter(matches))
        return None

    def captions(self, amass_file: str | Path) -> list[Caption]:
        """The captions of the AMASS clip at ``amass_file``; none when BABEL does not label it."""
        sequence = self.sequence(amass_file)
        return list(self._captions[sequence]) if sequence is not None else []
