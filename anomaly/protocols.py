"""Offline evaluation protocols with ground truth per sample, built from real recordings (BasicMotions).

BasicMotions (a smartwatch on the wrist, 10 Hz, 10 s series, gravity removed; shipped inside the aeon wheel
and read by :func:`benchmarks.loader.load_split`) gives two protocols, each seeded:

* ``novelty``: the ``normal_classes`` (default standing and walking) are normal. The normal recording is the
  training split's series of those classes spliced end to end in a random order; each test recording is
  ``normal_per_recording`` test series of the normal classes spliced likewise, with
  ``anomalies_per_recording`` test series of the other classes (running, badminton) inserted at random
  places: label 1 on their samples. No test series is used twice.
* ``faults``: every activity is normal. The normal recording is the whole training split spliced; the test
  split is spliced into ``recordings`` recordings, into each of which one fault of every kind is injected,
  on a stretch of ``fault_s`` seconds at a random place (stretches apart by at least one window): ``spike``
  (impulses of 8 channel standard deviations on 10 % of the samples), ``dropout`` (every channel reads 0),
  ``saturation`` (each channel clipped at half its largest absolute value in the stretch), ``drift`` (an
  offset growing linearly to 3 m/s^2 on the accelerometer and 0.5 rad/s on the gyroscope) and ``rotation``
  (the device turned by 90 degrees about a random axis: both sensors' vectors rotated). Label 1 on the stretch;
  ``kinds`` holds the fault kind of each labelled sample.

Splicing joins series end to end; the seams are left as they are (every recording, normal or test, has them).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.spatial.transform import Rotation

from benchmarks.loader import BenchmarkSplit, load_split
from benchmarks.registry import get_dataset
from skeletons.errors import InputError
from zero_shot.device import Device

PROTOCOLS = ("novelty", "faults")
FAULTS = ("spike", "dropout", "saturation", "drift", "rotation")
#: BasicMotions as a device: the right wrist, 10 Hz, m/s^2 and rad/s, gravity removed.
BASIC_MOTIONS_DEVICE = Device(rate_hz=10.0, joints=["right_wrist"], acc_unit="m/s2", gravity="removed")


@dataclass(frozen=True)
class ProtocolSettings:
    """The geometry of both protocols (see the module doc)."""

    normal_classes: tuple[str, ...] = ("standing", "walking")
    recordings: int = 2
    normal_per_recording: int = 10
    anomalies_per_recording: int = 3
    fault_s: float = 12.0
    window_s: float = 10.0


@dataclass
class Protocol:
    """Normal recordings to fit on, test recordings with per-sample labels, the device, and the text
    detector's descriptions of the abnormal and the normal state for this protocol."""

    name: str
    seed: int
    device: Device
    normal: list[np.ndarray]
    recordings: list[np.ndarray]
    labels: list[np.ndarray]
    abnormal_text: tuple[str, ...]
    normal_text: tuple[str, ...]
    kinds: list[np.ndarray] = field(default_factory=list)


def _splits() -> tuple[BenchmarkSplit, BenchmarkSplit]:
    dataset = get_dataset("basicmotions")
    return load_split(dataset, "unused", "train"), load_split(dataset, "unused", "test")


def _class_ids(split: BenchmarkSplit, names: tuple[str, ...]) -> list[int]:
    lookup = {synonyms[0]: cid for cid, synonyms in split.labels.items()}
    unknown = [n for n in names if n not in lookup]
    if unknown:
        raise InputError(None, f"unknown BasicMotions classes {unknown}; known: {', '.join(lookup)}")
    return [lookup[n] for n in names]


def _splice(series: list[np.ndarray]) -> np.ndarray:
    return np.concatenate(series).astype(np.float64)


def novelty(seed: int, settings: ProtocolSettings = ProtocolSettings()) -> Protocol:
    """The novelty protocol (module doc)."""
    train, test = _splits()
    rng = np.random.default_rng(seed)
    normal_ids = _class_ids(train, settings.normal_classes)
    normal_train = rng.permutation(np.flatnonzero(np.isin(train.y, normal_ids)))
    normal_test = rng.permutation(np.flatnonzero(np.isin(test.y, normal_ids)))
    anomalous_test = rng.permutation(np.flatnonzero(~np.isin(test.y, normal_ids)))
    need_normal = settings.recordings * settings.normal_per_recording
    need_anomalous = settings.recordings * settings.anomalies_per_recording
    if need_normal > len(normal_test) or need_anomalous > len(anomalous_test):
        raise InputError(None, f"the test split has {len(normal_test)} normal and {len(anomalous_test)} anomalous "
                               f"series; the settings need {need_normal} and {need_anomalous}")
    recordings, labels = [], []
    for r in range(settings.recordings):
        pieces = [(test.x[i], 0) for i in normal_test[r * settings.normal_per_recording:
                                                      (r + 1) * settings.normal_per_recording]]
        for i in anomalous_test[r * settings.anomalies_per_recording:(r + 1) * settings.anomalies_per_recording]:
            pieces.insert(int(rng.integers(1, len(pieces) + 1)), (test.x[i], 1))
        recordings.append(_splice([p for p, _ in pieces]))
        labels.append(np.concatenate([np.full(len(p), label, dtype=np.int64) for p, label in pieces]))
    others = [synonyms[0] for cid, synonyms in test.labels.items() if cid not in normal_ids]
    return Protocol("novelty", seed, BASIC_MOTIONS_DEVICE, [_splice([train.x[i] for i in normal_train])],
                    recordings, labels, abnormal_text=tuple(f"the person is {n}" for n in others),
                    normal_text=tuple(f"the person is {n}" for n in settings.normal_classes))


