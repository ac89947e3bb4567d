"""``python -m pretrain --corpus DIR --output DIR [--config NAME|PATH] [--max-steps N] [--resume] [--overwrite]``.

Contrastive pretraining of the motion encoder against descriptions. The same module runs under
``accelerate launch -m pretrain ...`` and ``torchrun --nproc_per_node N -m pretrain ...``.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from skeletons.errors import exit_on_bad_input

from .config import available, load_config, override
from .cpu_memory import keep_freed_memory


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m pretrain", description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, required=True, help="corpus folder from python -m simulate")
    parser.add_argument("--output", type=Path, required=True, help="folder for the model, metrics, checkpoints")
    parser.add_argument("--config", default="cpu-small",
                        help=f"a bundled config ({', '.join(available())}) or a YAML path")
    parser.add_argument("--max-steps", type=int,
                        help="stop after this many steps in all; the schedule's length stays the config's "
                             "(train.max_steps / epochs), so a stopped run resumes exactly")
    parser.add_argument("--batch-size", type=int, help="per-process batch size (overrides train.batch_size)")
    parser.add_argument("--resume", action="store_true", help="continue from the newest checkpoint in OUTPUT")
    parser.add_argument("--overwrite", action="store_true",
                        help="start a fresh run in an OUTPUT that holds another run (its checkpoints are removed)")
    parser.add_argument("--allow-changes", action="store_true",
                        help="--resume even if the corpus or train/augment settings changed since the checkpoint")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="override a config value, e.g. --set train.lr=1e-4 (repeatable)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    keep_freed_memory()  # a CPU step reuses its freed tensors instead of faulting in new pages
    with exit_on_bad_input():
        assignments = list(args.set)
        if args.batch_size is not None:
            assignments.append(f"train.batch_size={args.batch_size}")
        config = override(load_config(args.config), *assignments)
        from .train import train

        result = train(config, args.corpus, args.output, resume=args.resume, progress=not args.quiet,
                       stop_at=args.max_steps, overwrite=args.overwrite, allow_changes=args.allow_changes)
    if int(os.environ.get("RANK", "0")) == 0:  # one line per run, not one per process
        print(f"pretrain: steps={result['steps']} loss={result['loss']:.4f} output={args.output}")


if __name__ == "__main__":
    sys.exit(main())
