"""Rotation-matrix helpers, vectorised over any leading dimensions.

Elementary rotations take angles in degrees (anatomical tables speak degrees) and follow the right-hand
rule: ``rot_x(a)`` turns +y towards +z, ``rot_y(a)`` turns +z towards +x, ``rot_z(a)`` turns +x
towards +y. In the body frame (y up, facing +z, left towards +x) that makes ``rot_y(+a)`` a turn to the
left and ``rot_x(+a)`` a forward pitch of something pointing up.
"""
from __future__ import annotations

import numpy as np

#: Element-wise signs that conjugate a rotation by the mirror x -> -x: M R M with M = diag(-1, 1, 1).
_MIRROR_SIGNS = np.array([[1.0, -1.0, -1.0], [-1.0, 1.0, 1.0], [-1.0, 1.0, 1.0]])


def _elementary(angle_deg, first: int, second: int) -> np.ndarray:
    angle = np.radians(np.asarray(angle_deg, dtype=np.float64))
    c, s = np.cos(angle), np.sin(angle)
    out = np.zeros(angle.shape + (3, 3))
    axis = 3 - first - second
    out[..., axis, axis] = 1.0
    out[..., first, first] = c
    out[..., second, second] = c
    out[..., first, second] = -s
    out[..., second, first] = s
    return out


def rot_x(angle_deg) -> np.ndarray:
    """Rotation about x by ``angle_deg`` degrees, shape ``angle.shape + (3, 3)``."""
    return _elementary(angle_deg, 1, 2)


def rot_y(angle_deg) -> np.ndarray:
    """Rotation about y (the vertical) by ``angle_deg`` degrees."""
    return _elementary(angle_deg, 2, 0)


def rot_z(angle_deg) -> np.ndarray:
    """Rotation about z by ``angle_deg`` degrees."""
    return _elementary(angle_deg, 0, 1)


def apply(rotation: np.ndarray, vectors: np.ndarray) -> np.ndarray:
    """Rotate vectors (..., 3) by rotations (..., 3, 3), broadcasting."""
    return np.einsum("...ij,...j->...i", rotation, vectors)


def mirror_rotation(rotation: np.ndarray) -> np.ndarray:
    """``M R M`` with ``M = diag(-1, 1, 1)``: the same rotation seen in a left-right mirror."""
    return rotation * _MIRROR_SIGNS


def on_side(rotation: np.ndarray, side: int) -> np.ndarray:
    """A rotation written for the left limb (``side=+1``), turned into the right limb's (``side=-1``)."""
    return rotation if side > 0 else mirror_rotation(rotation)


def yaw_of(rotation: np.ndarray) -> np.ndarray:
    """Heading (degrees, about +y, 0 = facing +z, positive towards +x) of a frame's forward (+z) axis."""
    forward = rotation[..., :, 2]
    return np.degrees(np.arctan2(forward[..., 0], forward[..., 2]))


def matrix_to_quaternion(rotation: np.ndarray) -> np.ndarray:
    """Unit quaternions (..., 4) as (w, x, y, z) from rotation matrices (..., 3, 3)."""
    m = np.asarray(rotation, dtype=np.float64)
    trace = m[..., 0, 0] + m[..., 1, 1] + m[..., 2, 2]
    candidates = np.stack([
        np.stack([1 + trace, m[..., 2, 1] - m[..., 1, 2], m[..., 0, 2] - m[..., 2, 0],
                  m[..., 1, 0] - m[..., 0, 1]], -1),
        np.stack([m[..., 2, 1] - m[..., 1, 2], 1 + 2 * m[..., 0, 0] - trace, m[..., 0, 1] + m[..., 1, 0],
                  m[..., 0, 2] + m[..., 2, 0]], -1),
        np.stack([m[..., 0, 2] - m[..., 2, 0], m[..., 0, 1] + m[..., 1, 0], 1 + 2 * m[..., 1, 1] - trace,
                  m[..., 1, 2] + m[..., 2, 1]], -1),
        np.stack([m[..., 1, 0] - m[..., 0, 1], m[..., 0, 2] + m[..., 2, 0], m[..., 1, 2] + m[..., 2, 1],
                  1 + 2 * m[..., 2, 2] - trace], -1),
    ], -2)
    # Take the numerically best-conditioned candidate: the one whose leading component is largest.
    best = np.argmax(np.stack([1 + trace, 1 + 2 * m[..., 0, 0] - trace, 1 + 2 * m[..., 1, 1] - trace,
                               1 + 2 * m[..., 2, 2] - trace], -1), axis=-1)
    q = np.take_along_axis(candidates, best[..., None, None], axis=-2)[..., 0, :]
    q = q / np.linalg.norm(q, axis=-1, keepdims=True)
    return np.where(q[..., :1] < 0, -q, q)


def quaternion_to_matrix(quaternion: np.ndarray) -> np.ndarray:
    """Rotation matrices (..., 3, 3) from quaternions (..., 4) as (w, x, y, z); normalises first."""
    q = np.asarray(quaternion, dtype=np.float64)
    q = q / np.linalg.norm(q, axis=-1, keepdims=True)
    w, x, y, z = np.moveaxis(q, -1, 0)
    return np.stack([
        1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y),
        2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x),
        2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y),
    ], -1).reshape(q.shape[:-1] + (3, 3))


def blend_rotations(first: np.ndarray, second: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Normalised linear interpolation of rotations: ``weight`` 0 gives ``first``, 1 gives ``second``.

    ``weight`` broadcasts against the leading dimensions of the rotations (..., 3, 3).
    """
    qa, qb = matrix_to_quaternion(first), matrix_to_quaternion(second)
    qb = np.where(np.sum(qa * qb, axis=-1, keepdims=True) < 0, -qb, qb)
    w = np.asarray(weight, dtype=np.float64)[..., None]
    return quaternion_to_matrix((1 - w) * qa + w * qb)
