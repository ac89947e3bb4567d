"""Locomotion: walking at any pace, jogging, running, sprinting, stairs, backwards, turning, shuffling,
skipping, hopping and Nordic walking, from one engine.

A gait is a periodic contact pattern (which foot is on the ground during which part of the cycle) at a
cycle frequency, plus the distance the body advances per cycle. The engine lays footprints along a
(possibly curving) path where the pelvis is at mid-stance, rolls the feet over them (:mod:`.feet`),
moves the pelvis (pendular vaulting when some foot is always down, ballistic flight otherwise), solves
the legs by inverse kinematics so stance feet stay planted, and swings arms and trunk in counter-phase.

Gait parameters: walking cadence from the walk ratio (step length / cadence about 0.0064 m per
step/min for adults, Sekiya & Nagasaki, Gait & Posture 1998, scaled by stature); stance fraction and
foot rocker timing from Perry & Burnfield ("Gait Analysis", 2010); pelvis rotation, obliquity and
vertical excursion of walking from Saunders, Inman & Eberhart (JBJS 1953); running cadence, contact times
and vertical oscillation from Novacheck (Gait & Posture 1998) and Heiderscheit et al. (MSSE 2011); stair
gait (rise 0.15-0.19 m, going 0.25-0.32 m, cadence 80-110 steps/min) from Riener et al. (Gait &
Posture 2002).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from skeletons.body import JOINT_INDEX

from .body_params import Body
from .feet import Contacts, bouncing_height, foot_track, merge_windows, peel_off, reach_limit, rise_onto_ball
from .rig import (
    Pose,
    collar_rotation,
    elbow_rotation,
    root_rotation,
    shoulder_rotation,
    spine_rotation,
    wrist_rotation,
)
from .rotations import apply, rot_x, rot_y
from .signals import impact_ripple, integrate, keyframes, smooth, smooth_noise
from .take import Facts, Take, tempo_of

PAD_S = 1.5  # extra time generated before and after the clip so that edges look like the middle
REACH_TOLERANCE = 0.008  # m
PRESWING = 0.85  # fraction of a stance after which a foot no longer caps the pelvis height
LOADING = 0.1  # fraction of a stance over which a landing foot takes the body's weight
UNLOADING = 0.3  # fraction of a stance over which a foot hands the weight on before pre-swing
#: Decay time (s) of the ringing after a foot strike: heel-strike transients at the pelvis die out within
#: 0.1-0.2 s (Whittle, "Gait Analysis", 2007; Lafortune et al., J Biomech 1996).
STRIKE_DECAY_S = 0.08

# Amplitudes fitted to real sensors (``python -m experiments.realism``; train data only, each compared in
# the device's band). Before the fit the walking wrist read 2.2x, the running wrist 1.7x and the walking
# waist 0.34x the real |acc| RMS.
#: Shoulder swing of walking (degrees, a + b * speed m/s): wrist |acc| RMS of ``walk`` fitted to the
#: BasicMotions train watch, 3.5 m/s^2 in its 10 Hz band (it was 7.8); 17 deg at 1.3 m/s stays within the
#: 10-20 deg walking arm swing of Collins et al. (Proc R Soc B 2009).
WALK_ARM_SWING = (2.5, 5.5)
#: Elbow swing of walking (degrees, a + b * speed), fitted with the shoulder swing above.
WALK_ELBOW_SWING = (2.0, 4.0)
#: Foot-strike ringing of walking, metres per m/s of speed. Fitted to the HAPT waist phone, train subjects,
#: band by band (vertical acceleration, 20 Hz): 0.7-0.8 m/s^2 RMS in each of 4.4-6, 6-8 and 8-10 Hz. The
#: first fit (0.009) matched the total |acc| RMS with ringing alone while the gait's own vertical motion was
#: smoothed away: the step-frequency band read 0.3 m/s^2 against the phone's 1.5, and 4.4-10 Hz read 1.0-1.4.
WALK_STRIKE_M = 0.0045
#: Gaussian compliance (s) applied once to the pelvis height of walking, after the legs cap it. Six passes
#: of 0.06 s used to flatten the pendular bob to 1.2 cm peak to peak at 1.3 m/s; once at 0.03 s the pelvis
#: rises and falls 3.6 / 4.2 / 4.8 cm (slow / normal / fast walking), against the 2.7 cm at 0.7 m/s to
#: 4.8 cm at 1.6 m/s of the centre of mass (Orendurff et al., J Rehabil Res Dev 2004).
COMPLIANCE_S = 0.03
#: Pendular vertical amplitude (m) of the pelvis on stairs, ascending and descending, fitted to the phone's
#: step-frequency bands (1.2-2.4 Hz, vertical; ``python -m experiments.realism``, HAPT train subjects): 2.2
#: m/s^2 RMS going up and 2.9 going down, where the stairs without a bob read 0.6 and 0.6, with it 1.8 and 2.2.
STAIR_BOB_M = (0.028, 0.034)
#: Shoulder and elbow swing of running (degrees, a + b * effort, effort 0 jogging .. 1 sprinting), fitted to
#: the wrist |acc| RMS of ``run`` against the BasicMotions train watch's running (15.5 m/s^2 in its 10 Hz band).
RUN_ARM_SWING = (16.0, 24.0)
RUN_ELBOW_SWING = (6.0, 12.0)
#: Shoulder and elbow swing (degrees) of a slow runner at :data:`SLOW_RUN_CADENCE` steps/min, shrinking as
#: (SLOW_RUN_CADENCE / cadence) ** :data:`SLOW_RUN_EXPONENT`; a runner swings the larger of this and the effort
#: swing above. Fitted to the BasicMotions train watch's runners (right wrist, 10 Hz, gravity-free by the
#: estimator), who take 128-147 steps/min: |acc| RMS 15.5 m/s^2, |gyro| RMS 5.8 rad/s. ``jog`` reads
#: 1.02-1.03x and 0.83-0.94x of these (seeds 0 and 1, 6 clips) and ``run`` 1.18-1.27x the |acc|. With the
#: effort swing alone the jog read 0.55-0.66x and 0.43-0.45x; with one wide swing (26 + 6 * effort) at every
#: cadence it read 0.71-0.83x and 0.62x, and ``run`` overshot to 1.31-1.40x.
SLOW_RUN_SWING = (39.0, 18.0)
SLOW_RUN_CADENCE = 140.0
SLOW_RUN_EXPONENT = 2.5
#: Steps/min of jogging, slowest to fastest (slower jogs take the lower cadences). Heiderscheit et al. (MSSE
#: 2011) report 150-180 at preferred running speeds; the BasicMotions train watch's runners take 128-147 (the
#: peak of their |gyro| spectrum, at twice the arm swing's frequency, is their step rate), and the model called
#: the slower half of them walking while the library jogged at 148-162 only, above its fastest walk (135 at
#: 1.95 m/s).
JOG_CADENCE = (126.0, 162.0)

#: Contact windows per foot as (start, length) in cycle units; "duty" scales the lengths.
PATTERNS = {
    "alternate": {1: [(0.0, 1.0)], -1: [(0.5, 1.0)]},
    "hop": {1: [(0.0, 1.0)], -1: []},
    "skip": {1: [(0.0, 0.14), (0.3, 0.14)], -1: [(0.5, 0.14), (0.8, 0.14)]},  # step-hop, step-hop
    "jump": {1: [(0.0, 1.0)], -1: [(0.0, 1.0)]},
}


@dataclass
class GaitStyle:
    """How one clip moves. Lengths in metres, angles in degrees, cadence in cycles per second."""

    cycle_hz: float
    advance: float              # metres travelled per cycle
    duty: float                 # stance fraction of the cycle for one window of the pattern
    passes_over: float = 0.35   # fraction of a stance when the pelvis passes over the ankle
    pattern: str = "alternate"
    step_width: float = 0.12
    toe_out: float = 6.0
    land_pitch: float = 15.0
    off_pitch: float = -35.0
    flat_at: float = 0.15
    heel_off_at: float = 0.5
    clearance: float = 0.06
    clearance_peak: float = 0.3
    rise_window: tuple[float, float] = (0.0, 1.0)
    drop: float = 0.015         # pelvis below its standing height
    bob: float = 0.012          # pendular vertical amplitude (walking)
    dip: float = 0.0            # extra lowering in each support (running, jumping)
    sway: float = 0.025         # lateral pelvis amplitude
    surge: float = 0.01         # fore-aft pelvis fluctuation
    pelvis_yaw: float = 5.0
    pelvis_roll: float = 4.0
    lean: float = 3.0           # forward lean of trunk
    twist: float = 7.0          # thorax counter-rotation
    arm_swing: float = 18.0
    arm_offset: float = -4.0
    arm_abduct: float = 8.0
    arm_across: float = 0.0
    arm_inward: float = 10.0
    elbow: float = 18.0
    elbow_swing: float = 8.0
    wrist: float = 5.0
    wrist_swing: float = 6.0    # wrist flexion swinging with the arm
    rise_per_step: float = 0.0  # stairs: floor height change per step (+ up, - down)
    turn_rate: np.ndarray | None = field(default=None, repr=False)  # deg/s per frame of the padded grid
    free_leg: tuple[float, float] = (0.5, 0.25)  # a leg that never lands: ankle drop below and behind the hip (m)
    noise: float = 1.0          # scale of natural variability
    strike: float = 0.0         # ringing of the body after each foot strike: displacement amplitude (m)
    strike_hz: float = 5.0      # and its frequency (:func:`.signals.impact_ripple`)


def walk_cadence(speed: float, height: float) -> tuple[float, float]:
    """Cadence (steps/min) and step length (m) of walking at ``speed`` m/s from the walk ratio."""
    ratio = 0.0064 * height / 1.7
    cadence = np.sqrt(60.0 * speed / ratio)
    return float(cadence), float(ratio * cadence)


def _time_at(phase: np.ndarray, cycles: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Invert the monotonic cycle count ``cycles(t)``, extrapolating linearly past the ends."""
    inside = np.interp(phase, cycles, t)
    rate0 = (cycles[1] - cycles[0]) / (t[1] - t[0])
    rate1 = (cycles[-1] - cycles[-2]) / (t[-1] - t[-2])
    early = t[0] + (phase - cycles[0]) / rate0
    late = t[-1] + (phase - cycles[-1]) / rate1
    return np.where(phase < cycles[0], early, np.where(phase > cycles[-1], late, inside))


