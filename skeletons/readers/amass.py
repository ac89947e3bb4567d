"""AMASS clips and other SMPL-family parameter files (``.npz``) as motion of the canonical 22-joint body.

AMASS (Mahmood et al., "AMASS: Archive of Motion Capture as Surface Shapes", ICCV 2019) stores each clip
as the parameters of a SMPL-family body model (SMPL: Loper et al., "SMPL: A Skinned Multi-Person Linear
Model", SIGGRAPH Asia 2015; SMPL+H: Romero et al. 2017; SMPL-X: Pavlakos et al. 2019):

- ``poses`` (T, W): one axis-angle rotation (3 numbers) per joint, relative to the parent joint. W is 72
  for SMPL (root + 23 joints), 156 for SMPL+H, AMASS's standard release (root + 21 body joints + 2 x 15
  hand joints), 165 for SMPL-X (root + 21 body joints + jaw + 2 eyes + 2 x 15 hand joints). SMPL-X files
  also carry the same numbers split up (``root_orient``, ``pose_body``, ...); ``poses`` holds them all.
- ``trans`` (T, 3): translation of the body, metres; ``betas`` (B,): body-shape coefficients.
- ``mocap_framerate`` (``mocap_frame_rate`` in the SMPL-X release): frames per second.
- ``gender`` (optional): male, female or neutral; it picks the body-model file (default neutral).

In every layout the first 66 pose numbers are the root and the 21 body joints of SMPL's kinematic tree.
They and the shape alone place the 22 body joints (hands and face hang below the wrists and the head;
soft-tissue ``dmpls`` move vertices, not joints), so they are all this reader uses.

Body models run through smplx on the clip's betas. Their files come from a folder the user supplies
(``body_models=`` or the ``MOTION_BODY_MODELS`` environment variable) and are never downloaded. For a
SMPL+H male clip, the first of these that exists is used (likewise ``smpl``/``SMPL_`` and
``smplx``/``SMPLX_``):

    FOLDER/smplh/SMPLH_MALE.npz, FOLDER/smplh/SMPLH_MALE.pkl     smplx's own layout
    FOLDER/SMPLH_MALE.npz, FOLDER/SMPLH_MALE.pkl                 the files side by side
    FOLDER/smplh/male/model.npz                                  AMASS's layout

World frame: AMASS is z up (bodies are stood up by a root rotation of +90 degrees about x). The fixed
rotation ``Z_UP_TO_Y_UP`` maps (x, y, z) to (x, z, -y); it turns positions (p' = C p) and the world side
of global orientations (R' = C R). Joint frames stay SMPL's own rest frame (y up, facing +z, left +x),
so an AMASS body standing upright at yaw 0 comes out in the canonical rest orientation.
"""
from __future__ import annotations

import contextlib
import functools
import io
import os
import pickle
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import smplx
import torch
from scipy.spatial.transform import Rotation
from smplx.utils import Struct

from ..body import CANONICAL_TO_SMPL, NUM_JOINTS, PARENTS, SMPL_TO_CANONICAL
from ..errors import InputError
from ..motion import Motion

#: (x, y, z) -> (x, z, -y): AMASS's z-up world to the project's y-up world (a rotation, -90 deg about x).
Z_UP_TO_Y_UP = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, -1.0, 0.0]])

MODEL_TYPES = ("smpl", "smplh", "smplx")
MODEL_TYPE_BY_POSE_WIDTH = {72: "smpl", 156: "smplh", 165: "smplx"}
GENDERS = ("male", "female", "neutral")
UP_AXES = ("z", "y")
BODY_MODELS_ENV = "MOTION_BODY_MODELS"
FRAME_RATE_KEYS = ("mocap_framerate", "mocap_frame_rate")
DEFAULT_BATCH_FRAMES = 64
#: Where each body-model family comes from (licensed files the user downloads; named in errors).
BODY_MODEL_SOURCES = {"smpl": "https://smpl.is.tue.mpg.de",
                      "smplh": "https://mano.is.tue.mpg.de ('Extended SMPL+H model', the one AMASS uses)",
                      "smplx": "https://smpl-x.is.tue.mpg.de"}
