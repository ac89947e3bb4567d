"""Training checkpoints as safetensors + JSON: nothing loaded from a checkpoint can execute code.

A checkpoint folder ``checkpoints/step-N`` holds exactly these files, all written by :func:`save_training_state`:

* ``model.safetensors`` -- the unwrapped model's state dict;
* ``optimizer.safetensors`` -- the optimizer's per-parameter tensors (``state.<index>.<name>``);
* ``average.safetensors`` -- only with a ``train.weight_average``: the weights' average
  (:class:`pretrain.weight_average.WeightAverage`);
* ``rng-<rank>.safetensors`` -- per process: torch's CPU generator, each CUDA generator, the augmenter's
  generator, numpy's MT19937 key;
* ``training.json`` -- the run record (:class:`RunRecord`: run id, corpus fingerprint, batch size, world size,
  data rate, config), where training stands (step, epoch, next batch), the optimizer's parameter groups and
  non-tensor state, the average's update count, the scheduler's state, and per rank python's and numpy's
  scalar RNG state.

:func:`load_training_state` refuses (``InputError``, one line) a folder holding any other file -- e.g. the
``custom_checkpoint_0.pkl`` / ``optimizer.bin`` pickles Accelerate's ``save_state`` writes -- and never
unpickles anything: safetensors files are read as raw tensors and JSON as JSON. :func:`check_resume`
compares a checkpoint's run record with the resuming run's and refuses a mismatch in one line.
"""
from __future__ import annotations

import hashlib
import json
import random
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from skeletons.errors import InputError

from .weight_average import WeightAverage

STATE_FILE = "training.json"
FORMAT = "motion-pretrain/training-state/1"


@dataclass(frozen=True)
class RunRecord:
    """What a run is: checked on ``--resume`` against the checkpoint it continues."""

    run_id: str
    corpus_fingerprint: str
    batch_size: int
    world_size: int
    rate_hz: float
    config: dict[str, Any]


def corpus_fingerprint(corpus: str | Path) -> str:
    """A digest of a corpus folder's manifest and its data files' names and sizes."""
    corpus = Path(corpus)
    digest = hashlib.sha256()
    manifest = corpus / "corpus.json"
    if manifest.is_file():
        digest.update(manifest.read_bytes())
    for path in sorted(corpus.rglob("*.arrow")):
        digest.update(f"{path.relative_to(corpus)}:{path.stat().st_size}\n".encode())
    return digest.hexdigest()[:16]


AVERAGE_FILE = "average.safetensors"


def checkpoint_files(world_size: int, average: bool = False) -> set[str]:
    """The files of a checkpoint written by ``world_size`` processes, with or without a weight average."""
    return {"model.safetensors", "optimizer.safetensors", STATE_FILE} | {
        f"rng-{rank}.safetensors" for rank in range(world_size)} | ({AVERAGE_FILE} if average else set())


def rng_tensors(augmenter_state: torch.Tensor | None) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """This process's RNG states: tensors (for safetensors) and scalars (for JSON)."""
    tensors = {"torch_cpu": torch.get_rng_state()}
    if torch.cuda.is_available():
        for index, state in enumerate(torch.cuda.get_rng_state_all()):
            tensors[f"torch_cuda_{index}"] = state
    if augmenter_state is not None:
        tensors["augmenter"] = augmenter_state.cpu()
    kind, key, position, has_gauss, cached = np.random.get_state()
    tensors["numpy_key"] = torch.from_numpy(np.asarray(key, dtype=np.int64))
    version, python_state, gauss = random.getstate()
    scalars = {"numpy": [kind, int(position), int(has_gauss), float(cached)],
               "python": [version, list(python_state), gauss]}
    return tensors, scalars


