"""Ball and racket sports and boxing: badminton, tennis, boxing, throwing, batting, kicking, dribbling.

Strokes are keyframed paths of the racket (or throwing) hand in the upper-trunk frame, solved by arm
IK, with trunk rotation, forearm pronation and wrist snap timed around the moment of impact. Timing
follows the biomechanics of overhead and groundstrokes (badminton smash: internal rotation and
pronation in the last ~0.1 s, Rambely et al. 2005; tennis forehand and serve, Elliott, Br J Sports Med
2006; overhand throw, Fleisig et al. 1996; baseball swing about 0.15 s from launch to contact, Welch et
al. 1995). Rally paces: a badminton shot every 1-2 s, tennis every 2-3 s.
Everything is written for a right-handed player; left-handed subjects are mirrored by the caller.
"""
from __future__ import annotations

import numpy as np

from .arms import set_arm
from .body_params import Body
from .footwork import footwork, stand_on_tracks, track_feet
from .gait import locomote, walking_style
from .postures import standing_pose
from .rig import SIDES, Pose, root_rotation, spine_rotation, wrist_rotation
from .rotations import apply, rot_x, rot_y
from .signals import event_times, excursions, smooth_noise
from .stance import place_hand, plant_legs, standing_feet
from .take import Facts, Take, tempo_of

# Racket stroke tracks, one row per key: racket wrist (x, y, z) in the spine3 frame (m, 1.75 m body),
# elbow pole (x, y, z), forearm pronation, wrist flexion, trunk twist (+ to the left), trunk lean,
# other-arm flexion (degrees), extra crouch (m).
READY = np.array([-0.24, -0.08, 0.30, -1.0, -0.8, -0.3, 40, 0, 0, 5, 20, 0.0])
STROKES = {
    "overhead": ([-0.5, -0.12, -0.04, 0.0, 0.1, 0.3], [
        [-0.30, 0.30, -0.12, -0.5, 0.6, 0.5, -40, -50, -40, -8, 120, 0.0],
        [-0.26, 0.42, -0.08, -0.4, 0.6, 0.5, -30, -40, -30, -10, 130, 0.0],
        [-0.22, 0.55, 0.05, -0.6, 0.3, 0.5, 0, -20, -10, -5, 100, 0.0],
        [-0.14, 0.64, 0.22, -1.0, 0.1, 0.0, 40, 0, 10, 5, 60, 0.0],
        [0.00, 0.25, 0.42, -1.0, -0.2, -0.3, 80, 30, 25, 15, 30, 0.0],
        [0.08, -0.10, 0.32, -1.0, -0.5, -0.2, 80, 30, 30, 18, 20, 0.02]]),
    "forehand": ([-0.45, -0.08, 0.0, 0.12, 0.35], [
        [-0.55, 0.05, -0.20, -0.6, -1.0, -0.3, -20, -40, -45, 5, 50, 0.04],
        [-0.55, 0.00, 0.15, -0.6, -1.0, -0.3, 0, -30, -20, 5, 40, 0.04],
        [-0.40, 0.00, 0.42, -0.5, -1.0, -0.5, 30, 0, 10, 8, 30, 0.04],
        [-0.05, 0.10, 0.45, -0.6, -1.0, -0.3, 60, 20, 30, 10, 20, 0.03],
        [0.20, 0.20, 0.25, -0.8, -0.6, -0.3, 70, 20, 40, 10, 20, 0.02]]),
    "backhand": ([-0.45, -0.08, 0.0, 0.12, 0.35], [
        [0.12, 0.05, 0.15, -0.3, -0.5, 1.0, 70, 30, 40, 5, 10, 0.04],
        [0.05, 0.00, 0.35, -0.3, -0.5, 1.0, 50, 20, 20, 5, 10, 0.04],
        [-0.30, 0.02, 0.45, -0.3, -0.3, 1.0, 0, -10, -5, 8, 10, 0.04],
        [-0.50, 0.12, 0.30, -0.3, -0.5, 0.5, -20, -30, -25, 5, 10, 0.03],
        [-0.55, 0.25, 0.05, -0.5, -0.5, 0.0, -20, -30, -30, 3, 10, 0.02]]),
    "underhand": ([-0.4, -0.08, 0.0, 0.15, 0.35], [
        [-0.40, -0.30, -0.10, -1.0, -0.3, -0.5, 20, -40, -20, 20, 10, 0.12],
        [-0.35, -0.35, 0.20, -1.0, -0.5, -0.5, 30, -30, -10, 25, 10, 0.15],
        [-0.30, -0.30, 0.45, -1.0, -0.5, -0.3, 40, 0, 0, 25, 10, 0.15],
        [-0.25, 0.20, 0.45, -1.0, -0.5, 0.0, 50, 20, 5, 15, 10, 0.10],
        [-0.25, 0.30, 0.35, -1.0, -0.5, 0.0, 40, 10, 5, 10, 10, 0.05]]),
    "serve": ([-1.0, -0.5, -0.15, -0.05, 0.0, 0.12, 0.4], [
        [-0.35, -0.10, -0.20, -1.0, -0.5, 0.0, 0, 0, -30, 0, 120, 0.05],
        [-0.32, 0.30, -0.15, -0.5, 0.6, 0.5, -40, -50, -40, -12, 170, 0.10],
        [-0.28, 0.40, -0.12, -0.4, 0.6, 0.5, -40, -50, -35, -15, 160, 0.12],
        [-0.22, 0.55, 0.05, -0.6, 0.3, 0.5, 0, -20, -10, -5, 110, 0.0],
        [-0.12, 0.66, 0.25, -1.0, 0.1, 0.0, 40, 0, 15, 10, 60, -0.03],
        [0.05, 0.15, 0.42, -1.0, -0.2, -0.3, 80, 30, 30, 20, 20, 0.0],
        [0.15, -0.15, 0.30, -1.0, -0.5, -0.2, 80, 30, 30, 20, 10, 0.05]]),
}

