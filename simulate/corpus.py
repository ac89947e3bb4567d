"""Build a simulated-IMU corpus: motions -> (T, 22, 6) IMU rows in a Hugging Face dataset.

The run is split into shards of items. Each finished shard is saved under ``<output>.partial/`` with its
failures, so ``--resume`` skips it; when every shard is done they are joined into a temporary folder that
is renamed to ``<output>``. Items that fail -- at reading, simulation or writing, one clip at a time -- are
skipped and listed in ``<output>/failures.jsonl``; the build goes on.

The output is ours to replace only when it carries our marker (:mod:`skeletons.outputs`); anything else is
refused unless ``overwrite``. One build per output at a time (a lock beside it).
"""
from __future__ import annotations

import hashlib
import json
import shutil
import time
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from skeletons import InputError, Motion
from skeletons.atomic import atomic_path
from skeletons.outputs import check_output, claim_output, mark_output

from .sources import Item, procedural_items

CORPUS_VERSION = 1
TOOL = "simulate"
PARTIAL_TOOL = "simulate (unfinished)"
NO_DESCRIPTION_HINT = ("no clip has a description to train on: give captions with a sidecar NAME.txt beside each "
                       "motion file, --texts FILE (JSON {stem: [descriptions]} or CSV stem,description), or --babel "
                       "BABEL.json for AMASS")


#: Sensor error models a corpus can be simulated with: :meth:`simulate.sensor.SensorModel.calibrated` (the
#: default: a consumer IMU as phones and watches deliver it), :meth:`~simulate.sensor.SensorModel.worn` (the
#: same on a strap or clip that gives), ``worn-varied`` (:meth:`~simulate.sensor.SensorModel.worn_varied`: each
#: clip's mount from rigid to that loose), :meth:`~simulate.sensor.SensorModel.consumer` (the uncalibrated
#: data-sheet part) and ideal sensors.
SENSOR_MODELS = ("calibrated", "worn", "worn-varied", "consumer", "ideal")
#: The sensor model a corpus is simulated with unless told otherwise (and the one ``experiments.realism``
#: compares with real devices).
DEFAULT_SENSOR = "calibrated"


@dataclass
class CorpusConfig:
    """Everything that decides the corpus content (a resumed run must match it)."""

    source: str
    rate_hz: float = 20.0
    sensor: str = DEFAULT_SENSOR  # one of SENSOR_MODELS
    seed: int = 0
    float16: bool = False
    shard_size: int = 256
    options: dict = field(default_factory=dict)

    @property
    def library_version(self) -> int | None:
        """The procedural library's version for a procedural corpus (its clips change with it), else None."""
        if self.source != "procedural":
            return None
        from skeletons.procedural import LIBRARY_VERSION

        return LIBRARY_VERSION

    def fingerprint(self, items: list[Item]) -> str:
        payload = json.dumps([CORPUS_VERSION, self.library_version, asdict(self), [(i.id, i.file) for i in items]],
                             sort_keys=True, default=str)
        return hashlib.sha256(payload.encode()).hexdigest()[:16]


@dataclass
class BuildReport:
    ok: int
    failed: int
    seconds: float
    output: Path
    first_failure: dict | None = None

    def summary(self) -> str:
        return f"simulate: ok={self.ok} failed={self.failed} seconds={self.seconds:.1f} output={self.output}"


def features(with_activity: bool, float16: bool):
    from datasets import Array3D, Features, Sequence, Value

    columns = {
        "id": Value("string"),
        "imu": Array3D(shape=(None, 22, 6), dtype="float16" if float16 else "float32"),
        "texts": Sequence(Value("string")),
        "source": Value("string"),
        "rate_hz": Value("float32"),
        "duration_s": Value("float32"),
    }
    if with_activity:
        columns["activity"] = Value("string")
    return Features(columns)


def _row_ids(item: Item, motions: list[Motion]) -> list[str]:
    stem = Path(item.file).stem
    ids = []
    for k, motion in enumerate(motions):
        name = motion.name or ""
        if name.startswith(stem):
            ids.append(item.id + name[len(stem):])
        elif name.startswith(item.id):  # motions named after the item (HumanML3D rebuilt from AMASS)
            ids.append(name)
        else:
            ids.append(item.id + (f"/{k}" if k else ""))
    return ids