def _contacts_for(style: GaitStyle, side: int, cycles: np.ndarray, t: np.ndarray, centre: np.ndarray,
                  heading: np.ndarray, progress: np.ndarray, body: Body) -> Contacts | None:
    windows = PATTERNS[style.pattern][side]
    if not windows:
        return None
    first, last = int(np.floor(cycles[0])) - 1, int(np.ceil(cycles[-1])) + 1
    starts = np.array(sorted(n + s for n in range(first, last + 1) for s, _ in windows))
    lookup = {round(s % 1.0, 6): length for s, length in windows}
    lengths = np.array([lookup[round(s % 1.0, 6)] for s in starts]) * style.duty
    on = _time_at(starts, cycles, t)
    off = _time_at(starts + lengths, cycles, t)
    mid = _time_at(starts + style.passes_over * lengths, cycles, t)
    x = np.interp(mid, t, centre[:, 0])
    z = np.interp(mid, t, centre[:, 1])
    yaw = np.interp(mid, t, heading)
    s = np.interp(mid, t, progress)
    floor = np.zeros_like(s)
    if style.rise_per_step:
        step = max(style.advance / 2.0, 1e-6)
        index = np.round(s / step)
        floor = style.rise_per_step * index
    lateral = side * style.step_width / 2.0
    behind = 0.3 * (body.ball_forward - body.heel_back)  # the ankle sits behind the mid-foot
    rad = np.radians(yaw)
    anchor = np.stack([x + lateral * np.cos(rad) - behind * np.sin(rad), floor,
                       z - lateral * np.sin(rad) - behind * np.cos(rad)], -1)
    return Contacts.make(on, off, anchor, yaw + side * style.toe_out, style.land_pitch, style.off_pitch,
                         style.flat_at, style.heel_off_at, style.clearance, style.clearance_peak,
                         style.rise_window)


