"""Write an :class:`export.graph.EdgeClassifier` as one ONNX file, with its device and labels in the metadata,
and quantise it to int8 with onnxruntime.

The graph has one input ``window`` (1, window, joints, channels) float32 and one output ``scores`` (1, K). The
batch dimension is dynamic, so a runtime may score several windows at once. ``metadata_props`` holds one entry,
:data:`METADATA_KEY`, a JSON object ``{"device": {...}, "labels": [...], "source": ..., "precision": ...}``;
that entry is also how the CLI recognises a file it wrote before (it never overwrites any other file).

Export runs through ``torch.onnx.export`` with the TorchScript exporter (``dynamo=False``), which needs nothing
beyond torch and onnx; ``exporter="dynamo"`` asks for torch.export + onnxscript instead. Quantisation is
onnxruntime's dynamic int8 (weights int8 ahead of time, activations quantised per call,
``onnxruntime.quantization.quantize_dynamic``) or static int8 (activations' ranges calibrated on windows
from a corpus, ``quantize_static``). Static quantisation covers the convolutions only (:data:`STATIC_OPS`),
weights per output channel: quantising every op (the graph convolution's matmuls, the batch-norm-free adds,
the cosine head) kept top-1 agreement with fp32 at only 55 % on BasicMotions for the cpu-small ST-GCN.
"""
from __future__ import annotations

import contextlib
import json
import logging
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

from skeletons.atomic import atomic_path
from skeletons.errors import InputError

from .graph import DeviceDescription, EdgeClassifier

METADATA_KEY = "motion_pretrain.classifier"
#: The ops static int8 quantises (see the module docstring).
STATIC_OPS: tuple[str, ...] = ("Conv",)
#: The ops static int8 quantises (see the module docstring).
STATIC_OPS: tuple[str, ...] = ("Conv",)
OPSET = 17


def read_metadata(path: str | os.PathLike) -> dict | None:
    """The JSON metadata of an ONNX file this stage wrote, or None when the file is not ours (or not ONNX)."""
    import onnx

    try:
        model = onnx.load(str(path), load_external_data=False)
    except Exception:  # noqa: BLE001 -- any unreadable file is "not ours"
        return None
    for prop in model.metadata_props:
        if prop.key == METADATA_KEY:
            return json.loads(prop.value)
    return None


def refuse_foreign_output(path: str | os.PathLike) -> None:
    """An :class:`InputError` when ``path`` exists and is not an ONNX file this stage wrote."""
    path = Path(path)
    if path.is_dir():
        raise InputError(path, "is a folder; --output names the .onnx file to write")
    if path.exists() and read_metadata(path) is None:
        raise InputError(path, "exists and is not a classifier this tool exported; not overwriting it")


def _attach_metadata(path: Path, metadata: dict) -> None:
    import onnx

    model = onnx.load(str(path))
    del model.metadata_props[:]
    entry = model.metadata_props.add()
    entry.key, entry.value = METADATA_KEY, json.dumps(metadata)
    onnx.save(model, str(path))


def export_onnx(classifier: EdgeClassifier, device: DeviceDescription, labels: Sequence[str],
                output: str | os.PathLike, *, source: str = "", exporter: str = "torchscript") -> Path:
    """Write ``classifier`` to ``output`` (atomically) as ONNX with its metadata; returns the path."""
    example = torch.zeros(1, device.window, len(device.joints), device.channels)
    metadata = {"device": device.to_dict(), "labels": list(labels), "source": source, "precision": "fp32",
                "input": "window", "output": "scores", "opset": OPSET}
    output = Path(output)
    with atomic_path(output) as temporary:
        with torch.no_grad():
            if exporter == "dynamo":
                program = torch.onnx.export(classifier, (example,), dynamo=True, opset_version=OPSET,
                                            input_names=["window"], output_names=["scores"],
                                            dynamic_shapes=({0: torch.export.Dim("batch")},))
                program.save(str(temporary))
            else:
                torch.onnx.export(classifier, (example,), str(temporary), dynamo=False, opset_version=OPSET,
                                  input_names=["window"], output_names=["scores"],
                                  dynamic_axes={"window": {0: "batch"}, "scores": {0: "batch"}})
        _attach_metadata(temporary, metadata)
    return output


@contextlib.contextmanager
def _quiet_root_logger():
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)
    try:
        yield
    finally:
        root.setLevel(level)


def quantize_int8(source: str | os.PathLike, output: str | os.PathLike,
                  calibration: np.ndarray | None = None) -> Path:
    """Int8 copy of the fp32 file ``source`` at ``output``: dynamic when ``calibration`` is None, else static
    with activation ranges calibrated on ``calibration`` (N, window, joints, channels) float32 windows."""
    from onnxruntime.quantization import (
        CalibrationDataReader,
        QuantFormat,
        QuantType,
        quantize_dynamic,
        quantize_static,
    )

    metadata = read_metadata(source)
    output = Path(output)
    with atomic_path(output) as temporary:
        if calibration is None:
            with _quiet_root_logger():
                quantize_dynamic(str(source), str(temporary), weight_type=QuantType.QInt8)
            precision = "int8-dynamic"
        else:
            class Windows(CalibrationDataReader):
                def __init__(self, windows: np.ndarray):
                    self.items = iter([{"window": w[None].astype(np.float32)} for w in windows])

                def get_next(self):
                    return next(self.items, None)

            with _quiet_root_logger():  # the quantiser logs advice through the root logger
                quantize_static(str(source), str(temporary), Windows(calibration), quant_format=QuantFormat.QDQ,
                                activation_type=QuantType.QInt8, weight_type=QuantType.QInt8, per_channel=True,
                                op_types_to_quantize=list(STATIC_OPS))
            precision = "int8-static"
        _attach_metadata(temporary, {**(metadata or {}), "precision": precision})
    return output
