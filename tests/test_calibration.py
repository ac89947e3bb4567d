"""Label-free calibration of zero-shot scores (zero_shot.calibration), and the CLI's --calibrate-on."""
from __future__ import annotations

import json

import numpy as np
import pytest

from benchmarks.loader import load_split
from benchmarks.registry import get_dataset
from pretrain import load_model
from tests.conftest import assert_scored_as
from zero_shot import evaluate_split
from zero_shot.__main__ import main
from zero_shot.calibration import MIN_WINDOWS, ScoreCalibration, cross_fitted, fit_calibration


def biased_scores(n: int = 60, classes: int = 4, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Scores where the true class stands out by 1, but class 0 sits 3 above every window and class 2 varies
    ten times more than the others: plain argmax calls every window class 0 or 2."""
    rng = np.random.default_rng(seed)
    targets = np.arange(n) % classes
    scores = rng.normal(0, 0.1, (n, classes))
    scores[np.arange(n), targets] += 1.0
    scores[:, 0] += 3.0
    scores[:, 2] = 10 * (scores[:, 2] - scores[:, 2].mean()) + scores[:, 2].mean()
    return scores, targets


def accuracy(scores: np.ndarray, targets: np.ndarray) -> float:
    return float((scores.argmax(1) == targets).mean())


def test_a_device_wide_offset_and_spread_are_removed_without_labels():
    fit_scores, _ = biased_scores(seed=0)
    scores, targets = biased_scores(seed=1)
    assert accuracy(scores, targets) <= 0.5
    calibration = fit_calibration(fit_scores)  # other windows of the same device; no labels read
    assert accuracy(calibration.apply(scores), targets) > 0.9
    # on the windows it was fitted to, every class's score has mean 0 and standard deviation 1
    standardised = calibration.apply(fit_scores)
    np.testing.assert_allclose(standardised.mean(0), 0, atol=1e-9)
    np.testing.assert_allclose(standardised.std(0), 1, atol=1e-9)
    assert calibration.windows == len(fit_scores)


def test_the_calibration_travels_as_json():
    calibration = fit_calibration(biased_scores()[0])
    again = ScoreCalibration.from_json(json.loads(json.dumps(calibration.to_json())))
    scores = biased_scores(seed=2)[0]
    np.testing.assert_array_equal(again.apply(scores), calibration.apply(scores))


def test_a_class_no_window_separates_is_not_divided_by_zero():
    scores = biased_scores()[0]
    scores[:, 1] = 0.5
    calibrated = fit_calibration(scores).apply(scores)
    assert np.isfinite(calibrated).all() and (calibrated[:, 1] == 0).all()


@pytest.mark.parametrize("scores, message", [
    (np.zeros((MIN_WINDOWS - 1, 3)), f"at least {MIN_WINDOWS} unlabeled windows"),
    (np.zeros(20), "must be (windows, classes)"),
    (np.full((20, 3), np.nan), "NaN or infinity"),
])
def test_unusable_calibration_windows_are_refused(scores, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        fit_calibration(scores)


def test_scores_of_other_classes_are_refused():
    with pytest.raises(ValueError, match=r"must be \(N, 4\)"):
        fit_calibration(biased_scores()[0]).apply(np.zeros((5, 3)))


def test_cross_fitting_never_calibrates_a_window_on_itself():
    scores, targets = biased_scores()
    before = cross_fitted(scores)
    assert accuracy(before, targets) > 0.9
    changed = scores.copy()
    changed[0] += 100.0  # window 0 is in fold 0 (even rows): only the odd rows' calibration may move
    after = cross_fitted(changed)
    np.testing.assert_array_equal(after[2::2], before[2::2])
    assert not np.allclose(after[1::2], before[1::2])


def test_cli_calibrates_basicmotions_test_on_its_unlabeled_train_split(checkpoint, tmp_path):
    output = tmp_path / "zs.json"
    main(["--model", str(checkpoint), "--benchmarks", "basicmotions", "--calibrate-on", "train",
          "--output", str(output)])
    payload = json.loads(output.read_text())
    assert payload["calibration"] == {"split": "train", "windows": {"BasicMotions": 40}}
    model, dataset = load_model(checkpoint), get_dataset("basicmotions")
    calibration = fit_calibration(evaluate_split(model, load_split(dataset, ".", "train")).scores)
    plain = evaluate_split(model, load_split(dataset, ".", "test"))
    calibrated = calibration.apply(plain.scores)
    assert_scored_as(payload, "BasicMotions", calibrated, plain.targets)


def test_cli_refuses_to_calibrate_on_the_scored_split(checkpoint, tmp_path, capsys):
    output = tmp_path / "zs.json"
    with pytest.raises(SystemExit) as caught:
        main(["--model", str(checkpoint), "--benchmarks", "basicmotions", "--calibrate-on", "test",
              "--output", str(output)])
    err = capsys.readouterr().err.splitlines()
    assert caught.value.code == 2 and len(err) == 1 and "transductive" in err[0]
    assert not output.exists()


def test_cli_custom_data_has_no_split_to_calibrate_on(checkpoint, tmp_path, capsys):
    from tests.test_zero_shot import write_custom

    x, y, labels = write_custom(tmp_path / "custom")
    output = tmp_path / "zs.json"
    with pytest.raises(SystemExit) as caught:
        main(["--model", str(checkpoint), "--custom-x", x, "--custom-y", y, "--labels", labels, "--joints",
              "right_wrist,left_wrist", "--input-rate", "50", "--calibrate-on", "train", "--output", str(output)])
    err = capsys.readouterr().err.splitlines()
    assert caught.value.code == 2 and len(err) == 1 and "no train split to calibrate on" in err[0]
    assert not output.exists()


def test_motion_model_calibrates_on_unlabeled_series_of_your_device(checkpoint):
    from zero_shot import MotionModel

    model = MotionModel.from_pretrained(checkpoint)
    rng = np.random.default_rng(0)
    device = dict(rate_hz=50, joints=["right_wrist"], acc_unit="m/s2", gravity="included")
    unlabeled, series = rng.normal(0, 2, (12, 500, 6)), rng.normal(0, 2, (6, 500, 6))
    classes = ["walking", "running", "sitting"]
    calibration = model.calibrate(unlabeled, classes, **device)
    assert calibration.windows == 12
    plain = model.scores(series, classes, **device)
    calibrated = model.scores(series, classes, calibration=calibration, **device)
    np.testing.assert_allclose(calibrated, calibration.apply(plain), rtol=1e-6)
    assert model.classify(series, classes, calibration=calibration, **device) == [
        classes[i] for i in calibrated.argmax(1)]
