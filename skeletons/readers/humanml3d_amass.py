"""HumanML3D rebuilt from AMASS: the clips of HumanML3D's ``index.csv`` posed from the user's AMASS files.

HumanML3D (Guo et al., "Generating Diverse and Natural 3D Human Motions From Text", CVPR 2022) ships only
its captions (``HumanML3D/texts.zip``) and an index of where each clip comes from; its motions must be
rebuilt from AMASS (Mahmood et al., ICCV 2019) with SMPL+H body models. This module follows the
conventions of the dataset's own notebooks (github.com/EricGuo5513/HumanML3D: ``raw_pose_processing.ipynb``
and ``motion_representation.ipynb``), re-implemented here, wherever they change the motion:

1. **Posing** (raw_pose_processing): the clip's first 66 pose numbers and the first 10 betas through the
   SMPL+H model of the clip's gender (any gender but ``male`` takes the female model, as there), every
   ``int(fps / 20)``-th frame of the AMASS clip, so 120 and 60 fps clips become 20 fps (the true rate,
   ``fps / int(fps / 20)``, is kept as the clip's rate when it is not 20).
2. **Frame ranges** (raw_pose_processing): subsets whose recordings begin with a calibration pose lose their
   first seconds (:data:`TRIM_S`: Eyes_Japan_Dataset and MPI_HDM05 3 s, TotalCapture and MPI_Limits 1 s,
   Transitions_mocap 0.5 s), then ``index.csv``'s ``start_frame:end_frame`` (20 fps frames) is cut out.
3. **World frame**: y up (AMASS is z up). HumanML3D maps AMASS's (x, y, z) to (-x, z, y); the facing
   step below removes any turn about y, so this and the AMASS reader's frame give the same clip.
4. **Mirrored copies** ``M<name>``: left and right joints swapped and x negated, before step 5 (as there);
   their captions are HumanML3D's own ``M<name>.txt`` when the texts hold them, else the original captions
   with left and right swapped (:func:`skeletons.captions.swap_left_right`).
5. **One skeleton** (motion_representation's ``uniform_skeleton``): every bone keeps its direction and takes
   the length of HumanML3D's reference body (:data:`REFERENCE_BONE_LENGTHS`), the root path is scaled by
   the ratio of the right leg's lengths (reference / clip, first frame).
6. **Placement** (motion_representation): the lowest joint of the whole clip on the floor (y = 0), the root
   at x = z = 0 in the first frame, the body facing +z in the first frame (forward = up x across, with
   across = right minus left hip plus right minus left shoulder).
7. **Length**: HumanML3D's ``new_joints`` are rebuilt from its feature vectors, which hold one frame fewer
   than the cut clip; the last frame is dropped likewise.

The result is what ``new_joints/<name>.npy`` of a downloaded HumanML3D holds (positions only, SMPL body,
20 fps), in the canonical joint order. Rows that are not AMASS (HumanAct12, whose joints HumanML3D ships
itself) cannot be rebuilt here and are reported as skipped.
"""
from __future__ import annotations

import csv
import functools
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import numpy as np
from scipy.spatial.transform import Rotation

from ..body import JOINT_INDEX, JOINT_NAMES, MIRROR, PARENTS, SMPL_TO_CANONICAL
from ..captions import described_clips, swap_left_right
from ..errors import InputError
from ..motion import Motion
from .amass import (
    AMASS_SOURCE,
    BODY_MODEL_SOURCES,
    body_model,
    body_model_folder,
    find_body_model_file,
    local_rotations,
    model_type_from_pose_width,
    posed_joints,
    read_clip,
)
from .humanml3d import Caption, parse_captions

FPS = 20.0
NUM_BETAS = 10
SMPLH_SOURCE = f"{BODY_MODEL_SOURCES['smplh']}: smplh/male/model.npz, smplh/female/model.npz"
HUMANML3D_SOURCE = "https://github.com/EricGuo5513/HumanML3D (clone it: index.csv and HumanML3D/texts.zip)"

#: Seconds cut from the start of every clip of these AMASS subsets before the index's frame range applies.
TRIM_S = {"Eyes_Japan_Dataset": 3.0, "MPI_HDM05": 3.0, "TotalCapture": 1.0, "MPI_Limits": 1.0,
          "Transitions_mocap": 0.5}

