"""Contrastive pretraining: an ST-GCN motion encoder aligned with a text encoder.

>>> from pretrain import load_model
>>> model = load_model("runs/cpu-small")
>>> model.encode_imu(x, mask)          # (B, T, 22, 6) -> L2-normalised (B, D)
>>> model.encode_text(["a person walks"])
"""
from skeletons._version import __version__

from .model import MotionTextModel, load_model

__all__ = ["__version__", "MotionTextModel", "load_model"]
