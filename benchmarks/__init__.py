"""Benchmarks: real HAR datasets, metrics, reports, and the speed suite (``python -m benchmarks.speed``)."""
