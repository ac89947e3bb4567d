"""AMASS reader, tested against synthetic SMPL-family body models written here (no real model files).

A synthetic model has the vertex count of its real counterpart (smplx picks extra keypoints by vertex
index), zero pose blend shapes, and vertices in small zero-mean clusters, one cluster per joint, with a
J_regressor that averages each cluster: at zero shape, joint k sits exactly at ``rest[k]``. Shape
component 0 scales the body by 1.1 per unit beta and the last component by 1.05.
"""
from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from skeletons import SMPL_TO_CANONICAL, InputError, bone_lengths, bones, load_motion
from skeletons.body import JOINT_INDEX
from skeletons.readers.amass import (
    BODY_MODELS_ENV,
    Z_UP_TO_Y_UP,
    load_amass,
    model_type_from_pose_width,
)

# A SMPL-like rest skeleton in SMPL's joint order: metres, y up, facing +z, left towards +x; the soles are
# near y = -1.17 and the head joint at 0.40, so the body stands about 1.7 m tall.
BODY_REST = np.array([
    [0.00, -0.22, 0.02],                          # 0 pelvis
    [0.07, -0.31, 0.01], [-0.07, -0.31, 0.01],    # 1, 2 hips
    [0.00, -0.10, -0.01],                         # 3 spine1
    [0.11, -0.69, 0.01], [-0.11, -0.69, 0.01],    # 4, 5 knees
    [0.00, 0.04, 0.01],                           # 6 spine2
    [0.09, -1.09, -0.03], [-0.09, -1.09, -0.03],  # 7, 8 ankles
    [0.00, 0.10, 0.03],                           # 9 spine3
    [0.12, -1.15, 0.09], [-0.12, -1.15, 0.09],    # 10, 11 feet
    [0.00, 0.31, -0.01],                          # 12 neck
    [0.08, 0.22, 0.00], [-0.08, 0.22, 0.00],      # 13, 14 collars
    [0.00, 0.40, 0.04],                           # 15 head
    [0.19, 0.25, -0.01], [-0.19, 0.25, -0.01],    # 16, 17 shoulders
    [0.45, 0.23, -0.03], [-0.45, 0.23, -0.03],    # 18, 19 elbows
    [0.71, 0.24, -0.03], [-0.71, 0.24, -0.03],    # 20, 21 wrists
])
BODY_PARENTS = [-1, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 9, 12, 13, 14, 16, 17, 18, 19]
NUM_VERTICES = {"smpl": 6890, "smplh": 6890, "smplx": 10475}
HEAD, LEFT_KNEE, LEFT_ANKLE, LEFT_FOOT, LEFT_WRIST, RIGHT_WRIST = 15, 4, 7, 10, 20, 21
C = Z_UP_TO_Y_UP
QUARTER_TURN_X = Rotation.from_rotvec([np.pi / 2, 0, 0]).as_matrix()


def _fingers(first: int) -> tuple[list[np.ndarray], list[int]]:
    """Five three-joint fingers per hand, left then right, numbered from ``first``: positions and parents."""
    positions, parents = [], []
    for wrist, side in ((LEFT_WRIST, 1.0), (RIGHT_WRIST, -1.0)):
        for finger in range(5):
            for segment in range(3):
                offset = [side * (0.04 + 0.03 * segment), 0.0, 0.02 * (finger - 2)]
                positions.append(BODY_REST[wrist] + offset)
                parents.append(wrist if segment == 0 else first + len(parents) - 1)
    return positions, parents


def rest_skeleton(model_type: str) -> tuple[np.ndarray, list[int]]:
    """All joints of a synthetic ``model_type``: the body above plus SMPL's two hand joints, SMPL+H's
    fingers, or SMPL-X's jaw, eyes and fingers; with their parents."""
    head = BODY_REST[HEAD]
    extra, extra_parents = [], []
    if model_type == "smpl":
        extra = [BODY_REST[LEFT_WRIST] + [0.08, 0, 0], BODY_REST[RIGHT_WRIST] - [0.08, 0, 0]]
        extra_parents = [LEFT_WRIST, RIGHT_WRIST]
    if model_type == "smplx":
        extra = [head + [0, -0.04, 0.06], head + [0.03, 0.04, 0.08], head + [-0.03, 0.04, 0.08]]
        extra_parents = [HEAD, HEAD, HEAD]
    if model_type in ("smplh", "smplx"):
        positions, parents = _fingers(len(BODY_REST) + len(extra))
        extra += positions
        extra_parents += parents
    return np.vstack([BODY_REST, *extra]), BODY_PARENTS + extra_parents


