"""BVH (Biovision Hierarchy) motion capture: parser, forward kinematics, and a reader to :class:`Motion`.

A BVH file holds a ``HIERARCHY`` of joints, each with an ``OFFSET`` (its place in its parent's frame in
the rest pose) and ``CHANNELS``, optionally ending in ``End Site`` leaves; then a ``MOTION`` block:
``Frames: N``, ``Frame Time: dt`` and N lines of channel values, joints in hierarchy (depth-first) order
and each joint's channels in its listed order.

Channel semantics (the Biovision convention, which the common exporters follow):
a joint's rotation channels, in the order listed, compose as intrinsic rotations in degrees,
``R_local = R_axis1(a1) @ R_axis2(a2) @ R_axis3(a3)``; its position channels, where present, replace the
matching components of its OFFSET. Globally ``R[j] = R[parent] @ R_local[j]`` and
``p[j] = p[parent] + R[parent] @ t[j]`` with ``t[j]`` the (possibly replaced) offset. With every
rotation channel at zero the skeleton stands in its rest pose and every global orientation is identity.
"""
from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.spatial.transform import Rotation

from ..body import JOINT_INDEX, standing_height
from ..errors import InputError
from ..motion import Motion
from ..orientation import estimate_orientations
from ..retarget import MappingEntry, resolve_retarget

CHANNEL_NAMES = ("Xposition", "Yposition", "Zposition", "Xrotation", "Yrotation", "Zrotation")
_CHANNEL_BY_LOWERCASE = {name.lower(): name for name in CHANNEL_NAMES}
_STRUCTURE_TOKENS = {"{", "}", "JOINT", "End", "OFFSET", "CHANNELS", "ROOT"}

#: Metres per file unit of the unit systems BVH files come in. CMU skeletons (ASF ``length 0.45``) store
#: lengths in inches divided by 0.45.
UNITS: dict[str, float] = {
    "metres": 1.0,
    "centimetres": 0.01,
    "millimetres": 0.001,
    "inches": 0.0254,
    "cmu": 0.0254 / 0.45,
}
#: Unit detection picks the unit under which the skeleton's standing height is closest to this.
TYPICAL_HEIGHT_M = 1.7

#: The rotation C taking each (signed) up axis of a file to +y, the canonical up: a quarter or half turn
#: about x (for y and z) or z (for x). "+z" (-90 degrees about x) maps a z-up file facing -y (Blender's
#: convention) to y up facing +z.
AXIS_CONVERSIONS: dict[str, np.ndarray] = {
    axis: np.array(matrix, dtype=np.float64)
    for axis, matrix in {
        "+y": [[1, 0, 0], [0, 1, 0], [0, 0, 1]],
        "-y": [[1, 0, 0], [0, -1, 0], [0, 0, -1]],
        "+z": [[1, 0, 0], [0, 0, 1], [0, -1, 0]],
        "-z": [[1, 0, 0], [0, 0, -1], [0, 1, 0]],
        "+x": [[0, -1, 0], [1, 0, 0], [0, 0, 1]],
        "-x": [[0, 1, 0], [-1, 0, 0], [0, 0, 1]],
    }.items()
}
#: A pose counts as upright when the head rises above the feet by at least this fraction of standing
#: height along one axis (a standing body: about 0.85).
_UPRIGHT_RISE = 0.5