def sensor_model(name: str):
    """The :class:`simulate.sensor.SensorModel` a corpus names (None: ideal sensors)."""
    from .sensor import SensorModel

    if name not in SENSOR_MODELS:
        raise ValueError(f"unknown sensor model {name!r}; expected {', '.join(SENSOR_MODELS)}")
    return None if name == "ideal" else getattr(SensorModel, name.replace("-", "_"))()


def clip_seed(seed: int, row_id: str) -> int:
    """The sensor-noise seed of one corpus row: from the run's seed and the row id only."""
    digest = hashlib.blake2b(f"{seed}/{row_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little")


def _failure(error: BaseException) -> str:
    return error.problem if isinstance(error, InputError) else f"{type(error).__name__}: {error}"


def simulate_motions(motions: list[Motion], config: CorpusConfig, row_ids: list[str],
                     errors: dict[int, str] | None = None) -> list[np.ndarray | None]:
    """IMU for each motion, batching clips of equal length, rate and kind through ``simulate_batch``.

    Each row's sensor errors are seeded by (``config.seed``, its id), so a row is the same whichever
    clips it was batched with. Without ``errors`` a failure raises; with it, a batch that fails is redone
    clip by clip and each failing clip gets ``None`` and its reason in ``errors[index]``.
    """
    from .physics import simulate_batch

    sensor = sensor_model(config.sensor)
    groups: dict[tuple, list[int]] = defaultdict(list)
    for index, motion in enumerate(motions):
        groups[(motion.num_frames, motion.fps, motion.rotations is not None)].append(index)
    results: list[np.ndarray | None] = [None] * len(motions)

    def run(indices: list[int], fps: float, has_rotations: bool) -> None:
        positions = np.stack([motions[i].positions for i in indices])
        rotations = np.stack([motions[i].rotations for i in indices]) if has_rotations else None
        with np.errstate(all="ignore"):  # a bad clip shows as non-finite output, reported per clip
            imu = simulate_batch(positions, fps, rotations=rotations, rate_hz=config.rate_hz, sensor=sensor,
                                 clip_seeds=[clip_seed(config.seed, row_ids[i]) for i in indices])
        for i, row in zip(indices, imu):
            results[i] = row

    for (_, fps, has_rotations), indices in groups.items():
        if errors is None:
            run(indices, fps, has_rotations)
            continue
        try:
            run(indices, fps, has_rotations)
        except Exception:  # find the clip(s) at fault; the others are simulated alone, same seeds
            for i in indices:
                try:
                    run([i], fps, has_rotations)
                except Exception as error:
                    errors[i] = _failure(error)
    return results


def build_shard(items: list[Item], config: CorpusConfig) -> tuple[dict, list[dict]]:
    """Load and simulate ``items``; return the column dict and the failures (id, file, reason)."""
    loaded: list[tuple[Item, str, Motion]] = []
    failures: list[dict] = []
    for item in items:
        try:
            motions = item.load()
            if not motions:
                raise InputError(item.file, "holds no motion")
        except Exception as error:  # a batch job lists bad items and goes on
            failures.append({"id": item.id, "file": item.file, "reason": _failure(error)})
            continue
        loaded.extend((item, row_id, motion) for row_id, motion in zip(_row_ids(item, motions), motions))

    errors: dict[int, str] = {}
    imus = simulate_motions([m for _, _, m in loaded], config, [r for _, r, _ in loaded], errors)
    dtype = np.float16 if config.float16 else np.float32
    columns: dict[str, list] = defaultdict(list)
    for index, ((item, row_id, motion), imu) in enumerate(zip(loaded, imus)):
        reason = errors.get(index)
        if reason is None and (imu is None or imu.ndim != 3 or imu.shape[0] < 1 or imu.shape[1:] != (22, 6)):
            reason = f"simulation gave shape {None if imu is None else imu.shape}, not (T, 22, 6)"
        if reason is None and not np.isfinite(imu).all():
            reason = "simulation produced NaN or inf"
        if reason is None and not (np.isfinite(imu.astype(dtype)).all()):
            reason = f"IMU values overflow {np.dtype(dtype).name}"
        if reason is not None:
            failures.append({"id": row_id, "file": item.file, "reason": reason})
            continue
        columns["id"].append(row_id)
        columns["imu"].append(imu.astype(dtype))
        columns["texts"].append(list(motion.texts))
        columns["source"].append(config.source)
        columns["rate_hz"].append(float(config.rate_hz))
        columns["duration_s"].append(imu.shape[0] / config.rate_hz)
        if item.activity is not None:
            columns["activity"].append(item.activity)
    return dict(columns), failures


