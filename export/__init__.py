"""Export a trained classifier for edge runtimes: one self-contained ONNX graph from a window of the device's
joints to class scores, optionally int8-quantised, and a streaming runner that needs only onnxruntime and numpy.

``python -m export --model DIR --classes "walking,running" --joints right_wrist --output clf.onnx`` writes it;
``python -m export stream clf.onnx recording.npy --hop-s 1`` runs it on a recording as if it were live.
"""
from skeletons._version import __version__

from .graph import DeviceDescription, EdgeClassifier, build_classifier
from .onnx_export import METADATA_KEY, export_onnx, quantize_int8, read_metadata
from .stream import StreamingClassifier

__all__ = ["__version__", "METADATA_KEY", "DeviceDescription", "EdgeClassifier", "StreamingClassifier",
           "build_classifier", "export_onnx", "quantize_int8", "read_metadata"]