def locomote(body: Body, t_clip: np.ndarray, style: GaitStyle, rng: np.random.Generator) -> Pose:
    """A pose of ``body`` moving with ``style`` over the clip times, starting near the origin facing +z."""
    fps = 1.0 / (t_clip[1] - t_clip[0])
    pad = int(round(PAD_S * fps))
    t = (np.arange(len(t_clip) + 2 * pad) - pad) / fps
    k = style.noise

    tempo = 1.0 + 0.02 * k * smooth_noise(rng, t, 0.3)
    cycles = rng.uniform(0, 1) + integrate(style.cycle_hz * tempo, t)
    duty_mid = style.passes_over * style.duty  # left foot under the pelvis
    progress = style.advance * (cycles - duty_mid)
    turn_rate = np.zeros_like(t) if style.turn_rate is None else style.turn_rate
    heading = integrate(turn_rate, t)
    direction = np.stack([np.sin(np.radians(heading)), np.cos(np.radians(heading))], -1)
    step = np.r_[0.0, np.diff(progress)]
    centre = np.cumsum(step[:, None] * direction, axis=0)

    feet = {side: _contacts_for(style, side, cycles, t, centre, heading, progress, body) for side in (1, -1)}
    tracks = {side: foot_track(c, t, body) for side, c in feet.items() if c is not None}

    pose = Pose(body, t)
    phase = 2 * np.pi * (cycles - duty_mid)  # 0 at left mid-stance
    amplitude = 1.0 + 0.1 * k * smooth_noise(rng, t, 0.25, dims=4)
    yaw = heading - style.pelvis_yaw * amplitude[:, 0] * np.cos(phase + 2 * np.pi * duty_mid)
    roll = style.pelvis_roll * amplitude[:, 1] * np.cos(phase)
    tilt = 0.35 * style.lean + 1.5 * np.cos(2 * phase)
    pelvis = root_rotation(yaw, tilt, roll)
    pose.local[:, 0] = pelvis

    sideways = np.stack([direction[:, 1], -direction[:, 0]], -1)
    sway = style.sway * amplitude[:, 2] * np.cos(phase)
    surge = -style.surge * np.sin(2 * phase)
    ground = centre + sway[:, None] * sideways + surge[:, None] * direction
    floor = style.rise_per_step * progress / max(style.advance / 2.0, 1e-6)
    standing = body.pelvis_height - style.drop
    vaulting = style.duty >= 0.5 and style.pattern == "alternate"

    # Loaded feet cap the pelvis height (the legs must reach them). A foot about to push off
    # (pre-swing) is unloading and may peel off the floor a little early instead.
    flat = np.stack([ground[:, 0], 0 * t, ground[:, 1]], -1)
    limit = np.full_like(t, np.inf)
    for side, track in tracks.items():
        hip = body.offsets[JOINT_INDEX["left_hip" if side > 0 else "right_hip"]]
        reach = reach_limit(flat, pelvis, body, hip, track.ankle)
        release = PRESWING if vaulting else PRESWING - 0.1
        # Loading and unloading are gradual: the cap eases in over the first LOADING of a stance and
        # out over the UNLOADING before ``release``; the foot then peels off a little early.
        ease = (0.03 * np.clip(1 - track.progress / LOADING, 0, 1) ** 2
                + 0.06 * np.clip((track.progress - release + UNLOADING) / UNLOADING, 0, 1) ** 2)
        loaded = track.contact & (track.progress < release)
        limit = np.where(loaded, np.minimum(limit, reach + ease), limit)
    if vaulting:
        # Highest as the pelvis passes over a stance foot, lowest mid double support; the capped curve
        # is smoothed as the body's compliance would, overshooting the cap by at most REACH_TOLERANCE
        # (a stance foot that much short of the floor at worst) rather than leaving a kinked path.
        double = 0.5 * (style.duty - 0.5)
        bob = keyframes(cycles, [double, duty_mid, 0.5 + double, 0.5 + duty_mid], [-1.0, 1.0, -1.0, 1.0],
                        periodic=True)
        # The bob peaks at the standing height as the pelvis passes over the stance foot and sinks by
        # twice its amplitude in double support, where the legs' reach would cut off a bob centred on it.
        height = np.minimum(floor + standing + style.bob * (bob - 1.0), limit)
        height = np.minimum(smooth(height, COMPLIANCE_S, fps), limit + REACH_TOLERANCE)
    else:
        # Ballistic flights between supports whose landing and take-off heights the legs can reach.
        on = np.concatenate([feet[s].on for s in feet if feet[s] is not None])
        off = np.concatenate([feet[s].off for s in feet if feet[s] is not None])
        on, off = merge_windows(on, off)
        base = np.interp(0.5 * (on + off), t, standing + floor)
        capped = smooth(np.minimum(limit, 10.0), 0.02, fps)
        touchdown = np.minimum(base, np.interp(on + 0.02, t, capped))
        takeoff = np.minimum(base, np.interp(off - 0.35 * (off - on), t, capped))
        height = np.minimum(bouncing_height(t, on, off, touchdown, takeoff, style.dip), limit + REACH_TOLERANCE)
    if style.strike:
        landings = np.concatenate([feet[s].on for s in feet if feet[s] is not None])
        height = height + impact_ripple(t, landings, style.strike, style.strike_hz, STRIKE_DECAY_S)
    pose.root = np.stack([ground[:, 0], height, ground[:, 1]], -1)

    forward = rot_y(yaw)[:, :, 2]
    for side, track in tracks.items():
        name = "left" if side > 0 else "right"
        hip = pose.root + pelvis @ body.offsets[JOINT_INDEX[f"{name}_hip"]]
        rise_onto_ball(track, hip, body)
        peel_off(track, hip, body)
        across = track.rotation[:, :, 0]  # the foot's x axis stays horizontal whatever its pitch
        toes = np.stack([-across[:, 2], np.zeros(len(t)), across[:, 0]], -1)
        pole = toes + forward + np.array([0.0, 0.1, 0.0])
        pose.solve_leg(side, track.ankle, track.rotation, pole)
        pose.set(f"{name}_foot", track.toe)
    for side in (1, -1):
        if side not in tracks:  # a leg that never lands is held bent, its foot behind and below the hip
            name = "left" if side > 0 else "right"
            hip = pose.root + pelvis @ body.offsets[JOINT_INDEX[f"{name}_hip"]]
            lift, back = style.free_leg
            sway_back = back + 0.05 * np.sin(phase)
            ankle = hip + apply(rot_y(yaw), np.stack([0 * t, np.full(len(t), -lift), -sway_back], -1))
            pose.solve_leg(side, ankle, rot_y(yaw) @ rot_x(-30.0), forward)
    _upper_body(pose, style, phase, amplitude[:, 3], yaw - heading, roll, tilt, rng)
    pose.crop(pad, pad + len(t_clip))
    pose.root[:, [0, 2]] -= pose.root[0, [0, 2]]
    if style.rise_per_step:  # stairs: the lowest step used in the clip is the floor (y = 0)
        clip = slice(pad, pad + len(t_clip))
        ball_height = body.proportions.ball_height * body.height
        ball = np.array([0.0, ball_height - body.ankle_height, body.ball_forward])
        lowest = min(float(np.min(track.ankle[clip, 1] + apply(track.rotation[clip], ball)[:, 1]))
                     for track in tracks.values()) - ball_height
        landed = [c.anchor[(c.off > t[pad]) & (c.on < t[clip.stop - 1]), 1] for c in feet.values() if c]
        pose.root[:, 1] -= min([lowest] + [float(a.min()) for a in landed if len(a)])
    return pose


