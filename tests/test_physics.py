"""Simulated IMU physics against closed forms, rates and lengths, cross-rate agreement and real clips."""
import numpy as np
import pytest
from scipy.signal import periodogram
from scipy.spatial.transform import Rotation

import skeletons
from simulate import SensorModel, physics, simulate_batch, simulate_imu
from skeletons import NUM_JOINTS, InputError, Motion
from skeletons.orientation import canonical_t_pose, estimate_orientations

from .test_orientation import smooth_motion

G = 9.80665
UP = np.array([0.0, G, 0.0])
ACC_TOL, GYRO_TOL = 0.05, 0.02  # m/s^2, rad/s
INNER = slice(3, -3)  # samples compared, away from clip ends


def still(num_frames: int, pose: np.ndarray) -> np.ndarray:
    return np.repeat(pose[None].astype(np.float32), num_frames, axis=0)


def random_rotations(count: int, seed: int) -> np.ndarray:
    return Rotation.random(count, random_state=seed).as_matrix().astype(np.float32)


def spinning(fps: float, seconds: float, omega: float) -> tuple[np.ndarray, np.ndarray]:
    """The T-pose turning rigidly about world y (through the origin) at ``omega`` rad/s."""
    t = np.arange(round(seconds * fps) + 1) / fps
    turn = Rotation.from_rotvec(omega * t[:, None] * (0.0, 1.0, 0.0)).as_matrix()  # (T, 3, 3)
    rotations = np.broadcast_to(turn[:, None], (len(t), NUM_JOINTS, 3, 3))
    positions = np.einsum("tij,kj->tki", turn, canonical_t_pose().astype(np.float64))
    return positions.astype(np.float32), rotations.astype(np.float32)


def test_at_rest_reads_gravity_in_the_sensor_frame():
    R = random_rotations(NUM_JOINTS, seed=0)
    positions = still(40, canonical_t_pose())
    imu = simulate_batch(positions[None], 20.0, rotations=np.broadcast_to(R, (1, 40, *R.shape)))[0]
    assert imu.shape == (40, NUM_JOINTS, 6) and imu.dtype == np.float32
    assert np.allclose(imu[..., :3], np.einsum("jki,k->ji", R, UP), atol=1e-4)
    assert np.abs(imu[..., 3:]).max() < 1e-5


def test_free_fall_reads_zero():
    t = np.arange(30) / 20.0
    drop = 0.5 * np.outer(t**2, -UP) + np.outer(t, (0.3, 2.0, -0.4))
    positions = canonical_t_pose()[None] + drop[:, None].astype(np.float32)
    R = np.broadcast_to(random_rotations(1, seed=1), (30, NUM_JOINTS, 3, 3))
    imu = simulate_batch(positions[None], 20.0, rotations=R[None])[0]
    assert np.abs(imu[..., :3]).max() < ACC_TOL
    assert np.abs(imu[..., 3:]).max() < GYRO_TOL


@pytest.mark.parametrize("fps", [20.0, 120.0])
def test_spin_about_vertical(fps):
    omega = 2.5
    positions, rotations = spinning(fps, 6.0, omega)
    imu = simulate_batch(positions[None], fps, rotations=rotations[None])[0][INNER]
    rest = canonical_t_pose()
    radius = np.linalg.norm(rest[:, [0, 2]], axis=-1)
    assert np.abs(imu[..., 3:] - (0.0, omega, 0.0)).max() < GYRO_TOL
    assert np.abs(imu[..., 1] - G).max() < ACC_TOL
    assert np.abs(np.linalg.norm(imu[..., [0, 2]], axis=-1) - omega**2 * radius).max() < ACC_TOL
    # Centripetal: towards the axis, in the body frame (which here is the rest frame).
    assert np.abs(imu[..., [0, 2]] + omega**2 * rest[:, [0, 2]]).max() < ACC_TOL


