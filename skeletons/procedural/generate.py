"""``generate(activity, seed)``: one procedural clip with positions, global rotations and descriptions."""
from __future__ import annotations

import zlib
from dataclasses import replace

import numpy as np

from skeletons.errors import InputError
from skeletons.motion import Motion

from .body_params import sample_body
from .catalog import ACTIVITIES
from .grammar import Clip, describe, describe_sequence
from .take import Facts

#: Spread of clip start positions (m) about the origin.
START_SPREAD_M = 2.0


def _rng(activity: str, seed: int) -> np.random.Generator:
    return np.random.default_rng([zlib.crc32(activity.encode()), seed])


def _check(activity: str, seed: int, duration_s: float, fps: float) -> int:
    if activity not in ACTIVITIES:
        raise InputError(None, f"unknown activity {activity!r}; known: {', '.join(sorted(ACTIVITIES))}")
    if not isinstance(seed, (int, np.integer)) or seed < 0:
        raise InputError(None, f"seed must be a non-negative integer, got {seed!r}")
    if not (np.isfinite(fps) and fps > 0 and np.isfinite(duration_s) and duration_s > 0):
        raise InputError(None, f"duration and fps must be positive, got {duration_s!r} s at {fps!r} fps")
    frames = int(round(duration_s * fps))
    if frames < 4:
        raise InputError(None, f"{duration_s} s at {fps} fps gives {frames} frames; at least 4 are needed")
    return frames


def _clip(activity: str, facts: Facts, sex: str, left_handed: bool) -> Clip:
    hand = ("left" if left_handed else "right") if ACTIVITIES[activity].handed else None
    return Clip(facts.tempo, facts.turn, facts.variant, facts.details, sex, hand)


def generate(activity: str, seed: int, duration_s: float = 10.0, fps: float = 20.0) -> Motion:
    """A ``duration_s`` clip of ``activity`` at ``fps`` (deterministic for the pair (activity, seed)).

    The subject (size, proportions, sex, handedness), tempo, amplitudes, phase, heading and start
    position all vary with the seed. Handed activities are performed with the subject's dominant hand;
    other clips are mirrored left-right at random. Positions (T, 22, 3) and global rotations
    (T, 22, 3, 3) come from forward kinematics, so bone lengths are exact; texts hold at least three
    distinct descriptions. Unknown activities or bad arguments raise :class:`InputError`.
    """
    frames = _check(activity, seed, duration_s, fps)
    spec = ACTIVITIES[activity]
    rng = _rng(activity, int(seed))
    body = sample_body(rng)
    motion_rng, text_rng, place_rng = rng.spawn(3)
    t = np.arange(frames) / fps
    take = spec.make(body, t, motion_rng)
    pose, facts = take.pose, take.facts
    handed = spec.handed or any(ACTIVITIES[a].handed for a in facts.sequence)
    mirror = body.left_handed if handed else bool(place_rng.random() < 0.5)
    if mirror:
        pose.mirror()
        if facts.turn:
            facts = replace(facts, turn={"left": "right", "right": "left"}[facts.turn])
        if facts.movement is not None:
            facts = replace(facts, movement=facts.movement.mirrored())
    x, z = place_rng.uniform(-START_SPREAD_M, START_SPREAD_M, 2)
    pose.place(float(place_rng.uniform(0, 360)), float(x), float(z))
    positions, rotations = pose.solve()
    count = int(text_rng.integers(3, 6))
    if facts.movement is not None:
        texts = facts.movement.describe(text_rng, count)
    elif facts.sequence:
        steps = [(ACTIVITIES[a].phrasing, _clip(a, Facts(), body.sex, body.left_handed)) for a in facts.sequence]
        texts = describe_sequence(text_rng, steps, count)
    else:
        texts = describe(text_rng, spec.phrasing, _clip(activity, facts, body.sex, body.left_handed), count)
    return Motion(positions.astype(np.float32), fps, rotations.astype(np.float32), texts, f"{activity}-{seed}")
