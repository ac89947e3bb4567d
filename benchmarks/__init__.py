"""Benchmarks: the real HAR datasets (registry, loaders, custom data), the one preparation path, metrics
and the paper's numbers. The programs on top (demo, ablation, speed suite) live in ``experiments``."""
from skeletons._version import __version__

__all__ = ["__version__"]