@dataclass(frozen=True)
class BvhClip:
    """A parsed BVH file, in the file's units and axes.

    joint_names: (J,) joint names in hierarchy order (depth-first: parents before children).
    parents: (J,) index of each joint's parent; -1 for a root.
    offsets: (J, 3) float64 rest-pose offset of each joint from its parent, in the parent's frame.
    channels: per joint, its channel names in file order, spelled as in :data:`CHANNEL_NAMES`.
    end_site_parents: (E,) index of the joint each End Site hangs from.
    end_site_offsets: (E, 3) float64 End Site offsets in their joint's frame.
    frame_time: seconds per frame.
    motion: (T, C) float64 channel values; C is the total channel count, joints in order.
    """

    joint_names: tuple[str, ...]
    parents: tuple[int, ...]
    offsets: np.ndarray
    channels: tuple[tuple[str, ...], ...]
    end_site_parents: tuple[int, ...]
    end_site_offsets: np.ndarray
    frame_time: float
    motion: np.ndarray

    @property
    def num_joints(self) -> int:
        return len(self.joint_names)

    @property
    def num_frames(self) -> int:
        return int(self.motion.shape[0])

    def columns(self, joint: int) -> slice:
        """The columns of :attr:`motion` holding ``joint``'s channels."""
        start = sum(len(channels) for channels in self.channels[:joint])
        return slice(start, start + len(self.channels[joint]))


# ----------------------------------------------------------------------------------------------- parsing


def parse_bvh(path: str | os.PathLike) -> BvhClip:
    """Parse a BVH file; any structural problem is an :class:`InputError` naming the file (and line).

    Whitespace is free (indentation, tabs, blank lines, CRLF or CR line ends); structure is strict.
    """
    path = Path(path)
    lines = _read_lines(path)
    motion_index = next((i for i, line in enumerate(lines) if line.strip() == "MOTION"), None)
    hierarchy = _HierarchyParser(path, lines, motion_index).parse()
    if motion_index is None:
        raise InputError(path, "no MOTION section after the hierarchy")
    frames, frame_time, data_index = _read_motion_header(path, lines, motion_index)
    num_channels = sum(len(channels) for channels in hierarchy.channels)
    motion = _read_frames(path, lines, data_index, frames, num_channels)
    return BvhClip(
        joint_names=tuple(hierarchy.names),
        parents=tuple(hierarchy.parents),
        offsets=np.array(hierarchy.offsets, dtype=np.float64).reshape(-1, 3),
        channels=tuple(hierarchy.channels),
        end_site_parents=tuple(hierarchy.end_site_parents),
        end_site_offsets=np.array(hierarchy.end_site_offsets, dtype=np.float64).reshape(-1, 3),
        frame_time=frame_time,
        motion=motion,
    )


def _read_lines(path: Path) -> list[str]:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(path, "no such file") from None
    except OSError as error:
        raise InputError(path, f"cannot read the file ({error.strerror or error})") from None
    text = data.decode("utf-8-sig", errors="replace")
    if not text.strip():
        raise InputError(path, "empty file")
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


