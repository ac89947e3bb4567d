"""Zero-shot from text and simulation (experiments.sim_probe): class matching, simulated windows, the ensemble."""
from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

from benchmarks.registry import BASIC_MOTIONS, HAPT
from experiments.sim_probe import augmented_once, ensemble_scores, library_activities, main, simulated_windows
from pretrain import load_model
from skeletons.procedural import ACTIVITIES
from tests.conftest import save_tiny_model


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    return save_tiny_model(tmp_path_factory.mktemp("model"), (8, 16), (2, 2))


def test_a_class_described_by_an_activitys_own_labels_matches_that_activity(checkpoint):
    model = load_model(checkpoint)
    names = ["walk_upstairs", "lie", "play_badminton"]
    assert library_activities(model, [list(ACTIVITIES[n].phrasing.labels) for n in names]) == names


def test_the_ensemble_averages_the_two_votes_as_probabilities():
    text = np.array([[0.3, 0.0, -0.3], [0.0, 0.0, 0.5]])  # z-scores: weak leads for classes 0 and 2
    uniform = np.log(np.full((2, 3), 1 / 3))
    assert ensemble_scores(text, uniform).argmax(1).tolist() == [0, 2]  # an undecided probe leaves the text
    sure = np.log(np.array([[0.01, 0.98, 0.01], [0.9, 0.05, 0.05]]))
    scores = ensemble_scores(text, sure)
    assert scores.argmax(1).tolist() == [1, 0]  # a confident probe outvotes a weak text lead
    np.testing.assert_allclose(scores.sum(1), 1.0)
    unseen = np.log(np.array([[0.5, 0.5, 0.0]]))
    assert np.isfinite(ensemble_scores(text[:1], unseen)).all()


def test_simulated_windows_follow_the_devices_rate_length_and_gravity():
    # HAPT: 2.56 s series at 50 Hz with gravity; a 10 s clip gives 6 windows at 50 % overlap
    imu, mask, targets = simulated_windows(HAPT, ["stand", "walk"], series_samples=128, clips=1)
    assert targets.tolist() == [0] * 6 + [1] * 6 and imu.shape[1:] == (200, 22, 6)
    assert set(np.flatnonzero(mask.reshape(-1, 22, 6).any((0, 2)))) == {HAPT.placements[0].joint}
    waist = imu[:6, :, HAPT.placements[0].joint, :3]
    assert 9.0 < np.linalg.norm(waist.mean(1), axis=1).min()  # standing still reads gravity
    # BasicMotions: 10 s series at 10 Hz, gravity removed by the preparation path
    imu, mask, targets = simulated_windows(BASIC_MOTIONS, ["stand"], series_samples=100, clips=2)
    assert targets.tolist() == [0, 0]
    wrist = imu[:, :, BASIC_MOTIONS.placements[0].joint, :3]
    assert np.linalg.norm(wrist.mean(1), axis=1).max() < 1.0


def test_augmentation_turns_without_changing_magnitudes_and_is_skipped_without_a_config():
    from pretrain.augment import AugmentConfig

    rng = np.random.default_rng(0)
    imu = rng.normal(size=(4, 20, 22, 6)).astype(np.float32)
    mask = np.ones_like(imu)
    out, _ = augmented_once(None, imu, mask)
    assert out is imu
    config = AugmentConfig(window=200, upright_p=1.0, gravity_removed_p=0.25, keep_joints=(1, 5))
    out, out_mask = augmented_once(config, imu, mask, "rotation")
    assert not np.allclose(out, imu)
    np.testing.assert_allclose(np.linalg.norm(out[..., :3], axis=-1), np.linalg.norm(imu[..., :3], axis=-1), rtol=1e-4)
    assert np.array_equal(out_mask, mask)  # every joint kept
    out, out_mask = augmented_once(config, imu, mask, "pretraining")  # all of it: 1-5 joints kept, as in training
    kept = out_mask.reshape(4, -1, 22, 6).any((1, 3)).sum(1)
    assert out.shape == imu.shape and ((kept >= 1) & (kept <= 5)).all()


def test_the_pretraining_augmentation_is_read_from_the_model_folder(checkpoint, tmp_path):
    from experiments.sim_probe import pretraining_augment
    from pretrain.config import load_config

    assert pretraining_augment(checkpoint) is None  # saved outside training: no config named
    folder = tmp_path / "trained"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps({"trained": {"config": "cpu-small"}}))
    assert pretraining_augment(folder) == load_config("cpu-small").augment


def test_cli_scores_text_probe_and_ensemble_and_refuses_bad_input(checkpoint, tmp_path, monkeypatch, capsys):
    import experiments.sim_probe as sim_probe
    from benchmarks.loader import load_split

    full = sim_probe.splits

    def few(protocol, data_root):  # 8 BasicMotions series keep the test quick
        return {name: (dataset, replace(split, x=split.x[::5], y=split.y[::5]))
                for name, (dataset, split) in full(protocol, data_root).items()}

    monkeypatch.setattr(sim_probe, "splits", few)
    main(["--model", str(checkpoint), "--protocol", "report", "--data-root", ".", "--clips", "2",
          "--output", str(tmp_path / "out")])
    row = json.loads((tmp_path / "out" / "results.jsonl").read_text())
    result = row["results"]["basicmotions"]
    assert result["n"] == 8 and result["simulated_windows"] == 8 and len(result["activities"]) == 4
    for name in ("text", "probe", "ensemble"):
        assert 0 <= result[name]["acc"] <= 1 and float(result[name]["acc"] * 8).is_integer()
    assert "ensemble" in (tmp_path / "out" / "summary.md").read_text()
    assert load_split(BASIC_MOTIONS, ".", "test").x.shape[1] == 100
    capsys.readouterr()
    with pytest.raises(SystemExit) as exit_info:
        main(["--model", str(checkpoint), "--clips", "0", "--output", str(tmp_path / "bad")])
    assert exit_info.value.code == 2 and not (tmp_path / "bad").exists()
    assert "clips" in capsys.readouterr().err
