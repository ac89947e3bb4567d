"""Time signals the generators are built from: easing curves, smooth noise, splines through key values.

Times are in seconds and phases in cycles; every function is vectorised over frames.
"""
from __future__ import annotations

import numpy as np
from scipy.ndimage import gaussian_filter1d

from skeletons.body import GRAVITY  # noqa: F401  (the generators' ballistic flight)


def min_jerk(u) -> np.ndarray:
    """The minimum-jerk profile 10u^3 - 15u^4 + 6u^5 (Flash & Hogan 1985) on ``u`` clipped to [0, 1]."""
    u = np.clip(u, 0.0, 1.0)
    return u * u * u * (10.0 + u * (-15.0 + 6.0 * u))


def hermite_tangents(u) -> tuple[np.ndarray, np.ndarray]:
    """Cubic Hermite bases h10 = u^3 - 2u^2 + u and h11 = u^3 - u^2 (slopes at the start and the end)."""
    u = np.asarray(u, dtype=np.float64)
    return u * (1.0 - u) ** 2, u * u * (u - 1.0)


def bump(u, peak: float = 0.5) -> np.ndarray:
    """A smooth hump on [0, 1], zero with zero slope at both ends, maximum 1 at ``u = peak``."""
    a, b = 5.0 * peak, 5.0 * (1.0 - peak)
    u = np.clip(u, 0.0, 1.0)
    return (u ** a * (1.0 - u) ** b) / (peak ** a * (1.0 - peak) ** b)


def smooth_noise(rng: np.random.Generator, t: np.ndarray, bandwidth_hz: float, components: int = 4,
                 dims: int | None = None) -> np.ndarray:
    """Band-limited noise of unit RMS: a sum of sinusoids with random frequencies up to ``bandwidth_hz``.

    Returns (T,) or, with ``dims``, (T, dims) independent channels.
    """
    count = 1 if dims is None else dims
    frequencies = rng.uniform(0.15, 1.0, (count, components)) * bandwidth_hz
    phases = rng.uniform(0, 2 * np.pi, (count, components))
    waves = np.cos(2 * np.pi * frequencies[:, :, None] * t[None, None, :] + phases[:, :, None])
    noise = waves.sum(axis=1) * np.sqrt(2.0 / components)
    return noise[0] if dims is None else noise.T


def smooth(values: np.ndarray, sigma_s: float, fps: float, axis: int = 0) -> np.ndarray:
    """Gaussian smoothing with a standard deviation of ``sigma_s`` seconds along ``axis`` (edges held)."""
    sigma = sigma_s * fps
    if sigma < 0.3:
        return values
    return gaussian_filter1d(values, sigma, axis=axis, mode="nearest")


def integrate(rate: np.ndarray, t: np.ndarray, start: float = 0.0) -> np.ndarray:
    """Running integral of ``rate`` (per second) over times ``t`` by the trapezoid rule, from ``start``."""
    steps = 0.5 * (rate[1:] + rate[:-1]) * np.diff(t)
    return start + np.concatenate([[0.0], np.cumsum(steps)])


def _tangents(times: np.ndarray, values: np.ndarray, periodic: bool) -> np.ndarray:
    if periodic:
        previous_t = np.roll(times, 1) - np.r_[1.0, np.zeros(len(times) - 1)]
        next_t = np.roll(times, -1) + np.r_[np.zeros(len(times) - 1), 1.0]
        return (np.roll(values, -1, axis=0) - np.roll(values, 1, axis=0)) / (next_t - previous_t)[:, None]
    slopes = np.zeros_like(values)
    if len(times) > 2:
        slopes[1:-1] = (values[2:] - values[:-2]) / (times[2:] - times[:-2])[:, None]
    return slopes


