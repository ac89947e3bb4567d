"""The embedding space, drawn: simulated clips by activity with real windows overlaid (t-SNE).

Two panels, each one device position: the right wrist (simulated clips with gravity removed, as
BasicMotions' watch reports, beside BasicMotions' test series) and the waist (``spine1``, with gravity,
beside HAPT's test-subject windows when ``hapt.npz`` is there). Every point is a motion embedding of the
model (the space zero-shot compares with text); t-SNE (van der Maaten and Hinton, JMLR 2008; scikit-learn)
lays simulated and real points out together, so real windows that fall outside their activity's simulated
cloud show the simulation-to-real gap.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import torch

from experiments.realism import HAPT_PAIRS

#: For each panel: the joint, the real dataset, and real class name -> procedural activity.
PANELS = {
    "right wrist: BasicMotions test": (21, "basicmotions", {"standing": "stand", "walking": "walk",
                                                          "running": "run", "playing badminton": "play_badminton"}),
    "waist: HAPT test subjects": (9, "hapt", HAPT_PAIRS),
}


def simulated_windows(corpus: str | os.PathLike, activities: list[str], joint: int, per_activity: int,
                      gravity_removed: bool) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """(imu, mask, activity) of up to ``per_activity`` corpus clips per activity, one joint kept."""
    from simulate.corpus import load_corpus
    from simulate.gravity import remove_gravity

    dataset = load_corpus(corpus).select_columns(["imu", "activity"])
    names = np.asarray(dataset["activity"])
    rows = [i for activity in activities for i in np.flatnonzero(names == activity)[:per_activity].tolist()]
    if not rows:
        return np.zeros((0, 200, 22, 6), np.float32), np.zeros((0, 200, 22, 6), np.float32), []
    clips = dataset.select(rows).with_format("numpy")["imu"]
    imu = np.zeros((len(rows), 200, 22, 6), np.float32)
    for index, clip in enumerate(clips):
        clip = np.asarray(clip, dtype=np.float32)[:200]
        imu[index, : len(clip), joint] = clip[:, joint]
        if len(clip) < 200:
            imu[index, len(clip):, joint] = clip[np.arange(200 - len(clip)) % len(clip), joint]
    mask = np.zeros_like(imu)
    mask[:, :, joint] = 1.0
    if gravity_removed:
        imu = remove_gravity(torch.from_numpy(imu), torch.from_numpy(mask)).numpy()
    return imu, mask, [str(names[i]) for i in rows]


def _real(dataset: str, data_root: str | os.PathLike, per_class: int):
    from benchmarks.loader import is_present, load_split
    from benchmarks.prepare import prepare_split
    from benchmarks.registry import get_dataset

    entry = get_dataset(dataset)
    if not is_present(entry, data_root):
        return None
    split = load_split(entry, data_root, "test")
    keep = np.concatenate([np.flatnonzero(split.targets == c)[:: max(1, int((split.targets == c).sum()) // per_class)]
                           [:per_class] for c in range(len(split.class_ids))])
    from dataclasses import replace

    split = replace(split, x=np.asarray(split.x)[keep], y=split.y[keep])
    imu, mask = prepare_split(split)
    return imu, mask, [split.descriptions[t][0] for t in split.targets]


@torch.inference_mode()
def _embed(model, imu: np.ndarray, mask: np.ndarray) -> np.ndarray:
    return np.concatenate([model.encode_imu(torch.from_numpy(imu[s:s + 128]), torch.from_numpy(mask[s:s + 128]))
                           .float().numpy() for s in range(0, len(imu), 128)])


def plot_embedding_space(path: str | Path, model, corpus: str | os.PathLike, data_root: str | os.PathLike,
                         per_activity: int = 25, per_class: int = 40, seed: int = 0) -> Path:
    """Draw the t-SNE panels of :data:`PANELS` for ``model`` into ``path`` (PNG)."""
    from sklearn.manifold import TSNE

    from experiments.plots import _pyplot, _save

    plt = _pyplot()
    figure, axes = plt.subplots(1, len(PANELS), figsize=(7 * len(PANELS), 6), squeeze=False)
    colours = plt.get_cmap("tab10")
    for axis, (title, (joint, dataset, classes)) in zip(axes[0], PANELS.items()):
        sim_imu, sim_mask, sim_names = simulated_windows(corpus, list(classes.values()), joint, per_activity,
                                                         gravity_removed=dataset == "basicmotions")
        real = _real(dataset, data_root, per_class)
        embeddings = [_embed(model, sim_imu, sim_mask)] if len(sim_imu) else []
        real_names: list[str] = []
        if real is not None:
            embeddings.append(_embed(model, real[0], real[1]))
            real_names = real[2]
        if not embeddings or sum(len(e) for e in embeddings) < 5:
            axis.set_title(f"{title}: no data")
            continue
        points = np.concatenate(embeddings)
        layout = TSNE(n_components=2, perplexity=min(30.0, (len(points) - 1) / 3), init="pca", random_state=seed,
                      metric="cosine").fit_transform(points)
        simulated, measured = layout[: len(sim_names)], layout[len(sim_names):]
        for index, (real_name, activity) in enumerate(classes.items()):
            colour = colours(index % 10)
            chosen = np.array([name == activity for name in sim_names], dtype=bool)
            axis.scatter(*simulated[chosen].T, s=14, color=colour, alpha=0.55, label=f"simulated {activity}")
            chosen = np.array([name == real_name for name in real_names], dtype=bool)
            if chosen.any():
                axis.scatter(*measured[chosen].T, s=40, marker="x", color=colour, label=f"real {real_name}")
        axis.set_title(title)
        axis.set_xticks([])
        axis.set_yticks([])
        axis.legend(fontsize=7, ncol=2)
    figure.suptitle("Motion embeddings (t-SNE): simulated clips (dots) and real windows (crosses)")
    figure.tight_layout()
    return _save(figure, path)
