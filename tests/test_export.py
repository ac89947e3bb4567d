"""The exported edge classifier: parity with PyTorch, int8 agreement, metadata, a runtime with only onnxruntime
and numpy, the streaming runner, and the CLI's bad-input contract."""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import torch

from benchmarks.loader import load_split
from benchmarks.prepare import prepare_split
from benchmarks.registry import BASIC_MOTIONS
from export.__main__ import main
from export.graph import build_classifier, device_for
from export.onnx_export import export_onnx, quantize_int8, read_metadata
from export.stream import StreamingClassifier, read_recording
from pretrain.model import load_model
from skeletons.body import JOINT_INDEX
from tests.conftest import save_tiny_model
from zero_shot.evaluate import zero_shot_scores
from zero_shot.prompts import class_text_embeddings

REPO = Path(__file__).resolve().parents[1]
LABELS = [list(synonyms) for synonyms in BASIC_MOTIONS.labels]
WRIST = JOINT_INDEX["right_wrist"]


def _session(path: Path):
    import onnxruntime as ort

    return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """(model, classifier, fp32 path, int8 path) for BasicMotions' four classes on the right wrist."""
    folder = tmp_path_factory.mktemp("export")
    model = load_model(save_tiny_model(folder / "model", (16, 16), (1, 2)))
    classifier = build_classifier(model, LABELS, ["right_wrist"])
    fp32 = export_onnx(classifier, device_for(model, ["right_wrist"], "removed"), [s[0] for s in LABELS],
                       folder / "clf.onnx")
    return model, classifier, fp32, quantize_int8(fp32, folder / "clf-int8.onnx")


@pytest.fixture(scope="module")
def basic_motions(exported):
    """BasicMotions test windows as the zero-shot path prepares them: (imu, mask) (40, 200, 22, 6), targets."""
    split = load_split(BASIC_MOTIONS, ".", "test")
    imu, mask = prepare_split(split, use_gyro=True)
    return imu, mask, split.targets


def test_parity_on_random_windows(exported):
    _, classifier, fp32, _ = exported
    windows = np.random.default_rng(0).normal(0, 5, size=(16, 200, 1, 6)).astype(np.float32)
    session = _session(fp32)
    onnx_scores = np.concatenate([session.run(None, {"window": w[None]})[0] for w in windows])
    with torch.no_grad():
        torch_scores = classifier(torch.from_numpy(windows)).numpy()
    print(f"random windows: max |onnx - torch| = {np.abs(onnx_scores - torch_scores).max():.2e}")
    np.testing.assert_allclose(onnx_scores, torch_scores, atol=1e-4, rtol=1e-4)
    assert (onnx_scores.argmax(1) == torch_scores.argmax(1)).all()


def test_parity_with_zero_shot_on_basic_motions(exported, basic_motions):
    """The file, fed only the wrist's channels, scores as zero-shot does on the full 22-joint windows and mask
    (times the logit scale): the in-graph placement and mask are the evaluation protocol's."""
    model, _, fp32, _ = exported
    imu, mask, _ = basic_motions
    with torch.no_grad():  # zero-shot's class matrix: prompt-ensembled unit rows times the logit scale
        classes = class_text_embeddings(model, LABELS) * model.clamped_logit_scale()
    reference = zero_shot_scores(model, imu, mask, classes)
    onnx_scores = _session(fp32).run(None, {"window": imu[:, :, [WRIST]]})[0]
    diff = np.abs(onnx_scores - reference).max()
    print(f"BasicMotions test (40): max |onnx - pytorch zero-shot| = {diff:.2e}")
    np.testing.assert_allclose(onnx_scores, reference, atol=1e-4, rtol=1e-4)
    assert (onnx_scores.argmax(1) == reference.argmax(1)).all()


