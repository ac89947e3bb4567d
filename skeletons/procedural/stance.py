"""Shared pieces of the non-travelling activities: planted feet, a pelvis the legs can reach, hands
placed relative to the body, idle arm postures, breathing, and blending two poses.
"""
from __future__ import annotations

import numpy as np

from skeletons.body import JOINT_INDEX

from .body_params import Body
from .feet import reach_limit
from .rig import SIDES, Pose, elbow_rotation, shoulder_rotation, spine_rotation, wrist_rotation
from .rotations import apply, blend_rotations, rot_x, rot_y, rot_z
from .signals import event_times, min_jerk, smooth, smooth_noise, strokes


def standing_feet(body: Body, rng: np.random.Generator, width: float | None = None) -> dict[int, tuple]:
    """Anchors (floor point under each ankle) and headings of two feet standing side by side."""
    width = body.hip_width + rng.uniform(-0.04, 0.12) if width is None else width
    stagger = rng.uniform(-0.06, 0.06)
    toe_out = rng.uniform(3, 14)
    return {side: (np.array([side * width / 2, 0.0, side * stagger / 2]), side * toe_out) for _, side in SIDES}


def plant_legs(pose: Pose, feet: dict[int, tuple], slack: float = 0.995, knee_out: float = 0.0) -> None:
    """Solve both legs so the feet rest flat on their anchors; lower the pelvis where it is too high.

    feet: side -> (anchor (3,) or (T, 3), yaw degrees (scalar or (T,))). ``knee_out`` turns the knees
    outwards (degrees) as in squats and wide stances.
    """
    body, n = pose.body, pose.frames
    targets = {}
    for side, (anchor, yaw) in feet.items():
        ankle = np.broadcast_to(np.asarray(anchor, dtype=np.float64), (n, 3)) + np.array([0, body.ankle_height, 0])
        targets[side] = (ankle, rot_y(np.broadcast_to(yaw, (n,))))
    pelvis = pose.local[:, 0]
    limit = np.full(n, np.inf)
    for side, (ankle, _) in targets.items():
        hip = body.offsets[JOINT_INDEX["left_hip" if side > 0 else "right_hip"]]
        limit = np.minimum(limit, reach_limit(pose.root, pelvis, body, hip, ankle, slack))
    pose.root[:, 1] = np.minimum(pose.root[:, 1], limit)
    forward = pelvis[:, :, 2] * np.array([1.0, 0.0, 1.0])
    for side, (ankle, foot) in targets.items():
        toes = apply(rot_y(side * knee_out), foot[:, :, 2])
        pose.solve_leg(side, ankle, foot, toes + forward + np.array([0.0, 0.2, 0.0]))


def place_hand(pose: Pose, side: int, joint: str, target, pole, pronate=0.0) -> None:
    """Put a wrist at ``target`` (3,) or (T, 3) given in ``joint``'s frame; ``pole`` (same frame) is
    where the elbow points."""
    rotation, position = pose.frame(joint)
    n = pose.frames
    world = position + apply(rotation, np.broadcast_to(np.asarray(target, dtype=np.float64), (n, 3)))
    pole_world = apply(rotation, np.broadcast_to(np.asarray(pole, dtype=np.float64), (n, 3)))
    pose.solve_arm(side, world, pole_world, pronate)


#: Idle arm postures of a standing or seated person: (frame joint, left wrist target in that frame,
#: elbow pole, forearm pronation); the right arm mirrors x. Targets are in metres for a 1.75 m body.
ARM_POSTURES = {
    "arms_crossed": ("spine3", (-0.11, -0.1, 0.13), (0.6, -0.6, 0.2), 10.0),
    "hands_on_hips": ("pelvis", (0.19, 0.06, 0.0), (1.0, 0.0, -0.6), 60.0),
    "hands_in_pockets": ("pelvis", (0.15, -0.06, 0.07), (0.6, -0.3, -1.0), 20.0),
    "hands_clasped": ("pelvis", (0.03, -0.04, 0.17), (0.5, -1.0, -0.2), 40.0),
    "holding_phone": ("spine3", (0.04, -0.08, 0.32), (0.5, -1.0, -0.3), 90.0),
    "hands_on_lap": ("pelvis", (0.12, 0.05, 0.28), (0.6, -0.4, -0.8), 80.0),
}


def hold_arms(pose: Pose, posture: str, rng: np.random.Generator) -> None:
    """Arms in one of :data:`ARM_POSTURES` (scaled to the body), drifting slightly."""
    joint, target, pole, pronate = ARM_POSTURES[posture]
    scale = pose.body.height / 1.75
    for _, side in SIDES:
        drift = 0.012 * smooth_noise(rng, pose.t, 0.3, dims=3)
        local = np.array(target) * scale * np.array([side, 1.0, 1.0]) + drift
        place_hand(pose, side, joint, local, np.array(pole) * np.array([side, 1.0, 1.0]), pronate)
        pose.set(f"{'left' if side > 0 else 'right'}_wrist", wrist_rotation(side, 10.0, 0.0))


def hang_arms(pose: Pose, rng: np.random.Generator, motion: float = 1.0) -> None:
    """Arms hanging at the sides with small drifting motion."""
    for name, side in SIDES:
        n = smooth_noise(rng, pose.t, 0.3, dims=3) * motion
        pose.set(f"{name}_shoulder", shoulder_rotation(side, 3 + 3 * n[:, 0], 7 + 2 * n[:, 1], 0, 8.0))
        pose.set(f"{name}_elbow", elbow_rotation(side, 14 + 5 * n[:, 2], 30.0))
        pose.set(f"{name}_wrist", wrist_rotation(side, 8.0, 0.0))


