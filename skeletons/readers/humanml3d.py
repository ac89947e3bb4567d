"""HumanML3D (Guo et al., CVPR 2022): ``new_joints/ID.npy`` joint positions with ``texts/ID.txt`` captions.

``new_joints/ID.npy`` holds (T, 22, 3) float positions in the SMPL joint order, metres, y up, 20 fps.
``texts/ID.txt`` (a sibling of ``new_joints/``) holds one caption a line as
``caption#tokens#start#end``; start and end are seconds, and non-zero values mean the caption covers
only that span of the clip.
"""
from __future__ import annotations

import os
import warnings
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
    except UnicodeDecodeError as error:
        raise InputError(path, f"is not UTF-8 text (byte 0x{error.object[error.start]:02X} at offset "
                               f"{error.start})") from None
    except OSError as error:
        raise InputError(path, f"cannot be read ({error.strerror})") from None
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
    """Load an ``.npy`` file as a real-valued array, or raise :class:`InputError` saying why not.

    The header is checked against the file's size first, so a header claiming 10^15 frames is refused
    rather than allocated.
    """
    try:
        array = np.load(check_npy_header(path), mmap_mode="r", allow_pickle=False)
    except FileNotFoundError:
        raise InputError(path, "no such file") from None
    except (ValueError, OSError, EOFError, MemoryError) as error:
        raise InputError(path, f"not a readable .npy array ({error})") from None
    if not isinstance(array, np.ndarray) or not (np.issubdtype(array.dtype, np.integer)
                                                 or np.issubdtype(array.dtype, np.floating)):
        raise InputError(path, f"expected a real-valued numeric array, got dtype "
                               f"{getattr(array, 'dtype', type(array))}")
    return np.asarray(array)


def check_npy_header(path: Path) -> Path:
    """``path`` if its ``.npy`` header describes an array the file really holds; InputError otherwise."""
    try:
        with open(path, "rb") as file:
            version = np.lib.format.read_magic(file)
            read_header = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                           else np.lib.format.read_array_header_2_0)
            shape, _, dtype = read_header(file, max_header_size=10_000)
            offset = file.tell()
            size = os.fstat(file.fileno()).st_size
    except FileNotFoundError:
        raise InputError(path, "no such file") from None
    except (ValueError, OSError, EOFError) as error:
        raise InputError(path, f"not a readable .npy array ({error})") from None
    if dtype.hasobject:
        raise InputError(path, "holds Python objects, not numbers")
    claimed = int(np.prod(shape, dtype=object)) * dtype.itemsize
    if claimed != size - offset:
        raise InputError(path, f"header claims shape {shape} ({claimed} bytes) but the file holds "
                               f"{size - offset} bytes of data")
    return path


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
        first, last = int(round(start * fps)), min(int(round(end * fps)), positions.shape[0])
        if first < 0 or last - first < 2:
            raise InputError(text_file, f"caption span {start:g}-{end:g} s lies outside the clip's "
                                        f"{positions.shape[0] / fps:g} s or is shorter than 2 frames")
        positions = positions[first:last]
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
        try:
            motions.append(load_humanml3d(path, fps, span=span))
        except InputError as error:  # one bad span costs that span only, not the file
            warnings.warn(str(error), stacklevel=2)
    return motions
