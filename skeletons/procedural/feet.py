"""Feet on the ground: contact windows -> ankle targets and foot orientations, and what they allow
the pelvis to do.

A foot's contacts are time windows during which it rests on the floor at an *anchor* (the floor point
under the ankle joint while the foot is flat) with a heading (``yaw``, degrees). Within a window the foot
rolls over the ground the way a foot does in gait (Perry & Burnfield, "Gait Analysis", 2010): it lands
with a ``land_pitch`` (positive: heel first, toes up; negative: forefoot first) pivoting about the heel or
the ball of the foot, lies flat, then lifts its heel (``off_pitch`` < 0) pivoting about the ball. The
contact point never slides. Between windows the ankle swings along a C1 curve (cubic Hermite ends plus a
minimum-jerk transfer) lifted by a clearance hump.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .body_params import Body
from .rotations import apply, rot_x, rot_y
from .signals import GRAVITY, bump, hermite_tangents, min_jerk

_DT = 1e-3  # seconds, for finite-difference velocities at window ends
SHORT_CONTACT_S = 0.35  # s: longer contacts land, stand and push off in distinct phases
LANDING_S = 0.3  # s: absorbing a landing
PUSH_S = 0.45  # s: counter-movement and push-off of a standing jump


@dataclass
class Contacts:
    """Ground-contact windows of one foot, in time order (every array has one entry per window).

    on, off: window start and end (s). anchor: (K, 3) floor point under the ankle (y = floor height).
    yaw: foot heading (degrees, 0 = +z, positive towards +x). land_pitch, off_pitch: foot pitch at the
    start and the end of the window (degrees, positive toes up). flat_at, heel_off_at: fractions of the
    window where the foot becomes flat and where the heel starts to rise. clearance: lift (m) of the
    swing that *ends* at this window; clearance_peak: where in that swing (0..1) the lift peaks;
    rise: (start, end) fractions of that swing over which the ankle changes height (stairs rise early,
    descend late).
    """

    on: np.ndarray
    off: np.ndarray
    anchor: np.ndarray
    yaw: np.ndarray
    land_pitch: np.ndarray
    off_pitch: np.ndarray
    flat_at: np.ndarray
    heel_off_at: np.ndarray
    clearance: np.ndarray
    clearance_peak: np.ndarray
    rise: np.ndarray  # (K, 2)

    @classmethod
    def make(cls, on, off, anchor, yaw, land_pitch=0.0, off_pitch=0.0, flat_at=0.15, heel_off_at=0.6,
             clearance=0.05, clearance_peak=0.5, rise=(0.0, 1.0)) -> Contacts:
        """Contacts from per-window arrays; scalar parameters apply to every window."""
        on = np.atleast_1d(np.asarray(on, dtype=np.float64))
        count = len(on)

        def each(value) -> np.ndarray:
            return np.broadcast_to(np.asarray(value, dtype=np.float64), (count,)).copy()

        return cls(on, each(off), np.broadcast_to(np.asarray(anchor, dtype=np.float64), (count, 3)).copy(),
                   each(yaw), each(land_pitch), each(off_pitch), np.maximum(each(flat_at), 1e-6),
                   np.minimum(each(heel_off_at), 1 - 1e-6), each(clearance), each(clearance_peak),
                   np.broadcast_to(np.asarray(rise, dtype=np.float64), (count, 2)).copy())

    @classmethod
    def planted(cls, anchor, yaw: float, start: float, stop: float) -> Contacts:
        """One foot standing flat at ``anchor`` from ``start`` to ``stop``."""
        return cls.make([start], [stop], np.asarray(anchor)[None], [yaw], flat_at=1e-6, heel_off_at=1.0)


@dataclass
class FootTrack:
    """Per frame: ankle joint target (T, 3), foot (ankle joint) global rotation (T, 3, 3), the foot
    joint's local rotation (T, 3, 3), whether the foot is on the ground (T,), and how far through its
    contact window it is (T,; 0 at landing, 1 at lift-off, -1 in the air)."""

    ankle: np.ndarray
    rotation: np.ndarray
    toe: np.ndarray
    contact: np.ndarray
    progress: np.ndarray


def _pitch_in_window(c: Contacts, k: np.ndarray, u: np.ndarray) -> np.ndarray:
    landing = c.land_pitch[k] * np.clip(1 - u / c.flat_at[k], 0, 1) ** 2
    lift = np.clip((u - c.heel_off_at[k]) / (1 - c.heel_off_at[k]), 0, 1)
    return np.where(u < c.flat_at[k], landing, c.off_pitch[k] * lift ** 1.4)


def _stance(c: Contacts, body: Body, k: np.ndarray, time: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Ankle position (N, 3) and foot pitch (N,) of window ``k`` at ``time`` (clipped to the window)."""
    u = np.clip((time - c.on[k]) / np.maximum(c.off[k] - c.on[k], 1e-9), 0, 1)
    pitch = _pitch_in_window(c, k, u)
    heel_pivot = pitch >= 0
    pivot_forward = np.where(heel_pivot, -body.heel_back, body.ball_forward)
    lever = np.stack([np.zeros_like(pitch), np.full_like(pitch, body.ankle_height), -pivot_forward], -1)
    yaw = rot_y(c.yaw[k])
    lever = (yaw @ rot_x(-pitch) @ lever[..., None])[..., 0]
    pivot = c.anchor[k] + (yaw @ np.stack([0 * pitch, 0 * pitch, pivot_forward], -1)[..., None])[..., 0]
    return pivot + lever, pitch


