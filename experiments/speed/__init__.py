"""The speed suite: ``python -m experiments.speed simulate|augment|train|eval|all [--config NAME]``.

One module per measurement (:mod:`.simulate_speed`, :mod:`.augment_speed`, :mod:`.train_speed`,
:mod:`.zero_shot_speed`), the shared timing and recording helpers in :mod:`.timing`, the machine
description in :mod:`.machine`, and the plain per-sample loops the batched code is timed against in
:mod:`.reference`. Figures are appended to ``experiments/speed/results/speed.jsonl``; speed is measured
here, never asserted by tests.
"""
