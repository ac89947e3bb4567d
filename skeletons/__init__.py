"""Where motion comes from: the canonical 22-joint body, `Motion`, and readers for each source.

>>> from skeletons import load_motion, JOINT_NAMES
>>> motion = load_motion("new_joints/012314.npy")       # HumanML3D, BVH or AMASS
>>> motion.positions.shape                              # (T, 22, 3), metres, y up
"""
from ._version import __version__
from .body import (
    CANONICAL_TO_SMPL,
    JOINT_INDEX,
    JOINT_NAMES,
    MIRROR,
    NUM_JOINTS,
    PARENTS,
    SMPL_TO_CANONICAL,
    bone_lengths,
    bones,
    children,
    edge_index,
    standing_height,
)
from .errors import InputError
from .loading import FORMATS, detect_format, load_motion
from .motion import Motion

__all__ = ["__version__", 
    "CANONICAL_TO_SMPL", "FORMATS", "JOINT_INDEX", "JOINT_NAMES", "MIRROR", "Motion", "NUM_JOINTS",
    "PARENTS", "SMPL_TO_CANONICAL", "InputError", "bone_lengths", "bones", "children", "detect_format",
    "edge_index", "load_motion", "standing_height",
]