def test_int8_agreement_reported(exported, basic_motions):
    _, _, fp32, int8 = exported
    imu, _, targets = basic_motions
    windows = imu[:, :, [WRIST]]
    full = _session(fp32).run(None, {"window": windows})[0]
    quantised = _session(int8).run(None, {"window": windows})[0]
    agreement = float((full.argmax(1) == quantised.argmax(1)).mean())
    print(f"int8 dynamic: top-1 agreement with fp32 {agreement:.1%}, accuracy fp32 "
          f"{(full.argmax(1) == targets).mean():.1%} int8 {(quantised.argmax(1) == targets).mean():.1%}, "
          f"max |diff| {np.abs(full - quantised).max():.3f}; sizes {fp32.stat().st_size} vs {int8.stat().st_size} B")
    assert quantised.shape == full.shape and np.isfinite(quantised).all()
    assert read_metadata(int8)["precision"] == "int8-dynamic"
    assert np.corrcoef(full.ravel(), quantised.ravel())[0, 1] > 0.9  # a quantised copy, not another model


def test_metadata_describes_device_and_labels(exported):
    _, _, fp32, _ = exported
    meta = read_metadata(fp32)
    assert meta["device"] == {"joints": ["right_wrist"], "rate_hz": 20.0, "window": 200, "channels": 6,
                              "units": "acc xyz m/s^2 (specific force), gyro xyz rad/s", "gravity": "removed"}
    assert meta["labels"] == ["standing", "walking", "running", "playing badminton"]
    import onnx

    graph = onnx.load(str(fp32)).graph
    assert [i.name for i in graph.input] == ["window"] and [o.name for o in graph.output] == ["scores"]


BLOCKER = textwrap.dedent("""
    import importlib.abc, sys
    BLOCKED = {"torch", "skeletons", "simulate", "pretrain", "benchmarks", "zero_shot", "finetune", "export",
               "experiments", "transformers"}
    class Blocker(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in BLOCKED:
                raise ImportError(f"blocked: {name}")
    sys.meta_path.insert(0, Blocker())
    for name in ("torch", "export"):
        try:
            __import__(name)
        except ImportError as error:
            print("BLOCKED", name, error, file=sys.stderr)
        else:
            raise SystemExit(f"the blocker let {name} through")
""")

RUNTIME = textwrap.dedent("""
    import importlib.util, json, sys
    import numpy as np
    import onnxruntime as ort
    model, windows, stream_py = sys.argv[1:4]
    session = ort.InferenceSession(model, providers=["CPUExecutionProvider"])
    scores = session.run(None, {"window": np.load(windows)})[0]
    spec = importlib.util.spec_from_file_location("standalone_stream", stream_py)
    stream = sys.modules["standalone_stream"] = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(stream)
    runner = stream.StreamingClassifier(model, hop_s=1.0)
    events = runner.push(np.load(windows)[0])
    assert not {"torch", "skeletons", "pretrain", "export"} & set(sys.modules), sorted(sys.modules)
    print(json.dumps({"scores": scores.tolist(), "labels": runner.labels, "stream": events[0].scores.tolist()}))
""")


def _run_isolated(script: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", BLOCKER + script, *args], capture_output=True, text=True,
                          timeout=300, cwd=REPO)


def test_blocker_refuses_torch_and_the_project():
    result = _run_isolated("import torch")
    assert result.returncode != 0 and "blocked: torch" in result.stderr


def test_file_classifies_with_only_onnxruntime_and_numpy(exported, tmp_path):
    _, classifier, fp32, _ = exported
    windows = np.random.default_rng(1).normal(0, 5, size=(3, 200, 1, 6)).astype(np.float32)
    np.save(tmp_path / "w.npy", windows)
    result = _run_isolated(RUNTIME, str(fp32), str(tmp_path / "w.npy"), str(REPO / "export" / "stream.py"))
    assert result.returncode == 0, result.stderr[-2000:]
    assert "BLOCKED torch" in result.stderr and "BLOCKED export" in result.stderr
    payload = json.loads(result.stdout.strip().splitlines()[-1])
    with torch.no_grad():
        expected = classifier(torch.from_numpy(windows)).numpy()
    np.testing.assert_allclose(payload["scores"], expected, atol=1e-4, rtol=1e-4)
    np.testing.assert_allclose(payload["stream"], expected[0], atol=1e-4, rtol=1e-4)
    assert payload["labels"] == ["standing", "walking", "running", "playing badminton"]


