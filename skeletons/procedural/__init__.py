"""A procedural motion library: parametric 22-joint motions of everyday activities, with descriptions.

It stands in for motion-capture corpora (HumanML3D, AMASS) that cannot be downloaded: each activity is
driven by joint-angle trajectories and limb inverse kinematics on a human-proportioned body, through
forward kinematics, so bone lengths are exact, stance feet stay planted and global rotations come with
the positions.

>>> from skeletons.procedural import ACTIVITIES, generate
>>> motion = generate("walk_upstairs", seed=7)          # 10 s at 20 fps
>>> motion.positions.shape, motion.rotations.shape, motion.texts[0]

Modules: :mod:`.body_params` (subjects), :mod:`.rig` (posing and IK), :mod:`.feet` and
:mod:`.footwork` (ground contact), :mod:`.gait` (locomotion), :mod:`.postures`, :mod:`.upper_body`,
:mod:`.sport`, :mod:`.jumps`, :mod:`.exercise`, :mod:`.daily`, :mod:`.everyday`, :mod:`.transitions`,
:mod:`.compose` (composed limb movements whose descriptions are derived from the motion), :mod:`.grammar`
(descriptions), :mod:`.catalog` (the activity table). Corpus items of the library for ``python -m simulate``
are :func:`simulate.sources.procedural_items`.
"""
from .catalog import ACTIVITIES, Activity
from .generate import generate

#: Raised whenever the motion that an (activity, seed) pair generates changes. Procedural corpora record it
#: (``corpus.json``) and :func:`simulate.corpus.procedural_corpus` rebuilds one made by another version.
#: 2: walking keeps its pendular pelvis bob (the legs' cap no longer smooths it away), stairs bob too, foot
#: strikes ring half as hard (:mod:`.gait`). 3: jogging reaches down to 126 steps/min (:data:`.gait.JOG_CADENCE`)
#: and slow runners swing their arms wider (:func:`.gait.running_arm_swing`).
LIBRARY_VERSION = 3

__all__ = ["ACTIVITIES", "Activity", "LIBRARY_VERSION", "generate"]
