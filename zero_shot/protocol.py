"""Evaluation protocols of zero-shot recognition: ours, and the UniMTS reference's exactly.

Contract: :func:`zero_shot_protocol` returns a frozen :class:`ZeroShotProtocol` for a protocol name
(``ours`` or ``unimts``) with any single setting overridden; every departure of ours from the reference
(Zhang et al., NeurIPS 2024, released ``data.py`` / ``evaluate.py``) is one field:

* ``class_text``: ``ensemble`` (ours: templates x synonyms, :mod:`zero_shot.prompts`) or ``joined`` (the
  reference: ``' '.join(synonyms)``, no template);
* ``resampling``: ``polyphase`` (ours: anti-aliased, on the prefix) or ``fft`` (the reference:
  ``scipy.signal.resample`` of the whole series, then the first 200 samples), see :mod:`benchmarks.prepare`.

``paper_comparable`` is True exactly when every field is the reference's: only such runs are set beside the
paper's numbers as measured the same way (:mod:`zero_shot.report`).
"""
from __future__ import annotations

import argparse
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from benchmarks.prepare import RESAMPLING, Resampling

from .prompts import CLASS_TEXTS, ClassText

PROTOCOL_NAMES = ("ours", "unimts")


@dataclass(frozen=True)
class ZeroShotProtocol:
    """The settings a zero-shot protocol implies (see the module doc)."""

    name: str
    class_text: ClassText
    resampling: Resampling

    def __post_init__(self) -> None:
        if self.class_text not in CLASS_TEXTS:
            raise ValueError(f"class_text must be one of {', '.join(CLASS_TEXTS)}, got {self.class_text!r}")
        if self.resampling not in RESAMPLING:
            raise ValueError(f"resampling must be one of {', '.join(RESAMPLING)}, got {self.resampling!r}")

    @property
    def paper_comparable(self) -> bool:
        """Whether every setting is the reference's (so the paper's numbers were measured this way)."""
        return _settings(self) == _settings(ZERO_SHOT_PROTOCOLS["unimts"])

    def departures(self) -> list[str]:
        """The settings that differ from the reference's, as ``field=value``."""
        reference = _settings(ZERO_SHOT_PROTOCOLS["unimts"])
        return [f"{key}={value}" for key, value in _settings(self).items() if reference[key] != value]

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "paper_comparable": self.paper_comparable, "departures": self.departures()}


ZERO_SHOT_PROTOCOLS = {
    "ours": ZeroShotProtocol(name="ours", class_text="ensemble", resampling="polyphase"),
    "unimts": ZeroShotProtocol(name="unimts", class_text="joined", resampling="fft"),
}


def _settings(protocol: Any) -> dict[str, Any]:
    return {f.name: getattr(protocol, f.name) for f in fields(protocol) if f.name != "name"}


def resolve(table: dict[str, Any], name: str, overrides: dict[str, Any]) -> Any:
    """``table[name]`` with the fields of ``overrides`` that are not None replaced; the name says
    ``<name>+<field>=<value>...`` when anything changed. ValueError for an unknown name or value."""
    if name not in table:
        raise ValueError(f"unknown protocol {name!r}; known: {', '.join(table)}")
    base = table[name]
    changes = {key: value for key, value in overrides.items() if value is not None and getattr(base, key) != value}
    if not changes:
        return base
    label = "+".join([name, *(f"{key}={value}" for key, value in changes.items())])
    return replace(base, name=label, **changes)


def zero_shot_protocol(name: str = "ours", *, class_text: ClassText | None = None,
                       resampling: Resampling | None = None) -> ZeroShotProtocol:
    """The protocol ``name`` with single settings overridden (None keeps the protocol's)."""
    return resolve(ZERO_SHOT_PROTOCOLS, name, {"class_text": class_text, "resampling": resampling})


def add_protocol_arguments(parser: argparse.ArgumentParser) -> None:
    """``--protocol`` and the flags that change one of its zero-shot settings (shared with ``finetune``)."""
    parser.add_argument("--protocol", choices=PROTOCOL_NAMES, default="ours",
                        help="ours (default): prompt ensembling, anti-aliased polyphase resampling of the prefix; "
                             "unimts: the reference's evaluation exactly (synonyms joined into one text, FFT "
                             "resampling of the whole series)")
    parser.add_argument("--class-text", choices=CLASS_TEXTS,
                        help="override the protocol's class text: ensemble (templates x synonyms) or joined "
                             "(' '.join(synonyms), no template)")
    parser.add_argument("--resampling", choices=RESAMPLING,
                        help="override the protocol's resampling: polyphase (anti-aliased, on the prefix) or fft "
                             "(scipy.signal.resample of the whole series)")
