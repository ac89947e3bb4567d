"""Daily living: drinking, eating, brushing teeth, typing, writing, vacuuming, ironing, climbing a
ladder, talking on the phone and combing hair.

Hands are placed by arm IK relative to the head (mouth, ear, scalp), the pelvis (lap, desk) or the
world (ladder rungs). Rates: toothbrush strokes 3-5 Hz; typing 3-7 keystrokes/s; a sip every 3-6 s;
vacuum strokes 0.5-1 Hz of 0.3-0.6 m; ladder climbing 0.25-0.45 m/s with rungs 0.25-0.30 m apart
(EN 131 ladders).
"""
from __future__ import annotations

import numpy as np

from skeletons.body import JOINT_INDEX

from .arms import HANGING, fidget, set_arm
from .body_params import Body
from .feet import Contacts, foot_track, reach_limit
from .footwork import footwork, stand_on_tracks, track_feet
from .gait import locomote, walking_style, wander
from .postures import seated_pose, standing_pose
from .rig import SIDES, Pose, root_rotation, spine_rotation, wrist_rotation
from .signals import event_times, excursions, min_jerk, smooth, smooth_noise
from .stance import place_hand
from .take import Facts, Take, tempo_of

#: Points on the head (head-joint frame, m, 1.75 m body) and desk/lap points (pelvis frame of a seated body).
MOUTH = np.array([0.0, -0.09, 0.11])
HANGING_WRIST = np.array([-0.21, -0.3, 0.03])  # the right wrist of a hanging arm, pelvis frame
DESK = np.array([0.0, 0.27, 0.42])


def _hand_between(pose: Pose, side: int, rest: tuple[str, np.ndarray], goal: tuple[str, np.ndarray],
                  weight: np.ndarray, pole, pronate, arc=(0.0, 0.0, 0.25)) -> None:
    """Move a wrist from ``rest`` to ``goal`` (frame joint, local point) by ``weight`` (0..1, per frame),
    bowing out by ``arc`` (pelvis frame, m) half-way so the hand passes in front of the body."""
    points = []
    for joint, local in (rest, goal):
        rotation, position = pose.frame(joint)
        points.append(position + np.einsum("tij,tj->ti", rotation, np.broadcast_to(local, (pose.frames, 3))))
    pelvis = pose.local[:, 0]
    bow = np.sin(np.pi * np.clip(weight, 0, 1))[:, None] * np.einsum("tij,j->ti", pelvis, np.asarray(arc, float))
    target = points[0] + (points[1] - points[0]) * weight[:, None] + bow
    pose.solve_arm(side, target, np.einsum("tij,j->ti", pelvis, np.asarray(pole, dtype=np.float64)), pronate)


def _seated_or_standing(body: Body, t: np.ndarray, rng: np.random.Generator, seated_share: float):
    if rng.random() < seated_share:
        return seated_pose(body, t, rng, rng.uniform(0.42, 0.5), "hands_on_lap"), "seated"
    return standing_pose(body, t, rng, "hanging"), "standing"


def drink(body: Body, t: np.ndarray, rng: np.random.Generator) -> Take:
    """Raising a cup to the mouth with the right hand, sipping with the head tipped back, lowering it."""
    s = body.height / 1.75
    pose, where = _seated_or_standing(body, t, rng, 0.6)
    gap = rng.uniform(3.0, 6.0)
    sip = rng.uniform(0.8, 2.5)
    times = event_times(rng, 0.8, t[-1] - 1.0, gap, 0.25)
    w = np.clip(excursions(t, np.zeros(1), times, [0.0, 0.7, 0.7 + sip, 1.4 + sip],
                           [[0.0], [1.0], [1.0], [0.0]])[:, 0], 0, 1)
    rest = (("pelvis", DESK * s + [-0.12 * s, 0, 0]) if where == "seated"
            else ("spine3", np.array([-0.2, -0.3, 0.25]) * s))
    _hand_between(pose, -1, rest, ("head", MOUTH * s + [-0.03 * s, 0, 0]), w, [-1.0, -1.0, -0.3], 80 - 40 * w)
    pose.set("head", pose.get("head") @ spine_rotation(-18 * w))
    return Take(pose, Facts(tempo=tempo_of(-gap, -6.0, -3.0), variant=where))


