"""Transfer measurement: shot draws, the probe, and both protocols end to end on a synthetic HAPT archive."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from experiments.transfer import (
    PROBES,
    TransferSettings,
    draw_shots,
    encode,
    encode_blocks,
    encode_with_early,
    evaluate_transfer,
    select_halves,
)
from tests.conftest import save_tiny_model
from tests.test_benchmarks_hapt import _write_archive


def test_shots_per_class_and_reproducible():
    targets = np.array([0] * 10 + [1] * 3 + [2] * 7)
    shots = draw_shots(targets, 5, seed=3)
    assert np.bincount(targets[shots]).tolist() == [5, 3, 5]  # class 1 holds only 3
    assert np.array_equal(shots, draw_shots(targets, 5, seed=3))
    assert not np.array_equal(shots, draw_shots(targets, 5, seed=4))


def test_early_probe_reads_the_first_blocks_pooled_and_skips_encoders_without_blocks():
    from pretrain.stgcn import STGCN

    torch.manual_seed(0)
    encoder = STGCN(in_channels=6, channels=(8, 8, 16), strides=(1, 2, 1)).eval()
    imu = np.random.default_rng(0).normal(size=(5, 30, 22, 6)).astype(np.float32)
    mask = np.ones_like(imu)
    mask[..., 3:] = 0  # accelerometer only: the gyroscope channels are read as absent
    last, early = encode_blocks(encoder, 6, imu, mask, blocks=2, batch_size=2)
    with torch.inference_mode():
        blocks = encoder.block_features(torch.from_numpy(imu), torch.from_numpy(mask))
    assert early.shape == (5, 16) and last.shape == (5, 16)
    np.testing.assert_allclose(early, torch.cat(blocks[:2], 1).numpy(), atol=0.05)  # bf16 where the CPU has it
    np.testing.assert_allclose(last, encoder(torch.from_numpy(imu), torch.from_numpy(mask)).detach().numpy(), atol=0.05)

    class Blockless(torch.nn.Module):  # e.g. the language-model core: its pooled features, no early ones
        def forward(self, x, mask):
            return x.mean(dim=(1, 2))

    last, early = encode_blocks(Blockless(), 6, imu, mask, blocks=2)
    assert early is None and last.shape == (5, 6)


def test_one_pass_gives_what_the_separate_passes_give(tmp_path):
    """encode_with_early's pooled features and embeddings are the model's own forward pass and projection
    (under the same autocast, batch by batch), encode's are the same, its early features encode_blocks'."""
    from experiments.transfer import cpu_autocast
    from pretrain import load_model

    model = load_model(save_tiny_model(tmp_path, (8, 16), (2, 2)))
    imu = np.random.default_rng(1).normal(size=(7, 30, 22, 6)).astype(np.float32)
    mask = np.ones_like(imu)
    pooled, embedded, early = encode_with_early(model, imu, mask, blocks=1, batch_size=3)
    with torch.inference_mode(), cpu_autocast():
        features = [model.imu_features(torch.from_numpy(imu[s:s + 3]), torch.from_numpy(mask[s:s + 3]))
                    for s in range(0, 7, 3)]
        expected_pooled = np.concatenate([f.float().numpy() for f in features])
        expected_embedded = np.concatenate([torch.nn.functional.normalize(model.imu_projection(f), dim=-1)
                                            .float().numpy() for f in features])
    for got, want in zip(encode(model, imu, mask, batch_size=3), (pooled, embedded), strict=True):
        np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(pooled, expected_pooled)
    np.testing.assert_array_equal(embedded, expected_embedded)
    np.testing.assert_array_equal(early, encode_blocks(model.imu_encoder, 6, imu, mask, 1, batch_size=3)[1])
    assert early.shape == (7, 8) and embedded.shape[0] == 7


def test_select_halves_split_the_training_subjects():
    shots, scored = select_halves()
    assert not set(shots) & set(scored) and len(shots) + len(scored) == 21
    assert not {2, 4, 9, 10, 12, 13, 18, 20, 24} & (set(shots) | set(scored))


@pytest.mark.parametrize("protocol", ["select", "report"])
def test_protocols_end_to_end(tmp_path, protocol):
    # Subjects 1 and 3 train (1 in the shot half, 3 in the scored half), 2 and 4 test.
    (tmp_path / "data" / "hapt").mkdir(parents=True)
    _write_archive(tmp_path / "data" / "hapt" / "hapt.npz", subjects=(1, 2, 3, 4))
    model = save_tiny_model(tmp_path / "model")
    settings = TransferSettings(ks=(1,), draws=2, pool_every=1, select_eval_every=1, probe_scored_every=2)
    result = evaluate_transfer(model, protocol, tmp_path / "data", settings)
    assert result["basicmotions"]["split"] == ("train" if protocol == "select" else "test")
    assert ("probe" in result["basicmotions"]) == (protocol == "report")
    hapt = result["hapt"]
    assert hapt["n"] == (4 if protocol == "select" else 8)  # 2 standing + 2 walking windows per subject
    assert hapt["probe_n"] == 4  # every window in select, every 2nd of the 8 in report
    assert set(hapt["probe"][1]) == set(PROBES)
    assert all(0 <= hapt["probe"][1][p]["acc_mean"] <= 1 and len(hapt["probe"][1][p]["draws"]) == 2 for p in PROBES)
    # The zero-shot confusion matrix: HAPT's 6 classes, one count per scored window, its diagonal the accuracy.
    matrix = np.asarray(hapt["zero_shot"]["confusion"])
    assert matrix.shape == (6, 6) and matrix.sum() == hapt["n"]
    half = hapt["n"] // 2
    assert matrix.sum(1).tolist() == [half, 0, 0, 0, half, 0]  # as many walking (class 0) as standing (4) windows
    assert np.trace(matrix) / hapt["n"] == pytest.approx(hapt["zero_shot"]["acc"])
    # Zero-shot calibrated on other, unlabeled windows of the device: the same figures, the same windows.
    for entry in (hapt["zero_shot"], result["basicmotions"]):
        calibrated = entry["calibrated"]
        assert np.asarray(calibrated["confusion"]).sum() == entry["n"] and 0 <= calibrated["acc"] <= 1
    assert hapt["zero_shot"]["calibrated"]["fitted_on"] == f"{4 if protocol == 'select' else 8} other windows, unlabeled"
    assert result["basicmotions"]["calibrated"]["fitted_on"] == (
        "the other half of the scored windows" if protocol == "select" else "40 other windows, unlabeled")
    # Zero-shot normalised over simulated windows at each device's joint (16 clips in tests, conftest).
    for entry in (hapt["zero_shot"], result["basicmotions"]):
        normalised = entry["normalised"]
        assert np.asarray(normalised["confusion"]).sum() == entry["n"] and 0 <= normalised["acc"] <= 1
        assert normalised["fitted_on"] == "16 simulated windows at the device's joints"
    # Without the archive HAPT is left out, BasicMotions still runs.
    assert "hapt" not in evaluate_transfer(model, protocol, tmp_path / "nothing", settings)


def test_minirocket_is_fitted_once_for_models_on_the_same_shots(tmp_path, monkeypatch):
    """The demo's seeds share shots: MiniRocket (which never sees the model) is fitted once for all of them,
    with the scores an uncached run gives; other shots are fitted anew."""
    from dataclasses import replace

    import experiments.transfer as transfer

    (tmp_path / "data" / "hapt").mkdir(parents=True)
    _write_archive(tmp_path / "data" / "hapt" / "hapt.npz", subjects=(1, 2, 3, 4))
    model = save_tiny_model(tmp_path / "model")
    fits = []
    fit = transfer.minirocket_scores
    monkeypatch.setattr(transfer, "minirocket_scores", lambda *args, **kwargs: fits.append(1) or fit(*args, **kwargs))
    settings = TransferSettings(ks=(1,), draws=2, pool_every=1, probe_scored_every=2, draw_seed=0)
    cache: dict = {}

    def minirocket(result):
        return [result[name]["probe"][1]["minirocket"]["draws"] for name in ("basicmotions", "hapt")]

    first = evaluate_transfer(model, "report", tmp_path / "data", replace(settings, random_seed=0), cache)
    fitted = len(fits)
    assert fitted == 4  # 2 draws on BasicMotions, 2 on HAPT
    second = evaluate_transfer(model, "report", tmp_path / "data", replace(settings, random_seed=1), cache)
    assert len(fits) == fitted and minirocket(second) == minirocket(first)
    assert minirocket(evaluate_transfer(model, "report", tmp_path / "data", replace(settings, random_seed=1))) \
        == minirocket(second)
    evaluate_transfer(model, "report", tmp_path / "data", replace(settings, draw_seed=1), cache)
    assert len(fits) == 3 * fitted  # the uncached run, then new shots
