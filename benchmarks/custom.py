"""Custom data in the layout of the UniMTS reference's ``evaluate_custom``: X (N, T, 6 x joints), y (N,).

Channel block i of X holds the device on ``joints[i]``: accelerometer xyz then gyroscope xyz (3 channels
per joint, accelerometer only, when the data has no gyroscope). Units are declared (g or m/s^2, rad/s or
deg/s) and so is whether the accelerometer includes gravity. Labels come from a JSON file in the released
form ``{"label_dictionary": {"0": ["walking", ...]}}`` or as a plain ``{"0": [...]}`` mapping.
"""
from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from simulate.gravity import GRAVITY
from skeletons import JOINT_NAMES, NUM_JOINTS
from skeletons.arguments import add_hidden_alias, comma_list, flatten
from skeletons.errors import InputError

from .loader import BenchmarkSplit, load_npy, read_label_dictionary, validate_split
from .registry import DEG_TO_RAD, DEVICE_AXES, Dataset, Gravity, Placement

ACC_UNITS = {"m/s2": 1.0, "g": GRAVITY}
GYRO_UNITS = {"rad/s": 1.0, "deg/s": DEG_TO_RAD}
#: Sample rates a wearable recording can have; outside them resampling would give no frame or billions.
MIN_RATE_HZ, MAX_RATE_HZ = 1.0, 10_000.0


def parse_joint(value: str | int) -> int:
    """A canonical joint index from an index (``21``) or a name (``right_wrist``)."""
    text = str(value).strip().lower()
    if text.lstrip("-").isdigit() and 0 <= int(text) < NUM_JOINTS:
        return int(text)
    if text in JOINT_NAMES:
        return JOINT_NAMES.index(text)
    raise InputError(None, f"unknown joint {value!r}: give an index 0-{NUM_JOINTS - 1} or one of "
                           f"{', '.join(JOINT_NAMES)}")


def custom_dataset(joints: Sequence[str | int], rate_hz: float, *, acc_unit: str = "m/s2", gyro_unit: str = "rad/s",
                   gyro: bool = True, gravity: Gravity = "included", name: str = "custom", classes: int = 0,
                   up: str | Sequence[str | None] | None = None) -> Dataset:
    """The registry-style description of custom data (raises InputError for impossible settings).

    ``classes`` is the number of classes where known (:func:`load_custom` takes it from the label file).
    ``up`` names each device's up axis in the rest pose ("+x", ...; :attr:`Placement.up`: for the trunk and
    legs, the axis pointing up while the wearer stands), one per joint or one for all; None or "none" where it
    is not known.
    """
    indices = [parse_joint(j) for j in joints]
    if not indices or len(set(indices)) != len(indices):
        raise InputError(None, f"--joints needs one or more distinct joints, got {list(joints)}")
    axes = [None if a in (None, "none") else a for a in ([up] if isinstance(up, str) else up or [None])]
    if len(axes) == 1:
        axes = axes * len(indices)
    if len(axes) != len(indices) or any(a is not None and a not in DEVICE_AXES for a in axes):
        raise InputError(None, f"--up needs one axis ({', '.join(DEVICE_AXES)} or none) for all joints or one per "
                               f"joint, got {list(up or [])}")
    if not MIN_RATE_HZ <= rate_hz <= MAX_RATE_HZ:  # also refuses nan and inf
        raise InputError(None, f"--input-rate must be a sample rate between {MIN_RATE_HZ:g} and {MAX_RATE_HZ:g} Hz, "
                               f"got {rate_hz}")
    if acc_unit not in ACC_UNITS or gyro_unit not in GYRO_UNITS:
        raise InputError(None, f"units: accelerometer one of {list(ACC_UNITS)}, gyroscope one of {list(GYRO_UNITS)}")
    width = 6 if gyro else 3
    placements = tuple(
        Placement(joint=joint, acc=(width * i, width * i + 3), acc_scale=ACC_UNITS[acc_unit],
                  gyro=(width * i + 3, width * i + 6) if gyro else None, gyro_scale=GYRO_UNITS[gyro_unit],
                  up=axes[i])
        for i, joint in enumerate(indices))
    return Dataset(name=name, dir=name, classes=classes, rate_hz=float(rate_hz), level=None, placements=placements,
                   gravity=gravity, source="custom", note=f"accelerometer {acc_unit}, gyroscope "
                                                          f"{gyro_unit if gyro else 'absent'}")