def foot_track(c: Contacts, t: np.ndarray, body: Body) -> FootTrack:
    """Evaluate a foot's contacts at times ``t``; before the first window and after the last it holds."""
    count = len(c.on)
    k = np.clip(np.searchsorted(c.on, t, side="right") - 1, 0, count - 1)
    contact = (t >= c.on[k]) & (t <= c.off[k]) | (t < c.on[0]) | ((k == count - 1) & (t > c.off[k]))
    ankle, pitch = _stance(c, body, k, t)
    progress = np.where(contact, np.clip((t - c.on[k]) / np.maximum(c.off[k] - c.on[k], 1e-9), 0, 1), -1.0)
    toe_angle = np.minimum(pitch, 0.0)
    yaw = c.yaw[k].copy()

    swinging = ~contact
    if swinging.any() and count > 1:
        j = np.arange(count - 1)
        start, _ = _stance(c, body, j, c.off[j])
        before, p_before = _stance(c, body, j, c.off[j] - _DT)
        end, _ = _stance(c, body, j + 1, c.on[j + 1])
        after, p_after = _stance(c, body, j + 1, c.on[j + 1] + _DT)
        p_start = _pitch_in_window(c, j, np.ones(count - 1))
        p_end = _pitch_in_window(c, j + 1, np.zeros(count - 1))
        v_start, v_end = (start - before) / _DT, (after - end) / _DT
        w_start, w_end = (p_start - p_before) / _DT, (p_after - p_end) / _DT

        s = np.flatnonzero(swinging)
        g = k[s]
        duration = c.on[g + 1] - c.off[g]
        u = np.clip((t[s] - c.off[g]) / duration, 0, 1)
        h10, h11 = hermite_tangents(u)
        ease = u * u * (3.0 - 2.0 * u)  # smoothstep: a foot leaves the ground briskly
        rise_start, rise_end = c.rise[g + 1, 0], c.rise[g + 1, 1]
        lift = min_jerk((u - rise_start) / (rise_end - rise_start))
        path = start[g] + (end[g] - start[g]) * ease[:, None] + duration[:, None] * (
            h10[:, None] * v_start[g] + h11[:, None] * v_end[g])
        path[:, 1] = (start[g, 1] + (end[g, 1] - start[g, 1]) * lift
                      + c.clearance[g + 1] * bump(u, c.clearance_peak[g + 1])
                      + duration * (h10 * v_start[g, 1] + h11 * v_end[g, 1]))
        ankle[s] = path
        pitch[s] = (p_start[g] + (p_end[g] - p_start[g]) * ease
                    + duration * (h10 * w_start[g] + h11 * w_end[g]))
        toe_angle[s] = (np.minimum(p_start[g], 0) * (1 - min_jerk(u / 0.3))
                        + np.minimum(p_end[g], 0) * min_jerk((u - 0.7) / 0.3))
        turn = (c.yaw[g + 1] - c.yaw[g] + 180.0) % 360.0 - 180.0
        yaw[s] = c.yaw[g] + turn * ease
    return FootTrack(ankle, rot_y(yaw) @ rot_x(-pitch), rot_x(toe_angle), contact, progress)


