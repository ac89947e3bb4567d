"""HumanML3D rebuilt from AMASS: synthetic SMPL+H body models (tests/test_amass.py's), a synthetic AMASS
folder and a small index.csv + texts/ in HumanML3D's format.

The synthetic clips bend the left elbow by ``ELBOW_RATE * f`` radians at source frame ``f`` (and the right
elbow by half that), so the elbow angle of any rebuilt frame tells which source frame it came from: frame
ranges are checked exactly, whatever the placement does.
"""
from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from simulate.corpus import load_corpus
from skeletons import JOINT_INDEX, MIRROR, InputError, bone_lengths, bones
from skeletons.readers.humanml3d_amass import (
    REFERENCE_BONE_LENGTHS,
    IndexRow,
    amass_path,
    facing,
    frame_selection,
    read_index,
    read_texts,
    rebuild_clip,
    rebuild_described,
)
from tests.conftest import REPO
from tests.test_amass import BODY_REST, poses, write_body_model, write_clip

ELBOW_RATE = 0.002  # radians per source frame
J = JOINT_INDEX
LEFT_ELBOW_SMPL, RIGHT_ELBOW_SMPL = 18, 19

INDEX = """source_path,start_frame,end_frame,new_name
./pose_data/KIT/3/kick_poses.npy,4,44,000000.npy
./pose_data/humanact12/humanact12/P11G01R02F1812T1847A0402.npy,0,-1,000001.npy
./pose_data/MPI_HDM05/bk/HDM_bk_01_poses.npy,10,50,000002.npy
./pose_data/CMU/01/01_01_poses.npy,5,1000,000003.npy
./pose_data/ACCAD/Female1/missing_poses.npy,0,40,000004.npy
"""
TEXTS = {
    "000000": "a person kicks with the left leg.#a/DET person/NOUN kick/VERB#0.0#0.0\n"
              "someone raises the Left arm#someone/PRON#0.0#0.0\n"
              "the person steps to the right#the/DET#0.5#1.5\n",
    "000002": "a man waves#a/DET man/NOUN wave/VERB#0.0#0.0\n",
    "000003": "a person turns left#a/DET#0.0#0.0\n",
    "M000003": "their own mirrored caption#their/DET#0.0#0.0\n",
}


