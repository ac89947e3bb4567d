"""Run by tests/test_loss.py under ``python -m torch.distributed.run --nproc_per_node 2`` (gloo, CPU).

Each process holds a shard of one global batch (uneven: 4 and 3 samples, with descriptions shared across
the shards). The loss on the gathered features, and its gradients with respect to each process's own
features and the temperature, must equal those of one process computing the whole batch. Exits non-zero
(an AssertionError) otherwise.
"""
from __future__ import annotations

import torch
import torch.distributed as dist

from pretrain.loss import clip_loss, gather_features

SHARDS = (slice(0, 4), slice(4, 7))
TEXT_IDS = torch.tensor([10, 11, 10, 12, 11, 13, 10])


def loss_and_gradients(imu: torch.Tensor, text: torch.Tensor, ids: torch.Tensor | None) -> tuple[torch.Tensor, ...]:
    imu, text = imu.clone().requires_grad_(), text.clone().requires_grad_()
    scale = torch.tensor(14.0, requires_grad=True)
    all_imu, all_text, all_ids = gather_features(imu, text, ids)
    loss = clip_loss(all_imu, all_text, scale, all_ids)
    loss.backward()
    return loss.detach(), imu.grad, text.grad, scale.grad


def main() -> None:
    generator = torch.Generator().manual_seed(0)
    imu = torch.randn((7, 16), generator=generator, dtype=torch.float64)
    text = torch.randn((7, 16), generator=generator, dtype=torch.float64)
    cases = (TEXT_IDS, None)
    # The single-process reference, before the process group exists (gather_features is then a no-op).
    references = [loss_and_gradients(imu, text, ids) for ids in cases]
    dist.init_process_group("gloo")
    try:
        assert dist.get_world_size() == 2
        shard = SHARDS[dist.get_rank()]
        for ids, (loss, imu_grad, text_grad, scale_grad) in zip(cases, references):
            local = loss_and_gradients(imu[shard], text[shard], None if ids is None else ids[shard])
            torch.testing.assert_close(local[0], loss)
            torch.testing.assert_close(local[1], imu_grad[shard])
            torch.testing.assert_close(local[2], text_grad[shard])
            torch.testing.assert_close(local[3], scale_grad)
    finally:
        dist.destroy_process_group()


if __name__ == "__main__":
    main()
