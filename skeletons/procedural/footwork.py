"""Stepping about in place: feet that follow a list of moves of the body's centre (court footwork,
boxing, dancing, vacuuming), each move a quick step of the leading foot and then of the trailing one.
"""
from __future__ import annotations

import numpy as np

from skeletons.body import JOINT_INDEX

from .body_params import Body
from .feet import Contacts, FootTrack, foot_track, reach_limit
from .rig import Pose
from .signals import smooth

LONG = 1e3  # seconds: "before the clip" / "after the clip"
MAX_SPREAD = 1.1  # widest stance between the ankles, in leg lengths


def footwork(body: Body, t: np.ndarray, moves: list[tuple[float, np.ndarray, float]], centre: np.ndarray,
             heading: float, width: float, stagger: float = 0.0, step_s: float = 0.25,
             toe_out: float = 10.0) -> dict[int, Contacts]:
    """Foot contacts for a body standing at ``centre`` (x, z) facing ``heading`` degrees, then making
    ``moves``: (time, new centre (x, z), lunge length in m). The foot on the side of the move leads;
    on a lunge it reaches ``lunge`` metres further and the other foot stays. ``stagger`` puts the
    left foot that far ahead of the right."""
    psi = np.radians(heading)
    across = np.array([np.cos(psi), -np.sin(psi)])  # towards the body's left
    ahead = np.array([np.sin(psi), np.cos(psi)])

    def spot(side: int, where: np.ndarray) -> np.ndarray:
        return where + side * width / 2 * across + side * stagger / 2 * ahead

    windows = {side: [[-LONG, None, spot(side, centre)]] for side in (1, -1)}
    free_at = {1: -LONG, -1: -LONG}
    current = np.asarray(centre, dtype=np.float64)
    for time, target, lunge in moves:
        delta = np.asarray(target, dtype=np.float64) - current
        if np.linalg.norm(delta) < 0.04 and not lunge:
            continue
        sideways = float(delta @ across)
        lead = 1 if sideways > 0.05 else -1
        for order, side in enumerate((lead, -lead)):
            if lunge and order == 1:
                continue
            place = spot(side, target)
            if lunge and order == 0:
                place = place + lunge * delta / max(np.linalg.norm(delta), 1e-6)
                other = windows[-side][-1][2]
                spread = np.linalg.norm(place - other)
                if spread > MAX_SPREAD * (body.thigh + body.shank):  # no splits: keep a lunge within reach
                    place = other + (place - other) * MAX_SPREAD * (body.thigh + body.shank) / spread
            # A foot covers at most ~3 m/s on average in a step.
            duration = max(step_s, float(np.linalg.norm(place - windows[side][-1][2])) / 3.0)
            lift = max(time + order * 0.6 * duration, free_at[side] + 0.05)
            land = lift + duration
            windows[side][-1][1] = lift
            windows[side].append([land, None, place])
            free_at[side] = land
        current = np.asarray(target, dtype=np.float64)
    contacts = {}
    for side, rows in windows.items():
        rows[-1][1] = LONG
        on = np.array([r[0] for r in rows])
        off = np.array([r[1] for r in rows])
        anchor = np.array([[r[2][0], 0.0, r[2][1]] for r in rows])
        duration = np.maximum(off - on, 1e-3)
        contacts[side] = Contacts.make(on, off, anchor, heading + side * toe_out, land_pitch=5.0, off_pitch=-15.0,
                                       flat_at=np.minimum(0.3, 0.06 / duration),
                                       heel_off_at=np.maximum(0.5, 1 - 0.12 / duration), clearance=0.05)
    return contacts


def stand_on_tracks(pose: Pose, tracks: dict[int, FootTrack], crouch: np.ndarray | float,
                    follow_s: float = 0.12) -> None:
    """Pelvis over the feet (following them with a lag of ``follow_s``), lowered by ``crouch`` metres
    plus however much a wide stance needs, and both legs solved onto the foot tracks."""
    body = pose.body
    fps = 1.0 / (pose.t[1] - pose.t[0])
    between = 0.5 * (tracks[1].ankle + tracks[-1].ankle)
    spread = np.linalg.norm((tracks[1].ankle - tracks[-1].ankle)[:, [0, 2]], axis=-1)
    centre = smooth(between, follow_s, fps)
    wide = np.clip(spread - 1.3 * body.hip_width, 0, None)
    height = body.pelvis_height - crouch - np.minimum(0.35 * wide, 0.2 * body.height / 1.75)
    pose.root = np.stack([centre[:, 0], height, centre[:, 2]], -1)
    pelvis = pose.local[:, 0]
    limit = np.full(len(pose.t), np.inf)
    for side, track in tracks.items():
        hip = body.offsets[JOINT_INDEX["left_hip" if side > 0 else "right_hip"]]
        reach = reach_limit(pose.root, pelvis, body, hip, track.ankle, 0.995)
        limit = np.where(track.contact, np.minimum(limit, reach), limit)
    pose.root[:, 1] = np.minimum(pose.root[:, 1], limit)
    forward = pelvis[:, :, 2] * np.array([1.0, 0.0, 1.0])
    for side, track in tracks.items():
        across = track.rotation[:, :, 0]
        toes = np.stack([-across[:, 2], np.zeros(len(pose.t)), across[:, 0]], -1)
        pose.solve_leg(side, track.ankle, track.rotation, toes + forward + np.array([0.0, 0.2, 0.0]))
        pose.set("left_foot" if side > 0 else "right_foot", track.toe)


def track_feet(contacts: dict[int, Contacts], t: np.ndarray, body: Body) -> dict[int, FootTrack]:
    return {side: foot_track(c, t, body) for side, c in contacts.items()}
