"""Per-clip body: standing height, sex, segment proportions and handedness.

Heights follow adult stature distributions (NCD Risk Factor Collaboration, eLife 2016: women about
1.62 m, men about 1.76 m, standard deviation about 7 cm). Proportions vary around the Drillis–Contini
fractions of :class:`skeletons.kinematics.Proportions` by a few per cent (leg-to-trunk ratio, arm
length, shoulder and hip breadth), keeping the total height. About 10 % of people are left-handed
(Papadatou-Pastou et al., Psychological Bulletin 2020); clips use 15 % so that both hands carry racket and
writing motions often enough.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from skeletons.body import JOINT_INDEX
from skeletons.kinematics import Proportions, rest_offsets

LEFT_HANDED_SHARE = 0.15

_LEG = ("thigh", "shank")
_TRUNK = ("spine1", "spine2", "spine3", "neck", "head")
_BASE_COLLAR = (Proportions.ankle_height + Proportions.shank + Proportions.thigh + Proportions.hip_drop
                + Proportions.spine1 + Proportions.spine2 + Proportions.spine3 + Proportions.collar_rise)


@dataclass(frozen=True)
class Body:
    """One subject: its rest skeleton and the derived lengths the generators use (metres)."""

    height: float
    sex: str  # "female" or "male"
    left_handed: bool
    proportions: Proportions
    offsets: np.ndarray  # (22, 3) rest offsets, offsets[0] = standing pelvis position

    @property
    def thigh(self) -> float:
        return float(-self.offsets[JOINT_INDEX["left_knee"], 1])

    @property
    def shank(self) -> float:
        return float(-self.offsets[JOINT_INDEX["left_ankle"], 1])

    @property
    def upper_arm(self) -> float:
        return float(self.offsets[JOINT_INDEX["left_elbow"], 0])

    @property
    def forearm(self) -> float:
        return float(self.offsets[JOINT_INDEX["left_wrist"], 0])

    @property
    def pelvis_height(self) -> float:
        """Pelvis joint above the floor when standing straight."""
        return float(self.offsets[0, 1])

    @property
    def ankle_height(self) -> float:
        return self.proportions.ankle_height * self.height

    @property
    def heel_back(self) -> float:
        """Horizontal distance from the ankle joint back to the heel's floor contact (0.026 H)."""
        return 0.026 * self.height

    @property
    def ball_forward(self) -> float:
        """Horizontal distance from the ankle joint forward to the ball of the foot (the foot joint)."""
        return float(self.offsets[JOINT_INDEX["left_foot"], 2])

    @property
    def hip_width(self) -> float:
        """Distance between the hip joint centres."""
        return float(2 * self.offsets[JOINT_INDEX["left_hip"], 0])


def make_body(height: float = 1.75, sex: str = "male", left_handed: bool = False,
              proportions: Proportions | None = None) -> Body:
    """A body of the given height and proportions (defaults: the average Drillis–Contini body)."""
    proportions = proportions or Proportions()
    return Body(height, sex, left_handed, proportions, rest_offsets(height, proportions))


def sample_body(rng: np.random.Generator) -> Body:
    """A random adult: stature by sex, proportions within a few per cent of the average, handedness."""
    sex = "female" if rng.random() < 0.5 else "male"
    mean = 1.62 if sex == "female" else 1.76
    height = float(np.clip(rng.normal(mean, 0.07), 1.45, 2.02))
    leg = float(np.clip(rng.normal(1.0, 0.025), 0.94, 1.06))
    base = Proportions()
    leg_share = base.thigh + base.shank
    trunk_share = sum(getattr(base, name) for name in _TRUNK)
    trunk = (leg_share + trunk_share - leg_share * leg) / trunk_share  # keeps the stature
    arm = float(np.clip(rng.normal(1.0, 0.025), 0.94, 1.06))
    shoulders = float(np.clip(rng.normal(1.0 if sex == "male" else 0.95, 0.04), 0.85, 1.12))
    hips = float(np.clip(rng.normal(1.0 if sex == "male" else 1.05, 0.04), 0.9, 1.15))
    factors = {**{name: leg for name in _LEG}, **{name: trunk for name in _TRUNK},
               "upper_arm": arm, "forearm": arm, "shoulder_half_width": shoulders,
               "collar_half_width": shoulders, "hip_half_width": hips}
    proportions = base.scaled(**factors)
    # The shoulder joint keeps its height above the collar, so the collar bone still points up and out.
    collar = (proportions.ankle_height + proportions.shank + proportions.thigh + proportions.hip_drop
              + proportions.spine1 + proportions.spine2 + proportions.spine3 + proportions.collar_rise)
    proportions = replace(proportions, shoulder_height=collar + base.shoulder_height - _BASE_COLLAR)
    return make_body(height, sex, bool(rng.random() < LEFT_HANDED_SHARE), proportions)
