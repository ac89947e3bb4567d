"""Speed suite: ``python -m benchmarks.speed simulate|augment|train|eval|all [--config NAME]``.

``all`` runs every benchmark (and, when CUDA is present, the ``unimts`` config's training step on the GPU in
bf16 with the ST-GCN compiled). Each benchmark prints its figures and appends a JSON record (figure +
machine information) to ``benchmarks/results/speed.jsonl``. Speed is measured here, never asserted by tests.
"""
from __future__ import annotations

import argparse
import json
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from .machine import machine_info

RESULTS = Path(__file__).parent / "results" / "speed.jsonl"


def record(name: str, figures: dict, results: Path = RESULTS) -> None:
    entry = {"benchmark": name, "when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
             **figures, "machine": machine_info()}
    results.parent.mkdir(parents=True, exist_ok=True)
    with results.open("a") as handle:
        handle.write(json.dumps(entry) + "\n")


def smooth_random_clips(count: int, frames: int, fps: float, seed: int = 0) -> np.ndarray:
    """(count, frames, 22, 3) positions: a standing body whose joints drift along smooth random paths."""
    from skeletons import NUM_JOINTS, PARENTS

    rng = np.random.default_rng(seed)
    rest = np.zeros((NUM_JOINTS, 3))
    offsets = rng.normal(0, 0.12, size=(NUM_JOINTS, 3)) + [0, 0.15, 0]
    for j in range(1, NUM_JOINTS):
        rest[j] = rest[PARENTS[j]] + offsets[j]
    t = np.arange(frames) / fps
    frequencies = rng.uniform(0.3, 3.0, size=(count, 1, NUM_JOINTS, 3, 4))
    phases = rng.uniform(0, 2 * np.pi, size=frequencies.shape)
    wobble = 0.05 * np.sin(2 * np.pi * frequencies * t[None, :, None, None, None] + phases).sum(-1)
    return (rest + [0, 1.0, 0] + wobble).astype(np.float32)


def bench_simulate(clips: int = 1024, seconds: float = 10.0, fps: float = 20.0, repeats: int = 3) -> dict:
    """The batched corpus path on positions-only clips: orientation estimation, physics and the consumer
    sensor model, as ``python -m simulate`` runs it; also the physics alone (ideal sensor)."""
    from simulate.corpus import CorpusConfig, simulate_motions
    from skeletons import Motion

    positions = smooth_random_clips(clips, int(seconds * fps), fps)
    motions = [Motion(positions=p, fps=fps) for p in positions]
    figures = {"clips": clips, "clip_seconds": seconds, "fps": fps, "rate_hz": 20.0, "joints": 22,
               "input": "positions only", "repeats": repeats}
    for sensor in ("consumer", "ideal"):
        config = CorpusConfig(source="benchmark", rate_hz=20.0, sensor=sensor)
        ids = [f"clip{i}" for i in range(clips)]
        simulate_motions(motions[:8], config, ids[:8])  # warm-up
        best = float("inf")
        for _ in range(repeats):
            start = time.perf_counter()
            simulate_motions(motions, config, ids)
            best = min(best, time.perf_counter() - start)
        figures[f"clips_per_s_{sensor}"] = clips / best
    figures["clips_per_s"] = figures["clips_per_s_consumer"]
    print(f"simulate: {figures['clips_per_s']:.0f} clips/s ({clips} clips of {seconds:g} s, 22 joints, "
          f"{fps:g} fps positions only -> 20 Hz acc+gyro, orientation estimation and consumer sensor model "
          f"included; physics alone {figures['clips_per_s_ideal']:.0f} clips/s; best of {repeats})")
    return figures


