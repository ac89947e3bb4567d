"""One readable contrastive training loop on Accelerate (in the spirit of nanoGPT's train.py).

Runs unchanged on one CPU, one GPU, or many processes (``accelerate launch`` / ``torchrun``). Each step:
load a batch (``pretrain.data``), augment it on the device (``pretrain.augment``), embed IMU windows and
their descriptions, gather features across processes, and minimise the symmetric, duplicate-aware CLIP
loss (``pretrain.loss``). AdamW with linear warm-up then cosine decay, gradient accumulation and
clipping, bf16 autocast on GPU. Every ``checkpoint_every`` steps the full state — model, optimizer,
scheduler, RNGs, augmenter generator, data position — goes to ``OUTPUT/checkpoints/step-N``, and
``--resume`` continues from the newest one exactly. ``metrics.jsonl`` gets one line per logged step.
"""
from __future__ import annotations

import hashlib
import json
import math
import shutil
import time
from pathlib import Path

import torch

from skeletons.errors import InputError

from .augment import Augmenter
from .data import EpochBatches, batch_loader
from .loss import clip_loss, gather_features
from .model import MotionTextModel


def text_ids(texts: list[str], device: torch.device) -> torch.Tensor:
    """A stable 63-bit id per description, equal for equal texts in every process."""
    ids = [int.from_bytes(hashlib.blake2b(t.encode(), digest_size=8).digest(), "little") >> 1 for t in texts]
    return torch.tensor(ids, dtype=torch.int64, device=device)


def learning_rate_factor(step: int, warmup_steps: int, total_steps: int) -> float:
    """Linear warm-up to 1, then cosine decay to 0 at ``total_steps``."""
    if step < warmup_steps:
        return (step + 1) / warmup_steps
    progress = (step - warmup_steps) / max(1, total_steps - warmup_steps)
    return 0.5 * (1.0 + math.cos(math.pi * min(1.0, progress)))


def parameter_groups(model: torch.nn.Module, weight_decay: float) -> list[dict]:
    """AdamW groups: decay matrices and convolution kernels, not biases, norms, or the temperature."""
    decay, no_decay = [], []
    for name, parameter in model.named_parameters():
        if parameter.requires_grad:
            (decay if parameter.ndim >= 2 and "edge_importance" not in name else no_decay).append(parameter)
    return [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}]


class TrainerState:
    """Where training stands: optimizer steps taken and the data position (epoch, next batch)."""

    def __init__(self, step: int = 0, epoch: int = 0, batch: int = 0):
        self.step, self.epoch, self.batch = step, epoch, batch

    def state_dict(self) -> dict:
        return {"step": self.step, "epoch": self.epoch, "batch": self.batch}

    def load_state_dict(self, state: dict) -> None:
        self.step, self.epoch, self.batch = int(state["step"]), int(state["epoch"]), int(state["batch"])


def latest_checkpoint(output: Path) -> Path | None:
    steps = sorted((output / "checkpoints").glob("step-*"), key=lambda p: int(p.name.split("-")[1]))
    return steps[-1] if steps else None


def resolve_mixed_precision(setting: str) -> str:
    """Accelerate's ``mixed_precision`` for a config's ``train.mixed_precision``: ``no``, ``bf16``, ``fp16``,
    or ``auto`` = bf16 autocast wherever the hardware computes in bf16 natively (CUDA GPUs that support it;
    CPUs with AVX512-BF16 or AMX, through oneDNN), else full fp32. Weights, optimizer state and the loss
    stay fp32 either way. On the 2-core AVX512-BF16 CPU of the project's CI, bf16 autocast makes the
    cpu-small ST-GCN's training step 2.6x faster than fp32."""
    if setting != "auto":
        if setting not in ("no", "bf16", "fp16"):
            raise InputError(None, f"train.mixed_precision must be auto, no, bf16 or fp16, got {setting!r}")
        return setting
    if torch.cuda.is_available():
        return "bf16" if torch.cuda.is_bf16_supported() else "no"
    return "bf16" if torch.backends.mkldnn.is_available() and torch.ops.mkldnn._is_mkldnn_bf16_supported() else "no"


