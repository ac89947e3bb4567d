"""Simulated IMU signals from skeleton motion: one virtual accelerometer and gyroscope per joint.

>>> from simulate import simulate_imu, SensorModel
>>> imu = simulate_imu(motion, rate_hz=20.0, sensor=SensorModel.consumer(), seed=0)
>>> imu.shape                           # (T_out, 22, 6): acc xyz m/s^2, gyro xyz rad/s per joint
"""
from skeletons._version import __version__
from skeletons.orientation import estimate_orientations

from .physics import simulate_batch, simulate_imu
from .sensor import SensorModel

__all__ = ["__version__", "SensorModel", "estimate_orientations", "simulate_batch", "simulate_imu"]
