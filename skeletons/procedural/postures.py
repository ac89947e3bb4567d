"""Postures and posture changes: standing, sitting, lying, sitting down, standing up, lying down, getting
up, bending to pick something up, waist bends, squats, kneeling, lunges, and standing in a moving lift.

Seat and bed heights follow furniture standards (chairs 0.40-0.50 m, sofas 0.38-0.45 m, beds
0.45-0.60 m); the pelvis joint sits about 0.1 m above the seat (ischial tuberosities below the hip
joints). Sit-to-stand timing (1-2.5 s, trunk flexion leading the rise) follows Schenkman et al.
(Phys. Ther. 1990); lift accelerations (0.5-1.2 m/s^2, 1-2.5 m/s) follow lift design guidance.
"""
from __future__ import annotations

import numpy as np

from skeletons.body import JOINT_INDEX

from .body_params import Body
from .rig import (
    SIDES,
    Pose,
    ankle_rotation,
    elbow_rotation,
    hip_rotation,
    knee_rotation,
    root_rotation,
    shoulder_rotation,
    spine_rotation,
    toe_rotation,
)
from .rotations import apply, rot_x, rot_y
from .signals import bump, min_jerk, smooth_noise, strokes
from .stance import (
    blend_poses,
    breathing,
    hand_movements,
    hang_arms,
    hold_arms,
    idle_trunk,
    place_hand,
    plant_legs,
    postural_sway,
    standing_feet,
    transition_weight,
)
from .take import Facts, Take, tempo_of

STANDING_ARMS = ("hanging", "hanging", "hanging", "arms_crossed", "hands_on_hips", "hands_in_pockets",
                 "hands_clasped", "holding_phone")
SEATED_ARMS = ("hands_on_lap", "hands_on_lap", "arms_crossed", "holding_phone", "hands_clasped")


def _fps(t: np.ndarray) -> float:
    return 1.0 / (t[1] - t[0])


def standing_pose(body: Body, t: np.ndarray, rng: np.random.Generator, arms: str | None = "hanging",
                  feet: dict | None = None) -> Pose:
    """Quiet standing: feet planted, the pelvis swaying a centimetre, breathing, the head looking about.
    ``arms``: "hanging", a key of :data:`stance.ARM_POSTURES`, or None to leave the arms to the caller."""
    pose = Pose(body, t)
    feet = standing_feet(body, rng) if feet is None else feet
    centre = np.mean([anchor for anchor, _ in feet.values()], axis=0)
    sway = postural_sway(t, rng, _fps(t))
    pose.root = np.array([centre[0], body.pelvis_height - rng.uniform(0.003, 0.015), centre[2] + 0.01]) + sway
    wobble = smooth_noise(rng, t, 0.3, dims=3)
    pose.local[:, 0] = root_rotation(2.0 * wobble[:, 0], 3.0 + wobble[:, 1], 1.5 * wobble[:, 2]
                                     - 30 * sway[:, 0])
    idle_trunk(pose, rng, lean=-3.0)
    plant_legs(pose, feet)
    if arms == "hanging":
        hang_arms(pose, rng)
    elif arms is not None:
        hold_arms(pose, arms, rng)
    if arms == "holding_phone":
        pose.set("neck", spine_rotation(20.0 + 3 * smooth_noise(rng, t, 0.2)))
        pose.set("head", spine_rotation(15.0))
    return pose


def seated_pose(body: Body, t: np.ndarray, rng: np.random.Generator, seat: float, arms: str | None = "hands_on_lap",
                feet: dict | None = None, slump: float | None = None) -> Pose:
    """Sitting on a seat of height ``seat`` (m), feet on the floor, trunk upright or slumped."""
    pose = Pose(body, t)
    slump = rng.uniform(0, 15) if slump is None else slump
    tilt = -rng.uniform(5, 15) - 0.5 * slump
    fidget = smooth_noise(rng, t, 0.25, dims=3)
    pose.root = np.array([0.0, seat + 0.1 * body.height / 1.75, 0.0]) + 0.006 * fidget * np.array([1, 0.3, 1])
    pose.local[:, 0] = root_rotation(2 * fidget[:, 0], tilt + fidget[:, 1], fidget[:, 2])
    idle_trunk(pose, rng, lean=-tilt + slump - 5.0)
    if feet is None:
        spread = body.hip_width / 2 + rng.uniform(-0.01, 0.1)
        forward = body.thigh * rng.uniform(0.8, 1.15)
        feet = {side: (np.array([side * spread, 0.0, forward]), side * rng.uniform(0, 15)) for _, side in SIDES}
    plant_legs(pose, feet, slack=0.98)
    if arms is not None:
        hold_arms(pose, arms, rng)
    if arms == "holding_phone":
        pose.set("neck", spine_rotation(20.0))
        pose.set("head", spine_rotation(15.0))
    return pose


