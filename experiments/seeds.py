"""Pretraining over seeds: one corpus seed and one training seed per run, so a figure is a spread, not a draw.

Run ``s`` of a setting builds (or reuses) the procedural corpus drawn with seed ``s`` and pretrains the
config with ``train.seed = s`` on it, resuming an interrupted run and reusing a finished one of the same
resolved settings and corpus. :func:`spread` turns per-seed figures into ``mean``, ``std`` (sample, ddof 1)
and keeps every seed's value.
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class Setting:
    """A pretraining setting: a bundled config, overrides (``section.key=value``), the corpus size and the
    corpus's sensor model (one of :data:`simulate.corpus.SENSOR_MODELS`)."""

    config: str = "cpu-small"
    overrides: tuple[str, ...] = ()
    clips: int = 2000
    sensor: str = "calibrated"  # simulate.corpus.DEFAULT_SENSOR (not imported here: datasets loads slowly)


def corpus_folder(corpora: Path, clips: int, seed: int, sensor: str = "calibrated") -> Path:
    """Where the procedural corpus of ``clips`` clips, ``seed`` and ``sensor`` model lives under ``corpora``."""
    return corpora / (f"procedural-{clips}-seed{seed}" + ("" if sensor == "calibrated" else f"-{sensor}"))


def resolved_config(setting: Setting, seed: int):
    """The setting's training config with ``train.seed = seed``."""
    from pretrain.config import load_config, override

    return override(load_config(setting.config), *setting.overrides, f"train.seed={seed}")


def pretrain_seed(setting: Setting, seed: int, model_dir: Path, corpora: Path, evaluate=None,
                  evaluate_every: int = 50) -> Path:
    """The model folder of ``setting`` at ``seed`` (corpus seed and training seed), trained unless finished;
    ``evaluate`` as for :func:`pretrain.train.train` (figures against training step in ``metrics.jsonl``)."""
    from pretrain.train import train
    from simulate.corpus import built_fingerprint, procedural_corpus

    corpus = procedural_corpus(corpus_folder(corpora, setting.clips, seed, setting.sensor), setting.clips,
                               seed=seed, sensor=setting.sensor)
    config = resolved_config(setting, seed)
    # What the run was trained with (the config's name aside, the corpus by its fingerprint), so a finished run
    # is reused exactly when the same settings and the same corpus come back, under any config name or
    # overrides; a corpus rebuilt by another library version or sensor model retrains it.
    stamp = {"sections": {key: value for key, value in config.to_dict().items() if key != "name"},
             "corpus": str(corpus), "corpus_fingerprint": built_fingerprint(corpus)}
    saved = model_dir / "config.json"
    if (model_dir / "model.safetensors").exists() and saved.exists():
        if json.loads(saved.read_text()).get("setting") == stamp:
            return model_dir
    train(config, corpus, model_dir, resume=True, evaluate=evaluate, evaluate_every=evaluate_every)
    saved.write_text(json.dumps({**json.loads(saved.read_text()), "setting": stamp}, indent=2))
    return model_dir


def spread(values: Sequence[float]) -> dict:
    """``{"mean", "std", "min", "values"}`` of per-seed figures (std with ddof 1; 0 for one value)."""
    array = np.asarray(values, dtype=float)
    return {"mean": float(array.mean()), "std": float(array.std(ddof=1)) if len(array) > 1 else 0.0,
            "min": float(array.min()), "values": [float(v) for v in array]}
