"""Where corpus clips come from: each source lists items; an item loads into one or more Motions.

Sources: HumanML3D, BVH and AMASS files (:mod:`skeletons.readers`) and the procedural motion library
(:mod:`skeletons.procedural`, :func:`procedural_items`). Every item loads through one picklable loader.

Listing is cheap and deterministic (sorted paths), so a corpus run can be split into shards and resumed.

Captions (:mod:`skeletons.captions`): every file source takes a sidecar ``NAME.txt`` beside each motion file
and a ``texts`` file (:class:`skeletons.captions.TextsFile`); AMASS also takes BABEL's JSON files. A caption
with a time span gives a described sub-clip. ``humanml3d-amass`` rebuilds HumanML3D's clips and their
mirrored copies from AMASS (:mod:`skeletons.readers.humanml3d_amass`).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from skeletons import InputError, Motion

SOURCES = ("humanml3d", "humanml3d-amass", "bvh", "amass", "procedural")
#: Share of procedural items that change from one activity to another (default activity list only).
TRANSITION_SHARE = 0.08
#: The activities that wearable HAR datasets label again and again (locomotion, the three postures): in the
#: default plan each takes :data:`CORE_SHARE` slots per round, every other activity one. They are the classes
#: the encoder must tell apart by small differences (upstairs from downstairs from level walking, sitting from
#: standing), and with one slot each a 2,000-clip corpus held 25 clips of each and a batch of 64 seldom
#: contrasted two of them.
CORE_ACTIVITIES = ("walk", "walk_slow", "walk_fast", "walk_upstairs", "walk_downstairs", "jog", "run", "sit",
                   "stand", "lie", "cycle")
CORE_SHARE = 3


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


def _described(read: Callable[..., Motion], path: Path, captions: list, **options) -> list[Motion]:
    """``read(path, **options)`` with its sidecar captions and ``captions``: the whole clip and one sub-clip
    per captioned span."""
    from skeletons.captions import described_clips, sidecar_captions

    return described_clips(read(path, **options), [*sidecar_captions(path), *captions])


def _humanml3d_described(path: Path, captions: list) -> list[Motion]:
    """A HumanML3D clip with its own captions (``texts/ID.txt``) and ``captions``."""
    from skeletons.captions import described_clips
    from skeletons.readers.humanml3d import captions_path, load_humanml3d, read_captions

    own = captions_path(path)
    spans = [c for c in read_captions(own) if not c.whole_clip] if own.is_file() else []
    return described_clips(load_humanml3d(path), [*spans, *captions])


def _texts(texts, path: Path, root: Path) -> list:
    return texts.lookup(_relative_id(path, root), path.stem) if texts is not None else []


def humanml3d_items(root: Path, texts=None) -> list[Item]:
    """HumanML3D: the dataset root (with ``new_joints/``), the ``new_joints`` folder, or one ``.npy``.

    Each file gives the whole clip plus one clip per captioned span (see the reader); ``texts`` (a
    :class:`skeletons.captions.TextsFile`) adds captions by file stem.
    """
    from skeletons.readers.humanml3d import load_humanml3d_segments

    folder = root / "new_joints" if (root / "new_joints").is_dir() else root
    files = _files(folder, ("*.npy",))
    if texts is None:
        return [Item(p.stem, str(p), _Loader(load_humanml3d_segments, p)) for p in files]
    return [Item(p.stem, str(p), _Loader(_humanml3d_described, p, _texts(texts, p, folder))) for p in files]


def bvh_items(root: Path, texts=None, **options) -> list[Item]:
    """Every ``.bvh`` under ``root`` (or ``root`` itself); options go to the BVH reader. Captions: a sidecar
    ``NAME.txt`` and ``texts`` (a :class:`skeletons.captions.TextsFile`)."""
    from skeletons.readers.bvh import load_bvh

    files = _files(root, ("*.bvh", "*.BVH"))
    return [Item(_relative_id(p, root), str(p), _Loader(_described, load_bvh, p, _texts(texts, p, root), **options))
            for p in files]


def amass_items(root: Path, texts=None, babel=None, **options) -> list[Item]:
    """Every ``.npz`` under ``root`` (or ``root`` itself); options (``body_models``...) go to the reader.
    Captions: a sidecar ``NAME.txt``, ``texts`` and ``babel`` (a :class:`skeletons.readers.babel.BabelLabels`)."""
    from skeletons.readers.amass import AMASS_SOURCE, load_amass

    if not Path(root).exists():
        raise InputError(root, f"no such AMASS file or folder; AMASS comes from {AMASS_SOURCE}")
    files = [p for p in _files(root, ("*.npz",)) if p.name != "shape.npz"]  # AMASS ships per-subject shape.npz
    items = []
    for p in files:
        captions = _texts(texts, p, root) + (babel.captions(p.resolve()) if babel is not None else [])
        items.append(Item(_relative_id(p, root), str(p), _Loader(_described, load_amass, p, captions, **options)))
    return items


def humanml3d_amass_items(amass: Path, humanml3d: Path, body_models: str | Path | None = None) -> list[Item]:
    """HumanML3D rebuilt from AMASS: per row of ``HUMANML3D/index.csv`` the clip ``NAME`` and its mirrored
    copy ``MNAME``, each with its captions from ``texts/`` or ``texts.zip`` (and a sub-clip per captioned
    span). Rows that are not AMASS (HumanAct12) become one item that fails with the reason it is skipped."""
    from skeletons.readers.amass import AMASS_SOURCE, body_model_folder
    from skeletons.readers.humanml3d_amass import (
        SMPLH_SOURCE,
        amass_path,
        find_index,
        mirrored_captions,
        read_index,
        read_texts,
        rebuild_described,
    )

    if not Path(amass).is_dir():
        raise InputError(amass, f"no such AMASS folder; AMASS comes from {AMASS_SOURCE}")
    if body_models is None or not Path(body_models).is_dir():
        raise InputError(body_models, f"--body-models DIR is needed: the SMPL+H models come from {SMPLH_SOURCE}")
    body_model_folder(body_models)
    rows, texts = read_index(find_index(humanml3d)), read_texts(humanml3d)
    items = []
    for row in rows:
        captions = texts.get(row.name, [])
        if not row.is_amass:
            items.append(Item(row.name, row.source_path, _Loader(rebuild_described, amass, row, captions, body_models)))
            continue
        file = str(amass_path(amass, row))
        items.append(Item(row.name, file, _Loader(rebuild_described, amass, row, captions, body_models)))
        mirrored = texts.get("M" + row.name) or mirrored_captions(captions)
        items.append(Item("M" + row.name, file, _Loader(rebuild_described, amass, row, mirrored, body_models, True)))
    return items


def _relative_id(path: Path, root: Path) -> str:
    if root.is_file():
        return path.stem
    return path.relative_to(root).with_suffix("").as_posix()


def activity_plan(count: int, seed: int, activities: list[str] | None = None) -> list[str]:
    """Which activity each of ``count`` items shows: every listed activity in turn (a fresh shuffled
    order each round). When ``activities`` is None (the whole library), each slot is a transition clip with
    probability :data:`TRANSITION_SHARE` and each of :data:`CORE_ACTIVITIES` takes :data:`CORE_SHARE` places
    in a round.

    The plan is one stream drawn slot by slot, so ``activity_plan(n, s)`` is the first ``n`` entries of
    ``activity_plan(m, s)`` for any ``m > n``: a small corpus is the prefix of a larger one.
    """
    from skeletons.procedural import ACTIVITIES

    if activities is None:
        pool = [a for a in ACTIVITIES if a != "transition" for _ in range(CORE_SHARE if a in CORE_ACTIVITIES else 1)]
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
