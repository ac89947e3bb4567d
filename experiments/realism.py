"""Motion realism: what a wrist or waist sensor sees of the procedural library, beside real data.

``python -m experiments.realism [--clips N] [--seed S] [--mocap DIR_OR_FILE ...] [--hapt NPZ] [--output DIR]``
prints a markdown table and writes ``realism.md``, ``realism.json`` and ``realism.png`` to ``--output``
(default ``reports/realism``).

Per activity and sensor, mean over clips (or real series) of:

* ``acc_rms``: RMS of the gravity-free |acc| (m/s^2) after removing the series' mean (a constant offset is
  sensor bias or leaked gravity, not motion), with its percentiles ``acc_p50`` / ``acc_p95``;
* ``gyro_rms``: RMS of |gyro| (rad/s);
* ``peak_hz``: (median over series) the largest spectral peak of |acc| (mean removed) above 0.3 Hz;
* ``slope``: the log-log slope of the acceleration power spectrum (axes summed) between 0.5 Hz and
  0.9 x the Nyquist frequency (more negative: less high-frequency content).

Sources and bands (every comparison is made at the slower device's rate, so in its band):

* BasicMotions **train** split only (aeon, 10 Hz, right wrist, the watch reports linear acceleration):
  the procedural clips are simulated straight to 10 Hz with the simulator's anti-aliased resampling
  and the corpus's sensor model (:data:`simulate.corpus.DEFAULT_SENSOR`), gravity removed by
  the gyroscope-based estimator (:func:`simulate.gravity.remove_gravity`), as pretraining shows them to
  the encoder. Compared below 5 Hz.
* HAPT (``../shared/data/hapt/hapt.npz``, waist phone, 50 Hz, acc in g with gravity) of the UCI-HAR
  **train** subjects only (:data:`HAPT_TEST_SUBJECTS` are never read): resampled to 20 Hz
  (``scipy.signal.resample_poly``, as the simulator and the benchmark preparation do), cut into 10 s
  windows, gravity removed by the project's gyroscope-based estimator (:func:`simulate.gravity.remove_gravity`;
  its floor: 0.2 m/s^2 on standing windows). The simulated waist (``spine1``) goes through the same
  estimator. (Under the uncalibrated consumer sensor model the estimator left about 3 m/s^2 on a
  motionless body, which pretraining showed the encoder as motion; the calibrated model leaves 0.3.)
* Real motion capture (BVH, HumanML3D ``.npy``; the CMU walks in ``../shared/fixtures/bvh`` by default)
  passed through the same simulator; absent folders are skipped.

A wrist table gives the same per band (0.3-1.5, 1.5-3, 3-5 Hz; acc and gyro, median over series) for the
procedural activities paired with BasicMotions' classes beside the watch's train series.

A third table splits the waist's *vertical* acceleration (the projection on each window's gravity
direction, mean removed) into frequency bands, simulated (with gravity, calibrated sensor model) beside the
HAPT phone, per gait: a total RMS can match while its spectrum does not. It is what showed that the
library's walking pelvis had lost its step-frequency bob (0.3 m/s^2 RMS at 1.6-2 Hz against the phone's
1.5) and made up the total with foot-strike ringing at 4-10 Hz.

No tuning reads BasicMotions' test split or HAPT's test subjects.
"""
from __future__ import annotations

import argparse
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy.signal import resample_poly, welch

from skeletons.atomic import atomic_path, write_text_atomic
from skeletons.errors import InputError, exit_on_bad_input

WRIST, WAIST = 21, 9  # right_wrist, spine1
SENSORS = {"wrist": WRIST, "waist": WAIST}
HAPT_TEST_SUBJECTS = (2, 4, 9, 10, 12, 13, 18, 20, 24)
HAPT_CLASSES = {1: "walking", 2: "walking upstairs", 3: "walking downstairs", 4: "sitting", 5: "standing",
                6: "lying"}
#: Real class -> the procedural activity compared with it.
BASICMOTIONS_PAIRS = {"standing": "stand", "walking": "walk", "running": "run", "badminton": "play_badminton"}
HAPT_PAIRS = {"walking": "walk", "walking upstairs": "walk_upstairs", "walking downstairs": "walk_downstairs",
              "sitting": "sit", "standing": "stand", "lying": "lie"}
