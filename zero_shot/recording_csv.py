"""Read a recording as phones and watches export it: a CSV with a time column and named acc / gyro columns.

:func:`read_recording` returns a :class:`Recording`: the series (T, 6) or (T, 3) on a uniform time grid,
its rate, the units and whether a gyroscope is present, and ``notes``: every guess made, in words, for the
caller to show. What is guessed when no flag says it:

* the time column: the first named ``time``, ``timestamp``, ``seconds_elapsed``, ``time (s)``, ``t`` ...;
* its unit: ISO date-times when the column is text; else the unit named in the header (``(s)``, ``(ms)``,
  ``_ns``), else the first of s, ms, us, ns that puts the median sample rate within 1-2000 Hz;
* the accelerometer columns: x, y, z of names like ``acc_x``, ``ax``, ``accelerometer x``,
  ``Acceleration x (m/s^2)`` (phyphox), ``accX``, or bare ``x``, ``y``, ``z`` (Sensor Logger's per-sensor
  files); the gyroscope's likewise (``gyro_x``, ``gx``,
  ``Gyroscope x (rad/s)``, ``rotationRateX``); without gyroscope columns the recording is accelerometer-only;
* units: from the header (``(g)``, ``m/s``, ``deg``), else g when the median accelerometer magnitude is
  under 3 (in g a resting or walking wearer reads about 1), m/s^2 otherwise (always m/s^2 for gravity-removed
  data, whose magnitudes cannot tell); deg/s when any gyroscope sample
  exceeds 35 (rad/s that large do not occur on a body), rad/s otherwise.

Timestamps must increase; irregular ones (steps more than 5 % from the median) are linearly interpolated
onto a uniform grid at the mean rate, samples over duration (or ``rate_hz`` when given). A missing or
unreadable column, a time column that does not increase, or a missing / NaN value raises
:class:`skeletons.errors.InputError`.
"""
from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from skeletons.errors import InputError

TIME_NAMES = ("time", "timestamp", "seconds_elapsed", "elapsed", "t", "time_s", "time_ms", "times")
_TIME_UNITS = {"s": 1.0, "ms": 1e-3, "us": 1e-6, "ns": 1e-9}
_RATE_RANGE_HZ = (1.0, 2000.0)
_IRREGULAR = 0.05
_ACC_WORDS = ("acc", "accel", "acceleration", "accelerometer", "linearacceleration", "a", "useracceleration", "")
_GYRO_WORDS = ("gyro", "gyr", "gyroscope", "rotationrate", "angularvelocity", "g", "w", "omega")


@dataclass
class Recording:
    """A uniformly sampled recording: ``series`` (T, 6: acc xyz, gyro xyz; or T, 3), ``rate_hz``, units."""

    series: np.ndarray
    rate_hz: float
    acc_unit: str
    gyro_unit: str
    gyro: bool
    columns: list[str]
    notes: list[str] = field(default_factory=list)


def _key(name: str) -> str:
    """A column name without its unit in brackets, lower-case, letters and digits only."""
    return re.sub(r"[^a-z0-9]", "", re.sub(r"[\(\[].*?[\)\]]", "", name.lower()))


def _find_axes(columns: Sequence[str], words: Sequence[str]) -> list[str] | None:
    keys = {_key(c): c for c in columns}
    for word in words:
        word = word.lower()
        for pattern in ("{w}{a}", "{w}{a}axis"):
            found = [keys.get(pattern.format(w=word, a=axis)) for axis in "xyz"]
            if all(found):
                return found
    return None


def _time_column(columns: Sequence[str], given: str | None, path: str) -> str:
    if given is not None:
        if given not in columns:
            raise InputError(path, f"no time column {given!r}; columns: {', '.join(columns)}")
        return given
    for name in TIME_NAMES:
        for column in columns:
            if _key(column) == _key(name):
                return column
    raise InputError(path, f"no time column found (looked for {', '.join(TIME_NAMES)}); name it with --time-column")


def _seconds(values, column: str, unit: str | None, path: str, notes: list[str]) -> np.ndarray:
    """Seconds since the first sample, from numbers in ``unit`` (guessed when None) or ISO date-times."""
    import pandas as pd

    if unit == "iso" or (unit is None and not pd.api.types.is_numeric_dtype(values)):
        try:
            times = pd.to_datetime(values, format="ISO8601", utc=True)
        except (ValueError, TypeError) as error:
            raise InputError(path, f"time column {column!r} is neither numbers nor ISO date-times ({error})") from None
        if unit is None:
            notes.append(f"time column {column!r} read as ISO date-times")
        seconds = (times - times.iloc[0]).dt.total_seconds().to_numpy(dtype=np.float64)
    else:
        numbers = np.asarray(values, dtype=np.float64)
        if unit is None:
            unit = _guess_time_unit(numbers, column)
            notes.append(f"time column {column!r} read in {unit} (guessed; set --time-unit)")
        seconds = (numbers - numbers[0]) * _TIME_UNITS[unit]
    return seconds


def _guess_time_unit(numbers: np.ndarray, column: str) -> str:
    named = re.search(r"(?:[\(\[_ ])(ms|us|ns|s)\b", column.lower())
    if named:
        return named.group(1)
    step = float(np.median(np.diff(numbers))) if len(numbers) > 1 else 0.0
    for unit, factor in _TIME_UNITS.items():
        if step > 0 and _RATE_RANGE_HZ[0] <= 1.0 / (step * factor) <= _RATE_RANGE_HZ[1]:
            return unit
    return "s"