def synthetic_body_model(model_type: str, shape_components: int, drop: tuple[str, ...] = ()) -> dict:
    """The arrays smplx reads for ``model_type`` (see the module docstring), without the keys in ``drop``."""
    rng = np.random.default_rng(0)
    rest, parents = rest_skeleton(model_type)
    joints, vertices = len(rest), NUM_VERTICES[model_type]
    owner = np.arange(vertices) % joints
    counts = np.bincount(owner, minlength=joints)
    offsets = rng.normal(scale=0.01, size=(vertices, 3))
    cluster_means = np.stack([np.bincount(owner, offsets[:, d]) for d in range(3)], axis=1) / counts[:, None]
    offsets -= cluster_means[owner]
    v_template = rest[owner] + offsets
    regressor = (owner[None, :] == np.arange(joints)[:, None]) / counts[:, None]
    shapedirs = np.zeros((vertices, 3, shape_components))
    shapedirs[..., 0] = 0.1 * v_template
    shapedirs[..., -1] = 0.05 * v_template
    faces = np.arange(300, dtype=np.uint32).reshape(100, 3)
    data = {
        "v_template": v_template, "shapedirs": shapedirs, "J_regressor": regressor,
        "posedirs": np.zeros((vertices, 3, 9 * (joints - 1))), "weights": np.eye(joints)[owner],
        "kintree_table": np.array([np.array(parents) % 2**32, np.arange(joints)], dtype=np.uint32),
        "f": faces,
    }
    if model_type == "smplx":
        data.update(lmk_faces_idx=np.arange(51) % 100, lmk_bary_coords=np.full((51, 3), 1 / 3),
                    hands_componentsl=np.eye(45), hands_componentsr=np.eye(45),
                    hands_meanl=np.zeros(45), hands_meanr=np.zeros(45))
    return {key: value.astype(np.float32) if value.dtype == np.float64 else value
            for key, value in data.items() if key not in drop}


def write_body_model(path: Path, model_type: str, shape_components: int, drop: tuple[str, ...] = ()) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = synthetic_body_model(model_type, shape_components, drop)
    if path.suffix == ".npz":
        np.savez_compressed(path, **data)
    else:
        path.write_bytes(pickle.dumps(data, protocol=4))
    return path


@pytest.fixture(scope="module")
def models(tmp_path_factory) -> Path:
    """smplx's layout for SMPL+H (male, .npz) and SMPL-X (neutral, .npz, the old 10 + 10 component
    release); SMPL (neutral, .pkl) side by side."""
    folder = tmp_path_factory.mktemp("body_models")
    write_body_model(folder / "smplh" / "SMPLH_MALE.npz", "smplh", 16)
    write_body_model(folder / "smplx" / "SMPLX_NEUTRAL.npz", "smplx", 20)
    write_body_model(folder / "SMPL_NEUTRAL.pkl", "smpl", 10)
    return folder


def write_clip(path: Path, poses: np.ndarray, trans: np.ndarray | None = None,
               betas: np.ndarray | None = None, fps: float = 120.0, gender: str | bytes | None = "male",
               rate_key: str = "mocap_framerate", **entries) -> Path:
    """An AMASS-style clip: zero trans and 16 zero betas unless given; ``entries`` are written as well."""
    path.parent.mkdir(parents=True, exist_ok=True)
    content = {"poses": poses, "trans": np.zeros((len(poses), 3)) if trans is None else trans,
               "betas": np.zeros(16) if betas is None else betas, rate_key: np.array(fps), **entries}
    if gender is not None:
        content["gender"] = np.array(gender)
    np.savez(path, **content)
    return path


def poses(frames: int = 3, width: int = 156, **rotations: tuple[float, float, float]) -> np.ndarray:
    """(frames, width) zero poses, with axis angles set for SMPL joints given as ``j<index>=(x, y, z)``."""
    array = np.zeros((frames, width))
    for key, rotvec in rotations.items():
        joint = int(key[1:])
        array[:, 3 * joint:3 * joint + 3] = rotvec
    return array


def canonical(smpl_positions: np.ndarray) -> np.ndarray:
    return smpl_positions[..., SMPL_TO_CANONICAL, :]


