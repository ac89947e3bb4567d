"""``python -m export (--model DIR --classes "a,b,c" | --classifier DIR) --joints right_wrist --output F.onnx
[--quantize int8|int8-static]`` writes one self-contained ONNX classifier: a pretrained model with zero-shot
class texts, or a classifier fine-tuned by ``python -m finetune ... --save DIR`` (its saved joints are the
default); ``python -m export stream F.onnx RECORDING.npy|.csv --hop-s 1`` runs one on
a recording as if it arrived live, printing one line per scored window.

A class may list synonyms joined by ``|`` (``"walking|walking around,running|jogging"``); they are prompt-
ensembled as in zero-shot evaluation. Bad input (a missing model folder, an unknown joint, an existing output
this tool did not write, an unreadable recording) exits with code 2 and one line.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from skeletons.arguments import add_model_argument, comma_list, require
from skeletons.errors import InputError, exit_on_bad_input

QUANTIZE = ("none", "int8", "int8-static")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m export", description=__doc__.splitlines()[0])
    add_model_argument(parser, required=False,
                       help="pretrained model folder, scored zero-shot against --classes (or give --classifier)")
    parser.add_argument("--classifier", help="a classifier folder written by python -m finetune ... --save DIR")
    parser.add_argument("--classes", type=comma_list(), help="class names, comma-separated; synonyms joined by |")
    parser.add_argument("--joints", type=comma_list(), help="the device's joints, canonical names (right_wrist,...)")
    parser.add_argument("--format", choices=["onnx"], default="onnx")
    parser.add_argument("--quantize", choices=QUANTIZE, default="none",
                        help="int8: dynamic; int8-static: activations calibrated on --calibration windows")
    parser.add_argument("--calibration", help="int8-static: .npy (N, window, joints, channels) device windows")
    parser.add_argument("--gravity", choices=["included", "removed"], default="included",
                        help="whether the device's accelerometer includes gravity (recorded in the metadata)")
    parser.add_argument("--exporter", choices=["torchscript", "dynamo"], default="torchscript")
    parser.add_argument("--output", help="the .onnx file to write (required)")
    return parser


def build_stream_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m export stream", description="stream a recording through a file")
    parser.add_argument("model", help="an .onnx file written by python -m export")
    parser.add_argument("recording", help=".npy (T, joints*channels) or .csv in the device's units and rate")
    parser.add_argument("--hop-s", type=float, default=1.0)
    parser.add_argument("--ema", type=float, default=0.5, help="weight of the past in the smoothed probabilities")
    parser.add_argument("--chunk", type=int, default=1, help="samples per arrival")
    return parser


def run_export(args: argparse.Namespace) -> Path:
    import numpy as np

    from pretrain.model import load_model

    from .graph import build_classifier, classifier_from_folder, device_for, joint_indices
    from .onnx_export import export_onnx, quantize_int8, refuse_foreign_output

    if args.joints is not None:
        joint_indices(args.joints)
    refuse_foreign_output(args.output)
    calibration = None
    if args.quantize == "int8-static":
        try:
            calibration = np.load(args.calibration, allow_pickle=False).astype(np.float32)
        except (OSError, ValueError) as error:
            raise InputError(args.calibration, f"not a readable .npy of windows ({error})") from None
    if args.classifier is not None:
        saved = classifier_from_folder(args.classifier, args.joints)
        classifier, device, labels, source = saved.classifier, saved.device, saved.labels, str(args.classifier)
    else:
        model = load_model(args.model)
        descriptions = [[s.strip() for s in name.split("|") if s.strip()] for name in args.classes]
        if any(not synonyms for synonyms in descriptions):
            raise InputError(None, f"--classes has an empty class name: {','.join(args.classes)!r}")
        classifier = build_classifier(model, descriptions, args.joints)
        device = device_for(model, args.joints, gravity=args.gravity)
        labels, source = [synonyms[0] for synonyms in descriptions], str(args.model)
    if calibration is not None and calibration.shape[1:] != (device.window, len(device.joints), device.channels):
        raise InputError(args.calibration, f"windows shaped {calibration.shape[1:]}, the model reads "
                                           f"{(device.window, len(device.joints), device.channels)}")
    output = Path(args.output)
    if args.quantize == "none":
        return export_onnx(classifier, device, labels, output, source=source, exporter=args.exporter)
    fp32 = output.with_name(f".{output.name}.fp32.onnx")
    try:
        export_onnx(classifier, device, labels, fp32, source=source, exporter=args.exporter)
        return quantize_int8(fp32, output, calibration)
    finally:
        fp32.unlink(missing_ok=True)


def run_stream(args: argparse.Namespace) -> None:
    from .onnx_export import read_metadata
    from .stream import read_recording, stream_file

    for path in (args.model, args.recording):
        if not Path(path).is_file():
            raise InputError(path, "missing")
    if read_metadata(args.model) is None:
        raise InputError(args.model, "not a classifier written by python -m export")
    try:
        recording = read_recording(args.recording)
    except (OSError, ValueError) as error:
        raise InputError(args.recording, f"not a readable recording ({error})") from None
    for event in stream_file(args.model, recording, hop_s=args.hop_s, ema=args.ema, chunk=args.chunk):
        print(f"{event.time_s:8.2f}s  {event.label:<20}  smoothed: {event.smoothed_label} "
              f"({event.smoothed_probability:.2f})")


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["stream"]:
        args = build_stream_parser().parse_args(argv[1:])
        with exit_on_bad_input():
            run_stream(args)
        return
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.classifier is not None:
        if args.model is not None or args.classes is not None:
            parser.error("give either --classifier DIR or --model DIR with --classes, not both")
        require(parser, args, output="--output")
    else:
        require(parser, args, model="--model", classes="--classes", joints="--joints", output="--output")
    if args.quantize == "int8-static" and not args.calibration:
        parser.error("--quantize int8-static needs --calibration")
    with exit_on_bad_input():
        path = run_export(args)
    print(f"wrote {path} ({path.stat().st_size / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