def _shard_dataset(columns: dict, schema, failures: list[dict], items: list[Item]):
    """The shard's rows as a Dataset; when the whole shard cannot be encoded, each row is tried alone and
    the rows that fail join ``failures``."""
    from datasets import Dataset, concatenate_datasets

    try:
        return Dataset.from_dict(columns, features=schema)
    except Exception:
        pass
    def file_of(row_id: str) -> str:
        owners = [item for item in items if row_id == item.id or row_id.startswith(item.id + "/")
                  or row_id.startswith(item.id + "_")]
        return max(owners, key=lambda item: len(item.id)).file if owners else ""

    rows = []
    for k, row_id in enumerate(columns["id"]):
        try:
            rows.append(Dataset.from_dict({name: values[k:k + 1] for name, values in columns.items()},
                                          features=schema))
        except Exception as error:
            failures.append({"id": row_id, "file": file_of(row_id),
                             "reason": f"could not be written: {_failure(error)}"})
    return concatenate_datasets(rows) if rows else Dataset.from_dict({n: [] for n in columns}, features=schema)


def _shard_job(args: tuple) -> tuple[int, int, int]:
    """Worker entry: build one shard and save it under ``partial/shard-NNNNN`` atomically."""
    index, items, config, partial, with_activity = args
    import torch

    torch.set_num_threads(1)
    from datasets.utils.logging import disable_progress_bar

    disable_progress_bar()  # one bar for the whole run, ours
    columns, failures = build_shard(items, config)
    target = Path(partial) / f"shard-{index:05d}"
    with atomic_path(target, directory=True) as temporary:
        if columns:
            _shard_dataset(columns, features(with_activity, config.float16), failures, items).save_to_disk(
                str(temporary / "data"))
        (temporary / "failures.jsonl").write_text("".join(json.dumps(f) + "\n" for f in failures))
    return index, len(columns.get("id", [])), len(failures)


def _has_descriptions(part) -> bool:
    """Whether any row of a corpus part has at least one description (reads the texts column only)."""
    import pyarrow.compute as pc

    lengths = pc.list_value_length(part.data.column("texts"))
    return bool(pc.max(lengths).as_py() or 0)


def build_corpus(items: list[Item], output: str | Path, config: CorpusConfig, num_workers: int = 0,
                 resume: bool = False, progress: bool = True, overwrite: bool = False,
                 require_descriptions: bool = True) -> BuildReport:
    """Simulate ``items`` into a dataset at ``output``; see the module docstring for the on-disk protocol.

    ``output`` (and ``<output>.partial``) that is not a corpus of ours is refused with ``InputError`` unless
    ``overwrite``; a second build into the same output while one runs is refused. With
    ``require_descriptions`` a run whose clips all lack descriptions writes nothing and raises an
    :class:`InputError` with :data:`NO_DESCRIPTION_HINT` (pretraining needs them).
    """
    with claim_output(output, TOOL, overwrite, recognise=("corpus.json",)):
        return _build_corpus(items, Path(output), config, num_workers, resume, progress, overwrite,
                             require_descriptions)


