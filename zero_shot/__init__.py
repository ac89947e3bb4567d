"""Zero-shot activity recognition: class descriptions embedded by the text tower, series by the motion encoder,
scored by cosine similarity (UniMTS, Zhang et al., NeurIPS 2024). ``python -m zero_shot --help`` runs it;
``python -m zero_shot predict --help`` labels a recording of your own.

>>> from benchmarks.loader import load_split
>>> from benchmarks.registry import get_dataset
>>> from zero_shot import evaluate_split
>>> result = evaluate_split(model, load_split(get_dataset("basicmotions"), "data/benchmarks"))
>>> result.metrics["acc"], result.metrics["r@2"]

Language and vision-language models as classifiers on the same windows, through any OpenAI-compatible server:
:mod:`zero_shot.llm_baseline` (``--baseline llm``); LLaVA fine-tuning data: :mod:`zero_shot.llava_export`.
>>> from zero_shot import MotionModel
>>> model = MotionModel.from_pretrained("runs/cpu-small")
>>> model.classify(X, ["walking", "running"], rate_hz=50, joints=["right_wrist"], acc_unit="g")
"""
from skeletons._version import __version__

from .classifier import TrainedClassifier
from .device import Device
from .evaluate import DatasetResult, evaluate_split, zero_shot_scores
from .model import MotionModel, RecordingPrediction
from .prompts import TEMPLATES, class_descriptions, class_prompts, class_text_embeddings
from .run import load_splits, run_zero_shot
from .windows import Segment, segments, window_grid

__all__ = ["__version__", "TEMPLATES", "DatasetResult", "Device", "MotionModel", "RecordingPrediction", "Segment",
           "TrainedClassifier", "class_descriptions", "class_prompts", "class_text_embeddings", "evaluate_split",
           "load_splits", "run_zero_shot", "segments", "window_grid", "zero_shot_scores"]
