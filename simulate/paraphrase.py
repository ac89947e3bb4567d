"""Text augmentation for a corpus: add paraphrases of every description (UniMTS paraphrases each
description with a large language model).

    python -m simulate.paraphrase --corpus corpus/procedural --output corpus/procedural-para --backend rules
    python -m simulate.paraphrase --corpus C --output O --backend openai --endpoint http://localhost:8000/v1 \\
        --model NAME --api-key-env OPENAI_API_KEY --cache paraphrases.json

Each distinct description gets up to ``--per-text`` paraphrases; every row's ``texts`` becomes its
descriptions followed by their paraphrases, without duplicates. The new corpus is written atomically.

Backends:
* ``rules``: offline, deterministic (``--seed``) rewriting with meaning-preserving synonyms and
  sentence templates.
* ``openai``: any OpenAI-compatible chat-completions server (``POST {endpoint}/chat/completions``, through
  :class:`simulate.chat.ChatClient`).
  Requests are rate-limited (``--requests-per-second``), retried with exponential back-off on 429, 5xx
  and connection errors, and cached in a JSON file keyed by (model, text) so a re-run sends nothing.
  Only the given endpoint is ever contacted; the API key is read from the environment variable named
  by ``--api-key-env``.

Bad arguments, a missing corpus or an unreachable server: one line on stderr, exit code 2.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import zlib
from collections.abc import Callable, Iterable
from pathlib import Path

from skeletons.atomic import atomic_path
from skeletons.errors import InputError, exit_on_bad_input
from skeletons.outputs import check_output, claim_output, mark_output

from .chat import ChatClient, JsonCache

TOOL = "simulate.paraphrase"

SYSTEM_PROMPT = ("You rewrite short descriptions of human movement. Keep the meaning exactly: the same "
                 "activity, body parts, left/right sides, directions, speed and order of actions.")
USER_PROMPT = ("Paraphrase this description of a person's motion in {n} different ways, varying words and "
               "sentence structure. Answer with one paraphrase per line and nothing else.\n\n{text}")

# --- the offline rules backend -------------------------------------------------------------------

#: Groups of interchangeable phrases (matched case-insensitively on word boundaries).
SYNONYMS: tuple[tuple[str, ...], ...] = (
    ("a person", "someone", "a human", "an individual", "somebody"),
    ("the person", "the individual", "the human"),
    ("a man", "a male"), ("a woman", "a female"),
    ("quickly", "fast", "rapidly", "at a fast pace"),
    ("slowly", "at a slow pace", "unhurriedly"),
    ("briskly", "at a brisk pace"),
    ("the stairs", "the staircase", "the steps", "a flight of stairs"),
    ("walking upstairs", "going up the stairs", "climbing the stairs", "ascending the stairs"),
    ("walking downstairs", "going down the stairs", "descending the stairs"),
    ("walks up the stairs", "goes up the stairs", "climbs the stairs", "ascends the stairs"),
    ("walks down the stairs", "goes down the stairs", "descends the stairs"),
    ("sits down", "takes a seat"), ("sitting down", "taking a seat"),
    ("stands up", "gets up", "rises to their feet"), ("standing up", "getting up"),
    ("lies down", "lays down"), ("stands still", "stands motionless", "remains standing"),
    ("bicycle", "bike"), ("cycling", "biking", "riding a bike"),
    ("jumping jacks", "star jumps"), ("jumping rope", "skipping rope", "rope jumping"),
    ("with the left hand", "using the left hand", "with their left hand"),
    ("with the right hand", "using the right hand", "with their right hand"),
    ("and then", "and after that", "and afterwards"), ("then", "after that", "next"),
    ("in a park", "at a park"), ("at the gym", "in a gym"), ("outdoors", "outside"),
    ("on a treadmill", "on a running machine"), ("vacuuming", "vacuum cleaning", "hoovering"),
    ("brushing teeth", "brushing their teeth", "cleaning their teeth"),
    ("playing badminton", "playing a game of badminton"), ("playing tennis", "playing a game of tennis"),
    ("walks", "is walking"), ("runs", "is running"), ("jogs", "is jogging"),
)
SENTENCE_FRAMES = ("{s}", "In this clip, {s}", "Here, {s}", "The recording shows that {s}",
                   "We see that {s}", "In the video, {s}")
LABEL_FRAMES = ("someone {g}", "a person {g}", "a person is {g}", "the activity of {g}", "{g} activity",
                "a clip of someone {g}", "a human {g}")
_BULLET = re.compile(r"^\s*(?:[-*\u2022]+|\d+[.)]|\(\d+\))\s*")


def _substitute(text: str, rng: random.Random) -> str:
    """Replace one or two phrases of ``text`` by synonyms from :data:`SYNONYMS`."""
    found = []
    for group in SYNONYMS:
        for phrase in group:
            for match in re.finditer(rf"(?<![\w-]){re.escape(phrase)}(?![\w-])", text, flags=re.IGNORECASE):
                found.append((match.start(), match.end(), group, phrase))
    rng.shuffle(found)
    taken: list[tuple[int, int, str]] = []
    for start, end, group, phrase in found:
        if len(taken) == 2 or any(start < b and a < end for a, b, _ in taken):
            continue
        choices = [p for p in group if p.lower() != phrase.lower()]
        replacement = rng.choice(choices)
        if text[start].isupper():
            replacement = replacement[0].upper() + replacement[1:]
        taken.append((start, end, replacement))
    for start, end, replacement in sorted(taken, reverse=True):
        text = text[:start] + replacement + text[end:]
    return text


def _reframe(text: str, rng: random.Random) -> str:
    """Wrap a sentence in a frame ("In this clip, ..."), or a gerund label in a subject phrase."""
    stripped = text.strip()
    if stripped.endswith("."):
        frame = rng.choice(SENTENCE_FRAMES)
        body = stripped[:-1]
        if frame != "{s}":
            body = body[0].lower() + body[1:]
        out = frame.format(s=body) + "."
        return out[0].upper() + out[1:]
    first = stripped.split(" ", 1)[0].lower()
    if first.endswith("ing"):
        return rng.choice(LABEL_FRAMES).format(g=stripped)
    return stripped


def rules_paraphrases(text: str, count: int, seed: int = 0) -> list[str]:
    """Up to ``count`` rewrites of ``text``, deterministic for (``text``, ``seed``)."""
    rng = random.Random(zlib.crc32(text.encode()) ^ (seed * 0x9E3779B1))
    out: list[str] = []
    for _ in range(12 * count):
        if len(out) >= count:
            break
        candidate = text
        if rng.random() < 0.85:
            candidate = _substitute(candidate, rng)
        if rng.random() < 0.5 or candidate == text:
            candidate = _reframe(candidate, rng)
        candidate = re.sub(r"\s+", " ", candidate).strip()
        if candidate.lower() != text.lower() and candidate not in out:
            out.append(candidate)
    return out


# --- the OpenAI-compatible backend (the client lives in simulate.chat) --------------------------------

def parse_lines(content: str, original: str, count: int) -> list[str]:
    """Paraphrases from a model's answer: one per line, bullets, numbers and quotes removed."""
    out: list[str] = []
    for line in content.splitlines():
        line = _BULLET.sub("", line).strip().strip('"\u201c\u201d').strip()
        if line and line.lower() != original.lower() and line not in out:
            out.append(line)
    return out[:count]


