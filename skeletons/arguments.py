"""The command-line vocabulary every stage's ``python -m`` entry point shares (DEVELOPERS.md, "flags").

* ``--model DIR``: a model folder (what :func:`pretrain.load_model` reads); ``--checkpoint`` is its old
  spelling, kept as a hidden alias.
* lists are comma lists (``--benchmarks a,b``, ``--k 1,5``); for flags that used to take space-separated
  values, :func:`comma_list` also accepts those (``--k 1 5``) with ``nargs="+"``.
* ``--seeds N`` is a count (seeds 0..N-1), ``--seeds 0,3,7`` the seeds themselves.
* ``--input-rate`` is the rate of given data, ``--rate`` only a rate we produce.

Old spellings are added with :func:`add_hidden_alias`: they parse as the new flag and do not show in
``--help``.
"""
from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from typing import Any

from .errors import InputError


def comma_list(item: Callable[[str], Any] = str) -> Callable[[str], list]:
    """An argparse ``type``: ``"a,b"`` -> ``[item("a"), item("b")]`` (empty parts dropped)."""
    def parse(text: str) -> list:
        try:
            return [item(part.strip()) for part in text.split(",") if part.strip()]
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a comma-separated list of {item.__name__}: {text!r}") from None

    parse.__name__ = f"comma-separated {item.__name__}"
    return parse


def flatten(values: Sequence[list] | list | None) -> list | None:
    """One list from the lists that ``nargs="+"`` gives for a :func:`comma_list` type (``--k 1,2 5``)."""
    if values is None or not values or not isinstance(values[0], list):
        return values
    return [value for part in values for value in part]


def seeds(text: str) -> int | list[int]:
    """An argparse ``type`` for ``--seeds``: a count (``3``: seeds 0, 1, 2) or a comma list (``0,3,7``).
    Whether the count is positive and the seeds distinct is :func:`seed_list`'s to say (one error path)."""
    try:
        return int(text) if "," not in text else [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"--seeds takes a count or a comma list of seeds, got {text!r}") from None


def seed_list(value: int | Sequence[int]) -> list[int]:
    """The seeds a :func:`seeds` value names (a count n: 0..n-1); refuses none and repeats (``InputError``)."""
    chosen = list(range(value)) if isinstance(value, int) else list(value)
    if not chosen or len(set(chosen)) != len(chosen):
        raise InputError(None, f"--seeds needs a positive count or distinct seeds, got {value}")
    return chosen


def add_hidden_alias(parser: argparse.ArgumentParser | argparse._ArgumentGroup, old: str, dest: str,
                     **options: Any) -> None:
    """``old`` parses into ``dest`` like the flag that replaced it, and is left out of ``--help``."""
    parser.add_argument(old, dest=dest, help=argparse.SUPPRESS, default=argparse.SUPPRESS, **options)


def add_model_argument(parser: argparse.ArgumentParser, *, required: bool = True, default: str | None = None,
                       help: str = "model folder (model.safetensors + config.json)") -> None:
    """``--model DIR`` (and the hidden ``--checkpoint``); with ``required`` check it by :func:`require`."""
    parser.add_argument("--model", default=default, help=help + (" (required)" if required else ""))
    add_hidden_alias(parser, "--checkpoint", "model")


def require(parser: argparse.ArgumentParser, args: argparse.Namespace, **flags: str) -> None:
    """Exit through ``parser.error`` (code 2) when a required flag (``dest="--flag"``) was not given."""
    missing = [flag for dest, flag in flags.items() if getattr(args, dest, None) is None]
    if missing:
        parser.error(f"the following arguments are required: {', '.join(missing)}")