def bench_augment(batch: int = 64, frames: int = 200, repeats: int = 5, config: str = "cpu-small") -> dict:
    """The batched on-device augmentation against the same work written per sample and per joint, twice:
    the rotation alone (UniMTS's loop, torch) and the whole pipeline of ``config`` (gravity removal for a
    fraction of the samples, crop or wrap, rotation, gain jitter, noise, joint masking; NumPy/SciPy loop)."""
    import torch

    from pretrain.augment import Augmenter, random_rotations, rotate_joints
    from pretrain.config import load_config

    from .augment_reference import augment_per_sample_loop, rotate_per_sample_loop

    cfg = load_config(config)
    settings = {**cfg["augment"], "window": cfg["data"]["window"], "rate_hz": cfg["data"]["rate_hz"]}
    generator = torch.Generator().manual_seed(0)
    x = torch.randn((batch, frames, 22, 6), generator=generator)
    mask = torch.ones_like(x)
    rotations = random_rotations(batch, 22, generator)
    augmenter = Augmenter(settings, seed=0)
    figures = {"batch": batch, "frames": frames, "threads": torch.get_num_threads(), "config": config,
               "rotation_batched_s": _best(lambda: rotate_joints(x, random_rotations(batch, 22, generator)), repeats),
               "rotation_loop_s": _best(lambda: rotate_per_sample_loop(x, rotations), repeats),
               "pipeline_batched_s": _best(lambda: augmenter(x, mask), repeats),
               "pipeline_loop_s": _best(lambda: augment_per_sample_loop(x.numpy(), mask.numpy(), settings,
                                                                        np.random.default_rng(0)), repeats)}
    for part in ("rotation", "pipeline"):
        figures[f"{part}_speedup"] = figures[f"{part}_loop_s"] / figures[f"{part}_batched_s"]
    print(f"augment, batch of {batch} x {frames} x 22 x 6, {figures['threads']} threads, best of {repeats}:")
    print(f"  rotation per sample and joint:   batched {figures['rotation_batched_s'] * 1e3:7.2f} ms"
          f"   loop {figures['rotation_loop_s'] * 1e3:8.1f} ms   {figures['rotation_speedup']:5.0f}x")
    print(f"  whole pipeline ({config}):    batched {figures['pipeline_batched_s'] * 1e3:7.2f} ms"
          f"   loop {figures['pipeline_loop_s'] * 1e3:8.1f} ms   {figures['pipeline_speedup']:5.0f}x")
    return figures


def bench_train(config: str = "cpu-small", batch: int | None = None, steps: int = 10, device: str = "cpu",
                compile_encoder: bool = False) -> dict:
    """Training samples/s of one config on ``device``: augmentation, both encoders, duplicate-aware CLIP
    loss, backward and the AdamW step, on synthetic batches (the frozen text cache filled up front, as in
    training), in the config's mixed precision; ``compile_encoder`` runs the ST-GCN through torch.compile."""
    import torch

    from pretrain.augment import Augmenter
    from pretrain.config import load_config
    from pretrain.loss import clip_loss
    from pretrain.model import MotionTextModel
    from pretrain.train import parameter_groups, resolve_mixed_precision, text_ids

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
    seconds = _best(step, steps)
    figures = {"config": config, "device": str(device), "compiled": compile_encoder, "batch": batch,
               "window": window, "threads": torch.get_num_threads(), "mixed_precision": precision,
               "step_s": seconds, "samples_per_s": batch / seconds,
               "parameters": sum(p.numel() for p in model.parameters() if p.requires_grad)}
    where = torch.cuda.get_device_name(device) if device.type == "cuda" else f"{torch.get_num_threads()} CPU threads"
    print(f"train[{config}]: {figures['samples_per_s']:.1f} samples/s (batch {batch}, window {window}, {where}, "
          f"mixed precision {precision}{', compiled' if compile_encoder else ''}, augmentation + loss + AdamW "
          f"step included, best of {steps})")
    return figures


def _best(function, repeats: int) -> float:
    function()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def bench_eval(config: str = "cpu-small") -> dict:
    """Zero-shot series/s on BasicMotions: preparation, motion encoding and scoring (:mod:`benchmarks.speed_eval`)."""
    from .speed_eval import bench_eval as measure

    return measure(config=config)


BENCHMARKS = {"simulate": bench_simulate, "augment": bench_augment, "train": bench_train, "eval": bench_eval}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.speed", description=__doc__.splitlines()[0])
    parser.add_argument("benchmark", choices=[*BENCHMARKS, "all"])
    parser.add_argument("--config", default="cpu-small", help="augment, train, eval: the pretraining config to time")
    parser.add_argument("--no-record", action="store_true", help=f"do not append to {RESULTS}")
    args = parser.parse_args(argv)
    names = list(BENCHMARKS) if args.benchmark == "all" else [args.benchmark]
    runs = [(name, {} if name == "simulate" else {"config": args.config}) for name in names]
    if args.benchmark == "all" and _cuda_available():  # the paper's config on the GPU, for later comparison
        runs.append(("train", {"config": "unimts", "device": "cuda", "compile_encoder": True}))
    for name, options in runs:
        figures = BENCHMARKS[name](**options)
        if not args.no_record:
            record(name, figures)


def _cuda_available() -> bool:
    import torch

    return torch.cuda.is_available()


if __name__ == "__main__":
    main()
