"""Jumping in place: jumping jacks, repeated vertical (counter-movement) jumps, and rope skipping.

Each jump is a ground contact of both feet followed by ballistic flight (:func:`.feet.bouncing_height`).
Rates: jumping jacks 1.6-2.6 jumps/s; rope skipping 1.8-2.6 jumps/s with 0.2-0.3 s flights and
forefoot landings (Miyaguchi et al., J Strength Cond Res 2014); counter-movement jumps of 0.15-0.35 m
with a 0.15-0.3 m dip.
"""
from __future__ import annotations

import numpy as np

from skeletons.body import JOINT_INDEX

from .arms import set_arm
from .body_params import Body
from .feet import Contacts, bouncing_height, foot_track, merge_windows, reach_limit
from .gait import PAD_S
from .rig import SIDES, Pose, root_rotation, spine_rotation
from .signals import GRAVITY, excursions, smooth, smooth_noise
from .stance import idle_trunk, place_hand
from .take import Facts, Take, tempo_of


def jumping(body: Body, t_clip: np.ndarray, rng: np.random.Generator, rate: float, duty: float,
            widths: np.ndarray, forward: np.ndarray, dip: float, crouch: float = 0.03,
            land_pitch: float = -12.0) -> tuple[Pose, np.ndarray]:
    """Both feet jumping ``rate`` times a second, on the ground ``duty`` of each jump; jump k lands
    with the feet ``widths[k % len]`` apart and ``forward[k % len]`` metres ahead. Returns the pose and
    the jump count (T,) that increases by one per jump (integers at each landing)."""
    fps = 1.0 / (t_clip[1] - t_clip[0])
    pad = int(round(PAD_S * fps))
    t = (np.arange(len(t_clip) + 2 * pad) - pad) / fps
    start = t[0] - rng.uniform(0, 1) / rate
    k = np.arange(int(np.ceil((t[-1] - start) * rate)) + 2)
    on = start + (k + 0.03 * smooth_noise(rng, k.astype(float), 0.2)) / rate  # slightly uneven rhythm
    off = on + duty / rate
    width = widths[k % len(widths)]
    ahead = forward[k % len(forward)]
    # In flight the feet rise with the body (legs stretched): lift them by the flight's apex.
    apex = GRAVITY * ((1 - duty) / rate) ** 2 / 8
    contacts = {side: Contacts.make(on, off, np.stack([side * width / 2, 0 * width, ahead], -1), side * 8.0,
                                    land_pitch, -30.0, 0.35, 0.6, apex + 0.02, 0.5) for _, side in SIDES}
    tracks = {side: foot_track(c, t, body) for side, c in contacts.items()}
    support_on, support_off = merge_windows(on, off)
    leg = body.thigh + body.shank
    straddle = np.clip(width - body.hip_width, 0, None) / 2  # each foot's reach out from under its hip
    base = body.pelvis_height - crouch - (leg - np.sqrt(leg ** 2 - straddle ** 2))
    height = bouncing_height(t, support_on, support_off, base[:len(support_on)], base[:len(support_on)], dip)
    pose = Pose(body, t)
    pose.local[:, 0] = root_rotation(2 * smooth_noise(rng, t, 0.2), 4.0, 0)
    centre = smooth(0.5 * (tracks[1].ankle + tracks[-1].ankle), 0.08, fps)
    pose.root = np.stack([centre[:, 0], height, centre[:, 2]], -1)
    limit = np.full(len(t), np.inf)
    for side, track in tracks.items():
        hip = body.offsets[JOINT_INDEX["left_hip" if side > 0 else "right_hip"]]
        limit = np.where(track.contact, np.minimum(limit, reach_limit(pose.root, pose.local[:, 0], body, hip,
                                                                          track.ankle)), limit)
    pose.root[:, 1] = np.minimum(pose.root[:, 1], limit)
    for side, track in tracks.items():
        pose.solve_leg(side, track.ankle, track.rotation, track.rotation[:, :, 2] * [1, 0, 1] + [0, 0.2, 1.0])
        pose.set("left_foot" if side > 0 else "right_foot", track.toe)
    count = (t - on[0]) * rate
    pose.crop(pad, pad + len(t_clip))
    return pose, count[pad:pad + len(t_clip)]


