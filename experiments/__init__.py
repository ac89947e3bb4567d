"""Programs on top of the library: the demo, the ablation runner and the speed suite, with their plots.

Nothing imports this package; it may import every stage (``skeletons`` ... ``finetune``). Each program runs
as a module: ``python -m experiments.demo``, ``python -m experiments.ablation``, ``python -m experiments.speed``.
"""
from skeletons._version import __version__

__all__ = ["__version__"]
