"""`load_motion`: one entry point for every source format."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from .errors import InputError
from .motion import Motion

FORMATS = ("humanml3d", "bvh", "amass")
_EXTENSIONS = {".npy": "humanml3d", ".bvh": "bvh", ".npz": "amass"}


def detect_format(path: str | Path) -> str:
    """The format of ``path`` from its extension (``.npy`` HumanML3D, ``.bvh``, ``.npz`` AMASS)."""
    path = Path(path)
    fmt = _EXTENSIONS.get(path.suffix.lower())
    if fmt is None:
        raise InputError(path, f"cannot tell the format from the extension {path.suffix!r}; "
                               f"pass one of {', '.join(FORMATS)}")
    return fmt


def _reader(fmt: str) -> Callable[..., Motion]:
    if fmt == "humanml3d":
        from .readers.humanml3d import load_humanml3d
        return load_humanml3d
    if fmt == "bvh":
        from .readers.bvh import load_bvh
        return load_bvh
    if fmt == "amass":
        from .readers.amass import load_amass
        return load_amass
    raise InputError(None, f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")


def load_motion(path: str | Path, format: str | None = None, **options) -> Motion:
    """Read a motion file as a :class:`Motion` of the canonical 22-joint body.

    ``format`` is ``humanml3d``, ``bvh`` or ``amass``; by default it comes from the extension.
    ``options`` go to the reader (e.g. ``mapping=`` and ``unit_scale=`` for BVH, ``body_models=`` for
    AMASS). Raises :class:`skeletons.InputError` for missing or malformed input.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(path, "no such file")
    fmt = (format or detect_format(path)).lower()
    return _reader(fmt)(path, **options)
