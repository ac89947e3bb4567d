"""Retargeting: where each of the 22 canonical joints (:mod:`skeletons.body`) sits in a source skeleton.

A mapping gives, for every canonical joint name, either a source joint name or a point on a rigid
segment of the source skeleton::

    {"joint": A, "toward": B, "at": t}

where B is a child of A: the canonical joint sits at ``lerp(pos[A], pos[B], t)`` and takes A's global
orientation. A's rotation is what moves the segment A -> B, so the point is rigidly attached to A's frame
and the result is physically exact. Segment points stand in for source joints that share a place with
another joint (zero-length bones), which would otherwise give the 22-joint body a degenerate bone.

Source names are matched exactly first, then with any namespace prefix removed (``mixamorig:Hips`` ->
``Hips``). The presets below cover the common BVH skeletons; a mapping file (JSON or YAML, the same
``{canonical_name: entry}`` shape) or a dict covers the rest.
"""
from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

from .body import JOINT_NAMES, NUM_JOINTS
from .errors import InputError


@dataclass(frozen=True)
class SegmentPoint:
    """Canonical joint at ``lerp(pos[joint], pos[toward], at)`` with ``joint``'s global orientation.

    ``toward=None`` means the source joint ``joint`` itself.
    """

    joint: str
    toward: str | None = None
    at: float = 0.0


#: A mapping entry as written in presets and mapping files: a joint name or ``{joint, toward, at}``.
MappingEntry = str | Mapping[str, object]

_SIDES = (("left", "Left"), ("right", "Right"))


def _with_sides(template: dict[str, MappingEntry]) -> dict[str, MappingEntry]:
    """Expand ``{side}`` (left/right) and ``{Side}`` (Left/Right) into both sides."""

    def fill(value: object, side: tuple[str, str]) -> object:
        if isinstance(value, str):
            return value.format(side=side[0], Side=side[1])
        if isinstance(value, dict):
            return {key: fill(item, side) for key, item in value.items()}
        return value

    expanded: dict[str, MappingEntry] = {}
    for key, value in template.items():
        for side in _SIDES if "{side}" in key else _SIDES[:1]:
            expanded[str(fill(key, side))] = fill(value, side)  # type: ignore[assignment]
    return expanded


#: Built-in mappings, tried in this order when detecting which one a file follows.
PRESETS: dict[str, dict[str, MappingEntry]] = {
    # CMU mocap converted to BVH with ASF-like names (e.g. 131_01.bvh). Chest2 has no length: lowerneck
    # and both collars start where the Chest segment ends. spine3 takes that shared pivot; spine2 sits
    # along the Chest segment below it and each collar along its collar segment, so every bone of the
    # 22-joint body lies within one rigid source segment or joins two at their pivot and keeps its length.
    "cmu": _with_sides({
        "pelvis": "Hips",
        "{side}_hip": "{Side}Hip", "{side}_knee": "{Side}Knee",
        "{side}_ankle": "{Side}Ankle", "{side}_foot": "{Side}Toe",
        "spine1": "Chest",
        "spine2": {"joint": "Chest", "toward": "Chest2", "at": 0.6},
        "spine3": "lowerneck",
        "neck": "Neck", "head": "Head",
        "{side}_collar": {"joint": "{Side}Collar", "toward": "{Side}Shoulder", "at": 0.4},
        "{side}_shoulder": "{Side}Shoulder", "{side}_elbow": "{Side}Elbow", "{side}_wrist": "{Side}Wrist",
    }),
    # The widespread cgspeed conversion of the CMU database: the same skeleton as "cmu" under other names
    # (LowerBack/Spine/Spine1 for lowerback/Chest/Chest2, Neck/Neck1 for lowerneck/Neck, LeftShoulder/
    # LeftArm for LeftCollar/LeftShoulder, ...).
    "cgspeed": _with_sides({
        "pelvis": "Hips",
        "{side}_hip": "{Side}UpLeg", "{side}_knee": "{Side}Leg",
        "{side}_ankle": "{Side}Foot", "{side}_foot": "{Side}ToeBase",
        "spine1": "Spine",
        "spine2": {"joint": "Spine", "toward": "Spine1", "at": 0.6},
        "spine3": "Neck",
        "neck": "Neck1", "head": "Head",
        "{side}_collar": {"joint": "{Side}Shoulder", "toward": "{Side}Arm", "at": 0.4},
        "{side}_shoulder": "{Side}Arm", "{side}_elbow": "{Side}ForeArm", "{side}_wrist": "{Side}Hand",
    }),
    # Mixamo rigs (names usually carry a "mixamorig:" prefix).
    "mixamo": _with_sides({
        "pelvis": "Hips",
        "{side}_hip": "{Side}UpLeg", "{side}_knee": "{Side}Leg",
        "{side}_ankle": "{Side}Foot", "{side}_foot": "{Side}ToeBase",
        "spine1": "Spine", "spine2": "Spine1", "spine3": "Spine2", "neck": "Neck", "head": "Head",
        "{side}_collar": "{Side}Shoulder", "{side}_shoulder": "{Side}Arm",
        "{side}_elbow": "{Side}ForeArm", "{side}_wrist": "{Side}Hand",
    }),
    # Ubisoft LaFAN1.
    "lafan1": _with_sides({
        "pelvis": "Hips",
        "{side}_hip": "{Side}UpLeg", "{side}_knee": "{Side}Leg",
        "{side}_ankle": "{Side}Foot", "{side}_foot": "{Side}Toe",
        "spine1": "Spine", "spine2": "Spine1", "spine3": "Spine2", "neck": "Neck", "head": "Head",
        "{side}_collar": "{Side}Shoulder", "{side}_shoulder": "{Side}Arm",
        "{side}_elbow": "{Side}ForeArm", "{side}_wrist": "{Side}Hand",
    }),
}


