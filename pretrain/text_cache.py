"""Description embeddings kept on disk, per text tower, so no description is embedded twice across runs.

A frozen text tower (:mod:`pretrain.text`) maps a description to fixed features. :class:`DiskTextCache`
stores them under ``<root>/text/<tower key>/`` as safetensors shards (no pickle), one tensor per text named
by the text's content hash (BLAKE2b); the tower key hashes the tower's config and every weight, so a
different tower, checkpoint or width never reads another's features. Each shard is written atomically
(:func:`skeletons.atomic.atomic_path`) and never rewritten; a damaged shard is skipped (its texts are
embedded again). The root is ``$MOTION_PRETRAIN_CACHE`` or ``~/.cache/motion-pretrain``.

A text's features are the ones first computed for it: within one corpus exactly what an uninterrupted run
computes (so ``--resume`` and a second run reproduce the first), and for a text first embedded with
another corpus the same up to float rounding of padding (about 1e-7).
"""
from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import torch

from skeletons.atomic import atomic_path

CACHE_ENV = "MOTION_PRETRAIN_CACHE"


def cache_root() -> Path:
    """``$MOTION_PRETRAIN_CACHE`` or ``~/.cache/motion-pretrain``."""
    return Path(os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "motion-pretrain")


def text_key(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def tower_key(tower: torch.nn.Module, config: Mapping[str, Any]) -> str:
    """A hash of the tower's config and every tensor of its state (names, shapes, dtypes, bytes)."""
    digest = hashlib.blake2b(json.dumps(dict(config), sort_keys=True, default=str).encode(), digest_size=16)
    for name, value in sorted(tower.state_dict().items()):
        value = value.detach().cpu().contiguous()
        digest.update(f"{name}:{tuple(value.shape)}:{value.dtype}".encode())
        digest.update(value.view(torch.uint8).numpy().tobytes() if value.numel() else b"")
    return digest.hexdigest()


class DiskTextCache:
    """Features of texts for one tower, in ``folder`` (see the module doc)."""

    def __init__(self, folder: str | os.PathLike):
        self.folder = Path(folder)

    @classmethod
    def for_tower(cls, tower: torch.nn.Module, config: Mapping[str, Any], root: str | os.PathLike | None = None
                  ) -> DiskTextCache:
        return cls(Path(root or cache_root()) / "text" / tower_key(tower, config))

    def load(self, texts: Iterable[str]) -> dict[str, torch.Tensor]:
        """The stored features of those of ``texts`` that are in the cache (CPU float32)."""
        from safetensors import safe_open

        wanted = {text_key(text): text for text in texts}
        found: dict[str, torch.Tensor] = {}
        for shard in sorted(self.folder.glob("*.safetensors")) if self.folder.is_dir() else []:
            try:
                with safe_open(str(shard), framework="pt") as file:
                    for key in set(file.keys()) & wanted.keys():
                        found[wanted[key]] = file.get_tensor(key)
            except Exception:  # a damaged shard: its texts are embedded again
                continue
        return found

    def store(self, features: Mapping[str, torch.Tensor]) -> Path | None:
        """Write the features of new texts as one shard, named by the hash of its texts; its path."""
        from safetensors.torch import save_file

        if not features:
            return None
        tensors = {text_key(text): value.detach().float().cpu().contiguous() for text, value in features.items()}
        name = hashlib.blake2b("".join(sorted(tensors)).encode(), digest_size=16).hexdigest()
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{name}.safetensors"
        with atomic_path(path) as temporary:
            save_file(tensors, str(temporary))
        return path