def inject(series: np.ndarray, kind: str, start: int, stop: int, rng: np.random.Generator,
           scale: np.ndarray) -> None:
    """Inject fault ``kind`` into ``series[start:stop]`` (T, 6: acc xyz, gyro xyz) in place (module doc);
    ``scale`` (6,) is each channel's standard deviation on normal data."""
    stretch = series[start:stop]
    if kind == "spike":
        hits = rng.random(stretch.shape[0]) < 0.1
        hits[rng.integers(len(hits))] = True
        channels = rng.integers(0, series.shape[1], hits.sum())
        signs = rng.choice([-1.0, 1.0], hits.sum())
        stretch[np.flatnonzero(hits), channels] += 8 * signs * scale[channels]
    elif kind == "dropout":
        stretch[:] = 0.0
    elif kind == "saturation":
        limit = 0.5 * np.abs(stretch).max(axis=0)
        np.clip(stretch, -limit, limit, out=stretch)
    elif kind == "drift":
        ramp = np.linspace(0.0, 1.0, len(stretch))[:, None]
        signs = rng.choice([-1.0, 1.0], series.shape[1])
        stretch += ramp * signs * np.array([3.0, 3.0, 3.0, 0.5, 0.5, 0.5])[: series.shape[1]]
    elif kind == "rotation":
        axis = rng.normal(size=3)
        turn = Rotation.from_rotvec(np.pi / 2 * axis / np.linalg.norm(axis)).as_matrix()
        for first in range(0, series.shape[1], 3):
            stretch[:, first:first + 3] = stretch[:, first:first + 3] @ turn.T
    else:
        raise InputError(None, f"unknown fault {kind!r}; known: {', '.join(FAULTS)}")


def faults(seed: int, settings: ProtocolSettings = ProtocolSettings()) -> Protocol:
    """The injected-fault protocol (module doc)."""
    train, test = _splits()
    rng = np.random.default_rng(seed)
    scale = train.x.reshape(-1, train.x.shape[-1]).std(axis=0)
    order = rng.permutation(len(test.x))
    rate = BASIC_MOTIONS_DEVICE.rate_hz
    length, gap = round(settings.fault_s * rate), round(settings.window_s * rate)
    recordings, labels, kinds = [], [], []
    for part in np.array_split(order, settings.recordings):
        series = _splice([test.x[i] for i in part])
        label, kind = np.zeros(len(series), dtype=np.int64), np.full(len(series), "", dtype=object)
        slots = (len(series) - gap) // (length + gap)
        if slots < len(FAULTS):
            raise InputError(None, f"a recording of {len(series)} samples has room for {slots} faults of "
                                   f"{settings.fault_s:g} s, not {len(FAULTS)}")
        chosen = np.sort(rng.choice(slots, len(FAULTS), replace=False))
        for fault, slot in zip(rng.permutation(FAULTS), chosen):
            start = gap + slot * (length + gap) + int(rng.integers(0, gap // 2 + 1))
            stop = min(start + length, len(series))
            inject(series, str(fault), start, stop, rng, scale)
            label[start:stop], kind[start:stop] = 1, str(fault)
        recordings.append(series)
        labels.append(label)
        kinds.append(kind)
    normal = _splice([train.x[i] for i in rng.permutation(len(train.x))])
    return Protocol("faults", seed, BASIC_MOTIONS_DEVICE, [normal], recordings, labels,
                    abnormal_text=("the sensor is broken", "the device is dropped"),
                    normal_text=tuple(f"the person is {s[0]}" for s in train.labels.values()), kinds=kinds)


def build_protocol(name: str, seed: int, settings: ProtocolSettings = ProtocolSettings()) -> Protocol:
    if name not in PROTOCOLS:
        raise InputError(None, f"unknown protocol {name!r}; known: {', '.join(PROTOCOLS)}")
    return novelty(seed, settings) if name == "novelty" else faults(seed, settings)


__all__ = ["BASIC_MOTIONS_DEVICE", "FAULTS", "PROTOCOLS", "Protocol", "ProtocolSettings", "build_protocol", "faults",
           "inject", "novelty"]