AMASS_SOURCE = "https://amass.is.tue.mpg.de (register, accept the licence, download the SMPL+H G archives)"

#: Pose numbers that move the 22 body joints: the root and 21 body joints, 3 axis-angle numbers each.
BODY_POSE_WIDTH = 3 * NUM_JOINTS

#: Parent of each of the 22 body joints in SMPL's own joint order (-1 for the pelvis).
SMPL_BODY_PARENTS: tuple[int, ...] = tuple(
    -1 if PARENTS[CANONICAL_TO_SMPL[k]] < 0 else SMPL_TO_CANONICAL[PARENTS[CANONICAL_TO_SMPL[k]]]
    for k in range(NUM_JOINTS)
)

# The entries smplx reads from a SMPL or SMPL+H model file.
_MODEL_ENTRIES = ("v_template", "shapedirs", "posedirs", "J_regressor", "weights", "kintree_table", "f")
# MANO hand-pose PCA of SMPL+H: 15 hand joints x 3 numbers.
_HAND_POSE_WIDTH = 45
_NPZ_READ_ERRORS = (ValueError, OSError, EOFError, KeyError, zipfile.BadZipFile, zlib.error)


@dataclass(frozen=True)
class AmassClip:
    """The parts of an AMASS ``.npz`` that place the 22 body joints.

    body_poses: (T, 66) axis-angle root and body-joint rotations, SMPL joint order.
    trans: (T, 3) translation, metres, in the file's world frame.
    betas: (B,) body-shape coefficients.
    fps: frames per second.
    pose_width: the width of the file's ``poses`` (72, 156 or 165), which tells the body model.
    gender: male, female or neutral.
    """

    body_poses: np.ndarray
    trans: np.ndarray
    betas: np.ndarray
    fps: float
    pose_width: int
    gender: str


def model_type_from_pose_width(width: int, path: str | Path | None = None) -> str:
    """``smpl`` (72), ``smplh`` (156) or ``smplx`` (165) from the width of ``poses``."""
    if width not in MODEL_TYPE_BY_POSE_WIDTH:
        widths = ", ".join(f"{w} ({t})" for w, t in MODEL_TYPE_BY_POSE_WIDTH.items())
        raise InputError(path, f"poses has {width} numbers a frame; expected one of {widths}")
    return MODEL_TYPE_BY_POSE_WIDTH[width]


def normalise_gender(value: Any, path: str | Path | None = None) -> str:
    """``male``, ``female`` or ``neutral`` from a str, bytes or one-element array (AMASS stores all three)."""
    if isinstance(value, np.ndarray):
        if value.size != 1:
            raise InputError(path, f"gender must be one value, got an array of shape {value.shape}")
        value = value.reshape(-1)[0]
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    gender = str(value).strip().lower()
    if gender not in GENDERS:
        raise InputError(path, f"gender must be one of {', '.join(GENDERS)}, got {value!r}")
    return gender


def _open_archive(path: Path) -> np.lib.npyio.NpzFile:
    """The ``.npz`` at ``path``, opened without unpickling (clips are data, never code)."""
    try:
        archive = np.load(path, allow_pickle=False)
    except FileNotFoundError:
        raise InputError(path, "no such file") from None
    except _NPZ_READ_ERRORS as error:
        raise InputError(path, f"not a readable .npz archive ({error})") from None
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise InputError(path, "holds a single array, not an .npz archive of named entries")
    return archive


def _entry(archive: np.lib.npyio.NpzFile, key: str, path: Path) -> np.ndarray:
    try:
        return archive[key]
    except _NPZ_READ_ERRORS as error:
        raise InputError(path, f"entry {key!r} cannot be read ({error})") from None


def _finite_numbers(archive: np.lib.npyio.NpzFile, key: str, path: Path) -> np.ndarray:
    """Entry ``key`` as a float64 array; non-numeric values or NaN/inf are an :class:`InputError`."""
    array = _entry(archive, key, path)
    if not np.issubdtype(array.dtype, np.number) or np.iscomplexobj(array):
        raise InputError(path, f"{key} must be real numbers, got dtype {array.dtype}")
    array = array.astype(np.float64)
    if not np.isfinite(array).all():
        where = np.argwhere(~np.isfinite(array))[0]
        at = f" (first at frame {int(where[0])})" if array.ndim > 1 else ""
        raise InputError(path, f"{key} holds NaN or inf{at}")
    return array


