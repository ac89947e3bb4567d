"""Issue 13, training side: checkpoints never unpickle, a stopped run resumes bit for bit (and from the
checkpoint, not from scratch), a run folder knows its run, and --resume refuses silent mismatches."""
import json
import pickle
import shutil

import pytest
import torch
from safetensors.torch import load_file, save_file

from simulate.corpus import CorpusConfig, build_corpus
from simulate.sources import procedural_items
from tests.test_pretrain import TINY, corpus, pretrain  # noqa: F401  (corpus is a fixture)

SCHEDULE = [*TINY, "--set", "train.max_steps=6"]  # warm-up 2, cosine to step 6: most steps change the lr


def differing(a, b):
    assert len(a) > 20 and a.keys() == b.keys()
    return [k for k in a if not torch.equal(a[k], b[k])]


def one_line_refusal(result, *words):
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2 and len(lines) == 1 and "Traceback" not in result.stderr, result.stderr[-2000:]
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


def straight_and_stopped(corpus, root, schedule):  # noqa: F811
    """Under ``root``: a straight 6-step run of ``schedule`` and the same run stopped after 4."""
    straight, stopped = root / "straight", root / "stopped"
    for output, steps in ((straight, 6), (stopped, 4)):
        result = pretrain("--corpus", corpus, "--output", output, "--max-steps", steps, *schedule)
        assert result.returncode == 0, result.stderr
    return straight, stopped


@pytest.fixture(scope="module")
def runs(corpus, tmp_path_factory):  # noqa: F811
    """A straight 6-step run and the same run stopped after 4 (checkpoint step-4)."""
    straight, stopped = straight_and_stopped(corpus, tmp_path_factory.mktemp("runs"), SCHEDULE)
    assert sorted(p.name for p in (stopped / "checkpoints").iterdir()) == ["step-2", "step-4"]
    return straight, stopped


class Evil:
    """Unpickling this writes a file: the proof that a load path ran code."""

    def __init__(self, proof):
        self.proof = str(proof)

    def __reduce__(self):
        return (exec, (f"open({self.proof!r}, 'w').write('executed')",))


def test_resume_never_unpickles_and_refuses_foreign_files(corpus, runs, tmp_path):  # noqa: F811
    _, stopped = runs
    output = tmp_path / "run"
    shutil.copytree(stopped, output)
    proof = tmp_path / "proof"
    checkpoint = output / "checkpoints" / "step-4"
    (checkpoint / "custom_checkpoint_0.pkl").write_bytes(pickle.dumps(Evil(proof)))
    before = {p: p.stat().st_mtime_ns for p in output.rglob("*")}
    result = pretrain("--corpus", corpus, "--output", output, "--max-steps", 6, "--resume", *SCHEDULE)
    one_line_refusal(result, "custom_checkpoint_0.pkl", "refusing to resume")
    assert not proof.exists()
    assert {p: p.stat().st_mtime_ns for p in output.rglob("*")} == before
    # Our own files hold no pickle either: every file is safetensors or JSON.
    for path in checkpoint.iterdir():
        if path.suffix == ".safetensors":
            load_file(path)
        elif path.suffix == ".json":
            json.loads(path.read_text())


def test_stopped_run_resumed_equals_straight_run_bit_for_bit(corpus, runs, tmp_path):  # noqa: F811
    straight, stopped = runs
    output = tmp_path / "resumed"
    shutil.copytree(stopped, output)
    # Another run's later checkpoint in the folder is neither resumed from nor rotated away.
    other = output / "checkpoints" / "step-20"
    shutil.copytree(output / "checkpoints" / "step-4", other)
    if (other / "training.json").exists():
        record = json.loads((other / "training.json").read_text())
        record["run"]["run_id"] = "another-run"
        (other / "training.json").write_text(json.dumps(record))
    result = pretrain("--corpus", corpus, "--output", output, "--max-steps", 6, "--resume", *SCHEDULE)
    assert result.returncode == 0, result.stderr
    assert differing(load_file(straight / "model.safetensors"), load_file(output / "model.safetensors")) == []
    last = "checkpoints/step-6/optimizer.safetensors"
    assert differing(load_file(straight / last), load_file(output / last)) == []
    assert sorted(p.name for p in (output / "checkpoints").iterdir()) == ["step-20", "step-4", "step-6"]
    lines = (output / "metrics.jsonl").read_text().splitlines()
    assert lines[:4] == (stopped / "metrics.jsonl").read_text().splitlines()  # kept, not rerun
    assert [json.loads(line)["step"] for line in lines] == [1, 2, 3, 4, 5, 6]


