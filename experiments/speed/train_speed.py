"""Training-step speed of the paper's ST-GCN against the same network written plainly, in one run.

Both networks have the UniMTS widths (:data:`pretrain.stgcn.REFERENCE_CHANNELS`), read 3 channels
(acceleration, as the reference) of 22 joints, and start from the same weights. One step is forward,
backward and an AdamW step on a contrastive loss against fixed text embeddings (the text tower is not
part of the comparison), batch 16 of 10 s windows at 20 Hz by default:

* ``plain``: :class:`.reference_stgcn.PlainSTGCN` in fp32, as the reference trains;
* ``ours``: :class:`pretrain.stgcn.STGCN` under the precision ``python -m pretrain`` picks with
  ``train.mixed_precision: auto`` (bf16 autocast where the hardware computes bf16 natively, else fp32).

The headline ratio is ``ours`` against ``plain`` as each trains. Beside it, like for like, both in fp32
and both under bf16 autocast, so that what the precision gives and what the layout gives are told apart.
Peak memory of one step is reported beside each time (:mod:`.memory`). The same code runs on CUDA
(``device="cuda"``), where the timed step ends with a synchronisation and nothing inside it waits on the
host.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from pretrain.stgcn import STGCN
from pretrain.train import resolve_mixed_precision

from .memory import peak_memory_mb
from .reference_stgcn import PlainSTGCN
from .timing import interleaved_best


def contrastive_step(model: torch.nn.Module, optimizer: torch.optim.Optimizer, x: torch.Tensor,
                     mask: torch.Tensor, text: torch.Tensor, bf16: bool) -> torch.Tensor:
    """Forward (under bf16 autocast if asked), symmetric InfoNCE against ``text``, backward, AdamW step."""
    with torch.autocast(x.device.type, dtype=torch.bfloat16, enabled=bf16):
        features = model(x, mask)
    logits = F.normalize(features.float(), dim=-1) @ text.t() / 0.07
    labels = torch.arange(len(x), device=x.device)
    loss = 0.5 * (F.cross_entropy(logits, labels) + F.cross_entropy(logits.t(), labels))
    loss.backward()
    optimizer.step()
    optimizer.zero_grad(set_to_none=True)
    return loss.detach()


def bench_train(device: str = "cpu", batch: int = 16, window: int = 200, channels: int = 3, repeats: int = 3,
                widths: tuple[int, ...] | None = None, strides: tuple[int, ...] | None = None,
                compile_encoder: bool = False) -> dict:
    """Samples/s and peak memory of the training step of ours and of the plain network (see the module doc)."""
    device = torch.device(device)
    architecture = {} if widths is None else {"channels": tuple(widths), "strides": tuple(strides)}
    torch.manual_seed(0)
    ours = STGCN(in_channels=channels, **architecture).to(device)
    plain = PlainSTGCN(ours.A, in_channels=channels, **architecture).to(device)
    plain.load_state_dict(ours.state_dict())
    generator = torch.Generator().manual_seed(0)
    x = torch.randn((batch, window, 22, channels), generator=generator).to(device)
    mask = torch.ones_like(x)
    text = F.normalize(torch.randn((batch, ours.out_channels), generator=generator), dim=-1).to(device)
    native_bf16 = resolve_mixed_precision("auto") == "bf16"
    ours_encoder = torch.compile(ours) if compile_encoder else ours

    def step_of(model: torch.nn.Module, parameters, bf16: bool):
        optimizer = torch.optim.AdamW(parameters, lr=1e-4)

        def step() -> None:
            contrastive_step(model, optimizer, x, mask, text, bf16)
            if device.type == "cuda":
                torch.cuda.synchronize(device)
        return step

    steps = {"plain fp32": step_of(plain, plain.parameters(), False),
             "ours fp32": step_of(ours_encoder, ours.parameters(), False)}
    if native_bf16:
        steps["plain bf16"] = step_of(plain, plain.parameters(), True)
        steps["ours bf16"] = step_of(ours_encoder, ours.parameters(), True)
    seconds = interleaved_best(steps, repeats)
    memory = {name: peak_memory_mb(step, device) for name, step in steps.items()}
    ours_as_trained = "ours bf16" if native_bf16 else "ours fp32"
    figures = {
        "device": str(device), "batch": batch, "window": window, "channels": channels,
        "widths": list(ours.config()["channels"]), "native_bf16": native_bf16, "compiled": compile_encoder,
        "threads": torch.get_num_threads(), "repeats": repeats,
        "samples_per_s": {name: batch / s for name, s in seconds.items()},
        "peak_memory_mb": memory,
        "ratio": seconds["plain fp32"] / seconds[ours_as_trained],
        "ratio_label": f"{ours_as_trained} vs plain fp32",
        "ratio_fp32": seconds["plain fp32"] / seconds["ours fp32"],
    }
    if native_bf16:
        figures["ratio_bf16"] = seconds["plain bf16"] / seconds["ours bf16"]
    where = torch.cuda.get_device_name(device) if device.type == "cuda" else f"{torch.get_num_threads()} CPU threads"
    print(f"train, paper-width ST-GCN, batch {batch} x {window} x 22 x {channels}, {where}, best of {repeats}:")
    for name, s in seconds.items():
        peak = memory[name]
        print(f"  {name:11s} {batch / s:8.2f} samples/s   peak memory "
              f"{'n/a' if peak is None else f'{peak:7.0f} MB'}")
    return figures