def _upper_body(pose: Pose, style: GaitStyle, phase: np.ndarray, amplitude: np.ndarray,
                pelvis_yaw: np.ndarray, roll: np.ndarray, tilt: np.ndarray, rng: np.random.Generator) -> None:
    """Trunk counter-rotation and lean, steady head, arms swinging against the legs."""
    t = pose.t
    counter = style.twist * amplitude * np.cos(phase + np.pi * style.duty)
    lean = style.lean - tilt
    bend = -0.6 * roll
    for name, share in (("spine1", 0.3), ("spine2", 0.35), ("spine3", 0.35)):
        pose.set(name, spine_rotation(lean * share, bend * share, counter * share))
    head_turn = 8.0 * smooth_noise(rng, t, 0.15)
    thorax_yaw = pelvis_yaw + counter
    pose.set("neck", spine_rotation(-0.5 * style.lean + 3.0, 0.3 * roll, -0.5 * thorax_yaw))
    pose.set("head", spine_rotation(-0.5 * style.lean + 2.0 * smooth_noise(rng, t, 0.2), 0.0,
                                    -0.4 * thorax_yaw + head_turn))
    lag = 2 * np.pi * 0.04
    for name, side in (("left", 1), ("right", -1)):
        # The left arm swings forward while the right leg does (half a cycle after left mid-stance).
        swing = -np.cos(phase + np.pi * style.duty - lag + (0 if side > 0 else np.pi))
        swing = swing * amplitude
        forward_part = np.clip(swing, 0, None)
        pose.set(f"{name}_collar", collar_rotation(side, 2.0 + 0.08 * style.arm_swing * forward_part,
                                                   0.1 * style.arm_swing * swing))
        pose.set(f"{name}_shoulder", shoulder_rotation(
            side, style.arm_offset + style.arm_swing * swing, style.arm_abduct,
            style.arm_across * forward_part, style.arm_inward))
        pose.set(f"{name}_elbow", elbow_rotation(side, style.elbow + style.elbow_swing * swing, 20.0))
        pose.set(f"{name}_wrist", wrist_rotation(side, style.wrist + style.wrist_swing * swing, 5.0))