#: Per sport: seconds between shots, stroke mix, stroke time scale range, move distances (m) and lunge (m).
RALLIES = {
    # Recreational badminton is slower than the competitive rally: shots every 1.2-3.0 s and strokes
    # 1.2-1.9x the competitive duration, fitted towards the BasicMotions train watch (right-wrist |acc|
    # RMS 11.5 m/s^2, |gyro| RMS 6.4 rad/s, |acc| peak 0.6 Hz in its 10 Hz band): competitive-only timing
    # read 38.6 m/s^2 (3.4x) and 1.9 Hz, this reads 19-21 (1.6-1.8x) with |gyro| RMS 5.4, so slower
    # strokes would trade the gyroscope's match for the accelerometer's.
    "badminton": dict(gap=(1.2, 3.0), kinds=("overhead", "forehand", "backhand", "underhand"),
                      weights=(0.4, 0.2, 0.15, 0.25), scale=(1.2, 1.9), move=(0.3, 1.1), lunge=(0.25, 0.5)),
    "tennis": dict(gap=(1.8, 3.2), kinds=("forehand", "backhand", "serve", "overhead"),
                   weights=(0.45, 0.35, 0.12, 0.08), scale=(1.15, 1.35), move=(0.4, 1.2), lunge=(0.0, 0.2)),
}


def _move_for(kind: str, rng: np.random.Generator, near: float, far: float) -> tuple[np.ndarray, bool]:
    """Where a right-handed player steps to play ``kind`` (x left, z forward, m) and whether it is a lunge."""
    reach = rng.uniform(near, far)
    if kind == "overhead":
        return np.array([rng.uniform(-0.3, 0.3), -reach]), False
    if kind == "forehand":
        return np.array([-reach, rng.uniform(-0.3, 0.3)]), False
    if kind == "backhand":
        return np.array([reach, rng.uniform(-0.3, 0.3)]), False
    if kind == "underhand":
        return np.array([rng.uniform(-0.4, 0.2), reach]), True
    return np.zeros(2), False


def _trunk(pose: Pose, twist: np.ndarray, lean: np.ndarray, share: float = 0.6) -> None:
    for name, part in (("spine1", 0.3), ("spine2", 0.35), ("spine3", 0.35)):
        pose.set(name, pose.get(name) @ spine_rotation(share * part * lean, 0, share * part * twist))
    pose.set("neck", spine_rotation(-0.3 * share * lean, 0, -0.4 * share * twist))


