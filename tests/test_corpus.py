"""The corpus builder: `python -m simulate` and `simulate.corpus.build_corpus`."""
import json
import shutil
import subprocess
import sys

import numpy as np
import pytest

from simulate.corpus import CorpusConfig, build_corpus, load_corpus
from simulate.sources import Item, humanml3d_items
from skeletons import Motion
from tests.conftest import REPO


def run(*args):
    return subprocess.run([sys.executable, "-m", "simulate", "--quiet", *map(str, args)], cwd=REPO,
                          capture_output=True, text=True, timeout=600)


def descriptions(tmp_path, **texts):
    path = tmp_path / "texts.json"
    path.write_text(json.dumps(texts))
    return path


def test_humanml3d_fixture_gives_one_row(tmp_path, humanml3d_clip):
    output = tmp_path / "corpus"
    texts = descriptions(tmp_path, **{"012314": ["a person serves a tennis ball"]})
    result = run("--source", "humanml3d", "--input", humanml3d_clip.parent.parent, "--texts", texts, "--output", output)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].startswith("simulate: ok=1 failed=0")
    corpus = load_corpus(output).with_format("numpy")
    assert len(corpus) == 1
    row = corpus[0]
    assert row["id"] == "012314" and row["source"] == "humanml3d" and row["texts"] == ["a person serves a tennis ball"]
    assert row["imu"].shape == (170, 22, 6) and row["imu"].dtype == np.float32
    assert row["rate_hz"] == 20.0 and row["duration_s"] == pytest.approx(8.5)
    assert np.isfinite(row["imu"]).all()
    assert set(corpus.column_names) == {"id", "imu", "texts", "source", "rate_hz", "duration_s"}
    assert (output / "failures.jsonl").read_text() == ""


def test_bvh_fixture_folder_gives_two_rows(tmp_path, bvh_walks):
    output = tmp_path / "corpus"
    texts = descriptions(tmp_path, **{"131_01": ["a person walks"], "131_02": ["a person walks"]})
    result = run("--source", "bvh", "--input", bvh_walks[0].parent, "--output", output, "--float16", "--texts", texts)
    assert result.returncode == 0, result.stderr
    corpus = load_corpus(output).with_format("numpy")
    assert sorted(corpus["id"]) == ["131_01", "131_02"]
    assert corpus.features["imu"].dtype == "float16"  # stored as half precision
    first = corpus[0]["imu"]
    assert first.shape[1:] == (22, 6) and np.array_equal(first, first.astype(np.float16))
    assert first.shape[0] == 166  # 994 frames at 120 fps -> 20 Hz


def test_bad_clips_are_skipped_and_listed(tmp_path, humanml3d_clip):
    folder = tmp_path / "HumanML3D" / "new_joints"
    folder.mkdir(parents=True)
    shutil.copy(humanml3d_clip, folder / "good.npy")
    (folder / "not_an_array.npy").write_text("hello")
    np.save(folder / "wrong_shape.npy", np.zeros((40, 21, 3), dtype=np.float32))
    output = tmp_path / "corpus"
    texts = descriptions(tmp_path, good=["a person serves a tennis ball"])
    result = run("--source", "humanml3d", "--input", folder.parent, "--output", output, "--texts", texts)
    assert result.returncode == 0, result.stderr
    assert "ok=1 failed=2" in result.stdout
    assert load_corpus(output)["id"] == ["good"]
    failures = [json.loads(line) for line in (output / "failures.jsonl").read_text().splitlines()]
    assert sorted(f["id"] for f in failures) == ["not_an_array", "wrong_shape"]
    assert all(f["file"].endswith(f["id"] + ".npy") and f["reason"] for f in failures)
    assert "shape" in next(f["reason"] for f in failures if f["id"] == "wrong_shape")


def test_no_usable_clip_exits_2_and_writes_nothing(tmp_path):
    folder = tmp_path / "new_joints"
    folder.mkdir()
    (folder / "bad.npy").write_text("hello")
    output = tmp_path / "corpus"
    result = run("--source", "humanml3d", "--input", folder, "--output", output)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert not output.exists()


def test_missing_input_exits_2(tmp_path):
    result = run("--source", "bvh", "--input", tmp_path / "nowhere", "--output", tmp_path / "out")
    assert result.returncode == 2 and str(tmp_path / "nowhere") in result.stderr
    assert not (tmp_path / "out").exists()


class _Counting:
    """A loader that counts calls and can be told to interrupt the run."""

    calls: list = []

    def __init__(self, name, interrupt=False):
        self.name, self.interrupt = name, interrupt

    def __call__(self):
        _Counting.calls.append(self.name)
        if self.interrupt:
            raise KeyboardInterrupt
        t = np.arange(40)[:, None, None] / 20.0
        rest = np.random.default_rng(len(self.name)).normal(0, 0.3, (1, 22, 3)) + [0, 1, 0]
        return [Motion(positions=rest + 0.05 * np.sin(2 * np.pi * t), fps=20.0, texts=["a person sways"],
                       name=self.name)]


