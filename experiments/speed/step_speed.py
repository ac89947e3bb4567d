"""Pretraining-step speed: samples/s of one config's real step (:func:`pretrain.train.train_step`): augmentation,
both encoders, the loss, clipping and the AdamW step."""
from __future__ import annotations

import torch
from accelerate.state import AcceleratorState, GradientState

from pretrain.config import load_config
from pretrain.train import make_accelerator, setup_training, train_step

from .timing import best_of, smooth_random_clips


def bench_step(config: str = "cpu-small", batch: int | None = None, steps: int = 10, device: str = "cpu",
                compile_encoder: bool = False) -> dict:
    """Training samples/s of one config on ``device``: the step that ``python -m pretrain`` runs
    (augmentation, both encoders under Accelerate's autocast, duplicate-aware CLIP loss, backward, gradient
    clipping and the AdamW step) on synthetic batches, the frozen text cache filled up front as in training;
    ``compile_encoder`` runs the ST-GCN through torch.compile."""
    cfg = load_config(config)
    batch = batch or cfg.train.batch_size
    window = cfg.data.window
    # Each measurement gets its own Accelerate state: `all` times the CPU and then the GPU in one process.
    AcceleratorState._reset_state(reset_partial_state=True)
    GradientState._reset_state()
    accelerator = make_accelerator(cfg.train, cpu=device == "cpu")
    run = setup_training(cfg, accelerator, total_steps=steps + 2, compile_encoder=compile_encoder)
    texts = [f"a person does activity number {i % 48}" for i in range(batch)]
    if run.unwrapped.text_tower.train_mode == "frozen":
        run.unwrapped.text_tower.encode_cached(sorted(set(texts)))
    x = torch.from_numpy(smooth_random_clips(batch, window, cfg.data.rate_hz)[..., None].repeat(2, -1)
                         .reshape(batch, window, 22, 6))
    mask = torch.ones_like(x)
    device = accelerator.device

    def step() -> None:
        train_step(run, x, mask, texts)
        if device.type == "cuda":
            torch.cuda.synchronize()

    run.model.train()
    if compile_encoder:
        step()  # compilation happens outside the timed steps
    seconds = best_of(step, steps)
    precision = accelerator.mixed_precision
    figures = {"config": config, "device": str(device), "compiled": compile_encoder, "batch": batch,
               "window": window, "threads": torch.get_num_threads(), "mixed_precision": precision,
               "step_s": seconds, "samples_per_s": batch / seconds,
               "parameters": sum(p.numel() for p in run.unwrapped.parameters() if p.requires_grad)}
    where = torch.cuda.get_device_name(device) if device.type == "cuda" else f"{torch.get_num_threads()} CPU threads"
    print(f"step[{config}]: {figures['samples_per_s']:.1f} samples/s (batch {batch}, window {window}, {where}, "
          f"mixed precision {precision}{', compiled' if compile_encoder else ''}, augmentation + loss + clipping "
          f"+ AdamW step included, best of {steps})")
    return figures