def _check_entries(archive: np.lib.npyio.NpzFile, path: Path) -> None:
    missing = [key for key in ("poses", "trans", "betas") if key not in archive.files]
    if not any(key in archive.files for key in FRAME_RATE_KEYS):
        missing.append(" or ".join(FRAME_RATE_KEYS))
    if missing:
        found = ", ".join(sorted(archive.files)) or "nothing"
        raise InputError(path, f"not an AMASS clip: lacks {', '.join(missing)} (found {found})")


def _frame_rate(archive: np.lib.npyio.NpzFile, path: Path) -> float:
    key = next(key for key in FRAME_RATE_KEYS if key in archive.files)
    value = _finite_numbers(archive, key, path)
    if value.size != 1 or float(value.reshape(-1)[0]) <= 0:
        raise InputError(path, f"{key} must be one positive number, got {value.tolist()}")
    return float(value.reshape(-1)[0])


def _betas(archive: np.lib.npyio.NpzFile, path: Path) -> np.ndarray:
    betas = _finite_numbers(archive, "betas", path)
    if betas.ndim == 2 and betas.shape[0] == 1:
        betas = betas[0]
    if betas.ndim != 1:
        raise InputError(path, f"betas must have shape (B,), got {betas.shape}")
    return betas


def _clip_gender(archive: np.lib.npyio.NpzFile, path: Path) -> str:
    """The clip's ``gender`` entry, or ``neutral`` when it has none."""
    if "gender" not in archive.files:
        return "neutral"
    try:
        value = archive["gender"]
    except _NPZ_READ_ERRORS as error:
        raise InputError(path, f"gender cannot be read ({error}); pass gender=") from None
    return normalise_gender(value, path)


def read_clip(path: str | Path, gender: str | None = None) -> AmassClip:
    """Read and check the body-moving parts of an AMASS ``.npz``.

    ``gender`` overrides the file's ``gender`` entry (which is then not read).
    """
    path = Path(path)
    with _open_archive(path) as archive:
        _check_entries(archive, path)
        poses = _finite_numbers(archive, "poses", path)
        if poses.ndim != 2:
            raise InputError(path, f"poses must have shape (T, 72 | 156 | 165), got {poses.shape}")
        frames, width = poses.shape
        model_type_from_pose_width(width, path)
        if frames < 2:
            raise InputError(path, f"clip has {frames} frame(s); at least 2 are needed")
        trans = _finite_numbers(archive, "trans", path)
        if trans.shape != (frames, 3):
            raise InputError(path, f"trans must have shape ({frames}, 3) like poses, got {trans.shape}")
        return AmassClip(
            body_poses=poses[:, :BODY_POSE_WIDTH],
            trans=trans,
            betas=_betas(archive, path),
            fps=_frame_rate(archive, path),
            pose_width=width,
            gender=normalise_gender(gender, path) if gender is not None else _clip_gender(archive, path),
        )


def body_model_folder(body_models: str | Path | None, clip_path: str | Path | None = None) -> Path:
    """The body-model folder: ``body_models``, else ``$MOTION_BODY_MODELS``."""
    given = body_models if body_models is not None else os.environ.get(BODY_MODELS_ENV)
    if not given:
        raise InputError(clip_path, f"no body-model folder: pass body_models= or set {BODY_MODELS_ENV} "
                                    "(SMPL-family models are licensed files, never downloaded: SMPL+H from "
                                    f"{BODY_MODEL_SOURCES['smplh']}, SMPL-X from {BODY_MODEL_SOURCES['smplx']})")
    folder = Path(given).expanduser()
    if not folder.is_dir():
        raise InputError(folder, "no such body-model folder")
    return folder


def body_model_candidates(folder: Path, model_type: str, gender: str) -> list[Path]:
    """Where a ``model_type`` body model of ``gender`` may lie in ``folder``, in the order they are tried."""
    stem = f"{model_type.upper()}_{gender.upper()}"
    return [
        folder / model_type / f"{stem}.npz",
        folder / model_type / f"{stem}.pkl",
        folder / f"{stem}.npz",
        folder / f"{stem}.pkl",
        folder / model_type / gender / "model.npz",
    ]


