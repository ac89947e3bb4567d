"""Benchmarks: the real HAR datasets (registry, loaders, custom data), the one preparation path, metrics
and the paper's numbers. The programs on top (demo, ablation, speed suite) live in ``experiments``."""