def test_stream_rings_hops_and_matches_whole_windows(exported):
    _, _, fp32, _ = exported
    recording = np.random.default_rng(2).normal(0, 3, size=(290, 6)).astype(np.float32)
    one_by_one = StreamingClassifier(fp32, hop_s=1.0, ema=0.5)
    events = [e for sample in recording for e in one_by_one.push(sample)]
    chunked = StreamingClassifier(fp32, hop_s=1.0, ema=0.5)
    chunk_events = [e for start in range(0, 290, 37) for e in chunked.push(recording[start:start + 37])]
    assert [e.time_s for e in events] == [10.0, 11.0, 12.0, 13.0, 14.0]  # full window at 200, then every 20
    assert [e.time_s for e in chunk_events] == [e.time_s for e in events]
    session = _session(fp32)
    for event, other in zip(events, chunk_events):
        end = round(event.time_s * 20)
        direct = session.run(None, {"window": recording[end - 200:end].reshape(1, 200, 1, 6)})[0][0]
        np.testing.assert_allclose(event.scores, direct, atol=1e-5)
        np.testing.assert_allclose(other.scores, direct, atol=1e-5)
    probabilities = [np.exp(e.scores - e.scores.max()) / np.exp(e.scores - e.scores.max()).sum() for e in events]
    smoothed = probabilities[0]
    for p in probabilities[1:]:
        smoothed = 0.5 * smoothed + 0.5 * p
    assert events[-1].smoothed_label == one_by_one.labels[int(smoothed.argmax())]
    assert events[-1].smoothed_probability == pytest.approx(smoothed.max())


def test_csv_and_npy_recordings_read_alike(tmp_path):
    data = np.random.default_rng(3).normal(size=(30, 6)).astype(np.float32)
    np.save(tmp_path / "r.npy", data)
    header = "acc_x,acc_y,acc_z,gyro_x,gyro_y,gyro_z\n"
    (tmp_path / "r.csv").write_text(header + "\n".join(",".join(f"{v:.7e}" for v in row) for row in data))
    np.testing.assert_allclose(read_recording(tmp_path / "r.csv"), read_recording(tmp_path / "r.npy"), rtol=1e-6)


def test_cli_exports_and_streams(exported, tmp_path, capsys):
    model, _, _, _ = exported
    folder = save_tiny_model(tmp_path / "model", (8, 8), (1, 2))
    output = tmp_path / "cli.onnx"
    arguments = ["--model", str(folder), "--classes", "standing|resting,walking", "--joints", "right_wrist",
                 "--output", str(output)]
    main(arguments)
    main(arguments)  # its own earlier output may be replaced
    assert read_metadata(output)["labels"] == ["standing", "walking"]
    np.save(tmp_path / "rec.npy", np.zeros((240, 6), dtype=np.float32))
    capsys.readouterr()
    main(["stream", str(output), str(tmp_path / "rec.npy"), "--hop-s", "1"])
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 3 and "smoothed:" in lines[0]


@pytest.mark.parametrize("case", ["missing model", "unknown joint", "foreign output"])
def test_cli_bad_input_exits_2_with_one_line(tmp_path, case):
    folder = save_tiny_model(tmp_path / "model", (8, 8), (1, 2)) if case != "missing model" else tmp_path / "none"
    output = tmp_path / "out.onnx"
    if case == "foreign output":
        output.write_text("someone else's file")
    joints = "right_wristt" if case == "unknown joint" else "right_wrist"
    result = subprocess.run([sys.executable, "-m", "export", "--model", str(folder), "--classes", "a,b",
                             "--joints", joints, "--output", str(output)], capture_output=True, text=True,
                            cwd=REPO, timeout=300)
    assert result.returncode == 2
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "Traceback" not in result.stderr
    if case == "foreign output":
        assert output.read_text() == "someone else's file"
    else:
        assert not output.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out")]


