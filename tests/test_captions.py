"""Captions for every source: sidecar NAME.txt, --texts (JSON / CSV), BABEL for AMASS; described sub-clips;
a corpus without any description refused; BVH + texts and AMASS + BABEL corpora that pretrain."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from simulate.corpus import load_corpus
from skeletons import InputError, Motion
from skeletons.captions import Caption, described_clips, read_texts_file, swap_left_right
from skeletons.readers.babel import BabelLabels
from tests.conftest import REPO
from tests.test_amass import poses, write_body_model, write_clip
from tests.test_bvh import MIXAMO, humanoid_bvh

ENV = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "OMP_NUM_THREADS": "1"}


def run(module: str, *args):
    return subprocess.run([sys.executable, "-m", module, "--quiet", *map(str, args)], cwd=REPO,
                          capture_output=True, text=True, timeout=600, env=ENV)


def clip(frames: int = 60, fps: float = 20.0, texts=(), name: str = "walk") -> Motion:
    positions = np.zeros((frames, 22, 3), np.float32)
    positions[:, :, 1] = np.arange(22)[None] * 0.05
    positions[..., 0] = np.arange(frames)[:, None]  # x = frame index
    return Motion(positions=positions, fps=fps, texts=list(texts), name=name)


@pytest.mark.parametrize("text, mirrored", [
    ("a person kicks with the left leg", "a person kicks with the right leg"),
    ("Left hand up, then RIGHT foot; turns left-right", "Right hand up, then LEFT foot; turns right-left"),
    ("walks leftwards and spins clockwise", "walks rightwards and spins counterclockwise"),
    ("spins counter-clockwise", "spins clockwise"),
    ("leftover bright lights stay", "leftover bright lights stay"),
])
def test_swap_left_right(text, mirrored):
    assert swap_left_right(text) == mirrored


def test_texts_file_json_and_csv(tmp_path):
    json_file = tmp_path / "map.json"
    json_file.write_text(json.dumps({"131_01": ["a person starts walking and stops", "walk#w/VERB#1.0#2.5"],
                                     "sub/131_02": "someone jogs"}))
    texts = read_texts_file(json_file)
    assert texts.lookup("131_01", "131_01") == [Caption("a person starts walking and stops"), Caption("walk", 1.0, 2.5)]
    assert texts.lookup("sub/131_02", "131_02") == [Caption("someone jogs")]  # by relative path
    assert texts.lookup("other/131_01", "131_01")[0].text.startswith("a person")  # by stem
    assert texts.lookup("x", "x") == []
    csv_file = tmp_path / "map.csv"
    csv_file.write_text('stem,description\n131_01,"a person walks, then stops"\n131_01,walks\n\n131_02,jogs\n')
    texts = read_texts_file(csv_file)
    assert [c.text for c in texts["131_01"]] == ["a person walks, then stops", "walks"] and len(texts) == 2
    (tmp_path / "bad.json").write_text('{"a": 3}')
    with pytest.raises(InputError, match="bad.json"):
        read_texts_file(tmp_path / "bad.json")
    with pytest.raises(InputError, match="no such texts file"):
        read_texts_file(tmp_path / "missing.json")


def test_described_clips_whole_and_spans():
    captions = [Caption("walks"), Caption("stops", 1.0, 2.0), Caption("halts", 1.0, 2.0), Caption("starts", 0.0, 0.5)]
    clips = described_clips(clip(texts=["already there"]), captions)
    assert [c.name for c in clips] == ["walk", "walk@0-0.5", "walk@1-2"]
    assert clips[0].texts == ["already there", "walks"] and clips[0].num_frames == 60
    assert clips[1].texts == ["starts"] and clips[1].positions[:, 0, 0].tolist() == list(range(0, 10))
    assert clips[2].texts == ["stops", "halts"] and clips[2].positions[:, 0, 0].tolist() == list(range(20, 40))
    assert described_clips(clip(), [Caption("x", 2.5, 9.0)])[1].num_frames == 10  # cut at the clip's end
    with pytest.raises(InputError, match="span 5-6"):
        described_clips(clip(), [Caption("x", 5.0, 6.0)])


BABEL = {
    "7": {"feat_p": "CMU/CMU/01/01_01_poses.npz", "dur": 3.0,
          "seq_ann": {"labels": [{"raw_label": "walk then wave", "proc_label": "walk then wave", "act_cat": ["walk"]}]},
          "frame_ann": {"labels": [
              {"raw_label": "walking forward", "proc_label": "walk forward", "act_cat": ["walk"], "start_t": 0.0, "end_t": 1.5},
              {"raw_label": "waves the right hand", "proc_label": "wave", "act_cat": ["wave"], "start_t": 1.5, "end_t": 3.0},
              {"raw_label": "stands", "proc_label": "stand", "act_cat": ["stand"], "start_t": 0.0, "end_t": 3.0}]}},
    "8": {"feat_p": "BioMotionLab_NTroje/BioMotionLab_NTroje/rub001/0001_treadmill_norm_poses.npz", "dur": 2.0,
          "seq_ann": {"labels": [{"raw_label": "jog on a treadmill", "proc_label": "jog"}]}, "frame_ann": None},
}
EXTRA = {"9": {"feat_p": "CMU/CMU/01/01_02_poses.npz", "dur": 3.0,
               "seq_anns": [{"labels": [{"raw_label": "jumping jacks", "proc_label": "jumping jacks"}]}],
               "frame_anns": [{"labels": [{"raw_label": "jump", "proc_label": "jump", "start_t": 1.0, "end_t": 2.0}]}]}}


def test_babel_labels_match_amass_paths(tmp_path):
    (tmp_path / "train.json").write_text(json.dumps(BABEL))
    (tmp_path / "extra_train.json").write_text(json.dumps(EXTRA))
    babel = BabelLabels([tmp_path / "train.json", tmp_path / "extra_train.json"])
    assert len(babel) == 3
    captions = babel.captions("/data/AMASS/CMU/01/01_01_poses.npz")
    assert Caption("walk then wave") in captions and Caption("stands") in captions  # whole-clip span
    assert Caption("walking forward", 0.0, 1.5) in captions and Caption("walk forward", 0.0, 1.5) in captions
    assert Caption("waves the right hand", 1.5, 3.0) in captions and Caption("wave", 1.5, 3.0) in captions
    # A later AMASS release names BioMotionLab_NTroje 'BMLrub': subject folder and file still match.
    assert babel.captions("AMASS/BMLrub/rub001/0001_treadmill_norm_poses.npz") == [
        Caption("jog on a treadmill"), Caption("jog")]
    assert Caption("jump", 1.0, 2.0) in babel.captions("CMU/01/01_02_poses.npz")
    assert babel.captions("AMASS/CMU/02/01_01_poses.npz") == []  # another subject's file of the same name
    (tmp_path / "bad.json").write_text("[1, 2]")
    with pytest.raises(InputError, match="not a BABEL JSON"):
        BabelLabels(tmp_path / "bad.json")
    with pytest.raises(InputError, match="babel.is.tue.mpg.de"):
        BabelLabels(tmp_path / "missing.json")


def bvh_folder(root):
    """Three synthetic 30 fps BVH walks of 90 frames with smoothly swinging legs and arms."""
    folder = root / "bvh"
    folder.mkdir()
    t = np.arange(90)[:, None] / 30.0
    for k, name in enumerate(("walk_a", "walk_b", "wave")):
        swing = 25.0 * np.sin(2 * np.pi * (1.0 + 0.3 * k) * t)
        angles = {"LeftUpLeg": np.c_[0 * t, swing, 0 * t], "RightUpLeg": np.c_[0 * t, -swing, 0 * t],
                  "LeftArm": np.c_[40 + swing, 0 * t, 0 * t], "RightForeArm": np.c_[0 * t, swing, 0 * t]}
        (folder / f"{name}.bvh").write_text(humanoid_bvh(MIXAMO, angles, frames=90))
    return folder


TINY = ["--set", "model.imu_encoder.channels=[8, 16]", "--set", "model.imu_encoder.strides=[1, 2]",
        "--set", "train.batch_size=4", "--set", "train.warmup_steps=1", "--set", "data.window=60"]


def pretrains(corpus, output) -> None:
    result = run("pretrain", "--corpus", corpus, "--output", output, "--config", "cpu-small", "--max-steps", 2, *TINY)
    assert result.returncode == 0, result.stderr
    steps = [json.loads(line)["step"] for line in (output / "metrics.jsonl").read_text().splitlines()]
    assert max(steps) == 2 and (output / "model.safetensors").exists()


def test_bvh_folder_without_descriptions_exits_2_with_a_hint(tmp_path):
    output = tmp_path / "corpus"
    result = run("simulate", "--source", "bvh", "--input", bvh_folder(tmp_path), "--output", output)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "no clip has a description" in result.stderr and "--texts" in result.stderr
    assert not output.exists() and not (tmp_path / "corpus.partial").exists()


def test_bvh_folder_with_a_texts_file_and_a_sidecar_pretrains(tmp_path):
    folder = bvh_folder(tmp_path)
    (folder / "wave.txt").write_text("a person waves#a/DET person/NOUN wave/VERB#0.0#0.0\n"
                                     "lifts the left arm#lift/VERB#0.5#2.0\n")
    texts = tmp_path / "map.json"
    texts.write_text(json.dumps({"walk_a": ["a person walks forward"], "walk_b": ["someone walks briskly", "walking"]}))
    corpus = tmp_path / "corpus"
    result = run("simulate", "--source", "bvh", "--input", folder, "--texts", texts, "--output", corpus)
    assert result.returncode == 0, result.stderr
    rows = dict(zip(load_corpus(corpus)["id"], load_corpus(corpus)["texts"]))
    assert rows == {"walk_a": ["a person walks forward"], "walk_b": ["someone walks briskly", "walking"],
                    "wave": ["a person waves"], "wave@0.5-2": ["lifts the left arm"]}
    pretrains(corpus, tmp_path / "run")


def test_amass_folder_with_babel_pretrains(tmp_path):
    models = tmp_path / "models"
    write_body_model(models / "smplh" / "SMPLH_MALE.npz", "smplh", 16)
    amass = tmp_path / "AMASS"
    f = np.arange(360)
    for k, name in enumerate(("01_01", "01_02")):
        pose = poses(360, j0=(np.pi / 2, 0, 0))
        pose[:, 3 * 1] = 0.4 * np.sin(2 * np.pi * (1 + 0.5 * k) * f / 120)
        pose[:, 3 * 2] = -pose[:, 3 * 1]
        pose[:, 3 * 16 + 2] = 0.5 * np.sin(2 * np.pi * f / 120)
        write_clip(amass / "CMU" / "01" / f"{name}_poses.npz", pose, np.c_[f / 120, 0 * f, 0 * f])
    (tmp_path / "train.json").write_text(json.dumps(BABEL))
    (tmp_path / "extra_train.json").write_text(json.dumps(EXTRA))
    corpus = tmp_path / "corpus"
    babel = f"{tmp_path / 'train.json'},{tmp_path / 'extra_train.json'}"  # a comma list, as every list flag
    result = run("simulate", "--source", "amass", "--input", amass, "--body-models", models, "--babel", babel,
                 "--output", corpus)
    assert result.returncode == 0, result.stderr
    dataset = load_corpus(corpus)
    rows = dict(zip(dataset["id"], dataset["texts"]))
    assert sorted(rows) == ["CMU/01/01_01_poses", "CMU/01/01_01_poses@0-1.5", "CMU/01/01_01_poses@1.5-3",
                            "CMU/01/01_02_poses", "CMU/01/01_02_poses@1-2"]
    assert rows["CMU/01/01_01_poses@1.5-3"] == ["waves the right hand", "wave"]
    assert rows["CMU/01/01_01_poses"] == ["walk then wave", "stands", "stand"]
    durations = dict(zip(dataset["id"], dataset["duration_s"]))
    assert durations["CMU/01/01_01_poses@0-1.5"] == pytest.approx(1.5)
    pretrains(corpus, tmp_path / "run")
