"""``python -m simulate``: build a simulated-IMU corpus (a Hugging Face dataset) from motion files.

    python -m simulate --source humanml3d --input HumanML3D/ --output corpus/humanml3d
    python -m simulate --source bvh --input cmu_bvh/ --output corpus/cmu --num-workers 2
    python -m simulate --source amass --input AMASS/ --body-models smpl_models/ \
        --babel babel/train.json,babel/val.json --output corpus/amass
    python -m simulate --source bvh --input cmu_bvh/ --texts descriptions.json --output corpus/cmu
    python -m simulate --source humanml3d-amass --amass AMASS/ --humanml3d HumanML3D/ --body-models smplh/ \
        --output corpus/humanml3d
    python -m simulate --source procedural --count 2000 --seed 0 --output corpus/procedural

Clips that fail are skipped and listed in OUTPUT/failures.jsonl; the run exits 0 when at least one clip
succeeded and ends with a one-line summary. Bad arguments, no usable clip, or no clip with a
description: exit 2 with one line. An existing OUTPUT that is not a corpus built by this tool is refused
unless --overwrite; one build per OUTPUT at a time.

Captions: a sidecar NAME.txt beside a motion file (HumanML3D's caption#tokens#start#end lines), --texts FILE
(JSON {"stem": ["description", ...]} or CSV stem,description), --babel FILE,FILE for AMASS; a caption with a
time span gives a described sub-clip.
"""
from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

from skeletons import InputError
from skeletons.arguments import comma_list, flatten
from skeletons.errors import exit_on_bad_input
from skeletons.outputs import check_output

from .corpus import DEFAULT_SENSOR, SENSOR_MODELS, TOOL, CorpusConfig, build_corpus
from .sources import SOURCES, amass_items, bvh_items, humanml3d_amass_items, humanml3d_items, procedural_items


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m simulate", description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    parser.add_argument("--source", required=True, choices=SOURCES)
    parser.add_argument("--input", type=Path, help="file or folder of motion files (not for procedural)")
    procedural = parser.add_argument_group("procedural source")
    procedural.add_argument("--count", type=int, default=2000, help="clips to generate (default 2000)")
    procedural.add_argument("--activities", help="comma-separated activity ids (default: all)")
    procedural.add_argument("--duration", type=float, default=10.0, help="seconds per clip (default 10)")
    procedural.add_argument("--fps", type=float, default=20.0, help="frame rate of the generated motion")
    parser.add_argument("--output", type=Path, required=True, help="dataset folder to write")
    parser.add_argument("--rate", type=float, default=20.0, help="IMU sampling rate in Hz (default 20)")
    parser.add_argument("--sensor", choices=SENSOR_MODELS, default=DEFAULT_SENSOR,
                        help="sensor error model (simulate.sensor.SensorModel): a calibrated consumer IMU "
                             "(default), the same on a strap that gives, the uncalibrated data-sheet part, "
                             "or ideal")
    parser.add_argument("--float16", action="store_true", help="store the IMU as float16 (half the size)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the sensor noise (and procedural motions)")
    parser.add_argument("--num-workers", type=int, default=0, help="worker processes (default: in process)")
    parser.add_argument("--shard-size", type=int, default=256, help="items per resumable shard")
    parser.add_argument("--limit", type=int, help="use only the first N items")
    parser.add_argument("--resume", action="store_true", help="keep the finished shards of an interrupted run")
    parser.add_argument("--overwrite", action="store_true",
                        help="replace an existing OUTPUT even if it is not a corpus built by this tool")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    reader = parser.add_argument_group("reader options")
    reader.add_argument("--body-models", help="AMASS: folder with the SMPL/SMPL+H/SMPL-X model files")
    reader.add_argument("--mapping", help="BVH: JSON/YAML file mapping canonical joints to the file's joints")
    reader.add_argument("--preset", help="BVH: joint-name preset (cmu, cgspeed, mixamo, lafan1)")
    reader.add_argument("--unit-scale", type=float, help="BVH: metres per file unit (default: detected)")
    captions = parser.add_argument_group("captions")
    captions.add_argument("--texts", type=Path, help="JSON {stem: [descriptions]} or CSV stem,description "
                                                     "(adds to sidecar NAME.txt files beside the motions)")
    captions.add_argument("--babel", type=comma_list(Path), nargs="+",
                          help="AMASS: BABEL JSON files, a comma list (train.json,val.json,...)")
    rebuild = parser.add_argument_group("humanml3d-amass source (HumanML3D rebuilt from AMASS)")
    rebuild.add_argument("--amass", type=Path, help="the AMASS folder (ACCAD/, CMU/, KIT/, ... SMPL+H G archives)")
    rebuild.add_argument("--humanml3d", type=Path, help="a clone of HumanML3D's repository (index.csv, texts.zip)")
    return parser.parse_args(argv)


#: Upper bounds that keep a typo from asking for years of work or terabytes (say so rather than try).
MAX_RATE_HZ = 10_000.0
MAX_COUNT = 10_000_000


