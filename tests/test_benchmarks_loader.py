"""The released layout: a generated miniature of every one of the 18 benchmarks loads and prepares; bad
input is refused with an InputError naming the file."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from benchmarks.custom import load_custom
from benchmarks.loader import is_present, load_split, read_label_dictionary
from benchmarks.prepare import prepare_split
from benchmarks.registry import DATASETS, Dataset, get_dataset
from simulate.gravity import GRAVITY
from skeletons.errors import InputError

PAPER_DATASETS = [d for d in DATASETS if d.source == "released"]


def write_released(root: Path, dataset: Dataset, count: int = 6, seconds: float = 3.0, constant: bool = False,
                   seed: int = 0) -> Path:
    """A miniature of ``dataset`` in the released layout under ``root``: random (or, with ``constant``,
    channel c = c + 1 throughout) arrays of the right shapes, one spare channel, classes spread over 0..K-1."""
    rng = np.random.default_rng(seed)
    folder = root / dataset.dir
    folder.mkdir(parents=True, exist_ok=True)
    shape = (count, max(2, round(seconds * dataset.rate_hz)), dataset.channels_needed + 1)
    if constant:
        x = np.broadcast_to(np.arange(1, shape[2] + 1, dtype=np.float32), shape).copy()
    elif dataset.dir == "Wharf":
        x = rng.integers(0, 64, size=shape).astype(np.float32)  # 6-bit codes
    else:
        x = rng.normal(size=shape).astype(np.float32)
    y = np.linspace(0, dataset.classes - 1, count).round().astype(np.int64)
    for split in ("train", "test"):
        np.save(folder / f"X_{split}.npy", x)
        np.save(folder / f"y_{split}.npy", y)
    labels = {str(i): [f"activity {i}", f"doing activity {i}"] for i in range(dataset.classes)}
    (folder / f"{dataset.dir}.json").write_text(json.dumps({"label_dictionary": labels}))
    return folder


@pytest.fixture(scope="module")
def miniature(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("released")
    for dataset in PAPER_DATASETS:
        write_released(root, dataset, constant=True)
    return root


@pytest.mark.parametrize("dataset", PAPER_DATASETS, ids=lambda d: d.dir)
def test_every_paper_dataset_loads_and_prepares(miniature, dataset):
    assert is_present(dataset, miniature)
    split = load_split(dataset, miniature, "test")
    assert split.x.shape[0] == split.y.shape[0] == 6 and len(split.labels) == dataset.classes
    imu, mask = prepare_split(split, batch_size=4)
    assert imu.shape == mask.shape == (6, 200, 22, 6) and imu.dtype == mask.dtype == np.float32
    for placement in dataset.placements:
        wears = np.ones(6, bool) if placement.classes is None else np.isin(split.y, placement.classes)
        # Channel c holds c + 1: constants pass resampling exactly, so each joint shows its slice times its unit.
        acc = (np.arange(*placement.acc) + 1) * placement.acc_scale + placement.acc_offset
        np.testing.assert_allclose(imu[wears][:, :, placement.joint, :3], np.broadcast_to(acc, (wears.sum(), 200, 3)),
                                   rtol=1e-5)
        assert (mask[wears][:, :, placement.joint, :3] == 1).all() and (mask[~wears][:, :, placement.joint] == 0).all()
        if placement.gyro is None:
            assert not imu[:, :, placement.joint, 3:].any() and not mask[:, :, placement.joint, 3:].any()
        else:
            gyro = (np.arange(*placement.gyro) + 1) * placement.gyro_scale
            np.testing.assert_allclose(imu[wears][:, :, placement.joint, 3:],
                                       np.broadcast_to(gyro, (wears.sum(), 200, 3)), rtol=1e-5)
    elsewhere = np.setdiff1d(np.arange(22), [p.joint for p in dataset.placements])
    assert not mask[:, :, elsewhere].any() and not imu[:, :, elsewhere].any()


def test_random_miniature_prepares_finite_windows(tmp_path):
    dataset = get_dataset("w-HAR")  # 250 Hz: the strongest downsampling
    write_released(tmp_path, dataset, seconds=12.0)
    imu, _ = prepare_split(load_split(dataset, tmp_path, "train"))
    assert np.isfinite(imu).all() and imu[:, :, 7].std() > 0


def test_label_dictionary_forms(tmp_path):
    wrapped, plain = tmp_path / "a.json", tmp_path / "b.json"
    wrapped.write_text(json.dumps({"label_dictionary": {"1": ["walk", "walking"], "0": "stand"}}))
    plain.write_text(json.dumps({"0": ["stand"], "1": ["walk", "walking"]}))
    assert read_label_dictionary(wrapped) == read_label_dictionary(plain) == {0: ["stand"], 1: ["walk", "walking"]}
    plain.write_text(json.dumps({"zero": ["stand"]}))
    with pytest.raises(InputError, match="not an integer"):
        read_label_dictionary(plain)


def _broken(tmp_path: Path, damage) -> tuple[Dataset, Path]:
    dataset = get_dataset("UCIHAR")
    folder = write_released(tmp_path, dataset)
    damage(folder)
    return dataset, folder


@pytest.mark.parametrize("damage, file, problem", [
    (lambda f: (f / "X_test.npy").unlink(), "X_test.npy", "missing"),
    (lambda f: (f / "UCIHAR.json").unlink(), "UCIHAR.json", "missing"),
    (lambda f: np.save(f / "y_test.npy", np.zeros(5, np.int64)), "y_test.npy", "5 labels for 6 series"),
    (lambda f: np.save(f / "y_test.npy", np.full(6, 9)), "UCIHAR.json", r"no description for label ids \[9\]"),
    (lambda f: np.save(f / "X_test.npy", np.zeros((6, 150, 8), np.float32)), "X_test.npy", "8 channels.*at least 9"),
    (lambda f: np.save(f / "X_test.npy", np.full((6, 150, 10), np.nan, np.float32)), "X_test.npy", "non-finite"),
    (lambda f: (f / "X_test.npy").write_text("garbage"), "X_test.npy", "not a readable .npy"),
    (lambda f: (f / "UCIHAR.json").write_text("{"), "UCIHAR.json", "not valid JSON"),
], ids=["no X", "no labels", "length mismatch", "unknown id", "channels", "nan", "not npy", "bad json"])
def test_bad_input_names_the_file_and_the_problem(tmp_path, damage, file, problem):
    dataset, folder = _broken(tmp_path, damage)
    with pytest.raises(InputError, match=problem) as caught:
        load_split(dataset, tmp_path, "test")
    assert caught.value.path == str(folder / file)


def test_absent_folder(tmp_path):
    dataset = get_dataset("PAMAP2")
    assert not is_present(dataset, tmp_path)
    with pytest.raises(InputError, match="missing"):
        load_split(dataset, tmp_path, "test")


def test_custom_layout_units_and_exact_channel_count(tmp_path):
    x = np.zeros((3, 40, 12), np.float32)
    x[..., 0], x[..., 3], x[..., 6] = 1.0, 90.0, 2.0  # 1 g; 90 deg/s; 2 g on the second joint
    np.save(tmp_path / "X.npy", x)
    np.save(tmp_path / "y.npy", np.array([0, 1, 0]))
    (tmp_path / "labels.json").write_text(json.dumps({"0": "sitting", "1": ["walking"]}))
    files = [tmp_path / name for name in ("X.npy", "y.npy", "labels.json")]
    split = load_custom(*files, ["right_wrist", "3"], 20, acc_unit="g", gyro_unit="deg/s")
    assert split.dataset.joint_names == ["right_wrist", "left_ankle"] and split.dataset.classes == 2
    imu, mask = prepare_split(split)
    np.testing.assert_allclose(imu[:, :, 21, 0], GRAVITY, rtol=1e-6)
    np.testing.assert_allclose(imu[:, :, 21, 3], np.pi / 2, rtol=1e-6)
    np.testing.assert_allclose(imu[:, :, 3, 0], 2 * GRAVITY, rtol=1e-6)
    assert mask[:, :, [21, 3]].all() and mask.sum() == 3 * 200 * 12
    with pytest.raises(InputError, match="12 channels.*exactly 18") as caught:
        load_custom(*files, [21, 3, 5], 20)
    assert caught.value.path == str(files[0])
    acc_only = load_custom(*files, [21, 3, 5, 0], 20, gyro=False)  # 12 channels: four accelerometers
    assert [p.gyro for p in acc_only.dataset.placements] == [None] * 4
    with pytest.raises(InputError, match="distinct joints"):
        load_custom(*files, [21, 21], 20)
