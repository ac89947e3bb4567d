"""Posing the canonical body: a clip under construction, anatomical joint rotations, and limb IK.

A :class:`Pose` holds local joint rotations (T, 22, 3, 3) and root (pelvis) positions (T, 3); forward
kinematics (:func:`skeletons.kinematics.forward_kinematics`) turns it into positions and global
rotations, so bone lengths are exact whatever the angles.

Anatomical helpers take angles in degrees and are written for the LEFT limb (``side=+1``); ``side=-1``
mirrors them onto the right limb. Positive angles mean: flexion forward (hip, shoulder, spine), knee and
elbow bending, abduction away from the midline, inward (medial) rotation, dorsiflexion (toes up).
With every angle zero the limbs are in the T-pose; :meth:`Pose.__init__` starts from arms hanging.
"""
from __future__ import annotations

import numpy as np

from skeletons.body import JOINT_INDEX, MIRROR, NUM_JOINTS, PARENTS
from skeletons.kinematics import forward_kinematics

from .body_params import Body
from .rotations import mirror_rotation, on_side, rot_x, rot_y, rot_z

SIDES = (("left", 1), ("right", -1))


def spine_rotation(flex=0.0, bend=0.0, twist=0.0) -> np.ndarray:
    """Trunk, neck or head segment: ``flex`` forward, ``bend`` towards the left, ``twist`` to the left."""
    return rot_y(twist) @ rot_x(flex) @ rot_z(-np.asarray(bend))


def root_rotation(yaw=0.0, tilt=0.0, roll=0.0) -> np.ndarray:
    """Pelvis orientation: heading ``yaw`` (to the left), forward ``tilt``, ``roll`` raising the left hip."""
    return rot_y(yaw) @ rot_x(tilt) @ rot_z(roll)


def hip_rotation(side: int, flex=0.0, abduct=0.0, inward=0.0) -> np.ndarray:
    return on_side(rot_y(-np.asarray(inward)) @ rot_x(-np.asarray(flex)) @ rot_z(abduct), side)


def knee_rotation(flex) -> np.ndarray:
    return rot_x(flex)


def ankle_rotation(side: int, dorsiflex=0.0, invert=0.0) -> np.ndarray:
    return on_side(rot_x(-np.asarray(dorsiflex)) @ rot_z(-np.asarray(invert)), side)


def toe_rotation(extend) -> np.ndarray:
    """The foot joint (ball of the foot): ``extend`` lifts the toes."""
    return rot_x(-np.asarray(extend))


def collar_rotation(side: int, elevate=0.0, protract=0.0) -> np.ndarray:
    return on_side(rot_y(-np.asarray(protract)) @ rot_z(elevate), side)


def shoulder_rotation(side: int, flex=0.0, abduct=0.0, horizontal=0.0, inward=0.0) -> np.ndarray:
    """Upper arm from hanging: ``flex`` raises it forward, ``abduct`` sideways (90 = T-pose), then
    ``horizontal`` swings it across the front, ``inward`` rotates the humerus medially."""
    return on_side(rot_y(-np.asarray(horizontal)) @ rot_x(-np.asarray(flex))
                   @ rot_z(np.asarray(abduct) - 90.0) @ rot_x(inward), side)


def elbow_rotation(side: int, flex=0.0, pronate=0.0) -> np.ndarray:
    """Elbow ``flex`` (0 = straight) and forearm ``pronate`` (palm turning down from thumb-up)."""
    return on_side(rot_y(-np.asarray(flex)) @ rot_x(pronate), side)


def wrist_rotation(side: int, flex=0.0, deviate=0.0) -> np.ndarray:
    """Wrist ``flex`` towards the palm, ``deviate`` towards the thumb (radial)."""
    return on_side(rot_z(-np.asarray(flex)) @ rot_y(-np.asarray(deviate)), side)


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.maximum(np.linalg.norm(v, axis=-1, keepdims=True), 1e-12)


def _frame(x: np.ndarray, y: np.ndarray, z: np.ndarray) -> np.ndarray:
    return np.stack([x, y, z], axis=-1)


def _two_bone(start: np.ndarray, target: np.ndarray, upper: float, lower: float, pole: np.ndarray):
    """Plane geometry of a two-segment limb reaching from ``start`` towards ``target``.

    Returns the first segment's unit direction, the unit vector perpendicular to it in the limb plane on
    the pole's side, and the bend angle (degrees) between the segments. Out-of-reach targets are
    approached as closely as the limb allows (straight limb pointing at them).
    """
    reach = target - start
    distance = np.linalg.norm(reach, axis=-1)
    distance = np.clip(distance, abs(upper - lower) + 1e-3, (upper + lower) * (1 - 1e-5))
    d = _unit(reach)
    pole_off = pole - np.sum(pole * d, axis=-1, keepdims=True) * d
    weak = np.linalg.norm(pole_off, axis=-1, keepdims=True) < 1e-6
    fallback = np.cross(d, np.array([1.0, 0.0, 0.0]))
    pole_off = _unit(np.where(weak, fallback, pole_off))
    cos_start = np.clip((upper ** 2 + distance ** 2 - lower ** 2) / (2 * upper * distance), -1.0, 1.0)
    sin_start = np.sqrt(1 - cos_start ** 2)
    first = cos_start[:, None] * d + sin_start[:, None] * pole_off
    across = -sin_start[:, None] * d + cos_start[:, None] * pole_off
    cos_mid = np.clip((upper ** 2 + lower ** 2 - distance ** 2) / (2 * upper * lower), -1.0, 1.0)
    bend = 180.0 - np.degrees(np.arccos(cos_mid))
    return first, across, bend


