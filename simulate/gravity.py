"""Gravity: the one value of standard gravity, and its removal from accelerometer readings.

``GRAVITY`` (m/s^2) is the magnitude of ``g = (0, -GRAVITY, 0)`` in the canonical world (y up), the value
:mod:`simulate.physics` simulates with; a sensor at rest reads ``+GRAVITY`` along world up. It is defined
once, in :mod:`skeletons.body` (the procedural motion library needs it for ballistic flight, and
``skeletons`` sits below ``simulate``), and given to the layers above from here.

:func:`remove_gravity` turns specific force into linear acceleration on batches (B, T, J, C) of IMU
windows: pretraining augmentation and the preparation of real benchmark data both call it.
"""
from __future__ import annotations

import torch

from skeletons.body import GRAVITY
from skeletons.errors import InputError

__all__ = ["GRAVITY", "checked_batch", "remove_gravity"]


def checked_batch(x: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
    """The mask as a float tensor in x's dtype (all ones when None), after checking shapes."""
    if x.ndim != 4 or x.shape[-1] not in (3, 6):
        raise InputError(None, f"IMU batches must have shape (B, T, J, 6) or (B, T, J, 3), got {tuple(x.shape)}")
    if mask is None:
        return torch.ones_like(x)
    if mask.shape != x.shape:
        raise InputError(None, f"the mask must have the shape of the data {tuple(x.shape)}, got {tuple(mask.shape)}")
    return mask.to(device=x.device, dtype=x.dtype)


def remove_gravity(x: torch.Tensor, mask: torch.Tensor | None = None, rate_hz: float = 20.0) -> torch.Tensor:
    """``x`` with the gravity reading subtracted from the accelerometer: specific force -> linear acceleration.

    The accelerometer reads ``f_t = R_t^T (a_t - g)`` (:mod:`simulate.physics`), so the part to remove is
    ``R_t^T (-g)``, gravity seen in the moving sensor frame. With a gyroscope (C = 6) it is estimated
    without knowing ``R_t``:

    * the gyroscope gives the sensor's rotation relative to the first sample, ``Q_t = R_0^T R_t``, as the
      ordered product of the steps ``exp([w dt]x)`` (w: mean of the rates at both ends of a step);
    * in the first sample's frame the readings are ``Q_t f_t = R_0^T (a_t - g)``, whose mean over the
      window is ``R_0^T (-g)`` up to ``R_0^T mean(a) = R_0^T (v_end - v_start) / duration``;
    * rotating that estimate back, ``Q_t^T R_0^T (-g)``, gives gravity in the sensor frame at each t.

    The error is the mean linear acceleration over the window (change of velocity over its duration,
    about 0.1 m/s^2 for a 10 s walk whose end speed differs from its start speed by 1 m/s) plus gyroscope
    integration drift; a sensor at rest, or one that only rotates about a fixed point, becomes zero. Without
    a gyroscope (C = 3) the estimate is the plain mean of ``f_t`` over the window, exact only while the
    sensor's orientation stays constant. Means run over the time steps the mask marks as existing; steps it
    excludes read zero afterwards.

    Remove gravity before wrap padding, as :class:`pretrain.augment.Augmenter` does: at the seams of a tiled window the
    orientation jumps back to the clip's start, which the gyroscope does not see (on a real 8.5 s
    HumanML3D clip wrapped to 10 s, the mean error grows from 0.2 to 1.2 m/s^2).
    """
    mask = checked_batch(x, mask)
    valid = mask[..., :3].amax(-1, keepdim=True).gt(0).to(x.dtype)  # (B, T, J, 1)
    acceleration = x[..., :3]
    if x.shape[-1] == 6:
        # Component-major and time-major (C, T, B, J) throughout: the 3x3 algebra becomes elementwise products
        # of whole contiguous planes, where batched 3x3 matrix products would run one tiny GEMM each.
        planes = x.permute(3, 1, 0, 2).contiguous()
        to_first = _rotation_to_first_sample(planes[3:], 1.0 / rate_hz)  # (3, 3, T, B, J)
        in_first = _rotate(to_first, planes[:3])  # Q_t f_t, (3, T, B, J)
        gravity_first = _masked_time_mean(in_first, valid.permute(3, 1, 0, 2))  # (3, 1, B, J)
        gravity = _rotate(to_first.transpose(0, 1), gravity_first).permute(2, 1, 3, 0)  # Q_t^T g, (B, T, J, 3)
    else:
        gravity = _masked_time_mean(acceleration, valid)
    return torch.cat(((acceleration - gravity) * valid, x[..., 3:]), dim=-1)


def _masked_time_mean(values: torch.Tensor, weights: torch.Tensor, dim: int = 1) -> torch.Tensor:
    """Mean over time (axis ``dim``) of values, weighted by broadcastable 0/1 weights, the axis kept."""
    return (values * weights).sum(dim, keepdim=True) / weights.sum(dim, keepdim=True).clamp_min(1.0)


def _rotation_to_first_sample(rate: torch.Tensor, dt: float) -> torch.Tensor:
    """``Q_t = R_0^T R_t`` as (3, 3, T, ...) from component-major body-frame angular rates (3, T, ...)
    sampled every dt.

    ``R' = R [w]x`` for body-frame rates, so ``Q_t`` is the ordered product of the per-step rotations
    ``exp([w dt]x)``, computed by :func:`_prefix_products`: no loop over time steps.
    """
    product = rate.new_empty((3, *rate.shape))
    product[:, :, 0] = torch.eye(3, dtype=rate.dtype, device=rate.device).reshape(3, 3, *[1] * (rate.ndim - 2))
    _rotation_exp((rate[:, :-1] + rate[:, 1:]) * (0.5 * dt), out=product[:, :, 1:])  # the steps, in place
    return _prefix_products(product)


def _prefix_products(matrices: torch.Tensor, block: int = 8) -> torch.Tensor:
    """Ordered prefix products ``M_0 M_1 ... M_t`` of component-major matrices (3, 3, T, ...) along time, as
    a two-level parallel scan (Blelloch, "Prefix sums and their applications", 1990): a Hillis-Steele scan
    within blocks of ``block`` steps and one over the blocks' totals, then one product that prepends each
    block's preceding total. For T = 200 that is 4 rounds of 3x3 products over all steps, against a plain
    Hillis-Steele scan's 8; with time the outer axis, every slice of a round is one contiguous run.
    """
    steps = matrices.shape[2]
    blocks = -(-steps // block)
    if blocks * block > steps:  # pad the last block; what the padding holds only reaches products cut off below
        matrices = torch.cat((matrices, matrices.new_zeros((3, 3, blocks * block - steps, *matrices.shape[3:]))), 2)
    local = _hillis_steele(matrices.unflatten(2, (blocks, block)), dim=3)  # (3, 3, blocks, block, ...)
    totals = _hillis_steele(local[:, :, :, -1], dim=2)  # (3, 3, blocks, ...): products up to each block's end
    result = torch.empty_like(local)
    result[:, :, 0] = local[:, :, 0]
    _matmul(totals[:, :, :-1, None], local[:, :, 1:], out=result[:, :, 1:])
    return result.flatten(2, 3)[:, :, :steps]


def _hillis_steele(matrices: torch.Tensor, dim: int) -> torch.Tensor:
    """Ordered prefix products of component-major matrices (3, 3, ...) along axis ``dim`` (Hillis & Steele,
    1986): log2(length) rounds of elementwise 3x3 products over all steps."""
    product, spare = matrices.clone(), torch.empty_like(matrices)
    length, shift = matrices.shape[dim], 1
    while shift < length:
        spare.narrow(dim, 0, shift).copy_(product.narrow(dim, 0, shift))
        _matmul(product.narrow(dim, 0, length - shift), product.narrow(dim, shift, length - shift),
                out=spare.narrow(dim, shift, length - shift))
        product, spare = spare, product
        shift *= 2
    return product


def _matmul(first: torch.Tensor, second: torch.Tensor, out: torch.Tensor | None = None) -> torch.Tensor:
    """Component-major matrix products ``first @ second`` of (3, 3, ...) and (3, C, ...) stacks (C = 3 for
    matrices, 1 for column vectors), as three fused multiply-adds over whole component planes (a broadcast
    product summed over a leading axis takes a slow strided reduction)."""
    out = torch.mul(first[:, 0, None], second[None, 0], out=out)
    return out.addcmul_(first[:, 1, None], second[None, 1]).addcmul_(first[:, 2, None], second[None, 2])


def _rotate(matrices: torch.Tensor, vectors: torch.Tensor) -> torch.Tensor:
    """Component-major matrix-vector products: ``matrices @ vectors`` for (3, 3, ...) and (3, ...) stacks."""
    return _matmul(matrices, vectors[:, None])[:, 0]


def _rotation_exp(rotation_vector: torch.Tensor, out: torch.Tensor | None = None) -> torch.Tensor:
    """Rodrigues' formula, component-major: rotation matrices (3, 3, ...) from rotation vectors (3, ...),
    written into ``out`` when given.

    ``exp([v]x) = I + a [v]x + b [v]x^2`` with ``[v]x^2 = v v^T - |v|^2 I``, ``a = sin(t) / t`` and
    ``b = (1 - cos(t)) / t^2 = (sin(t/2) / (t/2))^2 / 2``, both finite at ``t = |v| = 0``. The nine entries
    are written one component plane at a time: no stacked skew, outer-product or identity tensors.
    """
    x, y, z = rotation_vector
    if out is None:
        out = rotation_vector.new_empty((3, 3, *x.shape))
    squares = (x * x, y * y, z * z)
    angle = torch.sqrt(squares[0] + squares[1] + squares[2])  # norm(dim=0) would reduce over a strided axis
    a = torch.sinc(angle / torch.pi)
    b = torch.sinc(angle / (2 * torch.pi)).square_().mul_(0.5)
    for i, (j, k) in enumerate(((1, 2), (0, 2), (0, 1))):
        # Diagonal: 1 - b (|v|^2 - v_i^2); off-diagonal pair (j, k): b v_j v_k -/+ a v_l, l the third axis.
        torch.add(squares[j], squares[k], out=out[i, i]).mul_(b).neg_().add_(1.0)
        shared, turn = b * rotation_vector[j] * rotation_vector[k], a * rotation_vector[i]
        sign = 1.0 if i == 1 else -1.0  # [v]x: (0, 1) = -z, (0, 2) = +y, (1, 2) = -x
        torch.add(shared, turn, alpha=sign, out=out[j, k])
        torch.add(shared, turn, alpha=-sign, out=out[k, j])
    return out