def _arms_choice(rng: np.random.Generator, options: tuple[str, ...]) -> tuple[str, tuple[str, ...]]:
    arms = str(rng.choice(options))
    return arms, (() if arms in ("hanging", "hands_on_lap") else (arms,))


def stand(body: Body, t: np.ndarray, rng: np.random.Generator) -> Take:
    arms, details = _arms_choice(rng, STANDING_ARMS)
    pose = standing_pose(body, t, rng, arms)
    hand_movements(pose, rng, rng.uniform(0.4, 1.3))
    return Take(pose, Facts(details=details))


def sit(body: Body, t: np.ndarray, rng: np.random.Generator) -> Take:
    variant = str(rng.choice(["chair", "chair", "sofa", "bench"]))
    seat = {"chair": (0.40, 0.50), "sofa": (0.36, 0.44), "bench": (0.42, 0.48)}[variant]
    arms, details = _arms_choice(rng, SEATED_ARMS)
    pose = seated_pose(body, t, rng, rng.uniform(*seat), arms)
    hand_movements(pose, rng, rng.uniform(0.4, 1.2))
    return Take(pose, Facts(variant=variant, details=details))


def rest_on_surface(pose: Pose, surface: float, clearance: float = 0.03) -> None:
    """Raise the whole clip so that no joint comes closer than ``clearance`` to a surface at ``surface``."""
    positions, _ = pose.solve()
    lowest = float(positions[..., 1].min())
    pose.root[:, 1] += surface + clearance - lowest


def lying_pose(body: Body, t: np.ndarray, rng: np.random.Generator, surface: float, way: str) -> Pose:
    """Lying on a surface at height ``surface``: ``way`` is "back", "side" or "front"."""
    pose = Pose(body, t)
    breath = breathing(t, rng, 0.8)
    drift = smooth_noise(rng, t, 0.15, dims=4)
    s = body.height / 1.75
    if way == "back":
        pose.local[:, 0] = root_rotation(drift[:, 0], -90.0 + 2 * drift[:, 1], drift[:, 2])
        depth = 0.1 * s
        knees_up = rng.random() < 0.3
        for name, side in SIDES:
            hip, knee = (50.0, 95.0) if knees_up else (rng.uniform(0, 10), rng.uniform(3, 15))
            pose.set(f"{name}_hip", hip_rotation(side, hip + drift[:, 3], rng.uniform(3, 12), -8))
            pose.set(f"{name}_knee", knee_rotation(knee))
            pose.set(f"{name}_ankle", ankle_rotation(side, (-knee + hip) if knees_up else -25.0))
        pose.set("neck", spine_rotation(rng.uniform(5, 25), 0, 10 * drift[:, 3]))
    elif way == "front":
        pose.local[:, 0] = root_rotation(drift[:, 0], 90.0 + 2 * drift[:, 1], drift[:, 2])
        depth = 0.11 * s
        for name, side in SIDES:
            pose.set(f"{name}_hip", hip_rotation(side, 0.0, rng.uniform(3, 12)))
            pose.set(f"{name}_ankle", ankle_rotation(side, -75.0))
        turn = rng.choice([-1, 1]) * rng.uniform(50, 80)
        pose.set("neck", spine_rotation(-20.0, 0, 0.5 * turn))
        pose.set("head", spine_rotation(-10.0, 0, 0.5 * turn))
    else:  # on the left side
        pose.local[:, 0] = root_rotation(drift[:, 0], 2 * drift[:, 1], -90.0 + 3 * drift[:, 2])
        depth = 0.16 * s
        for name, side in SIDES:
            pose.set(f"{name}_hip", hip_rotation(side, rng.uniform(25, 60) + 5 * (side < 0), 0))
            pose.set(f"{name}_knee", knee_rotation(rng.uniform(40, 80)))
        pose.set("neck", spine_rotation(10.0, -15.0))
    pose.set("spine2", spine_rotation(-0.5 * breath))
    pose.set("spine3", spine_rotation(-0.5 * breath))
    for name, side in SIDES:
        if way == "side" and side > 0:  # the lower arm reaches forward under the pillow
            pose.set(f"{name}_shoulder", shoulder_rotation(side, 80.0, 10.0))
            pose.set(f"{name}_elbow", elbow_rotation(side, 60.0))
            pose.set(f"{name}_collar", rot_y(-15.0))
        elif way == "front":
            pose.set(f"{name}_shoulder", shoulder_rotation(side, 0.0, rng.uniform(80, 100), -5.0, -80.0))
            pose.set(f"{name}_elbow", elbow_rotation(side, rng.uniform(80, 110)))
        else:  # resting beside the body
            pose.set(f"{name}_shoulder", shoulder_rotation(side, rng.uniform(-5, 5), rng.uniform(5, 35), 0, 20))
            pose.set(f"{name}_elbow", elbow_rotation(side, rng.uniform(5, 25), 60))
    pose.root = np.tile([0.0, surface + depth, 0.0], (len(t), 1))
    if way == "back" and rng.random() < 0.4:  # hands resting on the belly
        for _, side in SIDES:
            place_hand(pose, side, "pelvis", np.array([side * 0.06, 0.12, 0.14]) * s, [side * 1.0, 0.0, -0.5], 70)
    rest_on_surface(pose, surface, 0.02)
    return pose


