"""One readable contrastive training loop on Accelerate (in the spirit of nanoGPT's train.py).

Runs unchanged on one CPU, one GPU, or many processes (``accelerate launch`` / ``torchrun``). Each step: load a
batch (``pretrain.data``), augment it on the device (``pretrain.augment``), embed IMU windows and their
descriptions, gather features across processes, and minimise the symmetric, duplicate-aware CLIP loss
(``pretrain.loss``; ``train.loss: imu_to_text`` the reference's one-way loss instead, :func:`contrastive_loss`),
plus, when ``train.view_contrast_weight`` > 0, an augmented-view InfoNCE term between two augmentations of the
same clips (:func:`augmented_view_loss`), and when ``train.prototype_weight`` > 0 a classification of every
window among all the corpus's activities (:func:`activity_prototype_loss`). AdamW with linear warm-up then cosine
decay, gradient accumulation and clipping, bf16 autocast on GPU. The schedule's length is the config's
(``train.max_steps``, else ``train.epochs``); ``stop_at`` (``--max-steps``) only says where this invocation
stops, so a run stopped at any step and resumed equals the straight run. Every ``checkpoint_every`` steps the
full state — model, optimizer, scheduler, RNGs, augmenter generator, data position — goes to
``OUTPUT/checkpoints/step-N`` as safetensors + JSON (:mod:`pretrain.checkpoint`; nothing pickled), and
``--resume`` continues from the newest checkpoint of this run exactly, after checking that corpus, batch size,
world size, data rate and config match. The output folder carries a marker and a lock (:mod:`skeletons.outputs`);
a fresh run into a folder holding a run is refused without ``overwrite``. ``metrics.jsonl`` gets one line per
logged step.

The pieces: :func:`make_accelerator` and :func:`setup_training` build a run, :func:`train_step` is one step
(the speed suite times exactly this), :func:`log_metrics` writes a log line, and :func:`train` is the loop.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import shutil
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F

from skeletons.errors import InputError
from skeletons.outputs import check_output, mark_output, output_lock, remove_stale_temporaries

from .augment import Augmenter
from .checkpoint import (
    RunRecord,
    check_files,
    check_resume,
    corpus_fingerprint,
    load_training_state,
    read_record,
    save_training_state,
)
from .config import PretrainConfig, TrainConfig
from .data import ActivityBank, EpochBatches, activity_bank, batch_loader
from .llm_encoder import parameter_counts
from .loss import class_prototypes, clip_loss, gather_features, imu_to_text_loss, prototype_loss
from .model import MotionTextModel, corpus_text_centre
from .weight_average import WeightAverage


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


def parameter_summary(model: MotionTextModel) -> str:
    """One line: total / trainable parameters of the model and of its motion encoder."""
    whole, encoder = parameter_counts(model), parameter_counts(model.imu_encoder)
    return (f"parameters: model {whole['total']:,} total, {whole['trainable']:,} trainable; motion encoder "
            f"({model.config.get('encoder', 'stgcn')}) {encoder['total']:,} total, {encoder['trainable']:,} trainable")


class TrainerState:
    """Where training stands: optimizer steps taken and the data position (epoch, next batch)."""

    def __init__(self, step: int = 0, epoch: int = 0, batch: int = 0):
        self.step, self.epoch, self.batch = step, epoch, batch

    def state_dict(self) -> dict:
        return {"step": self.step, "epoch": self.epoch, "batch": self.batch}

    def load_state_dict(self, state: dict) -> None:
        self.step, self.epoch, self.batch = int(state["step"]), int(state["epoch"]), int(state["batch"])


def latest_checkpoint(output: Path, run_id: str | None = None) -> Path | None:
    """The newest ``checkpoints/step-N`` of run ``run_id`` (of any run when None)."""
    return next(iter(run_checkpoints(output, run_id)[::-1]), None)


def run_checkpoints(output: Path, run_id: str | None) -> list[Path]:
    """``output``'s checkpoints written by run ``run_id`` (all step folders when None), oldest first."""
    steps = [p for p in (output / "checkpoints").glob("step-*") if p.name.split("-")[1].isdigit()]
    if run_id is not None:
        steps = [p for p in steps if (read_record(p) or {}).get("run", {}).get("run_id") == run_id]
    return sorted(steps, key=lambda p: int(p.name.split("-")[1]))


