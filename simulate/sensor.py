"""`SensorModel`: the imperfections of a MEMS IMU, applied to ideal simulated signals.

Per channel (accelerometer m/s^2, gyroscope rad/s), in this order::

    y = (1 + s) x + b0 + b_walk(t) + n(t)      then saturation to +-range, then quantization

* ``s`` scale-factor error and ``b0`` turn-on bias: drawn once per clip, joint and axis (normal,
  standard deviation as given), constant within the clip.
* ``b_walk``: bias random walk starting at 0, ``b_k = b_{k-1} + sigma_walk * sqrt(1 / rate) * N(0, 1)``
  (``sigma_walk`` in units/s/sqrt(Hz), the Kalibr / TUM-VI convention).
* ``n``: white noise. A datasheet noise density ``N`` (units/sqrt(Hz), one-sided) over the band a
  sample stream at ``rate`` can hold, 0 .. rate / 2, gives a per-sample standard deviation
  ``N * sqrt(rate / 2)``.
* Saturation clips to +-range; quantization rounds to the LSB of a signed ``adc_bits`` converter
  spanning +-range (``2 * range / 2**adc_bits``), codes -2**(bits-1) .. 2**(bits-1) - 1, so with a
  converter readings saturate at -range and range - LSB.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, fields, replace

import numpy as np
import torch
from scipy.interpolate import CubicSpline

from .gravity import GRAVITY


@dataclass(frozen=True)
class SensorModel:
    """Imperfections of a 6-axis IMU; every field off (0, infinite range, no ADC) by default.

    acc_noise_density: white noise, m/s^2/sqrt(Hz).
    gyro_noise_density: white noise, rad/s/sqrt(Hz).
    acc_bias, gyro_bias: standard deviation of the turn-on bias, m/s^2 and rad/s.
    acc_bias_walk, gyro_bias_walk: bias random walk, m/s^3/sqrt(Hz) and rad/s^2/sqrt(Hz).
    acc_scale_error, gyro_scale_error: standard deviation of the relative scale-factor error.
    acc_range, gyro_range: full scale, m/s^2 and rad/s; readings saturate there.
    adc_bits: resolution of the converter spanning +-range; None for no quantization.
    mount_compliance: rad per m/s^2: the device tilts on its strap or clip by this much per unit of change in
        the specific force across its z axis, up to :data:`MOUNT_TILT_LIMIT` (:func:`mount_wobble`), so its
        gyroscope reads the tilt's rate on top of the body's rotation, and its accelerometer the tilted force.
    mount_varies: each clip's compliance is drawn uniformly between 0 and ``mount_compliance`` (from rigid to
        loose, as people wear a watch or clip a phone), instead of every clip's being ``mount_compliance``.
    """

    acc_noise_density: float = 0.0
    gyro_noise_density: float = 0.0
    acc_bias: float = 0.0
    gyro_bias: float = 0.0
    acc_bias_walk: float = 0.0
    gyro_bias_walk: float = 0.0
    acc_scale_error: float = 0.0
    gyro_scale_error: float = 0.0
    acc_range: float = math.inf
    gyro_range: float = math.inf
    adc_bits: int | None = None
    mount_compliance: float = 0.0
    mount_varies: bool = False

    def __post_init__(self) -> None:
        for field in fields(self):
            value = getattr(self, field.name)
            if field.name == "mount_varies":
                if not isinstance(value, bool):
                    raise ValueError(f"SensorModel.mount_varies must be a bool, got {value!r}")
            elif field.name == "adc_bits":
                if value is not None and not (isinstance(value, int) and value >= 2):
                    raise ValueError(f"SensorModel.adc_bits must be an integer >= 2 or None, got {value!r}")
            elif not (value > 0 if field.name.endswith("_range") else value >= 0):
                raise ValueError(f"SensorModel.{field.name} must be >= 0 (ranges > 0), got {value!r}")
        finite_ranges = math.isfinite(self.acc_range) and math.isfinite(self.gyro_range)
        if self.adc_bits is not None and not finite_ranges:
            raise ValueError("SensorModel.adc_bits needs finite acc_range and gyro_range")

    @classmethod
    def ideal(cls) -> SensorModel:
        """No imperfections: :meth:`apply` returns its input."""
        return cls()

    @classmethod
    def consumer(cls) -> SensorModel:
        """A consumer MEMS IMU of the BMI160 / ICM-20948 class.

        TDK InvenSense ICM-20948 data sheet (DS-000189 rev. 1.3): accelerometer noise spectral density
        230 ug/sqrt(Hz), zero-g initial tolerance +-50 mg board level, sensitivity initial tolerance
        +-0.5 %, range +-16 g at 2048 LSB/g (16-bit); gyroscope rate noise spectral density
        0.015 dps/sqrt(Hz), zero-rate output initial tolerance +-5 dps, sensitivity initial tolerance
        +-1.5 %, range +-2000 dps at 16.4 LSB/dps (16-bit). The +- tolerances are used as standard
        deviations. Bias random walk, which data sheets do not give: the Allan-variance values of the
        TUM VI benchmark's BMI160 (Schubert et al., IROS 2018), 8.6e-4 m/s^3/sqrt(Hz) and
        2.2e-5 rad/s^2/sqrt(Hz).
        """
        return cls(
            acc_noise_density=230e-6 * GRAVITY,
            gyro_noise_density=math.radians(0.015),
            acc_bias=50e-3 * GRAVITY,
            gyro_bias=math.radians(5.0),
            acc_bias_walk=8.6e-4,
            gyro_bias_walk=2.2e-5,
            acc_scale_error=0.005,
            gyro_scale_error=0.015,
            acc_range=16.0 * GRAVITY,
            gyro_range=math.radians(2000.0),
            adc_bits=16,
        )

    @classmethod
    def calibrated(cls) -> SensorModel:
        """The :meth:`consumer` part as a phone or watch delivers it: factory-trimmed offsets and the operating
        system's run-time gyroscope bias compensation leave a turn-on bias far below the data sheet's
        uncalibrated tolerance. Noise, bias random walk, scale errors, range and converter are the
        consumer part's.

        The residual biases are fitted to real devices at rest:

        * gyroscope 0.004 rad/s (0.23 deg/s): HAPT's waist phone, training subjects' sitting, standing and
          lying windows. Their per-window mean rate on the two axes across gravity has a median magnitude of
          0.002-0.003 rad/s (0.674 standard deviations of a zero-mean normal), and gravity removed by the
          gyroscope-based estimator (:func:`simulate.gravity.remove_gravity`) leaves 0.17-0.20 m/s^2 on their
          10 s windows; 0.004 leaves about 0.2 on a simulated body at rest. The consumer part's 5 deg/s leaves
          about 3 m/s^2: the estimate of gravity drifts by tens of degrees in 10 s, and a motionless body
          reads as much acceleration as a real wrist walking.
        * accelerometer 0.13 m/s^2 (13 mg): BasicMotions' watch, train standing series (gravity removed by
          the watch), per-axis median |mean| 0.03-0.13 m/s^2 (the consumer part's 50 mg reads 0.33).
        """
        consumer = cls.consumer()
        return replace(consumer, acc_bias=0.13, gyro_bias=0.004)

    @classmethod
    def worn(cls) -> SensorModel:
        """The :meth:`calibrated` part worn on a strap or belt clip that gives under the force the device feels
        (``mount_compliance`` 0.015 rad per m/s^2, 0.9 deg per m/s^2 up to :data:`MOUNT_TILT_LIMIT`;
        :func:`mount_wobble`).

        A rigid mount leaves the simulated gyroscope almost silent above the arm swing and step frequencies.
        Above 1.5 Hz (10 Hz, median RMS) the library's wrist reads 0.12 rad/s walking and 0.65 jogging,
        where the BasicMotions train watch reads 0.44 walking and 1.99 running; in 1.5-10 Hz the rigid waist
        reads 0-0.14 rad/s per band walking, the HAPT phone on its belt (training subjects) 0.17-0.37. With
        this mount the wrist reads 0.42 walking and 0.87 jogging, and its |acc| RMS is unchanged. It lumps
        strap and soft-tissue wobble (Forner-Cordero et al., "Study of the motion artefacts of skin-mounted
        inertial sensors under different attachment conditions", Physiol Meas 2008) with fast hand
        rotations the library does not make.

        Not the corpus's default. Pretrained on it (protocol ``select``, training data; 6 runs over this form
        and two earlier ones), BasicMotions standing came right in 8-10 of 10 series and HAPT's training subjects
        read 0.56-0.61 (rigid mount: 5-7 and 0.51-0.55), but BasicMotions' runners were called walking in
        4-10 of 10 (rigid: 0-5; README, "Library version 3").
        """
        return replace(cls.calibrated(), mount_compliance=0.015)

    @classmethod
    def worn_varied(cls) -> SensorModel:
        """The :meth:`worn` part, each clip's mount anywhere from rigid to as loose as :meth:`worn`'s
        (``mount_varies``): the corpus holds the rigid mount's readings and the loose mount's and all between,
        so neither is the only way a device can be worn."""
        return replace(cls.worn(), mount_varies=True)

    def noise_std(self, rate_hz: float) -> tuple[float, float]:
        """Per-sample white-noise standard deviation (accelerometer, gyroscope) at ``rate_hz``."""
        band = math.sqrt(rate_hz / 2.0)
        return self.acc_noise_density * band, self.gyro_noise_density * band

    def lsb(self) -> tuple[float, float]:
        """Quantization step (accelerometer, gyroscope); requires ``adc_bits``."""
        if self.adc_bits is None:
            raise ValueError("this SensorModel does not quantize (adc_bits is None)")
        return 2.0 * self.acc_range / 2**self.adc_bits, 2.0 * self.gyro_range / 2**self.adc_bits

    def _clip_compliance(self, rng: np.random.Generator | Sequence[np.random.Generator],
                         clips: int) -> float | np.ndarray:
        """The mount compliance: the model's, or with ``mount_varies`` one per clip (clips, 1, 1, 1), drawn from
        the clip's own generator (or the batch's) before any other draw."""
        if not self.mount_varies:
            return self.mount_compliance
        if isinstance(rng, np.random.Generator):
            draws = rng.random(clips)
        else:
            draws = np.array([generator.random() for generator in rng])
        return self.mount_compliance * draws.reshape(clips, 1, 1, 1)

    def apply(self, imu: np.ndarray, rate_hz: float,
              rng: np.random.Generator | Sequence[np.random.Generator]) -> np.ndarray:
        """Imperfect readings (B, T, J, 6) float32 from ideal ones (B, T, J, 6) sampled at ``rate_hz``.

        Biases and scale errors are drawn per clip (axis 0), joint (axis 2) and channel; everything is
        vectorised and the draws depend only on the generators' states, so seeded generators repeat
        exactly. ``rng`` is one generator for the batch or one per clip (then each clip's errors depend
        on its own generator only).
        """
        out = np.asarray(imu, dtype=np.float32)
        if out.ndim != 4 or out.shape[-1] != 6:
            raise ValueError(f"imu must have shape (B, T, J, 6), got {out.shape}")
        if self == SensorModel.ideal():
            return out
        if self.mount_compliance:
            out = mount_wobble(out, rate_hz, self._clip_compliance(rng, out.shape[0]))
        # Torch on the numpy buffer, viewed as (B, T, J * 6) with per-channel vectors tiled over the joints:
        # its kernels vectorise along a contiguous last dimension (a size-6 one broadcast runs 5x slower)
        # and fuse steps (addcmul), so the arithmetic is a few passes over the readings; the draws dominate.
        clips, samples, joints, _ = out.shape
        x = torch.from_numpy(out.copy()).view(clips, samples, joints * 6)
        normal = _NormalSource(rng, clips)
        per_clip = (1, joints * 6)

        def tiled(acc: float, gyro: float) -> torch.Tensor:
            return _channels(acc, gyro).repeat(joints)

        if self.acc_scale_error or self.gyro_scale_error:
            x.mul_(normal(per_clip).mul_(tiled(self.acc_scale_error, self.gyro_scale_error)).add_(1.0))
        bias = None
        if self.acc_bias or self.gyro_bias:
            bias = normal(per_clip).mul_(tiled(self.acc_bias, self.gyro_bias))
        if self.acc_bias_walk or self.gyro_bias_walk:  # the turn-on bias is where the walk starts
            bias = _bias_walk(samples, tiled(self.acc_bias_walk, self.gyro_bias_walk), rate_hz, normal, bias)
        if bias is not None:
            x.add_(bias)
        if self.acc_noise_density or self.gyro_noise_density:
            x.addcmul_(normal(x.shape[1:]), tiled(*self.noise_std(rate_hz)))
        if self.adc_bits is not None:  # the converter's code range is the saturation
            step = tiled(*self.lsb())
            top = 2 ** (self.adc_bits - 1)
            x.div_(step).round_().clamp_(-top, top - 1).mul_(step)  # round half to even, as np.rint
        elif math.isfinite(self.acc_range) or math.isfinite(self.gyro_range):
            full_scale = tiled(self.acc_range, self.gyro_range)
            x.clamp_(-full_scale, full_scale)
        return x.view(out.shape).numpy()


#: The most a mount tilts (rad): a strap or clip gives a few degrees, then holds (tilts saturate smoothly).
MOUNT_TILT_LIMIT = 0.1


def mount_wobble(imu: np.ndarray, rate_hz: float, compliance: float | np.ndarray) -> np.ndarray:
    """Readings (..., T, J, 6) of devices that tilt on a compliant mount, from rigidly mounted ones (time on
    axis -3, sampled at ``rate_hz``): each tilts by ``theta = compliance * (z x f)`` about its own axes, f
    the specific force it reads less the clip's mean (where the mount rests), so the force across its z axis
    (the strap's normal) rocks it, by at most :data:`MOUNT_TILT_LIMIT` (``tanh``). The gyroscope
    adds theta's rate, the derivative of a cubic spline through it (central differences would read a 4 Hz
    rocking at 10 Hz a quarter as fast), and the accelerometer reads f turned by -theta (to first order).
    ``compliance`` is one number or an array that broadcasts against (..., T, J, 1), e.g. one per clip."""
    force = imu[..., :3]
    load = force - force.mean(axis=-3, keepdims=True)  # the clip's steady load sets where the mount rests
    theta = compliance * np.stack([-load[..., 1], load[..., 0], np.zeros_like(load[..., 0])], axis=-1)
    size = np.linalg.norm(theta, axis=-1, keepdims=True)
    theta = theta * (MOUNT_TILT_LIMIT * np.tanh(size / MOUNT_TILT_LIMIT) / np.maximum(size, 1e-12))
    out = np.empty_like(imu)
    out[..., :3] = force - np.cross(theta, force)
    times = np.arange(imu.shape[-3]) / rate_hz
    out[..., 3:] = imu[..., 3:] + CubicSpline(times, theta, axis=-3)(times, 1)
    return out


def _channels(acc: float, gyro: float) -> torch.Tensor:
    """A per-channel float32 vector (6,): three accelerometer axes, then three gyroscope axes."""
    return torch.tensor((acc,) * 3 + (gyro,) * 3, dtype=torch.float32)


#: Spacing of the bias random walk's knots, seconds. The walk drifts by micro-g over seconds, so it is
#: drawn at these knots and interpolated linearly (a Brownian bridge's mean) instead of per sample.
_WALK_KNOT_S = 0.5


class _NormalSource:
    """Standard normal float32 tensors (B, *shape): from one generator, or one generator per clip.

    Each numpy generator seeds one torch generator (one 63-bit draw), which makes the draws: torch's
    vectorised Gaussian sampler is about twice as fast as numpy's ziggurat on float32, and the white noise
    is most of the sensor model's cost. Draws still depend only on the given generators' states.
    """

    def __init__(self, rng: np.random.Generator | Sequence[np.random.Generator], clips: int):
        self.clips = clips
        generators = [rng] if isinstance(rng, np.random.Generator) else list(rng)
        self.per_clip = not isinstance(rng, np.random.Generator)
        if self.per_clip and len(generators) != clips:
            raise ValueError(f"{len(generators)} generators for {clips} clips")
        self.generators = [torch.Generator().manual_seed(int(g.integers(2**63))) for g in generators]

    def __call__(self, shape: tuple[int, ...]) -> torch.Tensor:
        draws = torch.empty((self.clips, *shape))
        if not self.per_clip:
            return draws.normal_(generator=self.generators[0])
        for clip, generator in enumerate(self.generators):  # only the fills loop; the arithmetic is batched
            draws[clip].normal_(generator=generator)
        return draws


def _bias_walk(samples: int, density: torch.Tensor, rate_hz: float, normal: _NormalSource,
               start: torch.Tensor | None = None) -> torch.Tensor:
    """A random walk (B, samples, F) of F = ``len(density)`` features, starting at ``start`` (B, 1, F;
    default 0), with increments of std ``density * sqrt(dt)``."""
    knot_samples = max(1, int(round(_WALK_KNOT_S * rate_hz)))
    knots = (samples - 1) // knot_samples + 2
    steps = normal((knots, len(density)))
    steps.mul_(density * math.sqrt(knot_samples / rate_hz))
    steps[:, 0] = 0.0 if start is None else start[:, 0]
    walk = torch.cumsum(steps, dim=1)
    # Linear interpolation from knots to samples as one (T, K) matrix product (two weights a row).
    position = torch.arange(samples, dtype=torch.float64) / knot_samples
    left = position.long()
    weights = torch.zeros((samples, knots), dtype=torch.float32)
    rows = torch.arange(samples)
    weights[rows, left] = (1.0 - (position - left)).float()
    weights[rows, left + 1] = (position - left).float()
    return torch.matmul(weights, walk)
