"""The procedural motion library: plausibility of every activity, determinism, distinctness, texts."""
import pickle

import numpy as np
import pytest

from simulate.sources import activity_plan, procedural_items
from skeletons import InputError, Motion
from skeletons.body import JOINT_INDEX, bone_lengths
from skeletons.procedural import ACTIVITIES, generate
from skeletons.procedural.grammar import Clip, describe_once, gerund, third_person

J = JOINT_INDEX


@pytest.fixture(scope="module")
def clips():
    """One 8 s clip of every activity (seed 11), generated once."""
    return {activity: generate(activity, 11, duration_s=8.0) for activity in ACTIVITIES}


def test_there_are_enough_activities_in_every_family():
    assert len(ACTIVITIES) >= 30
    families = {a.family for a in ACTIVITIES.values()}
    assert {"locomotion", "posture", "sport", "exercise", "daily", "gesture", "transition"} <= families
    for name in ("walk", "jog", "run", "walk_upstairs", "walk_downstairs", "stand", "sit", "lie", "cycle",
                 "jump", "play_badminton", "brush_teeth", "vacuum", "jumping_jacks", "jump_rope", "transition"):
        assert name in ACTIVITIES


@pytest.mark.parametrize("activity", sorted(ACTIVITIES))
def test_every_activity_is_physically_plausible(clips, activity):
    motion = clips[activity]
    assert isinstance(motion, Motion) and motion.fps == 20.0
    assert motion.positions.shape == (160, 22, 3) and motion.rotations.shape == (160, 22, 3, 3)
    positions = motion.positions.astype(np.float64)
    lengths = bone_lengths(positions)
    assert (lengths.std(axis=0) / lengths.mean(axis=0)).max() < 0.01
    assert positions[..., 1].min() > -0.05
    speeds = np.linalg.norm(np.diff(positions, axis=0), axis=-1) * motion.fps
    assert speeds.max() < 25.0
    rotations = motion.rotations.astype(np.float64)
    assert np.abs(rotations @ np.swapaxes(rotations, -1, -2) - np.eye(3)).max() < 1e-4
    assert np.abs(np.linalg.det(rotations) - 1).max() < 1e-4
    assert len(set(motion.texts)) >= 3 and all(t.strip() for t in motion.texts)


def test_rotations_agree_with_positions(clips):
    """A child's position follows from its parent's global rotation and the bone (forward kinematics)."""
    motion = clips["walk"]
    p, r = motion.positions.astype(float), motion.rotations.astype(float)
    elbow, wrist = J["left_elbow"], J["left_wrist"]
    local = np.einsum("tji,tj->ti", r[:, elbow], p[:, wrist] - p[:, elbow])  # bone in the elbow's frame
    assert np.allclose(local, local[0], atol=1e-4)


def test_same_seed_same_clip_different_seed_different_clip():
    a, b, c = generate("jog", 3), generate("jog", 3), generate("jog", 4)
    assert np.array_equal(a.positions, b.positions) and np.array_equal(a.rotations, b.rotations)
    assert a.texts == b.texts
    assert not np.allclose(a.positions, c.positions)


def test_unknown_activity_and_bad_arguments_are_input_errors():
    with pytest.raises(InputError, match="unknown activity"):
        generate("moonwalk", 0)
    with pytest.raises(InputError):
        generate("walk", -1)
    with pytest.raises(InputError):
        generate("walk", 0, duration_s=0.0)


def test_higher_frame_rates_work():
    motion = generate("run", 5, duration_s=3.0, fps=60.0)
    assert motion.positions.shape == (180, 22, 3) and motion.fps == 60.0
    speeds = np.linalg.norm(np.diff(motion.positions, axis=0), axis=-1) * 60.0
    assert speeds.max() < 25.0


def cadence_steps_per_min(motion):
    """Step rate: twice the dominant frequency of one ankle's height, which rises and falls once a stride.
    (The pelvis's vertical oscillation is no measure of it: a jog below about 135 steps/min rises twice a
    step, 3 cm, where a runner's centre of mass rises once, 6-10 cm.)"""
    y = motion.positions[:, J["left_ankle"], 1].astype(np.float64)
    y = (y - y.mean()) * np.hanning(len(y))
    n = 16 * len(y)
    spectrum, freq = np.abs(np.fft.rfft(y, n)), np.fft.rfftfreq(n, 1 / motion.fps)
    band = (freq > 0.4) & (freq < 2.5)
    return 120.0 * freq[band][np.argmax(spectrum[band])]


def test_cadence_rises_from_walking_to_jogging_to_running():
    cadence = {a: [cadence_steps_per_min(generate(a, s)) for s in range(3)] for a in ("walk", "jog", "run")}
    assert max(cadence["walk"]) < min(cadence["jog"])
    assert max(cadence["jog"]) < min(cadence["run"])
    assert 90 < np.median(cadence["walk"]) < 130 and 125 < np.median(cadence["jog"]) < 165
    assert 160 < np.median(cadence["run"]) < 195