def find_body_model_file(folder: Path, model_type: str, gender: str) -> Path:
    """The first of :func:`body_model_candidates` that exists; an :class:`InputError` naming them if none."""
    for candidate in body_model_candidates(folder, model_type, gender):
        if candidate.is_file():
            return candidate
    stem = f"{model_type.upper()}_{gender.upper()}"
    raise InputError(folder, f"no {model_type} body model for gender {gender}: smplx expects {stem}.npz or "
                             f"{stem}.pkl in {folder / model_type} or {folder}; AMASS's layout is "
                             f"{model_type}/{gender}/model.npz; {model_type} models come from "
                             f"{BODY_MODEL_SOURCES[model_type]}")


def _read_model_file(file: Path, keys: tuple[str, ...]) -> dict[str, Any]:
    """Those of ``keys`` present in a body-model ``.npz`` or ``.pkl`` (licensed files the user trusts:
    both formats may hold pickled objects, as smplx itself assumes)."""
    try:
        if file.suffix == ".npz":
            with np.load(file, allow_pickle=True) as archive:
                return {key: archive[key] for key in keys if key in archive.files}
        with open(file, "rb") as handle:
            content = pickle.load(handle, encoding="latin1")
    except ModuleNotFoundError as error:
        raise InputError(file, f"was pickled with {error.name} objects, which are not installed; use the "
                               "model's .npz release or re-save the file with plain numpy arrays") from None
    except Exception as error:  # noqa: BLE001 - a file that fails to unpickle in any way is unusable
        raise InputError(file, f"cannot read the body model ({type(error).__name__}: {error})") from None
    if not isinstance(content, dict):
        raise InputError(file, f"expected a dict of model arrays, got {type(content).__name__}")
    return {key: content[key] for key in keys if key in content}


def _full_shape_space(shapedirs: np.ndarray) -> np.ndarray:
    """``shapedirs`` padded with zero components to smplx's 300.

    smplx takes a SMPL or SMPL+H model with fewer than 300 shape components to have 10 (it prints a warning
    and drops the rest), but AMASS's SMPL+H has 16. With zero components up to 300, smplx keeps every real
    one; ``num_betas``, capped at the real count, then selects only real components.
    """
    missing = smplx.SMPL.SHAPE_SPACE_DIM - shapedirs.shape[-1]
    if missing <= 0:
        return shapedirs
    return np.concatenate([shapedirs, np.zeros(shapedirs.shape[:2] + (missing,), shapedirs.dtype)], axis=-1)


def _unused_hand_pca() -> dict[str, np.ndarray]:
    """Stand-ins for SMPL+H's MANO hand PCA, which smplx demands even when it does not use it.

    With ``use_pca=False`` and ``flat_hand_mean=True`` smplx never applies these; this reader poses no hand
    joints anyway. AMASS's SMPL+H files carry no hand PCA at all.
    """
    components = np.zeros((_HAND_POSE_WIDTH, _HAND_POSE_WIDTH))
    mean = np.zeros(_HAND_POSE_WIDTH)
    return {"hands_componentsl": components, "hands_componentsr": components,
            "hands_meanl": mean, "hands_meanr": mean}


def read_model_data(file: Path, model_type: str) -> dict[str, Any]:
    """The arrays of a SMPL or SMPL+H model file, checked and ready for smplx's ``data_struct``."""
    data = _read_model_file(file, _MODEL_ENTRIES)
    missing = [key for key in _MODEL_ENTRIES if key not in data]
    if missing:
        raise InputError(file, f"lacks {', '.join(missing)}, which a {model_type} body model needs")
    data["shapedirs"] = np.asarray(data["shapedirs"])
    if data["shapedirs"].ndim != 3 or data["shapedirs"].shape[1] != 3:
        raise InputError(file, f"shapedirs must have shape (V, 3, B), got {data['shapedirs'].shape}")
    if model_type == "smplh":
        data.update(_unused_hand_pca())
    return data