class _HierarchyParser:
    """Recursive-descent parser of the HIERARCHY section, token by token (lines only for messages)."""

    def __init__(self, path: Path, lines: list[str], motion_index: int | None):
        end = len(lines) if motion_index is None else motion_index
        self.path = path
        self.tokens = [
            (token, number)
            for number, line in enumerate(lines[:end], start=1)
            for token in line.replace("{", " { ").replace("}", " } ").split()
        ]
        self.position = 0
        self.ending = "at the end of the file" if motion_index is None else f"at MOTION (line {end + 1})"
        self.names: list[str] = []
        self.parents: list[int] = []
        self.offsets: list[list[float] | None] = []
        self.channels: list[tuple[str, ...] | None] = []
        self.end_site_parents: list[int] = []
        self.end_site_offsets: list[list[float]] = []

    def error(self, line: int, problem: str) -> InputError:
        return InputError(self.path, f"line {line}: {problem}")

    def next(self, expected: str) -> tuple[str, int]:
        if self.position >= len(self.tokens):
            raise InputError(self.path, f"the hierarchy ends {self.ending} but {expected} is missing")
        token = self.tokens[self.position]
        self.position += 1
        return token

    def expect(self, keyword: str, context: str = "") -> int:
        token, line = self.next(f"'{keyword}'{context}")
        if token != keyword:
            raise self.error(line, f"expected '{keyword}'{context}, found {token!r}")
        return line

    def parse(self) -> _HierarchyParser:
        self.expect("HIERARCHY", " at the start of a BVH file")
        self.joint(parent=-1, keyword_line=self.expect("ROOT", " after HIERARCHY"))
        while self.position < len(self.tokens):
            token, line = self.next("ROOT")
            if token == "}":
                raise self.error(line, "unbalanced '}': the root joint is already closed")
            if token != "ROOT":
                hint = " (a '}' above closes the root too early?)" if token in _STRUCTURE_TOKENS else ""
                raise self.error(line, f"expected ROOT or MOTION, found {token!r}{hint}")
            self.joint(parent=-1, keyword_line=line)
        return self

    def joint(self, parent: int, keyword_line: int) -> None:
        name, line = self.next(f"a joint name after line {keyword_line}")
        if name in _STRUCTURE_TOKENS:
            raise self.error(line, f"a joint needs a name, found {name!r}")
        if name in self.names:
            raise self.error(line, f"a second joint named {name!r}")
        self.expect("{", f" after joint {name!r}")
        index = len(self.names)
        self.names.append(name)
        self.parents.append(parent)
        self.offsets.append(None)
        self.channels.append(None)
        while True:
            token, number = self.next(f"'}}' closing joint {name!r} (opened on line {line})")
            if token == "}":
                break
            if token == "OFFSET":
                self.refuse_second(token, self.offsets[index], name, number)
                self.offsets[index] = self.vector(number)
            elif token == "CHANNELS":
                self.refuse_second(token, self.channels[index], name, number)
                self.channels[index] = self.channel_list(number)
            elif token == "JOINT":
                self.joint(parent=index, keyword_line=number)
            elif token == "End":
                self.expect("Site", " after 'End'")
                self.end_site(parent=index, keyword_line=number)
            else:
                raise self.error(number, f"unexpected {token!r} in joint {name!r} "
                                         "(expected OFFSET, CHANNELS, JOINT, End Site or '}')")
        if self.offsets[index] is None:
            raise self.error(line, f"joint {name!r} has no OFFSET")
        if self.channels[index] is None:
            raise self.error(line, f"joint {name!r} has no CHANNELS")

    def refuse_second(self, keyword: str, earlier: object, joint: str, line: int) -> None:
        if earlier is not None:
            raise self.error(line, f"a second {keyword} in joint {joint!r}")

    def end_site(self, parent: int, keyword_line: int) -> None:
        self.expect("{", f" after End Site (line {keyword_line})")
        token, number = self.next(f"OFFSET in the End Site on line {keyword_line}")
        if token != "OFFSET":
            raise self.error(number, f"an End Site holds just an OFFSET, found {token!r}")
        self.end_site_offsets.append(self.vector(number))
        self.end_site_parents.append(parent)
        self.expect("}", f" closing the End Site on line {keyword_line}")

    def vector(self, keyword_line: int) -> list[float]:
        values = []
        for _ in range(3):
            token, number = self.next(f"the 3 numbers of the OFFSET on line {keyword_line}")
            try:
                value = float(token)
            except ValueError:
                raise self.error(number, f"OFFSET needs 3 numbers, found {token!r}") from None
            if not math.isfinite(value):
                raise self.error(number, f"OFFSET value {token!r} is not finite")
            values.append(value)
        return values

    def channel_list(self, keyword_line: int) -> tuple[str, ...]:
        token, number = self.next(f"the channel count after CHANNELS on line {keyword_line}")
        if not token.isdecimal():
            raise self.error(number, f"CHANNELS needs a channel count, found {token!r}")
        count = int(token)
        channels: list[str] = []
        while len(channels) < count:
            token, number = self.next(f"channel {len(channels) + 1} of the {count} on line {keyword_line}")
            if token in _STRUCTURE_TOKENS:
                raise self.error(keyword_line, f"CHANNELS declares {count} channels but lists {len(channels)}")
            if token.lower() not in _CHANNEL_BY_LOWERCASE:
                raise self.error(number, f"unknown channel {token!r} (expected {', '.join(CHANNEL_NAMES)})")
            channels.append(_CHANNEL_BY_LOWERCASE[token.lower()])
        if self.position < len(self.tokens) and self.tokens[self.position][0].lower() in _CHANNEL_BY_LOWERCASE:
            raise self.error(keyword_line, f"CHANNELS declares {count} channels but lists more")
        positions = [channel for channel in channels if channel.endswith("position")]
        if len(set(positions)) < len(positions):
            raise self.error(keyword_line, "CHANNELS lists a position channel twice")
        return tuple(channels)