def eat(body: Body, t: np.ndarray, rng: np.random.Generator) -> Take:
    """Eating at a table: the right hand carries food from the plate to the mouth every few seconds."""
    s = body.height / 1.75
    pose = seated_pose(body, t, rng, rng.uniform(0.42, 0.5), None, slump=rng.uniform(5, 15))
    gap = rng.uniform(2.0, 4.0)
    times = event_times(rng, 0.5, t[-1] - 0.8, gap, 0.3)
    w = np.clip(excursions(t, np.zeros(1), times, [0.0, 0.5, 0.8, 1.3], [[0.0], [1.0], [1.0], [0.0]])[:, 0], 0, 1)
    scoop = 0.02 * s * np.sin(2 * np.pi * 2.5 * t) * (1 - w)
    plate = DESK * s + np.stack([-0.08 * s + scoop, 0 * t, 0.02 * s * np.cos(2 * np.pi * 2.5 * t)], -1)
    _hand_between(pose, -1, ("pelvis", plate), ("head", MOUTH * s), w, [-1.0, -1.0, -0.2], 60.0)
    place_hand(pose, 1, "pelvis", DESK * s + [0.15 * s, 0.0, 0.0], [1.0, -1.0, -0.3], 80.0)
    pose.set("neck", pose.get("neck") @ spine_rotation(15 * (1 - w)))
    return Take(pose, Facts(tempo=tempo_of(-gap, -4.0, -2.0)))


def brush_teeth(body: Body, t: np.ndarray, rng: np.random.Generator) -> Take:
    """Brushing teeth with the right hand at the mouth: quick side-to-side strokes, moving around the mouth."""
    s = body.height / 1.75
    pose = standing_pose(body, t, rng, "hanging")
    pose.set("spine2", pose.get("spine2") @ spine_rotation(rng.uniform(5, 15)))
    rate = rng.uniform(3.0, 5.0)
    strokes = 0.022 * s * np.sin(2 * np.pi * rate * t)
    region = np.repeat(rng.uniform(-0.03, 0.03, int(t[-1] / 4) + 2), int(round(4 / (t[1] - t[0]))))[:len(t)]
    region = smooth(region, 0.3, 1 / (t[1] - t[0]))
    local = np.stack([region * s + strokes, -0.09 * s + 0.01 * s * smooth_noise(rng, t, 0.5),
                      np.full(len(t), 0.13 * s)], -1)
    _hand_between(pose, -1, ("pelvis", HANGING_WRIST * s), ("head", local), min_jerk(t / 0.8), [-1.0, -1.0, -0.5],
                  50.0 + 15 * np.sin(2 * np.pi * rate * t))
    pose.set("right_wrist", wrist_rotation(-1, 10 * np.sin(2 * np.pi * rate * t + 1), 0))
    pose.set("neck", pose.get("neck") @ spine_rotation(10.0))
    return Take(pose, Facts(tempo=tempo_of(rate, 3.0, 5.0)))


def type_on_keyboard(body: Body, t: np.ndarray, rng: np.random.Generator) -> Take:
    """Typing at a desk: both hands on the keyboard with small quick finger-driven hand motions."""
    s = body.height / 1.75
    pose = seated_pose(body, t, rng, rng.uniform(0.42, 0.5), None, slump=rng.uniform(0, 12))
    speed = rng.uniform(3.0, 7.0)
    mouse = np.zeros(len(t))
    for time in event_times(rng, 2.0, t[-1], rng.uniform(4, 8), 0.4):
        mouse = np.maximum(mouse, min_jerk((t - time) / 0.4) * (1 - min_jerk((t - time - rng.uniform(1, 3)) / 0.4)))
    for _, side in SIDES:
        jitter = 0.004 * s * speed / 5 * smooth_noise(rng, t, speed, dims=3)
        target = DESK * s + [side * 0.12 * s, 0.0, 0.0] + jitter
        if side < 0:
            target = target + mouse[:, None] * np.array([-0.2 * s, 0.0, 0.0])
        place_hand(pose, side, "pelvis", target, [side * 1.0, -1.0, -0.5], 85.0)
        pose.set("left_wrist" if side > 0 else "right_wrist", wrist_rotation(side, -15.0, 0.0))
    pose.set("neck", spine_rotation(8.0))
    return Take(pose, Facts(tempo=tempo_of(speed, 3.0, 7.0)))


def write_by_hand(body: Body, t: np.ndarray, rng: np.random.Generator) -> Take:
    """Writing with a pen at a desk: the right hand drifting along lines with small letter strokes."""
    s = body.height / 1.75
    pose = seated_pose(body, t, rng, rng.uniform(0.42, 0.5), None, slump=rng.uniform(5, 20))
    line_s = rng.uniform(2.5, 4.5)
    along = np.mod(t / line_s, 1.0)
    along = smooth(along - 0.5, 0.08, 1 / (t[1] - t[0])) * 0.14 * s
    letters = 0.004 * s * smooth_noise(rng, t, 5.0, dims=3)
    line = np.floor(t / line_s) % 6 * -0.01 * s
    target = DESK * s + [-0.08 * s, 0.0, 0.0] + np.stack([along, 0 * t, line], -1) + letters
    place_hand(pose, -1, "pelvis", target, [-1.0, -1.0, -0.4], 70.0)
    place_hand(pose, 1, "pelvis", DESK * s + [0.16 * s, 0.0, 0.02 * s], [1.0, -1.0, -0.3], 80.0)
    pose.set("neck", spine_rotation(rng.uniform(20, 35)))
    return Take(pose, Facts(tempo=tempo_of(-line_s, -4.5, -2.5)))


