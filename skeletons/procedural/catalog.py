"""The activity library: every procedural activity with its family, generator and phrasing.

Families: locomotion, posture, gesture, sport, exercise, daily, transition. Labels include the class
names HAR datasets use ("walking upstairs", "jogging", "cycling", "vacuum cleaning", "rope jumping"...),
so that those wordings are reachable from the descriptions without tuning to any one dataset.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from . import compose, daily, everyday, exercise, gait, jumps, postures, sport, upper_body
from .body_params import Body
from .grammar import Phrasing
from .take import Take
from .transitions import transition

Generator = Callable[[Body, np.ndarray, np.random.Generator], Take]


@dataclass(frozen=True)
class Activity:
    """One activity: its id, family, generator ``make(body, times, rng) -> Take`` and phrasing."""

    id: str
    family: str
    make: Generator
    phrasing: Phrasing

    @property
    def handed(self) -> bool:
        """Whether a dominant hand does the work (left-handed subjects then do it with the left)."""
        return self.phrasing.handed


STREETS = ("in a park", "on a sidewalk", "along a street", "down a hallway", "across a room", "outdoors",
           "indoors", "through an office", "on a path", "in a corridor")
TRACKS = ("in a park", "on a running track", "along a road", "on a treadmill", "outdoors", "on a trail",
          "around a track", "by the river")
STAIRS = ("in a stairwell", "in a building", "at home", "in an office building", "on a staircase",
          "at a train station")
HOME = ("at home", "in the living room", "in a room", "in an office", "indoors", "in a waiting room")
GYM = ("at the gym", "in a gym", "at home", "in a fitness class", "in a living room", "outdoors",
       "during a workout")
DESK = ("at a desk", "at the office", "at home", "in a classroom", "in a library")
KITCHEN = ("at the kitchen table", "at a table", "in a restaurant", "at home", "in a cafeteria")
BATHROOM = ("in the bathroom", "at the sink", "in front of a mirror", "at home")

WALKERS = ("a pedestrian", "a walker")
RUNNERS = ("a runner", "the runner", "an athlete", "the athlete")
PLAYERS = ("a player", "the player", "an athlete", "the athlete")
LYING = {"bed": ("on a bed", "in bed"), "floor": ("on the floor", "on a mat"), "sofa": ("on a sofa", "on the couch")}


def _ph(labels, verbs, contexts=(), subjects=(), tempo=None, variants=None, handed=False) -> Phrasing:
    return Phrasing(tuple(labels), tuple(verbs), tuple(contexts), tuple(subjects), tempo, dict(variants or {}),
                    handed)


_TABLE: list[tuple[str, str, Generator, Phrasing]] = [
    # --- locomotion ---
    ("walk_slow", "locomotion", gait.walk_slow, _ph(
        ("walking", "walking slowly", "slow walking", "strolling", "walk"),
        ("walk slowly", "stroll", "amble along", "walk at a leisurely pace", "take a slow walk", "walk"),
        STREETS, WALKERS, "pace")),
    ("walk", "locomotion", gait.walk, _ph(
        ("walking", "walk", "walking forward", "walking around", "walking along"),
        ("walk", "walk forward", "walk ahead", "take a walk", "walk along", "go for a walk"),
        STREETS + ("on a treadmill",), WALKERS, "pace")),
    ("walk_fast", "locomotion", gait.walk_fast, _ph(
        ("walking", "fast walking", "brisk walking", "walking quickly", "power walking"),
        ("walk briskly", "walk fast", "hurry along", "walk quickly", "power walk", "stride ahead"),
        STREETS + ("on a treadmill",), WALKERS, "pace")),
    ("jog", "locomotion", gait.jog, _ph(
        ("jogging", "jog", "running slowly", "light running"),
        ("jog", "jog along", "go for a jog", "run at an easy pace", "trot along"),
        TRACKS, RUNNERS + ("a jogger",), "pace")),
    ("run", "locomotion", gait.run, _ph(
        ("running", "run", "running forward", "running along"),
        ("run", "run forward", "go for a run", "run along", "run ahead"),
        TRACKS, RUNNERS, "pace")),
    ("sprint", "locomotion", gait.sprint, _ph(
        ("sprinting", "sprint", "running very fast", "dashing"),
        ("sprint", "dash", "run at full speed", "race forward", "sprint ahead"),
        ("on a running track", "on a field", "outdoors", "down a street", "in a park"), RUNNERS, "pace")),
    ("walk_upstairs", "locomotion", gait.walk_upstairs, _ph(
        ("walking upstairs", "climbing stairs", "going upstairs", "ascending stairs", "stairs up", "upstairs",
         "walking up stairs", "stair climbing"),
        ("walk up the stairs", "climb the stairs", "go upstairs", "ascend a staircase", "walk upstairs",
         "climb a flight of stairs", "go up the steps"),
        STAIRS, (), "pace", {}, False)),
    ("walk_downstairs", "locomotion", gait.walk_downstairs, _ph(
        ("walking downstairs", "going downstairs", "descending stairs", "stairs down", "downstairs",
         "walking down stairs", "climbing down stairs"),
        ("walk down the stairs", "go downstairs", "descend a staircase", "walk downstairs",
         "go down a flight of stairs", "come down the steps"),
        STAIRS, (), "pace")),
    ("walk_backwards", "locomotion", gait.walk_backwards, _ph(
        ("walking backwards", "backward walking", "walking backward"),
        ("walk backwards", "walk backward", "step backwards", "back up", "retreat backwards"),
        STREETS, (), "pace")),
    ("walk_in_circle", "locomotion", gait.walk_in_circle, _ph(
        ("walking in a circle", "walking around in circles", "circling", "walking left", "walking right"),
        ("walk in a circle", "walk around in a circle", "circle around", "walk in circles"),
        ("in a room", "in a park", "on a lawn", "in a courtyard", "indoors"), WALKERS, "pace")),
    ("turn_around", "locomotion", gait.turn_around, _ph(
        ("turning around", "walking and turning", "u-turn", "turning back"),
        ("turn around while walking", "walk and +turn around", "make a u-turn", "turn back and +walk the other way"),
        STREETS, WALKERS, "pace")),
    ("shuffle", "locomotion", gait.shuffle, _ph(
        ("shuffling", "shuffle", "shuffling steps", "moving around slowly"),
        ("shuffle", "shuffle around", "take small shuffling steps", "move around with small steps",
         "potter about"),
        ("in the kitchen", "in a room", "at home", "around the house", "in an office"), (), "pace")),
    ("nordic_walk", "locomotion", gait.nordic_walk, _ph(
        ("nordic walking", "walking with poles", "pole walking"),
        ("walk with poles", "do nordic walking", "walk swinging the arms with trekking poles"),
        ("in a park", "on a trail", "in the woods", "along a path", "outdoors"), WALKERS, "pace")),
    ("skip", "locomotion", gait.skip, _ph(
        ("skipping", "skip", "skipping forward"),
        ("skip", "skip forward", "skip along", "skip happily"),
        ("in a park", "on a playground", "outdoors", "across a field"), (), "pace")),
    ("hop", "locomotion", gait.hop, _ph(
        ("hopping", "hopping on one leg", "hop", "one-legged hopping"),
        ("hop on one leg", "hop on one foot", "hop", "hop along on one leg"),
        ("in a gym", "on a playground", "outdoors", "in a hallway"), (), "rhythm")),
    # --- postures and posture changes ---
    ("stand", "posture", postures.stand, _ph(
        ("standing", "standing still", "stand", "standing upright", "standing idle", "idle"),
        ("stand still", "stand", "stand in place", "stand upright", "wait standing", "stand around",
         "stand and +look around"),
        ("in a room", "at a bus stop", "in a queue", "in a hallway", "outdoors", "at home", "in an office"))),
    ("sit", "posture", postures.sit, _ph(
        ("sitting", "sitting still", "sit", "seated", "sitting and relaxing"),
        ("sit", "sit still", "sit quietly", "remain seated", "sit and +relax", "rest in a seat"),
        ("in a room", "in an office", "at home", "in a waiting room", "in a park"), (), None,
        {"chair": ("on a chair", "in a chair"), "sofa": ("on a sofa", "on the couch"),
         "bench": ("on a bench", "on a park bench")})),
    ("lie", "posture", postures.lie, _ph(
        ("lying", "lying down", "laying", "lying still", "resting lying down", "sleeping"),
        ("lie down", "lie still", "lie", "rest lying down", "lie and +rest", "sleep"),
        ("in a bedroom", "at home", "in a room"), (), None, LYING)),
    ("sit_down", "posture", postures.sit_down, _ph(
        ("sitting down", "stand to sit", "stand-to-sit", "taking a seat"),
        ("sit down", "sit down on a chair", "take a seat", "lower themselves onto a chair",
         "go from standing to sitting"),
        HOME, (), "manner")),
    ("stand_up", "posture", postures.stand_up, _ph(
        ("standing up", "sit to stand", "sit-to-stand", "getting up from a chair"),
        ("stand up", "get up from a chair", "rise from a seat", "stand up from a chair", "go from sitting to standing"),
        HOME, (), "manner")),
    ("lie_down", "posture", postures.lie_down, _ph(
        ("lying down", "lie down in bed", "sit to lie", "going to bed"),
        ("lie down on a bed", "lie down", "lie back on the bed", "go from sitting to lying", "get into bed"),
        ("in a bedroom", "at home", "in a hotel room"), (), "manner")),
    ("get_up", "posture", postures.get_up, _ph(
        ("getting up from bed", "lie to sit", "sitting up", "getting out of bed"),
        ("get up from bed", "sit up in bed", "get out of bed", "go from lying to sitting", "rise from the bed"),
        ("in a bedroom", "at home", "in a hotel room"), (), "manner")),
    ("bend_pick_up", "posture", postures.bend_pick_up, _ph(
        ("picking up an object", "bending down", "picking something up", "bending to pick up"),
        ("bend down and +pick something up", "pick up an object from the floor", "bend over to pick something up",
         "reach down to the floor", "stoop to pick up something"),
        HOME + ("in a warehouse", "in a garden"), (), "manner", {}, True)),
    ("bend_forward", "posture", postures.bend_forward, _ph(
        ("waist bends forward", "bending forward", "forward bends", "bending over"),
        ("bend forward at the waist", "bend over and +straighten up", "do forward bends", "bend forward repeatedly"),
        GYM, (), "rhythm")),
    ("squat", "posture", postures.squat, _ph(
        ("squatting", "squats", "knees bending", "crouching", "knee bends"),
        ("do squats", "squat down and +stand up", "bend the knees", "crouch down and +rise", "squat"),
        GYM, (), "rhythm")),
    ("kneel", "posture", postures.kneel, _ph(
        ("kneeling", "kneeling down", "kneel", "on one knee"),
        ("kneel down", "kneel on one knee", "go down on one knee", "kneel"),
        HOME + ("in a garden", "in a church"))),
    ("lunge", "posture", postures.lunge, _ph(
        ("lunges", "lunging", "forward lunges", "lunge"),
        ("do lunges", "lunge forward", "do alternating forward lunges", "step into lunges"),
        GYM, (), "rhythm")),
    ("ride_elevator", "posture", postures.ride_elevator, _ph(
        ("standing in an elevator", "riding an elevator", "elevator", "taking the lift"),
        ("ride an elevator", "stand in an elevator", "take the lift", "ride the elevator"),
        ("in an office building", "in a hotel", "in a shopping mall", "in an apartment building"), (), None,
        {"up": ("going up", "up to a higher floor", "upwards"),
         "down": ("going down", "down to a lower floor", "downwards")})),
    # --- gestures ---
    ("wave", "gesture", upper_body.wave, _ph(
        ("waving", "hand waving", "waving hello", "wave"),
        ("wave", "wave hello", "wave goodbye", "wave a hand", "wave at someone"),
        ("at a friend", "from across the room", "outdoors", "at a station"), (), "rhythm", {}, True)),
    ("clap", "gesture", upper_body.clap, _ph(
        ("clapping", "clapping hands", "applauding", "clap"),
        ("clap", "clap their hands", "applaud", "clap along"),
        ("at a concert", "in an audience", "at a game", "in a room"), (), "rhythm")),
    ("arm_circles", "gesture", upper_body.arm_circles, _ph(
        ("arm circles", "circling the arms", "arm rotations"),
        ("do arm circles", "circle their arms", "rotate their outstretched arms", "swing the arms in circles"),
        GYM, (), "rhythm")),
    ("raise_arms", "gesture", upper_body.raise_arms, _ph(
        ("frontal elevation of arms", "raising arms", "arm raises", "lifting the arms"),
        ("raise their arms", "lift both arms and +lower them", "raise the arms up and down", "do arm raises"),
        GYM, (), "rhythm")),
    ("stretch", "gesture", upper_body.stretch, _ph(
        ("stretching", "stretch", "warming up", "stretching exercises"),
        ("stretch", "do stretching exercises", "stretch their body", "warm up with some stretches"),
        GYM, (), "manner")),
    ("smoke", "daily", everyday.smoke, _ph(
        ("smoking", "smoking a cigarette", "having a cigarette", "smoke break"),
        ("smoke a cigarette", "smoke", "take a drag on a cigarette", "have a smoke"),
        ("outdoors", "on a balcony", "outside a building", "at a bus stop"), (), "manner",
        {"seated": ("while sitting", "on a bench"), "standing": ("while standing",)}, True)),
    ("check_watch", "gesture", everyday.check_watch, _ph(
        ("checking the time", "checking time", "looking at a watch", "checking a wristwatch"),
        ("check the time", "look at their watch", "glance at a wristwatch", "check their watch"),
        ("at a bus stop", "in a hallway", "outdoors", "at a station"))),
    ("point", "gesture", everyday.point, _ph(
        ("pointing", "pointing at something", "pointing with the finger", "point"),
        ("point at something", "point into the distance", "point with the arm outstretched", "point"),
        ("outdoors", "in a room", "on a street"), (), None, {}, True)),
    ("push", "daily", everyday.push, _ph(
        ("pushing", "pushing something", "push", "pushing with both hands"),
        ("push something away", "push with both hands", "shove forward", "push"),
        HOME + ("in a warehouse", "outdoors"), (), "rhythm")),
    ("wipe_table", "daily", everyday.wipe_table, _ph(
        ("cleaning the table", "wiping a table", "clean table", "wiping", "house cleaning"),
        ("wipe the table", "clean a table with a cloth", "wipe a surface", "clean the kitchen counter"),
        KITCHEN + ("in the kitchen",), (), "rhythm", {}, True)),
    ("stir", "daily", everyday.stir, _ph(
        ("stirring", "cooking", "stirring a pot", "preparing food"),
        ("stir a pot", "stir the soup", "cook at the stove", "stir with a spoon"),
        ("in the kitchen", "at the stove", "at home"), (), "rhythm", {}, True)),
    ("texting", "daily", everyday.texting, _ph(
        ("texting", "using a phone", "using a smartphone", "typing on a phone", "phone use"),
        ("text on a phone", "type a message on a smartphone", "use their phone", "scroll on a phone"),
        HOME + ("on a train", "at a bus stop", "outdoors"), (), None,
        {"seated": ("while sitting", "seated"), "standing": ("while standing",)})),
    ("look_around", "gesture", everyday.look_around, _ph(
        ("looking around", "look around", "turning the head around", "scanning the surroundings"),
        ("look around", "look left and right", "look around the room", "glance around"),
        ("in a room", "at a crossing", "in a shop", "outdoors", "in a hallway"))),
    ("march_in_place", "exercise", everyday.march_in_place, _ph(
        ("marching in place", "walking in place", "high knees", "stepping on the spot", "marching"),
        ("march in place", "walk on the spot", "lift the knees in turn", "step in place"),
        GYM, (), "rhythm")),
    ("fold_laundry", "daily", everyday.fold_laundry, _ph(
        ("folding laundry", "folding clothes", "folding towels"),
        ("fold laundry", "fold clothes", "fold a shirt", "fold towels on a table"),
        HOME + ("in a laundry room", "in a bedroom"))),
    ("knock_door", "gesture", everyday.knock_door, _ph(
        ("knocking on a door", "knocking", "knock on door"),
        ("knock on a door", "knock on the door", "rap on a door with the knuckles"),
        ("in a hallway", "at a front door", "in an office", "at a hotel"), (), "rhythm", {}, True)),
    # --- composed limb movements: the descriptions come from the motion (compose.Movement), these
    # phrasings only name the group ---
    ("move_arm", "gesture", compose.move_arm, _ph(
        ("arm raise", "arm movement", "moving one arm"), ("raise one arm", "move an arm"), (), (), "rhythm")),
    ("move_both_arms", "exercise", compose.move_both_arms, _ph(
        ("arm raises", "moving both arms"), ("raise both arms", "move both arms"), (), (), "rhythm")),
    ("bend_elbow", "exercise", compose.bend_elbow, _ph(
        ("arm curl", "elbow flexion"), ("bend an elbow", "curl a forearm"), (), (), "rhythm")),
    ("move_leg", "exercise", compose.move_leg, _ph(
        ("leg raise", "leg movement", "knee lift"), ("lift a leg", "move a leg"), (), (), "rhythm")),
    ("move_trunk", "exercise", compose.move_trunk, _ph(
        ("trunk movement", "bending the upper body"), ("bend the trunk", "move the upper body"), (), (), "rhythm")),
    ("move_head", "gesture", compose.move_head, _ph(
        ("head movement", "moving the head"), ("move the head", "nod or turn the head"), (), (), "rhythm")),
    # --- sport ---
    ("play_badminton", "sport", sport.play_badminton, _ph(
        ("playing badminton", "badminton", "badminton rally", "hitting a shuttlecock"),
        ("play badminton", "hit a shuttlecock with a racket", "rally in badminton", "play a game of badminton",
         "smash and +clear the shuttlecock"),
        ("on a badminton court", "in a sports hall", "at the club", "in a gym", "in a backyard"), PLAYERS, "pace",
        {}, True)),
    ("play_tennis", "sport", sport.play_tennis, _ph(
        ("playing tennis", "tennis", "tennis rally", "hitting tennis balls"),
        ("play tennis", "hit tennis balls", "rally on a tennis court", "play a tennis match",
         "hit forehands and backhands"),
        ("on a tennis court", "at the club", "on a clay court", "outdoors"), PLAYERS, "pace", {}, True)),
    ("box", "sport", sport.box, _ph(
        ("boxing", "shadow boxing", "punching", "box"),
        ("box", "throw punches", "shadow box", "punch the air", "practise boxing combinations"),
        ("in a boxing gym", "in a ring", "at the gym", "at home"), ("a boxer", "the boxer", "a fighter"), "rhythm")),
    ("throw_ball", "sport", sport.throw_ball, _ph(
        ("throwing", "throwing a ball", "overhand throw", "pitching"),
        ("throw a ball", "throw a ball overhand", "pitch a ball", "throw"),
        ("in a park", "on a field", "in a backyard", "on a baseball field"), PLAYERS, "manner", {}, True)),
    ("swing_bat", "sport", sport.swing_bat, _ph(
        ("baseball swing", "swinging a bat", "batting"),
        ("swing a baseball bat", "swing a bat", "take batting practice", "hit with a bat"),
        ("on a baseball field", "in a batting cage", "in a backyard"), PLAYERS + ("a batter",), "manner", {}, True)),
    ("kick_ball", "sport", sport.kick_ball, _ph(
        ("kicking", "kicking a ball", "kicking a soccer ball"),
        ("kick a ball", "kick a soccer ball", "kick a football", "take a shot with the foot"),
        ("on a football pitch", "in a park", "on a field", "in a backyard"), PLAYERS)),
    ("dribble_basketball", "sport", sport.dribble_basketball, _ph(
        ("dribbling a basketball", "playing basketball", "basketball", "dribbling"),
        ("dribble a basketball", "bounce a basketball", "play basketball", "dribble a ball"),
        ("on a basketball court", "in a gym", "outdoors", "on a playground"), PLAYERS, "rhythm", {}, True)),
    ("jumping_jacks", "exercise", jumps.jumping_jacks, _ph(
        ("jumping jacks", "doing jumping jacks", "star jumps", "jumping jack"),
        ("do jumping jacks", "do star jumps", "perform jumping jacks"),
        GYM, (), "rhythm")),
    ("jump", "exercise", jumps.jump, _ph(
        ("jumping", "jumping up", "jump", "jumping in place", "jumping up and down"),
        ("jump", "jump up and down", "jump in place", "jump repeatedly", "jump into the air"),
        GYM + ("on a playground",), (), "rhythm")),
    ("jump_rope", "exercise", jumps.jump_rope, _ph(
        ("rope jumping", "jumping rope", "skipping rope", "rope skipping", "jump rope"),
        ("jump rope", "skip rope", "jump over a skipping rope", "do rope jumping"),
        GYM + ("on a playground", "in a boxing gym"), (), "rhythm")),
    ("cycle", "exercise", exercise.cycle, _ph(
        ("cycling", "biking", "bicycling", "riding a bike", "cycle"),
        ("ride a bicycle", "cycle", "ride a bike", "pedal a bike", "bike"),
        (), ("a cyclist", "the cyclist", "a rider"), "rhythm",
        {"outdoor": ("along a road", "outdoors", "on a bike path", "through the city"),
         "exercise_bike": ("on an exercise bike", "on a stationary bike", "on a spinning bike", "at the gym"),
         "standing": ("out of the saddle", "standing on the pedals", "uphill")})),
    ("row", "exercise", exercise.row, _ph(
        ("rowing", "rowing on an ergometer", "row", "indoor rowing"),
        ("row", "use a rowing machine", "row on an ergometer", "pull on a rowing machine"),
        ("at the gym", "in a gym", "at home"), ("a rower",), "rhythm",
        {"machine": ("on a rowing machine", "on an ergometer")})),
    ("swim", "exercise", exercise.swim, _ph(
        ("swimming", "swim", "doing laps"),
        ("swim", "swim laps", "swim in a pool", "swim forward"),
        ("in a pool", "in a lake", "in the sea", "at the swimming pool"), ("a swimmer", "the swimmer"), "pace",
        {"crawl": ("freestyle", "front crawl", "doing the crawl"),
         "breaststroke": ("breaststroke", "doing breaststroke")})),
    ("push_ups", "exercise", exercise.push_ups, _ph(
        ("push-ups", "doing push-ups", "press-ups", "pushups"),
        ("do push-ups", "do press-ups", "push up from the floor", "perform pushups"),
        GYM, (), "rhythm")),
    ("sit_ups", "exercise", exercise.sit_ups, _ph(
        ("sit-ups", "doing sit-ups", "crunches", "situps"),
        ("do sit-ups", "do crunches", "perform sit-ups on the floor", "do abdominal crunches"),
        GYM, (), "rhythm")),
    ("dance", "exercise", exercise.dance, _ph(
        ("dancing", "dance", "dancing to music"),
        ("dance", "dance to music", "dance around", "move to the beat"),
        ("at a party", "in a club", "at home", "in a dance studio", "at a wedding"), ("a dancer", "the dancer"),
        "rhythm")),
    # --- daily living ---
    ("drink", "daily", daily.drink, _ph(
        ("drinking", "drinking from a cup", "drinking water", "taking a sip"),
        ("drink from a cup", "drink water", "take a sip", "drink coffee", "sip from a glass"),
        KITCHEN + HOME, (), "manner", {"seated": ("while sitting", "at a table"), "standing": ("while standing",)},
        True)),
    ("eat", "daily", daily.eat, _ph(
        ("eating", "eating a meal", "having dinner", "eating soup"),
        ("eat", "eat a meal", "eat with a spoon", "have lunch", "eat soup"),
        KITCHEN, (), "manner", {}, True)),
    ("brush_teeth", "daily", daily.brush_teeth, _ph(
        ("brushing teeth", "brushing one's teeth", "toothbrushing", "brush teeth"),
        ("brush their teeth", "brush teeth", "clean their teeth with a toothbrush"),
        BATHROOM, (), "rhythm", {}, True)),
    ("type", "daily", daily.type_on_keyboard, _ph(
        ("typing", "typing on a keyboard", "working at a computer", "keyboard typing"),
        ("type on a keyboard", "type", "work on a computer", "type an email"),
        DESK, (), "rhythm")),
    ("write", "daily", daily.write_by_hand, _ph(
        ("writing", "writing by hand", "handwriting", "writing on paper"),
        ("write", "write on a sheet of paper", "write with a pen", "take notes by hand"),
        DESK, (), "manner", {}, True)),
    ("vacuum", "daily", daily.vacuum, _ph(
        ("vacuuming", "vacuum cleaning", "hoovering", "cleaning the floor"),
        ("vacuum the floor", "vacuum", "clean the carpet with a vacuum cleaner", "hoover the floor"),
        HOME + ("in a hallway", "in a bedroom"), (), "rhythm", {}, True)),
    ("iron", "daily", daily.iron, _ph(
        ("ironing", "ironing clothes", "iron"),
        ("iron clothes", "iron a shirt", "iron laundry on an ironing board", "iron"),
        HOME, (), "rhythm", {}, True)),
    ("climb_ladder", "daily", daily.climb_ladder, _ph(
        ("climbing a ladder", "ladder climbing", "climbing up"),
        ("climb a ladder", "climb up a ladder", "go up a ladder", "ascend a ladder"),
        ("in a garage", "on a building site", "in a warehouse", "outdoors", "in a library"), (), "pace")),
    ("talk_on_phone", "daily", daily.talk_on_phone, _ph(
        ("talking on the phone", "phone call", "using a telephone", "on the phone"),
        ("talk on the phone", "make a phone call", "answer the phone", "hold a phone to the ear"),
        HOME + ("outdoors", "at work"), (), None,
        {"standing": ("while standing",), "seated": ("while sitting",), "walking": ("while walking", "pacing around")},
        True)),
    ("comb_hair", "daily", daily.comb_hair, _ph(
        ("combing hair", "brushing hair", "combing one's hair"),
        ("comb their hair", "brush their hair", "comb the hair"),
        BATHROOM + ("in a bedroom",), (), "rhythm", {}, True)),
]


def _transition(body: Body, t: np.ndarray, rng: np.random.Generator) -> Take:
    return transition(body, t, rng, {key: value.make for key, value in ACTIVITIES.items()})


ACTIVITIES: dict[str, Activity] = {key: Activity(key, family, make, phrasing) for key, family, make, phrasing in _TABLE}
ACTIVITIES["transition"] = Activity("transition", "transition", _transition, _ph(
    ("activity change", "changing activity"), ("change activity",)))
