"""The recording device, described once, and the checks every array from it passes before it is encoded.

``Device(rate_hz=50, joints=["right_wrist"], acc_unit="g", gravity="included")`` says what a user's series
are: their sample rate, the joint each 6-channel block (accelerometer xyz, then gyroscope xyz; 3 channels
per joint with ``gyro=False``) is worn on, the units, and whether the accelerometer includes gravity.
:func:`checked_series` turns a numpy array or torch tensor shaped (N, T, C) or one (T, C) into float64
(N, T, C), or raises :class:`skeletons.errors.InputError` naming what is wrong: the shape, the channel count,
NaN or infinite samples, or accelerometer magnitudes that contradict the declared unit.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from benchmarks.custom import ACC_UNITS, GYRO_UNITS, custom_dataset
from benchmarks.registry import Dataset
from simulate.gravity import GRAVITY
from skeletons.errors import InputError

#: Median accelerometer magnitude (in the declared unit) outside which a recording with gravity is refused:
#: at rest or walking it is about 1 g; a factor of ~9.8 off means the unit was declared wrongly.
_GRAVITY_RANGE_G = (0.3, 3.0)


@dataclass(frozen=True)
class Device:
    """How a user's series were recorded (see the module doc)."""

    rate_hz: float
    joints: Sequence[str | int] = field(default_factory=lambda: ["right_wrist"])
    acc_unit: str = "m/s2"
    gyro_unit: str = "rad/s"
    gravity: str = "included"
    gyro: bool = True
    up: str | Sequence[str | None] | None = None

    def __post_init__(self) -> None:
        if isinstance(self.joints, (str, int)):
            object.__setattr__(self, "joints", [self.joints])
        object.__setattr__(self, "joints", list(self.joints))
        if self.gravity not in ("included", "removed"):
            raise InputError(None, f"gravity must be 'included' or 'removed', got {self.gravity!r}")
        if self.acc_unit not in ACC_UNITS or self.gyro_unit not in GYRO_UNITS:
            raise InputError(None, f"units: acc_unit one of {list(ACC_UNITS)}, gyro_unit one of {list(GYRO_UNITS)}; "
                                   f"got {self.acc_unit!r}, {self.gyro_unit!r}")
        self.dataset()  # joints and rate checked once, here

    @property
    def channels(self) -> int:
        """Channels per time step: 6 (or 3 without gyroscope) per joint."""
        return (6 if self.gyro else 3) * len(self.joints)

    def dataset(self) -> Dataset:
        """The registry-style description the preparation path reads (:func:`benchmarks.custom.custom_dataset`)."""
        return custom_dataset(self.joints, self.rate_hz, acc_unit=self.acc_unit, gyro_unit=self.gyro_unit,
                              gyro=self.gyro, gravity=self.gravity, up=self.up)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, values: dict[str, Any]) -> Device:
        return cls(**values)


def as_device(device: Device | None, options: dict[str, Any]) -> Device:
    """``device`` itself, or one built from keyword options (``rate_hz=50, joints=[...]``); not both."""
    if device is not None and options:
        raise TypeError("give either device=Device(...) or its fields as keywords, not both")
    if device is None:
        if "rate_hz" not in options:
            raise InputError(None, "describe the device: rate_hz (and joints, acc_unit, gravity) are needed")
        device = Device(**options)
    return device


def checked_series(x: Any, device: Device, source: str | None = None) -> np.ndarray:
    """(N, T, C) float64 from ``x`` (numpy or torch; (N, T, C) or one (T, C)), checked against ``device``."""
    if hasattr(x, "detach"):
        x = x.detach().cpu().numpy()
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 2:
        x = x[None]
    if x.ndim != 3:
        raise InputError(source, f"series must be shaped (N, T, {device.channels}) or (T, {device.channels}), "
                                 f"got {x.shape}")
    if x.shape[2] != device.channels:
        per = 6 if device.gyro else 3
        raise InputError(source, f"{x.shape[2]} channels, but {len(device.joints)} joint(s) x {per} "
                                 f"({'acc xyz, gyro xyz' if device.gyro else 'acc xyz'}) = {device.channels} expected "
                                 f"(shape (N, T, C) or (T, C): is the array transposed?)")
    if x.shape[0] == 0 or x.shape[1] < 2:
        raise InputError(source, f"no series or fewer than two samples per series: shape {x.shape}")
    bad = ~np.isfinite(x)
    if bad.any():
        series, step, channel = np.argwhere(bad)[0]
        raise InputError(source, f"{int(bad.sum())} NaN or infinite samples (first: series {series}, "
                                 f"sample {step}, channel {channel})")
    if device.gravity == "included":
        _check_acc_unit(x, device, source)
    return x


def _check_acc_unit(x: np.ndarray, device: Device, source: str | None) -> None:
    """Refuse accelerometers whose median magnitude is not about 1 g in the declared unit."""
    per = 6 if device.gyro else 3
    acc = np.concatenate([x[..., per * j: per * j + 3] for j in range(len(device.joints))], axis=1)
    median_g = float(np.median(np.linalg.norm(acc, axis=-1))) * ACC_UNITS[device.acc_unit] / GRAVITY
    low, high = _GRAVITY_RANGE_G
    if not low <= median_g <= high:
        other = "g" if device.acc_unit == "m/s2" else "m/s2"
        raise InputError(source, f"accelerometer median magnitude is {median_g:.2f} g with acc_unit="
                                 f"{device.acc_unit!r} and gravity included; is the unit {other!r}, or is gravity "
                                 f"already removed (gravity='removed')?")