def load_custom(x_path: str | os.PathLike, y_path: str | os.PathLike, labels_path: str | os.PathLike,
                joints: Sequence[str | int], rate_hz: float, *, acc_unit: str = "m/s2", gyro_unit: str = "rad/s",
                gyro: bool = True, gravity: Gravity = "included", name: str = "custom",
                up: Sequence[str | None] | None = None) -> BenchmarkSplit:
    """Custom series and labels, validated; X must have exactly 6 (3 without gyroscope) channels per joint."""
    dataset = custom_dataset(joints, rate_hz, acc_unit=acc_unit, gyro_unit=gyro_unit, gyro=gyro, gravity=gravity,
                             name=name, up=up)  # settings first: a wrong joint name needs no file to be refused
    labels = read_label_dictionary(labels_path)
    dataset = replace(dataset, classes=len(labels))
    x = load_npy(x_path, "series (series, time, channels)")
    y = np.asarray(load_npy(y_path, "class ids (series,)"))
    return validate_split(dataset, "custom", x, y, labels, x_source=os.fspath(x_path), y_source=os.fspath(y_path),
                          labels_source=os.fspath(labels_path), channels=dataset.channels_needed)


def add_custom_data_arguments(parser, *, with_test: bool = False):
    """The custom-data flags shared by ``python -m zero_shot`` and ``python -m finetune``, as an argument
    group of ``parser`` (an ``argparse.ArgumentParser``); ``with_test`` adds ``--custom-test-x/-y``.
    ``--rate`` and ``--gravity`` are the old spellings of ``--input-rate`` and ``--input-gravity``."""
    custom = parser.add_argument_group("custom data (X: series x time x 6 per joint: acc xyz, gyro xyz)")
    role = "training " if with_test else ""
    custom.add_argument("--custom-x", help=f"{role}X.npy (N, T, 6 x joints), or 3 x joints with --no-gyro")
    custom.add_argument("--custom-y", help=f"{role}y.npy (N,) class ids")
    if with_test:
        custom.add_argument("--custom-test-x", help="test X.npy, laid out as --custom-x")
        custom.add_argument("--custom-test-y", help="test y.npy (N,) class ids")
    custom.add_argument("--labels", help='labels.json: {"label_dictionary": {"0": ["walking", ...]}} or {"0": [...]}')
    custom.add_argument("--joints", type=comma_list(), nargs="+",
                        help="joint of each channel block, comma-separated: index 0-21 or name (right_wrist)")
    custom.add_argument("--input-rate", type=float, help="sample rate of X in Hz")
    add_hidden_alias(custom, "--rate", "input_rate", type=float)
    custom.add_argument("--acc-unit", choices=list(ACC_UNITS), default="m/s2", help="accelerometer unit (default m/s2)")
    custom.add_argument("--gyro-unit", choices=list(GYRO_UNITS), default="rad/s", help="gyroscope unit (default rad/s)")
    custom.add_argument("--no-gyro", action="store_true", help="X holds accelerometers only")
    custom.add_argument("--input-gravity", choices=("included", "removed"), default="included",
                        help="whether X's accelerometer includes gravity (default included)")
    add_hidden_alias(custom, "--gravity", "input_gravity", choices=("included", "removed"))
    custom.add_argument("--up", type=comma_list(), default=None,
                        help="each device's up axis (+x, -z, ...; on the trunk and legs the one pointing up while "
                             "the wearer stands; none where unknown), "
                             "comma-separated per joint or one for all; models pretrained with upright rotations "
                             "then read gravity's direction (default: unknown)")
    return custom


def custom_options(args) -> dict:
    """The keyword arguments of :func:`load_custom` that the flags of :func:`add_custom_data_arguments` give."""
    return {"acc_unit": args.acc_unit, "gyro_unit": args.gyro_unit, "gyro": not args.no_gyro,
            "gravity": args.input_gravity, "up": args.up}


def custom_split(args, x_path, y_path) -> BenchmarkSplit:
    """The custom split at ``x_path`` / ``y_path`` described by the flags of :func:`add_custom_data_arguments`
    (``--joints`` as one comma list or, the old way, as several values)."""
    return load_custom(x_path, y_path, args.labels, flatten(args.joints), args.input_rate, **custom_options(args))