def rally(body: Body, t: np.ndarray, rng: np.random.Generator, sport: str) -> Take:
    spec = RALLIES[sport]
    s = body.height / 1.75
    scale = rng.uniform(*spec["scale"])
    times = event_times(rng, 0.5, t[-1] + 0.5, rng.uniform(*spec["gap"]), 0.3)
    kinds = rng.choice(spec["kinds"], size=len(times), p=spec["weights"])
    if sport == "tennis" and rng.random() < 0.3:
        kinds[0] = "serve"
    ready = READY * np.r_[[s] * 3, np.ones(9)]
    track = np.tile(ready, (len(t), 1))
    for kind in set(kinds):
        offsets, keys = STROKES[kind]
        keys = np.array(keys) * np.r_[[s] * 3, np.ones(8), s]
        track += excursions(t, ready, times[kinds == kind], np.array(offsets) * scale, keys) - ready

    moves, base = [], np.zeros(2)
    for time, kind in zip(times, kinds):
        offset, is_lunge = _move_for(str(kind), rng, *spec["move"])
        lunge = rng.uniform(*spec["lunge"]) if is_lunge else 0.0
        moves.append((time - 0.55 * scale, base + offset, lunge))
        moves.append((time + 0.35 * scale, base, 0.0))
    contacts = footwork(body, t, moves, base, 0.0, body.hip_width + rng.uniform(0.15, 0.3),
                        rng.uniform(-0.15, 0.05), rng.uniform(0.2, 0.28))
    pose = Pose(body, t)
    twist, lean = track[:, 8], track[:, 9]
    pose.local[:, 0] = root_rotation(0.4 * twist, 6 + 0.4 * lean, 0)
    stand_on_tracks(pose, track_feet(contacts, t, body), 0.06 * s + track[:, 11])
    _trunk(pose, twist, lean)
    pose.set("head", spine_rotation(-8 * (track[:, 1] > 0.2 * s), 0, -0.2 * twist))
    place_hand(pose, -1, "spine3", track[:, :3], track[:, 3:6], track[:, 6])
    pose.set("right_wrist", wrist_rotation(-1, track[:, 7], 10.0))
    other = np.stack([track[:, 10], np.full(len(t), 25.0), np.full(len(t), 10.0), np.zeros(len(t)),
                      np.full(len(t), 60.0), np.full(len(t), 40.0), np.zeros(len(t)), np.zeros(len(t))], -1)
    set_arm(pose, 1, other)
    gap = float(np.mean(np.diff(times))) if len(times) > 1 else 2.0
    low, high = spec["gap"]
    return Take(pose, Facts(tempo=tempo_of(-gap, -high, -low)))


def play_badminton(body: Body, t: np.ndarray, rng: np.random.Generator) -> Take:
    return rally(body, t, rng, "badminton")


def play_tennis(body: Body, t: np.ndarray, rng: np.random.Generator) -> Take:
    return rally(body, t, rng, "tennis")


# Boxing tracks: left wrist, left elbow pole, right wrist, right elbow pole (spine3 frame), trunk twist,
# lean (degrees), crouch (m).
GUARD = np.array([0.10, 0.17, 0.30, 0.6, -1.0, 0.0, -0.12, 0.15, 0.20, -0.6, -1.0, 0.0, 0, 8, 0.0])
PUNCHES = {
    "jab": ([0.1, 0.25], [[0.04, 0.20, 0.60, 0.6, -1.0, 0.0, -0.12, 0.15, 0.20, -0.6, -1.0, 0.0, -12, 10, 0.0],
                          GUARD]),
    "cross": ([0.12, 0.3], [[0.10, 0.17, 0.28, 0.6, -1.0, 0.0, 0.00, 0.20, 0.62, -0.6, -1.0, 0.0, 35, 12, 0.02],
                            GUARD]),
    "hook": ([0.08, 0.16, 0.32], [[0.28, 0.20, 0.30, 1.0, 0.3, 0.0, -0.12, 0.15, 0.20, -0.6, -1.0, 0.0, 10, 8, 0.02],
                                  [-0.05, 0.18, 0.38, 1.0, 0.3, 0.0, -0.12, 0.15, 0.20, -0.6, -1.0, 0.0, -40, 8, 0.03],
                                  GUARD]),
    "uppercut": ([0.08, 0.2, 0.35], [
        [0.10, 0.17, 0.30, 0.6, -1.0, 0.0, -0.10, -0.05, 0.30, -0.6, -1.0, 0.0, 15, 12, 0.06],
        [0.10, 0.17, 0.30, 0.6, -1.0, 0.0, -0.02, 0.30, 0.35, -0.6, -1.0, 0.0, 25, 0, 0.0],
        GUARD]),
}