def _surface(rng: np.random.Generator) -> tuple[str, float]:
    variant = str(rng.choice(["bed", "bed", "floor", "sofa"]))
    return variant, {"bed": rng.uniform(0.45, 0.6), "floor": 0.0, "sofa": rng.uniform(0.38, 0.45)}[variant]


def lie(body: Body, t: np.ndarray, rng: np.random.Generator) -> Take:
    variant, surface = _surface(rng)
    way = str(rng.choice(["back", "back", "side", "front"]))
    pose = lying_pose(body, t, rng, surface, way)
    if way == "side" and rng.random() < 0.5:
        pose.mirror()
    return Take(pose, Facts(variant=variant, details=(f"on_{way}",)))


def _sit_transition(body: Body, t: np.ndarray, rng: np.random.Generator, start: float, duration: float,
                    down: bool) -> Pose:
    """Standing -> seated (``down``) or seated -> standing around a chair, the feet staying put."""
    seat = rng.uniform(0.40, 0.50)
    spread = body.hip_width / 2 + rng.uniform(0.0, 0.08)
    forward = body.thigh * rng.uniform(0.85, 1.05)
    feet = {side: (np.array([side * spread, 0.0, forward]), side * rng.uniform(3, 12)) for _, side in SIDES}
    standing = standing_pose(body, t, rng, "hanging", feet)
    seated = seated_pose(body, t, rng, seat, "hands_on_lap", feet, slump=rng.uniform(0, 8))
    w = transition_weight(t, start, duration)
    if not down:
        w = 1.0 - w
    pose = blend_poses(standing, seated, w)
    # Sitting down leans the trunk forward first; the pelvis travels back and down afterwards.
    u = np.clip((t - start) / duration, 0, 1)
    lean = rng.uniform(25, 40) * np.sin(np.pi * u) ** 2
    travel = min_jerk((u - (0.15 if down else 0.0)) / 0.85)
    drop = min_jerk((u - (0.25 if down else 0.0)) / 0.75)
    if not down:
        travel, drop = 1 - min_jerk(u / 0.8), 1 - min_jerk((u - 0.1) / 0.9)
    pose.root[:, 2] = standing.root[:, 2] + (seated.root[:, 2] - standing.root[:, 2]) * travel
    pose.root[:, 1] = standing.root[:, 1] + (seated.root[:, 1] - standing.root[:, 1]) * drop
    pose.local[:, 0] = pose.local[:, 0] @ root_rotation(0, 0.5 * lean, 0)
    for name in ("spine1", "spine2", "spine3"):
        pose.set(name, pose.get(name) @ spine_rotation(0.15 * lean))
    reach = 25 * np.sin(np.pi * u) ** 2
    for name, _ in SIDES:
        pose.set(f"{name}_shoulder", rot_x(-reach) @ pose.get(f"{name}_shoulder"))
    plant_legs(pose, feet, slack=0.998)
    return pose


