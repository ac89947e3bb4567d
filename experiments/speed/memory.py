"""Peak memory of a piece of work, reported beside its speed.

On CUDA it is the peak of ``torch.cuda.max_memory_allocated`` above what was allocated before the work.
On the CPU it is the peak resident set size (``VmHWM``) above the resident size before the work, after
handing the allocator's free pages back to the system (glibc ``malloc_trim``: otherwise memory freed by
earlier work and reused by this one would not show) and resetting the kernel's high-water mark
(``/proc/self/clear_refs``, Linux 4.0+); where either is unavailable the figure is None rather than a guess.
"""
from __future__ import annotations

import ctypes
import ctypes.util
from collections.abc import Callable
from pathlib import Path

import torch

_STATUS = Path("/proc/self/status")
_CLEAR_REFS = Path("/proc/self/clear_refs")


def _status_kib(field: str) -> int | None:
    try:
        for line in _STATUS.read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except (OSError, ValueError):
        return None
    return None


def _malloc_trim() -> bool:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.malloc_trim(ctypes.c_size_t(0))
        return True
    except (OSError, AttributeError):
        return False


def peak_memory_mb(work: Callable[[], object], device: torch.device | str = "cpu") -> float | None:
    """Run ``work`` once and return the peak memory it added, in MB (None where it cannot be measured)."""
    device = torch.device(device)
    if device.type == "cuda":
        torch.cuda.synchronize(device)
        before = torch.cuda.memory_allocated(device)
        torch.cuda.reset_peak_memory_stats(device)
        work()
        torch.cuda.synchronize(device)
        return (torch.cuda.max_memory_allocated(device) - before) / 2**20
    if not _malloc_trim():
        return None
    try:
        _CLEAR_REFS.write_text("5")  # resets VmHWM to the current resident size
    except OSError:
        return None
    before = _status_kib("VmRSS")
    work()
    peak = _status_kib("VmHWM")
    if before is None or peak is None:
        return None
    return max(peak - before, 0) / 1024
