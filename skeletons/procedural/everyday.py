"""More everyday actions that wearable datasets label: smoking, checking the time, pointing, pushing,
wiping a table, stirring a pot, texting, looking around, marching in place, folding laundry and
knocking on a door (MMAct, Opportunity, PAMAP2, WISDM, Shoaib, UT-Complex, UTD-MHAD class names).

Hands are placed by arm IK relative to the head, the chest or the pelvis, as in :mod:`.daily`. Rates:
a cigarette puff every 5-15 s held 1-2 s (Shoaib et al., Sensors 2016, describe smoking episodes of that
shape); wiping and stirring strokes 0.7-2 Hz; knocks 3-5 Hz in bursts of 2-4; marching 1.5-2.2 steps/s.
"""
from __future__ import annotations

import numpy as np

from .arms import HANGING, set_arm
from .body_params import Body
from .daily import MOUTH, _hand_between, _seated_or_standing
from .postures import seated_pose, standing_pose
from .rig import SIDES, hip_rotation, knee_rotation, spine_rotation
from .signals import event_times, excursions, min_jerk, smooth_noise
from .stance import hand_movements, place_hand
from .take import Facts, Take, tempo_of


def _pulses(t: np.ndarray, times: np.ndarray, rise: float, hold: float) -> np.ndarray:
    """0..1: up over ``rise`` s at each time, held ``hold`` s, back down over ``rise``."""
    return np.clip(excursions(t, np.zeros(1), times, [0.0, rise, rise + hold, 2 * rise + hold],
                              [[0.0], [1.0], [1.0], [0.0]])[:, 0], 0, 1)


def smoke(body: Body, t: np.ndarray, rng: np.random.Generator) -> Take:
    """Smoking: the right hand brings a cigarette to the lips every 5-15 s, holds 1-2 s, lowers it to
    about chest height, where it rests with small movements."""
    s = body.height / 1.75
    pose, where = _seated_or_standing(body, t, rng, 0.4)
    gap = rng.uniform(5.0, 12.0)
    times = event_times(rng, 0.5, t[-1] - 1.5, gap, 0.3)
    w = _pulses(t, times, rng.uniform(0.5, 0.8), rng.uniform(1.0, 2.0))
    rest = ("spine3", np.array([-0.12, -0.2, 0.25]) * s)
    _hand_between(pose, -1, rest, ("head", MOUTH * s + [-0.02 * s, 0, 0.01 * s]), w, [-1.0, -1.0, -0.3], 70.0)
    hand_movements(pose, rng, 0.5)
    return Take(pose, Facts(tempo=tempo_of(-gap, -12.0, -5.0), variant=where))


def check_watch(body: Body, t: np.ndarray, rng: np.random.Generator) -> Take:
    """Checking the time: the left forearm comes up in front of the chest, wrist turned to the face,
    the head bows to look, once or twice."""
    s = body.height / 1.75
    pose = standing_pose(body, t, rng, "hanging")
    times = np.sort(rng.uniform(0.5, t[-1] - 3.5, int(rng.integers(1, 3))))
    w = _pulses(t, times, rng.uniform(0.4, 0.7), rng.uniform(1.0, 2.5))
    rest = ("pelvis", np.array([0.21, -0.3, 0.03]) * s)
    _hand_between(pose, 1, rest, ("spine3", np.array([0.02, -0.05, 0.3]) * s), w, [1.0, -1.0, -0.4], 10 + 80 * w)
    pose.set("neck", pose.get("neck") @ spine_rotation(20 * w, 0, 8 * w))
    return Take(pose, Facts(tempo="normal"))


def point(body: Body, t: np.ndarray, rng: np.random.Generator) -> Take:
    """Pointing at something: the right arm rises straight to about shoulder height, holds, drops."""
    pose = standing_pose(body, t, rng, "hanging")
    times = event_times(rng, 0.5, t[-1] - 2.5, rng.uniform(3.0, 5.0), 0.3)
    w = _pulses(t, times, rng.uniform(0.35, 0.7), rng.uniform(0.8, 2.0))
    goal = np.array([rng.uniform(70, 100), rng.uniform(0, 40), 0.0, 10.0, 5.0, 60.0, -10.0, 0.0])
    set_arm(pose, -1, HANGING + (goal - HANGING) * w[:, None])
    pose.set("neck", pose.get("neck") @ spine_rotation(0.0, 0.0, -10 * w))
    return Take(pose, Facts())