def sit_down(body: Body, t: np.ndarray, rng: np.random.Generator) -> Take:
    duration = rng.uniform(1.4, 2.6)
    start = rng.uniform(0.8, max(t[-1] - duration - 2.0, 1.0))
    return Take(_sit_transition(body, t, rng, start, duration, down=True),
                Facts(tempo=tempo_of(-duration, -2.6, -1.4)))


def stand_up(body: Body, t: np.ndarray, rng: np.random.Generator) -> Take:
    duration = rng.uniform(1.1, 2.2)
    start = rng.uniform(0.8, max(t[-1] - duration - 2.0, 1.0))
    return Take(_sit_transition(body, t, rng, start, duration, down=False),
                Facts(tempo=tempo_of(-duration, -2.2, -1.1)))


def _lie_transition(body: Body, t: np.ndarray, rng: np.random.Generator) -> tuple[Pose, float]:
    """Sitting on the edge of a bed, then lying down on the back along it."""
    bed = rng.uniform(0.45, 0.6)
    duration = rng.uniform(2.0, 3.5)
    start = rng.uniform(1.0, max(t[-1] - duration - 2.0, 1.5))
    seated = seated_pose(body, t, rng, bed, "hands_on_lap")
    lying = lying_pose(body, t, rng, bed, "back")
    turn = rng.choice([-1.0, 1.0]) * 90.0
    lying.local[:, 0] = rot_y(turn) @ lying.local[:, 0]
    lying.root = lying.root + np.array([-0.35 * np.sign(turn) * body.height / 1.75, 0.0, -0.1])
    w = transition_weight(t, start, duration)
    pose = blend_poses(seated, lying, w)
    positions, _ = pose.solve()
    sink = np.minimum(positions[..., 1].min(axis=1) - 0.01, 0.0)  # nothing through the floor mid-way
    pose.root[:, 1] -= sink
    return pose, duration


def lie_down(body: Body, t: np.ndarray, rng: np.random.Generator) -> Take:
    pose, duration = _lie_transition(body, t, rng)
    return Take(pose, Facts(tempo=tempo_of(-duration, -3.5, -2.0)))


def get_up(body: Body, t: np.ndarray, rng: np.random.Generator) -> Take:
    """Sitting up from lying in bed to sit on its edge: lying down played backwards."""
    pose, duration = _lie_transition(body, t, rng)
    pose.reverse()
    return Take(pose, Facts(tempo=tempo_of(-duration, -3.5, -2.0)))


def _bends(t: np.ndarray, rng: np.random.Generator, period: tuple[float, float], hold: float) -> np.ndarray:
    """0..1 bending profile: repeated bends of ``period`` seconds with a ``hold`` at the bottom."""
    gap = rng.uniform(*period)
    times = np.arange(rng.uniform(0.3, 1.0) * gap, t[-1] + gap, gap) + rng.uniform(-0.1, 0.1)
    half = 0.5 * (gap - hold) * 0.8
    keys = [-half - hold / 2, -hold / 2, hold / 2, half + hold / 2]
    return np.clip(strokes(t, times, keys, [[0.0], [1.0], [1.0], [0.0]])[:, 0], 0, 1)


def _bent_over(pose: Pose, w: np.ndarray, hips: float, spine: float, knees: float, back: float) -> None:
    """Flex hips (pelvis tilt) and spine by ``w`` times the given degrees, push the pelvis back and down."""
    pose.local[:, 0] = pose.local[:, 0] @ root_rotation(0, hips * w, 0)
    for name in ("spine1", "spine2", "spine3"):
        pose.set(name, pose.get(name) @ spine_rotation(spine * w / 3))
    pose.set("neck", pose.get("neck") @ spine_rotation(-0.4 * spine * w))
    pose.root[:, 2] -= back * w
    pose.root[:, 1] -= knees * w