def set_rng(tensors: dict[str, torch.Tensor], scalars: dict[str, Any]) -> torch.Tensor | None:
    """Restore :func:`rng_tensors`' states; returns the augmenter's generator state (None if it had none)."""
    torch.set_rng_state(tensors["torch_cpu"])
    if torch.cuda.is_available():
        torch.cuda.set_rng_state_all([tensors[f"torch_cuda_{i}"] for i in range(torch.cuda.device_count())
                                      if f"torch_cuda_{i}" in tensors])
    kind, position, has_gauss, cached = scalars["numpy"]
    np.random.set_state((kind, tensors["numpy_key"].numpy().astype(np.uint32), position, has_gauss, cached))
    version, python_state, gauss = scalars["python"]
    random.setstate((version, tuple(python_state), gauss))
    return tensors.get("augmenter")


def flatten_optimizer(state: dict) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """An optimizer state dict as tensors ``state.<index>.<name>`` and JSON (groups, non-tensor values)."""
    tensors, scalars = {}, {}
    for index, values in state["state"].items():
        for name, value in values.items():
            if isinstance(value, torch.Tensor):
                tensors[f"state.{index}.{name}"] = value.detach().cpu().contiguous()
            else:
                scalars[f"{index}.{name}"] = value
    return tensors, {"param_groups": state["param_groups"], "scalars": scalars}


def unflatten_optimizer(tensors: dict[str, torch.Tensor], meta: dict[str, Any]) -> dict:
    state: dict[int, dict[str, Any]] = {}
    for key, value in tensors.items():
        _, index, name = key.split(".", 2)
        state.setdefault(int(index), {})[name] = value
    for key, value in meta["scalars"].items():
        index, name = key.split(".", 1)
        state.setdefault(int(index), {})[name] = value
    groups = [{k: tuple(v) if isinstance(v, list) and k != "params" else v for k, v in group.items()}
              for group in meta["param_groups"]]
    return {"state": state, "param_groups": groups}


def save_training_state(folder: Path, run, record: RunRecord) -> None:
    """Write the state of ``run`` (a :class:`pretrain.train.Training`) into ``folder`` (created here).

    Every process writes its ``rng-<rank>.safetensors``; the main process writes the rest. Call on all
    processes (the caller synchronises them)."""
    from safetensors.torch import save_file

    accelerator = run.accelerator
    folder.mkdir(parents=True, exist_ok=True)
    augmenter = run.augmenter.state_dict()["generator"]
    rng, rng_scalars = rng_tensors(augmenter)
    save_file(rng, str(folder / f"rng-{accelerator.process_index}.safetensors"), metadata={"format": FORMAT})
    with open(folder / f".rng-{accelerator.process_index}.json", "w") as handle:
        json.dump(rng_scalars, handle)
    accelerator.wait_for_everyone()
    if not accelerator.is_main_process:
        return
    model = {k: v.detach().cpu().contiguous() for k, v in run.unwrapped.state_dict().items()}
    save_file(model, str(folder / "model.safetensors"), metadata={"format": FORMAT})
    optimizer, optimizer_meta = flatten_optimizer(run.optimizer.state_dict())
    save_file(optimizer, str(folder / "optimizer.safetensors"), metadata={"format": FORMAT})
    extra = {}
    if run.average is not None:
        average, updates = run.average.state_dict()
        save_file(average, str(folder / AVERAGE_FILE), metadata={"format": FORMAT})
        extra["average"] = {"updates": updates}
    rngs = {}
    for rank in range(accelerator.num_processes):
        scalars = folder / f".rng-{rank}.json"
        rngs[str(rank)] = json.loads(scalars.read_text())
        scalars.unlink()
    scheduler = {k: v for k, v in run.scheduler.state_dict().items() if k != "lr_lambdas"}
    (folder / STATE_FILE).write_text(json.dumps({
        "format": FORMAT, "run": asdict(record), "position": run.state.state_dict(),
        "optimizer": optimizer_meta, "scheduler": scheduler, "rng": rngs, **extra}))


def read_record(folder: Path) -> dict[str, Any] | None:
    """The JSON state of checkpoint ``folder``, or None when it is not one of ours."""
    try:
        state = json.loads((folder / STATE_FILE).read_text())
    except (OSError, ValueError):
        return None
    return state if isinstance(state, dict) and state.get("format") == FORMAT else None


