"""BVH reading: parser, forward kinematics, units and axes, retargeting presets, bad input, real CMU files."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import yaml

from skeletons import InputError, load_motion
from skeletons.body import JOINT_INDEX, JOINT_NAMES, bone_lengths, standing_height
from skeletons.orientation import estimate_orientations
from skeletons.readers.bvh import (
    detect_unit,
    forward_kinematics,
    load_bvh,
    parse_bvh,
    rest_pose,
)
from skeletons.retarget import PRESETS, resolve_retarget

# ------------------------------------------------------------------------------------ writing test files


def axis_rotation(axis: str, degrees: np.ndarray) -> np.ndarray:
    """(..., 3, 3) right-handed rotation about a coordinate axis, written out by hand."""
    a = np.radians(degrees)
    c, s, one, zero = np.cos(a), np.sin(a), np.ones_like(a), np.zeros_like(a)
    rows = {
        "X": [[one, zero, zero], [zero, c, -s], [zero, s, c]],
        "Y": [[c, zero, s], [zero, one, zero], [-s, zero, c]],
        "Z": [[c, -s, zero], [s, c, zero], [zero, zero, one]],
    }[axis]
    return np.moveaxis(np.array(rows, dtype=np.float64), (0, 1), (-2, -1))


# A joint of a synthetic skeleton: (name, parent name or None, offset in metres, y up, facing +z, left +x).
Joint = tuple[str, str | None, tuple[float, float, float]]


def sided(*joints: Joint, across: int = 0) -> list[Joint]:
    """Left and right copies of joints written with {Side} / {S}; the right one mirrored along axis
    ``across`` (x by default: the left side is towards +x)."""
    out = []
    for side, s, sign in (("Left", "L", 1.0), ("Right", "R", -1.0)):
        for name, parent, offset in joints:
            mirrored = tuple(sign * v if axis == across else v for axis, v in enumerate(offset))
            out.append((name.format(Side=side, S=s), parent and parent.format(Side=side, S=s), mirrored))
    return out


# Mixamo-like proportions: standing height about 1.7 m.
MIXAMO: list[Joint] = [
    ("Hips", None, (0.0, 0.95, 0.0)),
    *sided(("{Side}UpLeg", "Hips", (0.09, -0.07, 0.0)), ("{Side}Leg", "{Side}UpLeg", (0.0, -0.42, 0.0)),
           ("{Side}Foot", "{Side}Leg", (0.0, -0.40, 0.0)), ("{Side}ToeBase", "{Side}Foot", (0.0, -0.05, 0.12))),
    ("Spine", "Hips", (0.0, 0.10, 0.0)), ("Spine1", "Spine", (0.0, 0.12, 0.0)),
    ("Spine2", "Spine1", (0.0, 0.13, 0.0)), ("Neck", "Spine2", (0.0, 0.15, 0.0)), ("Head", "Neck", (0.0, 0.10, 0.0)),
    *sided(("{Side}Shoulder", "Spine2", (0.06, 0.10, 0.0)), ("{Side}Arm", "{Side}Shoulder", (0.12, 0.0, 0.0)),
           ("{Side}ForeArm", "{Side}Arm", (0.26, 0.0, 0.0)), ("{Side}Hand", "{Side}ForeArm", (0.25, 0.0, 0.0))),
]

# cgspeed CMU conversion: zero-length LHipJoint, LowerBack, Neck and LeftShoulder, arms hanging down.
CGSPEED: list[Joint] = [
    ("Hips", None, (0.0, 0.95, 0.0)),
    *sided(("{S}HipJoint", "Hips", (0.0, 0.0, 0.0)), ("{Side}UpLeg", "{S}HipJoint", (0.07, -0.09, 0.04)),
           ("{Side}Leg", "{Side}UpLeg", (0.0, -0.41, 0.0)), ("{Side}Foot", "{Side}Leg", (0.0, -0.39, 0.0)),
           ("{Side}ToeBase", "{Side}Foot", (0.0, -0.03, 0.12))),
    ("LowerBack", "Hips", (0.0, 0.0, 0.0)), ("Spine", "LowerBack", (0.0, 0.11, 0.0)),
    ("Spine1", "Spine", (0.0, 0.11, 0.0)), ("Neck", "Spine1", (0.0, 0.0, 0.0)),
    ("Neck1", "Neck", (0.0, 0.09, 0.0)), ("Head", "Neck1", (0.0, 0.09, 0.0)),
    *sided(("{Side}Shoulder", "Spine1", (0.0, 0.0, 0.0)), ("{Side}Arm", "{Side}Shoulder", (0.17, 0.08, 0.0)),
           ("{Side}ForeArm", "{Side}Arm", (0.0, -0.25, 0.0)), ("{Side}Hand", "{Side}ForeArm", (0.0, -0.2, 0.0))),
]

ROOT_CHANNELS = ("Xposition", "Yposition", "Zposition", "Zrotation", "Xrotation", "Yrotation")
JOINT_CHANNELS = ("Zrotation", "Xrotation", "Yrotation")
# A y-up axis as written in a z-up file (file = C^T y-up, C the +z -> +y conversion): axis and sign.
Z_UP_AXIS = {"X": ("X", 1.0), "Y": ("Z", 1.0), "Z": ("Y", -1.0)}


def depth_first(joints: list[Joint]) -> list[Joint]:
    ordered: list[Joint] = []

    def visit(joint: Joint) -> None:
        ordered.append(joint)
        for child in joints:
            if child[1] == joint[0]:
                visit(child)

    visit(next(j for j in joints if j[1] is None))
    return ordered


def humanoid_bvh(
    joints: list[Joint],
    angles: dict[str, np.ndarray] | None = None,
    frames: int = 4,
    unit: float = 1.0,
    z_up: bool = False,
    prefix: str = "",
) -> str:
    """BVH text of a skeleton: root channels ROOT_CHANNELS, others JOINT_CHANNELS.

    ``angles[name]`` (frames, 3) gives a joint's rotation channel values (ZXY, degrees, y-up axes);
    missing joints stay at zero. The root walks along +z. ``unit``: metres per file unit; ``z_up``
    writes the same motion in z-up axes.
    """
    angles = angles or {}
    ordered = depth_first(joints)
    columns: list[np.ndarray] = []
    lines = ["HIERARCHY"]
    depth_of: dict[str, int] = {}
    closing: list[str] = []

    def channel(name: str, values: np.ndarray) -> tuple[str, np.ndarray]:
        axis, sign = Z_UP_AXIS[name[0]] if z_up else (name[0], 1.0)
        return axis + name[1:], sign * values

    for name, parent, offset in ordered:
        depth = 0 if parent is None else depth_of[parent] + 1
        while len(closing) > depth:
            lines.append(closing.pop())
        depth_of[name] = depth
        pad = "  " * depth
        offset_file = np.asarray(offset) / unit
        if z_up:
            offset_file = np.array([offset_file[0], -offset_file[2], offset_file[1]])
        lines += [f"{pad}{'ROOT' if parent is None else 'JOINT'} {prefix}{name}", f"{pad}{{",
                  f"{pad}  OFFSET {' '.join(f'{v:.6f}' for v in offset_file)}"]
        names = ROOT_CHANNELS if parent is None else JOINT_CHANNELS
        values = np.zeros((frames, len(names)))
        if parent is None:
            values[:, :3] = np.asarray(offset) + np.outer(np.arange(frames), [0.0, 0.0, 0.05])
            values[:, :3] /= unit
        if name in angles:
            values[:, -3:] = angles[name]
        written = [channel(n, values[:, i]) for i, n in enumerate(names)]
        lines.append(f"{pad}  CHANNELS {len(names)} {' '.join(n for n, _ in written)}")
        columns += [v for _, v in written]
        if not any(child[1] == name for child in joints):
            lines += [f"{pad}  End Site", f"{pad}  {{", f"{pad}    OFFSET 0 0.01 0", f"{pad}  }}"]
        closing.append(f"{pad}}}")
    lines += reversed(closing)
    motion = np.stack(columns, axis=1)
    lines += ["MOTION", f"Frames: {frames}", "Frame Time: 0.0333333"]
    lines += [" ".join(f"{v:.6f}" for v in row) for row in motion]
    return "\n".join(lines) + "\n"


def write(tmp_path: Path, text: str, name: str = "clip.bvh", newline: str = "\n") -> Path:
    path = tmp_path / name
    path.write_bytes(text.replace("\n", newline).encode())
    return path


def random_angles(joints: list[Joint], frames: int, seed: int = 0, spread: float = 25.0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {name: rng.uniform(-spread, spread, size=(frames, 3)) for name, _, _ in joints}


# ------------------------------------------------------------------------------------------------ parser

MESSY = """HIERARCHY
ROOT   Hips
{
\tOFFSET 0.0 1.0 0.0
CHANNELS 6 Xposition Yposition Zposition Zrotation Yrotation Xrotation

    JOINT Spine {
\t\t  OFFSET\t0 0.5   0
        CHANNELS 3 Xrotation Zrotation Yrotation
\t\tJOINT Head
\t\t{
OFFSET 0 0.3 0.1
CHANNELS 6 Zrotation Xposition Yposition Zposition Xrotation Yrotation
\t\t\tEnd Site
\t\t\t{
\t\t\t\tOFFSET 0 0.1 0
\t\t\t}
\t\t}
\t}
JOINT LeftLeg
{
  OFFSET 0.1 -0.1 0
  CHANNELS 3 Yrotation Xrotation Zrotation
  End   Site
  { OFFSET 0 -0.8 0 }
}
}
MOTION
Frames:   2
Frame Time: .0083333
0 1 0 0 0 0  0 0 0  0 0 0.3 0.1 0 0  0 0 0

