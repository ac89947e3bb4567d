"""`Motion`: one clip of the canonical 22-joint body, the currency between every pipeline stage."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .body import NUM_JOINTS
from .errors import InputError


@dataclass
class Motion:
    """A motion clip of the canonical 22-joint body (see :mod:`skeletons.body`).

    positions: float32 (T, 22, 3), metres, y up, canonical joint order.
    fps: frames per second (> 0).
    rotations: float32 (T, 22, 3, 3) global joint orientations (body frame -> world), or None when the
        source gives positions only.
    texts: descriptions of the clip (may be empty).
    name: an identifier, e.g. the file stem.
    """

    positions: np.ndarray
    fps: float
    rotations: np.ndarray | None = None
    texts: list[str] = field(default_factory=list)
    name: str | None = None

    def __post_init__(self) -> None:
        where = self.name
        positions = np.asarray(self.positions)
        if positions.ndim != 3 or positions.shape[1:] != (NUM_JOINTS, 3):
            raise InputError(where, f"positions must have shape (T, {NUM_JOINTS}, 3), got {positions.shape}")
        if positions.shape[0] < 2:
            raise InputError(where, f"a motion needs at least 2 frames, got {positions.shape[0]}")
        if not np.issubdtype(positions.dtype, np.number):
            raise InputError(where, f"positions must be numeric, got dtype {positions.dtype}")
        positions = positions.astype(np.float32, copy=False)
        if not np.isfinite(positions).all():
            bad = int(np.argwhere(~np.isfinite(positions))[0, 0])
            raise InputError(where, f"positions hold NaN or inf (first at frame {bad})")
        self.positions = positions

        try:
            fps = float(self.fps)
        except (TypeError, ValueError):
            raise InputError(where, f"fps must be a number, got {self.fps!r}") from None
        if not np.isfinite(fps) or fps <= 0:
            raise InputError(where, f"fps must be a positive number, got {self.fps!r}")
        self.fps = fps

        if self.rotations is not None:
            rotations = np.asarray(self.rotations, dtype=np.float32)
            expected = (positions.shape[0], NUM_JOINTS, 3, 3)
            if rotations.shape != expected:
                raise InputError(where, f"rotations must have shape {expected}, got {rotations.shape}")
            if not np.isfinite(rotations).all():
                raise InputError(where, "rotations hold NaN or inf")
            self.rotations = rotations

        if isinstance(self.texts, str):
            raise InputError(where, "texts must be a list of strings, got a single string")
        self.texts = [str(t) for t in self.texts]

    @property
    def num_frames(self) -> int:
        return int(self.positions.shape[0])

    @property
    def duration_s(self) -> float:
        """Time from the first to the last frame, plus one frame period."""
        return self.num_frames / self.fps

    def slice(self, start: int, stop: int) -> Motion:
        """Frames ``start:stop`` as a new Motion (same fps, texts and name)."""
        return Motion(
            positions=self.positions[start:stop],
            fps=self.fps,
            rotations=None if self.rotations is None else self.rotations[start:stop],
            texts=list(self.texts),
            name=self.name,
        )