STAT_NAMES = ("acc_rms", "acc_p50", "acc_p95", "gyro_rms", "peak_hz", "slope")
#: Bands (Hz) of the waist's vertical acceleration table: the step frequency of walking and stairs falls in
#: 1.6-2.4 Hz, its first harmonic in 3-4.4 Hz, foot-strike transients above.
VERTICAL_BANDS_HZ = ((0.4, 1.2), (1.2, 1.6), (1.6, 2.0), (2.0, 2.4), (2.4, 3.0), (3.0, 3.6), (3.6, 4.4),
                     (4.4, 6.0), (6.0, 8.0), (8.0, 10.0))
GAITS = ("walking", "walking upstairs", "walking downstairs")
#: Bands (Hz) of the wrist table, within BasicMotions' 5 Hz Nyquist: the arm swing and slow hand movements,
#: the step frequency of walking and running, and what rings above it.
WRIST_BANDS_HZ = ((0.3, 1.5), (1.5, 3.0), (3.0, 5.0))
DEFAULT_MOCAP = Path("../shared/fixtures/bvh")
DEFAULT_HAPT = Path("../shared/data/hapt/hapt.npz")
WINDOW_S = 10.0


@dataclass(frozen=True)
class RealismConfig:
    """What to measure: ``clips`` procedural clips per activity from ``seed``; real sources to compare."""

    clips: int = 6
    seed: int = 0
    activities: tuple[str, ...] | None = None  # None: every procedural activity
    mocap: tuple[Path, ...] = (DEFAULT_MOCAP,)
    hapt: Path | None = DEFAULT_HAPT
    output: Path = Path("reports/realism")
    rates: dict = field(default_factory=lambda: {"wrist": 10.0, "waist": 20.0})


def series_stats(acc: np.ndarray, gyro: np.ndarray, rate_hz: float) -> dict[str, float]:
    """The statistics of one gravity-free series: acc (T, 3) m/s^2, gyro (T, 3) rad/s at ``rate_hz``."""
    acc = acc - acc.mean(0)  # a constant offset is sensor bias or leaked gravity, not motion
    magnitude = np.linalg.norm(acc, axis=-1)
    segment = min(len(acc), int(5 * rate_hz))
    frequencies, power = welch(magnitude - magnitude.mean(), fs=rate_hz, nperseg=segment)
    usable = frequencies >= 0.3
    peak = float(frequencies[usable][np.argmax(power[usable])]) if usable.any() else float("nan")
    frequencies, axes = welch(acc - acc.mean(0), fs=rate_hz, nperseg=segment, axis=0)
    band = (frequencies >= 0.5) & (frequencies <= 0.45 * rate_hz)
    total = axes.sum(-1)[band]
    slope = float(np.polyfit(np.log10(frequencies[band]), np.log10(total + 1e-12), 1)[0]) if band.sum() > 2 \
        else float("nan")
    return {"acc_rms": float(np.sqrt(np.mean(magnitude ** 2))),
            "acc_p50": float(np.percentile(magnitude, 50)), "acc_p95": float(np.percentile(magnitude, 95)),
            "gyro_rms": float(np.sqrt(np.mean(np.sum(gyro ** 2, -1)))), "peak_hz": peak, "slope": slope}


def vertical_band_rms(acc: np.ndarray, rate_hz: float, bands=VERTICAL_BANDS_HZ) -> np.ndarray:
    """RMS (m/s^2) per band of the vertical acceleration of one window ``acc`` (T, 3) *with gravity*: the
    projection on the window's mean acceleration (gravity's direction), mean removed; Welch's estimate."""
    down = acc.mean(0) / max(np.linalg.norm(acc.mean(0)), 1e-9)
    vertical = acc @ down
    frequencies, power = welch(vertical - vertical.mean(), fs=rate_hz, nperseg=min(len(acc), int(5 * rate_hz)))
    step = frequencies[1] - frequencies[0]
    return np.sqrt(np.array([power[(frequencies >= lo) & (frequencies < hi)].sum() * step for lo, hi in bands]))


