"""The registry of evaluation datasets: what each holds and how its channels sit on the body, as data.

The 18 benchmarks of the UniMTS paper (Zhang et al., NeurIPS 2024) come from
``benchmarks/data/unimts_benchmarks.json``, a copy of the facts in the paper's released evaluation code:
folder, class count, original rate, difficulty level, and device placements (a slice of the released
array's channels on one joint of the canonical 22-joint body, with factors that turn the stored units into
m/s^2 and rad/s). What that file does not say is kept in :data:`_EXTRAS` below: whether each accelerometer
includes gravity, placements that depend on the class (UTD-MHAD), the affine code of Wharf. A 19th entry,
``BasicMotions``, is real data that ships inside the ``aeon`` wheel, so one benchmark always runs offline.

>>> dataset = get_dataset("ucihar")          # by name or folder, case-insensitive
>>> dataset.name, dataset.rate_hz, dataset.placements[0].joint
('UCI-HAR', 50.0, 9)
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from importlib import resources
from typing import Literal

from simulate.gravity import GRAVITY
from skeletons import JOINT_NAMES, NUM_JOINTS
from skeletons.errors import InputError

Gravity = Literal["included", "removed"]
Source = Literal["released", "aeon", "hapt", "custom"]
DEG_TO_RAD = math.pi / 180.0
#: The names :attr:`Placement.up` accepts.
DEVICE_AXES = ("+x", "-x", "+y", "-y", "+z", "-z")


@dataclass(frozen=True)
class Placement:
    """One device's channels on one joint.

    Attributes:
        joint: canonical joint index (0-21, the UniMTS order of :data:`skeletons.JOINT_NAMES`).
        acc: ``(first, last)``: the accelerometer's x, y, z are channels ``first:last`` of the array.
        acc_scale, acc_offset: ``m/s^2 = stored * acc_scale + acc_offset``.
        gyro: ``(first, last)`` of the gyroscope's channels; None for an accelerometer-only device.
        gyro_scale: ``rad/s = stored * gyro_scale``.
        classes: the class ids whose series wear this device; None for every series. (UTD-MHAD straps its
            one sensor to the right wrist for actions 1-21 and to the right thigh for 22-27; the paper's
            code places it by the label, and so do we, to follow its protocol.)
        up: the device axis ("+x", "-z", ...) that points up when the body stands in the rest pose: upright,
            arms held out sideways palm down. For a device on the trunk, hips or legs that is the axis pointing
            up while the wearer stands; on an arm, the one pointing up with the arm held out. The preparation
            path turns the device frame so that this axis reads along the joint frame's +y, what a model
            pretrained with ``augment.upright_p`` expects. None (the default, and the paper's protocol) leaves
            the device frame as recorded.
    """

    joint: int
    acc: tuple[int, int]
    acc_scale: float = 1.0
    acc_offset: float = 0.0
    gyro: tuple[int, int] | None = None
    gyro_scale: float = 1.0
    classes: tuple[int, ...] | None = None
    up: str | None = None

    def __post_init__(self) -> None:
        if not 0 <= self.joint < NUM_JOINTS:
            raise ValueError(f"joint {self.joint} is not in 0..{NUM_JOINTS - 1}")
        if self.up is not None and self.up not in DEVICE_AXES:
            raise ValueError(f"up must be one of {', '.join(DEVICE_AXES)}, got {self.up!r}")
        for sensor in (self.acc, self.gyro):
            if sensor is not None and (sensor[1] - sensor[0] != 3 or sensor[0] < 0):
                raise ValueError(f"a sensor is three consecutive channels, got {sensor}")

    @property
    def channels_needed(self) -> int:
        """How many channels an array must have for this placement to read it."""
        return max(self.acc[1], self.gyro[1] if self.gyro is not None else 0)


@dataclass(frozen=True)
class Dataset:
    """An evaluation dataset.

    Attributes:
        name: the name the paper uses ("UCI-HAR").
        dir: the folder of its released layout ("UCIHAR"); for ``aeon`` data, aeon's problem name.
        classes: number of classes (the paper's tables).
        rate_hz: the original sample rate.
        level: the paper's difficulty level ("easy", "medium", "hard"); None outside the paper.
        placements: the devices, at most one per joint.
        gravity: whether the accelerometer readings include gravity ("included") or not ("removed").
        gravity_assumed: True where no source states it and ``gravity`` is the default guess "included".
        labels: class id -> descriptions, for data without a label file (BasicMotions); None where the
            released ``DIR.json`` holds them (it is authoritative).
        source: "released" (the UniMTS layout under a data root), "aeon" (bundled with aeon), "hapt" (the raw
            UCI HAPT recordings, cut by :mod:`benchmarks.hapt`), "custom".
        note: anything else a user should know.
    """

    name: str
    dir: str
    classes: int
    rate_hz: float
    level: str | None
    placements: tuple[Placement, ...]
    gravity: Gravity = "included"
    gravity_assumed: bool = False
    labels: tuple[tuple[str, ...], ...] | None = None
    source: Source = "released"
    note: str = ""

    def __post_init__(self) -> None:
        joints = [p.joint for p in self.placements]
        if not joints or len(set(joints)) != len(joints):
            raise ValueError(f"{self.name}: placements need one or more distinct joints, got {joints}")
        if self.gravity not in ("included", "removed"):
            raise ValueError(f"{self.name}: gravity is 'included' or 'removed', got {self.gravity!r}")
        if not self.rate_hz > 0:
            raise ValueError(f"{self.name}: rate_hz must be positive, got {self.rate_hz}")

    @property
    def channels_needed(self) -> int:
        """How many channels the dataset's arrays must have for every placement to read them."""
        return max(p.channels_needed for p in self.placements)

    @property
    def joint_names(self) -> list[str]:
        return [JOINT_NAMES[p.joint] for p in self.placements]


#: Units stored as codes, named in the reference file: (scale, offset) into m/s^2. Wharf's wrist
#: accelerometer writes 6-bit codes 0..63 for -1.5 g .. +1.5 g (the file's acc_affine_note).
_NAMED_UNITS = {"wharf_code": (29.418 / 63.0, -14.709)}

#: Per folder, what the reference file does not say. ``gravity_assumed`` marks the datasets whose
#: documentation we could not check: their ``gravity`` is the default "included" (raw accelerometer
#: readings, as most devices record them).
_EXTRAS: dict[str, dict] = {
    "Opp_g": {"note": "body-worn IMUs, raw acceleration in milli-g (gravity included)"},
    "UCIHAR": {"note": "channels 6-8 are UCI-HAR's total_acc (gravity included), 0-2 its body_acc"},
    "MotionSense": {"gravity_assumed": True,
                    "note": "the source also publishes userAcceleration (gravity removed); which one the "
                            "release holds is not documented; the same phone is placed on both hips"},
    "w-HAR": {"gravity_assumed": True},
    "Shoaib": {"gravity_assumed": True},
    "har70plus": {"note": "Axivity AX3 raw acceleration in g"},
    "realworld": {"gravity_assumed": True},
    "TNDA-HAR": {"gravity_assumed": True},
    "PAMAP": {"note": "Colibri IMUs, raw acceleration in m/s^2"},
    "USCHAD": {"note": "MotionNode raw acceleration in g, gyroscope in deg/s"},
    "Mhealth": {"note": "Shimmer raw acceleration in m/s^2; the chest sensor has no gyroscope"},
    "Harth": {"note": "Axivity AX3 raw acceleration in g"},
    "ut-complex": {"gravity_assumed": True},
    "Wharf": {"note": "wrist accelerometer stored as 6-bit codes (see acc_affine_note)"},
    "WISDM": {"note": "smartwatch raw accelerometer in m/s^2"},
    "DSADS": {"note": "Xsens MTx raw acceleration in m/s^2"},
    "UTD-MHAD": {"placement_classes": {21: range(0, 21), 5: range(21, 27)},
                 "note": "one sensor: right wrist for classes 0-20, right thigh for 21-26, placed by the "
                         "label as the paper's code does"},
    "MMAct": {"gravity_assumed": True},
}

#: BasicMotions (UEA archive; aeon's ``load_basic_motions``): a smartwatch's accelerometer then gyroscope,
#: 10 Hz, 10 s, 40 + 40 series. Measured on the bundled data (``tests/test_benchmarks_basicmotions.py``
#: checks these figures):
#:
#: * units m/s^2: mean |acc| is 16.5 m/s^2 while running (1.7 g: a wrist during a run), not 16.5 g;
#: * gravity removed: standing series read mean |acc| 0.77 m/s^2 and |time-mean acc| 0.19 m/s^2, where an
#:   accelerometer that includes gravity reads 9.8;
#: * gyroscope rad/s: the largest reading, 34.87 (badminton), is 1998 deg/s, the clip of a +-2000 deg/s
#:   gyroscope; walking averages |w| = 1.5 rad/s (86 deg/s of arm swing).
#:
#: The watch is put on the right wrist (joint 21): the archive does not say which wrist, badminton is played
#: with the racket hand and this hand saturates the gyroscope, and the paper's benchmarks put their single
#: wrist devices (WISDM, Wharf, MMAct) on joint 21 too. Label descriptions are a few plain synonyms written
#: once, not tuned on any result.
BASIC_MOTIONS = Dataset(
    name="BasicMotions",
    dir="BasicMotions",
    classes=4,
    rate_hz=10.0,
    level=None,
    placements=(Placement(joint=21, acc=(0, 3), gyro=(3, 6)),),
    gravity="removed",
    labels=(("standing", "standing still", "resting"),
            ("walking", "walking around"),
            ("running", "jogging"),
            ("playing badminton", "swinging a badminton racket")),
    source="aeon",
    note="UEA BasicMotions bundled with aeon: smartwatch, m/s^2 without gravity, rad/s; right wrist assumed",
)

#: aeon's class strings of BasicMotions, in the order of :data:`BASIC_MOTIONS`'s labels.
BASIC_MOTIONS_CLASSES = ("standing", "walking", "running", "badminton")


#: UCI HAPT (:mod:`benchmarks.hapt`): the raw recordings behind UCI-HAR, a Samsung Galaxy S II on the waist
#: (belt) at 50 Hz, accelerometer in g with gravity, gyroscope in rad/s, cut into UCI-HAR's six-activity
#: 2.56 s windows and subject split. The waist sits on ``spine1`` (joint 9), as the paper places UCI-HAR.
#: Real data for measuring transfer only: never trained on by the pretrained model. Labels are UCI-HAR's
#: activity names with a plain synonym, written once.
HAPT = Dataset(
    name="HAPT",
    dir="hapt",
    classes=6,
    rate_hz=50.0,
    level=None,
    # The phone stood upright in its belt clip: its +x reads +1.00 g averaged over the training subjects'
    # standing samples (+0.95 g sitting, +0.07 g lying), so +x is its up axis. How far it leans in its clip
    # differs by wearer (3-39 deg), so the loader levels each recording on its own gait onto +x
    # (benchmarks.levelling; no label read).
    placements=(Placement(joint=9, acc=(0, 3), acc_scale=GRAVITY, gyro=(3, 6), up="+x"),),
    gravity="included",
    labels=(("walking",), ("walking upstairs", "climbing stairs"), ("walking downstairs", "going down stairs"),
            ("sitting",), ("standing",), ("lying", "lying down")),
    source="hapt",
    note="raw UCI HAPT waist phone (../shared/data/hapt/hapt.npz), UCI-HAR windows and subject split",
)


def _factor(value: float | str) -> tuple[float, float]:
    if isinstance(value, str):
        return _NAMED_UNITS[value]
    return float(value), 0.0


def _placements(entry: dict, extras: dict) -> tuple[Placement, ...]:
    by_class = extras.get("placement_classes", {})
    placements = []
    for item in entry["placements"]:
        acc_scale, acc_offset = _factor(item["acc"][2])
        gyro = item["gyro"]
        joint = item["joint"]
        placements.append(Placement(
            joint=joint, acc=(item["acc"][0], item["acc"][1]), acc_scale=acc_scale, acc_offset=acc_offset,
            gyro=None if gyro is None else (gyro[0], gyro[1]), gyro_scale=1.0 if gyro is None else gyro[2],
            classes=tuple(by_class[joint]) if joint in by_class else None))
    return tuple(placements)


def _paper_datasets() -> tuple[Dataset, ...]:
    text = resources.files("benchmarks").joinpath("data/unimts_benchmarks.json").read_text(encoding="utf-8")
    datasets = []
    for entry in json.loads(text)["datasets"]:
        extras = _EXTRAS[entry["dir"]]
        datasets.append(Dataset(
            name=entry["name"], dir=entry["dir"], classes=entry["classes"], rate_hz=float(entry["rate_hz"]),
            level=entry["level"], placements=_placements(entry, extras),
            gravity_assumed=extras.get("gravity_assumed", False),
            note="; ".join(n for n in (extras.get("note", ""), entry.get("acc_affine_note", "")) if n)))
    return tuple(datasets)


#: Every registered dataset: the paper's 18 in its order, then BasicMotions, then HAPT.
DATASETS: tuple[Dataset, ...] = (*_paper_datasets(), BASIC_MOTIONS, HAPT)
_BY_KEY = {key.lower(): d for d in DATASETS for key in (d.name, d.dir)}


def dataset_names() -> list[str]:
    """The registered datasets' names, in registry order."""
    return [d.name for d in DATASETS]


def get_dataset(name: str) -> Dataset:
    """The dataset called ``name`` (its name or its folder, any case); InputError for an unknown name."""
    try:
        return _BY_KEY[name.strip().lower()]
    except KeyError:
        known = ", ".join(f"{d.name} ({d.dir})" if d.dir != d.name else d.name for d in DATASETS)
        raise InputError(None, f"unknown benchmark {name!r}; known: {known}") from None