def check_files(folder: Path, world_size: int) -> dict[str, Any]:
    """Refuse ``folder`` unless it holds exactly our checkpoint files; its JSON state."""
    state = read_record(folder)
    if state is None:
        raise InputError(folder / STATE_FILE, "missing or not a motion-pretrain training state; refusing to resume")
    present = {path.name for path in folder.iterdir()}
    average = "average" in state
    expected = checkpoint_files(int(state["run"]["world_size"]), average)
    foreign = sorted(present - expected)
    if foreign:
        raise InputError(folder, f"holds files this tool did not write ({', '.join(foreign)}); refusing to "
                                 "resume from it (nothing was loaded)")
    missing = sorted(checkpoint_files(world_size, average) - present)
    if missing and int(state["run"]["world_size"]) == world_size:
        raise InputError(folder, f"incomplete checkpoint: missing {', '.join(missing)}")
    return state


def check_resume(folder: Path, saved: dict[str, Any], current: RunRecord, allow_changes: bool) -> None:
    """Refuse to resume ``current`` from a checkpoint recorded as ``saved`` when they differ.

    Batch size, world size, data rate and the model/data sections cannot change mid-run (the data position
    and the weights would mean something else); a changed corpus or other config values may, with
    ``allow_changes`` (``--allow-changes``)."""
    hard = [(name, saved[name], getattr(current, name)) for name in ("batch_size", "world_size", "rate_hz")
            if saved[name] != getattr(current, name)]
    hard += [(f"config {section}", saved["config"].get(section), current.config.get(section))
             for section in ("model", "data") if saved["config"].get(section) != current.config.get(section)]
    if hard:
        name, before, now = hard[0]
        raise InputError(folder, f"was written with {name} {before}, this run has {now}; a run cannot change "
                                 "it mid-way (start a new --output)")
    soft = [("corpus", saved["corpus_fingerprint"], current.corpus_fingerprint)] if (
        saved["corpus_fingerprint"] != current.corpus_fingerprint) else []
    soft += [(f"config {key}", value, current.config[section].get(name))
             for section in ("augment", "train") for name, value in saved["config"][section].items()
             for key in [f"{section}.{name}"] if value != current.config[section].get(name)]
    if soft and not allow_changes:
        name, before, now = soft[0]
        raise InputError(folder, f"was written with {name} {before}, this run has {now}; pass --allow-changes "
                                 "to resume anyway")


def load_training_state(folder: Path, run, state: dict[str, Any]) -> None:
    """Restore ``run`` from checkpoint ``folder`` (already checked by :func:`check_files`)."""
    from safetensors.torch import load_file

    def tensors(name: str) -> dict[str, torch.Tensor]:
        try:
            return load_file(str(folder / name))
        except Exception as error:  # safetensors raises its own error types for damaged files
            raise InputError(folder / name, f"not a readable safetensors file ({error})") from None

    accelerator = run.accelerator
    run.unwrapped.load_state_dict(tensors("model.safetensors"))
    if run.average is not None and "average" in state:
        try:
            run.average.load_state_dict(tensors(AVERAGE_FILE), state["average"]["updates"])
        except ValueError as error:
            raise InputError(folder / AVERAGE_FILE, str(error)) from None
    elif run.average is not None:  # resumed (--allow-changes) from a run without one: start it from these weights
        run.average = WeightAverage(run.unwrapped, run.average.decay)
    run.optimizer.load_state_dict(unflatten_optimizer(tensors("optimizer.safetensors"), state["optimizer"]))
    run.scheduler.load_state_dict({**state["scheduler"], "lr_lambdas": [None] * len(state["scheduler"]["base_lrs"])})
    run.state.load_state_dict(state["position"])
    rank = accelerator.process_index
    augmenter = set_rng(tensors(f"rng-{rank}.safetensors"), state["rng"][str(rank)])
    run.augmenter.load_state_dict({"seed": run.augmenter.seed, "generator": augmenter})