def band_rms(x: np.ndarray, rate_hz: float, bands) -> np.ndarray:
    """RMS per band of the vector signal ``x`` (T, C): the square root of its power (Welch, axes summed, mean
    removed) within each band ``(low, high)`` in Hz, i.e. the RMS of ``|x|`` band-passed to it."""
    frequencies, power = welch(x - x.mean(0), fs=rate_hz, nperseg=min(len(x), int(5 * rate_hz)), axis=0)
    power = power.sum(-1)
    step = frequencies[1] - frequencies[0]
    return np.sqrt(np.array([power[(frequencies >= lo) & (frequencies < hi)].sum() * step for lo, hi in bands]))


def wrist_bands(config: RealismConfig) -> dict[str, dict[str, dict[str, list[float]]]]:
    """BasicMotions class -> {"sim", "real"} -> {"acc", "gyro"}: the median over series of :func:`band_rms`
    in :data:`WRIST_BANDS_HZ`, gravity-free at 10 Hz, of the procedural activity paired with the class
    (``config.clips`` clips) and of the watch's train series. A total RMS can match while its spectrum does
    not: this table showed the library's runners' wrists silent above 3 Hz (gyroscope 0.4 rad/s, the watch's
    1.3)."""
    from benchmarks.loader import load_split
    from benchmarks.registry import BASIC_MOTIONS, BASIC_MOTIONS_CLASSES
    from skeletons.procedural import generate

    rate = config.rates["wrist"]
    split = load_split(BASIC_MOTIONS, ".", "train")

    def medians(series: list[np.ndarray]) -> dict[str, list[float]]:
        return {name: np.median([band_rms(s[:, part], rate, WRIST_BANDS_HZ) for s in series], 0).tolist()
                for name, part in (("acc", slice(0, 3)), ("gyro", slice(3, 6)))}

    out = {}
    for index, name in enumerate(BASIC_MOTIONS_CLASSES):
        activity = BASICMOTIONS_PAIRS[name]
        if config.activities is not None and activity not in config.activities:
            continue
        motions = [generate(activity, config.seed * 1000 + k) for k in range(config.clips)]
        out[name] = {"sim": medians(simulate_joint(motions, WRIST, rate, config.seed)),
                     "real": medians(list(split.x[split.y == index]))}
    return out


def vertical_bands(config: RealismConfig) -> dict[str, dict[str, list[float]]]:
    """HAPT gait -> {"sim", "real"}: mean band RMS (:func:`vertical_band_rms`) of the procedural waist and of
    the HAPT phone (training subjects), both at the waist rate with gravity; {} without the HAPT file."""
    from skeletons.procedural import generate

    if not (config.hapt and config.hapt.is_file()):
        return {}
    rate, width = config.rates["waist"], int(round(WINDOW_S * config.rates["waist"]))
    real = hapt_windows(config.hapt, rate)
    out = {}
    for name in GAITS:
        motions = [generate(HAPT_PAIRS[name], config.seed * 1000 + k) for k in range(config.clips)]
        sim = [imu[i:i + width, :3] for imu in simulate_joint(motions, WAIST, rate, config.seed, gravity=True)
               for i in range(0, len(imu) - width + 1, width)]
        out[name] = {source: np.mean([vertical_band_rms(w, rate) for w in windows], 0).tolist()
                     for source, windows in (("sim", sim), ("real", [w[:, :3] for w in real[name]])) if windows}
    return out


def summarise(rows: list[dict[str, float]]) -> dict[str, float]:
    """Mean of each statistic over series, with ``n`` series and ``acc_rms_std``."""
    if not rows:
        return {}
    out = {name: float(np.nanmean([r[name] for r in rows])) for name in STAT_NAMES}
    out["peak_hz"] = float(np.nanmedian([r["peak_hz"] for r in rows]))  # peaks jump between harmonics
    out["acc_rms_std"] = float(np.std([r["acc_rms"] for r in rows]))
    out["n"] = len(rows)
    return out


def _gravity_free(imu: np.ndarray, rate_hz: float) -> np.ndarray:
    """(B, T, 6) with gravity removed by the project's gyroscope-based estimator."""
    import torch

    from simulate.gravity import remove_gravity

    return remove_gravity(torch.from_numpy(np.ascontiguousarray(imu, dtype=np.float32))[:, :, None],
                          rate_hz=rate_hz)[:, :, 0].numpy()


