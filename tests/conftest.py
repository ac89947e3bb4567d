"""Shared test helpers: the real fixtures in ../shared (skipped cleanly when absent).

CI (``.ci/run``) sets ``REQUIRE_SHARED=1``: there a missing ``../shared`` fails the tests that need it
instead of turning them into skips, so the guards of joint order, checkpoint keys and real-clip physics
cannot go quiet while CI stays green. A user's plain ``make test`` still skips them.
"""
from __future__ import annotations

import atexit
import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

#: Description embeddings cached on disk (pretrain.text_cache) go to a fresh folder per test session, never to
#: the user's ~/.cache; set here, at import, so that subprocess environments copied by test modules carry it.
_TEXT_CACHE = tempfile.mkdtemp(prefix="motion-pretrain-test-cache-")
os.environ["MOTION_PRETRAIN_CACHE"] = _TEXT_CACHE
atexit.register(shutil.rmtree, _TEXT_CACHE, True)

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
FIXTURES = SHARED / "fixtures"
REFERENCE = SHARED / "reference"


def _require(path: Path) -> Path:
    if not path.exists():
        if os.environ.get("REQUIRE_SHARED") == "1":
            pytest.fail(f"{path} is not here, and REQUIRE_SHARED=1 (CI) needs it")
        pytest.skip(f"{path} is not here (a user's clone has no ../shared)")
    return path


@pytest.fixture
def humanml3d_clip() -> Path:
    """The real HumanML3D clip ``new_joints/012314.npy`` (170 frames, SMPL order, 20 fps)."""
    return _require(FIXTURES / "humanml3d" / "new_joints" / "012314.npy")


@pytest.fixture
def bvh_walks() -> list[Path]:
    """The real CMU subject-131 walks, 120 fps, CMU units."""
    folder = _require(FIXTURES / "bvh")
    return sorted(folder.glob("*.bvh"))


@pytest.fixture
def reference_dir() -> Path:
    """``../shared/reference``: joint order, benchmarks, paper results, checkpoint keys."""
    return _require(REFERENCE)


def save_tiny_model(folder: Path, channels: tuple[int, ...] = (8, 16), strides: tuple[int, ...] = (2, 2),
                    seed: int = 0) -> Path:
    """A randomly initialised model folder with a tiny ST-GCN and the MiniLM text tower, for fast tests."""
    import torch

    from pretrain.model import MotionTextModel

    torch.manual_seed(seed)
    MotionTextModel(channels=6, imu_encoder={"channels": list(channels), "strides": list(strides)},
                    text_tower={"kind": "minilm"}, embed_dim=32).save(folder)
    return folder


@pytest.fixture(autouse=True)
def few_reference_clips(monkeypatch):
    """Zero-shot normalisation simulates 512 library clips per device (:mod:`zero_shot.reference`); tests
    that reach it through the demo or the transfer protocols simulate 16."""
    import zero_shot.reference

    monkeypatch.setattr(zero_shot.reference, "REFERENCE_CLIPS", 16)
    if "experiments.sim_probe" in sys.modules:  # the demo's ensemble simulates 2 clips per class, not 60
        monkeypatch.setattr(sys.modules["experiments.sim_probe"], "CLIPS", 2)


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory) -> Path:
    """A tiny model folder (ST-GCN 16-16), one per test module; modules that need another shape define their own."""
    return save_tiny_model(tmp_path_factory.mktemp("model"), (16, 16), (1, 2))


def assert_scored_as(payload: dict, name: str, scores, targets) -> None:
    """The zero-shot document's metrics and confusion matrix for dataset ``name`` are those of ``scores``."""
    from benchmarks.metrics import classification_metrics, confusion

    assert payload["results"][name] == pytest.approx(classification_metrics(scores, targets), abs=1e-6)
    assert payload["confusion"][name] == confusion(scores, targets).tolist()