@pytest.fixture(scope="module")
def fine_tuned_folder(tmp_path_factory):
    """A classifier folder as ``python -m finetune ... --save DIR`` writes it: walking vs running on the wrist,
    trained for a few steps on BasicMotions' training series."""
    from finetune import MotionModel, TrainSettings

    folder = tmp_path_factory.mktemp("finetuned")
    train = load_split(BASIC_MOTIONS, ".", "train")
    keep = np.isin(train.y, [1, 2])
    torch.manual_seed(0)
    model = MotionModel.from_pretrained(save_tiny_model(folder / "model", (16, 16), (1, 2)))
    classifier = model.classifier(["walking", "running"], head="linear", mode="full",
                                  settings=TrainSettings(epochs=1, min_steps=4))
    classifier.fit(train.x[keep], np.where(train.y[keep] == 1, "walking", "running"), rate_hz=10,
                   joints=["right_wrist"], gravity="removed")
    classifier.save_pretrained(folder / "clf")
    return folder / "clf", classifier


def test_fine_tuned_classifier_folder_exports_with_parity(fine_tuned_folder, basic_motions, tmp_path):
    """``--classifier DIR``: the fine-tuned encoder and head as trained (not the zero-shot text head), the saved
    device's joints and gravity and the class names in the metadata, scores equal to the PyTorch network's."""
    folder, classifier = fine_tuned_folder
    output = tmp_path / "finetuned.onnx"
    main(["--classifier", str(folder), "--output", str(output)])
    meta = read_metadata(output)
    assert meta["labels"] == ["walking", "running"] and meta["source"] == str(folder)
    assert meta["device"]["joints"] == ["right_wrist"] and meta["device"]["gravity"] == "removed"
    imu, mask, _ = basic_motions
    with torch.no_grad():
        reference = classifier.network.eval()(torch.from_numpy(imu), torch.from_numpy(mask)).numpy()
    scores = _session(output).run(None, {"window": imu[:, :, [WRIST]]})[0]
    print(f"fine-tuned classifier: max |onnx - pytorch| = {np.abs(scores - reference).max():.2e}")
    np.testing.assert_allclose(scores, reference, atol=1e-4, rtol=1e-4)
    assert (scores.argmax(1) == reference.argmax(1)).all()


def test_static_int8_quantises_the_convolutions_only(exported, basic_motions, tmp_path):
    """Static int8 covers Conv only, per channel (quantising every op cost most of the top-1 agreement); the
    calibration windows are the device's own layout."""
    import onnx

    _, _, fp32, _ = exported
    imu, _, targets = basic_motions
    windows = imu[:, :, [WRIST]]
    static = quantize_int8(fp32, tmp_path / "static.onnx", calibration=windows[:16])
    assert read_metadata(static)["precision"] == "int8-static"
    graph = onnx.load(str(static)).graph
    dequantised = {name for node in graph.node if node.op_type == "DequantizeLinear" for name in node.output}
    readers = {node.op_type for node in graph.node if dequantised & set(node.input)}
    assert "Conv" in readers and not readers & {"MatMul", "Gemm"}, readers  # the convolutions run in int8,
    # the graph convolution's matmuls and the head in float
    full = _session(fp32).run(None, {"window": windows})[0]
    scores = _session(static).run(None, {"window": windows})[0]
    agreement = float((full.argmax(1) == scores.argmax(1)).mean())
    print(f"int8 static: top-1 agreement with fp32 {agreement:.1%}, accuracy {(scores.argmax(1) == targets).mean():.1%}")
    assert np.corrcoef(full.ravel(), scores.ravel())[0, 1] > 0.9


@pytest.mark.parametrize("arguments", [["--classifier", "C", "--model", "M"], ["--classifier", "C", "--classes", "a,b"]])
def test_cli_classifier_excludes_model_and_classes(tmp_path, arguments):
    result = subprocess.run([sys.executable, "-m", "export", *arguments, "--joints", "right_wrist", "--output",
                             str(tmp_path / "o.onnx")], capture_output=True, text=True, cwd=REPO, timeout=300)
    assert result.returncode == 2 and "either --classifier" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "o.onnx").exists()
