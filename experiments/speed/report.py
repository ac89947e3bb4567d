"""The summary the suite ends with: the machine, then the ratios against the plain implementations timed in
the same run, then the absolute figures behind them (absolute figures move 2-3x between machines; ratios
measured side by side in one process say what the code does)."""
from __future__ import annotations

from .machine import machine_info


def _mb(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.0f} MB"


def summary_lines(results: dict[str, dict]) -> list[str]:
    """Lines for the benchmarks in ``results`` (name -> figures) that have a plain comparator."""
    info = machine_info()
    lines = [f"machine: {info['cpu']}, {info['cores']} cores, torch {info['torch']} ({info['torch_threads']} threads)"
             + (f", GPU {info['gpu']}" if "gpu" in info else "")
             + (", freed memory kept in the process (pretrain.cpu_memory)" if info["freed_memory_kept"] else "")
             + f", commit {info['commit']}",
             "", "ratios (ours / plain implementation, timed side by side in this run):"]
    absolute = ["", "absolute figures:"]
    if "train" in results:
        f = results["train"]
        rates = f["samples_per_s"]
        lines.append(f"  train step, paper-width ST-GCN   {f['ratio']:6.2f}x  ({f['ratio_label']}; like for like: "
                     f"fp32 {f['ratio_fp32']:.2f}x" + (f", bf16 {f['ratio_bf16']:.2f}x" if "ratio_bf16" in f else "")
                     + ")")
        for name, rate in rates.items():
            absolute.append(f"  train {name:11s} {rate:10.2f} samples/s  (batch {f['batch']} x {f['window']} x 22 x "
                            f"{f['channels']}, {f['device']})  peak memory {_mb(f['peak_memory_mb'][name])}")
    if "simulate" in results:
        f = results["simulate"]
        lines.append(f"  simulate, consumer sensor        {f['ratio_consumer']:6.1f}x  (physics alone "
                     f"{f['ratio_ideal']:.1f}x)")
        absolute.append(f"  simulate batched  {f['clips_per_s_consumer']:10.0f} clips/s consumer sensor, "
                        f"{f['clips_per_s_ideal']:.0f} physics alone  peak memory "
                        f"{_mb(f['peak_memory_mb_consumer'])}")
        absolute.append(f"  simulate plain    {f['plain_clips_per_s_consumer']:10.1f} clips/s consumer sensor, "
                        f"{f['plain_clips_per_s_ideal']:.1f} physics alone")
        absolute.append(f"  simulate bound    {f['bound_clips_per_s']:10.0f} clips/s from one-core costs per clip: "
                        f"physics {f['physics_ms_per_clip']:.2f} ms + sensor {f['sensor_ms_per_clip']:.2f} ms")
    if "augment" in results:
        f = results["augment"]
        lines.append(f"  augmentation pipeline            {f['pipeline_speedup']:6.1f}x  (rotation alone "
                     f"{f['rotation_speedup']:.1f}x)")
        absolute.append(f"  augment batched   {f['pipeline_batched_s'] * 1e3:10.2f} ms per batch of {f['batch']}, loop "
                        f"{f['pipeline_loop_s'] * 1e3:.1f} ms  peak memory {_mb(f['peak_memory_mb'])}")
    return lines + absolute