@pytest.mark.parametrize("world_axis", [True, False])
def test_known_rate_about_a_tilted_axis(world_axis):
    omega, axis = 3.0, np.array([0.3, 0.8, -0.5]) / np.linalg.norm([0.3, 0.8, -0.5])
    start = Rotation.from_euler("xyz", [30, -50, 10], degrees=True).as_matrix()
    t = np.arange(101) / 20.0
    if world_axis:  # R(t) = exp(w t [n]x) R0: body rate R0^T n w
        turn = Rotation.from_rotvec(omega * t[:, None] * axis).as_matrix()
        rotations, expected = turn @ start, start.T @ axis * omega
    else:  # R(t) = R0 exp(w t [n]x): body rate n w
        spin = Rotation.from_rotvec(omega * t[:, None] * axis).as_matrix()
        rotations, expected = start @ spin, axis * omega
    rotations = np.broadcast_to(rotations[:, None], (len(t), NUM_JOINTS, 3, 3)).astype(np.float32)
    imu = simulate_batch(still(len(t), canonical_t_pose())[None], 20.0, rotations=rotations[None])[0]
    assert np.abs(imu[..., 3:] - expected).max() < GYRO_TOL  # exact to the ends: a constant spin
    gravity_in_body = np.einsum("tki,k->ti", rotations[:, 0], UP)
    assert np.abs(imu[INNER, :, :3] - gravity_in_body[INNER, None]).max() < ACC_TOL


def test_positions_only_at_rest_in_any_pose():
    positions, _ = smooth_motion(3.0, 20.0, seed=5)
    for pose in positions[[0, 17, 44]]:
        imu = simulate_batch(still(25, pose)[None], 20.0)[0]
        assert np.abs(np.linalg.norm(imu[..., :3], axis=-1) - G).max() < 1e-3
        assert np.abs(imu[..., 3:]).max() < 1e-4


def test_gravity_off_gives_zero_at_rest():
    pose = smooth_motion(1.0, 20.0, seed=6)[0][0]
    R = random_rotations(NUM_JOINTS, seed=2)
    for rotations in (None, np.broadcast_to(R, (1, 20, *R.shape))):
        imu = simulate_batch(still(20, pose)[None], 20.0, rotations=rotations, gravity=False)[0]
        assert np.abs(imu).max() < 1e-4


def test_gravity_off_is_linear_acceleration():
    positions, rotations = spinning(20.0, 4.0, 2.0)
    with_g = simulate_batch(positions[None], 20.0, rotations=rotations[None])[0]
    without = simulate_batch(positions[None], 20.0, rotations=rotations[None], gravity=False)[0]
    gravity_in_body = np.einsum("tjki,k->tji", rotations, UP)
    assert np.allclose(with_g[..., :3] - without[..., :3], gravity_in_body, atol=1e-4)
    assert np.array_equal(with_g[..., 3:], without[..., 3:])


@pytest.mark.parametrize(
    "frames, fps, rate, expected",
    [
        (170, 20.0, 20.0, 170), (994, 120.0, 20.0, 166), (91, 30.0, 20.0, 61), (41, 20.0, 50.0, 101),
        (2, 20.0, 20.0, 2),
    ],
)
def test_output_length(frames, fps, rate, expected):
    assert physics.output_length(frames, fps, rate) == expected
    imu = simulate_batch(still(frames, canonical_t_pose())[None], fps, rate_hz=rate)
    assert imu.shape == (1, expected, NUM_JOINTS, 6)