def keyframes(x: np.ndarray, key_x, key_values, periodic: bool = False) -> np.ndarray:
    """A C1 cubic (Catmull-Rom style) curve through key values, evaluated at ``x``.

    key_x: increasing key positions; with ``periodic`` they are phases in [0, 1) and ``x`` is taken
        modulo 1; otherwise the curve starts and ends at rest (zero slope) and holds outside the keys.
    key_values: (K,) or (K, D). Returns (len(x),) or (len(x), D).
    """
    key_x = np.asarray(key_x, dtype=np.float64)
    values = np.asarray(key_values, dtype=np.float64)
    flat = values.ndim == 1
    values = values[:, None] if flat else values
    slopes = _tangents(key_x, values, periodic)
    x = np.asarray(x, dtype=np.float64)
    if periodic:
        x = np.mod(x, 1.0)
        knots = np.r_[key_x, key_x[0] + 1.0]
        values = np.vstack([values, values[:1]])
        slopes = np.vstack([slopes, slopes[:1]])
        x = np.where(x < key_x[0], x + 1.0, x)
    else:
        knots = key_x
        x = np.clip(x, key_x[0], key_x[-1])
    index = np.clip(np.searchsorted(knots, x, side="right") - 1, 0, len(knots) - 2)
    span = knots[index + 1] - knots[index]
    u = ((x - knots[index]) / span)[:, None]
    h10, h11 = hermite_tangents(u)
    h01 = u * u * (3.0 - 2.0 * u)
    result = (values[index] * (1.0 - h01) + values[index + 1] * h01
              + span[:, None] * (h10 * slopes[index] + h11 * slopes[index + 1]))
    return result[:, 0] if flat else result


def strokes(t: np.ndarray, event_times, key_offsets, key_values) -> np.ndarray:
    """Repeated movements: a keyframed excursion centred on each event time, summed; zero elsewhere.

    key_offsets: increasing times relative to an event (s), the first and last bounding the excursion;
    key_values: (K, D) values at those offsets, the first and last zero (excursions start and end at rest).
    Returns (T, D).
    """
    key_offsets = np.asarray(key_offsets, dtype=np.float64)
    values = np.asarray(key_values, dtype=np.float64)
    out = np.zeros((len(t), values.shape[1]))
    for event in np.atleast_1d(event_times):
        lo, hi = np.searchsorted(t, [event + key_offsets[0], event + key_offsets[-1]])
        if hi > lo:
            out[lo:hi] += keyframes(t[lo:hi] - event, key_offsets, values)
    return out


def excursions(t: np.ndarray, rest, events, offsets, keys) -> np.ndarray:
    """A track (T, D) at ``rest`` except around each event time, where it passes through ``keys``
    (K, D) at ``offsets`` (K,) seconds from the event, leaving rest 0.6 of a key interval before the
    first key and returning to it as long after the last."""
    rest = np.asarray(rest, dtype=np.float64)
    offsets = np.asarray(offsets, dtype=np.float64)
    lead = offsets[0] - 0.6 * (offsets[1] - offsets[0]) if len(offsets) > 1 else offsets[0] - 0.3
    tail = offsets[-1] + 0.6 * (offsets[-1] - offsets[-2]) if len(offsets) > 1 else offsets[0] + 0.3
    zero = np.zeros((1, rest.shape[-1]))
    excursion = np.vstack([zero, np.asarray(keys, dtype=np.float64) - rest, zero])
    return rest + strokes(t, events, np.r_[lead, offsets, tail], excursion)


def event_times(rng: np.random.Generator, start: float, stop: float, mean_gap: float,
                jitter: float = 0.25) -> np.ndarray:
    """Irregular event times in [start, stop): gaps of ``mean_gap`` seconds varied by +-``jitter`` of it."""
    times, now = [], start + rng.uniform(0.1, 0.6) * mean_gap
    while now < stop:
        times.append(now)
        now += mean_gap * rng.uniform(1 - jitter, 1 + jitter)
    return np.array(times)


def impact_ripple(t: np.ndarray, impact_times, amplitude_m: float, frequency_hz: float,
                  decay_s: float) -> np.ndarray:
    """Displacement (T,) of the soft-tissue and joint ringing after each impact (e.g. a foot strike):
    ``-amplitude * exp(-(t - t_k) / decay) * sin(2 pi f (t - t_k))`` after each impact time ``t_k``, summed.

    Its acceleration peaks near ``amplitude * (2 pi f)^2`` right after the impact, so millimetres give
    m/s^2 while the motion stays invisible.
    """
    out = np.zeros(len(t))
    for impact in np.atleast_1d(impact_times):
        lo, hi = np.searchsorted(t, [impact, impact + 6.0 * decay_s])
        if hi > lo:
            u = t[lo:hi] - impact
            out[lo:hi] -= amplitude_m * np.exp(-u / decay_s) * np.sin(2 * np.pi * frequency_hz * u)
    return out
