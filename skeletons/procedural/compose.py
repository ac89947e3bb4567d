"""Composed limb movements whose description is derived from the motion itself.

Beyond the fixed activities, a clip here is one :class:`Movement` drawn at random: which limb moves
(an arm, both arms, a forearm, a leg, the head, the trunk), in which direction and how far (an
:data:`ACTIONS` entry and one of its extents: "sideways to shoulder height"), how fast (the time to reach
the target), how rhythmically (regular or irregular pauses) and how many times, while the rest of the
body stands or sits still. The motion is built from those facts (out-and-back minimum-jerk excursions of
the named joints, Flash & Hogan 1985), and its descriptions are written from the same facts
("raises the right arm sideways to shoulder height, slowly, three times"), so text and motion cannot
disagree; :meth:`Movement.mirrored` keeps them in step when a clip is mirrored left-right.

The actions cover what wearable datasets label as exercises and gestures (arm raises, lateral raises,
arm curls, knee lifts, leg abductions, trunk twists and side bends, head nods and turns: DSADS, MHEALTH,
UTD-MHAD, USC-HAD, w-HAR), so that their label texts are reachable from the corpus.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from .arms import HANGING, set_arm
from .body_params import Body
from .postures import seated_pose, standing_pose
from .rig import hip_rotation, knee_rotation, spine_rotation
from .signals import min_jerk, smooth_noise
from .stance import hang_arms
from .take import Facts, Take

COUNT_WORDS = ("once", "twice", "three times", "four times", "five times", "six times", "seven times",
               "eight times", "nine times", "ten times")


@dataclass(frozen=True)
class Action:
    """One kind of limb movement.

    limb: "arm", "arms", "forearm", "leg", "knee", "head" or "trunk"; sided limbs take a side.
    dof: what is driven: arm angle index (:data:`.arms.ARM_DOF`), or "hip_flex", "hip_abduct", "knee_lift",
        "spine_flex", "spine_bend", "spine_twist", "neck_flex", "neck_turn", "neck_tilt".
    extents: extent key -> (target angle in degrees, phrases naming it).
    verbs: base-form verb phrases with {limb} and {extent} slots.
    labels: dataset-style names of the exercise or gesture.
    direction: "left"/"right" for actions whose direction is a side of the body (mirrored with the clip).
    seated: whether it may be done sitting.
    """

    limb: str
    dof: tuple
    extents: dict
    verbs: tuple[str, ...]
    labels: tuple[str, ...]
    direction: str | None = None
    seated: bool = True


_ARM_HEIGHTS = {"waist": (40.0, ("waist height", "hip level", "about forty degrees")),
                "chest": (65.0, ("chest height", "chest level")),
                "shoulder": (90.0, ("shoulder height", "shoulder level", "horizontal")),
                "overhead": (165.0, ("above the head", "overhead height", "full height above the head"))}


def _turns(limb: str, dof: str, amounts: tuple[float, float], verbs, labels, seated=True) -> dict[str, Action]:
    """A left and a right variant of a sided trunk or head action."""
    extents = {"slightly": (amounts[0], ("slightly", "a little")),
               "far": (amounts[1], ("all the way", "as far as possible"))}
    return {f"{dof}_{side}": Action(limb, (dof, 1.0 if side == "left" else -1.0), extents,
                                    tuple(v.replace("{side}", side) for v in verbs),
                                    tuple(lab.replace("{side}", side) for lab in labels), side, seated)
            for side in ("left", "right")}


ACTIONS: dict[str, Action] = {
    "arm_forward": Action("arm", (0,), _ARM_HEIGHTS,
                          ("raise {limb} forward to {extent}", "lift {limb} in front of the body to {extent}",
                           "raise {limb} to the front up to {extent}"),
                          ("front arm raise", "forward arm raise", "frontal elevation of the arm", "arm raise")),
    "arm_sideways": Action("arm", (1,), _ARM_HEIGHTS,
                           ("raise {limb} sideways to {extent}", "lift {limb} out to the side to {extent}",
                            "raise {limb} laterally to {extent}"),
                           ("lateral arm raise", "side arm raise", "arm abduction", "lateral raise")),
    "arm_backward": Action("arm", (0,), {"slightly": (-25.0, ("a little", "slightly")),
                                         "far": (-50.0, ("far back", "as far as it goes"))},
                           ("swing {limb} backward {extent}", "move {limb} back behind the body {extent}",
                            "extend {limb} backward {extent}"),
                           ("arm extension", "backward arm swing", "shoulder extension")),
    "arm_across": Action("arm", (2, 0), {"chest": (70.0, ("in front of the chest", "at chest height"))},
                         ("reach {limb} across the body {extent}", "swing {limb} across the chest",
                          "bring {limb} across the body {extent}"),
                         ("arm swipe", "cross-body arm swing", "horizontal arm adduction")),
    "arms_forward": Action("arms", (0,), _ARM_HEIGHTS,
                           ("raise {limb} forward to {extent}", "lift {limb} in front to {extent}"),
                           ("frontal elevation of arms", "front raise with both arms", "arm raises")),
    "arms_sideways": Action("arms", (1,), _ARM_HEIGHTS,
                            ("raise {limb} sideways to {extent}", "lift {limb} out to the sides to {extent}",
                             "spread {limb} to {extent}"),
                            ("lateral raises", "side arm raises", "arms out to the sides")),
    "curl": Action("forearm", (4,), {"halfway": (85.0, ("halfway", "to a right angle")),
                                     "fully": (135.0, ("fully", "all the way up to the shoulder"))},
                   ("bend {limb} {extent}", "curl {limb} up {extent}", "flex the elbow of {limb} {extent}"),
                   ("arm curl", "bicep curl", "elbow flexion", "forearm curl")),
    "knee_lift": Action("knee", ("knee_lift",), {"low": (45.0, ("a little", "to a low height")),
                                                 "high": (90.0, ("to hip height", "up high"))},
                        ("raise {limb} {extent}", "lift {limb} {extent}", "pull {limb} up {extent}"),
                        ("knee lift", "knee raise", "marching in place", "high knees"), seated=False),
    "leg_forward": Action("leg", ("hip_flex",), {"low": (25.0, ("a little", "slightly")),
                                                 "high": (55.0, ("high", "to the front, high"))},
                          ("swing {limb} forward {extent}", "lift {limb} forward {extent}",
                           "kick {limb} forward {extent}"),
                          ("leg raise", "front leg swing", "forward kick", "hip flexion"), seated=False),
    "leg_sideways": Action("leg", ("hip_abduct",), {"low": (20.0, ("a little", "slightly")),
                                                    "high": (40.0, ("high", "wide"))},
                           ("lift {limb} out to the side {extent}", "raise {limb} sideways {extent}",
                            "swing {limb} sideways {extent}"),
                           ("side leg raise", "leg abduction", "lateral leg raise"), seated=False),
    "leg_backward": Action("leg", ("hip_flex",), {"low": (-15.0, ("a little", "slightly")),
                                                  "high": (-30.0, ("far back", "as far as it goes"))},
                           ("swing {limb} backward {extent}", "extend {limb} behind the body {extent}",
                            "kick {limb} back {extent}"),
                           ("leg extension", "back leg swing", "hip extension"), seated=False),
    "trunk_forward": Action("trunk", ("spine_flex", 1.0), {"slightly": (25.0, ("slightly", "a little")),
                                                           "far": (60.0, ("deeply", "far down"))},
                            ("bend {limb} forward {extent}", "lean {limb} forward {extent}",
                             "bow forward {extent}"),
                            ("forward bend", "trunk flexion", "waist bends forward", "bowing")),
    "nod": Action("head", ("neck_flex", 1.0), {"slightly": (15.0, ("slightly", "a little")),
                                               "far": (35.0, ("deeply", "far down"))},
                  ("nod {limb} {extent}", "bow {limb} {extent}", "tip {limb} forward {extent}"),
                  ("head nod", "nodding", "neck flexion")),
    **_turns("trunk", "spine_bend", (15.0, 30.0),
             ("bend {limb} to the {side} {extent}", "lean {limb} sideways to the {side} {extent}"),
             ("side bend to the {side}", "lateral trunk flexion", "waist bend to the {side}")),
    **_turns("trunk", "spine_twist", (20.0, 45.0),
             ("twist {limb} to the {side} {extent}", "rotate {limb} to the {side} {extent}",
              "turn {limb} to the {side} {extent}"),
             ("trunk twist to the {side}", "torso rotation", "trunk rotation")),
    **_turns("head", "neck_turn", (30.0, 65.0),
             ("turn {limb} to the {side} {extent}", "look to the {side} {extent}",
              "rotate {limb} to the {side} {extent}"),
             ("head turn to the {side}", "looking {side}", "neck rotation")),
    **_turns("head", "neck_tilt", (12.0, 28.0),
             ("tilt {limb} to the {side} {extent}", "lean {limb} towards the {side} shoulder {extent}"),
             ("head tilt to the {side}", "neck side bend")),
}

#: Catalog activity -> the actions it draws from (one activity per limb group, so the corpus mixes them).
GROUPS = {
    "move_arm": ("arm_forward", "arm_sideways", "arm_backward", "arm_across"),
    "move_both_arms": ("arms_forward", "arms_sideways"),
    "bend_elbow": ("curl",),
    "move_leg": ("knee_lift", "leg_forward", "leg_sideways", "leg_backward"),
    "move_trunk": ("trunk_forward", "spine_bend_left", "spine_bend_right", "spine_twist_left", "spine_twist_right"),
    "move_head": ("nod", "neck_turn_left", "neck_turn_right", "neck_tilt_left", "neck_tilt_right"),
}

#: Time (s) to move 90 degrees (at least :data:`MIN_MOVE_S`), per tempo; pauses at the target and between
#: repetitions. Fast: a 90-degree arm raise in 0.25-0.4 s peaks near 4-6 m/s at the wrist, as quick
#: reaching does.
MOVE_S = {"slow": (1.0, 1.5), "normal": (0.55, 0.9), "fast": (0.25, 0.4)}
MIN_MOVE_S = 0.2
#: Scale of the idle motion of the limbs that are not moving (1: an idle person's).
CALM = 0.3
HOLD_S = {"slow": (0.3, 0.8), "normal": (0.1, 0.4), "fast": (0.0, 0.1)}
GAP_S = {True: (0.05, 0.3), False: (0.4, 1.6)}  # rhythmic: short regular gaps; else irregular pauses
TEMPO_WORDS = {"slow": ("slowly", "at a slow pace", "gently", "in a slow, controlled way"),
               "normal": ("at a moderate pace", "steadily", "at a normal speed", "at an even pace"),
               "fast": ("quickly", "rapidly", "briskly", "fast")}
RHYTHM_WORDS = {True: ("rhythmically", "in a steady rhythm", "at regular intervals", "one after another"),
                False: ("with pauses in between", "at irregular intervals", "now and then", "pausing between")}
SUBJECTS = ("a person", "someone", "the person", "a subject", "somebody", "a participant")


@dataclass(frozen=True)
class Movement:
    """What one composed clip shows; both its motion and its descriptions are made from it."""

    action: str
    side: str | None      # "left" / "right" for arm, forearm, leg and knee actions
    extent: str
    tempo: str            # "slow", "normal", "fast"
    reps: int
    rhythmic: bool
    posture: str          # "standing" or "sitting"

    @property
    def spec(self) -> Action:
        return ACTIONS[self.action]

    def mirrored(self) -> Movement:
        """The same movement seen in a mirror: the other side, the other direction."""
        swap = {"left": "right", "right": "left"}
        action = self.action
        if self.spec.direction:
            action = action[: -len(self.spec.direction)] + swap[self.spec.direction]
        return replace(self, action=action, side=swap.get(self.side, self.side) if self.side else None)

    def limb_phrase(self, rng: np.random.Generator) -> str:
        spec = self.spec
        if spec.limb == "arms":
            return str(rng.choice(["both arms", "the arms", "both arms together"]))
        if spec.limb in ("head", "trunk"):
            return str(rng.choice({"head": ["the head", "their head"],
                                   "trunk": ["the upper body", "the trunk", "the torso"]}[spec.limb]))
        noun = {"arm": ["arm"], "forearm": ["forearm", "arm"], "leg": ["leg"], "knee": ["knee", "leg"]}[spec.limb]
        return f"{rng.choice(['the', 'their'])} {self.side} {rng.choice(noun)}"

    def describe(self, rng: np.random.Generator, count: int = 3) -> list[str]:
        """``count`` (at least 3) distinct descriptions that all name the limb, side, direction and, when
        they give one, the exact number of repetitions."""
        texts: list[str] = []
        for attempt in range(60):
            text = self._one(rng, len(texts) if attempt < 10 else int(rng.integers(4)))
            if text not in texts:
                texts.append(text)
            if len(texts) >= max(3, count):
                break
        return texts

    def _parts(self, rng: np.random.Generator) -> tuple[str, str, str, str]:
        spec = self.spec
        limb = self.limb_phrase(rng)
        phrase = str(rng.choice(spec.extents[self.extent][1]))
        verb = str(rng.choice(spec.verbs)).format(limb=limb, extent=phrase).strip()
        times = COUNT_WORDS[self.reps - 1] if self.reps <= len(COUNT_WORDS) else f"{self.reps} times"
        return verb, str(rng.choice(TEMPO_WORDS[self.tempo])), times, str(rng.choice(RHYTHM_WORDS[self.rhythmic]))

    def _one(self, rng: np.random.Generator, form: int) -> str:
        from .grammar import gerund, third_person

        verb, tempo, times, rhythm = self._parts(rng)
        extras = [tempo, times] if rng.random() < 0.5 else [times, tempo]
        if self.reps > 2 and rng.random() < 0.4:
            extras.append(rhythm)
        if rng.random() < 0.3:
            extras.append("while sitting" if self.posture == "sitting" else "while standing")
        if form % 4 == 0:
            return f"{str(rng.choice(SUBJECTS)).capitalize()} {third_person(verb)}, " + ", ".join(extras) + "."
        if form % 4 == 1:
            label = str(rng.choice(self.spec.labels))
            who = f" ({self.side} side)" if self.side else " (both arms)" if self.spec.limb == "arms" else ""
            return f"{label}{who}, {times}, {tempo}"
        if form % 4 == 2:
            return f"{gerund(verb)} " + ", ".join(extras)
        return f"{str(rng.choice(SUBJECTS)).capitalize()} is {gerund(verb)}, " + ", ".join(extras) + "."


def draw_movement(group: str, rng: np.random.Generator, duration_s: float) -> tuple[Movement, tuple[float, ...]]:
    """A random movement of ``group`` (a :data:`GROUPS` key) that fits ``duration_s``, with the per-rep
    timing (move, hold, gap) it is played at."""
    action = str(rng.choice(GROUPS[group]))
    spec = ACTIONS[action]
    tempo = str(rng.choice(["slow", "normal", "fast"]))
    rhythmic = bool(rng.random() < 0.6)
    extent = str(rng.choice(list(spec.extents)))
    sweep = abs(spec.extents[extent][0]) / 90.0
    move, hold = max(MIN_MOVE_S, sweep * rng.uniform(*MOVE_S[tempo])), rng.uniform(*HOLD_S[tempo])
    gap = rng.uniform(*GAP_S[rhythmic])
    period = 2 * move + hold + gap
    most = max(1, int((duration_s - 0.8) // period))
    reps = int(rng.integers(1, min(most, 10) + 1))
    side = str(rng.choice(["left", "right"])) if spec.limb in ("arm", "forearm", "leg", "knee") else None
    posture = "sitting" if spec.seated and rng.random() < 0.3 else "standing"
    return Movement(action, side, extent, tempo, reps, rhythmic, posture), (move, hold, gap)


def profile(t: np.ndarray, starts: np.ndarray, move: float, hold: float) -> np.ndarray:
    """0..1: rising over ``move`` seconds from each start, held ``hold`` seconds, falling back over ``move``."""
    out = np.zeros_like(t)
    for start in starts:
        out += min_jerk((t - start) / move) - min_jerk((t - start - move - hold) / move)
    return np.clip(out, 0.0, 1.0)


def _starts(rng: np.random.Generator, movement: Movement, timing: tuple[float, ...], duration: float) -> np.ndarray:
    """Start times of the repetitions: regular gaps when rhythmic, irregular ones (shrunk to fit) otherwise."""
    move, hold, gap = timing
    period = 2 * move + hold
    gaps = np.full(movement.reps - 1, gap) if movement.rhythmic else rng.uniform(*GAP_S[False], movement.reps - 1)
    room = duration - 0.6 - movement.reps * period
    if gaps.sum() > room:
        gaps *= max(room, 0.0) / gaps.sum()
    total = movement.reps * period + gaps.sum()
    first = rng.uniform(0.3, max(0.31, duration - total - 0.3))
    return first + np.r_[0.0, np.cumsum(period + gaps)]


def perform(body: Body, t: np.ndarray, rng: np.random.Generator, movement: Movement,
            timing: tuple[float, ...]) -> Take:
    """The clip of ``movement``: the named joints follow :func:`profile` to the extent's target and back
    while the rest of the body stands or sits quietly."""
    spec = movement.spec
    if movement.posture == "sitting":
        pose = seated_pose(body, t, rng, rng.uniform(0.40, 0.50), "hands_on_lap" if spec.limb in ("head", "trunk",
                                                                                               "leg", "knee")
                           else None)
    else:
        pose = standing_pose(body, t, rng, None)
        hang_arms(pose, rng, CALM)
    if spec.limb != "head":  # attention on the movement: the head looks about less than when idle
        calm = CALM * smooth_noise(rng, t, 0.2, dims=2)
        pose.set("neck", spine_rotation(3.0 + 3.0 * calm[:, 0], 0.0, 5.0 * calm[:, 1]))
        pose.set("head", spine_rotation(2.0 + 2.0 * calm[:, 0], 0.0, 4.0 * calm[:, 1]))
    u = profile(t, _starts(rng, movement, timing, float(t[-1])), timing[0], timing[1])
    target = spec.extents[movement.extent][0] * rng.uniform(0.9, 1.1)
    side = 1 if movement.side == "left" else -1
    if spec.limb in ("arm", "arms", "forearm"):
        sides = (1, -1) if spec.limb == "arms" else (side,)
        for s in sides:
            rest = HANGING.copy()
            goal = rest.copy()
            if movement.action == "arm_across":
                goal[0], goal[2], goal[4] = 80.0, target, 20.0
            else:
                goal[spec.dof[0]] = target
                if spec.dof[0] == 1:  # lateral raises keep the palm down
                    goal[3] = 0.0
            if movement.posture == "sitting" and spec.limb != "forearm":
                rest[0] += 10.0
            set_arm(pose, s, rest + (goal - rest) * u[:, None])
    elif spec.limb in ("leg", "knee"):
        name = f"{movement.side}_"
        kind = spec.dof[0]
        flex = target * u if kind in ("hip_flex", "knee_lift") else 0 * u
        abduct = target * u if kind == "hip_abduct" else 0 * u
        pose.set(name + "hip", hip_rotation(side, flex, abduct))
        pose.set(name + "knee", knee_rotation(1.2 * target * u if kind == "knee_lift" else 5.0 + 0 * u))
    else:
        kind, sign = spec.dof
        angle = sign * target * u
        joints = ("spine1", "spine2", "spine3") if spec.limb == "trunk" else ("neck", "head")
        share = 1.0 / len(joints)
        for joint in joints:
            # The head holds still apart from the movement (idle looking about would blur a small nod).
            current = spine_rotation(2.0) if spec.limb == "head" else pose.get(joint)
            extra = {"spine_flex": lambda a: spine_rotation(a), "neck_flex": lambda a: spine_rotation(a),
                     "spine_bend": lambda a: spine_rotation(0.0, a), "neck_tilt": lambda a: spine_rotation(0.0, a),
                     "spine_twist": lambda a: spine_rotation(0.0, 0.0, a),
                     "neck_turn": lambda a: spine_rotation(0.0, 0.0, a)}[kind](share * angle)
            pose.set(joint, current @ extra)
    return Take(pose, Facts(movement=movement))


def _make(group: str):
    def make(body: Body, t: np.ndarray, rng: np.random.Generator) -> Take:
        movement, timing = draw_movement(group, rng, float(t[-1] - t[0]))
        return perform(body, t, rng, movement, timing)

    make.__name__ = group
    return make


move_arm, move_both_arms, bend_elbow, move_leg, move_trunk, move_head = (_make(g) for g in GROUPS)
