import numpy as np
import pytest

from skeletons import InputError, Motion


def _positions(frames=10):
    return np.random.default_rng(0).normal(size=(frames, 22, 3)).astype(np.float32)


def test_valid_motion_is_normalised():
    motion = Motion(positions=_positions().astype(np.float64), fps=20, texts=("a person walks",))
    assert motion.positions.dtype == np.float32 and motion.fps == 20.0
    assert motion.texts == ["a person walks"] and motion.rotations is None
    assert motion.num_frames == 10 and motion.duration_s == pytest.approx(0.5)
    part = motion.slice(2, 6)
    assert part.num_frames == 4 and part.texts == motion.texts


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(positions=np.zeros((10, 21, 3))), "shape"),
        (dict(positions=np.zeros((10, 22))), "shape"),
        (dict(positions=np.zeros((1, 22, 3))), "at least 2 frames"),
        (dict(positions=np.full((4, 22, 3), np.nan)), "NaN"),
        (dict(positions=np.full((4, 22, 3), np.inf)), "NaN or inf"),
        (dict(fps=0), "fps"),
        (dict(fps=-20), "fps"),
        (dict(fps=float("nan")), "fps"),
        (dict(rotations=np.zeros((10, 22, 3))), "rotations"),
        (dict(rotations=np.full((10, 22, 3, 3), np.nan)), "rotations"),
        (dict(texts="one string"), "list of strings"),
    ],
)
def test_invalid_motion_is_refused_with_a_clear_error(kwargs, message):
    arguments = dict(positions=_positions(), fps=20.0, name="clip7") | kwargs
    with pytest.raises(InputError, match=message) as error:
        Motion(**arguments)
    assert "clip7" in str(error.value)


def test_rotations_are_kept_as_float32():
    rotations = np.broadcast_to(np.eye(3), (10, 22, 3, 3))
    motion = Motion(positions=_positions(), fps=30, rotations=rotations)
    assert motion.rotations.dtype == np.float32 and motion.rotations.shape == (10, 22, 3, 3)
