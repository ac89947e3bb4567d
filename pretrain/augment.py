"""Batched augmentation of simulated IMU batches on the training device.

Every step works on whole batches (B, T, J, C) with tensor operations on the batch's device: no loop over
samples or joints. ``C`` is 6 (accelerometer xyz in m/s^2, then gyroscope xyz in rad/s, each in the joint's
sensor frame, as :mod:`simulate.physics` writes them) or 3 (accelerometer only). A mask of the same shape
marks data that exists. Random draws come from an optional ``torch.Generator`` living on the batch's device,
so a batch and a seeded generator give the same result every time.

:class:`Augmenter` applies, in this order (after UniMTS, Zhang et al., NeurIPS 2024):

1. gravity removal for a random fraction of the samples (:func:`simulate.gravity.remove_gravity`), on
   the whole clip;
2. random crop or wrap padding to the window length (:func:`crop_or_wrap`), when a window is set;
   optionally, for a fraction of the samples (``tile_p``), a short piece of ``tile_seconds`` tiled to the
   window instead (:func:`tile_pieces`): real series shorter than the window (UCI-HAR's 2.56 s windows)
   arrive wrap-padded (:mod:`benchmarks.prepare`), and a corpus of whole 10 s clips never shows the encoder
   that form;
3. optional band-limiting of a random fraction of the samples to a random cutoff (:func:`random_lowpass`),
   as slower devices arrive at evaluation;
4. rotation-invariant augmentation: an independent Haar-uniform rotation of every joint's sensor frame,
   shared by its accelerometer and gyroscope (:func:`random_rotations`, :func:`rotate_joints`), so that
   the encoder cannot rely on how a device sits on the body; optionally, for a fraction of the samples
   (``upright_p``), a rotation that keeps the joint frame's up axis near up (:func:`upright_rotations`),
   as a device whose up axis is known sits (a phone in a belt clip; see ``benchmarks.registry.Placement.up``);
5. optional gain jitter and additive Gaussian noise (none where the mask says data is missing);
6. random joint masking: only k in [1, 5] random joints keep their data (:func:`keep_random_joints`), as
   real deployments carry one to a few devices. The joints are drawn first (:func:`choose_joints`) and
   steps 1-5 run on them alone, series-major: one (T, 1, C) series per kept (sample, joint), moved out of
   and back into the batch as whole rows (:func:`batch_rows`, :func:`take_rows`, :func:`put_rows`). Each
   step acts on every joint independently, with the per-sample draws (gravity removal, crop window,
   band limit, ``rotation_p``) shared by the sample's joints, so the result is that of masking last, for
   about a seventh of the work.
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any

import numpy as np
import torch

from simulate.gravity import checked_batch as _checked
from simulate.gravity import remove_gravity
from skeletons.errors import InputError


@dataclass(frozen=True)
class AugmentConfig:
    """What :class:`Augmenter` does: the ``augment`` section of a pretraining config.

    Attributes:
        window: output length T_win in samples; None keeps the input length.
        rate_hz: sample rate of the input, used to integrate the gyroscope for gravity removal.
        rotation: rotate every sample's joints by independent random rotations.
        rotation_p: the fraction of samples rotated (1: all); the others keep the simulated sensor frames,
            so the encoder is not made blind to how a device sits (what separates postures at the waist).
        upright_p: the fraction of the rotated samples whose joints turn by :func:`upright_rotations`
            instead (a uniform turn about the joint frame's +y, the body's up in the rest pose, then a tilt
            of at most ``upright_tilt_deg``): devices whose up axis is known, as a benchmark declares with
            ``Placement.up``. Gravity's direction then tells an upright trunk from a lying one; a model
            trained with it all the way (1) is no longer blind to how a device sits, and reads devices whose
            up axis is not declared less well.
        upright_tilt_deg: the largest tilt of those rotations, in degrees.
        keep_joints: (low, high): keep k random joints per sample, k uniform in [low, high]; None keeps all.
        gravity_removed_p: probability that a sample has gravity removed from its accelerometer.
        amplitude_jitter: s > 0 scales each sample's joint's accelerometer and gyroscope by separate gains
            drawn uniformly from [1 - s, 1 + s] (sensor gain error); 0 leaves amplitudes alone.
        noise_std: standard deviation of additive Gaussian noise: one number for both sensors, or
            (accelerometer m/s^2, gyroscope rad/s).
        lowpass_p: probability that a sample is band-limited as if its device sampled slower than the
            window's rate (see :func:`random_lowpass`).
        lowpass_hz: (lowest, highest) cutoff in Hz, drawn uniformly per sample.
        tile_p: probability that a sample's window is a short piece of its clip tiled to the window length
            (wrap padding, as :mod:`benchmarks.prepare` pads short real series) instead of a plain crop.
        tile_seconds: (shortest, longest) length of that piece in seconds, drawn uniformly per sample.
    """

    window: int | None = None
    rate_hz: float = 20.0
    rotation: bool = True
    rotation_p: float = 1.0
    upright_p: float = 0.0
    upright_tilt_deg: float = 15.0
    keep_joints: tuple[int, int] | None = (1, 5)
    gravity_removed_p: float = 0.0
    amplitude_jitter: float = 0.0
    noise_std: float | tuple[float, float] = 0.0
    lowpass_p: float = 0.0
    lowpass_hz: tuple[float, float] = (2.5, 10.0)
    tile_p: float = 0.0
    tile_seconds: tuple[float, float] = (2.0, 5.0)

    def __post_init__(self) -> None:
        noise = self.noise_std
        pair = tuple(noise) if isinstance(noise, Sequence) else (noise, noise)
        object.__setattr__(self, "noise_std", tuple(float(value) for value in pair))
        if self.keep_joints is not None:
            object.__setattr__(self, "keep_joints", tuple(self.keep_joints))
        if self.window is not None and self.window < 1:
            raise InputError(None, f"augment.window must be a positive number of samples, got {self.window}")
        if not self.rate_hz > 0:
            raise InputError(None, f"augment.rate_hz must be positive, got {self.rate_hz}")
        if self.keep_joints is not None and not (len(self.keep_joints) == 2
                                                 and 1 <= self.keep_joints[0] <= self.keep_joints[1]):
            raise InputError(None, f"augment.keep_joints must be [low, high] with 1 <= low <= high, "
                                   f"got {self.keep_joints}")
        if not 0.0 <= self.rotation_p <= 1.0:
            raise InputError(None, f"augment.rotation_p must lie in [0, 1], got {self.rotation_p}")
        if not 0.0 <= self.upright_p <= 1.0:
            raise InputError(None, f"augment.upright_p must lie in [0, 1], got {self.upright_p}")
        if not 0.0 <= self.upright_tilt_deg <= 180.0:
            raise InputError(None, f"augment.upright_tilt_deg must lie in [0, 180], got {self.upright_tilt_deg}")
        if not 0.0 <= self.gravity_removed_p <= 1.0:
            raise InputError(None, f"augment.gravity_removed_p must lie in [0, 1], got {self.gravity_removed_p}")
        if not 0.0 <= self.amplitude_jitter < 1.0:
            raise InputError(None, f"augment.amplitude_jitter must lie in [0, 1), got {self.amplitude_jitter}")
        for name in ("lowpass_p", "tile_p"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise InputError(None, f"augment.{name} must lie in [0, 1], got {getattr(self, name)}")
        for name in ("lowpass_hz", "tile_seconds"):
            object.__setattr__(self, name, _positive_range(name, getattr(self, name)))
        if len(self.noise_std) != 2 or min(self.noise_std) < 0:
            raise InputError(None, f"augment.noise_std must be one or two non-negative numbers, got {noise}")

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> AugmentConfig:
        """The configuration from a mapping (e.g. parsed YAML); unknown keys are an error."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise InputError(None, f"unknown augment keys {unknown}; known: {sorted(known)}")
        return cls(**values)


