"""Forward kinematics of the canonical 22-joint body and a human-proportioned rest skeleton.

Conventions (those of :mod:`skeletons.body`, the SMPL / HumanML3D ones): metres, y up, the body facing
+z, its left side towards +x. A joint's *local* rotation is its orientation relative to its parent's
frame; its *global* rotation maps the joint's body-fixed frame to the world and is the product of the
local rotations from the root down. Both are the identity in the T-pose (arms along +-x, legs down, feet
pointing +z), as for SMPL pose parameters.

A joint's *offset* is the vector from its parent to it in the rest pose, expressed in the parent's frame;
``position[j] = position[parent] + global_rotation[parent] @ offset[j]``, so every bone keeps its rest
length exactly. ``offsets[0]`` (the root) is the pelvis position in the rest pose: :func:`rest_offsets`
fills it with the standing pelvis height so ``offsets[0]`` is a natural root position; forward
kinematics ignores it and takes root positions as an argument.
"""
from __future__ import annotations

from dataclasses import dataclass, fields, replace

import numpy as np

from .body import JOINT_INDEX, NUM_JOINTS, PARENTS
from .errors import InputError


def axis_angle_to_matrix(rotation_vectors: np.ndarray) -> np.ndarray:
    """Rotation matrices (..., 3, 3) from rotation vectors (..., 3): axis times angle in radians (Rodrigues)."""
    v = np.asarray(rotation_vectors, dtype=np.float64)
    angle = np.linalg.norm(v, axis=-1, keepdims=True)
    small = angle < 1e-8
    axis = v / np.where(small, 1.0, angle)
    x, y, z = np.moveaxis(axis, -1, 0)
    zero = np.zeros_like(x)
    k = np.stack([zero, -z, y, z, zero, -x, -y, x, zero], axis=-1).reshape(v.shape + (3,))
    s = np.sin(angle)[..., None]
    c = (1.0 - np.cos(angle))[..., None]
    return np.eye(3) + s * k + c * (k @ k)


def forward_kinematics(local_rotations: np.ndarray, root_positions: np.ndarray, offsets: np.ndarray,
                       parents: tuple[int, ...] = PARENTS) -> tuple[np.ndarray, np.ndarray]:
    """Joint positions and global rotations from local rotations.

    local_rotations: (..., T, J, 3, 3) rotation matrices, or (..., T, J, 3) rotation vectors (radians);
        joint 0 (the root) holds the root's global orientation.
    root_positions: (..., T, 3) world position of the root joint, metres.
    offsets: (J, 3) rest-pose offsets of each joint from its parent, in the parent's frame (row 0 is
        ignored), or (..., J, 3) with leading dimensions that broadcast against the frames'.
    parents: parent index of each joint, -1 for the root; every parent must come before its children.

    Returns ``(positions (..., T, J, 3), global_rotations (..., T, J, 3, 3))`` in float64. Vectorised over
    frames and leading dimensions; the loop runs over joints only.
    """
    rotations = np.asarray(local_rotations, dtype=np.float64)
    num_joints = len(parents)
    if rotations.ndim >= 3 and rotations.shape[-2:] == (num_joints, 3):
        rotations = axis_angle_to_matrix(rotations)
    if rotations.ndim < 4 or rotations.shape[-3:] != (num_joints, 3, 3):
        raise InputError(None, f"local rotations must have shape (..., T, {num_joints}, 3, 3) or "
                               f"(..., T, {num_joints}, 3), got {np.shape(local_rotations)}")
    roots = np.asarray(root_positions, dtype=np.float64)
    if roots.shape != rotations.shape[:-3] + (3,):
        raise InputError(None, f"root positions must have shape {rotations.shape[:-3] + (3,)}, got {roots.shape}")
    offsets = np.asarray(offsets, dtype=np.float64)
    if offsets.shape[-2:] != (num_joints, 3):
        raise InputError(None, f"offsets must have shape ({num_joints}, 3), got {offsets.shape}")
    if any(p >= j for j, p in enumerate(parents)) or parents[0] != -1:
        raise InputError(None, "parents must list each parent before its children, the root first")

    # Work joint-major (J, ..., T, 3, 3) so each joint's frames are one contiguous block.
    local = np.moveaxis(rotations, -3, 0)
    global_rotations = np.empty_like(local)
    positions = np.empty(local.shape[:-1], dtype=np.float64)
    shared = offsets.ndim == 2
    for joint, parent in enumerate(parents):
        if parent < 0:
            global_rotations[joint] = local[joint]
            positions[joint] = roots
            continue
        parent_rotation = global_rotations[parent]
        if shared:
            step = parent_rotation @ offsets[joint]
        else:
            step = np.einsum("...ij,...j->...i", parent_rotation, offsets[..., joint, :])
        positions[joint] = positions[parent] + step
        np.matmul(parent_rotation, local[joint], out=global_rotations[joint])
    return np.moveaxis(positions, 0, -2), np.moveaxis(global_rotations, 0, -3)


