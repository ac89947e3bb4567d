"""The one error type for bad input anywhere in the pipeline.

Command-line entry points catch :class:`InputError` and print ``<file>: <problem>`` on one line of
stderr with exit code 2; library callers get an ordinary ``ValueError`` subclass.
"""
from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager


class InputError(ValueError):
    """Input that cannot be used: a file that is missing, malformed, or holds impossible values."""

    def __init__(self, path: str | os.PathLike | None, problem: str):
        self.path = None if path is None else os.fspath(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}" if self.path else problem)


EXIT_BAD_INPUT = 2


@contextmanager
def exit_on_bad_input() -> Iterator[None]:
    """For ``main()`` functions: turn :class:`InputError` into one stderr line and exit code 2."""
    try:
        yield
    except InputError as error:
        print(f"error: {error}", file=sys.stderr)
        raise SystemExit(EXIT_BAD_INPUT) from None