def _build_corpus(items: list[Item], output: Path, config: CorpusConfig, num_workers: int, resume: bool,
                  progress: bool, overwrite: bool, require_descriptions: bool) -> BuildReport:
    from datasets import concatenate_datasets, load_from_disk
    from datasets.utils.logging import disable_progress_bar
    from tqdm import tqdm

    disable_progress_bar()  # one bar for the whole run, ours
    start = time.perf_counter()
    partial = output.with_name(output.name + ".partial")
    check_output(partial, PARTIAL_TOOL, overwrite, recognise=("manifest.json",))
    fingerprint = config.fingerprint(items)
    manifest = partial / "manifest.json"
    if partial.exists() and not (resume and manifest.exists()
                                 and json.loads(manifest.read_text()).get("fingerprint") == fingerprint):
        shutil.rmtree(partial) if partial.is_dir() else partial.unlink()
    partial.mkdir(parents=True, exist_ok=True)
    mark_output(partial, PARTIAL_TOOL)
    manifest.write_text(json.dumps({"fingerprint": fingerprint, "config": asdict(config)}, default=str))

    with_activity = any(item.activity is not None for item in items)
    shards = [items[i:i + config.shard_size] for i in range(0, len(items), config.shard_size)]
    todo = [i for i in range(len(shards)) if not (partial / f"shard-{i:05d}").exists()]
    jobs = [(i, shards[i], config, str(partial), with_activity) for i in todo]
    bar = tqdm(total=len(items), initial=len(items) - sum(len(shards[i]) for i in todo), unit="clip",
               desc="simulate", disable=not progress)
    if num_workers > 1 and len(jobs) > 1:
        import multiprocessing

        with multiprocessing.get_context("spawn").Pool(num_workers) as pool:
            for index, _, _ in pool.imap_unordered(_shard_job, jobs):
                bar.update(len(shards[index]))
            pool.close()  # let the workers exit on their own: a terminated worker leaks its semaphores
            pool.join()
    else:
        for job in jobs:
            index, _, _ = _shard_job(job)
            bar.update(len(shards[index]))
    bar.close()

    parts, failures = [], []
    for i in range(len(shards)):
        folder = partial / f"shard-{i:05d}"
        if (folder / "data").exists():
            parts.append(load_from_disk(str(folder / "data")))
        failures.extend(json.loads(line) for line in (folder / "failures.jsonl").read_text().splitlines())
    ok = sum(len(p) for p in parts)
    if ok and require_descriptions and not any(_has_descriptions(p) for p in parts):
        shutil.rmtree(partial)
        raise InputError(output, NO_DESCRIPTION_HINT)
    if ok:
        with atomic_path(output, directory=True) as temporary:
            dataset = parts[0] if len(parts) == 1 else concatenate_datasets(parts)
            dataset.save_to_disk(str(temporary))
            (temporary / "failures.jsonl").write_text("".join(json.dumps(f) + "\n" for f in failures))
            mark_output(temporary, TOOL)
            (temporary / "corpus.json").write_text(json.dumps(
                {"version": CORPUS_VERSION, "library_version": config.library_version, "fingerprint": fingerprint,
                 "config": asdict(config), "rows": ok, "failed": len(failures)},
                indent=2, default=str))
    shutil.rmtree(partial)  # done, or nothing worth resuming: no clip could be simulated
    return BuildReport(ok=ok, failed=len(failures), seconds=time.perf_counter() - start, output=output,
                       first_failure=failures[0] if failures else None)


def procedural_corpus(folder: str | Path, clips: int, seed: int = 0, sensor: str = DEFAULT_SENSOR,
                      num_workers: int = 2) -> Path:
    """The procedural corpus of ``clips`` 10 s clips at ``folder`` (as ``python -m simulate --source
    procedural`` builds it), built unless it is already there with the same clips: a corpus made by another
    version of the library (:data:`skeletons.procedural.LIBRARY_VERSION`) or another activity plan is
    rebuilt. An interrupted build resumes."""
    folder = Path(folder)
    options = {"count": clips, "activities": None, "duration_s": 10.0, "fps": 20.0}
    config = CorpusConfig(source="procedural", seed=seed, sensor=sensor, options=options)
    items = procedural_items(clips, seed)
    built = built_fingerprint(folder)
    if built == config.fingerprint(items):
        return folder
    if (folder / "dataset_info.json").exists():
        print(f"{folder}: made from other clips (another library version or activity plan); rebuilding it")
    build_corpus(items, folder, config, num_workers=num_workers, resume=True)
    return folder


def built_fingerprint(folder: Path) -> str | None:
    """The fingerprint (:meth:`CorpusConfig.fingerprint`) a finished corpus at ``folder`` records; None when
    there is none (or it was written before fingerprints were recorded)."""
    if not ((folder / "dataset_info.json").exists() and (folder / "corpus.json").exists()):
        return None
    return json.loads((folder / "corpus.json").read_text()).get("fingerprint")


def load_corpus(path: str | Path):
    """Open a corpus written by :func:`build_corpus` (memory-mapped Arrow; nothing is read eagerly)."""
    from datasets import load_from_disk

    path = Path(path)
    if not (path / "dataset_info.json").exists():
        raise InputError(path, "is not a corpus folder (no dataset_info.json); build one with python -m simulate")
    return load_from_disk(str(path))
