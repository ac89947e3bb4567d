"""Training speed: samples/s of one pretraining config's step."""
from __future__ import annotations

import torch

from pretrain.augment import Augmenter
from pretrain.config import load_config
from pretrain.loss import clip_loss
from pretrain.model import MotionTextModel
from pretrain.train import parameter_groups, resolve_mixed_precision, text_ids

from .timing import best_of, smooth_random_clips


def bench_train(config: str = "cpu-small", batch: int | None = None, steps: int = 10, device: str = "cpu",
                compile_encoder: bool = False) -> dict:
    """Training samples/s of one config on ``device``: augmentation, both encoders, duplicate-aware CLIP
    loss, backward and the AdamW step, on synthetic batches (the frozen text cache filled up front, as in
    training), in the config's mixed precision; ``compile_encoder`` runs the ST-GCN through torch.compile."""
    cfg = load_config(config)
    batch = batch or cfg["train"]["batch_size"]
    window = cfg["data"]["window"]
    device = torch.device(device)
    model = MotionTextModel.from_config(cfg["model"]).to(device)
    if compile_encoder:
        model.imu_encoder = torch.compile(model.imu_encoder)
    optimizer = torch.optim.AdamW(parameter_groups(model, 0.01), lr=1e-4)
    augmenter = Augmenter({**cfg["augment"], "window": window, "rate_hz": cfg["data"]["rate_hz"]}, seed=0)
    texts = [f"a person does activity number {i % 48}" for i in range(batch)]
    if model.text_tower.train_mode == "frozen":
        model.text_tower.encode_cached(sorted(set(texts)))
    x = torch.from_numpy(smooth_random_clips(batch, window, cfg["data"]["rate_hz"])[..., None].repeat(2, -1)
                         .reshape(batch, window, 22, 6)).to(device)
    mask = torch.ones_like(x)
    ids = text_ids(texts, device)
    precision = resolve_mixed_precision(cfg["train"].get("mixed_precision", "auto"))

    def step() -> None:
        augmented, augmented_mask = augmenter(x, mask)
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=precision == "bf16"):
            imu_features, text_features = model.encode_imu(augmented, augmented_mask), model.encode_text(texts)
        loss = clip_loss(imu_features.float(), text_features.float(), model.clamped_logit_scale(), ids)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        if device.type == "cuda":
            torch.cuda.synchronize()

    model.train()
    if compile_encoder:
        step()  # compilation happens outside the timed steps
    seconds = best_of(step, steps)
    figures = {"config": config, "device": str(device), "compiled": compile_encoder, "batch": batch,
               "window": window, "threads": torch.get_num_threads(), "mixed_precision": precision,
               "step_s": seconds, "samples_per_s": batch / seconds,
               "parameters": sum(p.numel() for p in model.parameters() if p.requires_grad)}
    where = torch.cuda.get_device_name(device) if device.type == "cuda" else f"{torch.get_num_threads()} CPU threads"
    print(f"train[{config}]: {figures['samples_per_s']:.1f} samples/s (batch {batch}, window {window}, {where}, "
          f"mixed precision {precision}{', compiled' if compile_encoder else ''}, augmentation + loss + AdamW "
          f"step included, best of {steps})")
    return figures