#: AMASS subset folders under the names HumanML3D's index uses -> the names of AMASS's later releases.
AMASS_FOLDER_ALIASES = {"BioMotionLab_NTroje": ("BMLrub",), "MPI_HDM05": ("HDM05",), "MPI_Limits": ("PosePrior",),
                        "Transitions_mocap": ("Transitions",), "SSM_synced": ("SSM",), "DFaust_67": ("DFaust",),
                        "MPI_mosh": ("MoSh",), "TCD_handMocap": ("TCDHands",)}

#: Bone lengths (metres, by child joint) of the one body every HumanML3D clip is retargeted to, measured on
#: HumanML3D's ``new_joints/012314.npy`` (constant to 2.5e-7 m over its 170 frames).
REFERENCE_BONE_LENGTHS = {
    "left_hip": 0.103074, "left_knee": 0.393623, "left_ankle": 0.432433, "left_foot": 0.143382,
    "right_hip": 0.109883, "right_knee": 0.390188, "right_ankle": 0.425643, "right_foot": 0.149419,
    "spine1": 0.131568, "spine2": 0.143190, "spine3": 0.057365, "neck": 0.219360, "head": 0.103039,
    "left_collar": 0.137487, "left_shoulder": 0.131614, "left_elbow": 0.256840, "left_wrist": 0.266012,
    "right_collar": 0.143383, "right_shoulder": 0.122984, "right_elbow": 0.263092, "right_wrist": 0.269876,
}

#: AMASS z up -> HumanML3D's y up: (x, y, z) -> (-x, z, y), a rotation (det +1).
AMASS_TO_HUMANML3D = np.array([[-1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, 1.0, 0.0]])


@dataclass(frozen=True)
class IndexRow:
    """One row of HumanML3D's ``index.csv``: ``source_path,start_frame,end_frame,new_name``."""

    source_path: str
    start_frame: int
    end_frame: int
    name: str  # new_name without ``.npy``

    @property
    def parts(self) -> tuple[str, ...]:
        """The source path below ``pose_data/`` (``KIT/3/kick_high_left02_poses.npy`` -> its parts)."""
        parts = PurePosixPath(self.source_path.replace("\\", "/")).parts
        return parts[parts.index("pose_data") + 1:] if "pose_data" in parts else tuple(p for p in parts if p != ".")

    @property
    def subset(self) -> str:
        return self.parts[0] if self.parts else ""

    @property
    def is_amass(self) -> bool:
        return "humanact12" not in self.source_path.lower()

    @property
    def trim_frames(self) -> int:
        """Frames (20 fps) cut from the start before the frame range applies (HumanML3D's own test: the
        subset's name anywhere in the source path)."""
        return next((int(seconds * FPS) for subset, seconds in TRIM_S.items() if subset in self.source_path), 0)


