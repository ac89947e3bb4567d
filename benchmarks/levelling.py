"""Levelling a trunk-worn device on its own gait: each recording turned so that its walking reads gravity
along the device's declared up axis.

Contract
--------
:func:`gait_up` estimates, from one recording's accelerometer with gravity (T, 3) and nothing else, the
direction the device reads as up while its wearer moves most: the mean acceleration over the most active
``fraction`` of its windows (activity = the summed per-axis spread of the window). In gait the trunk is
upright on average and the movement's own accelerations average out, so that mean is gravity as the device
sits on an upright trunk. :func:`level_recordings` turns every recording of a stream (accelerometer and
gyroscope alike) by the smallest rotation that takes its gait-up onto the declared ``up`` axis
(:class:`benchmarks.registry.Placement.up`), so that what is left of the device's tilt is the wearer's
posture, not the mount.

Why: a phone clipped to a belt sits differently on every wearer (HAPT's training subjects: 3-39 deg from
upright), and the turn between sitting and standing is no larger; a fixed up axis leaves the posture
buried in the mount. HAPT's training recordings, medians over recordings: as recorded, the phone leans
13 deg walking, 11 standing and 13 sitting, sitting 1 deg beyond standing within a recording (10-90 %:
-11 to 13); levelled, 3 walking, 5 standing and 18 sitting, sitting 12 deg beyond standing (1 to 25).
It reads no label and no other recording: what a deployed device can do on its own data (Mizell, ISWC
2003, "Using gravity to estimate accelerometer orientation", takes the vertical as the mean acceleration
over an interval the same way). It does not apply to devices that deliver gravity-free acceleration, whose
up axis cannot be read off the signal. A recording whose accelerometer averages to zero raises ValueError
naming it.
"""
from __future__ import annotations

import numpy as np
from scipy.spatial.transform import Rotation

#: The share of a recording's windows, the most active, whose mean acceleration is its gait-up.
ACTIVE_FRACTION = 0.3


def _windows(values: np.ndarray, length: int, step: int) -> np.ndarray:
    """(W, length, C) windows every ``step`` samples; the whole series as one window when shorter."""
    if len(values) <= length:
        return values[None]
    starts = np.arange(0, len(values) - length + 1, step)
    return values[starts[:, None] + np.arange(length)]


def gait_up(acc: np.ndarray, length: int, step: int, fraction: float = ACTIVE_FRACTION) -> np.ndarray:
    """Unit vector (3,): the mean of ``acc`` (T, 3, with gravity) over its most active ``fraction`` of
    windows of ``length`` samples every ``step`` (module doc)."""
    if not 0 < fraction <= 1:
        raise ValueError(f"fraction must lie in (0, 1], got {fraction}")
    windows = _windows(np.asarray(acc, dtype=np.float64), length, step)
    activity = windows.std(axis=1).sum(axis=-1)
    active = activity >= np.quantile(activity, 1.0 - fraction)
    up = windows[active].mean(axis=(0, 1))
    norm = np.linalg.norm(up)
    if not norm > 0:
        raise ValueError("the accelerometer reads no gravity: it cannot be levelled")
    return up / norm


def axis_vector(axis: str) -> np.ndarray:
    """``"+x"``, ``"-z"``, ... as a unit vector of the device frame."""
    vector = np.zeros(3)
    vector["xyz".index(axis[1])] = 1.0 if axis[0] == "+" else -1.0
    return vector


def level_recordings(signals: np.ndarray, offsets: np.ndarray, up: str, length: int, step: int,
                     acc: tuple[int, int] = (0, 3), gyro: tuple[int, int] | None = (3, 6),
                     recordings: np.ndarray | None = None) -> np.ndarray:
    """A copy of ``signals`` (samples, channels) with each recording r (``signals[offsets[r]:offsets[r+1]]``)
    turned so its :func:`gait_up` lies along device axis ``up``; ``acc`` and ``gyro`` are the channel ranges
    turned together. ``recordings`` limits the work to those recordings (the others are copied unturned)."""
    out = np.array(signals, dtype=np.float32, copy=True)
    target = axis_vector(up)
    chosen = range(len(offsets) - 1) if recordings is None else recordings
    for r in chosen:
        rows = slice(int(offsets[r]), int(offsets[r + 1]))
        if rows.stop - rows.start == 0:
            continue
        first, last = acc
        try:
            up_read = gait_up(out[rows, first:last], length, step)
        except ValueError as error:
            raise ValueError(f"recording {r}: {error}") from None
        turn = Rotation.align_vectors([target], [up_read])[0].as_matrix().T.astype(np.float32)  # rows @ R^T
        out[rows, first:last] = out[rows, first:last] @ turn
        if gyro is not None:
            out[rows, gyro[0]:gyro[1]] = out[rows, gyro[0]:gyro[1]] @ turn
    return out
