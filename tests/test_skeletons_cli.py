"""The `python -m skeletons` command line, run as a user would run it."""
import json
import subprocess
import sys

import numpy as np
import pytest

from tests.conftest import REPO


def run(*args):
    return subprocess.run([sys.executable, "-m", "skeletons", *map(str, args)], cwd=REPO,
                          capture_output=True, text=True, timeout=300)


def assert_one_line_error(result, path):
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and str(path) in lines[0] and "Traceback" not in result.stderr
    assert result.stdout == ""


def test_inspect_humanml3d_fixture(humanml3d_clip):
    result = run("inspect", humanml3d_clip)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert (summary["frames"], summary["fps"], summary["joints"]) == (170, 20.0, 22)
    assert summary["duration_s"] == pytest.approx(8.5)
    assert 1.4 < summary["height_m"] < 2.0 and summary["texts"] == []


def test_inspect_bvh_fixture(bvh_walks):
    result = run("inspect", bvh_walks[0])
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert (summary["frames"], summary["joints"]) == (994, 22)
    assert summary["fps"] == pytest.approx(120, abs=0.01)
    assert 1.2 < summary["height_m"] < 2.1 and summary["has_rotations"]


def test_nan_array_exits_2_with_one_line(tmp_path):
    path = tmp_path / "nan.npy"
    array = np.zeros((30, 22, 3))
    array[5, 3, 1] = np.nan
    np.save(path, array)
    assert_one_line_error(run("inspect", path), path)


def test_truncated_bvh_exits_2_with_one_line(tmp_path, bvh_walks):
    text = bvh_walks[0].read_text()
    path = tmp_path / "truncated.bvh"
    path.write_text(text[: len(text) // 2])
    assert_one_line_error(run("inspect", path), path)


@pytest.mark.parametrize("name, content", [("wrong.npy", np.zeros((40, 21, 3))), ("missing.npy", None)])
def test_other_bad_input_exits_2(tmp_path, name, content):
    path = tmp_path / name
    if content is not None:
        np.save(path, content)
    assert_one_line_error(run("inspect", path), path)


def test_render_writes_a_gif_and_nothing_on_failure(tmp_path):
    t = np.linspace(0, 1, 12)[:, None, None]
    positions = np.random.default_rng(0).normal(size=(1, 22, 3)) * 0.3 + [0, 1, 0] + 0.2 * t
    clip = tmp_path / "clip.npy"
    np.save(clip, positions)
    gif = tmp_path / "clip.gif"
    result = run("render", clip, "--output", gif)
    assert result.returncode == 0, result.stderr
    assert gif.read_bytes()[:6] in (b"GIF89a", b"GIF87a")

    bad = tmp_path / "bad.npy"
    np.save(bad, np.zeros((3, 5)))
    assert_one_line_error(run("render", bad, "--output", tmp_path / "bad.gif"), bad)
    assert not (tmp_path / "bad.gif").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]