def _padded(t_clip: np.ndarray) -> np.ndarray:
    fps = 1.0 / (t_clip[1] - t_clip[0])
    pad = int(round(PAD_S * fps))
    return (np.arange(len(t_clip) + 2 * pad) - pad) / fps


def wander(t_clip: np.ndarray, rng: np.random.Generator, deg_per_s: float) -> np.ndarray:
    """Turn rate (deg/s, on the padded grid) of a path that meanders gently."""
    return deg_per_s * smooth_noise(rng, _padded(t_clip), 0.12)


def _vary(rng: np.random.Generator, spread: float = 0.15) -> float:
    return float(rng.uniform(1 - spread, 1 + spread))


def walking_style(body: Body, rng: np.random.Generator, speed: float) -> GaitStyle:
    """A level walk at ``speed`` m/s with this subject's cadence, step and arm-swing quirks."""
    cadence, step = walk_cadence(speed, body.height)
    cadence *= _vary(rng, 0.05)
    step = speed * 60.0 / cadence
    return GaitStyle(
        cycle_hz=cadence / 120.0, advance=2 * step, duty=float(np.clip(0.67 - 0.045 * speed, 0.58, 0.65)),
        step_width=rng.uniform(0.07, 0.16), toe_out=rng.uniform(2.0, 10.0),
        land_pitch=(8 + 8 * speed) * _vary(rng), off_pitch=-(22 + 12 * speed) * _vary(rng),
        clearance=(0.035 + 0.02 * speed) * _vary(rng), drop=0.012 + 0.006 * speed,
        bob=(0.008 + 0.01 * speed) * _vary(rng), sway=(0.032 - 0.01 * speed) * _vary(rng, 0.3),
        pelvis_yaw=(2.5 + 3.0 * speed) * _vary(rng, 0.3), pelvis_roll=(2.5 + 2.0 * speed) * _vary(rng, 0.3),
        lean=(1.5 + 2.0 * speed) * _vary(rng, 0.4), twist=(4.0 + 4.0 * speed) * _vary(rng, 0.3),
        arm_swing=(WALK_ARM_SWING[0] + WALK_ARM_SWING[1] * speed) * _vary(rng, 0.35), arm_offset=rng.uniform(-8, 0),
        arm_abduct=rng.uniform(4, 12), elbow=(12 + 8 * speed) * _vary(rng, 0.3),
        elbow_swing=(WALK_ELBOW_SWING[0] + WALK_ELBOW_SWING[1] * speed) * _vary(rng, 0.3),
        wrist_swing=3.0 * _vary(rng, 0.3),
        strike=WALK_STRIKE_M * speed * _vary(rng, 0.3), strike_hz=float(rng.uniform(3.0, 6.0)))


