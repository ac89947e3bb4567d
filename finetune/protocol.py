"""Fine-tuning protocols: ours, and the UniMTS reference's exactly (its released ``finetune.py``).

Contract: :func:`finetune_protocol` returns a frozen :class:`FinetuneProtocol` for ``ours`` or ``unimts`` with
any single setting overridden (``python -m finetune``'s flags: a flag left out keeps the protocol's value).
Every departure of ours from the reference is one field:

==================  =================================================  ==========================================
field               ours                                               unimts (the reference)
==================  =================================================  ==========================================
class_text          templates x synonyms (text head, zero-shot row)    ``' '.join(synonyms)``
resampling          anti-aliased polyphase on the prefix               FFT of the whole series, first 200 samples
head                ``text`` (cosine, from the label embeddings)       ``linear`` on the pooled ST-GCN features
epochs, min_steps   20 epochs, at least 50 steps                       200 epochs, no minimum
batch_size          8                                                  64
lr_head, lr_encoder 1e-3 and 1e-4 (AdamW)                              1e-4 for all (Adam)
weight_decay        0.01 on matrices and kernels                       0
batchnorm           ``keep``: pretrained statistics kept               ``update``: ``model.train()`` throughout
validation          ``holdout``: a fifth of k >= 5 shots               ``none``: every shot trains
keep_epoch          ``validation``: best held-out epoch                ``train_loss``: lowest training loss
shots               ``drawn``: our seeded, nested draws                ``released``: ``few_shot_data_2`` files
==================  =================================================  ==========================================

:meth:`FinetuneProtocol.train_settings` gives :class:`finetune.train.TrainSettings`, and
:attr:`FinetuneProtocol.zero_shot` the matching :class:`zero_shot.protocol.ZeroShotProtocol`.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

from zero_shot.protocol import ZeroShotProtocol, resolve

from .heads import HEADS
from .train import BATCHNORM, KEEP_EPOCH, TrainSettings

VALIDATION = ("holdout", "none")
SHOTS = ("drawn", "released")


@dataclass(frozen=True)
class FinetuneProtocol:
    """The settings a fine-tuning protocol implies (see the module doc's table)."""

    name: str
    class_text: Literal["ensemble", "joined"]
    resampling: Literal["polyphase", "fft"]
    head: str
    epochs: int
    min_steps: int
    batch_size: int
    lr_head: float
    lr_encoder: float
    weight_decay: float
    batchnorm: str
    validation: str
    keep_epoch: str
    shots: str

    def __post_init__(self) -> None:
        for name, allowed in (("head", HEADS), ("batchnorm", BATCHNORM), ("keep_epoch", KEEP_EPOCH),
                              ("validation", VALIDATION), ("shots", SHOTS)):
            if getattr(self, name) not in allowed:
                raise ValueError(f"{name} must be one of {', '.join(allowed)}, got {getattr(self, name)!r}")
        ZeroShotProtocol(name=self.name, class_text=self.class_text, resampling=self.resampling)  # validates
        self.train_settings()  # validates the numbers

    @property
    def zero_shot(self) -> ZeroShotProtocol:
        return ZeroShotProtocol(name=self.name, class_text=self.class_text, resampling=self.resampling)

    def train_settings(self, **extra: Any) -> TrainSettings:
        """:class:`finetune.train.TrainSettings` of this protocol (``extra``: e.g. ``rotation``)."""
        return TrainSettings(epochs=self.epochs, batch_size=self.batch_size, lr_head=self.lr_head,
                             lr_encoder=self.lr_encoder, weight_decay=self.weight_decay, min_steps=self.min_steps,
                             batchnorm=self.batchnorm, keep_epoch=self.keep_epoch, **extra)

    @property
    def paper_comparable(self) -> bool:
        return not self.departures()

    def departures(self) -> list[str]:
        """The settings that differ from the reference's, as ``field=value``."""
        reference = asdict(FINETUNE_PROTOCOLS["unimts"])
        return [f"{key}={value}" for key, value in asdict(self).items() if key != "name" and reference[key] != value]

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "paper_comparable": self.paper_comparable, "departures": self.departures()}


FINETUNE_PROTOCOLS = {
    "ours": FinetuneProtocol(name="ours", class_text="ensemble", resampling="polyphase", head="text", epochs=20,
                             min_steps=50, batch_size=8, lr_head=1e-3, lr_encoder=1e-4, weight_decay=0.01,
                             batchnorm="keep", validation="holdout", keep_epoch="validation", shots="drawn"),
    "unimts": FinetuneProtocol(name="unimts", class_text="joined", resampling="fft", head="linear", epochs=200,
                               min_steps=0, batch_size=64, lr_head=1e-4, lr_encoder=1e-4, weight_decay=0.0,
                               batchnorm="update", validation="none", keep_epoch="train_loss", shots="released"),
}


def finetune_protocol(name: str = "ours", **overrides: Any) -> FinetuneProtocol:
    """The protocol ``name`` with the settings in ``overrides`` that are not None replaced."""
    return resolve(FINETUNE_PROTOCOLS, name, overrides)