def _items(interrupt_at=None):
    return [Item(f"clip{i}", f"clip{i}.npy", _Counting(f"clip{i}", interrupt=(i == interrupt_at)))
            for i in range(4)]


def test_resume_keeps_finished_shards(tmp_path):
    output = tmp_path / "corpus"
    config = CorpusConfig(source="test", shard_size=1, sensor="ideal")
    _Counting.calls = []
    with pytest.raises(KeyboardInterrupt):
        build_corpus(_items(interrupt_at=2), output, config, progress=False)
    assert not output.exists()  # nothing half written
    assert _Counting.calls == ["clip0", "clip1", "clip2"]
    _Counting.calls = []
    report = build_corpus(_items(), output, config, resume=True, progress=False)
    assert _Counting.calls == ["clip2", "clip3"]  # finished shards were kept
    assert (report.ok, report.failed) == (4, 0)
    assert load_corpus(output)["id"] == ["clip0", "clip1", "clip2", "clip3"]
    assert not output.with_name("corpus.partial").exists()


def test_same_seed_same_corpus_and_noise_differs_from_ideal(tmp_path):
    items = _items()
    noisy = CorpusConfig(source="test", seed=3)
    a = build_corpus(items, tmp_path / "a", noisy, progress=False).output
    b = build_corpus(items, tmp_path / "b", noisy, progress=False).output
    ideal = build_corpus(items, tmp_path / "c", CorpusConfig(source="test", sensor="ideal"), progress=False).output
    imu = lambda path: np.stack(load_corpus(path).with_format("numpy")["imu"])  # noqa: E731
    np.testing.assert_array_equal(imu(a), imu(b))
    assert not np.array_equal(imu(a), imu(ideal))
    assert np.abs(imu(a) - imu(ideal)).mean() < 0.5


def test_humanml3d_listing_accepts_root_folder_or_file(tmp_path, humanml3d_clip):
    root = humanml3d_clip.parent.parent
    assert [i.id for i in humanml3d_items(root)] == ["012314"]
    assert [i.id for i in humanml3d_items(humanml3d_clip)] == ["012314"]


def test_a_row_does_not_depend_on_its_batch_mates(tmp_path):
    config = CorpusConfig(source="test", seed=5)
    few = build_corpus(_items()[:1], tmp_path / "few", config, progress=False).output
    many = build_corpus(_items(), tmp_path / "many", config, progress=False).output
    first = lambda path: load_corpus(path).with_format("numpy")[0]["imu"]  # noqa: E731
    np.testing.assert_array_equal(first(few), first(many))


def test_procedural_source_from_the_command_line(tmp_path):
    output = tmp_path / "corpus"
    result = run("--source", "procedural", "--count", "4", "--seed", "3", "--activities", "walk,run",
                 "--output", output)
    assert result.returncode == 0, result.stderr
    corpus = load_corpus(output)
    assert corpus["id"] == [f"proc-{k:06d}" for k in range(4)]
    assert set(corpus["activity"]) == {"walk", "run"}
    assert all(len(texts) >= 3 for texts in corpus["texts"])
    again = tmp_path / "again"
    assert run("--source", "procedural", "--count", "2", "--seed", "3", "--activities", "walk,run",
               "--output", again).returncode == 0
    np.testing.assert_array_equal(load_corpus(again).with_format("numpy")[0]["imu"],
                                  load_corpus(output).with_format("numpy")[0]["imu"])
    bad = run("--source", "procedural", "--count", "2", "--activities", "moonwalk", "--output", tmp_path / "x")
    assert bad.returncode == 2 and "moonwalk" in bad.stderr and not (tmp_path / "x").exists()


def test_a_procedural_corpus_of_other_clips_is_rebuilt(tmp_path, monkeypatch, capsys):
    """A corpus folder made by another library version or activity plan is not silently reused."""
    import simulate.corpus as corpus_module
    from simulate.corpus import built_fingerprint, procedural_corpus
    from skeletons.procedural import LIBRARY_VERSION

    folder = procedural_corpus(tmp_path / "proc", clips=2, seed=1, num_workers=0)
    info = folder / "corpus.json"
    assert json.loads(info.read_text())["library_version"] == LIBRARY_VERSION
    current = built_fingerprint(folder)
    first = load_corpus(folder).with_format("numpy")[0]["imu"]

    def refuse(*args, **kwargs):
        raise AssertionError("a corpus of the same clips was rebuilt")

    with monkeypatch.context() as patch:  # the same clips: reused as it is
        patch.setattr(corpus_module, "build_corpus", refuse)
        assert procedural_corpus(folder, clips=2, seed=1, num_workers=0) == folder
    with monkeypatch.context() as patch:  # a new library version changes the clips
        patch.setattr("skeletons.procedural.LIBRARY_VERSION", LIBRARY_VERSION + 1)
        procedural_corpus(folder, clips=2, seed=1, num_workers=0)
        assert "rebuilding it" in capsys.readouterr().out
        assert built_fingerprint(folder) != current
    procedural_corpus(folder, clips=2, seed=1, num_workers=0)  # and back
    assert built_fingerprint(folder) == current
    np.testing.assert_array_equal(load_corpus(folder).with_format("numpy")[0]["imu"], first)