def running_arm_swing(effort: float, cadence: float) -> tuple[float, float]:
    """Shoulder and elbow swing amplitudes (degrees) of a runner at ``effort`` (0 jogging .. 1 sprinting) and
    ``cadence`` steps/min: the wider of the effort swing (:data:`RUN_ARM_SWING`) and the slow runner's swing
    (:data:`SLOW_RUN_SWING`), which narrows with cadence so that the arm's acceleration stays near the fit."""
    slow = (SLOW_RUN_CADENCE / cadence) ** SLOW_RUN_EXPONENT
    shoulder = max(RUN_ARM_SWING[0] + RUN_ARM_SWING[1] * effort, SLOW_RUN_SWING[0] * slow)
    elbow = max(RUN_ELBOW_SWING[0] + RUN_ELBOW_SWING[1] * effort, SLOW_RUN_SWING[1] * slow)
    return shoulder, elbow


def running_style(body: Body, rng: np.random.Generator, speed: float, cadence: float) -> GaitStyle:
    """Running at ``speed`` m/s and ``cadence`` steps/min: flight phases, heel kick, bent arms."""
    step = speed * 60.0 / cadence
    effort = float(np.clip((speed - 2.0) / 5.0, 0, 1))  # 0 jogging .. 1 sprinting
    forefoot = effort > 0.6 or rng.random() < 0.2
    arm_swing, elbow_swing = running_arm_swing(effort, cadence)
    return GaitStyle(
        cycle_hz=cadence / 120.0, advance=2 * step, duty=0.42 - 0.18 * effort, passes_over=0.4,
        step_width=rng.uniform(0.03, 0.10), toe_out=rng.uniform(0.0, 8.0),
        land_pitch=-6.0 if forefoot else rng.uniform(4, 12), off_pitch=-(38 + 12 * effort) * _vary(rng, 0.1),
        flat_at=0.3 if forefoot else 0.2, heel_off_at=0.45, clearance=(0.2 + 0.2 * effort) * _vary(rng),
        clearance_peak=0.3, drop=0.03 + 0.02 * effort, dip=0.01 * _vary(rng, 0.5),
        sway=0.012 * _vary(rng, 0.4), surge=0.006, pelvis_yaw=(6 + 6 * effort) * _vary(rng, 0.3),
        pelvis_roll=(4 + 2 * effort) * _vary(rng, 0.3), lean=(5 + 10 * effort) * _vary(rng, 0.3),
        twist=(9 + 6 * effort) * _vary(rng, 0.3),
        arm_swing=arm_swing * _vary(rng, 0.2),
        arm_offset=rng.uniform(-5, 8), arm_abduct=rng.uniform(8, 18), arm_across=rng.uniform(5, 20),
        arm_inward=rng.uniform(15, 35), elbow=(88 - 8 * effort) * _vary(rng, 0.12),
        elbow_swing=elbow_swing * _vary(rng, 0.3), wrist=8.0)


def _walk(body, t, rng, low: float, high: float, **changes) -> Take:
    speed = float(rng.uniform(low, high))
    style = walking_style(body, rng, speed)
    style.turn_rate = wander(t, rng, rng.uniform(2, 8))
    for name, value in changes.items():
        setattr(style, name, value)
    return Take(locomote(body, t, style, rng), Facts(tempo=tempo_of(speed, low, high)))


def walk_slow(body: Body, t: np.ndarray, rng: np.random.Generator) -> Take:
    return _walk(body, t, rng, 0.6, 1.05)


def walk(body: Body, t: np.ndarray, rng: np.random.Generator) -> Take:
    return _walk(body, t, rng, 1.05, 1.5)


def walk_fast(body: Body, t: np.ndarray, rng: np.random.Generator) -> Take:
    return _walk(body, t, rng, 1.5, 1.95)


def _run(body, t, rng, speed_range, cadence_range) -> Take:
    speed = float(rng.uniform(*speed_range))
    u = (speed - speed_range[0]) / (speed_range[1] - speed_range[0])
    cadence = cadence_range[0] + (cadence_range[1] - cadence_range[0]) * float(
        np.clip(u + rng.normal(0, 0.15), 0, 1))
    style = running_style(body, rng, speed, cadence)
    style.turn_rate = wander(t, rng, rng.uniform(1, 5))
    return Take(locomote(body, t, style, rng), Facts(tempo=tempo_of(speed, *speed_range)))


