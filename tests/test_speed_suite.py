"""The speed suite's comparators compute what the fast paths compute, and the suite reports ratios first.

Speed itself is never asserted: these tests hold the numerics (fast path = plain implementation to float
tolerance) and the shape of the report.
"""
from __future__ import annotations

import numpy as np
import pytest
import torch

from experiments.speed.memory import peak_memory_mb
from experiments.speed.reference import rotate_per_sample_loop
from experiments.speed.reference_simulate import simulate_clip_plain
from experiments.speed.reference_stgcn import PlainSTGCN
from experiments.speed.report import summary_lines
from pretrain.augment import random_rotations, transform_joints
from pretrain.stgcn import STGCN
from simulate.physics import simulate_batch
from simulate.sensor import SensorModel
from skeletons.procedural import generate

SMALL = {"channels": (16, 16, 32), "strides": (1, 2, 1)}
#: A block that narrows (32 -> 16): its graph convolution maps channels before mixing joints.
NARROWING = {"channels": (16, 32, 16), "strides": (1, 2, 1)}


@pytest.mark.parametrize("channels", [3, 6])
@pytest.mark.parametrize("architecture", [SMALL, NARROWING], ids=["widening", "narrowing"])
def test_plain_stgcn_computes_our_network_forward_and_backward(channels, architecture):
    """Same function in float32 forward; same gradients in float64 (in float32, training-mode batch-norms over
    a masked batch of 4 leave the first layers' gradients a few percent apart by rounding alone)."""
    torch.manual_seed(0)
    ours = STGCN(in_channels=channels, **architecture)
    plain = PlainSTGCN(ours.A, in_channels=channels, **architecture)
    plain.load_state_dict(ours.state_dict())
    x = torch.randn(4, 40, 22, channels)
    mask = (torch.rand(4, 40, 22, 1) > 0.2).float().expand_as(x)
    torch.testing.assert_close(ours(x, mask), plain(x, mask), rtol=1e-4, atol=1e-5)
    ours, plain, x, mask = ours.double(), plain.double(), x.double(), mask.double()
    ours(x, mask).square().sum().backward()
    plain(x, mask).square().sum().backward()
    for (name, a), b in zip(ours.named_parameters(), plain.parameters()):
        torch.testing.assert_close(a.grad, b.grad, rtol=1e-9, atol=1e-11, msg=name)


def test_plain_stgcn_has_the_reference_parameter_names():
    ours = STGCN(in_channels=3)
    plain = PlainSTGCN(ours.A, in_channels=3)
    assert {k: v.shape for k, v in plain.state_dict().items()} == {k: v.shape for k, v in ours.state_dict().items()}


@pytest.mark.parametrize("fps, rate", [(20.0, 20.0), (60.0, 20.0), (30.0, 50.0)])
def test_plain_simulation_equals_the_batched_path(fps, rate):
    positions = np.stack([generate(activity, seed=3, duration_s=4.0, fps=fps).positions
                          for activity in ("walk", "run", "jumping_jacks", "sit_down")])
    fast = simulate_batch(positions, fps, rate_hz=rate)
    plain = np.stack([simulate_clip_plain(p, fps, rate) for p in positions])
    scale = np.abs(plain).max(axis=(0, 1, 2))  # per channel
    assert fast.shape == plain.shape
    np.testing.assert_array_less(np.abs(fast - plain).max(axis=(0, 1, 2)), 2e-4 * scale + 1e-5)


def test_plain_sensor_quantises_as_the_batched_model():
    """The deterministic part of the sensor model (saturation and the converter) is the same in both."""
    positions = generate("run", seed=1, duration_s=3.0).positions[None]
    converter = SensorModel(acc_range=4 * 9.81, gyro_range=3.0, adc_bits=8)
    fast = simulate_batch(positions, 20.0, sensor=converter, seed=0)[0]
    plain = simulate_clip_plain(positions[0], 20.0, sensor=converter, rng=np.random.default_rng(0))
    steps = np.array(converter.lsb()).repeat(3)
    assert np.abs(np.rint(fast / steps) - np.rint(plain / steps)).max() <= 1  # a code apart at most (rounding ties)
    assert (np.rint(fast / steps) == np.rint(plain / steps)).mean() > 0.99


