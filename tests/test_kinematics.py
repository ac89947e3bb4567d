"""Forward kinematics of the canonical body and the human-proportioned rest skeleton."""
import numpy as np
import pytest

from skeletons import InputError
from skeletons.body import JOINT_INDEX, MIRROR, PARENTS, bone_lengths, bones, standing_height
from skeletons.kinematics import Proportions, axis_angle_to_matrix, forward_kinematics, rest_offsets, rest_pose


def random_rotations(rng, shape):
    return axis_angle_to_matrix(rng.normal(0, 1.0, shape + (3,)))


def subtree(joint):
    out = {joint}
    for j, p in enumerate(PARENTS):
        if p in out:
            out.add(j)
    return sorted(out)


def test_identity_rotations_give_the_rest_pose():
    offsets = rest_offsets(1.8)
    frames = 5
    identity = np.tile(np.eye(3), (frames, 22, 1, 1))
    roots = np.tile(offsets[0], (frames, 1))
    positions, rotations = forward_kinematics(identity, roots, offsets)
    assert np.allclose(positions, rest_pose(offsets)[None])
    assert np.allclose(rotations, np.eye(3))


def test_bone_lengths_equal_the_offset_norms():
    rng = np.random.default_rng(0)
    offsets = rest_offsets(1.65)
    positions, _ = forward_kinematics(random_rotations(rng, (7, 22)), rng.normal(0, 1, (7, 3)), offsets)
    expected = np.linalg.norm(offsets[bones()[:, 1]], axis=-1)
    assert np.allclose(bone_lengths(positions), expected)


def test_rotating_a_parent_moves_its_subtree_rigidly():
    rng = np.random.default_rng(1)
    offsets = rest_offsets()
    local = random_rotations(rng, (3, 22))
    roots = rng.normal(0, 1, (3, 3))
    before, globals_before = forward_kinematics(local, roots, offsets)
    joint = JOINT_INDEX["left_shoulder"]
    turn = random_rotations(rng, (3,))
    turned = local.copy()
    turned[:, joint] = local[:, joint] @ turn
    after, _ = forward_kinematics(turned, roots, offsets)
    moved = subtree(joint)
    # Each joint below the shoulder turns about the shoulder by G_shoulder turn G_shoulder^T.
    g = globals_before[:, joint]
    world_turn = g @ turn @ np.swapaxes(g, -1, -2)
    pivot = before[:, joint]
    expected = pivot[:, None] + np.einsum("tij,tkj->tki", world_turn, before[:, moved] - pivot[:, None])
    assert np.allclose(after[:, moved], expected)
    others = [j for j in range(22) if j not in moved or j == joint]
    assert np.allclose(after[:, others], before[:, others])


def test_rotation_vectors_and_batches():
    rng = np.random.default_rng(2)
    vectors = rng.normal(0, 0.7, (2, 4, 22, 3))
    roots = rng.normal(0, 1, (2, 4, 3))
    offsets = rest_offsets()
    from_vectors, rot_v = forward_kinematics(vectors, roots, offsets)
    from_matrices, rot_m = forward_kinematics(axis_angle_to_matrix(vectors), roots, offsets)
    assert from_vectors.shape == (2, 4, 22, 3) and rot_v.shape == (2, 4, 22, 3, 3)
    assert np.allclose(from_vectors, from_matrices) and np.allclose(rot_v, rot_m)
    single, _ = forward_kinematics(vectors[1], roots[1], offsets)
    assert np.allclose(single, from_vectors[1])


def test_rest_skeleton_is_human_proportioned():
    for height in (1.55, 1.75, 1.95):
        offsets = rest_offsets(height)
        pose = rest_pose(offsets)
        assert standing_height(pose[None]) == pytest.approx(height, rel=0.02)
        j = JOINT_INDEX
        assert pose[j["spine1"], 1] - pose[j["pelvis"], 1] == pytest.approx(0.06 * height, abs=0.01)
        assert pose[j["left_ankle"], 1] == pytest.approx(0.039 * height, rel=1e-6)
        assert pose[j["left_foot"], 2] > pose[j["left_ankle"], 2] + 0.1  # feet point along +z
        assert pose[j["left_shoulder"], 0] > 0 > pose[j["right_shoulder"], 0]  # left is +x
        collar = pose[j["left_collar"]]
        assert pose[j["spine3"], 1] < collar[1] < pose[j["left_shoulder"], 1] + 0.02
        assert 0 < collar[0] < pose[j["left_shoulder"], 0]


def test_rest_offsets_are_mirror_symmetric():
    offsets = rest_offsets()
    assert np.allclose(offsets[list(MIRROR)] * np.array([-1, 1, 1]), offsets)


def test_proportions_scale_and_validate():
    longer = Proportions().scaled(thigh=1.05, shank=1.05)
    assert longer.thigh == pytest.approx(Proportions().thigh * 1.05)
    with pytest.raises(InputError):
        Proportions().scaled(tail=2.0)
    with pytest.raises(InputError):
        rest_offsets(-1.0)


def test_bad_shapes_are_input_errors():
    offsets = rest_offsets()
    with pytest.raises(InputError):
        forward_kinematics(np.zeros((5, 21, 3, 3)), np.zeros((5, 3)), offsets)
    with pytest.raises(InputError):
        forward_kinematics(np.tile(np.eye(3), (5, 22, 1, 1)), np.zeros((4, 3)), offsets)