def _positive_range(name: str, values: Sequence[float]) -> tuple[float, float]:
    """``values`` as a (low, high) float pair with 0 < low <= high; an input error naming ``augment.name``."""
    try:
        pair = tuple(float(value) for value in values)
    except (TypeError, ValueError):
        pair = ()
    if not (len(pair) == 2 and 0 < pair[0] <= pair[1]):
        raise InputError(None, f"augment.{name} must be [low, high] with 0 < low <= high, got {values!r}")
    return pair


class Augmenter:
    """The augmentation pipeline of an :class:`AugmentConfig`, applied to whole batches on their device.

    With a ``seed`` the augmenter owns a ``torch.Generator``, created on the device of the first batch it
    sees; ``state_dict`` / ``load_state_dict`` save and restore it (e.g. through Accelerate's
    ``register_for_checkpointing``), so a resumed run draws the same augmentations. Without a seed, draws
    come from torch's global generator unless a call passes its own.

    >>> augment = Augmenter({"gravity_removed_p": 0.25}, seed=0)
    >>> x, mask = augment(imu, mask)
    """

    def __init__(self, config: AugmentConfig | Mapping[str, Any] | None = None, seed: int | None = None):
        if config is None:
            config = AugmentConfig()
        self.config = config if isinstance(config, AugmentConfig) else AugmentConfig.from_dict(config)
        self.seed = seed
        self._generator: torch.Generator | None = None
        self._restored_state: torch.Tensor | None = None

    def __call__(
        self, x: torch.Tensor, mask: torch.Tensor | None = None, generator: torch.Generator | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Augmented ``(x, mask)``, both (B, T_win, J, C), the mask float in x's dtype.

        Args:
            x: (B, T, J, C) signals, C = 6 (acc, gyro) or 3 (acc).
            mask: (B, T, J, C), nonzero where data exists; None means all of it does.
            generator: source of the random draws, on x's device; None uses the augmenter's own.
        """
        config = self.config
        generator = generator if generator is not None else self._own_generator(x.device)
        mask = _checked(x, mask)
        batch, steps, joints, channels = x.shape
        # Series-major from here: one (T, 1, C) series per (sample, joint) that survives the joint masking,
        # moved out of the batch as whole C-wide rows. Every later step acts on each series alone (per-sample
        # draws, such as the crop window, are shared by the sample's series), so only the kept joints are
        # augmented: about 3 of 22 per sample.
        owner, joint, rows, series_mask = self._kept_series(mask, generator)
        series = take_rows(x, rows, steps)  # a fresh tensor, augmented in place from here
        if config.gravity_removed_p > 0:
            chosen = _chosen_series(config.gravity_removed_p, batch, owner, x, generator)
            if len(chosen):
                series.index_copy_(0, chosen, remove_gravity(series[chosen], series_mask[chosen], config.rate_hz))
        window = steps
        if config.window is not None:
            window = config.window
            length = torch.zeros(batch, dtype=torch.long, device=x.device).scatter_reduce_(
                0, owner, series_lengths(series_mask), "amax")  # a sample lasts as long as its longest series
            piece = None
            if config.tile_p > 0:
                piece = tile_pieces(length, window, config.tile_p, config.tile_seconds, config.rate_hz, generator, x)
            time = crop_index(length, window, generator, x, piece)[owner]  # (N, window)
            if piece is not None or window != steps or not bool(length.eq(steps).all()):  # else whole clips
                each = torch.arange(len(owner), device=x.device)
                picked = batch_rows(each, torch.zeros_like(each), time, steps, 1)  # series: a batch of one joint
                series, series_mask = take_rows(series, picked, window), take_rows(series_mask, picked, window)
        if config.lowpass_p > 0:
            chosen = _chosen_series(config.lowpass_p, batch, owner, x, generator)
            low, high = config.lowpass_hz
            cutoff = (low + (high - low) * _uniform((batch,), x, generator))[owner]
            if len(chosen):
                series.index_copy_(0, chosen, random_lowpass(series[chosen], cutoff[chosen], config.rate_hz))
                series.mul_(series_mask.gt(0))
        # Rotation, gain jitter and noise are one linear map per series plus an offset: a (C, C) block-diagonal
        # matrix per series applied with one batched matrix product (baddbmm adds the noise).
        rotations = gains = noise = None
        if config.rotation:
            tilt = config.upright_tilt_deg
            if config.upright_p >= 1:
                rotations = upright_rotations(len(owner), 1, tilt, generator, x.device, x.dtype)
            else:
                rotations = random_rotations(len(owner), 1, generator, x.device, x.dtype)
            if 0 < config.upright_p < 1:
                upright = (_uniform((batch,), x, generator) < config.upright_p)[owner]
                turns = upright_rotations(len(owner), 1, tilt, generator, x.device, x.dtype)
                rotations = torch.where(upright[:, None, None, None], turns, rotations)
            if config.rotation_p < 1:
                frozen = (_uniform((batch,), x, generator) >= config.rotation_p)[owner]
                rotations = torch.where(frozen[:, None, None, None], torch.eye(3, dtype=x.dtype, device=x.device),
                                        rotations)
        if config.amplitude_jitter > 0:
            gains = _jitter_gains(series, config.amplitude_jitter, generator)
        if max(config.noise_std) > 0:
            noise = _noise(series, config.noise_std, generator)
        if rotations is not None or gains is not None:
            series = transform_joints(series, rotations, gains, noise)
        elif noise is not None:
            series = series.add_(noise)
        if noise is not None and not bool(series_mask.amin() > 0):  # no noise where data is missing
            series.masked_fill_(series_mask.le(0), 0.0)
        out_rows = batch_rows(owner, joint, torch.arange(window, device=x.device), window, joints)
        shape = (batch, window, joints, channels)
        return put_rows(series, out_rows, shape), put_rows(series_mask, out_rows, shape)

    def _kept_series(
        self, mask: torch.Tensor, generator: torch.Generator | None
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """The series that survive the joint masking: ``(owner, joint, rows, series_mask)``, series n being
        joint ``joint[n]`` of sample ``owner[n]``, at ``rows`` (:func:`batch_rows`) of the batch.

        The joints are ranked as if all had data, and ranked again with those without data last only when a
        kept one turns out to have none: the same draws and the same joints as :func:`choose_joints`, without
        reading the whole mask when every kept joint has data (as in a simulated corpus).
        """
        batch, steps, joints, _ = mask.shape
        if self.config.keep_joints is None:
            owner = torch.arange(batch, device=mask.device).repeat_interleave(joints)
            joint = torch.arange(joints, device=mask.device).repeat(batch)
            rows = batch_rows(owner, joint, torch.arange(steps, device=mask.device), steps, joints)
            return owner, joint, rows, take_rows(mask, rows, steps)
        low, high = self.config.keep_joints
        count, scores = _joint_draws(mask, low, high, generator)
        owner, joint, rows, series_mask = _take_kept(mask, *_rank_joints(scores, count, high))
        if not bool(series_mask.reshape(len(owner), -1).amax(1).gt(0).all()):  # a kept joint has no data
            ranked = scores + _joints_with_data(mask).logical_not().to(scores.dtype)  # those without data last
            owner, joint, rows, series_mask = _take_kept(mask, *_rank_joints(ranked, count, high))
        return owner, joint, rows, series_mask

    def state_dict(self) -> dict[str, Any]:
        """The seed and the state of the augmenter's generator (None before its first batch)."""
        state = self._generator.get_state() if self._generator is not None else self._restored_state
        return {"seed": self.seed, "generator": state}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Continue from a :meth:`state_dict`, also before the first batch."""
        self.seed = state["seed"]
        self._restored_state = state["generator"]
        if self._generator is not None and self._restored_state is not None:
            self._generator.set_state(self._restored_state)

    def _own_generator(self, device: torch.device) -> torch.Generator | None:
        if self.seed is None:
            return None
        if self._generator is None:
            self._generator = torch.Generator(device=device).manual_seed(self.seed)
            if self._restored_state is not None:
                self._generator.set_state(self._restored_state)
        return self._generator


def augment_windows(config: AugmentConfig | Mapping[str, Any] | None, imu: np.ndarray, mask: np.ndarray, seed: int,
                    batch_size: int = 256) -> tuple[np.ndarray, np.ndarray]:
    """One augmented copy ``(imu, mask)`` of each of the windows (N, T, J, C) held as arrays, drawn in batches
    from ``seed``: a frozen encoder's view of simulated windows as its pretraining showed them."""
    augmenter = Augmenter(config, seed=seed)
    parts = [augmenter(torch.from_numpy(imu[s:s + batch_size]), torch.from_numpy(mask[s:s + batch_size]))
             for s in range(0, len(imu), batch_size)]
    return torch.cat([x for x, _ in parts]).numpy(), torch.cat([m for _, m in parts]).numpy()


def random_rotations(
    batch: int,
    joints: int,
    generator: torch.Generator | None = None,
    device: torch.device | str | None = None,
    dtype: torch.dtype = torch.float32,
) -> torch.Tensor:
    """(batch, joints, 3, 3) independent rotation matrices, uniform (Haar) on SO(3).

    A 4-D standard Gaussian normalised to unit length is uniform on the unit quaternions S^3, and the
    double cover S^3 -> SO(3) carries that uniform measure to the Haar measure (Shoemake, "Uniform random
    rotations", Graphics Gems III, 1992). The matrices come from the Gaussians directly, as quadratic forms
    divided by the squared norm: one small matrix product instead of some thirty elementwise operations.
    """
    q = torch.randn((batch, joints, 4), generator=generator, device=device, dtype=torch.float32)
    outer = (q[..., :, None] * q[..., None, :]).reshape(-1, 16)  # q q^T: each entry of R is a quadratic form
    entries = outer @ _QUATERNION_TO_MATRIX.to(q.device) / outer[:, ::5].sum(-1, keepdim=True)  # / |q|^2
    return entries.view(batch, joints, 3, 3).to(dtype)


def upright_rotations(
    batch: int,
    joints: int,
    max_tilt_deg: float,
    generator: torch.Generator | None = None,
    device: torch.device | str | None = None,
    dtype: torch.dtype = torch.float32,
) -> torch.Tensor:
    """(batch, joints, 3, 3) rotations that keep +y within ``max_tilt_deg`` of +y: a uniform turn about +y,
    then a tilt by an angle uniform in [0, max_tilt_deg] about a uniformly drawn horizontal axis.

    What is left unknown of a device's mounting when its up axis is known: which way it faces around that
    axis, and a few degrees of slant (clip, pocket, posture of the wearer).
    """
    draws = torch.rand((3, batch, joints), generator=generator, device=device, dtype=torch.float32)
    yaw, heading = 2 * math.pi * draws[0], 2 * math.pi * draws[1]
    tilt = math.radians(max_tilt_deg) * draws[2]
    zero, one = torch.zeros_like(yaw), torch.ones_like(yaw)
    turn = torch.stack([yaw.cos(), zero, yaw.sin(), zero, one, zero, -yaw.sin(), zero, yaw.cos()], -1)
    # Rodrigues' formula about the unit axis (cos h, 0, sin h): R = I + sin(a) K + (1 - cos(a)) K^2.
    ax, az = heading.cos(), heading.sin()
    s, c = tilt.sin(), 1 - tilt.cos()
    slant = torch.stack([1 - c * az * az, -s * az, c * ax * az,
                         s * az, 1 - c, -s * ax,
                         c * ax * az, s * ax, 1 - c * ax * ax], -1)
    matrices = slant.view(batch, joints, 3, 3) @ turn.view(batch, joints, 3, 3)
    return matrices.to(dtype)


def _quaternion_to_matrix_forms() -> torch.Tensor:
    """(16, 9) coefficients: the rotation matrix of quaternion q = (w, x, y, z), flattened, is
    ``vec(q q^T) @ forms / |q|^2`` (the homogeneous form of the unit-quaternion rotation matrix)."""
    w, x, y, z = range(4)
    terms = {  # entry (row, column): [(coefficient, a, b)] for sum of coefficient * q_a * q_b
        (0, 0): [(1, w, w), (1, x, x), (-1, y, y), (-1, z, z)],
        (1, 1): [(1, w, w), (-1, x, x), (1, y, y), (-1, z, z)],
        (2, 2): [(1, w, w), (-1, x, x), (-1, y, y), (1, z, z)],
        (0, 1): [(2, x, y), (-2, w, z)], (1, 0): [(2, x, y), (2, w, z)],
        (0, 2): [(2, x, z), (2, w, y)], (2, 0): [(2, x, z), (-2, w, y)],
        (1, 2): [(2, y, z), (-2, w, x)], (2, 1): [(2, y, z), (2, w, x)],
    }
    forms = torch.zeros(4, 4, 3, 3)
    for (row, column), products in terms.items():
        for coefficient, a, b in products:
            forms[a, b, row, column] += coefficient
    return forms.reshape(16, 9)


_QUATERNION_TO_MATRIX = _quaternion_to_matrix_forms()


def rotate_joints(x: torch.Tensor, rotations: torch.Tensor) -> torch.Tensor:
    """Rotate every joint's sensor frame: each xyz triple of ``x[b, :, j]`` becomes ``rotations[b, j] @ v``.

    Args:
        x: (B, T, J, C) with C a multiple of 3 (acc, or acc then gyro): both sensors turn together.
        rotations: (B, J, 3, 3).
    """
    return transform_joints(x, rotations)


def transform_joints(x: torch.Tensor, rotations: torch.Tensor | None = None, gains: torch.Tensor | None = None,
                     offset: torch.Tensor | None = None) -> torch.Tensor:
    """``gains[b, j, s] * rotations[b, j] @ v + offset`` for every xyz triple ``v`` of sensor ``s`` of joint
    ``j`` of sample ``b``: one batched matrix product of the (B, T, J * C) view with a block-diagonal
    (J * C, J * C) matrix per sample.

    The block-diagonal product does J times the arithmetic of the 3x3 products it holds, but as one GEMM
    per sample it runs 1.7x (22 joints) to 3x (5 kept joints) faster than the batched 3x3 products (einsum)
    on CPU, which are each too small to use the hardware.

    Args:
        x: (B, T, J, C), C a multiple of 3.
        rotations: (B, J, 3, 3), or None for none.
        gains: (B, J, C // 3), or None for unit gains.
        offset: (B, T, J, C) added after, or None.
    """
    batch, steps, joints, channels = x.shape
    sensors = channels // 3
    if rotations is None:
        rotations = torch.eye(3, dtype=x.dtype, device=x.device).expand(batch, joints, 3, 3)
    # blocks[b, j, s, l, k] = gains[b, j, s] * R[b, j, k, l]: row l (input axis) to column k (output axis).
    blocks = rotations.to(x.dtype).transpose(-1, -2)[:, :, None].expand(batch, joints, sensors, 3, 3)
    if gains is not None:
        blocks = blocks * gains.to(x.dtype)[..., None, None]
    blocks = blocks.reshape(batch, joints * sensors, 3, 3)
    eye = torch.eye(joints * sensors, dtype=x.dtype, device=x.device)
    matrix = (eye[None, :, None, :, None] * blocks[:, :, :, None, :]).reshape(batch, channels * joints, -1)
    flat = x.reshape(batch, steps, joints * channels)
    if offset is None:
        return torch.bmm(flat, matrix).view(batch, steps, joints, channels)
    return torch.baddbmm(offset.reshape(batch, steps, joints * channels), flat, matrix).view(x.shape)


def random_lowpass(x: torch.Tensor, cutoff_hz: torch.Tensor, rate_hz: float) -> torch.Tensor:
    """``x`` (B, T, J, C) with each sample's content above ``cutoff_hz[b]`` removed, as a device sampling at
    ``2 * cutoff_hz[b]`` would hold it after resampling to ``rate_hz``.

    Evaluation resamples slower devices to the window's rate with an anti-aliasing filter
    (:mod:`benchmarks.prepare`), which leaves the band above their Nyquist frequency empty: a 10 Hz watch
    has nothing above 5 Hz, where simulated wrists in running and racket sports carry much of their
    power. The filter acts on the window's spectrum (real FFT along time) with a raised-cosine edge one
    eighth of the cutoff wide, so it rings little; the mean (gravity) passes unchanged.
    """
    steps = x.shape[1]
    frequencies = torch.fft.rfftfreq(steps, d=1.0 / rate_hz, device=x.device)  # (F,)
    cutoff = cutoff_hz.to(device=x.device, dtype=torch.float32)[:, None]  # (B, 1)
    width = cutoff / 8.0
    ramp = ((cutoff + width - frequencies[None]) / (2 * width)).clamp(0.0, 1.0)  # 1 below, 0 above the edge
    gain = 0.5 - 0.5 * torch.cos(torch.pi * ramp)  # (B, F)
    work = x if x.dtype in (torch.float32, torch.float64) else x.float()
    spectrum = torch.fft.rfft(work, dim=1) * gain.to(work.dtype)[:, :, None, None]
    return torch.fft.irfft(spectrum, n=steps, dim=1).to(x.dtype)


def crop_or_wrap(
    x: torch.Tensor, mask: torch.Tensor | None, window: int, generator: torch.Generator | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Cut every sample to ``window`` time steps: a random crop when longer, wrap padding when shorter.

    A sample's length runs to its last time step with data (per the mask), so batches padded at the end by
    a collate function are handled per sample. A longer sample yields a window starting uniformly at random
    within it. A shorter one is tiled (repetition padding, as in UniMTS): step t holds the sample's step
    ``t mod length``, and the mask is tiled with it, so the copies count as data. They are real signal, and
    encoders zero what the mask excludes (:mod:`pretrain.stgcn`), where zero padding would read as an
    accelerometer in free fall; :mod:`pretrain.data` windows clips the same way.
    """
    mask = _checked(x, mask)
    batch, steps = x.shape[:2]
    index = crop_index(sample_lengths(mask), window, generator, x)  # (B, window)
    # Whole time steps move, so index rows of the (B * T, J * C) view rather than gather element-wise.
    rows = (index + steps * torch.arange(batch, device=x.device)[:, None]).flatten()
    shape = (batch, window, *x.shape[2:])
    return (x.reshape(batch * steps, -1).index_select(0, rows).view(shape),
            mask.reshape(batch * steps, -1).index_select(0, rows).view(shape))


def sample_lengths(mask: torch.Tensor) -> torch.Tensor:
    """(B,) steps up to and including each sample's last step with data (0 for none), from a (B, T, ...) mask."""
    batch, steps = mask.shape[:2]
    has_data = mask.reshape(batch, steps, -1).amax(-1).gt(0)  # (B, T)
    return (has_data * torch.arange(1, steps + 1, device=mask.device)).amax(1)


def series_lengths(mask: torch.Tensor) -> torch.Tensor:
    """(N,) :func:`sample_lengths` of series masks (N, T, 1, C), from their flat (N, T * C) view: the last
    element with data, in whole steps (reducing the contiguous row avoids a reduction over the C axis)."""
    count, steps, _, channels = mask.shape
    flat = mask.reshape(count, -1)
    if bool(flat[:, -channels:].gt(0).any(1).all()):  # every series has data at its last step: all are whole
        return torch.full((count,), steps, dtype=torch.long, device=mask.device)
    last = (flat.gt(0) * torch.arange(1, steps * channels + 1, device=mask.device)).amax(1)
    return torch.div(last + channels - 1, channels, rounding_mode="floor")


def crop_index(length: torch.Tensor, window: int, generator: torch.Generator | None,
               like: torch.Tensor, piece: torch.Tensor | None = None) -> torch.Tensor:
    """(B, window) time steps :func:`crop_or_wrap` takes from samples of ``length`` (B,) steps (at least 1
    counts): a window starting uniformly at random within a longer sample, the sample tiled (step
    ``t mod length``) when shorter. With ``piece`` (B,) steps, a piece of at most that many steps starts
    uniformly at random within the sample and is tiled to the window (:func:`tile_pieces`)."""
    length = length.clamp_min(1)
    span = length.clamp_max(window) if piece is None else torch.minimum(length, piece.clamp(1, window))
    slack = length - span
    start = (_uniform((len(length),), like, generator) * (slack + 1)).long().clamp_max(slack)
    offset = torch.arange(window, device=length.device)
    return start[:, None] + offset[None] % span[:, None]


def tile_pieces(length: torch.Tensor, window: int, probability: float, seconds: tuple[float, float],
                rate_hz: float, generator: torch.Generator | None, like: torch.Tensor) -> torch.Tensor:
    """(B,) piece lengths in steps for :func:`crop_index`: for each sample with ``probability``, a length
    drawn uniformly from ``seconds`` (at ``rate_hz``, at least one step); the others keep ``window`` (a plain
    crop). Wrap padding in training, as short real series are padded for evaluation."""
    low, high = seconds
    draw = (low + (high - low) * _uniform((len(length),), like, generator)) * rate_hz
    chosen = _uniform((len(length),), like, generator) < probability
    full = torch.full_like(length, window)
    return torch.where(chosen, draw.round().long().clamp_min(1), full)


def keep_random_joints(
    x: torch.Tensor,
    mask: torch.Tensor | None,
    low: int = 1,
    high: int = 5,
    generator: torch.Generator | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Keep k random joints per sample (k uniform in [low, high], joints uniform without replacement),
    zeroing the others in x and the mask. Joints without any data are picked last, so k joints with data
    remain whenever the sample has that many."""
    mask = _checked(x, mask)
    slots, kept = choose_joints(mask, low, high, generator)
    keep = torch.zeros(x.shape[0], x.shape[2], dtype=x.dtype, device=x.device).scatter_(1, slots, kept.to(x.dtype))
    keep = keep[:, None, :, None]  # (B, 1, J, 1)
    return x * keep, mask * keep


def choose_joints(
    mask: torch.Tensor, low: int, high: int, generator: torch.Generator | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """The joints :func:`keep_random_joints` keeps, as ``(slots, kept)``, both (B, S) with S = min(high, J).

    ``slots[b]`` lists S distinct joints of sample ``b`` in random order, joints without data last;
    ``kept[b, s]`` is True for the first k of them, k uniform in [low, high].
    """
    count, scores = _joint_draws(mask, low, high, generator)
    scores = scores + _joints_with_data(mask).logical_not().to(scores.dtype)  # those without data rank last
    return _rank_joints(scores, count, high)


def _joint_draws(mask: torch.Tensor, low: int, high: int, generator: torch.Generator | None
                 ) -> tuple[torch.Tensor, torch.Tensor]:
    """The draws of :func:`choose_joints`: how many joints each sample keeps (B, 1) and a score per joint (B, J)."""
    batch, _, joints, _ = mask.shape
    count = torch.randint(low, high + 1, (batch, 1), generator=generator, device=mask.device)
    return count, _uniform((batch, joints), mask, generator)


def _rank_joints(scores: torch.Tensor, count: torch.Tensor, high: int) -> tuple[torch.Tensor, torch.Tensor]:
    """``(slots, kept)`` of :func:`choose_joints`: the ``high`` lowest-scoring joints, the first ``count`` kept."""
    width = min(high, scores.shape[1])
    slots = scores.argsort(dim=1)[:, :width]
    return slots, torch.arange(width, device=scores.device)[None, :] < count


def batch_rows(owner: torch.Tensor, joint: torch.Tensor, time: torch.Tensor, steps: int, joints: int) -> torch.Tensor:
    """Rows of the (B * steps * joints, C) view of a (B, steps, joints, C) batch holding joint ``joint[n]`` of
    sample ``owner[n]`` at the time steps ``time`` ((T',) for every series or (N, T') each), ordered (n, t)."""
    return ((owner[:, None] * steps + time) * joints + joint[:, None]).reshape(-1)


def take_rows(values: torch.Tensor, rows: torch.Tensor, steps: int) -> torch.Tensor:
    """(N, steps, 1, C) series: the C-wide ``rows`` of the (-1, C) view of ``values``, ``steps`` per series.
    Whole rows move, 2x faster than gathering element by element."""
    channels = values.shape[-1]
    return values.reshape(-1, channels).index_select(0, rows).view(-1, steps, 1, channels)


def put_rows(values: torch.Tensor, rows: torch.Tensor, shape: tuple[int, ...]) -> torch.Tensor:
    """Zeros of ``shape`` (..., C) with the C-wide rows of ``values`` placed at ``rows`` of its (-1, C) view:
    undoes :func:`take_rows` where the series were taken from."""
    out = values.new_zeros((math.prod(shape[:-1]), shape[-1]))
    return out.index_copy_(0, rows, values.reshape(-1, shape[-1])).view(shape)


def _take_kept(mask: torch.Tensor, slots: torch.Tensor, kept: torch.Tensor
               ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """``(owner, joint, rows, series_mask)`` of the kept joints of :func:`choose_joints`' ``(slots, kept)``."""
    _, steps, joints, _ = mask.shape
    owner, slot = kept.nonzero(as_tuple=True)
    joint = slots[owner, slot]
    rows = batch_rows(owner, joint, torch.arange(steps, device=mask.device), steps, joints)
    return owner, joint, rows, take_rows(mask, rows, steps)


def _chosen_series(probability: float, batch: int, owner: torch.Tensor, like: torch.Tensor,
                   generator: torch.Generator | None) -> torch.Tensor:
    """Indices of the series whose sample is chosen, each sample with ``probability``."""
    return (_uniform((batch,), like, generator) < probability)[owner].nonzero().squeeze(1)


def _joints_with_data(mask: torch.Tensor) -> torch.Tensor:
    """(B, J) bool: whether joint j of sample b has data at any step and channel of a (B, T, J, C) mask."""
    batch, steps, joints, channels = mask.shape
    # Reduce over time on the contiguous (B, T, J * C) view first: 15x faster than amax over dims (1, 3).
    return mask.reshape(batch, steps, joints * channels).amax(1).view(batch, joints, channels).amax(-1).gt(0)


def _uniform(shape: tuple[int, ...], like: torch.Tensor, generator: torch.Generator | None) -> torch.Tensor:
    return torch.rand(shape, generator=generator, device=like.device, dtype=like.dtype)


def _jitter_gains(x: torch.Tensor, spread: float, generator: torch.Generator | None) -> torch.Tensor:
    """(B, J, C // 3) gains uniform in [1 - spread, 1 + spread], one per sample, joint and sensor of x."""
    batch, _, joints, channels = x.shape
    return 1.0 + spread * (2.0 * _uniform((batch, joints, channels // 3), x, generator) - 1.0)


def _noise(x: torch.Tensor, std: tuple[float, float], generator: torch.Generator | None) -> torch.Tensor:
    """Gaussian noise shaped like x, with the accelerometer's and the gyroscope's standard deviation."""
    noise = torch.empty_like(x, memory_format=torch.contiguous_format)
    if x.shape[-1] == 3 or std[0] == std[1]:
        return noise.normal_(0.0, std[0], generator=generator)
    scale = torch.tensor(std, dtype=x.dtype, device=x.device).repeat_interleave(3)
    return noise.normal_(generator=generator).mul_(scale)
