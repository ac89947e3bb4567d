"""Edge-export figures: size, latency and throughput of the exported classifier beside PyTorch, and what int8 costs.

``bench_export(model=DIR)`` exports ``DIR``'s zero-shot BasicMotions classifier on the right wrist (the four
class names, prompt-ensembled) as ONNX fp32, int8-dynamic and int8-static (activations calibrated on right-wrist
windows of a simulated corpus, ``corpus=DIR``, else of BasicMotions' *training* split), then measures on this
CPU, for PyTorch and each file:

- size of the file (PyTorch: the encoder, projection and class matrix as float32);
- latency of one window (batch 1) on one thread: median and p99 over ``rounds`` rounds in which the runtimes
  take turns, so that a change in the machine's load hits all of them alike;
- throughput (windows/s) of batches of 40 windows on two threads;
- on BasicMotions' 40 test windows: accuracy, top-1 agreement with PyTorch, max |score difference|.

Without ``model`` a randomly initialised network of ``config`` is exported: the costs hold, the accuracies are
chance. Meant for ``python -m experiments.speed export [--model DIR] [--corpus DIR]``; it prints a table and
returns the figures.
"""
from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

from benchmarks.loader import load_split
from benchmarks.prepare import prepare_split
from benchmarks.registry import BASIC_MOTIONS
from export.graph import build_classifier, device_for
from export.onnx_export import export_onnx, quantize_int8
from pretrain.config import load_config
from pretrain.model import MotionTextModel, load_model
from skeletons.body import JOINT_INDEX

JOINT = "right_wrist"


def calibration_windows(corpus: str | None, count: int = 64, seed: int = 0) -> tuple[np.ndarray, str]:
    """(count, 200, 1, 6) right-wrist windows for static int8 and where they came from."""
    rng = np.random.default_rng(seed)
    if corpus is not None:
        from simulate.corpus import load_corpus

        rows = load_corpus(corpus).select_columns(["imu"]).with_format("numpy")
        chosen = rng.choice(len(rows), size=min(count, len(rows)), replace=False)
        windows = [np.asarray(rows[int(i)]["imu"], dtype=np.float32)[:200, [JOINT_INDEX[JOINT]]] for i in chosen]
        return np.stack([w for w in windows if len(w) == 200]), f"corpus {corpus}"
    imu, _ = prepare_split(load_split(BASIC_MOTIONS, ".", "train"), use_gyro=True)
    chosen = rng.choice(len(imu), size=min(count, len(imu)), replace=False)
    return imu[chosen][:, :, [JOINT_INDEX[JOINT]]], "BasicMotions train split"


def _latencies(runners: dict[str, Callable[[np.ndarray], np.ndarray]], window: np.ndarray, rounds: int
               ) -> dict[str, list[float]]:
    """Per runtime, ``rounds`` single-window timings (s), taken in turns after one warm-up call each."""
    for run in runners.values():
        run(window)
    times: dict[str, list[float]] = {name: [] for name in runners}
    for _ in range(rounds):
        for name, run in runners.items():
            start = time.perf_counter()
            run(window)
            times[name].append(time.perf_counter() - start)
    return times


def _throughput(run: Callable[[np.ndarray], np.ndarray], batch: np.ndarray, repeats: int = 5) -> float:
    run(batch)
    start = time.perf_counter()
    for _ in range(repeats):
        run(batch)
    return repeats * len(batch) / (time.perf_counter() - start)


def _session(path: Path, threads: int):
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    return lambda windows: session.run(None, {"window": windows})[0]


def _torch_runner(classifier, threads: int):
    def run(windows: np.ndarray) -> np.ndarray:
        previous = torch.get_num_threads()
        torch.set_num_threads(threads)
        try:
            with torch.inference_mode():
                return classifier(torch.from_numpy(windows)).numpy()
        finally:
            torch.set_num_threads(previous)
    return run


def bench_export(model: str | None = None, config: str = "cpu-small", corpus: str | None = None,
                 rounds: int = 200) -> dict:
    """The figures of the module docstring, one entry per runtime."""
    torch.manual_seed(0)
    network = load_model(model) if model else MotionTextModel.from_config(
        load_config(config).model.model_arguments()).eval()
    labels = [list(synonyms) for synonyms in BASIC_MOTIONS.labels]
    classifier = build_classifier(network, labels, [JOINT])
    test = load_split(BASIC_MOTIONS, ".", "test")
    imu, _ = prepare_split(test, use_gyro=True)
    windows = np.ascontiguousarray(imu[:, :, [JOINT_INDEX[JOINT]]], dtype=np.float32)
    calibration, calibration_source = calibration_windows(corpus)
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        fp32 = export_onnx(classifier, device_for(network, [JOINT]), [s[0] for s in labels], folder / "fp32.onnx")
        files = {"onnx-fp32": fp32, "onnx-int8-dynamic": quantize_int8(fp32, folder / "dynamic.onnx"),
                 "onnx-int8-static": quantize_int8(fp32, folder / "static.onnx", calibration)}
        torch_bytes = sum(t.numel() * 4 for t in [*classifier.parameters(), *classifier.buffers()])
        sizes = {"pytorch": torch_bytes, **{name: path.stat().st_size for name, path in files.items()}}
        single = {"pytorch": _torch_runner(classifier, 1), **{n: _session(p, 1) for n, p in files.items()}}
        double = {"pytorch": _torch_runner(classifier, 2), **{n: _session(p, 2) for n, p in files.items()}}
        latencies = _latencies(single, windows[:1], rounds)
        scores = {name: run(windows) for name, run in double.items()}
        throughput = {name: _throughput(run, windows) for name, run in double.items()}
    reference = scores["pytorch"]
    results = {}
    for name in single:
        ordered = sorted(latencies[name])
        results[name] = {
            "size_mb": sizes[name] / 1e6, "latency_ms_median": 1e3 * statistics.median(ordered),
            "latency_ms_p99": 1e3 * ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))],
            "throughput_windows_per_s_2_threads": throughput[name],
            "accuracy": float((scores[name].argmax(1) == test.targets).mean()),
            "agreement_with_pytorch": float((scores[name].argmax(1) == reference.argmax(1)).mean()),
            "max_abs_diff": float(np.abs(scores[name] - reference).max())}
    base = results["pytorch"]["latency_ms_median"]
    encoder = network.config.get("encoder", "stgcn")
    print(f"export[{model or config + ' (random init)'}], {encoder} encoder, right wrist, BasicMotions test "
          f"(40 windows); static int8 calibrated on {calibration_source}; latency on 1 thread over {rounds} rounds")
    print(f"{'runtime':<20}{'size MB':>9}{'median ms':>11}{'p99 ms':>9}{'speed-up':>10}{'win/s (2 thr)':>15}"
          f"{'accuracy':>10}{'agree':>8}{'max diff':>10}")
    for name, r in results.items():
        print(f"{name:<20}{r['size_mb']:>9.2f}{r['latency_ms_median']:>11.2f}{r['latency_ms_p99']:>9.2f}"
              f"{base / r['latency_ms_median']:>9.2f}x{r['throughput_windows_per_s_2_threads']:>15.0f}"
              f"{r['accuracy']:>10.3f}{r['agreement_with_pytorch']:>8.1%}{r['max_abs_diff']:>10.2e}")
    return {"model": model, "config": None if model else config, "encoder": encoder, "joint": JOINT,
            "calibration": calibration_source, "rounds": rounds, "results": results}
