"""The speed suite: ``python -m experiments.speed train|simulate|augment|step|eval|export|all``.

One module per measurement (:mod:`.train_speed`, :mod:`.simulate_speed`, :mod:`.augment_speed`,
:mod:`.step_speed`, :mod:`.zero_shot_speed`, :mod:`.export_speed`); the plain implementations the fast
paths are timed against, kept out of the library: :mod:`.reference_stgcn` (the paper's network in its
reference layout), :mod:`.reference_simulate` (simulation clip by clip and joint by joint) and
:mod:`.reference` (augmentation sample by sample); shared timing and recording in :mod:`.timing`, peak
memory in :mod:`.memory`, the machine in :mod:`.machine`, the closing summary in :mod:`.report`. Figures are
appended to ``experiments/speed/results/speed.jsonl``; speed is measured here, never asserted by tests.
"""