def jumping_jacks(body: Body, t: np.ndarray, rng: np.random.Generator) -> Take:
    rate = rng.uniform(1.6, 2.6)
    wide = rng.uniform(0.45, 0.7) * body.height / 1.75
    pose, count = jumping(body, t, rng, rate, rng.uniform(0.45, 0.6), np.array([body.hip_width, wide]),
                          np.zeros(1), 0.02)
    idle_trunk(pose, rng, lean=2.0)
    up = 0.5 - 0.5 * np.cos(np.pi * (count + 0.15))
    zeros = np.zeros(len(t))
    for _, side in SIDES:
        set_arm(pose, side, np.stack([zeros + 5, 10 + rng.uniform(150, 170) * up, zeros, zeros,
                                      15 + 10 * up, 40 + 40 * up, zeros, zeros], -1))
    return Take(pose, Facts(tempo=tempo_of(rate, 1.6, 2.6)))


def jump(body: Body, t: np.ndarray, rng: np.random.Generator) -> Take:
    """Repeated jumps in place (or forwards and backwards), dipping and swinging the arms each time."""
    rate = rng.uniform(0.45, 0.9)
    flight = rng.uniform(0.3, 0.5)
    front_back = rng.random() < 0.3
    forward = np.array([0.0, rng.uniform(0.2, 0.4)]) if front_back else np.zeros(1)
    pose, count = jumping(body, t, rng, rate, 1 - flight * rate, np.array([body.hip_width + 0.05]), forward,
                          rng.uniform(0.08, 0.2), land_pitch=-5.0)
    idle_trunk(pose, rng, lean=10.0)
    takeoff = np.floor(count) + 1 - flight * rate  # jump count at the next take-off
    since = (count - takeoff) / rate  # seconds from the nearest take-off
    since = np.where(since < -0.5 / rate, since + 1 / rate, since)
    swing = excursions(since, np.zeros(1), [0.0], [-0.35, 0.0, 0.5 * flight, flight],
                       [[-45.0], [150.0], [90.0], [10.0]])[:, 0]
    zeros = np.zeros(len(t))
    for _, side in SIDES:
        set_arm(pose, side, np.stack([5 + swing, zeros + 12, zeros, zeros, zeros + 20, zeros + 40, zeros, zeros], -1))
    pose.set("spine2", spine_rotation(np.clip(-0.15 * swing, -10, 10) + 10))
    return Take(pose, Facts(tempo=tempo_of(rate, 0.45, 0.9), details=("front_back",) if front_back else ()))


def jump_rope(body: Body, t: np.ndarray, rng: np.random.Generator) -> Take:
    """Rope skipping: small quick two-footed bounces on the balls of the feet, the wrists turning the rope."""
    rate = rng.uniform(1.8, 2.6)
    pose, count = jumping(body, t, rng, rate, rng.uniform(0.45, 0.55), np.array([body.hip_width - 0.04]),
                          np.zeros(1), rng.uniform(0.0, 0.02), crouch=0.02, land_pitch=-20.0)
    idle_trunk(pose, rng, lean=3.0, look_around=0.3)
    s = body.height / 1.75
    angle = 2 * np.pi * count
    radius = rng.uniform(0.04, 0.08) * s
    for _, side in SIDES:
        target = np.stack([np.full(len(t), side * 0.26 * s), 0.02 * s + radius * np.cos(angle),
                           0.12 * s + radius * np.sin(angle)], -1)
        place_hand(pose, side, "pelvis", target, [side * 1.0, -0.2, -1.0], 60.0)
    return Take(pose, Facts(tempo=tempo_of(rate, 1.8, 2.6)))