def strip_namespace(name: str) -> str:
    """``"mixamorig:LeftArm"`` -> ``"LeftArm"``: drop everything up to the last ``:``."""
    return name.rsplit(":", 1)[-1]


def parse_mapping(raw: object, where: str | os.PathLike | None) -> dict[str, SegmentPoint]:
    """Validate ``{canonical_name: entry}`` (every one of the 22 canonical joints, nothing else).

    An entry is a source joint name or ``{"joint": A, "toward": B, "at": t}`` with ``0 <= t <= 1``;
    ``toward`` is optional and ``at`` defaults to 0.5 when ``toward`` is given. ``where`` names the
    mapping's origin in error messages.
    """
    if not isinstance(raw, Mapping):
        raise InputError(where, f"a mapping must be {{canonical_joint: source_joint}}, got {type(raw).__name__}")
    unknown = [str(key) for key in raw if key not in JOINT_NAMES]
    if unknown:
        raise InputError(where, f"mapping names unknown canonical joints: {', '.join(unknown)} "
                                f"(canonical joints: {', '.join(JOINT_NAMES)})")
    missing = [name for name in JOINT_NAMES if name not in raw]
    if missing:
        raise InputError(where, f"mapping misses canonical joints: {', '.join(missing)}")
    return {name: _parse_entry(name, raw[name], where) for name in JOINT_NAMES}


def _parse_entry(name: str, entry: object, where: str | os.PathLike | None) -> SegmentPoint:
    if isinstance(entry, str) and entry:
        return SegmentPoint(entry)
    if isinstance(entry, Mapping) and set(entry) <= {"joint", "toward", "at"}:
        joint, toward = entry.get("joint"), entry.get("toward")
        at = entry.get("at", 0.0 if toward is None else 0.5)
        names_ok = _is_name(joint) and (toward is None or _is_name(toward))
        at_ok = isinstance(at, (int, float)) and not isinstance(at, bool) and 0.0 <= at <= 1.0
        if names_ok and at_ok and (toward is not None or "at" not in entry):
            return SegmentPoint(str(joint), None if toward is None else str(toward), float(at))
    raise InputError(where, f"mapping entry for {name!r} must be a joint name or "
                            f"{{joint: A, toward: B, at: 0..1}}, got {entry!r}")


def _is_name(value: object) -> bool:
    return isinstance(value, str) and bool(value)