class Cache:
    """Paraphrases by (model, text) in a JSON file: ``{"model\\ttext": {"asked": n, "paraphrases": [...]}}``."""

    def __init__(self, path: Path | None):
        self.store = JsonCache(path, what="paraphrase cache")

    def get(self, model: str, text: str, count: int) -> list[str] | None:
        entry = self.store.get(f"{model}\t{text}")
        if not isinstance(entry, dict) or entry.get("asked", 0) < count:
            return None
        return list(entry["paraphrases"])[:count]

    def put(self, model: str, text: str, count: int, paraphrases: list[str]) -> None:
        self.store.put(f"{model}\t{text}", {"asked": count, "paraphrases": paraphrases})

    def save(self) -> None:
        self.store.save()


def openai_paraphrases(client: ChatClient, cache: Cache, text: str, count: int) -> list[str]:
    cached = cache.get(client.model, text, count)
    if cached is not None:
        return cached
    content = client.complete(SYSTEM_PROMPT, USER_PROMPT.format(n=count, text=text))
    paraphrases = parse_lines(content, text, count)
    cache.put(client.model, text, count, paraphrases)
    return paraphrases


# --- the corpus rewrite ---------------------------------------------------------------------------

def distinct_texts(rows: Iterable[list[str]]) -> list[str]:
    """Every description once, in order of first appearance."""
    return list(dict.fromkeys(text for texts in rows for text in texts))


def augment(rows: list[list[str]], paraphrases: dict[str, list[str]]) -> list[list[str]]:
    """Each row's texts followed by their paraphrases, duplicates removed, order kept."""
    return [list(dict.fromkeys(list(texts) + [p for text in texts for p in paraphrases.get(text, [])]))
            for texts in rows]


def paraphrase_corpus(corpus_dir: Path, output: Path, paraphraser: Callable[[str], list[str]],
                      progress: bool = True, on_done: Callable[[], None] | None = None,
                      overwrite: bool = False) -> dict:
    """Write ``corpus_dir`` with augmented texts to ``output`` (atomically); return a summary.

    ``output`` that is not an earlier output of this tool is refused unless ``overwrite``; one writer at a time.
    """
    with claim_output(output, TOOL, overwrite):
        return _paraphrase_corpus(Path(corpus_dir), Path(output), paraphraser, progress, on_done)