def box(body: Body, t: np.ndarray, rng: np.random.Generator) -> Take:
    """Shadow boxing in an orthodox stance: bouncing on the feet, combinations of punches, small steps."""
    s = body.height / 1.75
    guard = GUARD * np.r_[[s] * 12, 1, 1, 1]
    track = np.tile(guard, (len(t), 1))
    starts = event_times(rng, 0.5, t[-1], rng.uniform(1.2, 2.5), 0.35)
    for start in starts:
        combo = rng.choice(["jab", "cross", "hook", "uppercut"], size=rng.integers(1, 5),
                           p=[0.4, 0.3, 0.2, 0.1])
        for k, punch in enumerate(combo):
            offsets, keys = PUNCHES[str(punch)]
            keys = np.array(keys) * np.r_[[s] * 12, 1, 1, 1]
            track += excursions(t, guard, [start + k * rng.uniform(0.28, 0.4)], offsets, keys) - guard
    heading = -rng.uniform(20, 40)
    moves = [(time, rng.uniform(-0.25, 0.25, 2), 0.0) for time in event_times(rng, 1.0, t[-1], 2.0, 0.5)]
    contacts = footwork(body, t, moves, np.zeros(2), heading, body.hip_width + rng.uniform(0.1, 0.2),
                        rng.uniform(0.3, 0.45), 0.2, toe_out=15.0)
    pose = Pose(body, t)
    bounce_hz = rng.uniform(1.6, 2.4)
    bounce = 0.012 * (1 + np.cos(2 * np.pi * bounce_hz * t)) * rng.uniform(0.5, 1.5)
    twist, lean = track[:, 12], track[:, 13]
    pose.local[:, 0] = root_rotation(heading + 0.5 * twist, 5 + 0.3 * lean, 0)
    stand_on_tracks(pose, track_feet(contacts, t, body), 0.07 * s + bounce + track[:, 14], follow_s=0.15)
    _trunk(pose, twist, lean, 0.5)
    pose.set("head", spine_rotation(10.0, 0, -0.3 * twist))
    place_hand(pose, 1, "spine3", track[:, :3], track[:, 3:6], 80.0)
    place_hand(pose, -1, "spine3", track[:, 6:9], track[:, 9:12], 80.0)
    for name, side in SIDES:
        pose.set(f"{name}_wrist", wrist_rotation(side, -10.0, 10.0))
    return Take(pose, Facts(tempo=tempo_of(bounce_hz, 1.6, 2.4)))