@dataclass(frozen=True)
class Proportions:
    """Segment dimensions of the rest skeleton as fractions of standing height.

    Heights and lengths follow the segment-length diagram of Drillis & Contini (1966) as given in
    D. A. Winter, "Biomechanics and Motor Control of Human Movement" (4th ed., 2009, fig. 4.1): ankle
    height 0.039 H, knee height 0.285 H, hip (greater trochanter) 0.530 H, shoulder 0.818 H, chin 0.870 H,
    upper arm 0.186 H, forearm 0.146 H, foot length 0.152 H. The hip joint centres follow Bell, Pedersen &
    Brand (1990): 36 % of the inter-ASIS width lateral of the midline and 30 % below it, with an inter-ASIS
    width of about 0.14 H. The spine split places spine1 about 10 cm above the pelvis joint and the
    head joint 0.09 H below the crown, as SMPL's joint regressor does (spine1, spine2, spine3, neck, head).
    """

    ankle_height: float = 0.039
    shank: float = 0.246           # knee -> ankle: 0.285 H - 0.039 H
    thigh: float = 0.245           # hip -> knee: 0.530 H - 0.285 H
    hip_half_width: float = 0.050  # 0.36 x inter-ASIS width (0.14 H)
    hip_drop: float = 0.042        # pelvis joint above the hip joint centres: 0.30 x inter-ASIS width
    spine1: float = 0.060
    spine2: float = 0.075
    spine3: float = 0.030
    neck: float = 0.108            # spine3 -> neck (base of the neck, about C7)
    head: float = 0.065            # neck -> head joint (0.91 H: 0.09 H below the crown)
    collar_half_width: float = 0.040
    collar_rise: float = 0.055     # collar above spine3
    shoulder_half_width: float = 0.110  # gleno-humeral centres; biacromial breadth is 0.259 H
    shoulder_height: float = 0.810      # gleno-humeral centre, just below the acromion (0.818 H)
    upper_arm: float = 0.186
    forearm: float = 0.146
    foot_forward: float = 0.080    # ankle -> ball of the foot (the canonical "foot" joint), along +z
    ball_height: float = 0.012     # the foot joint above the floor

    def scaled(self, **factors: float) -> Proportions:
        """A copy with the named fields multiplied by the given factors (for per-subject variation)."""
        names = {f.name for f in fields(self)}
        unknown = set(factors) - names
        if unknown:
            raise InputError(None, f"unknown proportion fields {sorted(unknown)}")
        return replace(self, **{name: getattr(self, name) * factor for name, factor in factors.items()})


def rest_offsets(height_m: float = 1.75, proportions: Proportions | None = None) -> np.ndarray:
    """(22, 3) rest-pose (T-pose) offsets of a human-proportioned body of standing height ``height_m``.

    The body is symmetric (left offsets mirror right ones in x); arms point along +-x, feet along +z, and
    with the root at ``offsets[0]`` the ankles stand ``ankle_height * H`` above the floor (y = 0).
    Small sagittal offsets give the spine its S-shape (lumbar spine behind, head ahead of the neck).
    """
    if not np.isfinite(height_m) or height_m <= 0:
        raise InputError(None, f"height must be a positive number of metres, got {height_m!r}")
    p = proportions or Proportions()
    h = float(height_m)
    j = JOINT_INDEX
    offsets = np.zeros((NUM_JOINTS, 3))
    pelvis_height = p.ankle_height + p.shank + p.thigh + p.hip_drop
    offsets[j["pelvis"]] = (0.0, pelvis_height, 0.0)
    spine3_height = pelvis_height + p.spine1 + p.spine2 + p.spine3
    collar_height = spine3_height + p.collar_rise
    for side, sign in (("left", 1.0), ("right", -1.0)):
        offsets[j[f"{side}_hip"]] = (sign * p.hip_half_width, -p.hip_drop, 0.0)
        offsets[j[f"{side}_knee"]] = (0.0, -p.thigh, 0.0)
        offsets[j[f"{side}_ankle"]] = (0.0, -p.shank, 0.0)
        offsets[j[f"{side}_foot"]] = (0.0, p.ball_height - p.ankle_height, p.foot_forward)
        offsets[j[f"{side}_collar"]] = (sign * p.collar_half_width, p.collar_rise, -0.005)
        offsets[j[f"{side}_shoulder"]] = (sign * (p.shoulder_half_width - p.collar_half_width),
                                          p.shoulder_height - collar_height, 0.0)
        offsets[j[f"{side}_elbow"]] = (sign * p.upper_arm, 0.0, 0.0)
        offsets[j[f"{side}_wrist"]] = (sign * p.forearm, 0.0, 0.0)
    offsets[j["spine1"]] = (0.0, p.spine1, -0.006)
    offsets[j["spine2"]] = (0.0, p.spine2, 0.004)
    offsets[j["spine3"]] = (0.0, p.spine3, 0.002)
    offsets[j["neck"]] = (0.0, p.neck, -0.010)
    offsets[j["head"]] = (0.0, p.head, 0.018)
    return offsets * h


def rest_pose(offsets: np.ndarray) -> np.ndarray:
    """(22, 3) joint positions of the T-pose, the root at ``offsets[0]``."""
    identity = np.broadcast_to(np.eye(3), (1, len(PARENTS), 3, 3))
    positions, _ = forward_kinematics(identity, np.asarray(offsets, dtype=np.float64)[None, 0], offsets)
    return positions[0]
