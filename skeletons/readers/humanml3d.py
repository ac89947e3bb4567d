"""HumanML3D (Guo et al., CVPR 2022): ``new_joints/ID.npy`` joint positions with ``texts/ID.txt`` captions.

``new_joints/ID.npy`` holds (T, 22, 3) float positions in the SMPL joint order, metres, y up, 20 fps.
``texts/ID.txt`` (a sibling of ``new_joints/``) holds one caption a line as
``caption#tokens#start#end``; start and end are seconds, and non-zero values mean the caption covers
only that span of the clip.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..body import NUM_JOINTS, SMPL_TO_CANONICAL
from ..errors import InputError
from ..motion import Motion

FPS = 20.0


@dataclass(frozen=True)
class Caption:
    text: str
    start_s: float = 0.0
    end_s: float = 0.0

    @property
    def whole_clip(self) -> bool:
        return self.start_s == 0.0 and self.end_s == 0.0


def captions_path(joints_path: Path) -> Path:
    """``.../new_joints/ID.npy`` -> ``.../texts/ID.txt``."""
    return joints_path.parent.parent / "texts" / (joints_path.stem + ".txt")


def parse_caption_line(line: str, path: str | Path | None = None, where: object = None) -> Caption | None:
    """One ``caption#tokens#start#end`` line (a line without ``#`` is a whole-clip caption); None when it
    holds no text. ``where`` (a line number or key) goes into the error for a malformed start/end."""
    fields = line.split("#")
    text = fields[0].strip()
    try:
        start = float(fields[2]) if len(fields) > 2 and fields[2].strip() else 0.0
        end = float(fields[3]) if len(fields) > 3 and fields[3].strip() else 0.0
    except ValueError:
        at = f"line {where}: " if isinstance(where, int) else (f"{where}: " if where is not None else "")
        raise InputError(path, f"{at}start/end are not numbers: {line!r}") from None
    start, end = (0.0 if np.isnan(start) else start), (0.0 if np.isnan(end) else end)
    return Caption(text, start, end) if text else None


def read_captions(path: Path) -> list[Caption]:
    """Parse a HumanML3D ``texts/ID.txt``; malformed lines are an :class:`InputError`."""
    try:
        content = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(path, f"cannot read the captions ({error})") from None
    return parse_captions(content, path)


def parse_captions(content: str, path: str | Path | None = None) -> list[Caption]:
    """The captions of the text of a HumanML3D caption file (see :func:`parse_caption_line`)."""
    captions = []
    for number, line in enumerate(content.splitlines(), start=1):
        if line.strip():
            caption = parse_caption_line(line, path, number)
            if caption is not None:
                captions.append(caption)
    return captions


def load_array(path: Path) -> np.ndarray:
    """Load an ``.npy`` file as a float array, or raise :class:`InputError` saying why not."""
    try:
        array = np.load(path, allow_pickle=False)
    except FileNotFoundError:
        raise InputError(path, "no such file") from None
    except (ValueError, OSError, EOFError) as error:
        raise InputError(path, f"not a readable .npy array ({error})") from None
    if not isinstance(array, np.ndarray) or not np.issubdtype(array.dtype, np.number):
        raise InputError(path, f"expected a numeric array, got dtype {getattr(array, 'dtype', type(array))}")
    return array


def load_humanml3d(path: str | Path, fps: float = FPS, span: tuple[float, float] | None = None) -> Motion:
    """Read one HumanML3D clip.

    Args:
        path: the ``new_joints/ID.npy`` file.
        fps: frame rate of the joints (HumanML3D: 20).
        span: (start_s, end_s): keep only that part of the clip, with the captions written for exactly
            that span. By default the whole clip with its whole-clip captions.
    """
    path = Path(path)
    array = load_array(path)
    if array.ndim != 3 or array.shape[1:] != (NUM_JOINTS, 3):
        raise InputError(path, f"expected joint positions of shape (T, {NUM_JOINTS}, 3), got {array.shape}")
    if not np.isfinite(array).all():
        bad = int(np.argwhere(~np.isfinite(array))[0, 0])
        raise InputError(path, f"array holds NaN or inf (first at frame {bad})")
    positions = array[:, SMPL_TO_CANONICAL, :].astype(np.float32)

    text_file = captions_path(path)
    captions = read_captions(text_file) if text_file.is_file() else []
    name = path.stem
    if span is None:
        texts = [c.text for c in captions if c.whole_clip]
    else:
        start, end = span
        positions = positions[int(round(start * fps)) : int(round(end * fps))]
        texts = [c.text for c in captions if (c.start_s, c.end_s) == (start, end)]
        name = f"{name}@{start:g}-{end:g}"
    if positions.shape[0] < 2:
        raise InputError(path, f"clip has {positions.shape[0]} frame(s); at least 2 are needed")
    return Motion(positions=positions, fps=fps, rotations=None, texts=texts, name=name)


def load_humanml3d_segments(path: str | Path, fps: float = FPS) -> list[Motion]:
    """The whole clip (with its whole-clip captions) plus one Motion per captioned span."""
    path = Path(path)
    motions = [load_humanml3d(path, fps)]
    text_file = captions_path(path)
    spans = {(c.start_s, c.end_s) for c in read_captions(text_file)} if text_file.is_file() else set()
    for span in sorted(s for s in spans if s != (0.0, 0.0)):
        motions.append(load_humanml3d(path, fps, span=span))
    return motions