def train(config: dict, corpus: str | Path, output: str | Path, resume: bool = False,
          progress: bool = True) -> dict:
    """Pretrain per ``config`` on ``corpus``; write the model, metrics and checkpoints to ``output``."""
    from accelerate import Accelerator
    from accelerate.utils import ProjectConfiguration, set_seed
    from tqdm import tqdm

    output = Path(output)
    train_cfg, data_cfg, model_cfg = config["train"], config["data"], config["model"]
    accelerator = Accelerator(
        # Without a GPU, cpu=True lets Accelerate see a torchrun launch as multi-process CPU (gloo).
        cpu=not torch.cuda.is_available(),
        mixed_precision=resolve_mixed_precision(train_cfg.get("mixed_precision", "auto")),
        gradient_accumulation_steps=train_cfg.get("grad_accum", 1),
        log_with="tensorboard",
        project_config=ProjectConfiguration(project_dir=str(output), logging_dir=str(output / "tensorboard")),
    )
    set_seed(train_cfg["seed"])
    rank, world = accelerator.process_index, accelerator.num_processes

    batches = EpochBatches(str(corpus), train_cfg["batch_size"], data_cfg["window"], train_cfg["seed"], 0,
                           model_cfg["channels"], rank, world)
    if len(batches) == 0:
        raise InputError(corpus, f"{batches.num_rows} described clips are fewer than one global batch "
                                 f"({train_cfg['batch_size'] * world})")
    total_steps = train_cfg.get("max_steps") or train_cfg["epochs"] * len(batches)

    model = MotionTextModel.from_config({**model_cfg, "init_temperature": train_cfg.get("init_temperature", 0.07)})
    optimizer = torch.optim.AdamW(parameter_groups(model, train_cfg["weight_decay"]), lr=train_cfg["lr"])
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: learning_rate_factor(step, train_cfg["warmup_steps"], total_steps))
    model, optimizer, scheduler = accelerator.prepare(model, optimizer, scheduler)
    augmenter = Augmenter({**config["augment"], "window": data_cfg["window"], "rate_hz": data_cfg["rate_hz"]},
                          seed=train_cfg["seed"] * 1000 + rank)
    state = TrainerState()
    accelerator.register_for_checkpointing(state, augmenter)

    if resume and (checkpoint := latest_checkpoint(output)) is not None:
        accelerator.load_state(str(checkpoint))
        metrics_file = output / "metrics.jsonl"
        if accelerator.is_main_process and metrics_file.exists():  # drop lines logged after the checkpoint
            kept = [line for line in metrics_file.read_text().splitlines() if json.loads(line)["step"] <= state.step]
            metrics_file.write_text("".join(line + "\n" for line in kept))
    elif accelerator.is_main_process and output.exists() and not resume:
        (output / "metrics.jsonl").unlink(missing_ok=True)
    if accelerator.is_main_process:
        output.mkdir(parents=True, exist_ok=True)
    accelerator.init_trackers("pretrain", config={"config": config["name"], "total_steps": total_steps})
    unwrapped: MotionTextModel = accelerator.unwrap_model(model)
    if unwrapped.text_tower.train_mode == "frozen":
        embed_descriptions(unwrapped, corpus, progress and accelerator.is_local_main_process)

    bar = tqdm(total=total_steps, initial=state.step, desc="pretrain", unit="step",
               disable=not (progress and accelerator.is_local_main_process))
    last_loss, window_start, window_samples = float("nan"), time.perf_counter(), 0
    model.train()
    while state.step < total_steps:
        epoch_batches = EpochBatches(str(corpus), train_cfg["batch_size"], data_cfg["window"], train_cfg["seed"],
                                     state.epoch, model_cfg["channels"], rank, world)
        for batch in batch_loader(epoch_batches, start=state.batch, num_workers=train_cfg.get("num_workers", 0)):
            with accelerator.accumulate(model):
                x, mask = augmenter(batch["imu"].to(accelerator.device), batch["mask"].to(accelerator.device))
                with accelerator.autocast():
                    imu_features = unwrapped.encode_imu(x, mask)
                    text_features = unwrapped.encode_text(batch["texts"])
                all_imu, all_text, all_ids = gather_features(
                    imu_features.float(), text_features.float(), text_ids(batch["texts"], accelerator.device))
                loss = clip_loss(all_imu, all_text, unwrapped.clamped_logit_scale(), all_ids)
                accelerator.backward(loss)
                if accelerator.sync_gradients and train_cfg.get("clip_grad"):
                    accelerator.clip_grad_norm_(model.parameters(), train_cfg["clip_grad"])
                optimizer.step()
                scheduler.step()
                optimizer.zero_grad(set_to_none=True)
            state.batch += 1
            window_samples += x.shape[0] * world
            if not accelerator.sync_gradients:
                continue
            state.step += 1
            last_loss = loss.item()
            bar.update(1)
            bar.set_postfix(loss=f"{last_loss:.3f}")
            if state.step % train_cfg["log_every"] == 0 or state.step == total_steps:
                elapsed = time.perf_counter() - window_start
                metrics = {"step": state.step, "epoch": state.epoch, "loss": last_loss,
                           "lr": scheduler.get_last_lr()[0],
                           "temperature": 1.0 / unwrapped.clamped_logit_scale().item(),
                           "samples_per_s": window_samples / max(elapsed, 1e-9)}
                accelerator.log({k: v for k, v in metrics.items() if k != "step"}, step=state.step)
                if accelerator.is_main_process:
                    with (output / "metrics.jsonl").open("a") as handle:
                        handle.write(json.dumps(metrics) + "\n")
                window_start, window_samples = time.perf_counter(), 0
            if state.step % train_cfg["checkpoint_every"] == 0 or state.step == total_steps:
                save_checkpoint(accelerator, output, state.step, train_cfg.get("keep_checkpoints", 2))
            if state.step >= total_steps:
                break
        else:
            state.epoch, state.batch = state.epoch + 1, 0
    bar.close()

    accelerator.wait_for_everyone()
    if accelerator.is_main_process:
        unwrapped.save(output, extra={"trained": {"config": config["name"], "steps": state.step,
                                                  "corpus": str(corpus)}})
    accelerator.end_training()
    return {"steps": state.step, "loss": last_loss}