def test_running_has_flight_and_bigger_vertical_pelvis_motion_than_walking():
    walk, run = generate("walk", 2), generate("run", 2)
    span = {m.name: np.ptp(m.positions[:, J["pelvis"], 1]) for m in (walk, run)}
    assert span[run.name] > span[walk.name]
    feet = run.positions[:, [J["left_foot"], J["right_foot"]], 1].min(axis=1)
    assert (feet > 0.05).mean() > 0.1  # both feet off the ground for part of each stride


def test_postures_differ_in_pelvis_height_and_torso_direction(clips):
    stand = clips["stand"].positions[:, J["pelvis"], 1].mean()
    sit = clips["sit"].positions[:, J["pelvis"], 1].mean()
    assert sit < 0.75 * stand
    for seed in range(4):
        lying = generate("lie", seed).positions
        torso = lying[:, J["neck"]] - lying[:, J["pelvis"]]
        elevation = np.degrees(np.arcsin(np.abs(torso[:, 1]) / np.linalg.norm(torso, axis=-1)))
        assert elevation.max() < 25.0
    upright = clips["stand"].positions
    torso = upright[:, J["neck"]] - upright[:, J["pelvis"]]
    assert (torso[:, 1] / np.linalg.norm(torso, axis=-1)).min() > 0.9


def test_a_walking_stance_foot_stays_planted():
    motion = generate("walk", 8)
    for foot in ("left_foot", "right_foot"):
        p = motion.positions[:, J[foot]].astype(np.float64)
        speed = np.linalg.norm(np.diff(p[:, [0, 2]], axis=0), axis=-1) * motion.fps
        assert (speed < 0.1).mean() > 0.4
    assert motion.positions[..., 1].min() > 0.0


def test_stairs_rise_about_a_step_per_step():
    up = generate("walk_upstairs", 1).positions
    climbed = up[-1, J["pelvis"], 1] - up[0, J["pelvis"], 1]
    steps = cadence_steps_per_min(generate("walk_upstairs", 1)) / 60.0 * 10.0
    assert 0.13 < climbed / steps < 0.21
    down = generate("walk_downstairs", 1).positions
    assert down[-1, J["pelvis"], 1] < down[0, J["pelvis"], 1] - 1.0


def test_handed_activities_use_the_dominant_hand():
    sides = set()
    for seed in range(30):
        motion = generate("brush_teeth", seed, duration_s=3.0)
        named = {side for side in ("left", "right") if any(f"{side} hand" in t or f"{side}-handed" in t
                                                            for t in motion.texts)}
        if len(named) != 1:
            continue
        side = named.pop()
        sides.add(side)
        other = "right" if side == "left" else "left"
        heights = motion.positions[10:, [J[f"{side}_wrist"], J[f"{other}_wrist"]], 1].mean(axis=0)
        assert heights[0] > heights[1] + 0.3  # the brushing hand is up at the mouth
    assert sides == {"left", "right"}


def test_grammar_gives_varied_descriptions():
    rng = np.random.default_rng(0)
    names = sorted(a for a in ACTIVITIES if a != "transition")
    texts = []
    for k in range(2000):
        phrasing = ACTIVITIES[names[k % len(names)]].phrasing
        clip = Clip(tempo=str(rng.choice(["slow", "normal", "fast"])), sex=str(rng.choice(["female", "male"])),
                    hand=str(rng.choice(["left", "right"])))
        texts.append(describe_once(rng, phrasing, clip))
    assert len(set(texts)) >= 1000


HAR_WORDINGS = {
    "walk": "walking", "run": "running", "stand": "standing", "sit": "sitting", "lie": "lying",
    "walk_upstairs": "walking upstairs", "walk_downstairs": "walking downstairs", "jog": "jogging",
    "cycle": "cycling", "jump": "jumping", "play_badminton": "playing badminton", "brush_teeth": "brushing teeth",
    "vacuum": "vacuuming", "jumping_jacks": "jumping jacks", "jump_rope": "rope jumping",
    "nordic_walk": "nordic walking", "iron": "ironing", "type": "typing", "write": "writing", "eat": "eating",
    "drink": "drinking", "swim": "swimming", "row": "rowing", "shuffle": "shuffling", "sit_down": "sitting down",
    "stand_up": "standing up", "lie_down": "lying down", "squat": "squatting",
}
SENTENCES = {"walk_upstairs": "walks up the stairs", "walk_downstairs": "walks down the stairs",
             "walk_upstairs ": "climbs the stairs", "sit_down": "sits down", "cycle": "rides a bike",
             "brush_teeth": "brushes their teeth", "play_badminton": "plays badminton", "run": "runs"}