def test_resume_continues_from_the_checkpoint_not_from_scratch(corpus, runs, tmp_path):  # noqa: F811
    """A resume that skipped loading would restart from step 0 and equal the straight run too; a changed
    checkpoint must change the result, and the steps before it must not be rerun."""
    straight, stopped = runs
    output = tmp_path / "changed"
    shutil.copytree(stopped, output)
    weights = output / "checkpoints" / "step-4" / "model.safetensors"
    state = load_file(weights)
    state = {k: v * 1.5 if v.is_floating_point() else v for k, v in state.items()}
    save_file(state, weights)
    result = pretrain("--corpus", corpus, "--output", output, "--max-steps", 6, "--resume", *SCHEDULE)
    assert result.returncode == 0, result.stderr
    a, b = load_file(straight / "model.safetensors"), load_file(output / "model.safetensors")
    assert any(not torch.equal(a[k], b[k]) for k in a)


def test_fresh_run_into_a_used_folder_is_refused_without_overwrite(corpus, runs, tmp_path):  # noqa: F811
    _, stopped = runs
    output = tmp_path / "used"
    shutil.copytree(stopped, output)
    before = {p: p.stat().st_mtime_ns for p in output.rglob("*")}
    result = pretrain("--corpus", corpus, "--output", output, "--max-steps", 2, *SCHEDULE)
    one_line_refusal(result, "holds a training run", "--overwrite")
    assert {p: p.stat().st_mtime_ns for p in output.rglob("*")} == before
    result = pretrain("--corpus", corpus, "--output", output, "--max-steps", 2, "--overwrite", *SCHEDULE)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (output / "checkpoints").iterdir()) == ["step-2"]
    assert [json.loads(line)["step"] for line in (output / "metrics.jsonl").read_text().splitlines()] == [1, 2]


def test_resume_refuses_another_batch_size_or_corpus(corpus, runs, tmp_path):  # noqa: F811
    _, stopped = runs
    output = tmp_path / "run"
    shutil.copytree(stopped, output)
    result = pretrain("--corpus", corpus, "--output", output, "--max-steps", 6, "--resume", *SCHEDULE,
                      "--batch-size", 4)
    one_line_refusal(result, "batch_size 8", "this run has 4")
    other = build_corpus(procedural_items(32, seed=2, activities=["walk", "run", "sit", "wave"], duration_s=6.0),
                         tmp_path / "other", CorpusConfig(source="procedural", sensor="ideal"),
                         progress=False).output
    result = pretrain("--corpus", other, "--output", output, "--max-steps", 6, "--resume", *SCHEDULE)
    one_line_refusal(result, "corpus", "--allow-changes")
    result = pretrain("--corpus", corpus, "--output", output, "--max-steps", 6, "--resume", *SCHEDULE,
                      "--set", "train.lr=0.5")
    one_line_refusal(result, "train.lr", "--allow-changes")


def test_a_50_hz_corpus_is_refused_by_a_20_hz_config(tmp_path):
    fast = build_corpus(procedural_items(16, seed=1, activities=["walk", "run"], duration_s=6.0),
                        tmp_path / "fast", CorpusConfig(source="procedural", sensor="ideal", rate_hz=50.0),
                        progress=False).output
    result = pretrain("--corpus", fast, "--output", tmp_path / "out", "--max-steps", 1, *TINY)
    one_line_refusal(result, "50 Hz", "data.rate_hz=20")
    assert not (tmp_path / "out").exists()


def test_resume_before_the_first_checkpoint_does_not_duplicate_metrics(corpus, runs, tmp_path):  # noqa: F811
    straight, _ = runs
    output = tmp_path / "early"
    shutil.copytree(straight, output)
    shutil.rmtree(output / "checkpoints")  # killed before its first checkpoint
    result = pretrain("--corpus", corpus, "--output", output, "--max-steps", 2, "--resume", *SCHEDULE)
    assert result.returncode == 0, result.stderr
    assert [json.loads(line)["step"] for line in (output / "metrics.jsonl").read_text().splitlines()] == [1, 2]