def _columns(columns: Sequence[str], given: Sequence[str] | None, words: Sequence[str], what: str, flag: str,
             path: str) -> list[str] | None:
    if given:
        missing = [c for c in given if c not in columns]
        if missing or len(given) != 3:
            raise InputError(path, f"{flag} needs three columns of the file; missing: {', '.join(missing) or '-'}"
                                   f"; columns: {', '.join(columns)}")
        return list(given)
    return _find_axes(columns, words)


def _unit(names: list[str], values: np.ndarray, kind: str, given: str | None, notes: list[str],
          gravity: str = "included") -> str:
    if given is not None:
        return given
    header = " ".join(names).lower()
    if kind == "acc":
        if "m/s" in header:
            return "m/s2"
        if "(g)" in header or "[g]" in header or "_g" in header:
            return "g"
        if gravity == "removed":
            notes.append("accelerometer unit taken as m/s2 (gravity removed: magnitudes cannot tell; set --acc-unit)")
            return "m/s2"
        median = float(np.median(np.linalg.norm(values, axis=1)))
        unit = "g" if median < 3.0 else "m/s2"
        notes.append(f"accelerometer unit guessed {unit} (median magnitude {median:.2f}; set --acc-unit)")
        return unit
    if "deg" in header:
        return "deg/s"
    if "rad" in header:
        return "rad/s"
    unit = "deg/s" if float(np.abs(values).max()) > 35.0 else "rad/s"
    notes.append(f"gyroscope unit guessed {unit} (set --gyro-unit)")
    return unit


def read_recording(path: str | os.PathLike, *, time_column: str | None = None, time_unit: str | None = None,
                   acc_columns: Sequence[str] | None = None, gyro_columns: Sequence[str] | None = None,
                   acc_unit: str | None = None, gyro_unit: str | None = None, rate_hz: float | None = None,
                   gravity: str = "included") -> Recording:
    """The recording in the CSV at ``path`` (see the module doc); InputError naming the file when unusable."""
    import pandas as pd

    source = os.fspath(path)
    if not Path(path).is_file():
        raise InputError(source, "missing: expected a CSV recording")
    try:
        table = pd.read_csv(path, sep=None, engine="python")
    except (ValueError, pd.errors.ParserError, UnicodeDecodeError) as error:
        raise InputError(source, f"not a readable CSV ({str(error).splitlines()[0]})") from None
    columns = [str(c) for c in table.columns]
    notes: list[str] = []
    time = _time_column(columns, time_column, source)
    acc = _columns(columns, acc_columns, _ACC_WORDS, "accelerometer", "--acc-columns", source)
    if acc is None:
        raise InputError(source, f"no accelerometer x/y/z columns found; name them with --acc-columns; "
                                 f"columns: {', '.join(columns)}")
    gyro = _columns(columns, gyro_columns, _GYRO_WORDS, "gyroscope", "--gyro-columns", source)
    if not acc_columns:
        notes.append(f"accelerometer columns {', '.join(acc)} (guessed)")
    if gyro is None:
        notes.append("no gyroscope columns: accelerometer only")
    elif not gyro_columns:
        notes.append(f"gyroscope columns {', '.join(gyro)} (guessed)")
    used = [time, *acc, *(gyro or [])]
    empty = [c for c in used if table[c].isna().any()]
    if empty:
        row = int(np.flatnonzero(table[empty[0]].isna().to_numpy())[0])
        raise InputError(source, f"column {empty[0]!r} has missing or NaN values (first at data row {row + 1})")
    try:
        values = table[used[1:]].to_numpy(dtype=np.float64)
    except (ValueError, TypeError):
        raise InputError(source, f"the sensor columns {', '.join(used[1:])} are not all numbers") from None
    if not np.isfinite(values).all():
        raise InputError(source, "the sensor columns hold infinite values")
    seconds = _seconds(table[time], time, time_unit, source, notes)
    steps = np.diff(seconds)
    if len(seconds) < 2 or (steps <= 0).any():
        at = int(np.flatnonzero(steps <= 0)[0]) + 2 if len(seconds) >= 2 else 1
        raise InputError(source, f"time column {time!r} does not increase (at data row {at})")
    median = float(np.median(steps))
    rate = float(rate_hz) if rate_hz else round((len(seconds) - 1) / float(seconds[-1]), 3)  # mean rate
    units = (_unit(acc, values[:, :3], "acc", acc_unit, notes, gravity),
             _unit(gyro, values[:, 3:], "gyro", gyro_unit, notes) if gyro else (gyro_unit or "rad/s"))
    irregular = float(np.abs(steps - median).max()) > _IRREGULAR * median
    if irregular or rate_hz:
        grid = np.arange(0.0, seconds[-1] + 1e-9, 1.0 / rate)
        values = np.stack([np.interp(grid, seconds, column) for column in values.T], axis=1)
        if irregular:
            notes.append(f"irregular timestamps (steps {steps.min() * 1e3:.1f}-{steps.max() * 1e3:.1f} ms) "
                         f"resampled to {rate:g} Hz by linear interpolation")
    notes.insert(0, f"{len(values)} samples at {rate:g} Hz ({len(values) / rate:.1f} s)")
    return Recording(values, rate, units[0], units[1], gyro is not None, used[1:], notes)