def check_arguments(args: argparse.Namespace) -> None:
    """Refuse impossible numbers and options in one line each, before any work or any file."""
    def positive(name: str, value: float, upper: float | None = None) -> None:
        if not (math.isfinite(value) and value > 0) or (upper is not None and value > upper):
            bound = f" and at most {upper:g}" if upper is not None else ""
            raise InputError(None, f"{name} must be a positive number{bound}, got {value}")

    positive("--rate", args.rate, MAX_RATE_HZ)
    positive("--fps", args.fps, MAX_RATE_HZ)
    positive("--duration", args.duration, 24 * 3600)
    if args.shard_size < 1:
        raise InputError(None, f"--shard-size must be at least 1, got {args.shard_size}")
    if args.num_workers < 0:
        raise InputError(None, f"--num-workers must be 0 or more, got {args.num_workers}")
    if args.limit is not None and args.limit < 1:
        raise InputError(None, f"--limit must be at least 1, got {args.limit}")
    if args.source == "procedural" and not 1 <= args.count <= MAX_COUNT:
        raise InputError(None, f"--count must be between 1 and {MAX_COUNT}, got {args.count}")
    if args.unit_scale is not None:
        positive("--unit-scale", args.unit_scale)
    if args.preset is not None:
        from skeletons.retarget import PRESETS

        if args.preset not in PRESETS:
            raise InputError(None, f"unknown --preset {args.preset!r}; expected one of {', '.join(PRESETS)}")
    if args.mapping is not None:
        from skeletons.retarget import read_mapping_file

        read_mapping_file(args.mapping)  # raises InputError naming the file and what is wrong


def _caption_sources(args: argparse.Namespace) -> tuple[dict, dict]:
    """The --texts / --babel readers for the item listing, and their paths for the corpus's options."""
    from skeletons.captions import read_texts_file
    from skeletons.readers.babel import BabelLabels

    babel = flatten(args.babel)
    if babel and args.source != "amass":
        raise InputError(babel[0], "BABEL labels AMASS clips: use --babel with --source amass")
    readers, options = {}, {}
    if args.texts is not None:
        readers["texts"], options["texts"] = read_texts_file(args.texts), str(args.texts)
    if babel:
        readers["babel"], options["babel"] = BabelLabels(babel), [str(p) for p in babel]
    return readers, options


def list_items(args: argparse.Namespace):
    if args.source == "humanml3d-amass":
        missing = [flag for flag, value in (("--amass", args.amass), ("--humanml3d", args.humanml3d),
                                            ("--body-models", args.body_models)) if value is None]
        if missing:
            raise InputError(None, f"--source humanml3d-amass needs {', '.join(missing)} "
                                   "(see the README's data recipes)")
        options = {"amass": str(args.amass), "humanml3d": str(args.humanml3d), "body_models": args.body_models}
        return humanml3d_amass_items(args.amass, args.humanml3d, args.body_models), options
    if args.source != "procedural" and args.input is None:
        raise InputError(None, f"--input is required for --source {args.source}")
    if args.source in ("humanml3d", "bvh", "amass"):
        captions, caption_options = _caption_sources(args)
    if args.source == "humanml3d":
        return humanml3d_items(args.input, **captions), caption_options
    if args.source == "bvh":
        options = {k: v for k, v in dict(mapping=args.mapping, preset=args.preset,
                                         unit_scale=args.unit_scale).items() if v is not None}
        return bvh_items(args.input, **captions, **options), {**options, **caption_options}
    if args.source == "amass":
        if args.body_models is None:
            raise InputError(args.input, "AMASS needs --body-models DIR (SMPL-family model files, never downloaded: "
                                         "see the README's data recipes)")
        options = {"body_models": args.body_models}
        return amass_items(args.input, **captions, **options), {**options, **caption_options}
    activities = [a.strip() for a in args.activities.split(",") if a.strip()] if args.activities else None
    options = {"count": args.count, "activities": activities, "duration_s": args.duration, "fps": args.fps}
    return procedural_items(args.count, args.seed, activities, args.duration, args.fps), options


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    with exit_on_bad_input():
        check_arguments(args)
        check_output(args.output, TOOL, args.overwrite, recognise=("corpus.json",))  # before listing inputs
        items, options = list_items(args)
        if args.limit is not None:
            items = items[: args.limit]
        config = CorpusConfig(source=args.source, rate_hz=args.rate, sensor=args.sensor, seed=args.seed,
                              float16=args.float16, shard_size=args.shard_size, options=options)
        report = build_corpus(items, args.output, config, num_workers=args.num_workers, resume=args.resume,
                              progress=not args.quiet, overwrite=args.overwrite)
        print(report.summary())
        if report.ok == 0:
            first = report.first_failure or {}
            raise InputError(first.get("file") or args.input or args.amass,
                             f"no clip could be simulated ({report.failed} failed; first: {first.get('reason')})")


if __name__ == "__main__":
    sys.exit(main())
