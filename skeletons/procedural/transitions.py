"""Clips that change from one activity to another ("a person walks and then sits down").

The first activity plays until a switch time; the second is generated for the rest of the clip, turned
and moved so that it continues from where and how the first left off (same heading and place), and the
two are cross-faded over 0.6-1.5 s: joint rotations by quaternion interpolation, the root's horizontal
velocity blended and integrated so the body keeps travelling smoothly. No joint is let through the floor.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .body_params import Body
from .rig import Pose
from .rotations import blend_rotations, yaw_of
from .signals import min_jerk, smooth
from .take import Facts, Take

#: Activity pairs that follow each other naturally (first, second).
PAIRS = (
    ("walk", "stand"), ("stand", "walk"), ("walk", "run"), ("run", "walk"), ("walk", "jog"), ("jog", "walk"),
    ("jog", "stand"), ("stand", "jog"), ("walk", "sit_down"), ("stand", "sit_down"), ("stand_up", "walk"),
    ("walk_slow", "walk_fast"), ("walk_fast", "run"), ("stand", "jump"), ("walk", "walk_in_circle"),
    ("stand", "squat"), ("run", "stand"), ("walk", "stand_up"),
)


def _segment(make: Callable, body: Body, duration: float, fps: float, rng: np.random.Generator) -> Take:
    t = np.arange(int(round(duration * fps))) / fps
    return make(body, t, rng)


def _continue_from(first: Pose, second: Pose, at: int, second_at: int) -> None:
    """Turn and shift ``second`` so that its frame ``second_at`` has the heading and the horizontal
    position of ``first``'s frame ``at``."""
    turn = float(yaw_of(first.local[at, 0]) - yaw_of(second.local[second_at, 0]))
    second.place(turn, 0.0, 0.0)
    shift = first.root[at] - second.root[second_at]
    second.root[:, [0, 2]] += shift[[0, 2]]


def combine(body: Body, t: np.ndarray, rng: np.random.Generator, first: Callable, second: Callable,
            switch_s: float, blend_s: float) -> Pose:
    """``first`` until ``switch_s``, cross-fading over ``blend_s`` seconds into ``second``."""
    fps = 1.0 / (t[1] - t[0])
    n = len(t)
    half = int(round(0.5 * blend_s * fps))
    cut = int(round(switch_s * fps))
    a = _segment(first, body, (cut + half + 1) / fps, fps, rng).pose
    lead = half + int(round(0.3 * fps))  # second activity starts a little before the blend
    b = _segment(second, body, (n - cut + lead) / fps, fps, rng).pose
    offset = cut - lead  # composite frame = b frame + offset
    _continue_from(a, b, cut - half, cut - half - offset)
    out = Pose(body, t)
    out.local[: cut + half + 1] = a.local[: cut + half + 1]
    out.root[: cut + half + 1] = a.root[: cut + half + 1]
    out.local[cut - half:] = b.local[cut - half - offset:]
    out.root[cut - half:] = b.root[cut - half - offset:]
    window = slice(cut - half, cut + half + 1)
    w = min_jerk((np.arange(window.stop - window.start)) / max(2 * half, 1))
    later = b.local[window.start - offset:window.stop - offset]
    out.local[window] = blend_rotations(a.local[window], later, w[:, None])
    va = np.diff(a.root[window.start - 1:window.stop], axis=0)
    vb = np.diff(b.root[window.start - offset - 1:window.stop - offset], axis=0)
    path = out.root[window.start - 1] + np.cumsum((1 - w)[:, None] * va + w[:, None] * vb, axis=0)
    height = a.root[window, 1] * (1 - w) + b.root[window.start - offset:window.stop - offset, 1] * w
    out.root[window] = np.column_stack([path[:, 0], height, path[:, 2]])
    out.root[window.stop:, [0, 2]] += path[-1, [0, 2]] - b.root[window.stop - 1 - offset, [0, 2]]
    positions, _ = out.solve()
    lowest = positions[..., 1].min(axis=1)
    out.root[:, 1] += smooth(np.maximum(0.017 - lowest, 0.0), 0.05, fps)
    return out


def transition(body: Body, t: np.ndarray, rng: np.random.Generator, makers: dict[str, Callable],
               pair: tuple[str, str] | None = None) -> Take:
    """A clip of one activity changing into another; ``makers`` maps activity ids to generators."""
    first, second = pair if pair is not None else PAIRS[int(rng.integers(len(PAIRS)))]
    duration = t[-1] + (t[1] - t[0])
    switch = float(rng.uniform(0.3, 0.6) * duration)
    pose = combine(body, t, rng, makers[first], makers[second], switch, float(rng.uniform(0.6, 1.5)))
    return Take(pose, Facts(sequence=(first, second)))
