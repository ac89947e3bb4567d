"""Composed limb movements: the description is derived from the motion, so it must agree with it."""
from __future__ import annotations

import re

import numpy as np
import pytest

from skeletons.body import JOINT_INDEX
from skeletons.procedural import ACTIVITIES, generate
from skeletons.procedural.compose import ACTIONS, COUNT_WORDS, GROUPS, Movement, profile

J = JOINT_INDEX
SEEDS = range(10)
#: (joint, reference joint) whose relative rotation a limb's movement turns, per limb named in the text.
LIMB_JOINTS = {"arm": ("{s}_shoulder", "{s}_collar"), "forearm": ("{s}_elbow", "{s}_shoulder"),
               "leg": ("{s}_hip", "pelvis"), "knee": ("{s}_hip", "pelvis"), "head": ("head", "spine3"),
               "trunk": ("spine3", "pelvis")}
CANDIDATES = tuple(pair.format(s=s) for limb in ("arm", "forearm", "leg") for s in ("left", "right")
                   for pair in [LIMB_JOINTS[limb][0]]) + ("head", "spine3")
REFERENCE = {LIMB_JOINTS[limb][0].format(s=s): LIMB_JOINTS[limb][1].format(s=s)
             for limb in LIMB_JOINTS for s in ("left", "right")}


def _relative_angle(motion, joint: str) -> np.ndarray:
    """Rotation (degrees, per frame) of ``joint`` relative to its reference joint, away from the first frame."""
    rotations = motion.rotations.astype(np.float64)
    local = np.swapaxes(rotations[:, J[REFERENCE[joint]]], -1, -2) @ rotations[:, J[joint]]
    change = np.swapaxes(local[:1], -1, -2) @ local
    return np.degrees(np.arccos(np.clip((np.trace(change, axis1=-2, axis2=-1) - 1) / 2, -1, 1)))


def _local_angles(motion) -> dict[str, float]:
    """Largest rotation of each candidate joint relative to its reference."""
    return {name: float(_relative_angle(motion, name).max()) for name in CANDIDATES}


def _count(text: str) -> int | None:
    for n, word in enumerate(COUNT_WORDS, 1):
        if re.search(rf"\b{word}\b", text):
            return n
    return None


def _side(text: str, limb_words: str) -> str | None:
    found = re.search(rf"\b(left|right) ({limb_words})\b", text) or re.search(r"\((left|right) side\)", text)
    return found.group(1) if found else None


def test_the_groups_are_in_the_catalog_and_every_action_in_a_group():
    assert set(GROUPS) <= set(ACTIVITIES)
    assert {a for group in GROUPS.values() for a in group} == set(ACTIONS)


@pytest.mark.parametrize("group", sorted(GROUPS))
def test_the_described_limb_is_the_one_that_moves_most(group):
    for seed in SEEDS:
        motion = generate(group, seed)
        angles = _local_angles(motion)
        limb = {"move_arm": "arm", "move_both_arms": "arm", "bend_elbow": "forearm", "move_leg": "leg",
                "move_trunk": "trunk", "move_head": "head"}[group]
        if limb in ("head", "trunk"):
            moving = LIMB_JOINTS[limb][0]
        else:
            words = {"arm": "arm", "forearm": "forearm|arm", "leg": "leg|knee"}[limb]
            if group == "move_both_arms":
                assert all("both arms" in t or "the arms" in t or " arms" in t for t in motion.texts), motion.texts
                moving = max(("left_shoulder", "right_shoulder"), key=angles.get)
            else:
                sides = {_side(t, words) for t in motion.texts}
                assert len(sides) == 1 and None not in sides, motion.texts
                moving = LIMB_JOINTS[limb][0].format(s=sides.pop())
        assert max(angles, key=angles.get) == moving, (motion.texts[0], angles)


def _body_frame_displacement(motion, joint: str) -> np.ndarray:
    """Displacement (3,) of a joint from its first-frame place at its farthest, in the first frame's
    pelvis frame (x left, y up, z forward), relative to the pelvis."""
    p = motion.positions.astype(np.float64)
    frame = motion.rotations[0, 0].astype(np.float64)
    local = (p[:, J[joint]] - p[:, 0]) @ frame
    away = local - local[0]
    return away[np.argmax(np.linalg.norm(away, axis=-1))]


