"""Simulated reference windows of a device (zero_shot.reference): where they are read, how they are prepared."""
from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from benchmarks.loader import load_split
from benchmarks.prepare import WINDOW
from benchmarks.registry import BASIC_MOTIONS, HAPT, get_dataset
from pretrain import load_model
from simulate.gravity import GRAVITY
from tests.conftest import assert_scored_as
from zero_shot import evaluate_split
from zero_shot.__main__ import main
from zero_shot.calibration import fit_calibration
from zero_shot.evaluate import zero_shot_scores
from zero_shot.prompts import class_text_embeddings
from zero_shot.reference import reference_windows


def test_reference_windows_are_read_at_the_devices_joint_with_its_gravity_convention():
    watch, watch_mask = reference_windows(BASIC_MOTIONS, clips=6)  # right wrist, gravity removed
    phone, phone_mask = reference_windows(HAPT, clips=6)  # waist, gravity included
    assert watch.shape == phone.shape == (6, WINDOW, 22, 6)
    assert np.flatnonzero(watch_mask.any(axis=(0, 1, 3))).tolist() == [21]
    assert np.flatnonzero(phone_mask.any(axis=(0, 1, 3))).tolist() == [9]
    watch_force = np.linalg.norm(watch[:, :, 21, :3].mean(1), axis=-1)
    phone_force = np.linalg.norm(phone[:, :, 9, :3].mean(1), axis=-1)
    assert np.median(watch_force) < 0.5 and np.median(np.abs(phone_force - GRAVITY)) < 0.5
    again, _ = reference_windows(BASIC_MOTIONS, clips=6)
    np.testing.assert_array_equal(again, watch)  # seeded: the same windows for every model scored
    other, _ = reference_windows(BASIC_MOTIONS, clips=6, seed=1)
    assert not np.array_equal(other, watch)


def test_a_device_without_gyroscope_reads_none_in_its_reference():
    accelerometer_only = dataclasses.replace(
        BASIC_MOTIONS, placements=(dataclasses.replace(BASIC_MOTIONS.placements[0], gyro=None),))
    imu, mask = reference_windows(accelerometer_only, clips=2)
    assert not mask[..., 3:].any() and not imu[..., 3:].any() and mask[:, :, 21, :3].all()


def test_cli_normalises_basicmotions_on_simulated_windows_of_its_wrist(checkpoint, tmp_path):
    output = tmp_path / "zs.json"
    main(["--model", str(checkpoint), "--benchmarks", "basicmotions", "--normalise", "simulated",
          "--output", str(output)])
    payload = json.loads(output.read_text())
    assert payload["normalisation"] == {"simulated_windows": 16}  # tests simulate 16 (conftest)
    model, dataset = load_model(checkpoint), get_dataset("basicmotions")
    reference = zero_shot_scores(model, *reference_windows(dataset), class_text_embeddings(
        model, load_split(dataset, ".", "test").descriptions))
    plain = evaluate_split(model, load_split(dataset, ".", "test"))
    normalised = fit_calibration(reference).apply(plain.scores)
    assert_scored_as(payload, "BasicMotions", normalised, plain.targets)


def test_cli_refuses_two_standardisations_at_once(checkpoint, tmp_path, capsys):
    output = tmp_path / "zs.json"
    with pytest.raises(SystemExit) as caught:
        main(["--model", str(checkpoint), "--benchmarks", "basicmotions", "--calibrate-on", "train",
              "--normalise", "simulated", "--output", str(output)])
    err = capsys.readouterr().err.splitlines()
    assert caught.value.code == 2 and len(err) == 1 and "choose one" in err[0]
    assert not output.exists()


def test_motion_model_normalisation_is_the_calibration_on_its_devices_reference(checkpoint):
    from zero_shot import MotionModel

    model = MotionModel.from_pretrained(checkpoint)
    classes = ["standing", "walking", ["running", "jogging"]]
    device = dict(rate_hz=10.0, joints=["right_wrist"], gravity="removed")
    normalisation = model.normalisation(classes, **device)
    expected = fit_calibration(zero_shot_scores(model.network, *reference_windows(BASIC_MOTIONS),
                                                      model.text_embeddings(classes)))
    np.testing.assert_allclose(normalisation.mean, expected.mean, atol=1e-6)
    np.testing.assert_allclose(normalisation.std, expected.std, atol=1e-6)
    series = load_split(BASIC_MOTIONS, ".", "test").x[:5]
    np.testing.assert_allclose(model.scores(series, classes, calibration=normalisation, **device),
                               normalisation.apply(model.scores(series, classes, **device)), atol=1e-5)
