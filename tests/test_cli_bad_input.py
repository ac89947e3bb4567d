"""Every CLI fed bad arguments and bad files: exit code 2, exactly one stderr line, no traceback, no new files.

Each row is (id, module, arguments); arguments are built from the files :func:`bad_files` writes, by name
(``{name}`` is replaced by that file's path; ``{tmp}`` by the folder). The rows come from issue 13's probes
(a user's mistakes and hostile files) plus our own. A row passes when the run exits 2 with one stderr line
and every file under the folder is as it was (nothing created, changed or deleted) -- the folder holds the
inputs, so a run that deletes or replaces an input fails too.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from skeletons.body import SMPL_TO_CANONICAL
from tests.conftest import REPO, save_tiny_model
from tests.test_bvh import MIXAMO, humanoid_bvh, random_angles, write

SIMULATE_ROWS = [
    ("simulate-output-foreign-folder", "simulate", "--source procedural --count 2 --output {thesis}"),
    ("simulate-output-existing-file", "simulate", "--source procedural --count 2 --output {notes.txt}"),
    ("simulate-output-cwd", "simulate", "--source procedural --count 2 --output ."),
    ("simulate-shard-size-0", "simulate", "--source procedural --count 2 --shard-size 0 --output {tmp}/c"),
    ("simulate-count-1e12", "simulate", "--source procedural --count 1000000000000 --output {tmp}/c"),
    ("simulate-count-0", "simulate", "--source procedural --count 0 --output {tmp}/c"),
    ("simulate-rate-1e9", "simulate", "--source procedural --count 2 --rate 1e9 --output {tmp}/c"),
    ("simulate-rate-nan", "simulate", "--source procedural --count 2 --rate nan --output {tmp}/c"),
    ("simulate-rate-0", "simulate", "--source procedural --count 2 --rate 0 --output {tmp}/c"),
    ("simulate-fps-inf", "simulate", "--source procedural --count 2 --fps inf --output {tmp}/c"),
    ("simulate-limit-negative", "simulate", "--source bvh --input {bvh} --limit -1 --output {tmp}/c"),
    ("simulate-bad-preset", "simulate", "--source bvh --input {bvh} --preset nosuch --output {tmp}/c"),
    ("simulate-missing-mapping", "simulate", "--source bvh --input {bvh} --mapping {tmp}/no.json --output {tmp}/c"),
    ("simulate-garbled-mapping", "simulate", "--source bvh --input {bvh} --mapping {garbled.json} --output {tmp}/c"),
    ("simulate-unit-scale-negative", "simulate", "--source bvh --input {bvh} --unit-scale -1 --output {tmp}/c"),
    ("simulate-unit-scale-nan", "simulate", "--source bvh --input {bvh} --unit-scale nan --output {tmp}/c"),
    ("simulate-missing-input", "simulate", "--source bvh --input {tmp}/nothing --output {tmp}/c"),
    ("simulate-only-bad-clips", "simulate", "--source bvh --input {bad_bvh} --output {tmp}/c"),
]

PARAPHRASE_ROWS = [
    ("paraphrase-output-foreign-folder", "simulate.paraphrase", "--corpus {corpus} --output {thesis}"),
    ("paraphrase-output-existing-file", "simulate.paraphrase", "--corpus {corpus} --output {notes.txt}"),
    ("paraphrase-output-is-input", "simulate.paraphrase", "--corpus {corpus} --output {corpus}"),
    ("paraphrase-cache-list", "simulate.paraphrase",
     "--corpus {corpus} --output {tmp}/p --backend openai --endpoint http://127.0.0.1:9/v1 --model m "
     "--cache {cache.json} --max-retries 0"),
    ("paraphrase-missing-corpus", "simulate.paraphrase", "--corpus {tmp}/nothing --output {tmp}/p"),
    ("paraphrase-per-text-0", "simulate.paraphrase", "--corpus {corpus} --output {tmp}/p --per-text 0"),
]

SKELETONS_ROWS = [
    ("inspect-huge-header", "skeletons", "inspect {new_joints/huge.npy}"),
    ("inspect-complex", "skeletons", "inspect {new_joints/complex.npy}"),
    ("inspect-caption-latin1", "skeletons", "inspect {h3d/new_joints/000001.npy}"),
    ("inspect-missing", "skeletons", "inspect {tmp}/absent.npy"),
    ("render-fps-0", "skeletons", "render {good.npy} --fps 0 --output {tmp}/w.gif"),
    ("render-fps-inf", "skeletons", "render {good.npy} --fps inf --output {tmp}/w.gif"),
    ("render-max-frames-0", "skeletons", "render {good.npy} --max-frames 0 --output {tmp}/w.gif"),
    ("render-output-no-suffix", "skeletons", "render {good.npy} --output {tmp}/walk"),
    ("render-output-unwritable", "skeletons", "render {good.npy} --output /proc/x.gif"),
    ("render-output-folder", "skeletons", "render {good.npy} --output {thesis}"),
]

CUSTOM = "--custom-x {custom/X.npy} --custom-y {custom/y.npy} --labels {custom/labels.json} --joints right_wrist"
ZERO_SHOT_ROWS = [
    (f"zero-shot-rate-{rate}", "zero_shot", f"--model {{model}} {CUSTOM} --input-rate {rate} --output {{tmp}}/z.json")
    for rate in ("inf", "1e-9", "1e7", "nan", "0")
] + [
    ("zero-shot-complex-x", "zero_shot",
     "--model {model} --custom-x {custom/Xc.npy} --custom-y {custom/y.npy} --labels {custom/labels.json} "
     "--joints right_wrist --input-rate 50 --output {tmp}/z.json"),
    ("zero-shot-missing-model", "zero_shot", f"--model {{tmp}}/nomodel {CUSTOM} --input-rate 50"),
]
FINETUNE_ROWS = [
    (f"finetune-rate-{rate}", "finetune",
     f"--model {{model}} {CUSTOM} --custom-test-x {{custom/X.npy}} --custom-test-y {{custom/y.npy}} "
     f"--input-rate {rate} --output {{tmp}}/f.json")
    for rate in ("inf", "1e-9", "1e7")
]

IMPORT_ROWS = [
    ("import-unimts-into-existing-file", "pretrain.import_unimts", "{good.pth} --model {notes.txt}"),
    ("import-unimts-into-foreign-folder", "pretrain.import_unimts", "{good.pth} --model {thesis}"),
    ("import-unimts-garbled", "pretrain.import_unimts", "{notes.txt} --model {tmp}/m"),
]

EXPERIMENTS_ROWS = [
    ("demo-corpora-is-a-file", "experiments.demo", "--corpora {notes.txt} --clips 2 --output {tmp}/d"),
]

# The pretraining CLI's rows (issue 13, engineer 13b): ("id", "pretrain", "arguments"), same conventions.
PRETRAIN_ROWS: list[tuple[str, str, str]] = [
    ("pretrain-max-steps-0", "pretrain", "--corpus {corpus} --output {tmp}/run --max-steps 0"),
    ("pretrain-max-steps-negative", "pretrain", "--corpus {corpus} --output {tmp}/run --max-steps -1"),
    ("pretrain-batch-size-0", "pretrain", "--corpus {corpus} --output {tmp}/run --batch-size 0"),
    ("pretrain-lr-not-a-number", "pretrain", "--corpus {corpus} --output {tmp}/run --set train.lr=abc"),
    ("pretrain-output-existing-file", "pretrain", "--corpus {corpus} --output {notes.txt} --max-steps 1"),
    ("pretrain-output-foreign-folder", "pretrain", "--corpus {corpus} --output {thesis} --max-steps 1"),
    ("pretrain-output-is-corpus", "pretrain", "--corpus {corpus} --output {corpus} --max-steps 1"),
    ("pretrain-missing-corpus", "pretrain", "--corpus {tmp}/nothing --output {tmp}/run --max-steps 1"),
]

ROWS = (SIMULATE_ROWS + PARAPHRASE_ROWS + SKELETONS_ROWS + ZERO_SHOT_ROWS + FINETUNE_ROWS + IMPORT_ROWS
        + EXPERIMENTS_ROWS + PRETRAIN_ROWS)


def _walk_clip(frames: int = 40) -> np.ndarray:
    """A HumanML3D-layout (T, 22, 3) array (SMPL order) of a generated walk."""
    from skeletons.procedural import generate

    canonical = generate("walk", 0, frames / 20.0, 20.0).positions[:frames]
    smpl = np.empty_like(canonical)
    smpl[:, SMPL_TO_CANONICAL] = canonical
    return smpl.astype(np.float32)


def bad_files(folder: Path) -> dict[str, Path]:
    """Write the inputs the rows name (good ones where a row's point is another argument)."""
    files: dict[str, Path] = {}

    def put(name: str) -> Path:
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        files[name] = path
        return path

    put("thesis").mkdir()
    (folder / "thesis" / "chapter1.tex").write_text("years of work")
    put("notes.txt").write_text("my notes")
    put("garbled.json").write_text("{not json")
    put("cache.json").write_text("[1, 2]")
    np.save(put("good.npy"), _walk_clip())
    np.save(put("new_joints/complex.npy"), _walk_clip().astype(np.complex64))
    with open(put("new_joints/huge.npy"), "wb") as file:  # a header claiming 10^15 frames, a few bytes of data
        np.lib.format.write_array_header_1_0(file, {"descr": "<f4", "fortran_order": False,
                                                    "shape": (10**15, 22, 3)})
        file.write(b"\0" * 64)
    np.save(put("h3d/new_joints/000001.npy"), _walk_clip())
    put("h3d/texts/000001.txt").write_bytes(b"a person walks caf\xe9#a/DET#0.0#0.0\n")
    good_bvh = humanoid_bvh(MIXAMO, random_angles(MIXAMO, 30), frames=30, unit=0.01)
    for name, text in (("bvh", good_bvh), ("bad_bvh", good_bvh.replace("Frame Time: 0.0333333", "Frame Time: 1e-300"))):
        put(name).mkdir()
        write(folder / name, text, "clip.bvh")
    rng = np.random.default_rng(0)
    np.save(put("custom/X.npy"), rng.normal(size=(6, 100, 6)).astype(np.float32))
    np.save(put("custom/Xc.npy"), rng.normal(size=(6, 100, 6)).astype(np.complex64))
    np.save(put("custom/y.npy"), np.arange(6) % 3)
    put("custom/labels.json").write_text(json.dumps({"0": ["sitting"], "1": ["walking"], "2": ["running"]}))
    torch.save({"state_dict": {"acc.A": torch.zeros(1)}}, put("good.pth"))
    files["model"] = save_tiny_model(folder / "model", (8, 8), (1, 2))
    from simulate.corpus import CorpusConfig, build_corpus
    from simulate.sources import procedural_items

    files["corpus"] = build_corpus(procedural_items(2, 0, ["walk"], 2.0), folder / "corpus",
                                   CorpusConfig(source="procedural", sensor="ideal"), progress=False).output
    return files


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> tuple[Path, dict[str, Path]]:
    folder = tmp_path_factory.mktemp("inputs")
    return folder, bad_files(folder)


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    return {str(path.relative_to(folder)): (path.stat().st_size, path.stat().st_mtime_ns)
            for path in sorted(folder.rglob("*"))}


def expand(arguments: str, folder: Path, files: dict[str, Path]) -> list[str]:
    out = []
    for word in arguments.split():
        word = word.replace("{tmp}", str(folder))
        for name, path in files.items():
            word = word.replace("{" + name + "}", str(path))
        assert "{" not in word, f"unknown file in {word}"
        out.append(word)
    return out


@pytest.mark.parametrize("row", ROWS, ids=[row[0] for row in ROWS])
def test_bad_input_exits_2_with_one_line_and_leaves_files_alone(row, inputs, tmp_path):
    _, module, arguments = row
    folder, files = inputs
    before = snapshot(folder)
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    env = {**os.environ, "PYTHONPATH": str(REPO), "HF_DATASETS_OFFLINE": "1", "HF_HUB_OFFLINE": "1"}
    result = subprocess.run([sys.executable, "-m", module, *expand(arguments, folder, files), "--quiet"]
                            if module in ("simulate", "simulate.paraphrase") else
                            [sys.executable, "-m", module, *expand(arguments, folder, files)],
                            cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2, result.stderr[-2000:]
    assert len(lines) == 1, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    assert snapshot(folder) == before
    assert list(cwd.iterdir()) == []
