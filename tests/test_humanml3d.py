import numpy as np
import pytest

from skeletons import SMPL_TO_CANONICAL, InputError, bone_lengths, load_motion
from skeletons.body import JOINT_INDEX
from skeletons.readers.humanml3d import load_humanml3d_segments, read_captions


def test_real_clip(humanml3d_clip):
    motion = load_motion(humanml3d_clip)
    assert motion.positions.shape == (170, 22, 3) and motion.fps == 20.0 and motion.rotations is None
    raw = np.load(humanml3d_clip)
    np.testing.assert_allclose(motion.positions, raw[:, SMPL_TO_CANONICAL])
    # y up: the head stays above the pelvis; bones are rigid.
    assert (motion.positions[:, JOINT_INDEX["head"], 1] > motion.positions[:, JOINT_INDEX["pelvis"], 1]).all()
    lengths = bone_lengths(motion.positions)
    assert (lengths.std(0) / lengths.mean(0)).max() < 0.05


def _write_clip(root, stem="000001", frames=60, captions=None):
    (root / "new_joints").mkdir(parents=True, exist_ok=True)
    positions = np.random.default_rng(1).normal(size=(frames, 22, 3)).astype(np.float32)
    path = root / "new_joints" / f"{stem}.npy"
    np.save(path, positions)
    if captions is not None:
        (root / "texts").mkdir(exist_ok=True)
        (root / "texts" / f"{stem}.txt").write_text("\n".join(captions) + "\n")
    return path


def test_captions_whole_clip_and_spans(tmp_path):
    path = _write_clip(tmp_path, captions=[
        "a person walks forward#a/DET person/NOUN walk/VERB forward/ADV#0.0#0.0",
        "someone strolls ahead#someone/PRON stroll/VERB ahead/ADV#0.0#0.0",
        "the person waves#the/DET person/NOUN wave/VERB#1.0#2.5",
    ])
    motion = load_motion(path)
    assert motion.texts == ["a person walks forward", "someone strolls ahead"]
    whole, span = load_humanml3d_segments(path)
    assert whole.num_frames == 60
    assert span.texts == ["the person waves"] and span.num_frames == 30  # 1.0 s .. 2.5 s at 20 fps
    np.testing.assert_array_equal(span.positions, whole.positions[20:50])
    assert read_captions(tmp_path / "texts" / "000001.txt")[2].start_s == 1.0


def test_clip_without_captions_has_no_texts(tmp_path):
    assert load_motion(_write_clip(tmp_path)).texts == []


@pytest.mark.parametrize(
    "content, message",
    [
        (np.zeros((40, 21, 3)), "shape"),
        (np.zeros((40, 22)), "shape"),
        (np.full((40, 22, 3), np.nan), "NaN"),
        (np.zeros((1, 22, 3)), "at least 2"),
    ],
)
def test_bad_arrays_name_the_file(tmp_path, content, message):
    path = tmp_path / "new_joints" / "bad.npy"
    path.parent.mkdir()
    np.save(path, content)
    with pytest.raises(InputError, match=message) as error:
        load_motion(path)
    assert str(path) in str(error.value)


def test_file_that_is_not_an_array(tmp_path):
    path = tmp_path / "garbage.npy"
    path.write_text("this is not numpy")
    with pytest.raises(InputError, match="not a readable .npy") as error:
        load_motion(path)
    assert str(path) in str(error.value)


def test_missing_file_and_unknown_extension(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        load_motion(tmp_path / "missing.npy")
    other = tmp_path / "clip.xyz"
    other.write_text("")
    with pytest.raises(InputError, match="extension"):
        load_motion(other)