def throw_ball(body: Body, t: np.ndarray, rng: np.random.Generator) -> Take:
    """Overhand throws: wind-up, cocking, acceleration and follow-through, stepping into each throw."""
    s = body.height / 1.75
    # throwing-hand wrist (spine3 frame), elbow pole, pronation, trunk twist, lean, other-arm flexion, shift (m)
    ready = np.array([-0.2 * s, -0.05 * s, 0.25 * s, -1, -1, 0, 40, 0, 5, 20, 0.0])
    keys = np.array([
        [-0.45 * s, 0.00, -0.30 * s, -1, -0.3, 0, 0, -50, -5, 80, -0.12],
        [-0.32 * s, 0.35 * s, -0.20 * s, -0.5, 0.5, 0.5, -30, -55, -8, 90, -0.10],
        [-0.26 * s, 0.45 * s, 0.00, -0.6, 0.3, 0.6, -20, -20, 0, 60, 0.05],
        [-0.15 * s, 0.45 * s, 0.35 * s, -1, 0, 0, 40, 20, 15, 20, 0.15],
        [0.05 * s, 0.00, 0.45 * s, -1, -0.3, 0, 80, 40, 30, 0, 0.20],
        [0.20 * s, -0.30 * s, 0.30 * s, -1, -0.5, 0, 80, 35, 25, 0, 0.15]])
    gap = rng.uniform(2.5, 4.5)
    times = event_times(rng, 1.0, t[-1] + 0.5, gap, 0.2)
    effort = rng.uniform(0.8, 1.15)
    track = excursions(t, ready, times, np.array([-0.8, -0.35, -0.1, 0.0, 0.15, 0.5]) / effort, keys)
    heading = -rng.uniform(10, 30)
    feet = standing_feet(body, rng, body.hip_width + 0.1)
    stride = rng.uniform(0.35, 0.55) * s
    feet = {side: (anchor + apply(rot_y(heading), np.array([0.0, 0.0, side * stride / 2])), heading + side * 15)
            for side, (anchor, _) in feet.items()}
    pose = standing_pose(body, t, rng, None, feet)
    twist, lean, shift = track[:, 7], track[:, 8], track[:, 10]
    pose.local[:, 0] = root_rotation(heading + 0.5 * twist, 3 + 0.4 * lean, 0)
    pose.root = pose.root + apply(rot_y(heading), np.stack([0 * t, 0 * t, shift], -1)) - np.array([0, 0.03 * s, 0])
    _trunk(pose, twist, lean, 0.6)
    plant_legs(pose, feet)
    place_hand(pose, -1, "spine3", track[:, :3], track[:, 3:6], track[:, 6])
    pose.set("right_wrist", wrist_rotation(-1, -30 + 0.6 * track[:, 7], 0))
    zeros = np.zeros(len(t))
    set_arm(pose, 1, np.stack([track[:, 9], 20 + 0.5 * track[:, 9], 10 + zeros, zeros, 40 + zeros, 40 + zeros,
                               zeros, zeros], -1))
    return Take(pose, Facts(tempo=tempo_of(-gap, -4.5, -2.5)))


def swing_bat(body: Body, t: np.ndarray, rng: np.random.Generator) -> Take:
    """Baseball batting: load, stride, hips then shoulders rotating, two-handed swing, follow-through."""
    s = body.height / 1.75
    # hands (spine3 frame), trunk twist, lean, crouch
    ready = np.array([-0.2 * s, 0.12 * s, 0.05 * s, 0, 10, 0.05])
    keys = np.array([[-0.28 * s, 0.18 * s, -0.08 * s, -20, 12, 0.06], [-0.15 * s, 0.00, 0.20 * s, 10, 15, 0.07],
                     [0.00, -0.12 * s, 0.45 * s, 60, 20, 0.07], [0.25 * s, -0.05 * s, 0.40 * s, 85, 15, 0.06],
                     [0.30 * s, 0.25 * s, 0.00, 95, 10, 0.05], [0.10 * s, 0.00, 0.20 * s, 40, 10, 0.05]])
    gap = rng.uniform(3.0, 5.0)
    times = event_times(rng, 1.2, t[-1] + 0.5, gap, 0.2)
    track = excursions(t, ready, times, [-0.5, -0.15, 0.0, 0.12, 0.4, 1.0], keys)
    waggle = 0.03 * s * smooth_noise(rng, t, 1.0, dims=3)
    track[:, :3] += waggle * (1 - np.abs(track[:, 3:4]) / 100)
    heading = -90.0 + rng.uniform(-10, 10)  # the pitcher is on the batter's left
    width = rng.uniform(0.55, 0.75) * s
    moves = []
    for time in times:
        moves += [(time - 0.45, np.array([0.1 * s, 0.0]), 0.0), (time + 1.4, np.zeros(2), 0.0)]
    contacts = footwork(body, t, moves, np.zeros(2), heading, width, 0.0, 0.25, toe_out=20.0)
    pose = Pose(body, t)
    twist, lean = track[:, 3], track[:, 4]
    pose.local[:, 0] = root_rotation(heading + 0.45 * twist, 8 + 0.4 * lean, 0)
    stand_on_tracks(pose, track_feet(contacts, t, body), track[:, 5])
    _trunk(pose, twist, lean, 0.55)
    pose.set("head", spine_rotation(5.0, 0, 60.0 - 0.5 * twist))
    place_hand(pose, 1, "spine3", track[:, :3], [0.5, -1.0, 0.2], 60.0)
    place_hand(pose, -1, "spine3", track[:, :3] + np.array([0.0, 0.07 * s, 0.0]), [-1.0, -1.0, 0.0], 80.0)
    return Take(pose, Facts(tempo=tempo_of(-gap, -5.0, -3.0)))


