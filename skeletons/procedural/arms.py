"""Arm trajectories as joint angles: one arm pose is eight angles in degrees, in the order of
:data:`ARM_DOF` (shoulder flexion, abduction, horizontal adduction, inward rotation; elbow flexion,
forearm pronation; wrist flexion, radial deviation), with the meaning of :mod:`.rig`'s helpers.
"""
from __future__ import annotations

import numpy as np

from .rig import Pose, elbow_rotation, shoulder_rotation, wrist_rotation
from .signals import smooth_noise

ARM_DOF = ("flex", "abduct", "horizontal", "inward", "elbow", "pronate", "wrist_flex", "wrist_deviate")

#: Arms hanging relaxed at the sides.
HANGING = np.array([3.0, 7.0, 0.0, 8.0, 14.0, 30.0, 8.0, 0.0])


def set_arm(pose: Pose, side: int, angles: np.ndarray) -> None:
    """Set shoulder, elbow and wrist of one arm from angles (T, 8) or (8,), degrees."""
    a = np.broadcast_to(np.asarray(angles, dtype=np.float64), (pose.frames, 8))
    name = "left" if side > 0 else "right"
    pose.set(f"{name}_shoulder", shoulder_rotation(side, a[:, 0], a[:, 1], a[:, 2], a[:, 3]))
    pose.set(f"{name}_elbow", elbow_rotation(side, a[:, 4], a[:, 5]))
    pose.set(f"{name}_wrist", wrist_rotation(side, a[:, 6], a[:, 7]))


def fidget(t: np.ndarray, rng: np.random.Generator, degrees: float = 3.0) -> np.ndarray:
    """Small drifting arm motion (T, 8), degrees."""
    return degrees * smooth_noise(rng, t, 0.3, dims=8)