class Pose:
    """A clip under construction: local rotations (T, 22, 3, 3) and root positions (T, 3) at times ``t``.

    It starts standing straight with the arms hanging at the sides; generators overwrite joints.
    """

    def __init__(self, body: Body, t: np.ndarray):
        self.body = body
        self.t = np.asarray(t, dtype=np.float64)
        frames = len(self.t)
        self.local = np.tile(np.eye(3), (frames, NUM_JOINTS, 1, 1))
        self.root = np.tile(body.offsets[0], (frames, 1))
        for name, side in SIDES:
            self.set(f"{name}_shoulder", shoulder_rotation(side, abduct=6.0))
            self.set(f"{name}_elbow", elbow_rotation(side, flex=12.0))

    def copy(self) -> Pose:
        other = Pose.__new__(Pose)
        other.body, other.t, other.local, other.root = self.body, self.t, self.local.copy(), self.root.copy()
        return other

    @property
    def frames(self) -> int:
        return len(self.t)

    def set(self, joint: str, rotation: np.ndarray) -> None:
        """Set a joint's local rotation: (3, 3) for every frame or (T, 3, 3)."""
        self.local[:, JOINT_INDEX[joint]] = rotation

    def get(self, joint: str) -> np.ndarray:
        return self.local[:, JOINT_INDEX[joint]]

    def frame(self, joint: str) -> tuple[np.ndarray, np.ndarray]:
        """Global rotation (T, 3, 3) and position (T, 3) of ``joint``, walking down from the root."""
        chain = []
        index = JOINT_INDEX[joint]
        while index >= 0:
            chain.append(index)
            index = PARENTS[index]
        chain.reverse()
        rotation, position = self.local[:, 0], self.root
        for index in chain[1:]:
            position = position + rotation @ self.body.offsets[index]
            rotation = rotation @ self.local[:, index]
        return rotation, position

    def solve_leg(self, side: int, ankle: np.ndarray, foot: np.ndarray, knee_pole: np.ndarray) -> None:
        """Hip and knee rotations that put the ankle at ``ankle`` (T, 3), the knee bending towards
        ``knee_pole`` (T, 3, a direction), and the ankle rotation that gives the foot the global
        orientation ``foot`` (T, 3, 3)."""
        name = "left" if side > 0 else "right"
        pelvis = self.local[:, 0]
        hip = self.root + pelvis @ self.body.offsets[JOINT_INDEX[f"{name}_hip"]]
        first, across, bend = _two_bone(hip, ankle, self.body.thigh, self.body.shank, knee_pole)
        down = -first
        thigh = _frame(np.cross(down, across), down, across)
        self.set(f"{name}_hip", np.swapaxes(pelvis, -1, -2) @ thigh)
        knee = knee_rotation(bend)
        self.set(f"{name}_knee", knee)
        self.set(f"{name}_ankle", np.swapaxes(thigh @ knee, -1, -2) @ foot)

    def solve_arm(self, side: int, wrist: np.ndarray, elbow_pole: np.ndarray, pronate=0.0) -> None:
        """Shoulder and elbow rotations that put the wrist at ``wrist`` (T, 3) with the elbow pointing
        towards ``elbow_pole`` (T, 3), the forearm pronated by ``pronate`` degrees."""
        name = "left" if side > 0 else "right"
        collar, at = self.frame(f"{name}_collar")
        shoulder = at + collar @ self.body.offsets[JOINT_INDEX[f"{name}_shoulder"]]
        first, across, bend = _two_bone(shoulder, wrist, self.body.upper_arm, self.body.forearm, elbow_pole)
        along = first if side > 0 else -first
        bend_side = -across
        upper = _frame(along, np.cross(bend_side, along), bend_side)
        self.set(f"{name}_shoulder", np.swapaxes(collar, -1, -2) @ upper)
        self.set(f"{name}_elbow", elbow_rotation(side, bend, pronate))

    def mirror(self) -> None:
        """Swap left and right: the mirror image in the body's sagittal plane (x -> -x)."""
        self.local = mirror_rotation(self.local[:, list(MIRROR)])
        self.root = self.root * np.array([-1.0, 1.0, 1.0])

    def place(self, yaw_deg: float, x: float, z: float) -> None:
        """Turn the whole clip by ``yaw_deg`` about the vertical through the origin, then shift it."""
        turn = rot_y(yaw_deg)
        self.local[:, 0] = turn @ self.local[:, 0]
        self.root = self.root @ turn.T + np.array([x, 0.0, z])

    def reverse(self) -> None:
        """Play the clip backwards (time reversal)."""
        self.local = self.local[::-1].copy()
        self.root = self.root[::-1].copy()

    def crop(self, start: int, stop: int) -> None:
        self.t = self.t[start:stop] - self.t[start]
        self.local = self.local[start:stop]
        self.root = self.root[start:stop]

    def solve(self) -> tuple[np.ndarray, np.ndarray]:
        """Positions (T, 22, 3) and global rotations (T, 22, 3, 3) by forward kinematics."""
        return forward_kinematics(self.local, self.root, self.body.offsets)
