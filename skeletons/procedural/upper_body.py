"""Arm gestures while standing: waving, clapping, arm circles, raising the arms, stretching.

Gesture rates follow everyday observation: hand waves 2-4 Hz, applause 2-5 claps/s (Repp, JASA 1987),
arm circles about 1 Hz.
"""
from __future__ import annotations

import numpy as np

from .arms import HANGING, fidget, set_arm
from .body_params import Body
from .postures import standing_pose
from .rig import SIDES, spine_rotation
from .signals import event_times, excursions, min_jerk
from .stance import blend_arm, place_hand
from .take import Facts, Take, tempo_of


def _bursts(t: np.ndarray, rng: np.random.Generator, min_s: float, max_s: float) -> np.ndarray:
    """0..1 envelope: one or two bursts of activity of ``min_s``-``max_s`` seconds, eased in and out."""
    envelope = np.zeros_like(t)
    start = rng.uniform(0.2, 2.0)
    while start < t[-1] - 1.0:
        length = rng.uniform(min_s, max_s)
        envelope = np.maximum(envelope, min_jerk((t - start) / 0.4) * (1 - min_jerk((t - start - length) / 0.4)))
        start += length + rng.uniform(1.0, 3.0)
    return envelope


def wave(body: Body, t: np.ndarray, rng: np.random.Generator) -> Take:
    """Waving with the right hand raised (the left for left-handers), the forearm swinging side to side."""
    pose = standing_pose(body, t, rng, "hanging")
    rate = rng.uniform(1.8, 3.5)
    on = _bursts(t, rng, 2.0, 5.0)
    swing = np.sin(2 * np.pi * rate * t) * on
    raised = np.array([rng.uniform(20, 50), rng.uniform(90, 140), 10, -75, rng.uniform(60, 110), 0, 0, 0])
    angles = HANGING + (raised - HANGING) * on[:, None] + fidget(t, rng, 2.0)
    angles[:, 3] += rng.uniform(20, 35) * swing
    angles[:, 6] += 12 * np.sin(2 * np.pi * rate * t - 0.8) * on
    set_arm(pose, -1, angles)
    both = rng.random() < 0.2
    if both:
        set_arm(pose, 1, angles * np.array([1, 1, 1, -1, 1, 1, 1, 1]))
    return Take(pose, Facts(tempo=tempo_of(rate, 1.8, 3.5), details=("both_hands",) if both else ()))


def clap(body: Body, t: np.ndarray, rng: np.random.Generator) -> Take:
    """Clapping in front of the chest, in bursts."""
    pose = standing_pose(body, t, rng, "hanging")
    rate = rng.uniform(2.0, 4.5)
    on = _bursts(t, rng, 2.0, 6.0)
    s = body.height / 1.75
    gap = 0.5 * (1 - np.cos(2 * np.pi * rate * t)) ** 1.5 * 0.09 * s + 0.015
    height = rng.uniform(-0.2, 0.05) * s
    reach = rng.uniform(0.22, 0.32) * s
    clapping = pose.copy()
    for _, side in SIDES:
        target = np.stack([side * gap, np.full_like(t, height), np.full_like(t, reach)], -1)
        place_hand(clapping, side, "spine3", target, [side * 1.0, -1.0, -0.3], 85.0)
        blend_arm(pose, side, clapping, on)
    return Take(pose, Facts(tempo=tempo_of(rate, 2.0, 4.5)))


def arm_circles(body: Body, t: np.ndarray, rng: np.random.Generator) -> Take:
    """Both arms held out to the sides, drawing circles forwards or backwards."""
    pose = standing_pose(body, t, rng, None)
    rate = rng.uniform(0.6, 1.5) * rng.choice([-1.0, 1.0])
    size = rng.uniform(12, 35)
    phase = 2 * np.pi * rate * t
    ramp = min_jerk(t / 1.0)
    for _, side in SIDES:
        angles = np.tile([0.0, 88.0, 0.0, 0.0, 5.0, 0.0, 0.0, 0.0], (len(t), 1))
        angles[:, 1] += size * np.sin(phase)
        angles[:, 2] += size * np.cos(phase)
        set_arm(pose, side, HANGING + (angles - HANGING) * ramp[:, None])
    return Take(pose, Facts(tempo=tempo_of(abs(rate), 0.6, 1.5),
                            details=("forwards",) if rate > 0 else ("backwards",)))


def raise_arms(body: Body, t: np.ndarray, rng: np.random.Generator) -> Take:
    """Raising both straight arms to the front (or the sides) and lowering them, repeatedly."""
    pose = standing_pose(body, t, rng, None)
    period = rng.uniform(2.0, 4.0)
    sideways = rng.random() < 0.3
    top = rng.uniform(90, 175)
    events = event_times(rng, 0.0, t[-1] + period, period, 0.1)
    up = np.array([0.0 if sideways else top, top if sideways else 5.0, 0, 0, 5, 20 if sideways else 60, 0, 0])
    angles = excursions(t, HANGING, events, [0.0, 0.25 * period], [up, up])
    for _, side in SIDES:
        set_arm(pose, side, angles)
    return Take(pose, Facts(tempo=tempo_of(-period, -4.0, -2.0), details=("sideways",) if sideways else ()))


def stretch(body: Body, t: np.ndarray, rng: np.random.Generator) -> Take:
    """A stretching routine: arms overhead, side bends, trunk twists and arm-across stretches."""
    pose = standing_pose(body, t, rng, None)
    n = len(t)
    moves = rng.permutation(["overhead", "side_bend", "twist", "across"])
    segment = t[-1] / len(moves)
    bend = np.zeros(n)
    twist = np.zeros(n)
    arms = {1: np.tile(HANGING, (n, 1)), -1: np.tile(HANGING, (n, 1))}
    for k, move in enumerate(moves):
        w = min_jerk((t - k * segment) / 1.2) * (1 - min_jerk((t - (k + 1) * segment + 1.2) / 1.2))
        overhead = np.array([170.0, 10, 0, 0, 10, 60, 0, 0])
        if move == "overhead":
            for side in (1, -1):
                arms[side] += (overhead - HANGING) * w[:, None]
        elif move == "side_bend":
            direction = rng.choice([-1.0, 1.0])
            bend += direction * rng.uniform(15, 30) * w
            arms[-int(direction)] += (overhead - HANGING) * w[:, None]
        elif move == "twist":
            swing = np.sin(np.pi * np.clip((t - k * segment) / segment, 0, 1))
            twist += rng.choice([-1.0, 1.0]) * rng.uniform(30, 50) * swing * w
            for side in (1, -1):
                arms[side] += (np.array([80.0, 10, 20, 0, 90, 60, 0, 0]) - HANGING) * w[:, None]
        else:
            side = int(rng.choice([-1, 1]))
            arms[side] += (np.array([90.0, 0, 60, 0, 5, 60, 0, 0]) - HANGING) * w[:, None]
            arms[-side] += (np.array([80.0, 0, 30, 40, 100, 60, 0, 0]) - HANGING) * w[:, None]
    for name, share in (("spine1", 0.3), ("spine2", 0.35), ("spine3", 0.35)):
        pose.set(name, pose.get(name) @ spine_rotation(0, share * bend, share * twist))
    for side in (1, -1):
        set_arm(pose, side, arms[side] + fidget(t, rng, 1.5))
    return Take(pose, Facts())
