"""Joint orientations estimated from joint positions, for sources that give positions only (HumanML3D).

Each joint gets a frame built from two directions, both measured on the body:

* the primary axis: the joint's bone towards its child (pelvis: towards spine1; spine3: towards the
  neck); end joints take their parent bone (head: neck -> head, wrist: elbow -> wrist,
  foot: ankle -> foot);
* a twist reference, made perpendicular to the primary axis by Gram-Schmidt:

  - pelvis and spine1: the hip axis (right hip -> left hip); spine2: the mean of the hip and shoulder
    axes; spine3, neck and head: the shoulder axis; collars: the torso's forward direction;
  - thigh, shank, ankle and foot: the knee's flexion axis, blended into the hip axis as the knee
    straightens or hyperextends;
  - upper arm, forearm and wrist: the direction in which the elbow bends, blended, as the elbow
    straightens, into a torso reference: the torso's forward direction carried along with the upper
    arm by the shortest rotation from its rest direction, singular only for an upper arm pointing
    straight across the chest, out of reach.

  Blend weights are smoothsteps of sin(bend), so frames turn continuously, with no switching, and
  stay defined for straight limbs.

The frame ``F = [primary, reference, primary x reference]`` is right-multiplied by the transpose of the
same construction on the canonical T-pose, ``R = F @ F_rest.T``, so the T-pose gives the identity for
every joint: the convention of SMPL global joint rotations (body frame -> world, y up, the body facing
+z, its left towards +x).

Positions show no twist about a straight limb, no head yaw against the shoulders and no roll of the
feet: those follow the references above rather than the real segment. On a CMU walk with a hinged
elbow and knee the estimate matches the mocap's upper arm and thigh to within a constant offset.

Internally vectors are component-major, ``(3, ..., 22)``, and frames ``(3, 3, ..., 22)`` (row, column),
so that every operation runs over long contiguous arrays.
"""
from __future__ import annotations

import numpy as np

from .body import JOINT_INDEX, JOINT_NAMES, NUM_JOINTS, PARENTS

_J = JOINT_INDEX

# Twist references, computed once per frame; each joint picks one by index.
_HIP_AXIS, _SHOULDER_AXIS, _MID_AXIS, _FORWARD = 0, 1, 2, 3
_LEFT_UPPER_ARM, _LEFT_FOREARM, _RIGHT_UPPER_ARM, _RIGHT_FOREARM = 4, 5, 6, 7
_LEFT_LEG, _RIGHT_LEG = 8, 9

_BONE: dict[str, tuple[str, str, int]] = {
    # joint: (bone start, bone end, twist reference)
    "pelvis": ("pelvis", "spine1", _HIP_AXIS),
    "left_hip": ("left_hip", "left_knee", _LEFT_LEG),
    "left_knee": ("left_knee", "left_ankle", _LEFT_LEG),
    "left_ankle": ("left_ankle", "left_foot", _LEFT_LEG),
    "left_foot": ("left_ankle", "left_foot", _LEFT_LEG),
    "right_hip": ("right_hip", "right_knee", _RIGHT_LEG),
    "right_knee": ("right_knee", "right_ankle", _RIGHT_LEG),
    "right_ankle": ("right_ankle", "right_foot", _RIGHT_LEG),
    "right_foot": ("right_ankle", "right_foot", _RIGHT_LEG),
    "spine1": ("spine1", "spine2", _HIP_AXIS),
    "spine2": ("spine2", "spine3", _MID_AXIS),
    "spine3": ("spine3", "neck", _SHOULDER_AXIS),
    "neck": ("neck", "head", _SHOULDER_AXIS),
    "head": ("neck", "head", _SHOULDER_AXIS),
    "left_collar": ("left_collar", "left_shoulder", _FORWARD),
    "left_shoulder": ("left_shoulder", "left_elbow", _LEFT_UPPER_ARM),
    "left_elbow": ("left_elbow", "left_wrist", _LEFT_FOREARM),
    "left_wrist": ("left_elbow", "left_wrist", _LEFT_FOREARM),
    "right_collar": ("right_collar", "right_shoulder", _FORWARD),
    "right_shoulder": ("right_shoulder", "right_elbow", _RIGHT_UPPER_ARM),
    "right_elbow": ("right_elbow", "right_wrist", _RIGHT_FOREARM),
    "right_wrist": ("right_elbow", "right_wrist", _RIGHT_FOREARM),
}
_BONE_START = np.array([_J[_BONE[name][0]] for name in JOINT_NAMES])
_BONE_END = np.array([_J[_BONE[name][1]] for name in JOINT_NAMES])
_REFERENCE = np.array([_BONE[name][2] for name in JOINT_NAMES])

