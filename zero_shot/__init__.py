"""Zero-shot activity recognition: class descriptions embedded by the text tower, series by the motion encoder,
scored by cosine similarity (UniMTS, Zhang et al., NeurIPS 2024). ``python -m zero_shot --help`` runs it.

>>> from benchmarks.loader import load_split
>>> from benchmarks.registry import get_dataset
>>> from zero_shot import evaluate_split
>>> result = evaluate_split(model, load_split(get_dataset("basicmotions"), "data/benchmarks"))
>>> result.metrics["acc"], result.metrics["r@2"]

Language and vision-language models as classifiers on the same windows, through any OpenAI-compatible server:
:mod:`zero_shot.llm_baseline` (``--baseline llm``); LLaVA fine-tuning data: :mod:`zero_shot.llava_export`.
"""
from skeletons._version import __version__

from .evaluate import DatasetResult, evaluate_split, zero_shot_scores
from .prompts import TEMPLATES, class_prompts, class_text_embeddings
from .run import load_splits, run_zero_shot

__all__ = ["__version__", "TEMPLATES", "DatasetResult", "class_prompts", "class_text_embeddings", "evaluate_split",
           "load_splits", "run_zero_shot", "zero_shot_scores"]