def bend_pick_up(body: Body, t: np.ndarray, rng: np.random.Generator) -> Take:
    """Bending down to pick something up from the floor with the (dominant) right hand, once or more."""
    feet = standing_feet(body, rng)
    pose = standing_pose(body, t, rng, "hanging", feet)
    period = rng.uniform(3.0, 5.0)
    w = _bends(t, rng, (period, period), rng.uniform(0.3, 1.0))
    squat_share = rng.uniform(0, 1)
    _bent_over(pose, w, rng.uniform(45, 70) - 20 * squat_share, rng.uniform(20, 40), 0.05 + 0.3 * squat_share, 0.1)
    plant_legs(pose, feet, slack=0.998)
    reaching = Pose(body, t)
    reaching.local, reaching.root = pose.local.copy(), pose.root.copy()
    floor_point = np.array([-0.18 * body.height / 1.75, 0.09, 0.35])
    pole = apply(pose.local[:, 0], np.broadcast_to([-0.5, 0.2, -1.0], (len(t), 3)))
    reaching.solve_arm(-1, np.broadcast_to(floor_point, (len(t), 3)), pole, 70.0)
    blended = blend_poses(pose, reaching, w ** 2)
    pose.set("right_shoulder", blended.get("right_shoulder"))
    pose.set("right_elbow", blended.get("right_elbow"))
    return Take(pose, Facts(tempo=tempo_of(-period, -5.0, -3.0)))


def bend_forward(body: Body, t: np.ndarray, rng: np.random.Generator) -> Take:
    """Waist bends: repeated forward bends with the legs nearly straight, arms hanging to the toes."""
    feet = standing_feet(body, rng)
    pose = standing_pose(body, t, rng, "hanging", feet)
    period = rng.uniform(2.5, 5.0)
    w = _bends(t, rng, (period, period), rng.uniform(0.0, 0.8))
    _bent_over(pose, w, rng.uniform(50, 75), rng.uniform(25, 40), 0.03, 0.12)
    for name, _ in SIDES:
        pose.set(f"{name}_shoulder", rot_x(-60 * w) @ pose.get(f"{name}_shoulder"))
    plant_legs(pose, feet, slack=0.999)
    return Take(pose, Facts(tempo=tempo_of(-period, -5.0, -2.5)))


def squat(body: Body, t: np.ndarray, rng: np.random.Generator) -> Take:
    """Repeated squats (knee bends) with the heels down and the knees tracking outwards."""
    feet = standing_feet(body, rng, body.hip_width + rng.uniform(0.05, 0.25))
    arms = str(rng.choice(["forward", "forward", "hands_on_hips", "hanging"]))
    pose = standing_pose(body, t, rng, None, feet)
    period = rng.uniform(2.0, 4.0)
    w = _bends(t, rng, (period, period), rng.uniform(0.0, 0.4))
    depth = rng.uniform(0.25, 0.45) * body.height / 1.75
    _bent_over(pose, w, depth * 90, depth * 30, depth, 0.35 * depth)
    plant_legs(pose, feet, slack=0.998, knee_out=12.0)
    if arms == "forward":
        for name, side in SIDES:
            pose.set(f"{name}_shoulder", shoulder_rotation(side, 20 + 65 * w, 8, 5, 0))
            pose.set(f"{name}_elbow", elbow_rotation(side, 10.0, 40))
    elif arms == "hanging":
        hang_arms(pose, rng)
    else:
        hold_arms(pose, arms, rng)
    return Take(pose, Facts(tempo=tempo_of(-period, -4.0, -2.0)))


def kneel(body: Body, t: np.ndarray, rng: np.random.Generator) -> Take:
    """Going down on one knee (the right; mirrored half the time), staying there, maybe rising again."""
    feet = standing_feet(body, rng, body.hip_width + rng.uniform(0, 0.08))
    pose = standing_pose(body, t, rng, "hanging", feet)
    duration = rng.uniform(1.2, 2.2)
    start = rng.uniform(0.5, 2.5)
    w = transition_weight(t, start, duration)
    if rng.random() < 0.4:
        w = w * (1 - transition_weight(t, t[-1] - rng.uniform(1.5, 3.0) - duration, duration))
    s = body.height / 1.75
    knee_ahead = 0.05 * s
    hip_height = 0.06 * s + np.sqrt(body.thigh ** 2 - knee_ahead ** 2)
    hip = body.offsets[JOINT_INDEX["right_hip"]]
    kneeling_root = np.array([feet[-1][0][0] - hip[0], hip_height - hip[1], -0.2 * s])
    pose.root = pose.root + (kneeling_root - pose.root) * w[:, None] * np.array([0.5, 1, 1])
    pose.local[:, 0] = pose.local[:, 0] @ root_rotation(0, 8 * w, 0)
    front = (feet[1][0] + np.array([0.0, 0.0, 0.25 * s]) * w[:, None], feet[1][1])
    plant_legs(pose, {1: front}, slack=0.999)
    # The kneeling leg: the shin lies on the floor behind the knee, toes tucked under.
    right_hip = pose.root + apply(pose.local[:, 0], hip)
    knee = right_hip * np.array([1, 0, 1]) + np.array([0.0, 0.06 * s, knee_ahead])
    kneeling_ankle = knee + np.array([0.0, 0.1 * s, -np.sqrt(body.shank ** 2 - (0.1 * s) ** 2)])
    standing_ankle = feet[-1][0] + np.array([0.0, body.ankle_height, 0.0])
    ankle = standing_ankle + (kneeling_ankle - standing_ankle) * w[:, None]
    ankle[:, 1] += 0.12 * bump(w)
    foot = rot_y(feet[-1][1]) @ rot_x(60 * w)
    pose.solve_leg(-1, ankle, foot, np.broadcast_to([0.0, 0.0, 1.0], (len(t), 3)) - w[:, None] * [0, 1.0, 0])
    pose.set("right_foot", toe_rotation(60 * w))
    if rng.random() < 0.5:
        pose.mirror()
    return Take(pose, Facts())


