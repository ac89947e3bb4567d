"""What a generator returns: the pose it built and the facts about it that descriptions may mention."""
from __future__ import annotations

from dataclasses import dataclass

from .rig import Pose


@dataclass(frozen=True)
class Facts:
    """Facts of one clip for the grammar.

    tempo: "slow", "normal" or "fast" relative to the activity's usual range (None: not applicable).
    turn: "left" or "right" when a locomotion path clearly curves that way.
    variant: an activity-specific variant key with its own phrases (e.g. "treadmill", "exercise_bike").
    details: keys of optional manner phrases that are true of the clip (e.g. "handrail").
    sequence: for clips that change activity, the activity ids in order.
    movement: for composed limb movements, the :class:`.compose.Movement` the clip shows; its own
        descriptions replace the activity's phrasing.
    """

    tempo: str | None = None
    turn: str | None = None
    variant: str | None = None
    details: tuple[str, ...] = ()
    sequence: tuple[str, ...] = ()
    movement: object | None = None


@dataclass
class Take:
    pose: Pose
    facts: Facts


def tempo_of(value: float, low: float, high: float) -> str:
    """"slow", "normal" or "fast": the third of [low, high] that ``value`` falls in."""
    u = (value - low) / max(high - low, 1e-9)
    return "slow" if u < 1 / 3 else "fast" if u > 2 / 3 else "normal"
