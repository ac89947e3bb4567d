"""Streaming classification with an exported file: samples in at the device's rate, smoothed labels out.

:class:`StreamingClassifier` keeps the last ``window`` samples in a ring buffer; every ``hop`` new samples
(once the buffer is full) it scores the window with the exported ONNX file through onnxruntime and emits an
:class:`Event`: the time of the window's last sample, the raw top-1 label, and the smoothed label -- the
top-1 of an exponential moving average of the softmax probabilities over past windows (``ema`` in [0, 1):
0 keeps no history) -- with its probability. Samples may arrive one at a time or in chunks of any size.

This module imports only numpy and onnxruntime (never torch nor the rest of this project), so it runs
wherever the exported file does; the device description and labels come from the file's metadata.
"""
from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

METADATA_KEY = "motion_pretrain.classifier"  # the same key as export.onnx_export.METADATA_KEY


@dataclass(frozen=True)
class Event:
    """One scored window: ``time_s`` of its last sample since the stream began, raw and smoothed top-1."""

    time_s: float
    label: str
    smoothed_label: str
    smoothed_probability: float
    scores: np.ndarray


def _softmax(scores: np.ndarray) -> np.ndarray:
    shifted = np.exp(scores - scores.max())
    return shifted / shifted.sum()


class StreamingClassifier:
    """Ring buffer + hop + exported model + EMA smoothing; see the module docstring.

    Args:
        model_path: an ONNX file written by ``python -m export``.
        hop_s: seconds between scored windows (rounded to whole samples, at least one).
        ema: weight of the past in the smoothed probabilities.
        threads: onnxruntime intra-op threads.
    """

    def __init__(self, model_path: str | os.PathLike, hop_s: float = 1.0, ema: float = 0.5, threads: int = 1):
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self.session = ort.InferenceSession(str(model_path), options, providers=["CPUExecutionProvider"])
        meta = json.loads(self.session.get_modelmeta().custom_metadata_map[METADATA_KEY])
        self.device, self.labels = meta["device"], list(meta["labels"])
        self.rate_hz, self.window = float(self.device["rate_hz"]), int(self.device["window"])
        self.sample_shape = (len(self.device["joints"]), int(self.device["channels"]))
        if not 0.0 <= ema < 1.0:
            raise ValueError(f"ema must lie in [0, 1), got {ema}")
        self.hop, self.ema = max(1, round(hop_s * self.rate_hz)), ema
        self.buffer = np.zeros((self.window, *self.sample_shape), dtype=np.float32)
        self.seen, self.since_scored, self.smoothed = 0, 0, None

    def _window(self) -> np.ndarray:
        start = self.seen % self.window  # the oldest sample's slot
        return np.concatenate([self.buffer[start:], self.buffer[:start]])[None]

    def _score(self) -> Event:
        scores = self.session.run(None, {"window": self._window()})[0][0]
        probabilities = _softmax(scores.astype(np.float64))
        self.smoothed = probabilities if self.smoothed is None else \
            self.ema * self.smoothed + (1.0 - self.ema) * probabilities
        best = int(self.smoothed.argmax())
        return Event(time_s=self.seen / self.rate_hz, label=self.labels[int(scores.argmax())],
                     smoothed_label=self.labels[best], smoothed_probability=float(self.smoothed[best]),
                     scores=scores)

    def push(self, samples: np.ndarray) -> list[Event]:
        """Feed samples (n, joints, channels), (n, joints * channels) or one sample; the windows they complete."""
        samples = np.asarray(samples, dtype=np.float32).reshape(-1, *self.sample_shape)
        events = []
        for sample in samples:
            self.buffer[self.seen % self.window] = sample
            self.seen += 1
            self.since_scored += 1
            if self.seen >= self.window and (self.seen == self.window or self.since_scored >= self.hop):
                self.since_scored = 0
                events.append(self._score())
        return events


def read_recording(path: str | os.PathLike) -> np.ndarray:
    """(T, joints * channels) float32 from ``.npy`` or ``.csv`` (comma-separated, an optional header row)."""
    path = Path(path)
    if path.suffix == ".npy":
        data = np.load(path, allow_pickle=False)
    else:
        with open(path) as handle:
            first = handle.readline()
        header = any(c.isalpha() and c not in "eE" for c in first)
        data = np.loadtxt(path, delimiter=",", skiprows=int(header), ndmin=2)
    data = np.asarray(data, dtype=np.float32)
    return data.reshape(len(data), -1)


def stream_file(model_path: str | os.PathLike, recording: np.ndarray, hop_s: float = 1.0, ema: float = 0.5,
                chunk: int = 1) -> Iterator[Event]:
    """Events of ``recording`` fed ``chunk`` samples at a time, as a live device would (without waiting)."""
    runner = StreamingClassifier(model_path, hop_s=hop_s, ema=ema)
    for start in range(0, len(recording), chunk):
        yield from runner.push(recording[start:start + chunk])