def _smplx_layer(file: Path, model_type: str, num_betas: int) -> torch.nn.Module:
    """smplx's layer (pose given as rotation matrices) for ``file``; smplx's own prints are swallowed."""
    hand_options = {} if model_type == "smpl" else {"use_pca": False, "flat_hand_mean": True}
    with contextlib.redirect_stdout(io.StringIO()):
        if model_type == "smplx":
            return smplx.SMPLXLayer(str(file), ext=file.suffix[1:], num_betas=num_betas, **hand_options)
        data = read_model_data(file, model_type)
        num_betas = min(num_betas, data["shapedirs"].shape[-1])
        data["shapedirs"] = _full_shape_space(data["shapedirs"])
        layer_class = smplx.SMPLHLayer if model_type == "smplh" else smplx.SMPLLayer
        return layer_class(str(file), data_struct=Struct(**data), num_betas=num_betas, **hand_options)


def _check_body_tree(model: torch.nn.Module, file: Path) -> None:
    parents = tuple(int(p) for p in model.parents[:NUM_JOINTS])
    if parents != SMPL_BODY_PARENTS:
        raise InputError(file, f"kintree_table does not start with SMPL's 22-joint body tree: {parents}")


def build_body_model(file: Path, model_type: str, num_betas: int) -> torch.nn.Module:
    """A smplx layer for the model ``file``, run once on the rest pose to prove the file is consistent.

    Any failure inside smplx on this file becomes an :class:`InputError` naming it.
    """
    try:
        model = _smplx_layer(file, model_type, num_betas)
        with torch.inference_mode():
            model(betas=torch.zeros(1, model.num_betas))
    except InputError:
        raise
    except AttributeError as error:  # smplx reads a model file's entries as attributes
        missing = error.name or error
        raise InputError(file, f"lacks {missing}, which a {model_type} body model needs") from None
    except Exception as error:  # noqa: BLE001 - smplx reports a malformed file in many ways
        raise InputError(file, f"smplx cannot build a {model_type} body model from it "
                               f"({type(error).__name__}: {error})") from None
    _check_body_tree(model, file)
    return model.eval()


@functools.lru_cache(maxsize=4)
def _cached_body_model(file: str, modified_ns: int, model_type: str, num_betas: int,
                       device: str) -> torch.nn.Module:
    return build_body_model(Path(file), model_type, num_betas).to(device)


def body_model(file: Path, model_type: str, num_betas: int,
               device: str | torch.device = "cpu") -> torch.nn.Module:
    """:func:`build_body_model`, cached per file (and its modification time), type, betas and device."""
    file = file.resolve()
    device = str(torch.device(device))
    return _cached_body_model(str(file), file.stat().st_mtime_ns, model_type, num_betas, device)


def local_rotations(body_poses: np.ndarray) -> np.ndarray:
    """(T, 22, 3, 3) rotation matrices from (T, 66) axis-angle root and body-joint rotations."""
    frames = body_poses.shape[0]
    return Rotation.from_rotvec(body_poses.reshape(-1, 3)).as_matrix().reshape(frames, NUM_JOINTS, 3, 3)


def global_rotations(local: np.ndarray) -> np.ndarray:
    """(T, 22, 3, 3) global joint orientations: the local rotations chained down SMPL's body tree.

    SMPL (Loper et al. 2015) poses joint k by ``G_k = G_parent(k) R_k`` with ``G_root = R_root``; SMPL's joint
    order lists every parent before its children.
    """
    result = np.empty_like(local)
    for joint, parent in enumerate(SMPL_BODY_PARENTS):
        result[:, joint] = local[:, joint] if parent < 0 else result[:, parent] @ local[:, joint]
    return result


