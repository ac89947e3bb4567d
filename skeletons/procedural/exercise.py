"""Exercise and fitness: cycling, rowing, swimming, push-ups, sit-ups and dancing.

Bicycle fit: crank 0.17-0.175 m, seat-tube angle about 73 degrees, saddle height giving 25-35 degrees of
knee flexion at the bottom of the pedal stroke (Bini et al., Sports Med 2011); cadence 55-100 rpm.
Rowing ergometer: 18-32 strokes/min, drive about a third of the cycle (Soper & Hume, Sports Med 2004).
Front crawl: 0.6-1 stroke cycles/s with a six-beat kick and 35-45 degrees of body roll. Push-ups
0.5-1 per second; dance steps on the beat at 95-130 beats/min.
"""
from __future__ import annotations

import numpy as np

from .arms import set_arm
from .body_params import Body
from .footwork import footwork, stand_on_tracks, track_feet
from .rig import (
    SIDES,
    Pose,
    ankle_rotation,
    hip_rotation,
    knee_rotation,
    root_rotation,
    spine_rotation,
    toe_rotation,
    wrist_rotation,
)
from .rotations import apply, rot_x, rot_y
from .signals import keyframes, smooth_noise
from .stance import place_hand, plant_legs
from .take import Facts, Take, tempo_of