def lunge(body: Body, t: np.ndarray, rng: np.random.Generator) -> Take:
    """Alternating forward lunges: step out, drop the back knee towards the floor, push back."""
    feet = standing_feet(body, rng, body.hip_width + rng.uniform(0, 0.06))
    pose = standing_pose(body, t, rng, None, feet)
    period = rng.uniform(2.2, 3.5)
    s = body.height / 1.75
    step = rng.uniform(0.6, 0.9) * s
    targets = {side: np.broadcast_to(feet[side][0], (len(t), 3)).copy() for _, side in SIDES}
    depth = np.zeros(len(t))
    forward = np.zeros(len(t))
    times = np.arange(rng.uniform(0.3, 0.8), t[-1] + period, period)
    for k, time in enumerate(times):
        side = 1 if k % 2 == 0 else -1
        out = strokes(t, [time], [0.0, 0.35, 0.5, period - 0.6, period - 0.45, period - 0.05],
                      [[0.0], [1.0], [1.0], [1.0], [1.0], [0.0]])[:, 0]
        lift = strokes(t, [time], [0.0, 0.17, 0.35, period - 0.6, period - 0.4, period - 0.2],
                       [[0.0], [1.0], [0.0], [0.0], [1.0], [0.0]])[:, 0]
        targets[side][:, 2] += step * np.clip(out, 0, 1)
        targets[side][:, 1] += 0.08 * np.clip(lift, 0, 1)
        down = strokes(t, [time], [0.2, 0.6, period - 1.0, period - 0.5], [[0.0], [1.0], [1.0], [0.0]])[:, 0]
        depth += np.clip(down, 0, 1)
        forward += np.clip(out, 0, 1)
    pose.root[:, 2] += 0.5 * step * forward
    pose.root[:, 1] -= rng.uniform(0.25, 0.4) * s * depth
    plant_legs(pose, {side: (targets[side], feet[side][1]) for _, side in SIDES}, slack=0.999)
    for name, _ in SIDES:
        pose.set(f"{name}_shoulder", rot_x(-10 * depth) @ pose.get(f"{name}_shoulder"))
    return Take(pose, Facts(tempo=tempo_of(-period, -3.5, -2.2)))


def ride_elevator(body: Body, t: np.ndarray, rng: np.random.Generator) -> Take:
    """Standing in a lift that starts, travels one or more floors and stops (up or down)."""
    arms, details = _arms_choice(rng, STANDING_ARMS)
    pose = standing_pose(body, t, rng, arms)
    up = rng.random() < 0.5
    speed = rng.uniform(1.0, 2.5)
    accel = rng.uniform(0.5, 1.2)
    ramp = speed / accel
    start = rng.uniform(0.5, 2.0)
    cruise = max(t[-1] - start - 2 * ramp - rng.uniform(0.5, 2.0), 0.5)
    velocity = speed * (min_jerk((t - start) / ramp) - min_jerk((t - start - ramp - cruise) / ramp))
    height = np.cumsum(velocity) * (t[1] - t[0])
    pose.root[:, 1] += height if up else height[-1] - height
    return Take(pose, Facts(variant="up" if up else "down", details=details))