def posed_joints(model: torch.nn.Module, local: np.ndarray, betas: np.ndarray, trans: np.ndarray,
                 batch_frames: int = DEFAULT_BATCH_FRAMES) -> np.ndarray:
    """(T, 22, 3) SMPL-order body-joint positions from the smplx layer ``model``, ``batch_frames`` at a time.

    ``local``: (T, 22, 3, 3) local rotations; ``betas``: at least ``model.num_betas`` coefficients (the rest
    are dropped); ``trans``: (T, 3). Joints past the 22 (SMPL's two hand joints) keep the identity.
    """
    device, dtype = model.shapedirs.device, model.shapedirs.dtype
    shape = torch.as_tensor(betas[: model.num_betas], dtype=dtype, device=device)[None]
    spare_joints = model.NUM_BODY_JOINTS - (NUM_JOINTS - 1)
    chunks = []
    with torch.inference_mode():
        for start in range(0, local.shape[0], batch_frames):
            rotations = torch.as_tensor(local[start:start + batch_frames], dtype=dtype, device=device)
            frames = rotations.shape[0]
            spare = torch.eye(3, dtype=dtype, device=device).expand(frames, spare_joints, 3, 3)
            output = model(
                betas=shape.expand(frames, -1),
                global_orient=rotations[:, :1],
                body_pose=torch.cat([rotations[:, 1:], spare], dim=1),
                transl=torch.as_tensor(trans[start:start + batch_frames], dtype=dtype, device=device),
            )
            chunks.append(output.joints[:, :NUM_JOINTS].double().cpu().numpy())
    return np.concatenate(chunks)


def _check_options(model_type: str | None, num_betas: int | None, batch_frames: int, up_axis: str) -> None:
    if model_type is not None and model_type.lower() not in MODEL_TYPES:
        raise InputError(None, f"model_type must be one of {', '.join(MODEL_TYPES)}, got {model_type!r}")
    if num_betas is not None and (not isinstance(num_betas, int) or num_betas < 1):
        raise InputError(None, f"num_betas must be a positive integer, got {num_betas!r}")
    if not isinstance(batch_frames, int) or batch_frames < 1:
        raise InputError(None, f"batch_frames must be a positive integer, got {batch_frames!r}")
    if up_axis not in UP_AXES:
        raise InputError(None, f"up_axis must be one of {', '.join(UP_AXES)}, got {up_axis!r}")


def load_amass(
    path: str | Path,
    body_models: str | Path | None = None,
    model_type: str | None = None,
    gender: str | None = None,
    num_betas: int | None = None,
    device: str | torch.device = "cpu",
    batch_frames: int = DEFAULT_BATCH_FRAMES,
    up_axis: str = "z",
) -> Motion:
    """Read an AMASS (or other SMPL-family) ``.npz`` as a :class:`Motion` with global joint rotations.

    Args:
        path: the clip.
        body_models: folder of SMPL-family model files (see the module docstring); by default
            ``$MOTION_BODY_MODELS``.
        model_type: ``smpl``, ``smplh`` or ``smplx``; by default the one the width of ``poses`` implies
            (the first 66 pose numbers mean the same in every layout, so another type may stand in).
        gender: ``male``, ``female`` or ``neutral``; by default the clip's ``gender`` (else neutral).
        num_betas: use at most this many shape coefficients; by default all the clip has (a model with
            fewer shape components uses its own count).
        device: torch device the body model runs on.
        batch_frames: frames per body-model call, which bounds memory (smplx needs roughly 1.5 MB a frame
            for SMPL+H, 2 MB for SMPL-X).
        up_axis: ``z`` for AMASS's z-up world (converted to y up), ``y`` for data that is already y up.

    Returns positions (T, 22, 3) in metres and rotations (T, 22, 3, 3), y up, canonical joint order; fps from
    the clip; no texts; the file stem as name.
    """
    path = Path(path)
    _check_options(model_type, num_betas, batch_frames, up_axis)
    clip = read_clip(path, gender)
    model_type = model_type.lower() if model_type else model_type_from_pose_width(clip.pose_width, path)
    model_file = find_body_model_file(body_model_folder(body_models, path), model_type, clip.gender)
    betas = clip.betas[:num_betas]
    model = body_model(model_file, model_type, betas.size, device)
    local = local_rotations(clip.body_poses)
    positions = posed_joints(model, local, betas, clip.trans, batch_frames)
    rotations = global_rotations(local)
    if up_axis == "z":
        positions, rotations = positions @ Z_UP_TO_Y_UP.T, Z_UP_TO_Y_UP @ rotations
    return Motion(
        positions=positions[:, SMPL_TO_CANONICAL].astype(np.float32),
        fps=clip.fps,
        rotations=rotations[:, SMPL_TO_CANONICAL].astype(np.float32),
        texts=[],
        name=path.stem,
    )