def bent_left_knee() -> np.ndarray:
    """The rest body (SMPL order) with the left ankle and foot turned by ``QUARTER_TURN_X`` about the knee."""
    expected = BODY_REST.copy()
    for child in (LEFT_ANKLE, LEFT_FOOT):
        expected[child] = BODY_REST[LEFT_KNEE] + QUARTER_TURN_X @ (BODY_REST[child] - BODY_REST[LEFT_KNEE])
    return expected


def test_rest_pose_gives_the_rest_skeleton(models, tmp_path):
    motion = load_amass(write_clip(tmp_path / "rest.npz", poses()), models, up_axis="y")
    assert motion.positions.shape == (3, 22, 3) and motion.rotations.shape == (3, 22, 3, 3)
    np.testing.assert_allclose(motion.positions, np.broadcast_to(canonical(BODY_REST), (3, 22, 3)), atol=1e-5)
    np.testing.assert_allclose(motion.rotations, np.broadcast_to(np.eye(3), (3, 22, 3, 3)), atol=1e-6)
    assert motion.fps == 120.0 and motion.texts == [] and motion.name == "rest"


def test_rest_pose_in_a_z_up_world_is_turned_into_y_up(models, tmp_path):
    motion = load_amass(write_clip(tmp_path / "rest.npz", poses()), models)
    np.testing.assert_allclose(motion.positions[0], canonical(BODY_REST @ C.T), atol=1e-5)
    np.testing.assert_allclose(motion.rotations[0], np.broadcast_to(C, (22, 3, 3)), atol=1e-6)


def test_amass_upright_body_stands_up_in_y(models, tmp_path):
    """AMASS stands bodies up with +90 degrees about x (about the pelvis joint); C undoes the turn and
    carries the pelvis and trans into the y-up world: (x, y, z) -> (x, z, -y)."""
    trans = np.tile([1.0, 2.0, 3.0], (3, 1))
    motion = load_amass(write_clip(tmp_path / "up.npz", poses(j0=(np.pi / 2, 0, 0)), trans), models)
    np.testing.assert_allclose(motion.rotations, np.broadcast_to(np.eye(3), (3, 22, 3, 3)), atol=1e-6)
    pelvis = BODY_REST[0]
    expected = C @ pelvis + (BODY_REST - pelvis) + [1.0, 3.0, -2.0]
    np.testing.assert_allclose(motion.positions[0], canonical(expected), atol=1e-5)
    head, pelvis = JOINT_INDEX["head"], JOINT_INDEX["pelvis"]
    assert (motion.positions[:, head, 1] > motion.positions[:, pelvis, 1] + 0.5).all()


def test_bent_left_knee_turns_its_subtree_rigidly(models, tmp_path):
    motion = load_amass(write_clip(tmp_path / "knee.npz", poses(j4=(np.pi / 2, 0, 0))), models, up_axis="y")
    np.testing.assert_allclose(motion.positions[0], canonical(bent_left_knee()), atol=1e-5)
    turned = [JOINT_INDEX[n] for n in ("left_knee", "left_ankle", "left_foot")]
    for joint in range(22):
        expected = QUARTER_TURN_X if joint in turned else np.eye(3)
        np.testing.assert_allclose(motion.rotations[0, joint], expected, atol=1e-6)


def test_root_orient_turns_everything_and_trans_translates(models, tmp_path):
    turn = Rotation.from_rotvec([0, np.pi / 3, 0]).as_matrix()
    trans = np.array([[0.0, 0.0, 0.0], [0.5, 0.1, -0.2], [1.0, 0.2, -0.4]])
    path = write_clip(tmp_path / "turn.npz", poses(j0=(0, np.pi / 3, 0)), trans)
    motion = load_amass(path, models, up_axis="y")
    pelvis = BODY_REST[0]
    expected = pelvis + (BODY_REST - pelvis) @ turn.T
    np.testing.assert_allclose(motion.positions, canonical(expected[None] + trans[:, None]), atol=1e-5)
    np.testing.assert_allclose(motion.rotations, np.broadcast_to(turn, (3, 22, 3, 3)), atol=1e-6)


