import csv

import numpy as np
import pytest
import torch

from skeletons import (
    CANONICAL_TO_SMPL,
    JOINT_NAMES,
    MIRROR,
    NUM_JOINTS,
    PARENTS,
    SMPL_TO_CANONICAL,
    bone_lengths,
    bones,
    children,
    edge_index,
    standing_height,
)
from skeletons.body import JOINT_INDEX


def test_matches_reference_table(reference_dir):
    with open(reference_dir / "unimts_joints.tsv") as handle:
        rows = [r for r in csv.reader((line for line in handle if not line.startswith("#")), delimiter="\t")]
    header, rows = rows[0], rows[1:]
    assert header == ["unimts_index", "name", "smpl_index", "parent_unimts_index"]
    assert [int(r[0]) for r in rows] == list(range(NUM_JOINTS))
    assert tuple(r[1] for r in rows) == JOINT_NAMES
    assert tuple(int(r[2]) for r in rows) == SMPL_TO_CANONICAL
    assert tuple(int(r[3]) for r in rows) == PARENTS


def test_tree_is_depth_first_with_single_root():
    assert PARENTS[0] == -1 and all(0 <= p < j for j, p in enumerate(PARENTS) if j)
    assert children(11) == (12, 14, 18)
    assert len(bones()) == NUM_JOINTS - 1


def test_permutations_round_trip():
    smpl = np.random.default_rng(0).normal(size=(5, NUM_JOINTS, 3))
    canonical = smpl[:, SMPL_TO_CANONICAL]
    np.testing.assert_array_equal(canonical[:, CANONICAL_TO_SMPL], smpl)
    assert sorted(SMPL_TO_CANONICAL) == list(range(NUM_JOINTS))
    # SMPL joint 16 is the left shoulder, 21 the right wrist.
    assert JOINT_NAMES[CANONICAL_TO_SMPL[16]] == "left_shoulder"
    assert JOINT_NAMES[CANONICAL_TO_SMPL[21]] == "right_wrist"


def test_mirror_is_an_involution_swapping_sides():
    assert all(MIRROR[MIRROR[j]] == j for j in range(NUM_JOINTS))
    assert JOINT_NAMES[MIRROR[JOINT_INDEX["left_wrist"]]] == "right_wrist"
    assert MIRROR[JOINT_INDEX["head"]] == JOINT_INDEX["head"]


def test_edge_index_is_the_undirected_bone_graph():
    index = edge_index()
    assert index.dtype == torch.long and index.shape == (2, 2 * (NUM_JOINTS - 1))
    edges = set(map(tuple, index.T.tolist()))
    for parent, child in bones():
        assert (parent, child) in edges and (child, parent) in edges
    with_loops = edge_index(self_loops=True)
    assert with_loops.shape[1] == index.shape[1] + NUM_JOINTS


def _rest_pose() -> np.ndarray:
    """A T-pose with SMPL-like proportions, metres, y up."""
    offsets = {
        "left_hip": (0.06, -0.09, 0), "left_knee": (0, -0.38, 0), "left_ankle": (0, -0.40, 0),
        "left_foot": (0, -0.05, 0.12), "spine1": (0, 0.11, 0), "spine2": (0, 0.13, 0),
        "spine3": (0, 0.05, 0), "neck": (0, 0.21, 0), "head": (0, 0.09, 0),
        "left_collar": (0.07, 0.11, 0), "left_shoulder": (0.11, 0.04, 0), "left_elbow": (0.26, 0, 0),
        "left_wrist": (0.25, 0, 0),
    }
    pose = np.zeros((NUM_JOINTS, 3))
    pose[0] = (0, 0.95, 0)
    for j in range(1, NUM_JOINTS):
        name = JOINT_NAMES[j]
        offset = np.array(offsets[name.replace("right_", "left_")], dtype=float)
        if name.startswith("right_"):
            offset[0] = -offset[0]
        pose[j] = pose[PARENTS[j]] + offset
    return pose


def test_standing_height_is_plausible_scale_equivariant_and_pose_independent():
    rest = _rest_pose()
    height = standing_height(rest[None])
    assert 1.6 < height < 1.9
    assert standing_height(100 * rest[None]) == pytest.approx(100 * height)
    # Swing the left arm down and bend the right knee: bone lengths, hence height, are unchanged.
    posed = rest.copy()
    shoulder = JOINT_INDEX["left_shoulder"]
    for j in (16, 17):
        relative = posed[j] - posed[shoulder]
        posed[j] = posed[shoulder] + np.array([0, -np.linalg.norm(relative), 0])
    knee = JOINT_INDEX["right_knee"]
    for j in (7, 8):
        relative = posed[j] - posed[knee]
        posed[j] = posed[knee] + np.array([relative[0], -relative[2], relative[1]])  # 90 deg about x
    np.testing.assert_allclose(bone_lengths(posed), bone_lengths(rest), atol=1e-9)
    assert standing_height(posed[None]) == pytest.approx(height)