def jog(body: Body, t: np.ndarray, rng: np.random.Generator) -> Take:
    return _run(body, t, rng, (1.9, 2.8), JOG_CADENCE)


def run(body: Body, t: np.ndarray, rng: np.random.Generator) -> Take:
    return _run(body, t, rng, (2.9, 4.5), (166.0, 188.0))


def sprint(body: Body, t: np.ndarray, rng: np.random.Generator) -> Take:
    return _run(body, t, rng, (5.5, 7.2), (195.0, 225.0))


def _stairs(body, t, rng, up: bool) -> Take:
    cadences = (85.0, 105.0) if up else (92.0, 118.0)  # steps/min: HAPT train subjects' 10th-90th percentiles
    cadence = float(rng.uniform(*cadences))                # of the vertical fundamental, 86-111 up, 90-117 down
    tread = float(rng.uniform(0.25, 0.32))
    rise = float(rng.uniform(0.15, 0.19))
    style = walking_style(body, rng, 0.8)
    style.cycle_hz, style.advance = cadence / 120.0, 2 * tread
    style.rise_per_step = rise if up else -rise
    style.step_width, style.toe_out = rng.uniform(0.1, 0.18), rng.uniform(0, 6)
    style.bob = STAIR_BOB_M[0 if up else 1] * _vary(rng, 0.25)
    if up:
        style.land_pitch, style.off_pitch, style.flat_at, style.heel_off_at = 0.0, -18.0, 0.05, 0.6
        style.rise_window, style.clearance, style.lean = (0.0, 0.55), 0.05, rng.uniform(6, 14)
        style.drop = 0.04
    else:
        style.land_pitch, style.off_pitch, style.flat_at, style.heel_off_at = -18.0, -8.0, 0.3, 0.7
        style.rise_window, style.clearance, style.lean = (0.4, 1.0), 0.03, rng.uniform(0, 5)
        style.drop = 0.02
    style.arm_swing *= 0.6
    # Fitted to the HAPT waist phone, train subjects (python -m experiments.realism): stairs turn the pelvis
    # more than level walking (|gyro| RMS 0.91 up, 0.98 down, 0.80 walking), where the level-walking pelvis
    # scaled by 0.7 gave 0.40 against walking's 0.61; ascent lands as hard as level walking (|acc| RMS 3.2 vs
    # 3.1; the 1.5x strike read 2.4). Now 0.77 / 0.76 rad/s and 2.9 / 3.5 m/s^2.
    style.pelvis_roll *= 2.2
    style.pelvis_yaw *= 1.3
    style.strike *= 2.0 if up else 2.2  # each step lands the body's weight on a higher or lower tread
    details = ()
    pose = locomote(body, t, style, rng)
    if rng.random() < 0.35:  # one hand slides along the handrail
        side = 1 if rng.random() < 0.5 else -1
        name = "left" if side > 0 else "right"
        pose.set(f"{name}_shoulder", shoulder_rotation(side, 15.0, 28.0, 0.0, 10.0))
        pose.set(f"{name}_elbow", elbow_rotation(side, 35.0, 30.0))
        details = ("handrail",)
    return Take(pose, Facts(tempo=tempo_of(cadence, *cadences), details=details))


def walk_upstairs(body: Body, t: np.ndarray, rng: np.random.Generator) -> Take:
    return _stairs(body, t, rng, up=True)


def walk_downstairs(body: Body, t: np.ndarray, rng: np.random.Generator) -> Take:
    return _stairs(body, t, rng, up=False)


def walk_backwards(body: Body, t: np.ndarray, rng: np.random.Generator) -> Take:
    """Backward walking is close to forward walking played in reverse (Thorstensson, 1986)."""
    speed = float(rng.uniform(0.5, 1.0))
    style = walking_style(body, rng, speed)
    style.advance *= 0.8
    style.arm_swing *= 0.5
    style.turn_rate = wander(t, rng, 3.0)
    pose = locomote(body, t, style, rng)
    pose.reverse()
    pose.root[:, [0, 2]] -= pose.root[0, [0, 2]]
    return Take(pose, Facts(tempo=tempo_of(speed, 0.5, 1.0)))


def walk_in_circle(body: Body, t: np.ndarray, rng: np.random.Generator) -> Take:
    speed = float(rng.uniform(0.9, 1.5))
    radius = float(rng.uniform(1.5, 4.0))
    sign = 1 if rng.random() < 0.5 else -1
    style = walking_style(body, rng, speed)
    rate = np.degrees(speed / radius)
    style.turn_rate = sign * rate * (1 + 0.1 * smooth_noise(rng, _padded(t), 0.1))
    style.lean += 2.0
    return Take(locomote(body, t, style, rng),
                Facts(tempo=tempo_of(speed, 0.9, 1.5), turn="left" if sign > 0 else "right"))