def breathing(t: np.ndarray, rng: np.random.Generator, depth: float = 1.0) -> np.ndarray:
    """Chest flexion (degrees) of quiet breathing, about 12-20 breaths a minute."""
    rate = rng.uniform(0.2, 0.33)
    return depth * 1.2 * np.sin(2 * np.pi * rate * t + rng.uniform(0, 2 * np.pi))


def idle_trunk(pose: Pose, rng: np.random.Generator, lean: float = 0.0, look_around: float = 1.0) -> None:
    """Upright trunk with breathing, and a head that looks around a little."""
    t = pose.t
    breath = breathing(t, rng)
    sway = smooth_noise(rng, t, 0.2, dims=4)
    pose.set("spine1", spine_rotation(0.3 * lean + 0.8 * sway[:, 0], 0.5 * sway[:, 1]))
    pose.set("spine2", spine_rotation(0.35 * lean - 0.5 * breath, 0.5 * sway[:, 1]))
    pose.set("spine3", spine_rotation(0.35 * lean - 0.5 * breath, 0.0, 1.5 * sway[:, 2]))
    look = look_around * smooth_noise(rng, t, 0.2, dims=2)
    pose.set("neck", spine_rotation(-0.4 * lean + 4 * look[:, 0], 0.0, 6 * look[:, 1]))
    pose.set("head", spine_rotation(-0.3 * lean + 4 * look[:, 0] + 3, 0.0, 10 * look[:, 1]))


def postural_sway(t: np.ndarray, rng: np.random.Generator, fps: float) -> np.ndarray:
    """Horizontal pelvis sway (T, 3) of quiet standing: about a centimetre, plus occasional weight
    shifts between the feet (Winter, Gait & Posture 1995)."""
    sway = 0.008 * smooth_noise(rng, t, 0.4, dims=3)
    sway[:, 1] = 0.0
    shifts = np.cumsum(rng.random(len(t)) < 0.15 / fps)
    target = np.where(shifts % 2 == 1, rng.choice([-1.0, 1.0]), 0.0) * rng.uniform(0.02, 0.05)
    sway[:, 0] += smooth(target, 0.4, fps)
    return sway


def blend_arm(pose: Pose, side: int, other: Pose, weight: np.ndarray) -> None:
    """Replace one arm of ``pose`` by that of ``other`` where ``weight`` is 1, blending in between."""
    name = "left" if side > 0 else "right"
    for joint in ("collar", "shoulder", "elbow", "wrist"):
        index = JOINT_INDEX[f"{name}_{joint}"]
        pose.local[:, index] = blend_rotations(pose.local[:, index], other.local[:, index], weight)


def blend_poses(first: Pose, second: Pose, weight: np.ndarray) -> Pose:
    """Frame by frame, ``first`` where ``weight`` is 0 and ``second`` where it is 1."""
    out = Pose(first.body, first.t)
    out.local = blend_rotations(first.local, second.local, weight[:, None])
    out.root = first.root + (second.root - first.root) * weight[:, None]
    return out


def transition_weight(t: np.ndarray, start: float, duration: float) -> np.ndarray:
    """0 before ``start``, easing (minimum jerk) to 1 over ``duration`` seconds."""
    return min_jerk((t - start) / duration)


#: Small hand movements of a person standing or sitting "still" (adjusting clothes, touching the face,
#: gesturing, shifting the hands), fitted to the BasicMotions train watch on people standing: right-wrist
#: |acc| RMS 0.97 m/s^2, p95 2.0, |gyro| RMS 0.54 rad/s (10 Hz band); the library's standing wrist read
#: 0.08 m/s^2 and 0.22 rad/s (sensor noise and bias) before. Mean gap between movements (s), their size
#: (degrees at shoulder, elbow, wrist) and duration (s), and a restless tremor-band jitter (degrees).
IDLE_GAP_S = 2.5
IDLE_SIZE_DEG = (6.0, 12.0, 15.0)
IDLE_DURATION_S = (0.5, 1.2)
IDLE_JITTER_DEG = 0.6


def hand_movements(pose: Pose, rng: np.random.Generator, amount: float = 1.0) -> None:
    """Compose small, occasional movements of both arms (more of the right) onto their current rotations:
    out-and-back excursions at shoulder, elbow and wrist every :data:`IDLE_GAP_S` seconds or so, plus a
    faint restless jitter; ``amount`` scales them (0: none)."""
    if amount <= 0:
        return
    t = pose.t
    for name, side in SIDES:
        gap = IDLE_GAP_S * (1.0 if side < 0 else 1.6)
        angles = np.zeros((len(t), 5))
        for event in event_times(rng, float(t[0]), float(t[-1]), gap, jitter=0.6):
            duration = rng.uniform(*IDLE_DURATION_S)
            peak = rng.normal(0, 1, 5) * np.repeat(IDLE_SIZE_DEG, [2, 1, 2]) * amount
            angles += strokes(t, [event], [0.0, 0.4 * duration, duration], np.stack([0 * peak, peak, 0 * peak]))
        angles += IDLE_JITTER_DEG * amount * smooth_noise(rng, t, 2.5, dims=5)
        shoulder, elbow, wrist = (JOINT_INDEX[f"{name}_{joint}"] for joint in ("shoulder", "elbow", "wrist"))
        pose.local[:, shoulder] = pose.local[:, shoulder] @ rot_x(angles[:, 0]) @ rot_z(angles[:, 1])
        pose.local[:, elbow] = pose.local[:, elbow] @ rot_x(angles[:, 2])
        pose.local[:, wrist] = pose.local[:, wrist] @ rot_x(angles[:, 3]) @ rot_z(angles[:, 4])