DIRECTIONS = {  # words in a text -> (body axis, sign)
    r"sideways|laterally|out to the side|to the sides|spread": (0, "out"),
    r"forward|in front|to the front": (2, 1.0),
    r"backward|behind the body|back behind|kick .* back\b": (2, -1.0),
}


@pytest.mark.parametrize("group,joint", [("move_arm", "{s}_wrist"), ("move_leg", "{s}_ankle")])
def test_the_described_direction_is_where_the_limb_goes(group, joint):
    checked = 0
    for seed in range(16):
        motion = generate(group, seed)
        text = motion.texts[0]
        side = _side(text, "arm|leg|knee")
        if side is None or "across" in text or "knee" in text:
            continue
        away = _body_frame_displacement(motion, joint.format(s=side))
        for pattern, (axis, sign) in DIRECTIONS.items():
            if re.search(pattern, text):
                if sign == "out":
                    outward = 1.0 if side == "left" else -1.0
                    assert away[0] * outward > 0.5 * abs(away[2]), (text, away)
                else:
                    assert away[axis] * sign > 0.5 * abs(away[0]), (text, away)
                checked += 1
                break
    assert checked >= 6


def test_head_and_trunk_lean_and_turn_to_the_described_side():
    checked = 0
    for group, joint in (("move_head", "head"), ("move_trunk", "spine3")):
        for seed in range(20):
            motion = generate(group, seed)
            text = motion.texts[0]
            side = re.search(r"(?:to|towards) the (left|right)", text)
            if not side:
                continue
            frame = motion.rotations[0, 0].astype(np.float64)
            axes = np.swapaxes(frame, -1, -2) @ motion.rotations[:, J[joint]].astype(np.float64)
            # leaning tips the up axis (column y) sideways; turning swings the forward axis (column z)
            axis = 2 if re.search(r"turn|twist|rotate|look", text) else 1
            sideways = axes[:, 0, axis] - axes[0, 0, axis]
            toward = sideways[np.argmax(np.abs(sideways))] * (1 if side.group(1) == "left" else -1)
            assert toward > 0, (text, toward)
            checked += 1
    assert checked >= 8


def _repetitions(motion, joint: str) -> int:
    """Excursions of a joint's rotation from its rest: runs above half the largest excursion."""
    angle = _relative_angle(motion, joint)
    above = angle > 0.5 * angle.max()
    return int(np.sum(above[1:] & ~above[:-1]) + above[0])


@pytest.mark.parametrize("group", ["move_arm", "bend_elbow", "move_leg", "move_head"])
def test_the_described_number_of_repetitions_is_performed(group):
    checked = 0
    for seed in range(12):
        motion = generate(group, seed)
        counts = {_count(t) for t in motion.texts} - {None}
        assert len(counts) == 1, motion.texts
        count = counts.pop()
        side = _side(motion.texts[0], "arm|forearm|leg|knee")
        joint = {"move_arm": "{s}_shoulder", "bend_elbow": "{s}_elbow", "move_leg": "{s}_hip",
                 "move_head": "head"}[group].format(s=side)
        assert _repetitions(motion, joint) == count, motion.texts[0]
        checked += 1
    assert checked == 12


def test_descriptions_are_varied_and_mirroring_swaps_sides():
    texts = [t for seed in range(20) for t in generate("move_arm", seed).texts]
    assert len(set(texts)) == len(texts)
    assert len({t.split(",")[0].split()[-1] for t in texts}) > 5
    movement = Movement("spine_twist_left", None, "far", "slow", 3, True, "standing")
    assert movement.mirrored().action == "spine_twist_right" and movement.mirrored().mirrored() == movement
    arm = Movement("arm_sideways", "left", "shoulder", "fast", 2, False, "sitting")
    assert arm.mirrored().side == "right"
    assert all("right" in t for t in arm.mirrored().describe(np.random.default_rng(0), 5))


def test_profile_rises_holds_and_returns():
    t = np.arange(200) / 20.0
    u = profile(t, np.array([1.0, 5.0]), 1.0, 0.5)
    assert u[0] == 0 and u[t == 2.25][0] == pytest.approx(1.0) and u[t == 4.0][0] == 0
    assert u.max() == pytest.approx(1.0) and u.min() == 0.0