def test_plain_sensor_draws_have_the_batched_statistics():
    """Same error model, different random streams: the spread of the errors over many clips agrees."""
    rest = np.zeros((1, 200, 22, 6), dtype=np.float32)
    model = SensorModel.consumer()
    rng = np.random.default_rng(0)
    fast = model.apply(np.repeat(rest, 40, axis=0), 20.0, [np.random.default_rng(i) for i in range(40)])
    from experiments.speed.reference_simulate import _sensor_plain
    plain = np.stack([[_sensor_plain(rest[0, :, j], model, 20.0, rng) for j in range(22)] for _ in range(40)])
    fast_bias = fast.mean(axis=1).std(axis=(0, 1))  # per channel: turn-on bias spread
    plain_bias = plain.mean(axis=2).std(axis=(0, 1))
    np.testing.assert_allclose(fast_bias, plain_bias, rtol=0.15)


def test_transform_joints_is_gain_times_rotation_plus_offset():
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(3, 50, 22, 6, generator=generator)
    rotations = random_rotations(3, 22, generator)
    gains = 1 + 0.1 * torch.rand(3, 22, 2, generator=generator)
    offset = torch.randn(3, 50, 22, 6, generator=generator)
    expected = (rotate_per_sample_loop(x, rotations).unflatten(-1, (2, 3)) * gains[:, None, :, :, None]).flatten(-2)
    torch.testing.assert_close(transform_joints(x, rotations, gains, offset), expected + offset, rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(transform_joints(x[..., :3], rotations), rotate_per_sample_loop(x[..., :3], rotations),
                               rtol=1e-5, atol=1e-5)


def test_peak_memory_sees_an_allocation():
    peak = peak_memory_mb(lambda: np.ones(8_000_000))  # 61 MB, touched
    if peak is None:
        pytest.skip("no /proc/self/clear_refs on this system")
    assert 50 < peak < 200


def test_bench_train_times_both_networks_and_reports_the_ratios(capsys):
    from experiments.speed.train_speed import bench_train

    figures = bench_train(batch=2, window=20, repeats=1, widths=(8, 8), strides=(1, 2))
    assert {"plain fp32", "ours fp32"} <= set(figures["samples_per_s"])
    assert figures["ratio_fp32"] == pytest.approx(figures["samples_per_s"]["ours fp32"]
                                                  / figures["samples_per_s"]["plain fp32"])
    assert figures["ratio"] > 0 and "vs plain fp32" in figures["ratio_label"]
    assert "samples/s" in capsys.readouterr().out


def test_summary_prints_the_machine_then_ratios_then_absolute_figures():
    results = {
        "train": {"samples_per_s": {"plain fp32": 2.0, "ours bf16": 5.0}, "ratio": 2.5,
                  "ratio_label": "ours bf16 vs plain fp32",
                  "ratio_fp32": 1.1, "batch": 16, "window": 200, "channels": 3, "device": "cpu",
                  "peak_memory_mb": {"plain fp32": 900.0, "ours bf16": None}},
        "augment": {"pipeline_speedup": 31.0, "rotation_speedup": 9.0, "pipeline_batched_s": 0.006,
                    "pipeline_loop_s": 0.19, "batch": 64, "peak_memory_mb": 20.0},
    }
    lines = summary_lines(results)
    assert lines[0].startswith("machine: ")
    ratios, absolute = lines.index("ratios (ours / plain implementation, timed side by side in this run):"), \
        lines.index("absolute figures:")
    assert ratios < absolute
    assert "2.50x" in lines[ratios + 1] and "31.0x" in lines[ratios + 2]
    assert any("900 MB" in line for line in lines[absolute:]) and any("n/a" in line for line in lines[absolute:])
