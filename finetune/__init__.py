"""Few-shot and full-shot fine-tuning of a pretrained motion model, beside a from-scratch network and
MiniRocket (UniMTS, Zhang et al., NeurIPS 2024, Sec. 4.3). ``python -m finetune --help`` runs it.

>>> from finetune import run_finetune
>>> document = run_finetune("runs/cpu-small", "basicmotions", ks=[1, 5], modes=["full", "probe"], seeds=2)
>>> document["results"]["full"][5]["acc_mean"]          # rows keyed by the integer k, or "full"
>>> from finetune import MotionModel, Classifier        # few-shot from Python (finetune.classifier)
"""
from skeletons._version import __version__

from .classifier import Classifier, MotionModel
from .heads import HEADS, CosineTextHead, MotionClassifier, build_classifier
from .run import MODES, PAPER_KS, load_splits, row_name, run_finetune
from .selection import Selection, select_shots, stable_seed
from .train import TrainSettings, fit, predict

__all__ = ["__version__", "HEADS", "MODES", "PAPER_KS", "Classifier", "CosineTextHead", "MotionClassifier",
           "MotionModel", "Selection", "TrainSettings", "build_classifier", "fit", "load_splits", "predict",
           "row_name", "run_finetune", "select_shots", "stable_seed"]