def rise_onto_ball(track: FootTrack, hip: np.ndarray, body: Body, after: float = 0.3,
                   slack: float = 0.999) -> None:
    """Lift the heel of a loaded foot (pivoting about the planted ball of the foot) wherever the hip
    (T, 3) is too far for the leg to reach the ankle, late in stance (progress > ``after``), as a
    real heel rises in push-off. Modifies ``track`` in place; the ball never moves."""
    length = (body.thigh + body.shank) * slack
    to_ball = np.array([0.0, body.proportions.ball_height * body.height - body.ankle_height, body.ball_forward])
    for _ in range(3):
        short = np.linalg.norm(hip - track.ankle, axis=-1) - length
        need = track.contact & (track.progress > after) & (short > 0)
        if not need.any():
            return
        lift = np.where(need, np.degrees(np.clip(short / body.ball_forward, 0.0, 0.6)), 0.0)
        ball = track.ankle + apply(track.rotation, to_ball)
        track.rotation = track.rotation @ rot_x(lift)
        track.ankle = ball - apply(track.rotation, to_ball)
        track.toe = track.toe @ rot_x(-lift)


def peel_off(track: FootTrack, hip: np.ndarray, body: Body, start: float = 0.85, bend: float = 0.06) -> None:
    """Keep a foot within a bent leg's reach from late stance into early swing, as the knee flexes in
    pre-swing: targets farther from the hip (T, 3) than ``(1 - bend)`` of the leg's length are pulled
    towards it; in stance the allowed reach shrinks from the full leg at progress ``start`` to that at
    lift-off. Modifies ``track`` in place."""
    length = body.thigh + body.shank
    late = np.clip((track.progress - start) / (1.0 - start), 0.0, 1.0)
    factor = np.where(track.contact, 0.999 - (0.999 - (1 - bend)) * late, 1 - bend)
    offset = track.ankle - hip
    distance = np.linalg.norm(offset, axis=-1)
    scale = np.minimum(1.0, factor * length / np.maximum(distance, 1e-9))
    track.ankle = hip + offset * scale[:, None]


def reach_limit(root: np.ndarray, pelvis: np.ndarray, body: Body, hip_offset: np.ndarray,
                ankle: np.ndarray, slack: float = 0.997) -> np.ndarray:
    """Highest root height (T,) that still lets a leg reach ``ankle`` (T, 3) with the knee nearly
    straight (leg stretched to ``slack`` of its length); ``root`` gives the horizontal position."""
    hip = root + pelvis @ hip_offset
    horizontal = np.hypot(hip[:, 0] - ankle[:, 0], hip[:, 2] - ankle[:, 2])
    length = (body.thigh + body.shank) * slack
    rise = np.sqrt(np.maximum(length ** 2 - horizontal ** 2, 0.0))
    return ankle[:, 1] + rise - (pelvis @ hip_offset)[:, 1]


