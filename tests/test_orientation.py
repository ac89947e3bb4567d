"""Orientation estimation from positions: rest pose, rotation properties, continuity, bone following."""
import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from simulate import estimate_orientations
from skeletons import JOINT_INDEX, NUM_JOINTS, PARENTS
from skeletons.orientation import canonical_t_pose

J = JOINT_INDEX


def smooth_motion(seconds: float, fps: float, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A body-like motion by forward kinematics of the canonical T-pose: (positions, rotations).

    Smooth random joint rotations (sums of sinusoids below 1.5 Hz, a function of continuous time, so
    any frame rate samples the same motion), with elbows and knees swinging through straight, upper
    arms sweeping through forward, down and up, and the root wandering within a few metres at
    walking speed.
    """
    rng = np.random.default_rng(seed)
    t = np.arange(round(seconds * fps) + 1) / fps

    freqs = rng.uniform(0.2, 1.5, (3, NUM_JOINTS, 3))
    phases = rng.uniform(0, 2 * np.pi, (3, NUM_JOINTS, 3))
    local = 0.25 / 3 * np.sin(2 * np.pi * freqs * t[:, None, None, None] + phases).sum(axis=1)  # rotvecs
    for side, sign in (("left", 1.0), ("right", -1.0)):
        # Elbow flexion about the vertical axis (T-pose palms down), -0.05 .. 1.55 rad, through straight.
        flexion = 0.75 - 0.8 * np.cos(2 * np.pi * 0.4 * t + (0.0 if side == "left" else 1.0))
        local[:, J[f"{side}_elbow"]] = np.stack([0 * t, -sign * flexion, 0 * t], axis=-1)
        # Upper arm: down to up (about z) and back to front (about y).
        raise_ = 1.4 * np.sin(2 * np.pi * 0.23 * t + sign)
        sweep = 1.3 * np.sin(2 * np.pi * 0.17 * t + 2 * sign)
        local[:, J[f"{side}_shoulder"]] = np.stack([0 * t, -sign * sweep, sign * raise_], axis=-1)
        # Knee flexion about x, -0.05 .. 1.45 rad.
        knee = 0.7 - 0.75 * np.cos(2 * np.pi * 0.9 * t + sign)
        local[:, J[f"{side}_knee"]] = np.stack([knee, 0 * t, 0 * t], axis=-1)
    local[:, 0] = np.stack([0.1 * np.sin(t), 0.8 * np.sin(0.3 * t), 0 * t], axis=-1)  # pelvis heading

    rest = canonical_t_pose().astype(np.float64)
    local_rotations = Rotation.from_rotvec(local.reshape(-1, 3)).as_matrix().reshape(len(t), NUM_JOINTS, 3, 3)
    rotations = np.zeros_like(local_rotations)
    positions = np.zeros((len(t), NUM_JOINTS, 3))
    rotations[:, 0] = local_rotations[:, 0]
    wander = np.stack([1.5 * np.sin(0.5 * t), 0.03 * np.sin(6 * t), 2.0 * np.sin(0.4 * t)], axis=-1)
    positions[:, 0] = rest[0] + wander
    for joint in range(1, NUM_JOINTS):
        parent = PARENTS[joint]
        rotations[:, joint] = rotations[:, parent] @ local_rotations[:, joint]
        positions[:, joint] = positions[:, parent] + rotations[:, parent] @ (rest[joint] - rest[parent])
    return positions.astype(np.float32), rotations.astype(np.float32)


def angle_between(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Geodesic angle (radians) between rotation matrices a and b (..., 3, 3)."""
    cos = (np.einsum("...ij,...ij->...", a, b) - 1.0) / 2.0
    return np.arccos(np.clip(cos, -1.0, 1.0))


def test_t_pose_gives_identity_anywhere_and_any_size():
    pose = canonical_t_pose()
    assert np.allclose(estimate_orientations(pose), np.eye(3), atol=1e-6)
    assert np.allclose(estimate_orientations(1.7 * pose + (3.0, 0.0, -2.0)), np.eye(3), atol=1e-5)


def test_turned_t_pose_gives_the_turn_for_every_joint():
    turn = Rotation.from_euler("yxz", [70, 20, -35], degrees=True).as_matrix()
    pose = canonical_t_pose() @ turn.T.astype(np.float32)
    assert np.allclose(estimate_orientations(pose), turn, atol=1e-5)


def test_shapes_and_proper_rotations_on_motion():
    positions, _ = smooth_motion(4.0, 30.0)
    batch = np.stack([positions, positions[::-1]])
    rotations = estimate_orientations(batch)
    assert rotations.shape == (*batch.shape, 3) and rotations.dtype == np.float32
    gram = np.einsum("...ki,...kj->...ij", rotations, rotations)
    assert np.abs(gram - np.eye(3)).max() < 1e-5
    assert np.allclose(np.linalg.det(rotations), 1.0, atol=1e-5)
    assert np.allclose(rotations[1], rotations[0][::-1])


def test_no_flips_on_long_motion_through_straight_and_aligned_limbs():
    positions, true_rotations = smooth_motion(60.0, 60.0, seed=3)
    rotations = estimate_orientations(positions)
    upper_arm = positions[:, J["left_elbow"]] - positions[:, J["left_shoulder"]]
    upper_arm /= np.linalg.norm(upper_arm, axis=-1, keepdims=True)
    elbow = np.einsum("ti,ti->t", upper_arm, positions[:, J["left_wrist"]] - positions[:, J["left_elbow"]])
    # The motion reaches what the test is about: straight elbows, the arm forward, down and up.
    assert (elbow / 0.25 > np.cos(np.radians(3))).any()
    assert upper_arm[:, 2].max() > 0.9 and upper_arm[:, 1].min() < -0.9 and upper_arm[:, 1].max() > 0.9
    step = angle_between(rotations[1:], rotations[:-1])
    true_step = angle_between(true_rotations[1:], true_rotations[:-1])
    assert step.max() < 0.2  # radians per 1/60 s; a flip would be ~pi
    assert step.max() < 1.2 * true_step.max()


def test_degenerate_input_still_gives_rotations():
    collapsed = np.zeros((3, NUM_JOINTS, 3), dtype=np.float32)
    straight_up = np.zeros((NUM_JOINTS, 3), dtype=np.float32)
    straight_up[:, 1] = np.arange(NUM_JOINTS)  # every bone and every reference along y
    rotations = estimate_orientations(np.concatenate([collapsed, straight_up[None]]))
    assert np.isfinite(rotations).all()
    assert np.allclose(np.linalg.det(rotations), 1.0, atol=1e-5)


@pytest.mark.parametrize(
    "joint, start, end",
    [
        ("left_shoulder", "left_shoulder", "left_elbow"),
        ("left_elbow", "left_elbow", "left_wrist"),
        ("left_wrist", "left_elbow", "left_wrist"),
        ("right_knee", "right_knee", "right_ankle"),
        ("right_foot", "right_ankle", "right_foot"),
        ("head", "neck", "head"),
        ("pelvis", "pelvis", "spine1"),
    ],
)
def test_primary_axis_follows_the_bone(joint, start, end):
    positions, _ = smooth_motion(5.0, 30.0, seed=1)
    rotations = estimate_orientations(positions)
    rest = canonical_t_pose()
    rest_bone = rest[J[end]] - rest[J[start]]
    bone = positions[:, J[end]] - positions[:, J[start]]
    predicted = rotations[:, J[joint]] @ (rest_bone / np.linalg.norm(rest_bone))
    assert np.allclose(predicted, bone / np.linalg.norm(bone, axis=-1, keepdims=True), atol=1e-5)


def test_bent_elbow_matches_the_true_upper_arm_and_forearm():
    positions, true_rotations = smooth_motion(10.0, 30.0, seed=2)
    rotations = estimate_orientations(positions)
    upper = positions[:, J["left_elbow"]] - positions[:, J["left_shoulder"]]
    fore = positions[:, J["left_wrist"]] - positions[:, J["left_elbow"]]
    upper /= np.linalg.norm(upper, axis=-1, keepdims=True)
    fore /= np.linalg.norm(fore, axis=-1, keepdims=True)
    cos_bend = np.einsum("ti,ti->t", upper, fore)
    bent = cos_bend < np.cos(np.radians(30))
    assert bent.sum() > 50
    for joint in ("left_shoulder", "left_elbow"):
        error = angle_between(rotations[bent, J[joint]], true_rotations[bent, J[joint]])
        assert error.max() < 1e-3