def read_index(path: str | Path) -> list[IndexRow]:
    """Read HumanML3D's ``index.csv``; a malformed file or row is an :class:`InputError`."""
    path = Path(path)
    try:
        with open(path, newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            columns = {"source_path", "start_frame", "end_frame", "new_name"}
            if not columns <= set(reader.fieldnames or ()):
                raise InputError(path, f"not HumanML3D's index: expected the columns {', '.join(sorted(columns))}, "
                                       f"got {', '.join(reader.fieldnames or ()) or 'none'}")
            rows = []
            for number, row in enumerate(reader, start=2):
                try:
                    rows.append(IndexRow(row["source_path"].strip(), int(row["start_frame"]), int(row["end_frame"]),
                                         Path(row["new_name"].strip()).stem))
                except (TypeError, ValueError):
                    raise InputError(path, f"line {number}: start_frame/end_frame are not integers: {row}") from None
    except FileNotFoundError:
        raise InputError(path, f"no such index; it comes from {HUMANML3D_SOURCE}") from None
    if not rows:
        raise InputError(path, "the index lists no clips")
    return rows


def find_index(humanml3d: str | Path) -> Path:
    """``index.csv`` in a HumanML3D checkout (its root, or the ``HumanML3D/`` folder inside it)."""
    root = Path(humanml3d)
    for candidate in (root / "index.csv", root.parent / "index.csv", root / "HumanML3D" / "index.csv"):
        if candidate.is_file():
            return candidate
    raise InputError(root, f"no index.csv here; it comes from {HUMANML3D_SOURCE}")


def read_texts(humanml3d: str | Path) -> dict[str, list[Caption]]:
    """Every caption file of a HumanML3D checkout by clip name: ``texts/*.txt`` or ``texts.zip`` (in the root or
    in its ``HumanML3D/`` folder)."""
    root = Path(humanml3d)
    for base in (root, root / "HumanML3D"):
        if (base / "texts").is_dir():
            files = sorted((base / "texts").glob("*.txt"))
            return {p.stem: parse_captions(p.read_text(encoding="utf-8"), p) for p in files}
        if (base / "texts.zip").is_file():
            return _zipped_texts(base / "texts.zip")
    raise InputError(root, f"no texts/ folder or texts.zip here; they come from {HUMANML3D_SOURCE}")


def _zipped_texts(path: Path) -> dict[str, list[Caption]]:
    try:
        with zipfile.ZipFile(path) as archive:
            return {PurePosixPath(member).stem: parse_captions(archive.read(member).decode("utf-8"), f"{path}:{member}")
                    for member in archive.namelist() if member.endswith(".txt")}
    except (zipfile.BadZipFile, OSError, UnicodeDecodeError) as error:
        raise InputError(path, f"not a readable zip of caption files ({error})") from None


def amass_path(amass: str | Path, row: IndexRow) -> Path:
    """The AMASS ``.npz`` of an index row under the folder ``amass``; later releases' subset names
    (:data:`AMASS_FOLDER_ALIASES`) are tried too. The first candidate when none exists."""
    root, parts = Path(amass), row.parts
    if len(parts) < 2:
        return root / PurePosixPath(*parts).with_suffix(".npz")
    rest = PurePosixPath(*parts[1:]).with_suffix(".npz")
    candidates = [root / folder / rest for folder in (row.subset, *AMASS_FOLDER_ALIASES.get(row.subset, ()))]
    return next((c for c in candidates if c.is_file()), candidates[0])


def frame_selection(num_frames: int, fps: float, row: IndexRow,
                    path: str | Path | None = None) -> tuple[np.ndarray, float]:
    """Which frames of an AMASS clip of ``num_frames`` at ``fps`` make the index row's clip, and their rate.

    HumanML3D keeps every ``int(fps / 20)``-th frame, drops :attr:`IndexRow.trim_frames`, then takes
    ``start_frame:end_frame`` with Python's slicing rules (an end past the clip is the clip's end).
    """
    step = int(fps / FPS)
    if step < 1:
        raise InputError(path, f"recorded at {fps:g} fps; HumanML3D needs at least {FPS:g} fps")
    frames = np.arange(num_frames)[::step][row.trim_frames:][row.start_frame:row.end_frame]
    if frames.size < 3:
        raise InputError(path, f"index row {row.name} selects {frames.size} frame(s) of the clip's "
                               f"{len(range(0, num_frames, step))} at {fps / step:g} fps (frames {row.start_frame}:"
                               f"{row.end_frame} after {row.trim_frames} trimmed); at least 3 are needed")
    return frames, fps / step


def mirror(positions: np.ndarray) -> np.ndarray:
    """The mirror image of canonical-order positions (..., 22, 3): x negated, left and right joints swapped."""
    mirrored = positions[..., list(MIRROR), :].copy()
    mirrored[..., 0] *= -1
    return mirrored


def _bone_length(positions: np.ndarray, joint: int) -> np.ndarray:
    return np.linalg.norm(positions[..., joint, :] - positions[..., PARENTS[joint], :], axis=-1)


def uniform_skeleton(positions: np.ndarray) -> np.ndarray:
    """Every bone of (T, 22, 3) canonical positions kept in direction with its reference length; the root
    path scaled by the right leg's reference length over its length in the first frame."""
    leg = [JOINT_INDEX["right_knee"], JOINT_INDEX["right_ankle"]]
    reference_leg = sum(REFERENCE_BONE_LENGTHS[JOINT_NAMES[j]] for j in leg)
    clip_leg = sum(float(_bone_length(positions[0], j)) for j in leg)
    result = np.empty_like(positions)
    result[:, 0] = positions[:, 0] * (reference_leg / clip_leg)
    for joint in range(1, len(JOINT_NAMES)):  # parents come before their children
        bone = positions[:, joint] - positions[:, PARENTS[joint]]
        direction = bone / np.maximum(np.linalg.norm(bone, axis=-1, keepdims=True), 1e-12)
        result[:, joint] = result[:, PARENTS[joint]] + direction * REFERENCE_BONE_LENGTHS[JOINT_NAMES[joint]]
    return result


def facing(positions: np.ndarray) -> np.ndarray:
    """The horizontal unit direction a pose (22, 3) faces: up x across, across = right - left hip plus
    right - left shoulder."""
    j = JOINT_INDEX
    across = (positions[j["right_hip"]] - positions[j["left_hip"]]
              + positions[j["right_shoulder"]] - positions[j["left_shoulder"]])
    forward = np.cross([0.0, 1.0, 0.0], across)
    return forward / np.linalg.norm(forward)


def place(positions: np.ndarray) -> np.ndarray:
    """Floor at the clip's lowest joint, root over the origin and facing +z in the first frame."""
    positions = positions - [0.0, positions[..., 1].min(), 0.0]
    positions = positions - positions[0, 0] * [1.0, 0.0, 1.0]
    forward = facing(positions[0])
    turn = Rotation.from_rotvec([0.0, -np.arctan2(forward[0], forward[2]), 0.0]).as_matrix()
    return positions @ turn.T


def humanml3d_conventions(positions: np.ndarray, mirrored: bool = False) -> np.ndarray:
    """Steps 4-7 of the module docstring on y-up canonical positions (T, 22, 3): (T - 1, 22, 3)."""
    positions = np.asarray(positions, dtype=np.float64)
    if mirrored:
        positions = mirror(positions)
    return place(uniform_skeleton(positions))[:-1]


@functools.lru_cache(maxsize=2)
def _posed(path: str, modified_ns: int, body_models: str | None, row: IndexRow) -> tuple[np.ndarray, float]:
    """Steps 1-3: y-up canonical joint positions of an index row's frames, and their rate (cached, so a row
    and its mirrored copy pose the clip once)."""
    clip = read_clip(path)
    frames, rate = frame_selection(clip.body_poses.shape[0], clip.fps, row, path)
    model_type = model_type_from_pose_width(clip.pose_width, path)
    gender = "male" if clip.gender == "male" else "female"
    model_file = find_body_model_file(body_model_folder(body_models, path), model_type, gender)
    betas = clip.betas[:NUM_BETAS]
    model = body_model(model_file, model_type, betas.size)
    smpl_order = posed_joints(model, local_rotations(clip.body_poses[frames]), betas, clip.trans[frames])
    positions = (smpl_order @ AMASS_TO_HUMANML3D.T)[:, list(SMPL_TO_CANONICAL)]
    positions.setflags(write=False)
    return positions, rate


def rebuild_clip(amass: str | Path, row: IndexRow, body_models: str | Path | None = None,
                 mirrored: bool = False) -> Motion:
    """The clip HumanML3D names ``row.name`` (or ``M`` + it when ``mirrored``), rebuilt from the AMASS folder
    ``amass``: positions only, y up, canonical order, at its rate (20 fps for 20, 60, 100, 120 fps sources)."""
    if not row.is_amass:
        raise InputError(row.source_path, "skipped: a HumanAct12 row, not AMASS (HumanML3D ships these joints "
                                          "itself in pose_data/humanact12.zip; only AMASS rows are rebuilt)")
    path = amass_path(amass, row)
    if not path.is_file():
        raise InputError(path, f"no such AMASS file (subset {row.subset}); AMASS comes from {AMASS_SOURCE}")
    positions, rate = _posed(str(path), path.stat().st_mtime_ns, None if body_models is None else str(body_models), row)
    name = ("M" if mirrored else "") + row.name
    return Motion(positions=humanml3d_conventions(positions, mirrored).astype(np.float32), fps=rate, name=name)


def mirrored_captions(captions: list[Caption]) -> list[Caption]:
    """The captions of a mirrored copy: left and right swapped in each text, spans kept."""
    return [Caption(swap_left_right(c.text), c.start_s, c.end_s) for c in captions]


def rebuild_described(amass: str | Path, row: IndexRow, captions: list[Caption],
                      body_models: str | Path | None = None, mirrored: bool = False) -> list[Motion]:
    """:func:`rebuild_clip` with its captions: the whole clip plus one sub-clip per captioned span (spans in
    seconds of HumanML3D's nominal 20 fps, as its annotators saw the clips)."""
    return described_clips(rebuild_clip(amass, row, body_models, mirrored), captions, span_fps=FPS)