def vacuum(body: Body, t: np.ndarray, rng: np.random.Generator) -> Take:
    """Vacuuming: pushing and pulling the cleaner with the right hand, stepping along and turning."""
    s = body.height / 1.75
    rate = rng.uniform(0.5, 1.0)
    reach = rng.uniform(0.3, 0.6) * s
    moves, centre, heading = [], np.zeros(2), rng.uniform(-20, 20)
    for time in event_times(rng, 1.0, t[-1], rng.uniform(1.5, 3.0), 0.3):
        centre = centre + rng.uniform(-0.35, 0.35, 2)
        moves.append((time, centre.copy(), 0.0))
    contacts = footwork(body, t, moves, np.zeros(2), heading, body.hip_width + 0.1, rng.uniform(0.1, 0.3), 0.3)
    stroke = np.sin(2 * np.pi * rate * t)
    pose = Pose(body, t)
    lean = rng.uniform(10, 25) + 6 * stroke
    pose.local[:, 0] = root_rotation(heading - 8 * stroke, 0.4 * lean, 0)
    stand_on_tracks(pose, track_feet(contacts, t, body), 0.04 * s + 0.03 * s * (stroke + 1), follow_s=0.3)
    for name, part in (("spine1", 0.3), ("spine2", 0.35), ("spine3", 0.35)):
        pose.set(name, spine_rotation(part * 0.6 * lean, 0, part * 10 * stroke))
    target = np.stack([np.full(len(t), -0.22 * s), 0.02 * s + 0 * t, 0.25 * s + 0.5 * reach * (1 + stroke)], -1)
    place_hand(pose, -1, "pelvis", target, [-1.0, -1.0, -0.5], 60.0)
    zeros = np.zeros(len(t))
    set_arm(pose, 1, HANGING + fidget(t, rng, 4.0) + np.stack([zeros + 10, zeros + 5, zeros, zeros,
                                                               zeros + 20, zeros, zeros, zeros], -1))
    return Take(pose, Facts(tempo=tempo_of(rate, 0.5, 1.0)))


def iron(body: Body, t: np.ndarray, rng: np.random.Generator) -> Take:
    """Ironing at a board: the right hand pushes the iron back and forth, the left smooths the cloth."""
    s = body.height / 1.75
    pose = standing_pose(body, t, rng, None)
    pose.set("spine2", pose.get("spine2") @ spine_rotation(rng.uniform(8, 18)))
    rate = rng.uniform(0.4, 0.9)
    stroke = np.sin(2 * np.pi * rate * t)
    drift = 0.1 * s * smooth_noise(rng, t, 0.1)
    target = np.stack([-0.12 * s + drift, np.full(len(t), 0.12 * s), 0.38 * s + 0.16 * s * stroke], -1)
    place_hand(pose, -1, "pelvis", target, [-1.0, -1.0, -0.3], 85.0)
    place_hand(pose, 1, "pelvis", [0.2 * s, 0.1 * s, 0.38 * s], [1.0, -1.0, -0.3], 85.0)
    pose.set("neck", spine_rotation(rng.uniform(20, 35)))
    return Take(pose, Facts(tempo=tempo_of(rate, 0.4, 0.9)))


def _rung_track(t: np.ndarray, body: Body, on: np.ndarray, off: np.ndarray, points: np.ndarray,
                lift: float) -> np.ndarray:
    """Path (T, 3) of a hand holding ``points`` during [on, off] windows and moving between them like a
    stepping foot (the foot tracker with a flat, unrolled foot; its ankle point is the hand)."""
    grips = Contacts.make(on, off, points - np.array([0.0, body.ankle_height, 0.0]), 0.0, flat_at=0.01,
                          heel_off_at=0.99, clearance=lift, rise=(0.0, 0.7))
    return foot_track(grips, t, body).ankle