def merge_windows(on: np.ndarray, off: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Union of time windows, as sorted disjoint (on, off) arrays."""
    order = np.argsort(on)
    merged_on, merged_off = [on[order[0]]], [off[order[0]]]
    for a, b in zip(on[order[1:]], off[order[1:]]):
        if a <= merged_off[-1]:
            merged_off[-1] = max(merged_off[-1], b)
        else:
            merged_on.append(a)
            merged_off.append(b)
    return np.array(merged_on), np.array(merged_off)


def _spring_stance(tau, span, start, end, v_start, v_end):
    """Height during a short contact whose vertical force rises and falls like a half sine (a
    spring-mass runner): acceleration ``-g + A sin(pi u) + B cos(pi u)`` with A and B chosen to join
    the landing and take-off heights and velocities. Symmetric steps have B = 0: the acceleration then
    starts and ends at -g and peaks mid-stance."""
    w = np.pi / span
    a = (v_end - v_start + GRAVITY * span) * w / 2.0
    free = start + v_start * span - 0.5 * GRAVITY * span ** 2 + a * span ** 2 / np.pi
    b = (end - free) * np.pi ** 2 / (2.0 * span ** 2)
    return (start + v_start * tau - 0.5 * GRAVITY * tau ** 2 + a / w * (tau - np.sin(w * tau) / w)
            + b / w ** 2 * (1.0 - np.cos(w * tau)))


def bouncing_height(t: np.ndarray, on: np.ndarray, off: np.ndarray, touchdown: np.ndarray,
                    takeoff: np.ndarray, dip: np.ndarray | float = 0.0) -> np.ndarray:
    """Root height (T,) for hopping, running and jumping: ballistic flight between support windows.

    on/off: disjoint support windows (sorted); touchdown/takeoff: root height at each window's start and
    end; dip: extra lowering (m) in the middle of each window (a counter-movement). In flight the root
    falls freely (-GRAVITY). A short support (running, hopping) is a spring-mass bounce
    (:func:`_spring_stance`); a longer one absorbs the landing within LANDING_S, stands, then pushes
    off over PUSH_S (cubics joining the velocities). The height is C1; the acceleration may jump at
    landing as an impact does.
    """
    count = len(on)
    touchdown = np.broadcast_to(touchdown, (count,))
    takeoff = np.broadcast_to(takeoff, (count,))
    dip = np.broadcast_to(dip, (count,))
    flight = np.maximum(on[1:] - off[:-1], 1e-6)
    rise = (touchdown[1:] - takeoff[:-1]) / flight
    launch = np.r_[rise + 0.5 * GRAVITY * flight, 0.0]   # vertical velocity leaving window i
    land = np.r_[0.0, rise - 0.5 * GRAVITY * flight]     # vertical velocity arriving in window i
    k = np.clip(np.searchsorted(on, t, side="right") - 1, 0, count - 1)
    height = np.empty_like(t)
    support = (t <= off[k]) | (t < on[0])
    span = np.maximum(off[k] - on[k], 1e-6)
    long = span > SHORT_CONTACT_S
    land_span = np.where(long, np.minimum(LANDING_S, 0.4 * span), span)
    push_span = np.where(long, np.minimum(PUSH_S, 0.6 * span), span)
    u = np.clip((t - on[k]) / land_span, 0, 1)
    h10, h11 = hermite_tangents(u)
    h01 = u * u * (3 - 2 * u)
    short_end = np.where(long, touchdown[k], takeoff[k])
    landing = (touchdown[k] * (1 - h01) + short_end * h01
               + land_span * (h10 * land[k] + h11 * np.where(long, 0.0, launch[k])))
    v = np.clip((t - (off[k] - push_span)) / push_span, 0, 1)
    g10, g11 = hermite_tangents(v)
    g01 = v * v * (3 - 2 * v)
    push = touchdown[k] * (1 - g01) + takeoff[k] * g01 + push_span * g11 * launch[k] - dip[k] * np.sin(np.pi * v) ** 2
    in_push = long & (t >= off[k] - push_span)
    cubic = np.where(in_push, push, np.where(long & (u >= 1), touchdown[k], landing))
    cubic = np.where(long, cubic, _spring_stance(t - on[k], span, touchdown[k], takeoff[k], land[k], launch[k])
                     - dip[k] * np.sin(np.pi * u) ** 2)
    height[support] = cubic[support]
    airborne = ~support & (k < count - 1)
    a = k[airborne]
    tau = t[airborne] - off[a]
    height[airborne] = takeoff[a] + rise[a] * tau + 0.5 * GRAVITY * tau * (flight[a] - tau)
    after = ~support & (k == count - 1)
    height[after] = takeoff[-1]
    return height
