"""Labelled IMU windows of a split, prepared once by the project's one preparation path and then indexed."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from benchmarks.loader import BenchmarkSplit
from benchmarks.prepare import prepare_split


@dataclass(frozen=True)
class Windows:
    """Windows ``imu`` and ``mask`` (N, 200, 22, 6) float32 and the class column of each, ``targets`` (N,)."""

    imu: np.ndarray
    mask: np.ndarray
    targets: np.ndarray

    def __len__(self) -> int:
        return len(self.targets)

    def take(self, indices: np.ndarray) -> Windows:
        return Windows(self.imu[indices], self.mask[indices], self.targets[indices])


def labelled_windows(split: BenchmarkSplit, *, use_gyro: bool, gravity: Literal["keep", "remove"] = "keep",
                     resampling: Literal["polyphase", "fft"] = "polyphase") -> Windows:
    """Every series of ``split`` as a window (:func:`benchmarks.prepare.prepare_split`), with its class column."""
    imu, mask = prepare_split(split, use_gyro=use_gyro, gravity=gravity, resampling=resampling)
    return Windows(imu, mask, split.targets)