def push(body: Body, t: np.ndarray, rng: np.random.Generator) -> Take:
    """Pushing something away with both hands: hands from the chest forward, trunk leaning in."""
    s = body.height / 1.75
    pose = standing_pose(body, t, rng, None)
    times = event_times(rng, 0.5, t[-1] - 1.5, rng.uniform(2.0, 3.5), 0.25)
    w = _pulses(t, times, rng.uniform(0.3, 0.6), rng.uniform(0.2, 0.8))
    for _, side in SIDES:
        near = np.array([side * 0.16, -0.12, 0.22]) * s
        far = np.array([side * 0.18, -0.1, 0.55]) * s
        target = near + (far - near) * w[:, None]
        place_hand(pose, side, "spine3", target, [side * 1.0, -1.0, -0.5], 80.0)
    pose.set("spine1", pose.get("spine1") @ spine_rotation(8 * w))
    return Take(pose, Facts(tempo=tempo_of(-float(np.mean(np.diff(times))) if len(times) > 1 else -2.75,
                                           -3.5, -2.0)))


def _circling_hand(body: Body, t: np.ndarray, rng: np.random.Generator, centre, radius, rate, frame: str,
                   pose) -> float:
    s = body.height / 1.75
    phase = 2 * np.pi * rate * t + rng.uniform(0, 2 * np.pi)
    ellipse = np.stack([radius[0] * np.cos(phase), 0 * t, radius[1] * np.sin(phase)], -1) * s
    drift = 0.02 * s * smooth_noise(rng, t, 0.2, dims=3)
    place_hand(pose, -1, frame, np.asarray(centre) * s + ellipse + drift, [-1.0, -0.6, -0.5], 80.0)
    return rate


def wipe_table(body: Body, t: np.ndarray, rng: np.random.Generator) -> Take:
    """Wiping a table: the right hand on the table top in circles or back-and-forth strokes."""
    pose = standing_pose(body, t, rng, "hanging")
    pose.set("spine1", pose.get("spine1") @ spine_rotation(rng.uniform(10, 25)))
    strokes = rng.random() < 0.5
    radius = (rng.uniform(0.12, 0.25), 0.02) if strokes else (rng.uniform(0.06, 0.14),) * 2
    rate = _circling_hand(body, t, rng, [-0.1, -0.18, 0.45], radius, rng.uniform(0.7, 1.6), "pelvis", pose)
    place_hand(pose, 1, "pelvis", np.array([0.2, -0.2, 0.35]) * body.height / 1.75, [1.0, -0.6, -0.5], 80.0)
    return Take(pose, Facts(tempo=tempo_of(rate, 0.7, 1.6), details=("front_back",) if strokes else ()))


def stir(body: Body, t: np.ndarray, rng: np.random.Generator) -> Take:
    """Stirring a pot on the stove: small circles of the right hand at waist height."""
    pose = standing_pose(body, t, rng, "hanging")
    rate = _circling_hand(body, t, rng, [-0.12, -0.02, 0.35], (rng.uniform(0.04, 0.08),) * 2,
                          rng.uniform(0.8, 2.0), "pelvis", pose)
    pose.set("neck", pose.get("neck") @ spine_rotation(rng.uniform(15, 30)))
    return Take(pose, Facts(tempo=tempo_of(rate, 0.8, 2.0)))


def texting(body: Body, t: np.ndarray, rng: np.random.Generator) -> Take:
    """Using a phone: both hands hold it in front of the chest, thumbs tapping, head bowed."""
    seated = rng.random() < 0.5
    pose = seated_pose(body, t, rng, rng.uniform(0.42, 0.5), None) if seated else standing_pose(body, t, rng, None)
    s = body.height / 1.75
    taps = 0.004 * s * smooth_noise(rng, t, 4.0, dims=3)
    for _, side in SIDES:
        target = np.array([side * 0.05, -0.12, 0.3]) * s + taps * np.array([side, 1.0, 1.0])
        place_hand(pose, side, "spine3", target, [side * 1.0, -1.0, -0.3], 80.0)
    pose.set("neck", spine_rotation(rng.uniform(20, 35)))
    pose.set("head", spine_rotation(rng.uniform(10, 20)))
    return Take(pose, Facts(variant="seated" if seated else "standing"))


