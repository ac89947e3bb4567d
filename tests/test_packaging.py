"""What a user installing the wheel gets: the configs as package data, a model trained by config name from
outside the checkout, the version, the licence and the citation."""
from __future__ import annotations

import os
import subprocess
import sys
import zipfile

import pytest

from tests.conftest import REPO

ENV = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "OMP_NUM_THREADS": "1"}
TINY = ["--set", "model.imu_encoder.channels=[8, 16]", "--set", "model.imu_encoder.strides=[1, 2]",
        "--set", "model.embed_dim=32", "--set", "train.batch_size=8", "--set", "data.window=60"]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    folder = tmp_path_factory.mktemp("wheel")
    # --no-build-isolation: build with the installed setuptools, offline; torch is not reinstalled (--no-deps).
    result = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                             str(REPO), "-w", str(folder)], capture_output=True, text=True, timeout=600, env=ENV)
    assert result.returncode == 0, result.stderr
    (path,) = folder.glob("motion_pretrain-*.whl")
    return path


@pytest.mark.slow
def test_wheel_carries_configs_and_trains_by_config_name_outside_the_checkout(wheel, tmp_path):
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {"pretrain/configs/cpu-small.yaml", "pretrain/configs/unimts-ours.yaml", "pretrain/configs/unimts-paper.yaml", "pretrain/py.typed"} <= names
    assert "benchmarks/data/unimts_benchmarks.json" in names
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**ENV, "PYTHONPATH": str(site)}

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, *args], cwd=elsewhere, capture_output=True, text=True, env=env,
                              timeout=600)

    where = run("-c", "import pretrain, simulate; print(pretrain.__file__); print(pretrain.__version__)")
    assert where.returncode == 0, where.stderr
    assert where.stdout.splitlines()[0].startswith(str(site))  # the wheel's copy, not the checkout
    built = run("-m", "simulate", "--source", "procedural", "--count", "16", "--duration", "4",
                "--output", "corpus", "--quiet", "--num-workers", "0")
    assert built.returncode == 0, built.stderr
    trained = run("-m", "pretrain", "--config", "cpu-small", "--corpus", "corpus", "--output", "model",
                  "--max-steps", "2", "--quiet", *TINY)
    assert trained.returncode == 0, trained.stderr
    assert (elsewhere / "model" / "model.safetensors").exists()


def test_version_licence_and_citation():
    import benchmarks
    import experiments
    import finetune
    import pretrain
    import simulate
    import skeletons
    import zero_shot

    versions = {package.__version__ for package in (skeletons, simulate, pretrain, benchmarks, zero_shot, finetune,
                                                    experiments)}
    assert len(versions) == 1
    (version,) = versions
    assert 'version = { attr = "skeletons._version.__version__" }' in (REPO / "pyproject.toml").read_text()
    assert "MIT License" in (REPO / "LICENSE").read_text()
    citation = (REPO / "CITATION.cff").read_text()
    assert "UniMTS: Unified Pre-training for Motion Time Series" in citation and f"version: {version}" in citation