@pytest.mark.parametrize("activity,wording", sorted(HAR_WORDINGS.items()) + [("walk_upstairs", "climbing stairs")])
def test_har_class_wordings_are_reachable_as_labels(activity, wording):
    rng = np.random.default_rng(1)
    phrasing = ACTIVITIES[activity].phrasing
    produced = {describe_once(rng, phrasing, Clip(), form=2) for _ in range(300)}
    assert wording in produced


@pytest.mark.parametrize("activity,verb", sorted(SENTENCES.items()))
def test_har_activities_are_reachable_as_sentences(activity, verb):
    rng = np.random.default_rng(2)
    phrasing = ACTIVITIES[activity.strip()].phrasing
    produced = [describe_once(rng, phrasing, Clip(), form=0) for _ in range(300)]
    assert any(f" {verb}" in text.lower() for text in produced)


def test_verb_conjugation():
    cases = {"walk up the stairs": ("walks up the stairs", "walking up the stairs"), "sit": ("sits", "sitting"),
             "lie down": ("lies down", "lying down"), "ride a bike": ("rides a bike", "riding a bike"),
             "brush teeth": ("brushes teeth", "brushing teeth"), "do squats": ("does squats", "doing squats"),
             "squat": ("squats", "squatting"), "hurry": ("hurries", "hurrying"), "swim": ("swims", "swimming"),
             "vacuum": ("vacuums", "vacuuming"), "pedal": ("pedals", "pedaling"), "see": ("sees", "seeing")}
    for base, (third, ing) in cases.items():
        assert third_person(base) == third and gerund(base) == ing


def test_transitions_describe_both_activities():
    motion = generate("transition", 4)
    assert any(word in " ".join(motion.texts) for word in (" then ", " before ", "followed by", " and "))


def test_activity_plan_covers_every_activity_and_mixes_in_transitions():
    plan = activity_plan(200, seed=3)
    assert set(plan) == set(ACTIVITIES)
    assert 0.03 < plan.count("transition") / len(plan) < 0.15
    chosen = activity_plan(10, seed=3, activities=["walk", "sit"])
    assert sorted(set(chosen)) == ["sit", "walk"] and chosen.count("walk") == 5
    with pytest.raises(InputError):
        activity_plan(5, 0, ["walk", "fly"])


def test_procedural_items_load_picklable_clips():
    items = procedural_items(4, seed=9, activities=["walk", "stand"], duration_s=2.0)
    assert [item.id for item in items] == ["proc-000000", "proc-000001", "proc-000002", "proc-000003"]
    assert {item.activity for item in items} == {"walk", "stand"}
    loader = pickle.loads(pickle.dumps(items[0].load))
    [motion] = loader()
    assert motion.num_frames == 40 and motion.rotations is not None
    again = procedural_items(4, seed=9, activities=["walk", "stand"], duration_s=2.0)[0].load()[0]
    assert np.array_equal(motion.positions, again.positions)


def test_a_small_procedural_corpus_is_the_prefix_of_a_larger_one():
    small, large = procedural_items(50, seed=0), procedural_items(2000, seed=0)
    assert [(i.id, i.file, i.activity) for i in small] == [(i.id, i.file, i.activity) for i in large[:50]]
    assert activity_plan(7, 5, ["walk", "sit", "run"]) == activity_plan(30, 5, ["walk", "sit", "run"])[:7]


def test_the_walking_pelvis_rises_and_falls_as_much_as_a_walkers_centre_of_mass():
    """2.7 cm at 0.7 m/s to 4.8 cm at 1.6 m/s peak to peak (Orendurff et al. 2004), faster walks more."""
    def excursion_cm(activity: str) -> float:
        values = []
        for seed in range(4):
            height = generate(activity, seed).positions[:, 0, 1]
            middle = height[len(height) // 4: 3 * len(height) // 4]
            values.append(100 * np.ptp(middle))
        return float(np.mean(values))

    slow, normal, fast = (excursion_cm(a) for a in ("walk_slow", "walk", "walk_fast"))
    assert 2.5 < slow < normal < fast < 6.0
    assert 3.0 < normal < 5.5


def test_the_default_plan_draws_the_core_har_activities_more_often():
    from collections import Counter

    from simulate.sources import CORE_ACTIVITIES, CORE_SHARE

    counts = Counter(a for a in activity_plan(5000, seed=2) if a != "transition")
    others = [n for a, n in counts.items() if a not in CORE_ACTIVITIES]
    for activity in CORE_ACTIVITIES:
        assert counts[activity] / np.mean(others) == pytest.approx(CORE_SHARE, rel=0.1)
    assert set(counts) == set(ACTIVITIES) - {"transition"}
    assert Counter(activity_plan(500, seed=2, activities=["walk", "wave"])) == {"walk": 250, "wave": 250}
