"""Where corpus clips come from: each source lists items; an item loads into one or more Motions.

Listing is cheap and deterministic (sorted paths), so a corpus run can be split into shards and resumed.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from skeletons import InputError, Motion

SOURCES = ("humanml3d", "bvh", "amass", "procedural")


@dataclass(frozen=True)
class Item:
    """One unit of work: an id, the file it comes from (for failure reports) and how to load it."""

    id: str
    file: str
    load: Callable[[], list[Motion]] = field(compare=False, repr=False)
    activity: str | None = None


def _files(root: Path, patterns: tuple[str, ...]) -> list[Path]:
    if not root.exists():
        raise InputError(root, "no such file or folder")
    if root.is_file():
        return [root]
    files = sorted({p for pattern in patterns for p in root.rglob(pattern)})
    if not files:
        raise InputError(root, f"holds no {' or '.join(patterns)} files")
    return files


class _Loader:
    """A picklable ``() -> list[Motion]`` (items travel to worker processes)."""

    def __init__(self, function: Callable[..., object], *args, **kwargs):
        self.function, self.args, self.kwargs = function, args, kwargs

    def __call__(self) -> list[Motion]:
        result = self.function(*self.args, **self.kwargs)
        return result if isinstance(result, list) else [result]


def humanml3d_items(root: Path) -> list[Item]:
    """HumanML3D: the dataset root (with ``new_joints/``), the ``new_joints`` folder, or one ``.npy``.

    Each file gives the whole clip plus one clip per captioned span (see the reader).
    """
    from skeletons.readers.humanml3d import load_humanml3d_segments

    folder = root / "new_joints" if (root / "new_joints").is_dir() else root
    return [Item(p.stem, str(p), _Loader(load_humanml3d_segments, p)) for p in _files(folder, ("*.npy",))]


def bvh_items(root: Path, **options) -> list[Item]:
    """Every ``.bvh`` under ``root`` (or ``root`` itself); options go to the BVH reader."""
    from skeletons.readers.bvh import load_bvh

    files = _files(root, ("*.bvh", "*.BVH"))
    return [Item(_relative_id(p, root), str(p), _Loader(load_bvh, p, **options)) for p in files]


def amass_items(root: Path, **options) -> list[Item]:
    """Every ``.npz`` under ``root`` (or ``root`` itself); options (``body_models``...) go to the reader."""
    from skeletons.readers.amass import load_amass

    files = [p for p in _files(root, ("*.npz",)) if p.name != "shape.npz"]  # AMASS ships per-subject shape.npz
    return [Item(_relative_id(p, root), str(p), _Loader(load_amass, p, **options)) for p in files]


def _relative_id(path: Path, root: Path) -> str:
    if root.is_file():
        return path.stem
    return path.relative_to(root).with_suffix("").as_posix()