def embed_descriptions(model: MotionTextModel, corpus: str | Path, progress: bool, chunk: int = 256) -> None:
    """Fill a frozen text tower's cache with every description of the corpus, in sorted order.

    Embedding up front, in a fixed order and fixed chunks, makes each text's features independent of the
    batches it later appears in (padding length and batch size change float rounding), so a resumed
    run reproduces an uninterrupted one exactly.
    """
    from tqdm import tqdm

    from simulate.corpus import load_corpus

    texts = sorted({text for row in load_corpus(corpus)["texts"] for text in row})
    for start in tqdm(range(0, len(texts), chunk), desc="embed descriptions", unit="chunk", disable=not progress):
        model.text_tower.encode_cached(texts[start : start + chunk])


def save_checkpoint(accelerator, output: Path, step: int, keep: int) -> None:
    """Full training state to ``checkpoints/step-N`` (written to a temporary name, then renamed)."""
    folder = output / "checkpoints" / f"step-{step}"
    temporary = folder.with_name(f".{folder.name}.tmp")
    accelerator.save_state(str(temporary))
    accelerator.wait_for_everyone()
    if accelerator.is_main_process:
        if folder.exists():
            shutil.rmtree(folder)
        temporary.rename(folder)
        old = sorted((output / "checkpoints").glob("step-*"), key=lambda p: int(p.name.split("-")[1]))[:-keep]
        for stale in old:
            shutil.rmtree(stale, ignore_errors=True)
    accelerator.wait_for_everyone()