def _read_motion_header(path: Path, lines: list[str], motion_index: int) -> tuple[int, float, int]:
    """``Frames: N`` and ``Frame Time: dt`` after MOTION -> (N, dt, index of the line after them)."""
    frames_index = _next_nonblank(lines, motion_index + 1)
    frames_match = frames_index is not None and re.fullmatch(r"Frames\s*:\s*(\S+)", lines[frames_index].strip())
    if not frames_match:
        raise InputError(path, f"expected 'Frames: <count>' after MOTION (line {motion_index + 1})")
    if not frames_match.group(1).isdecimal():
        raise InputError(path, f"line {frames_index + 1}: frame count {frames_match.group(1)!r} is not "
                               "a whole number")
    time_index = _next_nonblank(lines, frames_index + 1)
    time_match = time_index is not None and re.fullmatch(r"Frame\s+Time\s*:\s*(\S+)", lines[time_index].strip())
    if not time_match:
        raise InputError(path, f"expected 'Frame Time: <seconds>' after line {frames_index + 1}")
    try:
        frame_time = float(time_match.group(1))
    except ValueError:
        frame_time = math.nan
    if not (math.isfinite(frame_time) and frame_time > 0):
        raise InputError(path, f"line {time_index + 1}: frame time {time_match.group(1)!r} is not a "
                               "positive number of seconds")
    return int(frames_match.group(1)), frame_time, time_index + 1


def _next_nonblank(lines: list[str], start: int) -> int | None:
    return next((i for i in range(start, len(lines)) if lines[i].strip()), None)


def _read_frames(path: Path, lines: list[str], start: int, declared: int, num_channels: int) -> np.ndarray:
    """The (declared, num_channels) channel values on the non-blank lines from ``start``, one frame a line."""
    rows: list[list[str]] = []
    line_numbers: list[int] = []
    for index in range(start, len(lines)):
        values = lines[index].split()
        if values:
            rows.append(values)
            line_numbers.append(index + 1)
    counts = np.fromiter(map(len, rows), dtype=np.int64, count=len(rows))
    wrong = np.flatnonzero(counts != num_channels)
    if wrong.size:
        row = int(wrong[0])
        cut = "; the file is cut off mid-frame" if row == len(rows) - 1 and row < declared else ""
        raise InputError(path, f"line {line_numbers[row]}: frame {row + 1} has {counts[row]} values, "
                               f"expected {num_channels} (one per channel){cut}")
    if len(rows) < declared:
        raise InputError(path, f"truncated: 'Frames: {declared}' but only {len(rows)} frames follow")
    if len(rows) > declared:
        raise InputError(path, f"'Frames: {declared}' but {len(rows)} frames follow")
    try:
        motion = np.array(rows, dtype=np.float64).reshape(declared, num_channels)
    except ValueError:
        row, token = _first_non_number(rows)
        raise InputError(path, f"line {line_numbers[row]}: {token!r} is not a number") from None
    if not np.isfinite(motion).all():
        row = int(np.argwhere(~np.isfinite(motion))[0, 0])
        raise InputError(path, f"line {line_numbers[row]}: frame {row + 1} holds NaN or inf")
    return motion


def _first_non_number(rows: list[list[str]]) -> tuple[int, str]:
    for row, values in enumerate(rows):
        for token in values:
            try:
                float(token)
            except ValueError:
                return row, token
    raise AssertionError("every value parses as a number")


# ------------------------------------------------------------------------------------ forward kinematics