1 2 3 10 20 30 40 50 60 70 0.5 0.6 0.7 80 90 100 110 120
"""


def test_parser_reads_messy_hierarchy_with_end_sites_and_channel_orders(tmp_path):
    clip = parse_bvh(write(tmp_path, MESSY))
    assert clip.joint_names == ("Hips", "Spine", "Head", "LeftLeg")
    assert clip.parents == (-1, 0, 1, 0)
    np.testing.assert_allclose(clip.offsets, [[0, 1, 0], [0, 0.5, 0], [0, 0.3, 0.1], [0.1, -0.1, 0]])
    assert clip.channels == (
        ("Xposition", "Yposition", "Zposition", "Zrotation", "Yrotation", "Xrotation"),
        ("Xrotation", "Zrotation", "Yrotation"),
        ("Zrotation", "Xposition", "Yposition", "Zposition", "Xrotation", "Yrotation"),
        ("Yrotation", "Xrotation", "Zrotation"),
    )
    assert clip.end_site_parents == (2, 3)
    np.testing.assert_allclose(clip.end_site_offsets, [[0, 0.1, 0], [0, -0.8, 0]])
    assert clip.frame_time == pytest.approx(0.0083333)
    assert clip.motion.shape == (2, 18)
    assert clip.columns(2) == slice(9, 15)
    np.testing.assert_allclose(clip.motion[1, clip.columns(3)], [100, 110, 120])


@pytest.mark.parametrize("newline", ["\r\n", "\r"])
def test_parser_reads_crlf_and_cr_line_ends_alike(tmp_path, newline):
    plain = parse_bvh(write(tmp_path, MESSY, "plain.bvh"))
    other = parse_bvh(write(tmp_path, MESSY, "other.bvh", newline=newline))
    assert other.joint_names == plain.joint_names and other.channels == plain.channels
    np.testing.assert_array_equal(other.motion, plain.motion)
    np.testing.assert_array_equal(other.offsets, plain.offsets)


def test_position_channels_on_a_non_root_joint_replace_its_offset(tmp_path):
    clip = parse_bvh(write(tmp_path, MESSY))
    positions, _ = forward_kinematics(clip)
    # Frame 0: everything at zero rotation; Head's position channels (0, 0.3, 0.1) equal its offset.
    np.testing.assert_allclose(positions[0, 2], [0, 1.8, 0.1], atol=1e-12)
    # Frame 1: Head sits at Spine + R_spine_global @ (0.5, 0.6, 0.7), not at its offset.
    _, rotations = forward_kinematics(clip)
    expected = positions[1, 1] + rotations[1, 1] @ np.array([0.5, 0.6, 0.7])
    np.testing.assert_allclose(positions[1, 2], expected, atol=1e-12)


# ------------------------------------------------------------------------------------ forward kinematics

CHAIN = """HIERARCHY
ROOT root
{{
  OFFSET 0 0 0
  CHANNELS 6 Xposition Yposition Zposition {order}
  JOINT child
  {{
    OFFSET 1 0 0
    CHANNELS 1 Zrotation
    JOINT grandchild
    {{
      OFFSET 1 0 0
      CHANNELS 0
      End Site
      {{
        OFFSET 1 0 0
      }}
    }}
  }}
}}
MOTION
Frames: {frames}
Frame Time: 0.01
{rows}
"""


def chain_clip(tmp_path: Path, order: str, rows: np.ndarray):
    channels = " ".join(f"{axis}rotation" for axis in order)
    text = CHAIN.format(order=f"{channels}".replace("CHANNELS", ""), frames=len(rows),
                        rows="\n".join(" ".join(map(repr, map(float, row))) for row in rows))
    text = text.replace("CHANNELS 6", f"CHANNELS {3 + len(order)}")
    return parse_bvh(write(tmp_path, text))


def test_a_parent_rotated_90_degrees_about_z_moves_its_children_to_the_predicted_place(tmp_path):
    rows = np.array([[0, 0, 0, 90, 0, 0, 0], [5, 0, 0, 90, 0, 0, 90]])
    positions, rotations = forward_kinematics(chain_clip(tmp_path, "ZYX", rows))
    np.testing.assert_allclose(positions[0], [[0, 0, 0], [0, 1, 0], [0, 2, 0]], atol=1e-12)
    # Frame 1: root moved to x=5; child turned another 90 degrees, so the grandchild points along -x.
    np.testing.assert_allclose(positions[1], [[5, 0, 0], [5, 1, 0], [4, 1, 0]], atol=1e-12)
    np.testing.assert_allclose(rotations[1, 2], axis_rotation("Z", np.array(180.0)), atol=1e-12)


@pytest.mark.parametrize("order", ["XYZ", "XZY", "YXZ", "YZX", "ZXY", "ZYX", "ZXZ", "YY"])
def test_each_euler_order_composes_intrinsically_in_listed_order(tmp_path, order):
    rng = np.random.default_rng(len(order) + sum(map(ord, order)))
    angles = rng.uniform(-180, 180, size=(5, len(order)))
    rows = np.concatenate([np.zeros((5, 3)), angles, np.zeros((5, 1))], axis=1)
    _, rotations = forward_kinematics(chain_clip(tmp_path, order, rows))
    expected = np.broadcast_to(np.eye(3), (5, 3, 3))
    for k, axis in enumerate(order):
        expected = expected @ axis_rotation(axis, angles[:, k])
    np.testing.assert_allclose(rotations[:, 0], expected, atol=1e-12)


def test_rotating_the_root_moves_the_whole_body_rigidly(tmp_path):
    frames = 6
    rng = np.random.default_rng(1)
    angles = {"Hips": rng.uniform(-180, 180, size=(frames, 3))}
    clip = parse_bvh(write(tmp_path, humanoid_bvh(MIXAMO, angles, frames=frames)))
    positions, rotations = forward_kinematics(clip)
    rest = rest_pose(clip)
    expected = positions[:, :1] + np.einsum("tij,kj->tki", rotations[:, 0], rest - rest[0])
    np.testing.assert_allclose(positions, expected, atol=1e-9)
    pairwise = np.linalg.norm(positions[:, :, None] - positions[:, None, :], axis=-1)
    rest_pairwise = np.linalg.norm(rest[:, None] - rest[None, :], axis=-1)
    np.testing.assert_allclose(pairwise, np.broadcast_to(rest_pairwise, pairwise.shape), atol=1e-9)


def test_bone_lengths_are_constant_over_frames(tmp_path):
    frames = 8
    clip = parse_bvh(write(tmp_path, humanoid_bvh(MIXAMO, random_angles(MIXAMO, frames, spread=170), frames)))
    positions, rotations = forward_kinematics(clip)
    children = [j for j, p in enumerate(clip.parents) if p >= 0]
    parents = [clip.parents[j] for j in children]
    lengths = np.linalg.norm(positions[:, children] - positions[:, parents], axis=-1)
    np.testing.assert_allclose(lengths, np.broadcast_to(np.linalg.norm(clip.offsets[children], axis=-1),
                                                        lengths.shape), atol=1e-9)
    np.testing.assert_allclose(np.linalg.det(rotations), 1.0, atol=1e-9)


# ------------------------------------------------------------------------------------- units and up axis


def test_z_up_file_gives_the_same_motion_as_its_y_up_twin(tmp_path):
    frames = 5
    angles = random_angles(MIXAMO, frames, seed=3)
    y_up = load_bvh(write(tmp_path, humanoid_bvh(MIXAMO, angles, frames), "y.bvh"))
    z_up = load_bvh(write(tmp_path, humanoid_bvh(MIXAMO, angles, frames, z_up=True), "z.bvh"))
    np.testing.assert_allclose(z_up.positions, y_up.positions, atol=1e-5)
    np.testing.assert_allclose(z_up.rotations, y_up.rotations, atol=1e-5)


def test_z_up_file_stands_up_with_canonical_rest_orientations(tmp_path):
    motion = load_bvh(write(tmp_path, humanoid_bvh(MIXAMO, z_up=True)))
    head, pelvis = motion.positions[:, JOINT_INDEX["head"]], motion.positions[:, JOINT_INDEX["pelvis"]]
    np.testing.assert_allclose(head - pelvis, np.broadcast_to([0, 0.6, 0], head.shape), atol=1e-5)
    # In its rest pose a file's joints carry the orientations the canonical convention gives that pose
    # (identity in the canonical T-pose), the same as positions-only sources get.
    np.testing.assert_allclose(motion.rotations, estimate_orientations(motion.positions), atol=1e-5)
    # The root walks along +z in y-up axes, so it still does after conversion.
    assert np.all(np.diff(motion.positions[:, 0, 2]) > 0)


def test_up_axis_override(tmp_path):
    path = write(tmp_path, humanoid_bvh(MIXAMO, z_up=True))
    as_y = load_bvh(path, up_axis="y")
    assert np.ptp(as_y.positions[0, :, 2]) > 1.5  # read as y up, the body lies along z
    np.testing.assert_allclose(load_bvh(path, up_axis="z").positions, load_bvh(path).positions)
    with pytest.raises(InputError, match="up_axis"):
        load_bvh(path, up_axis="w")


@pytest.mark.parametrize("unit", [1.0, 0.01, 0.001, 0.0254])
def test_units_are_detected_so_the_same_skeleton_gives_the_same_metres(tmp_path, unit):
    angles = random_angles(MIXAMO, 4)
    metres = load_bvh(write(tmp_path, humanoid_bvh(MIXAMO, angles), "m.bvh"))
    other = load_bvh(write(tmp_path, humanoid_bvh(MIXAMO, angles, unit=unit), "u.bvh"))
    np.testing.assert_allclose(other.positions, metres.positions, atol=1e-5)
    assert standing_height(metres.positions) == pytest.approx(1.7, abs=0.1)


def test_unit_scale_overrides_detection(tmp_path):
    path = write(tmp_path, humanoid_bvh(MIXAMO, unit=0.01))
    detected = load_bvh(path)
    np.testing.assert_allclose(load_bvh(path, unit_scale=0.01).positions, detected.positions, atol=1e-6)
    np.testing.assert_allclose(load_bvh(path, unit_scale=1.0).positions, 100 * detected.positions, rtol=1e-5)
    with pytest.raises(InputError, match="unit_scale"):
        load_bvh(path, unit_scale=-1.0)


# ----------------------------------------------------------------------------------------------- presets


def test_mixamo_names_with_a_namespace_prefix(tmp_path):
    path = write(tmp_path, humanoid_bvh(MIXAMO, prefix="mixamorig:"))
    clip = parse_bvh(path)
    assert resolve_retarget(clip.joint_names, clip.parents, path).source == "mixamo"
    first = load_bvh(path).positions[0]
    np.testing.assert_allclose(first[JOINT_INDEX["left_shoulder"]], [0.18, 1.40, 0.0], atol=1e-5)
    np.testing.assert_allclose(first[JOINT_INDEX["right_wrist"]], [-0.69, 1.40, 0.0], atol=1e-5)
    np.testing.assert_allclose(first[JOINT_INDEX["left_foot"]], [0.09, 0.01, 0.12], atol=1e-5)


def test_cgspeed_puts_spine_and_collar_joints_on_their_segments(tmp_path):
    path = write(tmp_path, humanoid_bvh(CGSPEED, random_angles(CGSPEED, 5), frames=5, unit=0.0254 / 0.45))
    clip = parse_bvh(path)
    assert resolve_retarget(clip.joint_names, clip.parents, path).source == "cgspeed"
    motion = load_bvh(path)
    rest = load_bvh(write(tmp_path, humanoid_bvh(CGSPEED), "rest.bvh")).positions[0]
    rest = rest - rest[JOINT_INDEX["pelvis"]]
    np.testing.assert_allclose(rest[JOINT_INDEX["spine2"]], [0, 0.176, 0], atol=1e-5)
    np.testing.assert_allclose(rest[JOINT_INDEX["spine3"]], [0, 0.22, 0], atol=1e-5)
    np.testing.assert_allclose(rest[JOINT_INDEX["left_collar"]], [0.068, 0.252, 0], atol=1e-5)
    lengths = bone_lengths(motion.positions)
    assert lengths.min() > 0.02
    np.testing.assert_allclose(lengths, np.broadcast_to(lengths[0], lengths.shape), atol=1e-5)


def folded_lafan1() -> tuple[list[Joint], dict[str, np.ndarray]]:
    """A LaFAN1-like rig: every bone along its joint's local +x and the left side towards +z of the Hips
    frame, so the rest pose is folded up. Returns the joints and the channel values (ZXY) that stand it
    up: the root turns local (+x, +z) to world (+y, +x), the hips turn the legs to point down."""
    joints: list[Joint] = [
        ("Hips", None, (0.0, 0.95, 0.0)),
        *sided(("{Side}UpLeg", "Hips", (0.0, 0.0, 0.09)), ("{Side}Leg", "{Side}UpLeg", (0.42, 0.0, 0.0)),
               ("{Side}Foot", "{Side}Leg", (0.40, 0.0, 0.0)), ("{Side}Toe", "{Side}Foot", (0.05, 0.0, 0.0)),
               across=2),
        ("Spine", "Hips", (0.10, 0.0, 0.0)), ("Spine1", "Spine", (0.12, 0.0, 0.0)),
        ("Spine2", "Spine1", (0.13, 0.0, 0.0)), ("Neck", "Spine2", (0.15, 0.0, 0.0)),
        ("Head", "Neck", (0.10, 0.0, 0.0)),
        *sided(("{Side}Shoulder", "Spine2", (0.10, 0.0, 0.06)), ("{Side}Arm", "{Side}Shoulder", (0.0, 0.0, 0.12)),
               ("{Side}ForeArm", "{Side}Arm", (0.0, 0.0, 0.26)), ("{Side}Hand", "{Side}ForeArm", (0.0, 0.0, 0.25)),
               across=2),
    ]
    root = np.array([90.0, 90.0, 0.0])  # Rz(90) @ Rx(90) = [[0, 0, 1], [1, 0, 0], [0, 1, 0]]
    legs = np.array([180.0, 0.0, 0.0])
    return joints, {"Hips": root, "LeftUpLeg": legs, "RightUpLeg": legs}


def test_lafan1_with_a_folded_rest_pose_takes_its_up_axis_from_the_motion(tmp_path):
    joints, stand = folded_lafan1()
    frames = 3
    angles = {name: np.tile(value, (frames, 1)) for name, value in stand.items()}
    path = write(tmp_path, humanoid_bvh(joints, angles, frames=frames, unit=0.01))
    clip = parse_bvh(path)
    assert resolve_retarget(clip.joint_names, clip.parents, path).source == "lafan1"
    positions = load_bvh(path).positions
    up = positions[:, JOINT_INDEX["head"]] - positions[:, JOINT_INDEX["left_ankle"]]
    assert np.all(up[:, 1] > 1.3) and np.all(np.abs(up[:, [0, 2]]) < 0.2)
    assert standing_height(positions) == pytest.approx(1.7, abs=0.1)


def renamed(joints: list[Joint]) -> list[Joint]:
    return [(f"bone_{n}", p and f"bone_{p}", o) for n, p, o in joints]


def custom_mapping() -> dict[str, object]:
    mixamo = PRESETS["mixamo"]
    return {name: f"bone_{mixamo[name]}" for name in JOINT_NAMES} | {
        "spine2": {"joint": "bone_Spine1", "toward": "bone_Spine2", "at": 0.5},
    }


@pytest.mark.parametrize("kind", ["json", "yaml", "dict"])
def test_a_user_mapping_file_or_dict(tmp_path, kind):
    path = write(tmp_path, humanoid_bvh(renamed(MIXAMO)))
    mapping: object = custom_mapping()
    if kind != "dict":
        mapping_path = tmp_path / f"mapping.{kind}"
        mapping_path.write_text(json.dumps(mapping) if kind == "json" else yaml.safe_dump(mapping))
        mapping = mapping_path
    first = load_bvh(path, mapping=mapping).positions[0]
    np.testing.assert_allclose(first[JOINT_INDEX["spine2"]], [0, 0.95 + 0.10 + 0.12 + 0.065, 0], atol=1e-5)
    np.testing.assert_allclose(first[JOINT_INDEX["head"]], [0, 1.55, 0], atol=1e-5)


def test_unknown_joint_names_are_an_input_error_naming_the_file(tmp_path):
    path = write(tmp_path, humanoid_bvh(renamed(MIXAMO)))
    with pytest.raises(InputError, match="match no preset") as caught:
        load_bvh(path)
    assert str(path) in str(caught.value) and "missing Hips" in str(caught.value)


def test_bad_mappings_are_input_errors(tmp_path):
    path = write(tmp_path, humanoid_bvh(renamed(MIXAMO)))
    lacking = custom_mapping() | {"head": "bone_Skull"}
    with pytest.raises(InputError, match="bone_Skull") as caught:
        load_bvh(path, mapping=lacking)
    assert str(path) in str(caught.value)
    incomplete = {k: v for k, v in custom_mapping().items() if k != "neck"}
    mapping_path = tmp_path / "mapping.yaml"
    mapping_path.write_text(yaml.safe_dump(incomplete))
    with pytest.raises(InputError, match="misses canonical joints: neck") as caught:
        load_bvh(path, mapping=mapping_path)
    assert str(mapping_path) in str(caught.value)
    not_a_segment = custom_mapping() | {"spine2": {"joint": "bone_Spine", "toward": "bone_Neck", "at": 0.5}}
    with pytest.raises(InputError, match="not a child"):
        load_bvh(path, mapping=not_a_segment)


def test_a_forced_preset(tmp_path):
    path = write(tmp_path, humanoid_bvh(MIXAMO))
    np.testing.assert_array_equal(load_bvh(path, preset="mixamo").positions, load_bvh(path).positions)
    with pytest.raises(InputError, match="do not match preset cmu: missing LeftHip"):
        load_bvh(path, preset="cmu")
    with pytest.raises(InputError, match="unknown preset"):
        load_bvh(path, preset="smpl")


# --------------------------------------------------------------------------------------------- bad input

GOOD = humanoid_bvh(MIXAMO, frames=3)


def cut_mid_frame(text: str) -> str:
    return text[: text.rstrip().rfind(" ", 0, len(text.rstrip()) - 40)] + "\n"


def replace_once(old: str, new: str):
    def edit(text: str) -> str:
        assert old in text
        return text.replace(old, new, 1)

    return edit


BAD_INPUT = {
    "empty": (lambda text: "", "empty file"),
    "blank": (lambda text: "  \n\t\n", "empty file"),
    "not bvh": (lambda text: "hello world\n", "expected 'HIERARCHY'"),
    "truncated": (lambda text: text.rstrip().rsplit("\n", 1)[0] + "\n", "truncated: 'Frames: 3' but only 2"),
    "cut mid-frame": (cut_mid_frame, "cut off mid-frame"),
    "text in numbers": (lambda text: text.rstrip().rsplit(" ", 1)[0] + " abc\n", "'abc' is not a number"),
    "nan in numbers": (lambda text: text.rstrip().rsplit(" ", 1)[0] + " nan\n", "frame 3 holds NaN"),
    "frame too long": (replace_once("Frame Time: 0.0333333\n", "Frame Time: 0.0333333\n1.0 "), "line 135: frame 1 has 70 values, expected 69"),
    "too many frames": (lambda text: text + text.rstrip().rsplit("\n", 1)[1] + "\n", "but 4 frames follow"),
    "missing brace": (replace_once("  }\n", ""), "is missing"),
    "extra brace": (replace_once("MOTION", "}\nMOTION"), "unbalanced '}'"),
    "unknown keyword": (replace_once("  OFFSET 0.000000 0.100000", "  ROTATION 1 2 3\n  OFFSET 0.000000 0.100000"),
                        "unexpected 'ROTATION'"),
    "missing offset": (replace_once("    OFFSET 0.000000 -0.420000 0.000000\n", ""), "has no OFFSET"),
    "missing channels": (replace_once("    CHANNELS 3 Zrotation Xrotation Yrotation\n", ""), "has no CHANNELS"),
    "too few channels": (replace_once("CHANNELS 3 Zrotation Xrotation Yrotation", "CHANNELS 4 Zrotation Xrotation Yrotation"),
                         "declares 4 channels but lists 3"),
    "too many channels": (replace_once("CHANNELS 3 Zrotation Xrotation Yrotation", "CHANNELS 2 Zrotation Xrotation Yrotation"),
                          "declares 2 channels but lists more"),
    "unknown channel": (replace_once("Zrotation Xrotation Yrotation", "Zrotation Xrotation Wrotation"), "unknown channel"),
    "garbled offset": (replace_once("OFFSET 0.000000 -0.420000", "OFFSET 0.000000 -0.4x0000"), "OFFSET needs 3 numbers"),
    "duplicate joint": (replace_once("JOINT Spine1", "JOINT Spine"), "a second joint named 'Spine'"),
    "no motion": (lambda text: text[: text.index("MOTION")], "no MOTION"),
    "no frame count": (replace_once("Frames: 3\n", ""), "Frames: <count>"),
    "zero frame time": (replace_once("Frame Time: 0.0333333", "Frame Time: 0"), "frame time '0'"),
    "one frame": (lambda text: text.replace("Frames: 3", "Frames: 1").rsplit("\n", 3)[0] + "\n", "at least 2"),
}


@pytest.mark.parametrize("case", BAD_INPUT, ids=list(BAD_INPUT))
def test_bad_input_is_an_input_error_naming_the_file(tmp_path, case):
    edit, message = BAD_INPUT[case]
    path = write(tmp_path, edit(GOOD))
    with pytest.raises(InputError) as caught:
        load_bvh(path)
    assert str(path) in str(caught.value)
    assert message in str(caught.value)


def test_a_missing_file_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        parse_bvh(tmp_path / "absent.bvh")


# --------------------------------------------------------------------------------------------- real files


@pytest.mark.fixtures
def test_cmu_walk_frames_rate_height_unit_and_preset(bvh_walks):
    path = bvh_walks[0]
    assert path.name == "131_01.bvh"
    clip = parse_bvh(path)
    retarget = resolve_retarget(clip.joint_names, clip.parents, path)
    assert retarget.source == "cmu"
    assert detect_unit(standing_height(retarget.positions(rest_pose(clip))[None])) == "cmu"
    motion = load_bvh(path)
    assert motion.num_frames == 994
    assert motion.fps == pytest.approx(120, abs=0.01)
    assert 1.2 < standing_height(motion.positions) < 2.1
    assert motion.name == "131_01" and motion.texts == []
    np.testing.assert_array_equal(load_motion(path).positions, motion.positions)


@pytest.mark.fixtures
def test_cmu_walks_are_plausible_bodies(bvh_walks):
    assert len(bvh_walks) == 2
    for path in bvh_walks:
        motion = load_bvh(path)
        y = motion.positions[..., 1]
        assert np.all(y[:, JOINT_INDEX["head"]] > y[:, JOINT_INDEX["pelvis"]] + 0.2), path.name
        lengths = bone_lengths(motion.positions)
        assert np.all(lengths.std(axis=0) / lengths.mean(axis=0) < 1e-3), path.name
        assert lengths.mean(axis=0).min() > 0.02, path.name
        feet = y[:, [JOINT_INDEX[n] for n in ("left_ankle", "left_foot", "right_ankle", "right_foot")]]
        knees = y[:, [JOINT_INDEX["left_knee"], JOINT_INDEX["right_knee"]]]
        assert -0.05 < feet.min() < 0.05, path.name
        assert feet.mean() < knees.mean() - 0.3, path.name
        rotations = motion.rotations.astype(np.float64)
        np.testing.assert_allclose(np.linalg.det(rotations), 1.0, atol=1e-5)
        np.testing.assert_allclose(rotations @ np.swapaxes(rotations, -1, -2),
                                   np.broadcast_to(np.eye(3), rotations.shape), atol=1e-5)


def test_file_rotations_agree_with_positions_only_frames_on_real_walks(bvh_walks):
    """Re-based to the canonical convention, the mocap's thigh and shank frames match the frames estimated
    from positions alone (the knee hinge fixes their twist), so both sources give the same sensor axes."""
    motion = load_motion(bvh_walks[0])
    estimated = estimate_orientations(motion.positions)
    relative = np.einsum("tjba,tjbc->tjac", motion.rotations, estimated)
    angle = np.degrees(np.arccos(np.clip((np.trace(relative, axis1=-2, axis2=-1) - 1) / 2, -1, 1)))
    legs = [JOINT_INDEX[n] for n in ("left_hip", "left_knee", "right_hip", "right_knee")]
    assert np.median(angle[:, legs]) < 3.0