def look_around(body: Body, t: np.ndarray, rng: np.random.Generator) -> Take:
    """Looking around: the head and upper trunk turn to one side and the other at irregular times."""
    pose = standing_pose(body, t, rng, "hanging")
    times = event_times(rng, 0.3, t[-1] - 1.0, rng.uniform(1.5, 3.0), 0.4)
    turn = np.zeros_like(t)
    for k, time in enumerate(times):
        target = rng.choice([-1, 1]) * rng.uniform(30, 80)
        turn = turn + (target - (turn[np.searchsorted(t, time)] if k else 0.0)) * min_jerk((t - time) / 0.6)
    pose.set("neck", spine_rotation(0.0, 0.0, 0.5 * turn))
    pose.set("head", spine_rotation(3.0, 0.0, 0.3 * turn))
    pose.set("spine3", pose.get("spine3") @ spine_rotation(0.0, 0.0, 0.2 * turn))
    return Take(pose, Facts())


def march_in_place(body: Body, t: np.ndarray, rng: np.random.Generator) -> Take:
    """Marching (walking) in place: knees lifted in turn, arms swinging against them."""
    pose = standing_pose(body, t, rng, None)
    rate = rng.uniform(0.75, 1.1)  # cycles per second (two steps)
    lift = rng.uniform(35, 80)
    phase = 2 * np.pi * rate * t + rng.uniform(0, 2 * np.pi)
    for name, side in SIDES:
        up = np.clip(np.sin(phase + (0 if side > 0 else np.pi)), 0, None) ** 1.5
        pose.set(f"{name}_hip", hip_rotation(side, lift * up, 4.0))
        pose.set(f"{name}_knee", knee_rotation(5.0 + 1.3 * lift * up))
        swing = -np.sin(phase + (0 if side > 0 else np.pi))
        angles = HANGING + np.outer(swing, [rng.uniform(15, 35), 0, 0, 0, 10, 0, 0, 0]) + [0, 0, 0, 0, 40, 0, 0, 0]
        set_arm(pose, side, angles)
    pose.root[:, 1] += 0.01 * np.cos(2 * phase)
    return Take(pose, Facts(tempo=tempo_of(rate, 0.75, 1.1)))


def fold_laundry(body: Body, t: np.ndarray, rng: np.random.Generator) -> Take:
    """Folding clothes at a table: both hands pick a garment up, bring the ends together, lay it down."""
    pose = standing_pose(body, t, rng, None)
    s = body.height / 1.75
    times = event_times(rng, 0.3, t[-1] - 2.0, rng.uniform(2.5, 4.0), 0.3)
    lift = _pulses(t, times, rng.uniform(0.4, 0.6), rng.uniform(0.3, 0.8))
    together = _pulses(t, times + 0.3, 0.4, 0.4)
    for _, side in SIDES:
        target = np.stack([side * (0.3 - 0.22 * together) * s, (-0.3 + 0.2 * lift) * s, (0.35 + 0.05 * lift) * s], -1)
        place_hand(pose, side, "pelvis", target, [side * 1.0, -0.8, -0.4], 60.0)
    pose.set("spine1", pose.get("spine1") @ spine_rotation(rng.uniform(8, 18)))
    pose.set("neck", spine_rotation(25.0))
    return Take(pose, Facts())


def knock_door(body: Body, t: np.ndarray, rng: np.random.Generator) -> Take:
    """Knocking on a door: the right fist raised in front of the face, 2-4 quick knocks a burst."""
    pose = standing_pose(body, t, rng, "hanging")
    bursts = event_times(rng, 0.5, t[-1] - 2.0, rng.uniform(2.5, 4.0), 0.3)
    raised = _pulses(t, bursts, 0.4, 1.0)
    rate = rng.uniform(3.0, 5.0)
    knock = 12 * np.clip(np.sin(2 * np.pi * rate * t), 0, None) * (raised > 0.95)
    goal = np.array([75.0, 20.0, 10.0, 20.0, 100.0, 60.0, 0.0, 0.0])
    angles = HANGING + (goal - HANGING) * raised[:, None]
    angles[:, 0] -= 0.5 * knock
    angles[:, 4] -= knock
    set_arm(pose, -1, angles)
    return Take(pose, Facts(tempo=tempo_of(rate, 3.0, 5.0)))