def turn_around(body: Body, t: np.ndarray, rng: np.random.Generator) -> Take:
    """Walk, turn back through about 180 degrees on a tight curve, walk back."""
    speed = float(rng.uniform(0.9, 1.4))
    style = walking_style(body, rng, speed)
    padded = _padded(t)
    duration = float(rng.uniform(1.2, 2.4))
    centre = float(rng.uniform(0.3, 0.6) * t[-1])
    sign = 1 if rng.random() < 0.5 else -1
    angle = sign * rng.uniform(150, 200)
    u = (padded - centre) / duration + 0.5
    style.turn_rate = angle / duration * 30 * np.clip(u, 0, 1) ** 2 * np.clip(1 - u, 0, 1) ** 2
    return Take(locomote(body, t, style, rng),
                Facts(tempo=tempo_of(speed, 0.9, 1.4), turn="left" if sign > 0 else "right"))


def shuffle(body: Body, t: np.ndarray, rng: np.random.Generator) -> Take:
    """Short, low, slow steps with the feet barely leaving the floor (e.g. moving about a kitchen)."""
    speed = float(rng.uniform(0.2, 0.5))
    cadence = float(rng.uniform(70, 100))
    style = walking_style(body, rng, 0.7)
    style.cycle_hz, style.advance = cadence / 120.0, 2 * speed * 60.0 / cadence
    style.duty, style.land_pitch, style.off_pitch, style.clearance = 0.7, 3.0, -10.0, 0.012
    style.drop, style.lean, style.arm_swing, style.pelvis_yaw = 0.04, rng.uniform(4, 12), 3.0, 2.0
    style.turn_rate = wander(t, rng, rng.uniform(10, 30))
    return Take(locomote(body, t, style, rng), Facts(tempo=tempo_of(speed, 0.2, 0.5)))


def nordic_walk(body: Body, t: np.ndarray, rng: np.random.Generator) -> Take:
    """Walking with poles: long arm swing with nearly straight elbows, trunk leaning in."""
    speed = float(rng.uniform(1.2, 1.8))
    style = walking_style(body, rng, speed)
    style.arm_swing, style.arm_offset = rng.uniform(32, 45), 8.0
    style.elbow, style.elbow_swing, style.wrist = 15.0, 12.0, 25.0
    style.lean, style.twist = rng.uniform(6, 10), style.twist * 1.4
    style.turn_rate = wander(t, rng, 4.0)
    return Take(locomote(body, t, style, rng), Facts(tempo=tempo_of(speed, 1.2, 1.8)))


def skip(body: Body, t: np.ndarray, rng: np.random.Generator) -> Take:
    """Skipping: step-hop on each foot in turn, arms swinging high."""
    cycle_hz = float(rng.uniform(1.2, 1.5))
    speed = float(rng.uniform(1.6, 2.8))
    style = running_style(body, rng, speed, 240 * cycle_hz)
    style.pattern, style.cycle_hz, style.advance, style.duty = "skip", cycle_hz, speed / cycle_hz, 1.0
    style.passes_over = 0.45
    style.land_pitch, style.off_pitch, style.clearance, style.clearance_peak = -5.0, -35.0, 0.12, 0.5
    style.arm_swing, style.elbow, style.lean = rng.uniform(45, 70), 60.0, 4.0
    style.turn_rate = wander(t, rng, 4.0)
    return Take(locomote(body, t, style, rng), Facts(tempo=tempo_of(speed, 1.6, 2.8)))


def hop(body: Body, t: np.ndarray, rng: np.random.Generator) -> Take:
    """Hopping on one leg, the other held bent; in place or travelling a little."""
    hops_hz = float(rng.uniform(1.9, 2.6))
    speed = float(rng.uniform(0.0, 1.2))
    style = running_style(body, rng, max(speed, 0.5), 60 * hops_hz)
    style.pattern, style.cycle_hz, style.advance, style.duty = "hop", hops_hz, max(speed, 1e-3) / hops_hz, 0.58
    style.passes_over = 0.45
    style.step_width, style.land_pitch, style.off_pitch, style.clearance = 0.0, -12.0, -30.0, 0.08
    style.arm_swing, style.arm_abduct, style.elbow, style.dip = 10.0, 25.0, 60.0, 0.03
    style.pelvis_yaw, style.twist, style.sway = 2.0, 3.0, 0.0
    style.free_leg = (rng.uniform(0.42, 0.55) * (body.thigh + body.shank), rng.uniform(0.1, 0.3))
    style.turn_rate = wander(t, rng, 3.0)
    pose = locomote(body, t, style, rng)
    if rng.random() < 0.5:
        pose.mirror()
    return Take(pose, Facts(tempo=tempo_of(hops_hz, 1.9, 2.6)))
