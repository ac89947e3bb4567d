"""The canonical 22-joint body.

One joint order is used everywhere in this project: the UniMTS order, a depth-first walk of the SMPL
body (Zhang et al., "UniMTS: Unified Pre-training for Motion Time Series", NeurIPS 2024). The released
UniMTS checkpoint and the benchmark device placements index joints in this order.

Rest-pose convention: metres, y up, the body facing +z, its left side towards +x (the SMPL / HumanML3D
convention). A joint's global orientation maps the joint's body-fixed frame to the world frame. Gravity
points along -y with magnitude :data:`GRAVITY`.
"""
from __future__ import annotations

import warnings

import numpy as np
import torch

JOINT_NAMES: tuple[str, ...] = (
    "pelvis",
    "left_hip", "left_knee", "left_ankle", "left_foot",
    "right_hip", "right_knee", "right_ankle", "right_foot",
    "spine1", "spine2", "spine3", "neck", "head",
    "left_collar", "left_shoulder", "left_elbow", "left_wrist",
    "right_collar", "right_shoulder", "right_elbow", "right_wrist",
)
NUM_JOINTS = len(JOINT_NAMES)

#: Standard gravity, m/s^2 (3rd CGPM, 1901): the project's one value of g, pointing along -y in the world.
GRAVITY = 9.80665

#: Parent of each joint in the canonical order; -1 for the root (pelvis).
PARENTS: tuple[int, ...] = (-1, 0, 1, 2, 3, 0, 5, 6, 7, 0, 9, 10, 11, 12, 11, 14, 15, 16, 11, 18, 19, 20)

#: ``SMPL_TO_CANONICAL[i]`` is the SMPL index of canonical joint ``i``:
#: ``canonical = smpl_array[..., SMPL_TO_CANONICAL, :]``.
SMPL_TO_CANONICAL: tuple[int, ...] = (0, 1, 4, 7, 10, 2, 5, 8, 11, 3, 6, 9, 12, 15, 13, 16, 18, 20, 14, 17, 19, 21)

#: ``CANONICAL_TO_SMPL[k]`` is the canonical index of SMPL joint ``k``:
#: ``smpl = canonical_array[..., CANONICAL_TO_SMPL, :]``.
CANONICAL_TO_SMPL: tuple[int, ...] = tuple(int(i) for i in np.argsort(SMPL_TO_CANONICAL))

JOINT_INDEX: dict[str, int] = {name: i for i, name in enumerate(JOINT_NAMES)}

#: Each joint's mirror image (left <-> right); joints on the midline map to themselves.
MIRROR: tuple[int, ...] = tuple(
    JOINT_INDEX[n.replace("left_", "@").replace("right_", "left_").replace("@", "right_")]
    for n in JOINT_NAMES
)


def children(joint: int) -> tuple[int, ...]:
    """Canonical indices of the joints whose parent is ``joint``."""
    return tuple(j for j, p in enumerate(PARENTS) if p == joint)


def bones() -> np.ndarray:
    """(21, 2) int array of (parent, child) pairs, one row per bone."""
    return np.array([(p, j) for j, p in enumerate(PARENTS) if p >= 0], dtype=np.int64)


def edge_index(self_loops: bool = False) -> torch.Tensor:
    """The skeleton graph as a torch-geometric ``edge_index`` (2, E), both directions of every bone.

    ``self_loops=True`` adds one (j, j) edge per joint, as graph convolutions over skeletons often want.
    """
    with warnings.catch_warnings():  # torch_geometric's own import still calls the deprecated torch.jit.script
        warnings.filterwarnings("ignore", message=r".*torch\.jit\.script.*", category=FutureWarning)
        from torch_geometric.utils import add_self_loops, to_undirected

    pairs = torch.from_numpy(bones().T.copy())
    index = to_undirected(pairs, num_nodes=NUM_JOINTS)
    if self_loops:
        index, _ = add_self_loops(index, num_nodes=NUM_JOINTS)
    return index


def bone_lengths(positions: np.ndarray) -> np.ndarray:
    """Lengths of the 21 bones, (..., 21), from joint positions (..., 22, 3)."""
    pairs = bones()
    return np.linalg.norm(positions[..., pairs[:, 1], :] - positions[..., pairs[:, 0], :], axis=-1)


# Fraction of standing height that lies outside the joint chain ankle -> head: from the floor to the
# ankle joint and from the head joint to the crown. Taken from anthropometric segment proportions
# (Drillis & Contini 1966, as tabulated in Winter, "Biomechanics and Motor Control of Human Movement"):
# ankle height 0.039 H; the head joint (skull base / mid-head in SMPL) sits about 0.09 H below the crown.
_OUTSIDE_CHAIN_FRACTION = 0.039 + 0.09


def standing_height(positions: np.ndarray) -> float:
    """Standing height in the units of ``positions`` (T, 22, 3), independent of pose.

    Sums, with medians over time, the leg (hip -> knee -> ankle, mean of both sides), the drop from the
    pelvis joint to the hip joints measured along the pelvis -> spine1 axis (both lie on the pelvis
    segment, so the drop does not depend on pose), and the spine pelvis -> spine1 -> spine2 -> spine3 ->
    neck -> head; then adds the ankle height and the head-top allowance as fractions of height.
    """
    p = np.asarray(positions, dtype=np.float64)
    lengths = np.median(bone_lengths(p), axis=0)
    by_child = {int(c): float(length) for (_, c), length in zip(bones(), lengths)}
    j = JOINT_INDEX
    leg = 0.5 * sum(by_child[j[f"{s}_knee"]] + by_child[j[f"{s}_ankle"]] for s in ("left", "right"))
    up = p[:, j["spine1"]] - p[:, j["pelvis"]]
    up /= np.maximum(np.linalg.norm(up, axis=-1, keepdims=True), 1e-9)
    hips = 0.5 * (p[:, j["left_hip"]] + p[:, j["right_hip"]]) - p[:, j["pelvis"]]
    hip_drop = float(np.median(-np.sum(hips * up, axis=-1)))
    spine = sum(by_child[j[n]] for n in ("spine1", "spine2", "spine3", "neck", "head"))
    return (leg + max(hip_drop, 0.0) + spine) / (1.0 - _OUTSIDE_CHAIN_FRACTION)