def read_mapping_file(path: str | os.PathLike) -> dict[str, SegmentPoint]:
    """Read a mapping from a JSON (``.json``) or YAML (anything else) file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(path, "no such mapping file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(path, f"cannot read the mapping file ({error})") from None
    try:
        raw = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as error:
        raise InputError(path, f"not valid {'JSON' if path.suffix.lower() == '.json' else 'YAML'}: "
                               f"{error}") from None
    return parse_mapping(raw, path)


_PRESET_POINTS: dict[str, dict[str, SegmentPoint]] = {
    name: parse_mapping(entries, name) for name, entries in PRESETS.items()
}


@dataclass(frozen=True)
class Retarget:
    """A mapping resolved against one source skeleton: source indices per canonical joint.

    ``joint[i]``, ``toward[i]`` (equal to ``joint[i]`` for a plain joint) and ``at[i]`` place canonical
    joint ``i``; ``source`` says where the mapping came from (a preset name, a file, or ``"mapping"``).
    """

    joint: np.ndarray
    toward: np.ndarray
    at: np.ndarray
    source: str

    def positions(self, source_positions: np.ndarray) -> np.ndarray:
        """(..., J, 3) source joint positions -> (..., 22, 3) canonical positions."""
        start = source_positions[..., self.joint, :]
        end = source_positions[..., self.toward, :]
        return start + self.at[:, None] * (end - start)

    def rotations(self, source_rotations: np.ndarray) -> np.ndarray:
        """(..., J, 3, 3) source global orientations -> (..., 22, 3, 3) canonical ones."""
        return source_rotations[..., self.joint, :, :]


def resolve_retarget(
    names: Sequence[str],
    parents: Sequence[int],
    path: str | os.PathLike | None,
    mapping: str | os.PathLike | Mapping[str, MappingEntry] | None = None,
    preset: str | None = None,
) -> Retarget:
    """Find the mapping for a source skeleton (joint ``names``, ``parents`` indices) and resolve it.

    ``mapping`` (a file path or a dict) wins; else ``preset`` forces a preset; else the first preset all
    of whose source names the skeleton has. ``path`` (the source file) names errors about the skeleton.
    """
    lookup = _NameLookup(names, path)
    if mapping is not None:
        if preset is not None:
            raise InputError(path, "pass either a mapping or a preset, not both")
        if isinstance(mapping, Mapping):
            return _resolve(parse_mapping(mapping, path), lookup, parents, "mapping", path)
        return _resolve(read_mapping_file(mapping), lookup, parents, os.fspath(mapping), path)
    if preset is not None:
        if preset not in PRESETS:
            raise InputError(path, f"unknown preset {preset!r}; expected one of {', '.join(PRESETS)}")
        missing = _missing_names(_PRESET_POINTS[preset], lookup)
        if missing:
            raise InputError(path, f"joint names do not match preset {preset}: missing {', '.join(missing)}")
        return _resolve(_PRESET_POINTS[preset], lookup, parents, preset, path)
    missing_by_preset = {name: _missing_names(points, lookup) for name, points in _PRESET_POINTS.items()}
    for name, missing in missing_by_preset.items():
        if not missing:
            return _resolve(_PRESET_POINTS[name], lookup, parents, name, path)
    closest = min(missing_by_preset, key=lambda name: len(missing_by_preset[name]))
    raise InputError(path, f"joint names match no preset ({', '.join(PRESETS)}): closest is {closest}, "
                           f"missing {', '.join(missing_by_preset[closest])}; pass a mapping file")


class _NameLookup:
    """Source joint name -> index: exact match first, then with namespace prefixes removed."""

    def __init__(self, names: Sequence[str], path: str | os.PathLike | None):
        self.path = path
        self.exact = {name: index for index, name in enumerate(names)}
        self.bare: dict[str, list[int]] = {}
        for index, name in enumerate(names):
            self.bare.setdefault(strip_namespace(name), []).append(index)

    def __contains__(self, name: str) -> bool:
        return name in self.exact or strip_namespace(name) in self.bare

    def index(self, name: str) -> int:
        if name in self.exact:
            return self.exact[name]
        matches = self.bare.get(strip_namespace(name), [])
        if not matches:
            raise InputError(self.path, f"the mapping names joint {name!r}, which the file does not have")
        if len(matches) > 1:
            raise InputError(self.path, f"joint name {name!r} is ambiguous: {len(matches)} joints have it "
                                        f"once namespace prefixes are removed; pass a mapping with full names")
        return matches[0]


def _missing_names(mapping: Mapping[str, SegmentPoint], lookup: _NameLookup) -> list[str]:
    """Source names the mapping uses that the skeleton lacks, in mapping order, each once."""
    used = [name for point in mapping.values() for name in (point.joint, point.toward) if name is not None]
    return [name for name in dict.fromkeys(used) if name not in lookup]


def _resolve(
    mapping: Mapping[str, SegmentPoint],
    lookup: _NameLookup,
    parents: Sequence[int],
    source: str,
    path: str | os.PathLike | None,
) -> Retarget:
    joint = np.empty(NUM_JOINTS, dtype=np.int64)
    toward = np.empty(NUM_JOINTS, dtype=np.int64)
    at = np.zeros(NUM_JOINTS, dtype=np.float64)
    for i, name in enumerate(JOINT_NAMES):
        point = mapping[name]
        joint[i] = lookup.index(point.joint)
        toward[i] = joint[i] if point.toward is None else lookup.index(point.toward)
        if point.toward is not None:
            if parents[toward[i]] != joint[i]:
                raise InputError(path, f"mapping for {name}: {point.toward!r} is not a child of "
                                       f"{point.joint!r}, so no rigid segment joins them")
            at[i] = point.at
    return Retarget(joint=joint, toward=toward, at=at, source=source)
