"""Export benchmarks or custom data as LLaVA-style fine-tuning conversations, the split kept, so a vision-language
model can be fine-tuned to classify them as VLM-TSC fine-tunes LLaVA (Prithyani et al., 2024).

    python -m zero_shot.llava_export --benchmarks basicmotions --output data/llava/basicmotions --representation plot
    python -m zero_shot.llava_export --custom-x X.npy --custom-y y.npy --custom-test-x Xt.npy --custom-test-y yt.npy \\
        --labels labels.json --joints right_wrist --input-rate 50 --output data/llava/custom --representation text

Every series is prepared as for zero-shot evaluation (:mod:`benchmarks.prepare`) and shown as the baseline
shows it (:mod:`zero_shot.representations`): a PNG (``plot``) or numbers with statistics (``text``). The
output folder holds

* ``train.json``, ``test.json``: LLaVA's conversation lists, one item per series:
  ``{"id", "image" (plot only, relative to the folder), "conversations": [{"from": "human", "value":
  "<image>\\n..." (the data description and the question of :mod:`zero_shot.llm_prompt`)}, {"from": "gpt",
  "value": class name}], "dataset", "split", "index"}``;
* ``images/<split>/<dataset>-<index>.png`` for ``plot``;
* ``export.json``: the settings and the number of items per split, dataset and class.

Benchmarks contribute both of their splits (``--splits``); custom data its ``--custom-x`` series as train and
``--custom-test-x`` as test. The folder is written atomically; an existing folder that is not such an export is
refused (exit 2), never replaced. Bad input: one line on stderr, exit code 2.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, replace
from functools import partial
from pathlib import Path

from tqdm.auto import tqdm

from benchmarks.custom import add_custom_data_arguments, custom_split
from benchmarks.loader import SPLITS, BenchmarkSplit, is_present, load_split
from benchmarks.registry import DATASETS, get_dataset
from skeletons.arguments import comma_list, flatten
from skeletons.atomic import atomic_path
from skeletons.errors import InputError, exit_on_bad_input

from . import llm_prompt
from .representations import REPRESENTATIONS, TextSettings, describe, fit_text, render_plot, sensor_windows

FORMAT = "llava-conversations"
MARKER = "export.json"


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def conversation(data_text: str, class_names: list[str], answer: str, representation: str) -> list[dict]:
    """The human turn (LLaVA's ``<image>`` token first for a plot) and the answer."""
    human = f"{data_text}\n\n{llm_prompt.question(class_names, representation)}"
    if representation == "plot":
        human = f"<image>\n{human}"
    return [{"from": "human", "value": human}, {"from": "gpt", "value": answer}]


def export_split(split: BenchmarkSplit, folder: Path, representation: str, text: TextSettings,
                 progress: bool = False) -> list[dict]:
    """The conversation items of one split; plots written under ``folder/images/<split>/``."""
    names = [synonyms[0] for synonyms in split.descriptions]
    targets = split.targets
    items = []
    windows = sensor_windows(split)
    for index, window in enumerate(tqdm(windows, total=len(split.x), desc=f"{split.dataset.name} {split.split}",
                                        unit="series", disable=not progress)):
        identifier = f"{_slug(split.dataset.name)}-{split.split}-{index:06d}"
        item = {"id": identifier}
        if representation == "plot":
            image = Path("images") / split.split / f"{_slug(split.dataset.name)}-{index:06d}.png"
            (folder / image).parent.mkdir(parents=True, exist_ok=True)
            (folder / image).write_bytes(render_plot(window))
            item["image"] = image.as_posix()
            data_text = describe(window)
        else:
            data_text, _ = fit_text(window, text)
        item["conversations"] = conversation(data_text, names, names[int(targets[index])], representation)
        item.update({"dataset": split.dataset.name, "split": split.split, "index": index})
        items.append(item)
    return items


def _is_our_export(path: Path) -> bool:
    try:
        return json.loads((path / MARKER).read_text(encoding="utf-8")).get("format") == FORMAT
    except (OSError, ValueError, AttributeError):
        return False


def check_output(path: Path) -> None:
    """Refuse an output that exists and is not an earlier export (a file, or a folder with other content)."""
    if path.exists() and not (path.is_dir() and (not any(path.iterdir()) or _is_our_export(path))):
        raise InputError(path, "exists and is not an export of this tool: choose a new folder (nothing was written)")


def export(loaders: list[tuple[str, str, Callable[[], BenchmarkSplit]]], output: str | os.PathLike,
           representation: str, text: TextSettings | None = None, progress: bool = False) -> dict:
    """Write the export of every ``(dataset, split, loader)`` to ``output`` (atomically); its ``export.json``.

    In a batch, a dataset whose split cannot be loaded is listed under ``failed`` and left out; with only one
    loader, or when all fail, its InputError is raised.
    """
    output, text = Path(output), text or TextSettings()
    check_output(output)
    counts: dict[str, dict[str, dict[str, int]]] = {}
    failed: dict[str, str] = {}
    with atomic_path(output, directory=True) as folder:
        items_by_split: dict[str, list[dict]] = {}
        for name, split_name, load in loaders:
            try:
                split = load()
            except InputError as error:
                if len(loaders) == 1:
                    raise
                failed[f"{name} {split_name}"] = str(error)
                continue
            items = export_split(split, folder, representation, text, progress)
            items_by_split.setdefault(split_name, []).extend(items)
            answers = Counter(item["conversations"][1]["value"] for item in items)
            counts.setdefault(split_name, {})[split.dataset.name] = dict(sorted(answers.items()))
        if not items_by_split:
            raise InputError(None, f"nothing could be exported: {'; '.join(failed.values())}")
        for split_name, items in items_by_split.items():
            (folder / f"{split_name}.json").write_text(json.dumps(items, ensure_ascii=False, indent=1),
                                                       encoding="utf-8")
        summary = {"format": FORMAT, "representation": representation,
                   "text": asdict(text) if representation == "text" else None,
                   "files": {split_name: f"{split_name}.json" for split_name in items_by_split},
                   "counts": counts, "items": {s: len(items) for s, items in items_by_split.items()},
                   "failed": failed}
        (folder / MARKER).write_text(json.dumps(summary, indent=2), encoding="utf-8")
    return summary


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m zero_shot.llava_export", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--benchmarks", type=comma_list(), nargs="+",
                        help="comma-separated dataset names or folders, or 'all'")
    parser.add_argument("--data-root", default="data/benchmarks", help="folder of the released datasets")
    parser.add_argument("--splits", type=comma_list(), default=["train", "test"],
                        help="benchmark splits to export, comma-separated (default train,test)")
    parser.add_argument("--output", required=True, help="folder to write (new, or an earlier export)")
    parser.add_argument("--representation", choices=REPRESENTATIONS, default="plot",
                        help="plot: a PNG per series (default); text: values with statistics")
    parser.add_argument("--downsample", type=int, default=1, help="text: block means of this many samples at least")
    parser.add_argument("--decimals", type=int, default=2, help="text: decimals kept (default 2)")
    parser.add_argument("--context-tokens", type=int, default=2048, help="text: token budget (default 2048)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    add_custom_data_arguments(parser, with_test=True)
    return parser


def loaders_from(args: argparse.Namespace) -> list[tuple[str, str, Callable[[], BenchmarkSplit]]]:
    """``(dataset, split, loader)`` of everything the flags ask for."""
    splits = list(dict.fromkeys(args.splits))
    unknown = sorted(set(splits) - set(SPLITS))
    if unknown or not splits:
        raise InputError(None, f"--splits takes {', '.join(SPLITS)}; got {','.join(args.splits)!r}")
    loaders = []
    if args.benchmarks:
        names = flatten(args.benchmarks)
        if [n.lower() for n in names] == ["all"]:
            datasets = [d for d in DATASETS if is_present(d, args.data_root)]
        else:
            datasets = list(dict.fromkeys(get_dataset(n) for n in names))
        loaders += [(d.name, s, partial(load_split, d, args.data_root, s)) for d in datasets for s in splits]
    if args.custom_x:
        loaders.append(("custom", "train", partial(_custom, args, args.custom_x, args.custom_y, "train")))
        if args.custom_test_x:
            loaders.append(("custom", "test", partial(_custom, args, args.custom_test_x, args.custom_test_y, "test")))
    return loaders


def _custom(args: argparse.Namespace, x: str, y: str, split_name: str) -> BenchmarkSplit:
    return replace(custom_split(args, x, y), split=split_name)


def main(argv: list[str] | None = None) -> None:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.benchmarks and not args.custom_x:
        parser.error("give --benchmarks and/or --custom-x")
    if args.custom_x and not all((args.custom_y, args.labels, args.joints, args.input_rate)):
        parser.error("--custom-x needs --custom-y, --labels, --joints and --input-rate")
    if bool(args.custom_test_x) != bool(args.custom_test_y):
        parser.error("--custom-test-x and --custom-test-y go together")
    with exit_on_bad_input():
        text = TextSettings(args.downsample, args.decimals, args.context_tokens)
        summary = export(loaders_from(args), args.output, args.representation, text,
                         progress=not args.quiet and sys.stderr.isatty())
    per_split = ", ".join(f"{split} {count}" for split, count in summary["items"].items())
    print(f"llava export: {per_split} conversations ({args.representation}) in {args.output}"
          + (f"; failed: {', '.join(summary['failed'])}" if summary["failed"] else ""))


if __name__ == "__main__":
    main()