#: Bend (as sin of the angle between two segments) below which a limb's twist comes from the torso
#: alone and above which from its bending plane alone: 5 and 25 degrees.
_BEND_BLEND = (float(np.sin(np.radians(5.0))), float(np.sin(np.radians(25.0))))
_EPS = 1e-6


def canonical_t_pose() -> np.ndarray:
    """(22, 3) float32 joint positions of the canonical rest pose, in metres.

    The idealised T-pose that defines identity orientations: y up, facing +z, left towards +x, legs and
    spine along -y/+y, arms out along +-x, feet pointing +z. Segment lengths are typical adult values;
    only the directions matter to the orientations.
    """
    offsets = {  # joint -> offset from its parent, left side (x > 0); the right side mirrors it
        "left_hip": (0.09, -0.09, 0.0), "left_knee": (0.0, -0.38, 0.0), "left_ankle": (0.0, -0.40, 0.0),
        "left_foot": (0.0, 0.0, 0.14), "spine1": (0.0, 0.10, 0.0), "spine2": (0.0, 0.13, 0.0),
        "spine3": (0.0, 0.06, 0.0), "neck": (0.0, 0.21, 0.0), "head": (0.0, 0.09, 0.0),
        "left_collar": (0.07, 0.11, 0.0), "left_shoulder": (0.11, 0.0, 0.0),
        "left_elbow": (0.26, 0.0, 0.0), "left_wrist": (0.25, 0.0, 0.0),
    }
    positions = np.zeros((NUM_JOINTS, 3), dtype=np.float32)
    positions[_J["pelvis"]] = (0.0, 0.93, 0.0)
    for joint in range(1, NUM_JOINTS):  # parents come before children in the canonical order
        name = JOINT_NAMES[joint]
        offset = np.array(offsets[name.replace("right_", "left_")], dtype=np.float32)
        if name.startswith("right_"):
            offset[0] = -offset[0]
        positions[joint] = positions[PARENTS[joint]] + offset
    return positions


def estimate_orientations(positions: np.ndarray) -> np.ndarray:
    """Global joint orientations (..., 22, 3, 3) float32 from joint positions (..., 22, 3).

    Proper rotations mapping each joint's body frame to the world, identity in the canonical T-pose
    (:func:`canonical_t_pose`); see the module docstring for how each joint's frame is built.
    """
    p = np.moveaxis(np.asarray(positions, dtype=np.float32), -1, 0)
    rotations = np.einsum("ik...j,jlk->il...j", joint_frames(p), REST_FRAMES)
    return np.ascontiguousarray(np.moveaxis(rotations, (0, 1), (-2, -1)))


def joint_frames(p: np.ndarray) -> np.ndarray:
    """Frames ``F`` (3, 3, ..., 22) (row, column) from component-major positions (3, ..., 22).

    ``F @ REST_FRAMES[j].T`` is joint j's orientation; body-frame vectors in ``F``'s basis turn into
    the orientation's by ``REST_FRAMES[j] @ v``.
    """
    primary = np.take(p, _BONE_END, axis=-1) - np.take(p, _BONE_START, axis=-1)
    reference = np.take(_references(p), _REFERENCE, axis=-1)
    return _gram_schmidt(primary, reference)


def _references(p: np.ndarray) -> np.ndarray:
    """The twist references (3, ..., 10), indexed by the ``_HIP_AXIS`` ... ``_RIGHT_LEG`` constants."""
    hips = _unit(p[..., _J["left_hip"]] - p[..., _J["right_hip"]])
    shoulders = p[..., _J["left_shoulder"]] - p[..., _J["right_shoulder"]]
    up = _unit(p[..., _J["neck"]] - p[..., _J["spine1"]])
    forward = _unit(_cross(shoulders, up))
    left = _cross(up, forward)
    shoulders = _unit(shoulders)
    left_upper, left_fore = _arm_references(p, "left", left, forward)
    right_upper, right_fore = _arm_references(p, "right", -left, forward)
    references = (
        hips, shoulders, hips + shoulders, forward, left_upper, left_fore, right_upper, right_fore,
        _leg_reference(p, "left", hips), _leg_reference(p, "right", hips),
    )
    return np.stack(references, axis=-1)