def _paraphrase_corpus(corpus_dir: Path, output: Path, paraphraser: Callable[[str], list[str]],
                       progress: bool, on_done: Callable[[], None] | None) -> dict:
    from datasets import Sequence, Value
    from tqdm import tqdm

    from .corpus import load_corpus

    if not progress:
        import datasets

        datasets.disable_progress_bars()
    dataset = load_corpus(corpus_dir)
    if "texts" not in dataset.column_names:
        raise InputError(corpus_dir, "has no texts column")
    rows = [list(texts) for texts in dataset["texts"]]
    texts = distinct_texts(rows)
    paraphrases: dict[str, list[str]] = {}
    try:
        for text in tqdm(texts, desc="paraphrase", unit="text", disable=not progress):
            paraphrases[text] = paraphraser(text)
    finally:
        if on_done is not None:
            on_done()
    new_rows = augment(rows, paraphrases)
    order = dataset.column_names
    feature = dataset.features["texts"] if "texts" in dataset.features else Sequence(Value("string"))
    updated = dataset.remove_columns("texts").add_column("texts", new_rows, feature=feature).select_columns(order)
    summary = {"rows": len(new_rows), "texts": len(texts),
               "paraphrases": sum(len(p) for p in paraphrases.values()),
               "texts_per_row_before": sum(map(len, rows)) / max(len(rows), 1),
               "texts_per_row_after": sum(map(len, new_rows)) / max(len(new_rows), 1)}
    with atomic_path(output, directory=True) as temporary:
        updated.save_to_disk(str(temporary))
        for name in ("corpus.json", "failures.jsonl"):
            if (Path(corpus_dir) / name).exists():
                shutil.copy2(Path(corpus_dir) / name, temporary / name)
        (temporary / "paraphrase.json").write_text(json.dumps(summary, indent=2))
        mark_output(temporary, TOOL)
    return summary


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m simulate.paraphrase", description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    parser.add_argument("--corpus", type=Path, required=True, help="corpus folder (from python -m simulate)")
    parser.add_argument("--output", type=Path, required=True, help="corpus folder to write")
    parser.add_argument("--backend", choices=("rules", "openai"), default="rules")
    parser.add_argument("--per-text", type=int, default=3, help="paraphrases per distinct description (default 3)")
    parser.add_argument("--seed", type=int, default=0, help="rules backend: seed of the rewriting")
    server = parser.add_argument_group("openai backend")
    server.add_argument("--endpoint", help="base URL of an OpenAI-compatible API, e.g. http://localhost:8000/v1")
    server.add_argument("--model", help="model name to send")
    server.add_argument("--api-key-env", help="name of the environment variable holding the API key")
    server.add_argument("--cache", type=Path, help="JSON cache of paraphrases by (model, text)")
    server.add_argument("--requests-per-second", type=float, default=2.0, help="client-side rate limit (default 2)")
    server.add_argument("--max-retries", type=int, default=5, help="retries on 429/5xx/connection errors (default 5)")
    server.add_argument("--backoff-s", type=float, default=1.0, help="first retry wait, doubled each time (default 1)")
    server.add_argument("--timeout-s", type=float, default=60.0, help="per-request timeout (default 60)")
    parser.add_argument("--overwrite", action="store_true",
                        help="replace an existing OUTPUT even if this tool did not write it")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser.parse_args(argv)


def make_paraphraser(args: argparse.Namespace) -> tuple[Callable[[str], list[str]], Callable[[], None], object]:
    """The per-text function for the chosen backend, a finaliser (saves the cache) and the client."""
    if args.per_text < 1:
        raise InputError(None, f"--per-text must be at least 1, got {args.per_text}")
    import math

    for name, value, low in (("--requests-per-second", args.requests_per_second, 0.0),
                             ("--backoff-s", args.backoff_s, 0.0), ("--timeout-s", args.timeout_s, 1e-3),
                             ("--max-retries", args.max_retries, 0)):
        if not (math.isfinite(value) and value >= low):
            raise InputError(None, f"{name} must be a finite number of at least {low:g}, got {value}")
    if args.backend == "rules":
        return (lambda text: rules_paraphrases(text, args.per_text, args.seed)), (lambda: None), None
    if not args.endpoint or not args.model:
        raise InputError(None, "--backend openai needs --endpoint URL and --model NAME")
    api_key = None
    if args.api_key_env:
        api_key = os.environ.get(args.api_key_env)
        if not api_key:
            raise InputError(None, f"environment variable {args.api_key_env} (from --api-key-env) is not set")
    client = ChatClient(args.endpoint, args.model, api_key, args.requests_per_second, args.max_retries,
                        args.backoff_s, args.timeout_s)
    cache = Cache(args.cache)
    return (lambda text: openai_paraphrases(client, cache, text, args.per_text)), cache.save, client


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    with exit_on_bad_input():
        check_output(args.output, TOOL, args.overwrite)
        if args.output.resolve() == args.corpus.resolve():
            raise InputError(args.output, "is the input --corpus; write the paraphrased corpus elsewhere")
        paraphraser, finish, client = make_paraphraser(args)
        summary = paraphrase_corpus(args.corpus, args.output, paraphraser, progress=not args.quiet,
                                    on_done=finish, overwrite=args.overwrite)
        requests = f" requests={client.requests}" if client is not None else ""
        print(f"paraphrase: rows={summary['rows']} texts={summary['texts']} "
              f"paraphrases={summary['paraphrases']}{requests} output={args.output}")


if __name__ == "__main__":
    main()