def kick_ball(body: Body, t: np.ndarray, rng: np.random.Generator) -> Take:
    """Kicking a ball with the right foot: back-swing with the knee bent, fast swing through, follow-through."""
    s = body.height / 1.75
    feet = standing_feet(body, rng)
    pose = standing_pose(body, t, rng, None, feet)
    # kicking ankle offset (heading frame, m), foot pitch, trunk lean, arm abduction
    keys = np.array([[0.0, 0.15 * s, -0.25 * s, -20, -5, 30], [0.02, 0.40 * s, -0.40 * s, -40, -10, 50],
                     [0.05, 0.12 * s, 0.25 * s, -35, 5, 60], [0.08, 0.45 * s, 0.55 * s, -30, 15, 50],
                     [0.05, 0.10 * s, 0.30 * s, -10, 5, 30]])
    gap = rng.uniform(2.5, 4.0)
    times = event_times(rng, 1.0, t[-1] - 0.5, gap, 0.2)
    power = rng.uniform(0.85, 1.15)
    track = excursions(t, np.array([0, 0, 0, 0, 0, 8.0]), times, np.array([-0.5, -0.15, 0.0, 0.15, 0.5]) / power,
                       keys)
    pose.root = pose.root - np.array([0, 0.03 * s, 0]) + np.stack([0 * t, 0 * t, 0.3 * track[:, 2]], -1)
    pose.local[:, 0] = pose.local[:, 0] @ root_rotation(0, 0.5 * track[:, 4], 0)
    plant_legs(pose, {1: feet[1]})
    anchor, yaw = feet[-1]
    ankle = anchor + np.array([0, body.ankle_height, 0]) + apply(rot_y(yaw), track[:, :3])
    pose.solve_leg(-1, ankle, rot_y(yaw) @ rot_x(-track[:, 3]), np.broadcast_to([0.0, 0.3, 1.0], (len(t), 3)))
    zeros = np.zeros(len(t))
    for _, side in SIDES:
        set_arm(pose, side, np.stack([zeros + 10, track[:, 5] + 5, zeros, zeros, zeros + 30, zeros + 30, zeros,
                                      zeros], -1))
    return Take(pose, Facts(tempo=tempo_of(-gap, -4.0, -2.5)))


def dribble_basketball(body: Body, t: np.ndarray, rng: np.random.Generator) -> Take:
    """Dribbling a basketball with the right hand while walking, jogging slowly or standing."""
    speed = float(rng.choice([0.0, rng.uniform(0.6, 1.4), rng.uniform(1.8, 2.4)]))
    style = walking_style(body, rng, max(speed, 0.8))
    if speed == 0.0:
        style.advance, style.arm_swing = 1e-3, 2.0
    style.drop, style.lean = 0.06, 12.0
    pose = locomote(body, t, style, rng)
    s = body.height / 1.75
    rate = rng.uniform(1.4, 2.4)
    phase = 2 * np.pi * rate * t
    height = -0.05 * s - 0.22 * s * (0.5 + 0.5 * np.cos(phase))
    target = np.stack([np.full(len(t), -0.3 * s), height, np.full(len(t), 0.3 * s)], -1)
    place_hand(pose, -1, "pelvis", target, [-1.0, 0.5, -0.5], 90.0)
    pose.set("right_wrist", wrist_rotation(-1, 25 * np.sin(phase + 0.6), 0))
    zeros = np.zeros(len(t))
    set_arm(pose, 1, np.stack([zeros + 35, zeros + 35, zeros + 20, zeros, zeros + 70, zeros + 60, zeros, zeros], -1))
    return Take(pose, Facts(tempo=tempo_of(rate, 1.4, 2.4),
                            details=("standing",) if speed == 0.0 else ("moving",)))