def _pedal_ankle(body: Body, pedal: np.ndarray, pitch: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Ankle position and foot rotation with the ball of the foot on ``pedal`` and the foot pitched."""
    foot = rot_x(-pitch)
    ball = np.array([0.0, -(body.ankle_height - body.proportions.ball_height * body.height), body.ball_forward])
    return pedal - apply(foot, np.broadcast_to(ball, pedal.shape)), foot


def cycle(body: Body, t: np.ndarray, rng: np.random.Generator) -> Take:
    """Pedalling a bicycle outdoors, an exercise bike, or out of the saddle, hands on the handlebar."""
    variant = str(rng.choice(["outdoor", "outdoor", "exercise_bike", "standing"]))
    s = body.height / 1.75
    cadence = rng.uniform(55, 100) if variant != "standing" else rng.uniform(50, 75)
    crank = rng.uniform(0.17, 0.175)
    angle = 2 * np.pi * (cadence / 60.0 * t * (1 + 0.02 * smooth_noise(rng, t, 0.2))) + rng.uniform(0, 2 * np.pi)
    bracket = np.array([0.0, 0.28, 0.0])
    reach = np.sqrt(body.thigh ** 2 + body.shank ** 2 + 2 * body.thigh * body.shank * np.cos(np.radians(30)))
    bottom, _ = _pedal_ankle(body, bracket + np.array([0, -crank, 0]), np.array([-15.0]))
    tube = np.array([0.0, np.sin(np.radians(73)), -np.cos(np.radians(73))])
    a = bottom[0] - bracket
    along = tube @ a + np.sqrt((tube @ a) ** 2 - a @ a + reach ** 2)
    hips = bracket + along * tube
    lean = {"outdoor": rng.uniform(25, 50), "exercise_bike": rng.uniform(10, 30),
            "standing": rng.uniform(30, 45)}[variant]
    pose = Pose(body, t)
    rock = np.sin(angle)
    tilt = 0.5 * lean + (15 if variant == "standing" else 0)
    roll = (6 if variant == "standing" else 1.5) * rock
    pose.local[:, 0] = root_rotation(1.5 * rock, tilt, roll)
    hip_below = body.offsets[1, 1]  # (negative) height of the hip joints relative to the pelvis joint
    root = hips - apply(pose.local[:, 0], np.broadcast_to([0.0, hip_below, 0.0], (len(t), 3)))
    if variant == "standing":
        root = root + np.array([0.0, 0.1 * s, 0.18 * s])
    pose.root = root + np.stack([0.01 * rock * (variant == "standing"), 0.002 * smooth_noise(rng, t, 4.0), 0 * t], -1)
    for _, side in SIDES:
        theta = angle + (0 if side > 0 else np.pi)
        pedal = bracket + np.stack([np.full(len(t), side * (body.hip_width / 2 + 0.02)), crank * np.cos(theta),
                                    crank * np.sin(theta)], -1)
        pitch = -12 + 10 * np.cos(theta - np.pi / 2)
        ankle, foot = _pedal_ankle(body, pedal, pitch)
        pose.solve_leg(side, ankle, foot, np.broadcast_to([side * 0.15, 0.2, 1.0], (len(t), 3)))
    share = lean - tilt
    for name, part in (("spine1", 0.3), ("spine2", 0.35), ("spine3", 0.35)):
        pose.set(name, spine_rotation(part * share, -0.5 * part * roll, -part * 1.5 * rock))
    pose.set("neck", spine_rotation(-0.5 * lean, 0, 3 * smooth_noise(rng, t, 0.2)))
    pose.set("head", spine_rotation(-0.3 * lean))
    bar = np.array([0.22 * s, -0.05 * s, 0.5 * s])
    for name, side in SIDES:
        place_hand(pose, side, "spine3", bar * [side, 1, 1], [side * 0.6, -1.0, -0.4], 90.0)
        pose.set(f"{name}_wrist", wrist_rotation(side, -10.0, 10.0))
    if variant == "outdoor":
        speed = rng.uniform(3.5, 8.0) * cadence / 80
        pose.root[:, 2] += speed * t
    return Take(pose, Facts(tempo=tempo_of(cadence, 55, 100), variant=variant))


def row(body: Body, t: np.ndarray, rng: np.random.Generator) -> Take:
    """A rowing machine: legs drive, then the trunk swings back and the arms pull; recovery in reverse."""
    s = body.height / 1.75
    rate = rng.uniform(18, 32) / 60.0
    phase = rate * t + rng.uniform(0, 1)
    seat = rng.uniform(0.33, 0.4)
    foot_z = 0.95 * s
    #        phase, seat travel (0 catch .. 1 finish), trunk lean, handle travel (0 .. 1)
    keys = np.array([[0.00, 0.00, 28.0, 0.00], [0.18, 0.75, 20.0, 0.35], [0.30, 1.00, -20.0, 0.75],
                     [0.36, 1.00, -22.0, 1.00], [0.50, 0.95, -15.0, 0.70], [0.65, 0.80, 25.0, 0.25],
                     [0.85, 0.35, 28.0, 0.05]])
    track = keyframes(phase, keys[:, 0], keys[:, 1:], periodic=True)
    travel, lean, pull = track[:, 0], track[:, 1], track[:, 2]
    leg = body.thigh + body.shank
    catch_z, finish_z = foot_z - 0.45 * leg, foot_z - 0.98 * leg
    pose = Pose(body, t)
    pelvis_z = catch_z + (finish_z - catch_z) * travel
    pose.root = np.stack([0 * t, np.full(len(t), seat + 0.1 * s), pelvis_z], -1)
    pose.local[:, 0] = root_rotation(0, 0.6 * lean - 10, 0)
    for name, part in (("spine1", 0.3), ("spine2", 0.35), ("spine3", 0.35)):
        pose.set(name, spine_rotation(part * 0.4 * lean + 3, 0, 0))
    pose.set("neck", spine_rotation(-0.5 * lean))
    feet = {side: (np.array([side * 0.1 * s, 0.12, foot_z]), side * 5.0) for _, side in SIDES}
    for _, side in SIDES:
        anchor, yaw = feet[side]
        ankle = np.broadcast_to(anchor + [0, body.ankle_height, 0], (len(t), 3))
        foot = np.broadcast_to(rot_y(yaw) @ rot_x(-35.0), (len(t), 3, 3))
        pose.solve_leg(side, ankle, foot, np.broadcast_to([0.0, 1.0, 0.3], (len(t), 3)))
    handle_z = (foot_z - 0.1) + (pelvis_z + 0.25 * s - (foot_z - 0.1)) * pull
    for _, side in SIDES:
        handle = np.stack([np.full(len(t), side * 0.12 * s), np.full(len(t), seat + 0.45 * s), handle_z], -1)
        pose.solve_arm(side, handle, np.broadcast_to([side * 0.5, -0.3, -1.0], (len(t), 3)), 90.0)
    return Take(pose, Facts(tempo=tempo_of(rate * 60, 18, 32), variant="machine"))


def swim(body: Body, t: np.ndarray, rng: np.random.Generator) -> Take:
    """Front crawl (or breaststroke): the body prone at the surface, arms stroking, legs kicking."""
    breaststroke = rng.random() < 0.3
    rate = rng.uniform(0.45, 0.75) if breaststroke else rng.uniform(0.55, 1.0)
    speed = rng.uniform(0.6, 1.1) if breaststroke else rng.uniform(0.8, 1.6)
    cycle_phase = rate * t + rng.uniform(0, 1)
    pose = Pose(body, t)
    zeros = np.zeros(len(t))
    if breaststroke:
        p = np.mod(cycle_phase, 1.0)
        arms = keyframes(p, [0.0, 0.25, 0.4, 0.55, 0.75], np.array([
            [175, 10, 0, 0, 5, 80], [150, 60, -20, -30, 40, 60], [120, 20, 40, -30, 100, 60],
            [170, 5, 10, 0, 60, 80], [178, 5, 0, 0, 0, 90]]), periodic=True)
        legs = keyframes(p, [0.0, 0.3, 0.5, 0.6, 0.8], np.array([
            [5, 5, 5], [5, 5, 5], [70, 25, 110], [30, 40, 30], [5, 5, 5]]), periodic=True)
        pitch = 80 + 10 * np.sin(2 * np.pi * p)
        for name, side in SIDES:
            set_arm(pose, side, np.stack([arms[:, 0], arms[:, 1], arms[:, 2], arms[:, 3], arms[:, 4], arms[:, 5],
                                          zeros, zeros], -1))
            pose.set(f"{name}_hip", hip_rotation(side, legs[:, 0], legs[:, 1], -10))
            pose.set(f"{name}_knee", knee_rotation(legs[:, 2]))
            pose.set(f"{name}_ankle", ankle_rotation(side, 10 - 0.5 * legs[:, 2]))
        roll = zeros
        pose.set("neck", spine_rotation(-25 - 15 * np.sin(2 * np.pi * p)))
    else:
        pitch = 88.0 + zeros
        for name, side in SIDES:
            theta = 2 * np.pi * (cycle_phase + (0 if side > 0 else 0.5))
            flex = 180 - np.degrees(np.mod(theta, 2 * np.pi)) + 20 * np.sin(theta)
            elbow = 20 + 70 * np.sin(np.mod(theta, 2 * np.pi) / 2) ** 2
            set_arm(pose, side, np.stack([flex, zeros + 10, zeros, zeros + 20, elbow, zeros + 60, zeros, zeros], -1))
            kick = 2 * np.pi * 3 * cycle_phase + (0 if side > 0 else np.pi)
            pose.set(f"{name}_hip", hip_rotation(side, 12 * np.sin(kick), 3, -8))
            pose.set(f"{name}_knee", knee_rotation(15 + 15 * np.sin(kick + 1.2)))
            pose.set(f"{name}_ankle", ankle_rotation(side, -60.0))
        roll = 40 * np.sin(2 * np.pi * cycle_phase)
        breathe = np.clip(np.sin(2 * np.pi * cycle_phase / 2), 0, 1) ** 4 * 70
        pose.set("neck", spine_rotation(-10, 0, -0.5 * roll + breathe))
    pose.local[:, 0] = root_rotation(0, pitch, roll)
    pose.root = np.stack([zeros, np.full(len(t), 1.2), speed * t], -1)
    return Take(pose, Facts(tempo=tempo_of(rate, 0.45, 1.0), variant="breaststroke" if breaststroke else "crawl"))


def push_ups(body: Body, t: np.ndarray, rng: np.random.Generator) -> Take:
    """Push-ups: a straight body pivoting about the toes, the arms bending and straightening."""
    s = body.height / 1.75
    rate = rng.uniform(0.45, 1.0)
    depth = 0.5 - 0.5 * np.cos(2 * np.pi * rate * t + rng.uniform(0, 2 * np.pi))
    length = 1.45 * s
    high, low = np.degrees(np.arcsin(0.55 * s / length)), np.degrees(np.arcsin(0.16 * s / length))
    angle = high + (low - high) * depth
    pose = Pose(body, t)
    pose.local[:, 0] = root_rotation(0, 90.0 - angle, 0)
    for name, side in SIDES:
        pose.set(f"{name}_hip", hip_rotation(side, 3.0, 4.0))
        pose.set(f"{name}_ankle", ankle_rotation(side, 5.0))
        pose.set(f"{name}_foot", toe_rotation(70.0))
    pose.set("neck", spine_rotation(-15.0))
    pose.root = np.zeros((len(t), 3))
    _, toe = pose.frame("left_foot")
    ball = np.array([0.0, body.proportions.ball_height * body.height, 0.0])
    pose.root = ball - toe * np.array([0.0, 1.0, 1.0])
    _, shoulder = pose.frame("spine3")
    hand_z = float(shoulder[np.argmin(depth), 2]) + 0.03
    width = rng.uniform(0.22, 0.35) * s
    for name, side in SIDES:
        hand = np.broadcast_to([side * width, 0.04, hand_z], (len(t), 3))
        pose.solve_arm(side, hand, np.broadcast_to([side * 1.0, 0.5, -0.6], (len(t), 3)), 90.0)
        pose.set(f"{name}_wrist", wrist_rotation(side, -70.0, 0.0))
    return Take(pose, Facts(tempo=tempo_of(rate, 0.45, 1.0)))


def sit_ups(body: Body, t: np.ndarray, rng: np.random.Generator) -> Take:
    """Sit-ups or crunches on the floor, knees bent and feet flat, hands behind the head or on the chest."""
    s = body.height / 1.75
    rate = rng.uniform(0.3, 0.7)
    full = rng.random() < 0.5
    lift = 0.5 - 0.5 * np.cos(2 * np.pi * rate * t + rng.uniform(0, 2 * np.pi))
    curl = (rng.uniform(50, 70) if full else rng.uniform(25, 40)) * lift
    pose = Pose(body, t)
    pose.local[:, 0] = root_rotation(0, -90.0 + (0.4 * curl if full else 0.1 * curl), 0)
    pose.root = np.tile([0.0, 0.1 * s, 0.0], (len(t), 1))
    for name, part in (("spine1", 0.25), ("spine2", 0.35), ("spine3", 0.4)):
        pose.set(name, spine_rotation(part * (0.6 if full else 0.9) * curl))
    pose.set("neck", spine_rotation(15 + 0.2 * curl))
    feet = {side: (np.array([side * 0.12 * s, 0.0, 0.55 * s]), side * 5.0) for _, side in SIDES}
    plant_legs(pose, feet, slack=0.99)
    behind_head = rng.random() < 0.5
    for _, side in SIDES:
        if behind_head:
            place_hand(pose, side, "head", np.array([side * 0.06, 0.02, -0.12]) * s, [side * 1.0, 0.3, 0.3], 0.0)
        else:
            place_hand(pose, side, "spine3", np.array([-side * 0.1, 0.0, 0.12]) * s, [side * 1.0, -1.0, 0.0], 60.0)
    return Take(pose, Facts(tempo=tempo_of(rate, 0.3, 0.7), details=("hands_behind_head",) if behind_head else ()))


def dance(body: Body, t: np.ndarray, rng: np.random.Generator) -> Take:
    """Free dancing to a beat: step-touches, a bounce on every beat, hips swaying, arms moving in a loop."""
    s = body.height / 1.75
    bpm = rng.uniform(95, 130)
    beat = 60.0 / bpm
    beats = t / beat + rng.uniform(0, 1)
    moves = []
    side_step = rng.uniform(0.15, 0.35)
    for k, time in enumerate(np.arange(0.5, t[-1], 2 * beat)):
        moves.append((time, np.array([side_step * (1 if k % 2 == 0 else -1), rng.uniform(-0.1, 0.1)]), 0.0))
    heading = rng.uniform(-30, 30)
    contacts = footwork(body, t, moves, np.zeros(2), heading, body.hip_width + 0.05, 0.0, 0.7 * beat)
    pose = Pose(body, t)
    sway = np.sin(np.pi * beats)
    pose.local[:, 0] = root_rotation(heading + 10 * sway, 5.0, 6 * sway)
    bounce = 0.03 * s * (0.5 + 0.5 * np.cos(2 * np.pi * beats)) + 0.02
    stand_on_tracks(pose, track_feet(contacts, t, body), bounce, follow_s=0.1)
    for name, part in (("spine1", 0.3), ("spine2", 0.35), ("spine3", 0.35)):
        pose.set(name, spine_rotation(part * 6, -part * 12 * sway, -part * 15 * sway))
    pose.set("head", spine_rotation(5 * np.cos(2 * np.pi * beats)))
    loop = rng.integers(2, 5)
    keys = np.array([[rng.uniform(-10, 150), rng.uniform(5, 120), rng.uniform(-20, 60), rng.uniform(-30, 30),
                      rng.uniform(10, 120), rng.uniform(0, 90), 0, 0] for _ in range(loop * 2)])
    for _, side in SIDES:
        offset = 0.0 if rng.random() < 0.5 else 0.5
        arm = keyframes(beats / (2 * loop) + offset, np.arange(2 * loop) / (2 * loop), keys, periodic=True)
        set_arm(pose, side, arm)
    return Take(pose, Facts(tempo=tempo_of(bpm, 95, 130)))