def rest_pose(clip: BvhClip) -> np.ndarray:
    """(J, 3) joint positions in the rest pose (every channel zero, offsets as written), file units."""
    positions = np.zeros((clip.num_joints, 3))
    for joint, parent in enumerate(clip.parents):
        positions[joint] = clip.offsets[joint] + (positions[parent] if parent >= 0 else 0.0)
    return positions


def forward_kinematics(clip: BvhClip, scale: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Global joint positions (T, J, 3) (file units times ``scale``) and orientations (T, J, 3, 3).

    Vectorised over frames; one pass over the joints in hierarchy order (see the module docstring for
    the channel semantics).
    """
    frames = clip.num_frames
    positions = np.empty((frames, clip.num_joints, 3))
    rotations = np.empty((frames, clip.num_joints, 3, 3))
    for joint, parent in enumerate(clip.parents):
        channels = clip.channels[joint]
        values = clip.motion[:, clip.columns(joint)]
        local_rotation = _local_rotations(channels, values)
        translation = _local_translations(clip.offsets[joint], channels, values) * scale
        if parent < 0:
            rotations[:, joint] = local_rotation
            positions[:, joint] = translation
        else:
            rotations[:, joint] = rotations[:, parent] @ local_rotation
            positions[:, joint] = positions[:, parent] + np.einsum("tij,tj->ti", rotations[:, parent], translation)
    return positions, rotations


def _local_rotations(channels: tuple[str, ...], values: np.ndarray) -> np.ndarray:
    """(T, 3, 3): the joint's rotation channels composed intrinsically, in the order listed."""
    rotation = Rotation.identity(len(values))
    for column, channel in enumerate(channels):
        if channel.endswith("rotation"):
            rotation = rotation * Rotation.from_euler(channel[0], values[:, column, None], degrees=True)
    return rotation.as_matrix().reshape(len(values), 3, 3)


def _local_translations(offset: np.ndarray, channels: tuple[str, ...], values: np.ndarray) -> np.ndarray:
    """(T, 3): the joint's offset, with each component that has a position channel replaced by it."""
    translation = np.repeat(offset[None, :], len(values), axis=0)
    for column, channel in enumerate(channels):
        if channel.endswith("position"):
            translation[:, "XYZ".index(channel[0])] = values[:, column]
    return translation


# ---------------------------------------------------------------------------------- units and up axis


def detect_unit(height: float) -> str:
    """The name in :data:`UNITS` under which a skeleton ``height`` file units tall is closest (in log
    ratio) to :data:`TYPICAL_HEIGHT_M`."""
    return min(UNITS, key=lambda unit: abs(math.log(height * UNITS[unit] / TYPICAL_HEIGHT_M)))


def detect_up_axis(rest: np.ndarray, frames: np.ndarray) -> str | None:
    """The signed axis (a key of :data:`AXIS_CONVERSIONS`) along which the head sits above the feet.

    ``rest`` (22, 3) is the canonical body in the rest pose and ``frames`` (T, 22, 3) the motion, same
    units. The rest pose decides when it is upright; otherwise the median over frames (some rigs, e.g.
    LaFAN1, have a folded rest pose and stand up only through their root rotation). None when neither
    is upright.
    """
    height = standing_height(rest[None])
    feet = [JOINT_INDEX[name] for name in ("left_ankle", "right_ankle", "left_foot", "right_foot")]
    for poses in (rest[None], frames):
        rise = np.median(poses[:, JOINT_INDEX["head"]] - poses[:, feet].mean(axis=1), axis=0)
        axis = int(np.argmax(np.abs(rise)))
        if abs(rise[axis]) >= _UPRIGHT_RISE * height:
            return ("+" if rise[axis] > 0 else "-") + "xyz"[axis]
    return None


# ---------------------------------------------------------------------------------------------- reader


def load_bvh(
    path: str | os.PathLike,
    mapping: str | os.PathLike | Mapping[str, MappingEntry] | None = None,
    unit_scale: float | None = None,
    up_axis: str | None = None,
    preset: str | None = None,
) -> Motion:
    """Read a BVH file as a :class:`Motion` of the canonical 22-joint body (metres, y up).

    Args:
        path: the ``.bvh`` file.
        mapping: a mapping file (JSON or YAML) or dict ``{canonical_joint: entry}`` (see
            :mod:`skeletons.retarget`); by default the preset whose joint names the file has.
        unit_scale: metres per file unit; by default detected from the skeleton's standing height
            (see :data:`UNITS`).
        up_axis: the file's up axis, ``"y"`` or ``"z"`` (or any signed axis, ``"-x"`` ...); by default
            detected as the axis along which the head sits above the feet.
        preset: force one of :data:`skeletons.retarget.PRESETS`.

    Positions ``p`` become ``C p`` and orientations ``R`` become ``C R C^T`` (C: the file's up axis to +y).
    Orientations are then re-based to the project's convention (identity in the canonical T-pose, as
    for SMPL): ``R @ Q`` with ``Q`` the orientation of the file's own rest pose as
    :func:`skeletons.orientation.estimate_orientations` measures it, so a CMU rest pose with the arms
    down gives the same joint frames as positions-only sources do. Frame rates within 10 ppm of a
    whole number (``Frame Time: .0083333``) are taken as that number.
    """
    path = Path(path)
    clip = parse_bvh(path)
    if clip.num_frames < 2:
        raise InputError(path, f"the clip has {clip.num_frames} frame(s); at least 2 are needed")
    retarget = resolve_retarget(clip.joint_names, clip.parents, path, mapping=mapping, preset=preset)
    rest = retarget.positions(rest_pose(clip))
    scale = _unit_scale(path, rest, unit_scale)
    positions, rotations = forward_kinematics(clip, scale)
    positions, rotations = retarget.positions(positions), retarget.rotations(rotations)
    to_y_up = AXIS_CONVERSIONS[_up_axis(path, rest * scale, positions, up_axis)]
    rest_frames = estimate_orientations((rest * scale) @ to_y_up.T)
    return Motion(
        positions=(positions @ to_y_up.T).astype(np.float32),
        fps=frame_rate(clip.frame_time),
        rotations=(to_y_up @ rotations @ to_y_up.T @ rest_frames).astype(np.float32),
        texts=[],
        name=path.stem,
    )


def frame_rate(frame_time: float) -> float:
    """Frames per second from a BVH frame time, snapped to a whole number within 10 ppm (files print
    the frame time with few digits: ``.0083333`` means 120 fps; 29.97 fps stays 29.97)."""
    fps = 1.0 / frame_time
    nearest = round(fps)
    return float(nearest) if nearest > 0 and abs(fps - nearest) <= 1e-5 * fps else fps


def _unit_scale(path: Path, rest: np.ndarray, unit_scale: float | None) -> float:
    if unit_scale is not None:
        try:
            scale = float(unit_scale)
        except (TypeError, ValueError):
            scale = math.nan
        if not (math.isfinite(scale) and scale > 0):
            raise InputError(path, f"unit_scale must be a positive number of metres per unit, got {unit_scale!r}")
        return scale
    height = standing_height(rest[None])
    if not (math.isfinite(height) and height > 0):
        raise InputError(path, "cannot tell the unit: the skeleton has no height in its rest pose; "
                               "pass unit_scale")
    return UNITS[detect_unit(height)]


def _up_axis(path: Path, rest: np.ndarray, positions: np.ndarray, up_axis: str | None) -> str:
    if up_axis is not None:
        axis = up_axis.strip().lower()
        signed = axis if axis[:1] in ("+", "-") else "+" + axis
        if signed not in AXIS_CONVERSIONS:
            raise InputError(path, f"up_axis must be x, y or z (optionally signed), got {up_axis!r}")
        return signed
    detected = detect_up_axis(rest, positions)
    if detected is None:
        raise InputError(path, "cannot tell which axis is up (the body is upright neither in the rest pose "
                               "nor on average over the clip); pass up_axis")
    return detected