def test_random_motion_is_rigid_and_positions_agree_with_rotations(models, tmp_path):
    rng = np.random.default_rng(3)
    frames = 40
    path = write_clip(tmp_path / "random.npz", rng.normal(scale=0.4, size=(frames, 156)),
                      rng.normal(size=(frames, 3)), betas=rng.normal(scale=0.5, size=16))
    motion = load_amass(path, models, batch_frames=7)
    lengths = bone_lengths(motion.positions)
    assert np.abs(lengths - lengths[0]).max() < 1e-5
    np.testing.assert_allclose(np.linalg.det(motion.rotations), 1.0, atol=1e-5)
    rotations = motion.rotations.astype(np.float64)
    np.testing.assert_allclose(rotations @ rotations.transpose(0, 1, 3, 2),
                               np.broadcast_to(np.eye(3), rotations.shape), atol=1e-5)
    # Each bone is its rest offset turned by its parent's global orientation (the body is shaped by betas).
    shaped = load_amass(write_clip(tmp_path / "shaped.npz", poses(2), betas=np.load(path)["betas"]),
                        models, up_axis="y").positions[0]
    for parent, child in bones():
        offsets = np.einsum("tij,j->ti", rotations[:, parent], shaped[child] - shaped[parent])
        bone = motion.positions[:, child] - motion.positions[:, parent]
        np.testing.assert_allclose(bone, offsets, atol=2e-5)
    np.testing.assert_allclose(load_amass(path, models).positions, motion.positions, atol=1e-6)


def test_betas_shape_the_body_and_all_16_are_used(models, tmp_path):
    def height_ratio(betas: np.ndarray, **options) -> float:
        clip = write_clip(tmp_path / "shape.npz", poses(), betas=betas)
        motion = load_amass(clip, models, up_axis="y", **options)
        return float(bone_lengths(motion.positions[0]).sum() / bone_lengths(canonical(BODY_REST)).sum())

    first, last = np.eye(16)[0], np.eye(16)[15]
    assert height_ratio(first) == pytest.approx(1.1, abs=1e-5)
    assert height_ratio(last) == pytest.approx(1.05, abs=1e-5)  # smplx alone would keep 10 of 16
    assert height_ratio(last, num_betas=10) == pytest.approx(1.0, abs=1e-5)


@pytest.mark.parametrize("width, model_type", [(72, "smpl"), (156, "smplh"), (165, "smplx")])
def test_model_type_from_pose_width(width, model_type):
    assert model_type_from_pose_width(width) == model_type


def test_smpl_clip_with_a_pickled_model(models, tmp_path):
    path = write_clip(tmp_path / "smpl.npz", poses(width=72, j4=(np.pi / 2, 0, 0)), gender=None, fps=60.0)
    motion = load_amass(path, models, up_axis="y")
    np.testing.assert_allclose(motion.positions[0], canonical(bent_left_knee()), atol=1e-5)
    assert motion.fps == 60.0


def test_smplx_clip_uses_the_smplx_layout_quietly(models, tmp_path, capsys):
    """The old SMPL-X release has 10 shape components: smplx prints a warning (swallowed) and beta 11 is
    dropped. ``mocap_frame_rate`` is the SMPL-X release's name for the frame rate."""
    body = poses(width=165, j4=(np.pi / 2, 0, 0))
    path = write_clip(tmp_path / "x.npz", body, betas=np.eye(16)[11], gender="neutral",
                      rate_key="mocap_frame_rate", fps=30.0, root_orient=body[:, :3], pose_body=body[:, 3:66],
                      surface_model_type=np.array("smplx"))
    motion = load_amass(path, models, up_axis="y", num_betas=12)
    np.testing.assert_allclose(motion.positions[0], canonical(bent_left_knee()), atol=1e-5)
    assert motion.fps == 30.0
    assert capsys.readouterr().out == ""


def test_amass_layout_without_hand_pca_and_gender_from_the_clip(tmp_path):
    folder = tmp_path / "amass_models"
    write_body_model(folder / "smplh" / "female" / "model.npz", "smplh", 16)
    clip = write_clip(tmp_path / "f.npz", poses(), gender=b"female")
    np.testing.assert_allclose(load_amass(clip, folder, up_axis="y").positions[0], canonical(BODY_REST),
                               atol=1e-5)
    with pytest.raises(InputError, match="SMPLH_MALE"):
        load_amass(clip, folder, gender="male")


def test_body_models_from_the_environment(models, tmp_path, monkeypatch):
    monkeypatch.setenv(BODY_MODELS_ENV, str(models))
    assert load_amass(write_clip(tmp_path / "env.npz", poses())).num_frames == 3


def test_load_motion_dispatches_npz(models, tmp_path):
    path = write_clip(tmp_path / "clip.npz", poses(j0=(np.pi / 2, 0, 0)))
    motion = load_motion(path, body_models=models)
    np.testing.assert_array_equal(motion.positions, load_amass(path, models).positions)