@pytest.mark.parametrize("fps, rate", [(30.0, 20.0), (20.0, 50.0), (120.0, 20.0), (100.0, 30.0)])
def test_resampled_signals_sit_at_the_output_times(fps, rate):
    """Sway along x and a rocking rotation, closed forms at t = k / rate."""
    frequency, amplitude, angle = 0.8, 0.1, 0.5
    t = np.arange(int(6 * fps) + 1) / fps
    phase = 2 * np.pi * frequency * t
    axis = np.array([0.0, 0.6, 0.8])
    positions = still(len(t), canonical_t_pose()) + (amplitude * np.sin(phase))[:, None, None] * (1, 0, 0)
    rock = Rotation.from_rotvec(angle * np.sin(phase)[:, None] * axis).as_matrix()
    rotations = np.broadcast_to(rock[:, None], (len(t), NUM_JOINTS, 3, 3)).astype(np.float32)
    imu = simulate_batch(positions[None], fps, rotations[None], rate_hz=rate, gravity=False)[0]

    k = np.arange(len(imu)) / rate
    inner = (k > 0.2) & (k < k[-1] - 0.2)
    phase = 2 * np.pi * frequency * k
    rock = Rotation.from_rotvec(angle * np.sin(phase)[:, None] * axis).as_matrix()
    world = -amplitude * (2 * np.pi * frequency) ** 2 * np.sin(phase)[:, None] * (1, 0, 0)
    acc = np.einsum("tki,tk->ti", rock, world)
    gyro = (angle * 2 * np.pi * frequency * np.cos(phase))[:, None] * axis
    assert np.abs(imu[inner, :, :3] - acc[inner, None]).max() < ACC_TOL
    assert np.abs(imu[inner, :, 3:] - gyro[inner, None]).max() < GYRO_TOL


@pytest.mark.parametrize("given_rotations", [True, False])
def test_same_motion_at_120_and_20_fps_gives_the_same_20_hz_signals(given_rotations):
    """Tolerances met on a 10 s body-like motion whose signals have standard deviations of about
    6 m/s^2 and 1.5 rad/s; positions-only gyro differs more where limb twist references blend."""
    p120, r120 = smooth_motion(10.0, 120.0, seed=0)
    p20, r20 = smooth_motion(10.0, 20.0, seed=0)
    fast = simulate_batch(p120[None], 120.0, r120[None] if given_rotations else None)[0]
    slow = simulate_batch(p20[None], 20.0, r20[None] if given_rotations else None)[0]
    assert fast.shape == slow.shape == (201, NUM_JOINTS, 6)
    error = np.abs(fast - slow)[INNER]
    acc, gyro = error[..., :3], error[..., 3:]
    assert acc.max() < 0.15 and np.sqrt(np.mean(acc**2)) < 0.015
    if given_rotations:
        assert gyro.max() < 0.06 and np.sqrt(np.mean(gyro**2)) < 0.01
    else:
        assert gyro.max() < 0.5 and np.sqrt(np.mean(gyro**2)) < 0.04


@pytest.mark.parametrize("fps, rate", [(120.0, 20.0), (20.0, 50.0), (20.0, 20.0)])
def test_long_clips_take_the_direct_path_with_the_same_result(monkeypatch, fps, rate):
    positions, rotations = smooth_motion(3.0, fps, seed=4)
    dense = simulate_batch(positions[None], fps, rotations[None], rate_hz=rate)
    monkeypatch.setattr(physics, "_DENSE_MAX_FRAMES", 10)
    direct = simulate_batch(positions[None], fps, rotations[None], rate_hz=rate)
    # The dense path sums in float32: at 120 fps about 0.02 m/s^2 from the float64 direct path.
    assert np.abs(dense - direct)[..., :3].max() < ACC_TOL
    assert np.abs(dense - direct)[..., 3:].max() < 1e-4


def test_batch_is_independent_clips_and_simulate_imu_is_one_of_them():
    clips = [smooth_motion(4.0, 30.0, seed=s) for s in (7, 8, 9)]
    positions = np.stack([p for p, _ in clips])
    batch = simulate_batch(positions, 30.0)
    for index, (p, _r) in enumerate(clips):
        single = simulate_imu(Motion(positions=p, fps=30.0))
        assert np.allclose(batch[index], single, atol=5e-3)  # float32 sums in another order
    with_rotations = simulate_imu(Motion(positions=clips[0][0], fps=30.0, rotations=clips[0][1]))
    assert np.allclose(with_rotations, simulate_batch(positions[:1], 30.0, np.stack([clips[0][1]]))[0],
                       rtol=1e-5, atol=1e-4)


