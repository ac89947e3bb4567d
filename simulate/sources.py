"""Where corpus clips come from: each source lists items; an item loads into one or more Motions.

Sources: HumanML3D, BVH and AMASS files (:mod:`skeletons.readers`) and the procedural motion library
(:mod:`skeletons.procedural`, :func:`procedural_items`). Every item loads through one picklable loader.

Listing is cheap and deterministic (sorted paths), so a corpus run can be split into shards and resumed.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from skeletons import InputError, Motion

SOURCES = ("humanml3d", "bvh", "amass", "procedural")
#: Share of procedural items that change from one activity to another (default activity list only).
TRANSITION_SHARE = 0.08


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


def activity_plan(count: int, seed: int, activities: list[str] | None = None) -> list[str]:
    """Which activity each of ``count`` items shows: every listed activity in turn (a fresh shuffled
    order each round), with each slot a transition clip with probability :data:`TRANSITION_SHARE` when
    ``activities`` is None.

    The plan is one stream drawn slot by slot, so ``activity_plan(n, s)`` is the first ``n`` entries of
    ``activity_plan(m, s)`` for any ``m > n``: a small corpus is the prefix of a larger one.
    """
    from skeletons.procedural import ACTIVITIES

    if activities is None:
        pool = [a for a in ACTIVITIES if a != "transition"]
        share = TRANSITION_SHARE
    else:
        unknown = sorted(set(activities) - set(ACTIVITIES))
        if unknown:
            raise InputError(None, f"unknown activities {', '.join(unknown)}; known: {', '.join(sorted(ACTIVITIES))}")
        if not activities:
            raise InputError(None, "the activity list is empty")
        pool, share = list(dict.fromkeys(activities)), 0.0
    if count < 0:
        raise InputError(None, f"count must be non-negative, got {count}")
    rng = np.random.default_rng([seed, 0x9E3779B9])
    order: list[str] = []
    round_: list[str] = []
    while len(order) < count:
        if share and rng.random() < share:
            order.append("transition")
            continue
        if not round_:
            round_ = [pool[i] for i in rng.permutation(len(pool))][::-1]
        order.append(round_.pop())
    return order


def procedural_items(count: int, seed: int, activities: list[str] | None = None, duration_s: float = 10.0,
                     fps: float = 20.0) -> list:
    """``count`` :class:`Item` s with ids ``proc-000000``..., each loading one clip.

    Item ``k`` shows ``activity_plan(...)[k]`` with its own seed derived from (``seed``, k), so a corpus
    is reproducible and items are independent of each other.
    """
    from skeletons.procedural import generate

    seeds = np.random.SeedSequence(seed).generate_state(max(count, 1), dtype=np.uint32)
    items = []
    for k, activity in enumerate(activity_plan(count, seed, activities)):
        clip_seed = int(seeds[k])
        items.append(Item(f"proc-{k:06d}", f"procedural/{activity}-{clip_seed}",
                          _Loader(generate, activity, clip_seed, duration_s, fps), activity))
    return items