def _leg_reference(p: np.ndarray, side: str, hips: np.ndarray) -> np.ndarray:
    """Twist reference for one leg: the knee's flexion axis, blended into the hip axis.

    ``thigh x shank`` has length sin(bend) and points along the hip axis (+x) for a knee flexing with
    the thigh in its rest twist. Its component along the hip axis, the signed flexion, weights the
    blend, so a straight or hyperextended knee (axis reversed) falls back on the hip axis without a
    flip; the hip's rotation range keeps the two from ever pointing apart.
    """
    thigh = _unit(p[..., _J[f"{side}_knee"]] - p[..., _J[f"{side}_hip"]])
    shank = _unit(p[..., _J[f"{side}_ankle"]] - p[..., _J[f"{side}_knee"]])
    flexion_axis = _cross(thigh, shank)
    weight = _bend_weight(_dot(flexion_axis, hips))
    return flexion_axis * (weight / np.maximum(_norm(flexion_axis), _EPS)) + (1.0 - weight) * hips


def _arm_references(
    p: np.ndarray, side: str, lateral: np.ndarray, forward: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Twist references for one arm's upper arm and forearm.

    Bent elbow: the direction the forearm folds towards (for the upper arm) and its counterpart
    perpendicular to the forearm; both have length sin(bend) and equal the torso's forward direction
    for an elbow bent with the upper arm in its rest twist (T-pose palms down: the forearm folds
    forward). Straight elbow: ``forward`` turned by the shortest rotation taking the arm's rest
    direction ``l = lateral`` to the upper arm ``u``, ``(I - (u + l)(u + l)^T / (1 + u.l) + 2 u l^T)``,
    which, ``forward`` being perpendicular to ``l``, gives ``forward - (u + l)(u.forward) / (1 + u.l)``.
    The elbow can bend the other way by a few degrees at most, so the blend never cancels out.
    """
    upper = _unit(p[..., _J[f"{side}_elbow"]] - p[..., _J[f"{side}_shoulder"]])
    fore = _unit(p[..., _J[f"{side}_wrist"]] - p[..., _J[f"{side}_elbow"]])
    cos_bend = _dot(upper, fore)
    folds_to = fore - cos_bend * upper
    folds_from = cos_bend * fore - upper
    sin_bend = _norm(folds_to)
    weight = _bend_weight(sin_bend)
    along_rest = np.maximum(1.0 + _dot(upper, lateral), _EPS)  # 0 only for the arm across the chest
    swing = forward - (upper + lateral) * (_dot(upper, forward) / along_rest)
    bend_scale = weight / np.maximum(sin_bend, _EPS)
    torso_share = (1.0 - weight) * swing
    return folds_to * bend_scale + torso_share, folds_from * bend_scale + torso_share


def _bend_weight(sin_bend: np.ndarray) -> np.ndarray:
    """Smoothstep from 0 (bend up to 5 degrees) to 1 (25 degrees and more), given sin(bend)."""
    lo, hi = _BEND_BLEND
    weight = np.clip((sin_bend - lo) / (hi - lo), 0.0, 1.0)
    return weight * weight * (3.0 - 2.0 * weight)


def _gram_schmidt(primary: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Orthonormal frames [e1, e2, e1 x e2] (columns) with e1 along ``primary``, e2 towards ``reference``.

    Where ``primary`` has no length, e1 is world up; where ``reference`` is (anti)parallel to e1 or has
    no length, e2 is a unit vector perpendicular to e1: the result is a proper rotation everywhere.
    """
    length = _norm(primary)
    e1 = primary / np.maximum(length, _EPS)
    across = reference - _dot(reference, e1) * e1
    across_length = _norm(across)
    e2 = across / np.maximum(across_length, _EPS)
    degenerate = (across_length < _EPS) | (length < _EPS)
    if degenerate.any():
        e1[:, length < _EPS] = ((0.0,), (1.0,), (0.0,))
        axis = np.eye(3, dtype=e1.dtype)[np.argmin(np.abs(e1[:, degenerate]), axis=0)].T
        e2[:, degenerate] = _unit(_cross(e1[:, degenerate], axis))  # never short: axis is least aligned
    return np.stack((e1, e2, _cross(e1, e2)), axis=1)


def _dot(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.einsum("i...,i...->...", a, b)


def _norm(v: np.ndarray) -> np.ndarray:
    return np.sqrt(_dot(v, v))


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.maximum(_norm(v), _EPS)


def _cross(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.stack((a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]))


#: Per-joint frames of the canonical T-pose (22, 3, 3); see :func:`joint_frames`.
REST_FRAMES = np.ascontiguousarray(np.moveaxis(joint_frames(canonical_t_pose().T), -1, 0))
