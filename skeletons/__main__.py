"""``python -m skeletons inspect|render PATH``: look at a motion file.

inspect prints one JSON object: frames, fps, duration_s, joints, height_m, texts (and format, name,
has_rotations). render draws the moving skeleton to a GIF. Bad input: exit code 2, one line on stderr.
"""
from __future__ import annotations

import argparse
import inspect as pyinspect
import json
import sys

from .body import NUM_JOINTS, standing_height
from .errors import exit_on_bad_input
from .loading import FORMATS, _reader, detect_format, load_motion


def _add_reader_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", help="motion file: HumanML3D new_joints/ID.npy, .bvh or AMASS .npz")
    parser.add_argument("--format", choices=FORMATS, help="override the format guessed from the extension")
    parser.add_argument("--body-models", help="AMASS: folder with the SMPL/SMPL+H/SMPL-X model files")
    parser.add_argument("--mapping", help="BVH: JSON/YAML file mapping canonical joints to the file's joints")
    parser.add_argument("--preset", help="BVH: joint-name preset (cmu, cgspeed, mixamo, lafan1)")
    parser.add_argument("--unit-scale", type=float, help="BVH: metres per file unit (default: detected)")
    parser.add_argument("--up-axis", choices=("y", "z"), help="the file's up axis (default: detected/format's)")


def reader_options(args: argparse.Namespace) -> dict:
    """The reader options given on the command line that the file's reader accepts."""
    fmt = (args.format or detect_format(args.path)).lower()
    accepted = pyinspect.signature(_reader(fmt)).parameters
    given = {k: getattr(args, k) for k in ("body_models", "mapping", "preset", "unit_scale", "up_axis")}
    return {k: v for k, v in given.items() if v is not None and k in accepted}


def cmd_inspect(args: argparse.Namespace) -> None:
    motion = load_motion(args.path, format=args.format, **reader_options(args))
    summary = {
        "name": motion.name,
        "format": (args.format or detect_format(args.path)).lower(),
        "frames": motion.num_frames,
        "fps": motion.fps,
        "duration_s": round(motion.duration_s, 4),
        "joints": NUM_JOINTS,
        "height_m": round(standing_height(motion.positions), 4),
        "has_rotations": motion.rotations is not None,
        "texts": motion.texts,
    }
    print(json.dumps(summary))


def cmd_render(args: argparse.Namespace) -> None:
    from .render import render_gif

    motion = load_motion(args.path, format=args.format, **reader_options(args))
    output = render_gif(motion, args.output, fps=args.fps, max_frames=args.max_frames)
    print(f"wrote {output} ({motion.num_frames} frames at {motion.fps:g} fps)")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m skeletons", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    inspect_parser = commands.add_parser("inspect", help="print one JSON summary of a motion file")
    _add_reader_options(inspect_parser)
    inspect_parser.set_defaults(run=cmd_inspect)
    render_parser = commands.add_parser("render", help="draw the moving skeleton to a GIF")
    _add_reader_options(render_parser)
    render_parser.add_argument("--output", "-o", required=True, help="the GIF to write")
    render_parser.add_argument("--fps", type=float, default=10.0, help="GIF frame rate (default 10)")
    render_parser.add_argument("--max-frames", type=int, default=200, help="cap on GIF frames (default 200)")
    render_parser.set_defaults(run=cmd_render)
    args = parser.parse_args(argv)
    with exit_on_bad_input():
        args.run(args)


if __name__ == "__main__":
    sys.exit(main())