def climb_ladder(body: Body, t: np.ndarray, rng: np.random.Generator) -> Take:
    """Climbing a vertical ladder: each foot and the opposite hand moving up two rungs at a time."""
    s = body.height / 1.75
    rung = rng.uniform(0.25, 0.3)
    rate = rng.uniform(0.9, 1.6)  # rungs climbed per second
    ladder_z = 0.3 * s
    start = rng.uniform(0, 1)
    pose = Pose(body, t)
    feet, hands = {}, {}
    for _, side in SIDES:
        k = np.arange(-2, int(t[-1] * rate / 2) + 4)
        on = (k + (0.0 if side > 0 else 0.5) - start) * 2 / rate
        off = on + 2 / rate * 0.65
        heights = (2 * k + (0 if side > 0 else 1)) * rung
        anchor = np.stack([np.full(len(k), side * 0.13 * s), heights,
                           np.full(len(k), ladder_z - body.ball_forward)], -1)
        feet[side] = foot_track(Contacts.make(on, off, anchor, 0.0, flat_at=0.01, heel_off_at=0.99,
                                              clearance=0.06, rise=(0.0, 0.7)), t, body)
        grip = np.stack([np.full(len(k), -side * 0.22 * s), heights + 1.45 * s, np.full(len(k), ladder_z - 0.05)], -1)
        hands[-side] = _rung_track(t, body, on + 1 / rate, off + 1 / rate, grip, 0.04)
    lower = np.minimum(feet[1].ankle[:, 1], feet[-1].ankle[:, 1]) - body.ankle_height
    floor = smooth(lower, 0.3, 1 / (t[1] - t[0]))
    pose.root = np.stack([0 * t, floor + body.pelvis_height - 0.1 * s, np.full(len(t), ladder_z - 0.32 * s)], -1)
    pose.local[:, 0] = root_rotation(0, 8.0, 0)
    limit = np.full(len(t), np.inf)
    for side, track in feet.items():
        hip = body.offsets[JOINT_INDEX["left_hip" if side > 0 else "right_hip"]]
        limit = np.where(track.contact, np.minimum(limit, reach_limit(pose.root, pose.local[:, 0], body, hip,
                                                                          track.ankle)), limit)
    pose.root[:, 1] = np.minimum(pose.root[:, 1], limit)
    pose.set("neck", spine_rotation(-10.0))
    for name, side in SIDES:
        pose.solve_leg(side, feet[side].ankle, feet[side].rotation, np.broadcast_to([0, 0.3, 1.0], (len(t), 3)))
        pose.set(f"{name}_foot", feet[side].toe)
        pose.solve_arm(side, hands[side], np.broadcast_to([side * 1.0, -1.0, -0.5], (len(t), 3)), 90.0)
    lowest = min(float(track.ankle[:, 1].min()) for track in feet.values()) - body.ankle_height
    pose.root[:, 1] -= min(0.0, lowest)  # the lowest rung used is at or above the floor
    return Take(pose, Facts(tempo=tempo_of(rate, 0.9, 1.6)))


def talk_on_phone(body: Body, t: np.ndarray, rng: np.random.Generator) -> Take:
    """Holding a phone to the right ear, standing, sitting or pacing slowly, the free hand gesturing."""
    s = body.height / 1.75
    where = str(rng.choice(["standing", "seated", "walking"]))
    if where == "walking":
        style = walking_style(body, rng, rng.uniform(0.6, 1.1))
        style.turn_rate = wander(t, rng, 20.0)
        pose = locomote(body, t, style, rng)
    elif where == "seated":
        pose = seated_pose(body, t, rng, rng.uniform(0.42, 0.5), "hands_on_lap")
    else:
        pose = standing_pose(body, t, rng, "hanging")
    place_hand(pose, -1, "head", np.array([-0.09, -0.03, 0.03]) * s, [-1.0, -1.0, 0.0], 10.0)
    pose.set("head", pose.get("head") @ spine_rotation(0, -8.0))
    gesture = np.clip(smooth_noise(rng, t, 0.3), 0, None)
    zeros = np.zeros(len(t))
    if where != "walking":
        set_arm(pose, 1, HANGING + np.stack([30 * gesture, 10 * gesture, 20 * gesture, zeros, 60 * gesture,
                                             20 * gesture, zeros, zeros], -1))
    return Take(pose, Facts(variant=where))


def comb_hair(body: Body, t: np.ndarray, rng: np.random.Generator) -> Take:
    """Combing or brushing the hair: the right hand sweeping over the head from front to back."""
    s = body.height / 1.75
    pose = standing_pose(body, t, rng, "hanging")
    rate = rng.uniform(0.6, 1.2)
    u = np.mod(rate * t, 1.0)
    sweep = np.where(u < 0.6, min_jerk(u / 0.6), 1 - min_jerk((u - 0.6) / 0.4))
    side_offset = 0.04 * s * smooth_noise(rng, t, 0.1)
    local = np.stack([-0.04 * s + side_offset, 0.13 * s - 0.03 * s * sweep, 0.1 * s - 0.2 * s * sweep], -1)
    _hand_between(pose, -1, ("pelvis", HANGING_WRIST * s), ("head", local), min_jerk(t / 0.8), [-1.0, 0.3, 0.2], 0.0)
    pose.set("neck", pose.get("neck") @ spine_rotation(10 * sweep))
    return Take(pose, Facts(tempo=tempo_of(rate, 0.6, 1.2)))