RUN_FILE = "run.json"
TOOL = "pretrain"


def corpus_rate(corpus: Path) -> float | None:
    """The sampling rate a corpus was built at (its ``corpus.json``), or None when it does not say."""
    try:
        return float(json.loads((corpus / "corpus.json").read_text())["config"]["rate_hz"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def prepare_output(output: Path, resume: bool, overwrite: bool) -> str | None:
    """Check ``output`` may hold this run; the run id to continue (``resume``), else None.

    A fresh run into a folder holding a run (``run.json`` or checkpoints) is refused unless ``overwrite``,
    which clears that run's checkpoints and metrics."""
    check_output(output, TOOL, overwrite)
    run_file = output / RUN_FILE
    holds_run = run_file.exists() or any((output / "checkpoints").glob("step-*"))
    if resume:
        if not holds_run:
            return None
        try:
            return str(json.loads(run_file.read_text())["run_id"])
        except (OSError, ValueError, KeyError, TypeError):
            raise InputError(run_file, "missing or unreadable: this folder's checkpoints are not of a run this "
                                       "tool can continue") from None
    if holds_run and not overwrite:
        raise InputError(output, "holds a training run; pass --resume to continue it or --overwrite to start over")
    return None


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


@dataclass
class Training:
    """What one training run holds: the accelerator, the model (wrapped for the processes and unwrapped),
    optimizer, schedule, augmenter, where training stands, and the settings."""

    accelerator: Any
    model: torch.nn.Module
    unwrapped: MotionTextModel
    optimizer: torch.optim.Optimizer
    scheduler: torch.optim.lr_scheduler.LRScheduler
    augmenter: Augmenter
    state: TrainerState
    settings: TrainConfig
    total_steps: int
    global_batch: int = 0  # windows in the last step's loss, gathered over the processes
    bank: ActivityBank | None = None  # descriptions per activity, for train.prototype_weight
    average: WeightAverage | None = None  # the weights' average, for train.weight_average


def make_accelerator(settings: TrainConfig, output: Path | None = None, cpu: bool | None = None):
    """Accelerate for ``settings``: mixed precision, gradient accumulation, TensorBoard logs under ``output``."""
    from accelerate import Accelerator
    from accelerate.utils import ProjectConfiguration

    logging = {} if output is None else {
        "log_with": "tensorboard",
        "project_config": ProjectConfiguration(project_dir=str(output), logging_dir=str(output / "tensorboard"))}
    return Accelerator(
        # Without a GPU, cpu=True lets Accelerate see a torchrun launch as multi-process CPU (gloo).
        cpu=not torch.cuda.is_available() if cpu is None else cpu,
        mixed_precision=resolve_mixed_precision(settings.mixed_precision),
        gradient_accumulation_steps=settings.grad_accum, **logging)


def setup_training(config: PretrainConfig, accelerator, total_steps: int, compile_encoder: bool = False) -> Training:
    """The model, AdamW (warm-up then cosine over ``total_steps``) and augmenter of ``config``, prepared by
    ``accelerator``; ``compile_encoder`` runs the ST-GCN through ``torch.compile``."""
    settings = config.train
    model = MotionTextModel.from_config(config.model.model_arguments(settings.init_temperature))
    if accelerator.is_main_process:
        print(parameter_summary(model))  # stdout: stderr is for problems
    if compile_encoder:
        model.imu_encoder = torch.compile(model.imu_encoder)
    optimizer = torch.optim.AdamW(parameter_groups(model, settings.weight_decay), lr=settings.lr)
    if settings.schedule == "constant":  # the reference: Adam at one rate throughout (after any warm-up)
        def factor(step: int) -> float:
            return min(1.0, (step + 1) / settings.warmup_steps) if settings.warmup_steps else 1.0
    else:
        def factor(step: int) -> float:
            return learning_rate_factor(step, settings.warmup_steps, total_steps)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, factor)
    model, optimizer, scheduler = accelerator.prepare(model, optimizer, scheduler)
    augmenter = Augmenter(config.augment, seed=settings.seed * 1000 + accelerator.process_index)
    unwrapped = accelerator.unwrap_model(model)
    average = None if settings.weight_average == "none" else WeightAverage(
        unwrapped, settings.ema_decay if settings.weight_average == "ema" else None)
    return Training(accelerator, model, unwrapped, optimizer, scheduler, augmenter, TrainerState(), settings,
                    total_steps, average=average)


def train_step(run: Training, imu: torch.Tensor, mask: torch.Tensor, texts: list[str],
               activity: torch.Tensor | None = None) -> torch.Tensor:
    """One micro-batch: augment on the device, embed under autocast, gather features across processes,
    the duplicate-aware CLIP loss (plus the configured extra terms; ``activity`` (B,) indexes ``run.bank``'s
    activities, -1 for none), backward, clipping and the optimizer step when gradients sync; the loss."""
    accelerator, model = run.accelerator, run.unwrapped
    with accelerator.accumulate(run.model):
        imu, mask = imu.to(accelerator.device), mask.to(accelerator.device)
        x, x_mask = run.augmenter(imu, mask)
        with accelerator.autocast():
            pooled = model.imu_features(x, x_mask)
            imu_features = F.normalize(model.imu_projection(pooled), dim=-1)
            text_features = model.encode_text(texts)
        all_imu, all_text, all_ids = gather_features(
            imu_features.float(), text_features.float(),
            text_ids(texts, accelerator.device) if run.settings.duplicate_aware else None)
        loss = contrastive_loss(run.settings, model, all_imu, all_text, all_ids)
        if run.settings.view_contrast_weight > 0:
            loss = loss + run.settings.view_contrast_weight * augmented_view_loss(
                model, pooled, run.augmenter(imu, mask), run.settings.view_contrast_temperature, accelerator)
        if run.settings.prototype_weight > 0 and run.bank is not None and activity is not None:
            loss = loss + run.settings.prototype_weight * activity_prototype_loss(
                run.settings, model, imu_features, run.bank, activity.to(accelerator.device), accelerator)
        run.global_batch = all_imu.shape[0]
        accelerator.backward(loss)
        if accelerator.sync_gradients and run.settings.clip_grad:
            accelerator.clip_grad_norm_(run.model.parameters(), run.settings.clip_grad)
        run.optimizer.step()
        run.scheduler.step()
        run.optimizer.zero_grad(set_to_none=True)
    return loss


def contrastive_loss(settings: TrainConfig, model: MotionTextModel, imu: torch.Tensor, text: torch.Tensor,
                     ids: torch.Tensor | None) -> torch.Tensor:
    """The text alignment objective ``settings`` names (see :class:`pretrain.config.TrainConfig`)."""
    scale = logit_scale(settings, model)
    if settings.loss == "imu_to_text":
        return imu_to_text_loss(imu, text, scale, ids, settings.loss_temperature)
    return clip_loss(imu, text, scale / settings.loss_temperature, ids)


def logit_scale(settings: TrainConfig, model: MotionTextModel) -> torch.Tensor:
    """The multiplier of the cosine similarities: ``exp(logit_scale)``, clamped unless the settings say not."""
    return model.clamped_logit_scale() if settings.clamp_logit_scale else model.logit_scale.exp()


def activity_prototype_loss(settings: TrainConfig, model: MotionTextModel, imu_features: torch.Tensor,
                            bank: ActivityBank, activity: torch.Tensor, accelerator) -> torch.Tensor:
    """Each window classified among all of ``bank``'s activities (:func:`pretrain.loss.prototype_loss`), each
    activity the mean of its bank descriptions' embeddings, at the alignment's logit scale. Local to each
    process: every process holds the whole bank. A frozen text tower serves the bank from its cache, so the
    term costs one projection of the bank per step; a trained tower re-embeds it."""
    with accelerator.autocast():
        text = model.encode_text(list(bank.texts))
    classes = torch.as_tensor(bank.classes, device=text.device)
    prototypes = class_prototypes(text.float(), classes, len(bank.names))
    return prototype_loss(imu_features.float(), prototypes, logit_scale(settings, model), activity)


def augmented_view_loss(model: MotionTextModel, pooled: torch.Tensor, view: tuple[torch.Tensor, torch.Tensor],
                        temperature: float, accelerator) -> torch.Tensor:
    """Symmetric InfoNCE between the encoder's pooled features of a batch and of a second augmented view of
    the same clips (another rotation, crop, set of kept joints, gain and noise), at a fixed ``temperature``:
    the SimCLR objective (Chen et al., ICML 2020) beside the text alignment, so that clips sharing a
    description stay apart by their motion. Computed before the projection, which the text alignment owns."""
    with accelerator.autocast():
        other = model.imu_features(*view)
    first, second, _ = gather_features(F.normalize(pooled.float(), dim=-1), F.normalize(other.float(), dim=-1))
    return clip_loss(first, second, 1.0 / temperature)


def log_metrics(run: Training, output: Path, loss: float, samples: int, seconds: float,
                extra: dict | None = None) -> None:
    """One line of ``metrics.jsonl`` (step, epoch, loss, lr, temperature, samples/s, ``extra``) and the
    tracker."""
    metrics = {"step": run.state.step, "epoch": run.state.epoch, "loss": loss, "lr": run.scheduler.get_last_lr()[0],
               "temperature": 1.0 / run.unwrapped.clamped_logit_scale().item(),
               "samples_per_s": samples / max(seconds, 1e-9), "global_batch": run.global_batch,
               **(extra or {})}
    run.accelerator.log({k: v for k, v in metrics.items() if k != "step"}, step=run.state.step)
    if run.accelerator.is_main_process:
        with (output / "metrics.jsonl").open("a") as handle:
            handle.write(json.dumps(metrics) + "\n")


def resume_from_checkpoint(run: Training, output: Path, record: RunRecord, allow_changes: bool = False) -> None:
    """Load the newest checkpoint of ``record``'s run after checking it (files, corpus, batch, world size,
    rate, config); drop metrics logged after it (all of them when there is none)."""
    checkpoint = latest_checkpoint(output, record.run_id)
    if checkpoint is not None:
        saved = check_files(checkpoint, record.world_size)
        check_resume(checkpoint, saved["run"], record, allow_changes)
        load_training_state(checkpoint, run, saved)
    metrics_file = output / "metrics.jsonl"
    if run.accelerator.is_main_process and metrics_file.exists():
        kept = [line for line in metrics_file.read_text().splitlines() if json.loads(line)["step"] <= run.state.step]
        metrics_file.write_text("".join(line + "\n" for line in kept))


def train(config: PretrainConfig, corpus: str | Path, output: str | Path, resume: bool = False,
          progress: bool = True, stop_at: int | None = None, overwrite: bool = False,
          allow_changes: bool = False, evaluate: Callable[[MotionTextModel], dict] | None = None,
          evaluate_every: int = 50) -> dict:
    """Pretrain per ``config`` on ``corpus``; write the model folder, metrics and checkpoints to ``output``.

    ``stop_at`` stops this invocation after that many steps in all (the schedule stays the config's);
    ``overwrite`` lets a fresh run replace a run in ``output``; ``allow_changes`` resumes despite a changed
    corpus or train/augment settings. ``evaluate``, when given, is called with the model (in eval mode,
    without gradients) at step 0, at every logged step that is a multiple of ``evaluate_every`` and at the
    end; the figures it returns join that step's line of ``metrics.jsonl`` (e.g. zero-shot accuracy against
    training step, measured by the caller)."""
    from contextlib import ExitStack

    from accelerate.utils import set_seed

    output, corpus = Path(output), Path(corpus)
    if stop_at is not None and stop_at < 1:
        raise InputError(None, f"--max-steps must be at least 1, got {stop_at}")
    run_id = prepare_output(output, resume, overwrite)
    rate = corpus_rate(corpus)
    if rate is not None and rate != config.data.rate_hz:
        raise InputError(corpus, f"is sampled at {rate:g} Hz but the config trains at data.rate_hz="
                                 f"{config.data.rate_hz:g} Hz; rebuild it with python -m simulate --rate "
                                 f"{config.data.rate_hz:g} or set data.rate_hz")
    accelerator = make_accelerator(config.train, output)
    set_seed(config.train.seed)
    with ExitStack() as stack:
        if accelerator.is_main_process:
            stack.enter_context(output_lock(output, TOOL))
            remove_stale_temporaries(output)
        return _train(config, corpus, output, accelerator, run_id, stop_at, overwrite, allow_changes, progress,
                      evaluate, evaluate_every)


def _train(config: PretrainConfig, corpus: Path, output: Path, accelerator, run_id: str | None,
           stop_at: int | None, overwrite: bool, allow_changes: bool, progress: bool,
           evaluate: Callable[[MotionTextModel], dict] | None = None, evaluate_every: int = 50) -> dict:
    from tqdm import tqdm

    settings, window, channels = config.train, config.data.window, config.model.channels
    rank, world = accelerator.process_index, accelerator.num_processes

    def epoch_batches(epoch: int) -> EpochBatches:
        return EpochBatches(str(corpus), settings.batch_size, window, settings.seed, epoch, channels, rank, world,
                            crop=config.data.crop)

    batches = epoch_batches(0)
    if len(batches) == 0:
        raise InputError(corpus, f"{batches.num_rows} described clips are fewer than one global batch "
                                 f"({settings.batch_size * world})")
    run = setup_training(config, accelerator, settings.max_steps or settings.epochs * len(batches))
    if settings.prototype_weight > 0:
        run.bank = activity_bank(str(corpus), settings.prototype_texts, settings.seed)
    stop = min(stop_at or run.total_steps, run.total_steps)
    state = run.state
    record = RunRecord(run_id or "", corpus_fingerprint(corpus), settings.batch_size, world,
                       config.data.rate_hz, config.to_dict())
    if run_id is not None:
        resume_from_checkpoint(run, output, record, allow_changes)
    else:
        record = dataclasses.replace(record, run_id=accelerator_broadcast_id(accelerator))
        if accelerator.is_main_process:
            if overwrite and output.is_dir():
                shutil.rmtree(output / "checkpoints", ignore_errors=True)
                (output / "metrics.jsonl").unlink(missing_ok=True)
            output.mkdir(parents=True, exist_ok=True)
            mark_output(output, TOOL)
            (output / RUN_FILE).write_text(json.dumps({"run_id": record.run_id}) + "\n")
    accelerator.wait_for_everyone()
    accelerator.init_trackers("pretrain", config={"config": config.name, "total_steps": run.total_steps})
    if run.unwrapped.text_tower.train_mode == "frozen":
        started = time.perf_counter()
        counts = embed_descriptions(run.unwrapped, corpus, progress and accelerator.is_local_main_process)
        accelerator.print(f"descriptions: {counts['from_disk']} from the disk cache, {counts['embedded']} embedded "
                          f"({time.perf_counter() - started:.1f} s)")

    bar = tqdm(total=stop, initial=min(state.step, stop), desc="pretrain", unit="step",
               disable=not (progress and accelerator.is_local_main_process))
    last_loss, window_start, window_samples = float("nan"), time.perf_counter(), 0

    def evaluated(step: int) -> dict:
        if evaluate is None or not accelerator.is_main_process or (step % evaluate_every and step != stop):
            return {}
        run.model.eval()
        with torch.no_grad():
            figures = evaluate(run.unwrapped)
        run.model.train()
        return figures

    if state.step == 0 and (initial := evaluated(0)):
        with (output / "metrics.jsonl").open("a") as handle:
            handle.write(json.dumps({"step": 0, **initial}) + "\n")
    run.model.train()
    while state.step < stop:
        loader = batch_loader(epoch_batches(state.epoch), start=state.batch, num_workers=settings.num_workers)
        for batch in loader:
            loss = train_step(run, batch["imu"], batch["mask"], batch["texts"], batch["activity"])
            state.batch += 1
            window_samples += batch["imu"].shape[0] * world
            if not accelerator.sync_gradients:
                continue
            state.step += 1
            if run.average is not None and state.step >= settings.average_from:
                run.average.update(run.unwrapped)
            last_loss = loss.item()
            bar.update(1)
            bar.set_postfix(loss=f"{last_loss:.3f}")
            if state.step % settings.log_every == 0 or state.step == stop:
                log_metrics(run, output, last_loss, window_samples, time.perf_counter() - window_start,
                            evaluated(state.step))
                window_start, window_samples = time.perf_counter(), 0
            if state.step % settings.checkpoint_every == 0 or state.step == stop:
                save_checkpoint(run, output, record, settings.keep_checkpoints)
            if state.step >= stop:
                break
        else:
            state.epoch, state.batch = state.epoch + 1, 0
    bar.close()

    accelerator.wait_for_everyone()
    if accelerator.is_main_process:
        from simulate.corpus import load_corpus

        if run.average is not None:  # the saved model is the average; the checkpoints keep both
            run.average.copy_to(run.unwrapped)
        run.unwrapped.set_text_centre(corpus_text_centre(run.unwrapped.eval(), load_corpus(corpus)["texts"]))
        data = {"window": window, "rate_hz": config.data.rate_hz, "channels": channels}
        trained = {"config": config.name, "steps": state.step, "corpus": str(corpus),
                   "weights": saved_weights(settings, run.average, state.step)}
        run.unwrapped.save(output, extra={"data": data, "trained": trained})
    accelerator.end_training()
    return {"steps": state.step, "loss": last_loss}


def saved_weights(settings: TrainConfig, average: WeightAverage | None, step: int) -> str:
    """What the saved model's weights are, in words, for its ``config.json``."""
    if average is None or average.updates == 0:
        return f"step {step}"
    kind = "mean" if average.decay is None else f"exponential average (decay {average.decay})"
    return f"{kind} of steps {step - average.updates + 1}-{step}"


def accelerator_broadcast_id(accelerator) -> str:
    """A new run id, the same in every process (the main process's)."""
    from accelerate.utils import broadcast_object_list

    chosen = [uuid.uuid4().hex]
    if accelerator.num_processes > 1:
        broadcast_object_list(chosen, from_process=0)
    return chosen[0]


def embed_descriptions(model: MotionTextModel, corpus: str | Path, progress: bool, chunk: int = 256,
                       cache_root: str | Path | None = None) -> dict[str, int]:
    """Fill a frozen text tower's cache with every description of the corpus; counts of descriptions
    ``{"from_disk", "embedded"}``.

    Descriptions embedded by an earlier run with the same tower come from the disk cache
    (:class:`pretrain.text_cache.DiskTextCache`, under ``cache_root``); the rest are embedded up front, in a
    fixed order and fixed chunks, which makes each text's features independent of the batches it later
    appears in (padding length and batch size change float rounding), and are stored there, so a resumed
    run reproduces an uninterrupted one exactly and a second run embeds nothing. The order is by length,
    then alphabetical: a chunk pads to its longest text, and on the procedural corpus's descriptions
    alphabetical chunks of 256 held twice the tokens of length-sorted ones and took 1.5x as long.
    """
    from tqdm import tqdm

    from simulate.corpus import load_corpus

    from .text_cache import DiskTextCache

    tower = model.text_tower
    texts = sorted({text for row in load_corpus(corpus)["texts"] for text in row})
    disk = DiskTextCache.for_tower(tower, model.config["text_tower"], cache_root)
    stored = disk.load(texts)
    tower.fill_cache(stored)
    missing = sorted((text for text in texts if text not in stored), key=lambda text: (len(text), text))
    for start in tqdm(range(0, len(missing), chunk), desc="embed descriptions", unit="chunk", disable=not progress):
        tower.encode_cached(missing[start : start + chunk])
    disk.store({text: tower.encode_cached([text])[0] for text in missing})
    return {"from_disk": len(stored), "embedded": len(missing)}


def save_checkpoint(run: Training, output: Path, record: RunRecord, keep: int) -> None:
    """Full training state to ``checkpoints/step-N`` (written to a temporary name, then renamed); keep the
    newest ``keep`` checkpoints of this run (never touching another run's)."""
    accelerator = run.accelerator
    folder = output / "checkpoints" / f"step-{run.state.step}"
    temporary = folder.with_name(f".{folder.name}.tmp")
    if accelerator.is_main_process and temporary.exists():
        shutil.rmtree(temporary)
    accelerator.wait_for_everyone()
    save_training_state(temporary, run, record)
    accelerator.wait_for_everyone()
    if accelerator.is_main_process:
        if folder.exists():
            shutil.rmtree(folder)
        temporary.rename(folder)
        for stale in run_checkpoints(output, record.run_id)[:-keep]:
            shutil.rmtree(stale, ignore_errors=True)
    accelerator.wait_for_everyone()