def simulate_joint(motions: list, joint: int, rate_hz: float, seed: int, gravity: bool = False) -> list[np.ndarray]:
    """(T, 6) readings of ``joint`` per motion at ``rate_hz`` under the corpus's sensor model
    (:data:`simulate.corpus.DEFAULT_SENSOR`): what the accelerometer reads with ``gravity``, else gravity
    removed by the gyroscope-based estimator, as pretraining's augmentation removes it."""
    from simulate.corpus import DEFAULT_SENSOR, sensor_model
    from simulate.physics import simulate_imu

    sensor = sensor_model(DEFAULT_SENSOR)
    out = []
    for k, motion in enumerate(motions):
        imu = simulate_imu(motion, rate_hz, sensor, seed=seed + k, gravity=True)[:, joint]
        out.append(imu if gravity else _gravity_free(imu[None], rate_hz)[0])
    return out


def _stats_of(series: list[np.ndarray], rate_hz: float) -> dict[str, float]:
    return summarise([series_stats(s[:, :3], s[:, 3:6], rate_hz) for s in series])


def procedural_stats(config: RealismConfig, activities: list[str]) -> dict[str, dict[str, dict]]:
    """activity -> sensor -> statistics of ``config.clips`` procedural clips."""
    from tqdm import tqdm

    from skeletons.procedural import generate

    table: dict[str, dict[str, dict]] = {}
    for activity in tqdm(activities, desc="procedural", unit="activity"):
        motions = [generate(activity, config.seed * 1000 + k) for k in range(config.clips)]
        table[activity] = {
            "wrist": _stats_of(simulate_joint(motions, WRIST, config.rates["wrist"], config.seed),
                               config.rates["wrist"]),
            "waist": _stats_of(simulate_joint(motions, WAIST, config.rates["waist"], config.seed),
                               config.rates["waist"])}
    return table


def basicmotions_stats() -> dict[str, dict]:
    """class -> statistics of the BasicMotions TRAIN series (right wrist, 10 Hz, gravity-free)."""
    from benchmarks.loader import load_split
    from benchmarks.registry import BASIC_MOTIONS, BASIC_MOTIONS_CLASSES

    split = load_split(BASIC_MOTIONS, ".", "train")
    return {name: _stats_of(list(split.x[split.y == i]), BASIC_MOTIONS.rate_hz)
            for i, name in enumerate(BASIC_MOTIONS_CLASSES)}


