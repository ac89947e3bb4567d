"""Corpus items for ``python -m simulate --source procedural``: one procedural clip per item."""
from __future__ import annotations

import numpy as np

from skeletons.errors import InputError
from skeletons.motion import Motion

from .catalog import ACTIVITIES
from .generate import generate

#: Share of items that are clips changing from one activity to another (default activity list only).
TRANSITION_SHARE = 0.08


class ClipLoader:
    """A picklable ``() -> [Motion]`` that generates one clip (items travel to worker processes)."""

    def __init__(self, activity: str, seed: int, duration_s: float, fps: float):
        self.activity, self.seed, self.duration_s, self.fps = activity, seed, duration_s, fps

    def __call__(self) -> list[Motion]:
        return [generate(self.activity, self.seed, self.duration_s, self.fps)]


def activity_plan(count: int, seed: int, activities: list[str] | None = None) -> list[str]:
    """Which activity each of ``count`` items shows: every listed activity in turn (a fresh shuffled
    order each round, so all appear once ``count`` reaches their number), with about
    :data:`TRANSITION_SHARE` transition clips mixed in when ``activities`` is None."""
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
    transitions = int(round(share * count))
    order: list[str] = []
    while len(order) < count - transitions:
        order.extend(pool[i] for i in rng.permutation(len(pool)))
    order = order[: count - transitions]
    for position in sorted(rng.choice(count, size=transitions, replace=False)) if transitions else []:
        order.insert(int(position), "transition")
    return order


def procedural_items(count: int, seed: int, activities: list[str] | None = None, duration_s: float = 10.0,
                     fps: float = 20.0) -> list:
    """``count`` :class:`simulate.sources.Item` s with ids ``proc-000000``..., each loading one clip.

    Item ``k`` shows ``activity_plan(...)[k]`` with its own seed derived from (``seed``, k), so a corpus
    is reproducible and items are independent of each other.
    """
    from simulate.sources import Item

    seeds = np.random.SeedSequence(seed).generate_state(max(count, 1), dtype=np.uint32)
    items = []
    for k, activity in enumerate(activity_plan(count, seed, activities)):
        clip_seed = int(seeds[k])
        items.append(Item(f"proc-{k:06d}", f"procedural/{activity}-{clip_seed}",
                          ClipLoader(activity, clip_seed, duration_s, fps), activity))
    return items