def source_motion(frames: int, fps: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """SMPL+H poses and trans: stood up (AMASS is z up), turned by a random yaw, walking, elbows bending."""
    rng = np.random.default_rng(seed)
    f = np.arange(frames)
    yaw = rng.uniform(-np.pi, np.pi) + 0.3 * np.sin(f / fps)
    root = Rotation.from_rotvec(np.c_[np.zeros(frames), np.zeros(frames), yaw]) * Rotation.from_rotvec([np.pi / 2, 0, 0])
    pose = poses(frames)
    pose[:, :3] = root.as_rotvec()
    pose[:, 3 * LEFT_ELBOW_SMPL + 2] = ELBOW_RATE * f
    pose[:, 3 * RIGHT_ELBOW_SMPL + 2] = -0.5 * ELBOW_RATE * f
    pose[:, 3 * 1] = 0.3 * np.sin(2 * np.pi * f / fps)  # left hip swings
    trans = np.c_[0.8 * f / fps, 0.1 * np.sin(f / fps), 0.9 + 0.02 * np.cos(f / fps)] + rng.normal(size=3)
    return pose, trans


@pytest.fixture(scope="module")
def dataset(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("humanml3d_amass")
    models = root / "smplh"
    for gender in ("male", "female"):
        write_body_model(models / "smplh" / gender / "model.npz", "smplh", 16)
    amass = root / "AMASS"
    clips = {"000000": ("KIT/3/kick_poses.npz", 100.0, 300, "male"),
             "000002": ("HDM05/bk/HDM_bk_01_poses.npz", 120.0, 1000, "female"),  # a later release's folder name
             "000003": ("CMU/01/01_01_poses.npz", 120.0, 600, "neutral")}
    for seed, (relative, fps, frames, gender) in enumerate(clips.values()):
        pose, trans = source_motion(frames, fps, seed)
        write_clip(amass / relative, pose, trans, betas=np.r_[0.5, np.zeros(15)], fps=fps, gender=gender)
    humanml3d = root / "HumanML3D"
    (humanml3d / "HumanML3D" / "texts").mkdir(parents=True)
    (humanml3d / "index.csv").write_text(INDEX)
    for name, text in TEXTS.items():
        (humanml3d / "HumanML3D" / "texts" / f"{name}.txt").write_text(text)
    rows = {row.name: row for row in read_index(humanml3d / "index.csv")}
    return {"root": root, "models": models, "amass": amass, "humanml3d": humanml3d, "rows": rows, "clips": clips}


def elbow_angle(positions: np.ndarray, side: str) -> np.ndarray:
    upper = positions[:, J[f"{side}_elbow"]] - positions[:, J[f"{side}_shoulder"]]
    fore = positions[:, J[f"{side}_wrist"]] - positions[:, J[f"{side}_elbow"]]
    cosine = np.sum(upper * fore, -1) / np.linalg.norm(upper, axis=-1) / np.linalg.norm(fore, axis=-1)
    return np.arccos(np.clip(cosine, -1, 1))


def expected_left_elbow_angle(source_frames: np.ndarray) -> np.ndarray:
    """The left elbow's angle at these source frames: the forearm of the synthetic rest body turned about z
    by ``ELBOW_RATE * f`` against the unturned upper arm (no other arm joint turns)."""
    shoulder, elbow, wrist = BODY_REST[16], BODY_REST[18], BODY_REST[20]
    turns = Rotation.from_rotvec(np.outer(ELBOW_RATE * source_frames, [0, 0, 1])).as_matrix()
    fore, upper = turns @ (wrist - elbow), elbow - shoulder
    cosine = fore @ upper / np.linalg.norm(fore, axis=-1) / np.linalg.norm(upper)
    return np.arccos(np.clip(cosine, -1, 1))


def test_index_rows_and_their_frame_selection():
    row = IndexRow("./pose_data/MPI_HDM05/bk/x_poses.npy", 10, 50, "000002")
    assert row.parts == ("MPI_HDM05", "bk", "x_poses.npy") and row.trim_frames == 60 and row.is_amass
    frames, rate = frame_selection(1000, 120.0, row)  # every 6th frame, 60 trimmed, then 10:50
    np.testing.assert_array_equal(frames, 6 * np.arange(70, 110))
    assert rate == 20.0
    frames, rate = frame_selection(300, 100.0, IndexRow("./pose_data/KIT/3/k.npy", 4, 44, "0"))
    np.testing.assert_array_equal(frames, 5 * np.arange(4, 44))
    frames, rate = frame_selection(600, 120.0, IndexRow("./pose_data/CMU/01/a.npy", 5, 1000, "0"))
    np.testing.assert_array_equal(frames, 6 * np.arange(5, 100))  # an end past the clip is its end
    _, rate = frame_selection(600, 59.94, IndexRow("./pose_data/CMU/01/a.npy", 0, 10, "0"))
    assert rate == pytest.approx(29.97)  # int(59.94 / 20) = 2: HumanML3D's step, the true rate kept
    assert not IndexRow("./pose_data/humanact12/humanact12/P1.npy", 0, -1, "1").is_amass
    with pytest.raises(InputError, match="at least 3"):
        frame_selection(100, 120.0, IndexRow("./pose_data/TotalCapture/s1/a.npy", 0, 40, "0"))


@pytest.mark.parametrize("name, step, first", [("000000", 5, 4), ("000002", 6, 70), ("000003", 6, 5)])
def test_rebuilt_clips_are_the_indexed_frames_at_20_fps(dataset, name, step, first):
    row = dataset["rows"][name]
    motion = rebuild_clip(dataset["amass"], row, dataset["models"])
    relative, fps, frames, _ = dataset["clips"][name]
    selected, _ = frame_selection(frames, fps, row)
    assert motion.fps == 20.0 and motion.rotations is None and motion.name == name
    assert motion.num_frames == len(selected) - 1  # HumanML3D's new_joints hold one frame fewer
    np.testing.assert_array_equal(selected[:-1], step * (first + np.arange(motion.num_frames)))
    # Neighbouring source frames differ by 0.01 rad at the elbow; the rebuilt frames match to 1e-4.
    np.testing.assert_allclose(elbow_angle(motion.positions.astype(np.float64), "left"),
                               expected_left_elbow_angle(selected[:-1]), atol=1e-4)


@pytest.mark.parametrize("name", ["000000", "M000000", "000002", "M000003"])
def test_rebuilt_clips_follow_humanml3d_conventions(dataset, name):
    """Floor at y = 0, root over the origin and facing +z in frame 0, HumanML3D's one skeleton (the same
    conventions test_humanml3d_fixture_conventions measures on the real HumanML3D clip)."""
    row = dataset["rows"][name.lstrip("M")]
    positions = rebuild_clip(dataset["amass"], row, dataset["models"], mirrored=name.startswith("M")).positions
    assert abs(positions[..., 1].min()) < 2e-3 and positions[..., 1].min() > -1e-6
    np.testing.assert_allclose(positions[0, 0, [0, 2]], 0.0, atol=1e-6)
    assert positions[0, 0, 1] > 0.5  # the pelvis above the floor: y is up
    np.testing.assert_allclose(facing(positions[0].astype(np.float64)), [0.0, 0.0, 1.0], atol=1e-5)
    lengths = bone_lengths(positions.astype(np.float64))
    expected = [REFERENCE_BONE_LENGTHS[name] for name in np.array(list(J))[bones()[:, 1]]]
    np.testing.assert_allclose(lengths, np.broadcast_to(expected, lengths.shape), atol=1e-5)


def test_mirrored_copy_swaps_left_and_right(dataset):
    row = dataset["rows"]["000000"]
    plain = rebuild_clip(dataset["amass"], row, dataset["models"]).positions.astype(np.float64)
    mirrored = rebuild_clip(dataset["amass"], row, dataset["models"], mirrored=True).positions.astype(np.float64)
    assert mirrored.shape == plain.shape
    # The bending left elbow becomes the right one and vice versa (angles are unchanged by any placement).
    np.testing.assert_allclose(elbow_angle(mirrored, "right"), elbow_angle(plain, "left"), atol=1e-4)
    np.testing.assert_allclose(elbow_angle(mirrored, "left"), elbow_angle(plain, "right"), atol=1e-4)
    # The path is reflected: the same walk with x negated (up to a sub-degree turn, as HumanML3D's body has
    # bones of slightly different lengths left and right).
    path, mirrored_path = plain[:, 0] - plain[:1, 0], mirrored[:, 0] - mirrored[:1, 0]
    np.testing.assert_allclose(mirrored_path * [-1, 1, 1], path, atol=0.02 * np.abs(path).max())
    # Each joint lies where its mirror-image joint lies in the reflected plain clip.
    reflected = plain[:, list(MIRROR)] * [-1, 1, 1]
    assert np.abs(reflected - mirrored).max() < 0.05
    assert np.abs(plain - mirrored).max() > 0.2  # the copy is not the clip itself


def test_captions_spans_and_mirrored_texts(dataset):
    texts = read_texts(dataset["humanml3d"])
    row = dataset["rows"]["000000"]
    clips = rebuild_described(dataset["amass"], row, texts["000000"], dataset["models"])
    assert [c.name for c in clips] == ["000000", "000000@0.5-1.5"]
    assert clips[0].texts == ["a person kicks with the left leg.", "someone raises the Left arm"]
    assert clips[1].texts == ["the person steps to the right"]
    np.testing.assert_array_equal(clips[1].positions, clips[0].positions[10:30])  # 0.5-1.5 s at 20 fps


def test_missing_files_say_where_assets_come_from(dataset, tmp_path):
    row = dataset["rows"]["000004"]
    with pytest.raises(InputError, match="amass.is.tue.mpg.de"):
        rebuild_clip(dataset["amass"], row, dataset["models"])
    with pytest.raises(InputError, match="skipped.*HumanAct12"):
        rebuild_clip(dataset["amass"], dataset["rows"]["000001"], dataset["models"])
    with pytest.raises(InputError, match="mano.is.tue.mpg.de|body model"):
        rebuild_clip(dataset["amass"], dataset["rows"]["000000"], tmp_path)
    with pytest.raises(InputError, match="github.com/EricGuo5513/HumanML3D"):
        read_texts(tmp_path)
    assert amass_path(dataset["amass"], dataset["rows"]["000002"]).parts[-3] == "HDM05"


def run(*args):
    return subprocess.run([sys.executable, "-m", "simulate", "--quiet", *map(str, args)], cwd=REPO,
                          capture_output=True, text=True, timeout=600)


def test_one_command_builds_the_corpus_with_mirrors_spans_and_skips(dataset):
    output = dataset["root"] / "corpus"
    result = run("--source", "humanml3d-amass", "--amass", dataset["amass"], "--humanml3d", dataset["humanml3d"],
                 "--body-models", dataset["models"], "--output", output, "--sensor", "ideal")
    assert result.returncode == 0, result.stderr
    corpus = load_corpus(output)
    rows = dict(zip(corpus["id"], corpus["texts"]))
    assert sorted(rows) == ["000000", "000000@0.5-1.5", "000002", "000003", "M000000", "M000000@0.5-1.5",
                            "M000002", "M000003"]
    assert rows["M000000"] == ["a person kicks with the right leg.", "someone raises the Right arm"]
    assert rows["M000000@0.5-1.5"] == ["the person steps to the left"]
    assert rows["M000003"] == ["their own mirrored caption"]  # HumanML3D's own M text when it has one
    assert rows["M000002"] == ["a man waves"]
    durations = dict(zip(corpus["id"], corpus["duration_s"]))
    assert durations["000000"] == pytest.approx(39 / 20) and durations["000000@0.5-1.5"] == pytest.approx(1.0)
    failures = {f["id"]: f for f in map(json.loads, (output / "failures.jsonl").read_text().splitlines())}
    assert sorted(failures) == ["000001", "000004", "M000004"]
    assert "skipped" in failures["000001"]["reason"] and "HumanAct12" in failures["000001"]["reason"]
    assert "amass.is.tue.mpg.de" in failures["000004"]["reason"]
    assert failures["000004"]["file"].endswith("ACCAD/Female1/missing_poses.npz")


def test_one_command_names_missing_assets(dataset, tmp_path):
    result = run("--source", "humanml3d-amass", "--amass", dataset["amass"], "--humanml3d", tmp_path,
                 "--body-models", dataset["models"], "--output", tmp_path / "out")
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1
    assert "index.csv" in result.stderr and "github.com/EricGuo5513/HumanML3D" in result.stderr
    result = run("--source", "humanml3d-amass", "--amass", dataset["amass"], "--humanml3d", dataset["humanml3d"],
                 "--output", tmp_path / "out")
    assert result.returncode == 2 and "--body-models" in result.stderr
    assert not (tmp_path / "out").exists()


def ballistic_rate(positions: np.ndarray, joints, clearance: float = 0.035) -> float:
    """Frames per second at which the longest flight (every joint ``clearance`` above the floor) of the mean
    of ``joints`` falls with gravity: y = a + b f + c f^2 over the flight frames f, rate = sqrt(g / -2c)."""
    airborne = np.flatnonzero(positions[..., 1].min(axis=1) > clearance)
    flight = max(np.split(airborne, np.flatnonzero(np.diff(airborne) > 1) + 1), key=len)
    curvature = np.polyfit(flight, positions[flight][:, joints, 1].mean(axis=1), 2)[0]
    return float(np.sqrt(9.80665 / (-2.0 * curvature)))


def test_humanml3d_fixture_conventions(humanml3d_clip):
    """The conventions of a downloaded HumanML3D clip (new_joints/012314.npy, a tennis serve from
    Eyes_Japan_Dataset, index rows 149-320), which the rebuilt clips above follow."""
    from skeletons import SMPL_TO_CANONICAL

    positions = np.load(humanml3d_clip).astype(np.float64)[:, list(SMPL_TO_CANONICAL)]
    assert positions.shape == (170, 22, 3)  # 320 - 149 frames, less the one new_joints drop
    assert positions[..., 1].min() == 0.0  # the floor: the lowest joint of the whole clip
    np.testing.assert_allclose(positions[0, 0, [0, 2]], 0.0, atol=1e-7)  # root over the origin at frame 0
    assert positions[0, 0, 1] == pytest.approx(0.837, abs=1e-3)  # pelvis height, y up
    np.testing.assert_allclose(facing(positions[0]), [0.0, 0.0, 1.0], atol=1e-6)  # facing +z at frame 0
    lengths = bone_lengths(positions)  # one skeleton, HumanML3D's reference body
    expected = [REFERENCE_BONE_LENGTHS[name] for name in np.array(list(J))[bones()[:, 1]]]
    np.testing.assert_allclose(lengths, np.broadcast_to(expected, lengths.shape), atol=2e-6)
    # 20 fps: in the serve's jump the body falls with gravity at 17-21 fps (30 fps would need 2.2 g).
    assert 15.0 < ballistic_rate(positions, [J["pelvis"]]) < 25.0
    assert 15.0 < ballistic_rate(positions, list(range(22))) < 25.0
