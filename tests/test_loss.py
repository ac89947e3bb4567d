"""The contrastive loss: hand-computed cases, duplicate-aware targets, and gathering across processes."""
from __future__ import annotations

import math
import os
import subprocess
import sys
from pathlib import Path

import torch
import torch.nn.functional as F

from pretrain.loss import clip_loss, gather_features

REPO = Path(__file__).resolve().parents[1]


def _cross_entropy(logits: list[float], targets: list[float]) -> float:
    normaliser = math.log(sum(math.exp(v) for v in logits))
    return -sum(t * (v - normaliser) for v, t in zip(logits, targets))


def test_two_by_two_by_hand():
    imu = torch.tensor([[1.0, 0.0], [0.0, 2.0]])  # normalised inside: rows e1, e2
    s = 1 / math.sqrt(2)
    text = torch.tensor([[3.0, 0.0], [s, s]])  # e1 and the diagonal
    # cosine similarities: imu x text = [[1, s], [0, s]]; scale 2
    expected = 0.5 * (
        (_cross_entropy([2, 2 * s], [1, 0]) + _cross_entropy([0, 2 * s], [0, 1])) / 2  # IMU -> text rows
        + (_cross_entropy([2, 0], [1, 0]) + _cross_entropy([2 * s, 2 * s], [0, 1])) / 2  # text -> IMU rows
    )
    assert math.isclose(clip_loss(imu, text, 2.0).item(), expected, rel_tol=1e-6)


def test_duplicate_texts_share_their_targets_by_hand():
    imu = torch.eye(3)
    # samples 0 and 1 carry the same description, embedded a little differently (dropout in a trained tower)
    text = torch.tensor([[1.0, 0.0, 0.0], [0.6, 0.8, 0.0], [0.0, 0.0, 1.0]])
    ids = torch.tensor([7, 7, 3])
    # similarities imu x text = [[1, .6, 0], [0, .8, 0], [0, 0, 1]]; rows 0 and 1 target [1/2, 1/2, 0]
    half, last = [0.5, 0.5, 0.0], [0.0, 0.0, 1.0]
    imu_to_text = [_cross_entropy([1, 0.6, 0], half), _cross_entropy([0, 0.8, 0], half), _cross_entropy([0, 0, 1], last)]
    text_to_imu = [_cross_entropy([1, 0, 0], half), _cross_entropy([0.6, 0.8, 0], half), _cross_entropy([0, 0, 1], last)]
    expected = 0.5 * (sum(imu_to_text) / 3 + sum(text_to_imu) / 3)
    assert math.isclose(clip_loss(imu, text, 1.0, ids).item(), expected, rel_tol=1e-6)
    assert not math.isclose(clip_loss(imu, text, 1.0).item(), expected, rel_tol=1e-3)  # plain CLIP differs


def test_identical_duplicate_features_leave_plain_clip_unchanged():
    """When equal texts get identical features (a frozen or deterministic tower), a twin column is the same
    column: the soft targets give plain CLIP's loss and gradients exactly."""
    generator = torch.Generator().manual_seed(1)
    ids = torch.tensor([0, 1, 0, 2, 1, 0, 3])
    unique = torch.randn((4, 8), generator=generator, dtype=torch.float64, requires_grad=True)
    imu = torch.randn((7, 8), generator=generator, dtype=torch.float64, requires_grad=True)
    aware = clip_loss(imu, unique[ids], 5.0, ids)
    plain = clip_loss(imu, unique[ids], 5.0)
    torch.testing.assert_close(aware, plain)
    for a, b in zip(torch.autograd.grad(aware, (imu, unique)), torch.autograd.grad(plain, (imu, unique))):
        torch.testing.assert_close(a, b)


def test_distinct_texts_give_plain_clip():
    generator = torch.Generator().manual_seed(0)
    imu, text = torch.randn((9, 5), generator=generator), torch.randn((9, 5), generator=generator)
    scale = torch.tensor(10.0)
    distinct = clip_loss(imu, text, scale, torch.arange(100, 109))
    logits = scale * F.normalize(imu, dim=-1) @ F.normalize(text, dim=-1).T
    labels = torch.arange(9)
    plain = (F.cross_entropy(logits, labels) + F.cross_entropy(logits.T, labels)) / 2
    torch.testing.assert_close(distinct, plain)
    torch.testing.assert_close(clip_loss(imu, text, scale), plain)


def test_gradients_reach_features_and_temperature():
    imu, text = torch.randn((4, 3), requires_grad=True), torch.randn((4, 3), requires_grad=True)
    log_scale = torch.tensor(math.log(1 / 0.07), requires_grad=True)
    clip_loss(imu, text, log_scale.exp(), torch.tensor([0, 1, 0, 2])).backward()
    assert all(t.grad is not None and t.grad.abs().sum() > 0 for t in (imu, text, log_scale))


def test_gather_is_a_no_op_outside_torch_distributed():
    imu, text, ids = torch.randn(3, 4), torch.randn(3, 4), torch.arange(3)
    gathered = gather_features(imu, text, ids)
    assert gathered[0] is imu and gathered[1] is text and gathered[2] is ids
    assert gather_features(imu, text)[2] is None


def test_gathered_loss_and_gradients_equal_one_process_on_the_whole_batch():
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
                   "OMP_NUM_THREADS": "1"}
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
               str(REPO / "tests" / "distributed_gather_check.py")]
    result = subprocess.run(command, cwd=REPO, env=environment, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