def hapt_windows(path: Path, rate_hz: float, window_s: float = WINDOW_S) -> dict[str, list[np.ndarray]]:
    """class -> (T, 6) windows (acc m/s^2 with gravity, gyro rad/s) of HAPT's train subjects at ``rate_hz``."""
    from benchmarks.prepare import resampling_factors

    data = np.load(path)
    signals, labels, offsets, subjects = data["signals"], data["labels"], data["offsets"], data["subjects"]
    up, down = resampling_factors(50.0, rate_hz)
    width = int(round(window_s * rate_hz))
    windows: dict[str, list[np.ndarray]] = {name: [] for name in HAPT_CLASSES.values()}
    for r, subject in enumerate(subjects):
        if int(subject) in HAPT_TEST_SUBJECTS:
            continue
        x, y = signals[offsets[r]:offsets[r + 1]].astype(np.float64), labels[offsets[r]:offsets[r + 1]]
        edges = np.flatnonzero(np.diff(np.r_[-9, y, -9])) if len(y) else []
        for start, stop in zip(edges[:-1], edges[1:]):
            if int(y[start]) not in HAPT_CLASSES or (stop - start) < window_s * 50:
                continue
            part = resample_poly(x[start:stop], up, down, axis=0, padtype="reflect")
            part[:, :3] *= 9.80665
            for k in range(len(part) // width):
                windows[HAPT_CLASSES[int(y[start])]].append(part[k * width:(k + 1) * width])
    return windows


def hapt_stats(path: Path, rate_hz: float) -> dict[str, dict]:
    """class -> statistics of HAPT train-subject waist windows, gravity removed as for the simulated waist."""
    out = {}
    for name, windows in hapt_windows(path, rate_hz).items():
        if windows:
            out[name] = _stats_of(list(_gravity_free(np.stack(windows), rate_hz)), rate_hz)
    return out


def mocap_stats(paths: tuple[Path, ...], config: RealismConfig) -> dict[str, dict[str, dict]]:
    """file stem -> sensor -> statistics of real motion capture through our simulator (missing paths skipped)."""
    from skeletons import load_motion

    files = []
    for path in paths:
        if path.is_dir():
            files += sorted(p for p in path.rglob("*") if p.suffix.lower() in (".bvh", ".npy"))
        elif path.is_file():
            files.append(path)
    out = {}
    for file in files:
        try:
            motion = load_motion(file)
        except InputError as error:
            print(f"skipped {file}: {error}")
            continue
        out[file.stem] = {
            sensor: _stats_of(simulate_joint([motion], joint, config.rates[sensor], config.seed),
                              config.rates[sensor])
            for sensor, joint in SENSORS.items()}
    return out


def comparisons(procedural: dict, basic: dict, hapt: dict) -> list[dict]:
    """Rows of simulated-vs-real pairs with the |acc| RMS ratio (simulated / real)."""
    rows = []
    for sensor, real, pairs in (("wrist", basic, BASICMOTIONS_PAIRS), ("waist", hapt, HAPT_PAIRS)):
        for real_name, activity in pairs.items():
            if real_name not in real or activity not in procedural:
                continue
            sim, ref = procedural[activity][sensor], real[real_name]
            rows.append({"sensor": sensor, "real": real_name, "activity": activity,
                         "dataset": "BasicMotions train" if sensor == "wrist" else "HAPT train subjects",
                         "sim": sim, "ref": ref, "acc_rms_ratio": sim["acc_rms"] / ref["acc_rms"],
                         "gyro_rms_ratio": sim["gyro_rms"] / max(ref["gyro_rms"], 1e-9)})
    return rows


def _cell(stats: dict) -> str:
    if not stats:
        return "| – " * 5
    return (f"| {stats['acc_rms']:.2f} | {stats['acc_p95']:.2f} | {stats['gyro_rms']:.2f} | "
            f"{stats['peak_hz']:.2f} | {stats['slope']:.1f} ")


def markdown(result: dict) -> str:
    """The comparison table, then the procedural library's own table, then the mocap table."""
    lines = ["## Simulated vs real (means over series; gravity-free; each in the real device's band)", "",
             "| sensor | real class (dataset) | activity | sim acc RMS | sim acc p95 | sim gyro RMS | sim peak Hz "
             "| sim slope | real acc RMS | real acc p95 | real gyro RMS | real peak Hz | real slope | acc ratio |",
             "|" + "---|" * 14]
    for row in result["comparisons"]:
        lines.append(f"| {row['sensor']} | {row['real']} ({row['dataset']}) | {row['activity']} "
                     + _cell(row["sim"]) + _cell(row["ref"]) + f"| **{row['acc_rms_ratio']:.2f}** |")
    lines += ["", "## Procedural library (wrist at 10 Hz, waist at 20 Hz)", "",
              "| activity | wrist acc RMS | wrist acc p95 | wrist gyro RMS | wrist peak Hz | wrist slope "
              "| waist acc RMS | waist acc p95 | waist gyro RMS | waist peak Hz | waist slope |", "|" + "---|" * 11]
    for activity, sensors in result["procedural"].items():
        lines.append(f"| {activity} " + _cell(sensors["wrist"]) + _cell(sensors["waist"]) + "|")
    if result.get("wrist_bands"):
        heads = [f"{kind} {lo:g}-{hi:g} Hz" for kind in ("acc", "gyro") for lo, hi in WRIST_BANDS_HZ]
        lines += ["", "## Wrist by band (RMS, median over series; gravity-free, 10 Hz; BasicMotions train watch)", "",
                  "| class | source | " + " | ".join(heads) + " |", "|" + "---|" * (2 + len(heads))]
        for name, sources in result["wrist_bands"].items():
            for source, values in sources.items():
                lines.append(f"| {name} | {source} | "
                             + " | ".join(f"{v:.2f}" for v in values["acc"] + values["gyro"]) + " |")
    if result.get("vertical_bands"):
        lines += ["", "## Waist vertical acceleration by band (RMS m/s^2; HAPT phone, training subjects)", "",
                  "| gait | source | " + " | ".join(f"{lo:g}-{hi:g} Hz" for lo, hi in VERTICAL_BANDS_HZ) + " |",
                  "|" + "---|" * (2 + len(VERTICAL_BANDS_HZ))]
        for name, sources in result["vertical_bands"].items():
            for source, values in sources.items():
                lines.append(f"| {name} | {source} | " + " | ".join(f"{v:.2f}" for v in values) + " |")
    if result["mocap"]:
        lines += ["", "## Real motion capture through the simulator", "",
                  "| clip | wrist acc RMS | wrist acc p95 | wrist gyro RMS | wrist peak Hz | wrist slope "
                  "| waist acc RMS | waist acc p95 | waist gyro RMS | waist peak Hz | waist slope |", "|" + "---|" * 11]
        for clip, sensors in result["mocap"].items():
            lines.append(f"| {clip} " + _cell(sensors["wrist"]) + _cell(sensors["waist"]) + "|")
    return "\n".join(lines) + "\n"


def plot(path: Path, result: dict) -> Path:
    """Bars of simulated vs real |acc| RMS and |gyro| RMS per compared class, and the peak frequencies."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = result["comparisons"]
    figure, axes = plt.subplots(1, 3, figsize=(15, 4.5))
    labels = [f"{r['sensor']}: {r['real']}" for r in rows]
    x = np.arange(len(rows))
    for axis, stat, title in zip(axes, ("acc_rms", "gyro_rms", "peak_hz"),
                                 ("|acc| RMS (m/s²), gravity-free", "|gyro| RMS (rad/s)", "|acc| peak (Hz)")):
        axis.bar(x - 0.2, [r["sim"][stat] for r in rows], 0.4, label="procedural (simulated)")
        axis.bar(x + 0.2, [r["ref"][stat] for r in rows], 0.4, label="real (train split)")
        axis.set_xticks(x, labels, rotation=45, ha="right", fontsize=8)
        axis.set_title(title)
    axes[2].axhline(5.0, color="k", ls="--", lw=0.8, label="BasicMotions Nyquist (5 Hz)")
    axes[0].set_yscale("log")
    axes[2].legend(fontsize=8)
    figure.tight_layout()
    with atomic_path(path) as temporary:
        figure.savefig(temporary, dpi=110, format="png")
    plt.close(figure)
    return path


def measure(config: RealismConfig) -> dict:
    """Every table of the module as one JSON-ready dict."""
    from skeletons.procedural import ACTIVITIES

    activities = list(config.activities) if config.activities else [a for a in ACTIVITIES if a != "transition"]
    unknown = sorted(set(activities) - set(ACTIVITIES))
    if unknown:
        raise InputError(None, f"unknown activities {', '.join(unknown)}")
    procedural = procedural_stats(config, activities)
    basic = basicmotions_stats()
    hapt = hapt_stats(config.hapt, config.rates["waist"]) if config.hapt and config.hapt.is_file() else {}
    mocap = mocap_stats(config.mocap, config)
    return {"config": {"clips": config.clips, "seed": config.seed, "rates_hz": config.rates,
                       "hapt": str(config.hapt) if hapt else None, "mocap": sorted(mocap)},
            "comparisons": comparisons(procedural, basic, hapt), "basicmotions_train": basic,
            "hapt_train": hapt, "mocap": mocap, "procedural": procedural, "vertical_bands": vertical_bands(config),
            "wrist_bands": wrist_bands(config)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m experiments.realism", description=__doc__.split("\n")[0])
    parser.add_argument("--clips", type=int, default=6, help="procedural clips per activity (default 6)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--activities", nargs="*", default=None, help="procedural activities (default: all)")
    parser.add_argument("--mocap", nargs="*", type=Path, default=[DEFAULT_MOCAP],
                        help="BVH / HumanML3D files or folders (default ../shared/fixtures/bvh; skipped if absent)")
    parser.add_argument("--hapt", type=Path, default=DEFAULT_HAPT, help="HAPT hapt.npz (skipped if absent)")
    parser.add_argument("--output", type=Path, default=Path("reports/realism"))
    args = parser.parse_args(argv)
    with exit_on_bad_input():
        if args.clips < 1:
            raise InputError(None, f"--clips must be at least 1, got {args.clips}")
        config = RealismConfig(args.clips, args.seed, tuple(args.activities) if args.activities else None,
                               tuple(args.mocap), args.hapt, args.output)
        result = measure(config)
    args.output.mkdir(parents=True, exist_ok=True)
    text = markdown(result)
    write_text_atomic(args.output / "realism.md", text)
    write_text_atomic(args.output / "realism.json", json.dumps(result, indent=1))
    plot(args.output / "realism.png", result)
    print(text)


if __name__ == "__main__":
    main()
