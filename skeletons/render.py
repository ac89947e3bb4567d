"""Draw a moving skeleton to an animated GIF, so a user can look at a clip."""
from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

from .atomic import atomic_path
from .body import JOINT_NAMES, bones
from .errors import InputError
from .motion import Motion

_LEFT, _RIGHT, _MIDDLE = "tab:blue", "tab:red", "0.25"


def _bone_colour(child: int) -> str:
    name = JOINT_NAMES[child]
    return _LEFT if name.startswith("left") else _RIGHT if name.startswith("right") else _MIDDLE


def render_gif(motion: Motion, output: str | Path, fps: float = 10.0, max_frames: int = 200,
               size_inches: float = 4.0, dpi: int = 72) -> Path:
    """Render ``motion`` as a GIF at ``output`` (written atomically), at most ``max_frames`` frames.

    The view follows the pelvis horizontally; y (up) is drawn vertically. Left side blue, right red.
    Impossible settings and an output that cannot be written are an :class:`InputError`.
    """
    output = Path(output)
    if not (np.isfinite(fps) and 0 < fps <= 1000):
        raise InputError(None, f"--fps must be a frame rate above 0 and at most 1000, got {fps}")
    if max_frames < 1:
        raise InputError(None, f"--max-frames must be at least 1, got {max_frames}")
    if output.suffix.lower() != ".gif":
        raise InputError(output, "the output must be a .gif file")
    if output.is_dir():
        raise InputError(output, "is a folder; give the GIF file to write")
    try:  # find out before drawing anything whether the GIF can be written there
        output.parent.mkdir(parents=True, exist_ok=True)
        tempfile.TemporaryFile(dir=output.parent).close()
    except OSError as error:
        raise InputError(output, f"cannot be written ({error.strerror or error})") from None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.animation import FuncAnimation, PillowWriter

    step = max(1, int(round(motion.fps / fps)), int(np.ceil(motion.num_frames / max_frames)))
    frames = motion.positions[::step]
    shown_fps = motion.fps / step
    pairs = bones()
    # Matplotlib's 3-D axes are z-up: draw world (x, y, z) as plot (x, z, y).
    plot_xyz = frames[..., [0, 2, 1]]
    half = 0.6 * max(float(np.ptp(frames[..., 1])), 1.0)
    floor = float(frames[..., 1].min())

    figure = plt.figure(figsize=(size_inches, size_inches))
    axes = figure.add_subplot(projection="3d")
    lines = [axes.plot([], [], [], color=_bone_colour(c), lw=2.5)[0] for _, c in pairs]
    title = axes.set_title("")

    def draw(index: int):
        pose = plot_xyz[index]
        cx, cz = pose[0, 0], pose[0, 1]
        axes.set_xlim(cx - half, cx + half)
        axes.set_ylim(cz - half, cz + half)
        axes.set_zlim(floor, floor + 2 * half)
        for line, (parent, child) in zip(lines, pairs):
            segment = pose[[parent, child]]
            line.set_data(segment[:, 0], segment[:, 1])
            line.set_3d_properties(segment[:, 2])
        title.set_text(f"{motion.name or ''}  t = {index * step / motion.fps:5.2f} s")
        return lines

    axes.set_xlabel("x")
    axes.set_ylabel("z")
    axes.set_zlabel("y (up)")
    axes.view_init(elev=15, azim=-60)
    animation = FuncAnimation(figure, draw, frames=len(frames), blit=False)
    try:
        with atomic_path(output) as temporary:
            animation.save(temporary, writer=PillowWriter(fps=shown_fps), dpi=dpi)
    except OSError as error:
        raise InputError(output, f"cannot be written ({error.strerror or error})") from None
    finally:
        plt.close(figure)
    return output