def test_orientations_used_are_the_estimated_ones():
    positions, _ = smooth_motion(4.0, 30.0, seed=10)
    estimated = estimate_orientations(positions)
    from_estimate = simulate_batch(positions[None], 30.0, estimated[None])
    assert np.allclose(simulate_batch(positions[None], 30.0), from_estimate, atol=2e-3)


def test_sensor_model_is_seeded():
    positions, _ = smooth_motion(3.0, 20.0, seed=11)
    consumer = SensorModel.consumer()
    ideal = simulate_batch(positions[None], 20.0)
    first = simulate_batch(positions[None], 20.0, sensor=consumer, seed=5)
    assert np.array_equal(first, simulate_batch(positions[None], 20.0, sensor=consumer, seed=5))
    assert not np.array_equal(first, simulate_batch(positions[None], 20.0, sensor=consumer, seed=6))
    assert 0 < np.abs(first - ideal).mean() < 1.0
    assert np.array_equal(ideal, simulate_batch(positions[None], 20.0, sensor=SensorModel.ideal(), seed=5))


@pytest.mark.parametrize(
    "positions, fps, rotations",
    [
        (np.zeros((1, 10, 21, 3)), 20.0, None),
        (np.zeros((1, 1, NUM_JOINTS, 3)), 20.0, None),
        (np.full((1, 10, NUM_JOINTS, 3), np.nan), 20.0, None),
        (np.zeros((1, 10, NUM_JOINTS, 3)), 0.0, None),
        (np.zeros((1, 10, NUM_JOINTS, 3)), 20.0, np.zeros((1, 9, NUM_JOINTS, 3, 3))),
    ],
)
def test_bad_input_is_an_input_error(positions, fps, rotations):
    with pytest.raises(InputError):
        simulate_batch(positions, fps, rotations)


def test_humanml3d_clip(humanml3d_clip):
    motion = skeletons.load_motion(humanml3d_clip)
    imu = simulate_imu(motion)
    assert imu.shape == (170, NUM_JOINTS, 6) and np.isfinite(imu).all()
    pelvis = imu[:, 0, :3]
    assert 0.95 * G < np.linalg.norm(pelvis, axis=-1).mean() < 1.2 * G
    # Over the clip the world-frame specific force averages to gravity (start and end speeds are alike).
    world = np.einsum("tij,tj->ti", estimate_orientations(motion.positions)[:, 0], pelvis)
    assert np.abs(world.mean(axis=0) - UP).max() < 0.2


def _step_rate(pelvis_acc: np.ndarray, rate: float) -> float:
    magnitude = np.linalg.norm(pelvis_acc, axis=-1)
    frequencies, power = periodogram(magnitude - magnitude.mean(), fs=rate)
    return float(frequencies[np.argmax(power)])


def test_cmu_walk(bvh_walks):
    walk = skeletons.load_motion(next(p for p in bvh_walks if p.name == "131_01.bvh"))
    for rotations in (walk.rotations, None):
        imu = simulate_imu(Motion(positions=walk.positions, fps=walk.fps, rotations=rotations))
        assert imu.shape == (166, NUM_JOINTS, 6) and np.isfinite(imu).all()
        assert 1.2 <= _step_rate(imu[:, 0, :3], 20.0) <= 2.8
        assert 0.95 * G < np.linalg.norm(imu[:, 0, :3], axis=-1).mean() < 1.15 * G

    # Decimated to 20 fps without filtering (aliased mocap jitter included), positions only.
    full = simulate_imu(Motion(positions=walk.positions, fps=walk.fps))
    decimated = simulate_imu(Motion(positions=walk.positions[::6], fps=walk.fps / 6))
    full = full[: len(decimated)]
    for joint in range(NUM_JOINTS):
        for channels in (slice(0, 3), slice(3, 6)):
            a, b = full[INNER, joint, channels].ravel(), decimated[INNER, joint, channels].ravel()
            assert np.corrcoef(a, b)[0, 1] > (0.995 if joint == 0 else 0.98)