def _without(entry: str) -> dict:
    content = {"poses": poses(), "trans": np.zeros((3, 3)), "betas": np.zeros(16), "mocap_framerate": 120.0}
    del content[entry]
    return content


@pytest.mark.parametrize(
    "content, message",
    [
        (_without("poses"), "lacks poses"),
        (_without("trans"), "lacks trans"),
        (_without("mocap_framerate"), "mocap_framerate or mocap_frame_rate"),
        ({**_without("poses"), "poses": np.zeros((3, 70))}, "70 numbers a frame"),
        ({**_without("poses"), "poses": np.zeros(156)}, "shape"),
        ({**_without("poses"), "poses": np.zeros((1, 156))}, "at least 2"),
        ({**_without("trans"), "trans": np.zeros((2, 3))}, "trans must have shape"),
        ({**_without("poses"), "poses": np.where(np.eye(3, 156) > 0, np.nan, 0.0)}, "NaN or inf"),
        ({**_without("trans"), "trans": np.full((3, 3), np.inf)}, "NaN or inf"),
        ({**_without("mocap_framerate"), "mocap_framerate": -1.0}, "positive"),
        ({**_without("poses"), "poses": np.zeros((3, 156)), "gender": np.array("alien")}, "gender"),
    ],
)
def test_bad_clips_name_the_file(models, tmp_path, content, message):
    path = tmp_path / "bad.npz"
    np.savez(path, **content)
    with pytest.raises(InputError, match=message) as caught:
        load_amass(path, models)
    assert str(path) in str(caught.value)


def test_unreadable_or_missing_clip(models, tmp_path):
    garbage = tmp_path / "garbage.npz"
    garbage.write_bytes(b"not an archive at all")
    with pytest.raises(InputError, match="not a readable") as caught:
        load_amass(garbage, models)
    assert str(garbage) in str(caught.value)
    with pytest.raises(InputError, match="no such file"):
        load_amass(tmp_path / "absent.npz", models)


def test_missing_body_model_folder(tmp_path, monkeypatch):
    clip = write_clip(tmp_path / "clip.npz", poses())
    monkeypatch.delenv(BODY_MODELS_ENV, raising=False)
    with pytest.raises(InputError, match=BODY_MODELS_ENV) as caught:
        load_amass(clip)
    assert str(clip) in str(caught.value)
    with pytest.raises(InputError, match="no such body-model folder") as caught:
        load_amass(clip, tmp_path / "nowhere")
    assert str(tmp_path / "nowhere") in str(caught.value)


def test_folder_without_the_model_file_names_it(tmp_path):
    clip = write_clip(tmp_path / "clip.npz", poses(width=165), gender="neutral")
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match=r"SMPLX_NEUTRAL\.npz or SMPLX_NEUTRAL\.pkl") as caught:
        load_amass(clip, tmp_path / "empty")
    assert str(tmp_path / "empty") in str(caught.value)


def test_broken_body_model_files_name_the_file(tmp_path):
    clip = write_clip(tmp_path / "clip.npz", poses())
    lacking = write_body_model(tmp_path / "lacking" / "SMPLH_MALE.npz", "smplh", 16, drop=("J_regressor",))
    garbage = tmp_path / "garbage" / "SMPLH_MALE.pkl"
    garbage.parent.mkdir()
    garbage.write_bytes(b"\x80\x04 definitely not a pickle")
    chumpy = tmp_path / "chumpy" / "SMPLH_MALE.pkl"
    chumpy.parent.mkdir()
    chumpy.write_bytes(b"\x80\x02cchumpy.ch\nCh\nq\x00.")  # what SMPL's original pickles reference
    smplx_lacking = write_body_model(tmp_path / "xlacking" / "SMPLX_MALE.npz", "smplx", 20,
                                     drop=("shapedirs", "posedirs", "weights", "J_regressor"))
    cases = [(lacking, "lacks J_regressor", None), (garbage, "cannot read", None),
             (chumpy, "chumpy", None), (smplx_lacking, "lacks shapedirs", "smplx")]
    for model_file, message, model_type in cases:
        with pytest.raises(InputError, match=message) as caught:
            load_amass(clip, model_file.parent, model_type=model_type)
        assert str(model_file) in str(caught.value)


def test_bad_options(models, tmp_path):
    clip = write_clip(tmp_path / "clip.npz", poses())
    for options in ({"up_axis": "x"}, {"model_type": "mano"}, {"batch_frames": 0}, {"num_betas": 0}):
        with pytest.raises(InputError):
            load_amass(clip, models, **options)
