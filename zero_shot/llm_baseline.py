"""A language or vision-language model as a zero-shot classifier, through any OpenAI-compatible chat server.

``python -m zero_shot --baseline llm --endpoint URL --llm-model NAME [--representation text|plot] ...`` (the
flags: :func:`add_llm_arguments`) asks the model, for every window of the chosen data, which of the classes
it shows (:mod:`zero_shot.llm_prompt`), the window given as numbers with statistics or as a plot
(:mod:`zero_shot.representations`, after VLM-TSC), and scores the answers with the metrics of the motion
models (:func:`benchmarks.metrics.answer_metrics`: an answer names one class, so R@k for k >= 2 and MRR do
not exist; an answer that names no class is counted wrong and listed). This is the HARGPT-style baseline
the UniMTS paper compares with (Zhang et al., NeurIPS 2024), for any model a user can serve.

A run is planned before anything is sent: the windows, how many the cache already answers, the requests
left and their estimated tokens are printed (stderr), and a run that needs more requests than
``--max-requests`` is refused; the client also stops at that many HTTP requests, retries included.
Answers are cached in a JSON file (``--cache``) under (model, representation, window hash): the hash covers
the window's values and everything else the request holds (classes, prompt, representation settings), so a
re-run of the same command sends nothing and a changed question is asked afresh. Requests are rate-limited
and retried (:class:`simulate.chat.ChatClient`); a reply that is not a chat completion is listed for its
window and not cached; a refused request (HTTP 4xx), an unreachable server or the cap ends the run with one
line (exit 2), keeping every answer received in the cache.
"""
from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Literal

import numpy as np
from tqdm.auto import tqdm

from benchmarks.loader import BenchmarkSplit
from benchmarks.metrics import answer_confusion, answer_metrics, average_metrics
from benchmarks.prepare import TARGET_RATE_HZ, WINDOW
from simulate.chat import ChatClient, JsonCache, ReplyError
from skeletons.errors import InputError

from . import llm_prompt
from .evaluate import DatasetResult
from .representations import (
    REPRESENTATIONS,
    SensorWindow,
    TextSettings,
    describe,
    estimate_tokens,
    fit_text,
    image_tokens,
    plot_size,
    render_plot,
    sensor_windows,
)


@dataclass(frozen=True)
class LLMSettings:
    """Everything that defines an LLM-baseline run (the CLI flags of :func:`add_llm_arguments`)."""

    endpoint: str
    model: str
    representation: Literal["text", "plot"] = "text"
    api_key_env: str | None = None
    cache: str | None = None
    max_requests: int | None = None
    requests_per_second: float = 2.0
    max_retries: int = 5
    backoff_s: float = 1.0
    timeout_s: float = 60.0
    max_answer_tokens: int = 32
    text: TextSettings = field(default_factory=TextSettings)
    gravity: Literal["keep", "remove"] = "keep"

    def __post_init__(self) -> None:
        if self.representation not in REPRESENTATIONS:
            raise InputError(None, f"--representation is one of {', '.join(REPRESENTATIONS)}, "
                                   f"got {self.representation!r}")
        if self.max_requests is not None and self.max_requests < 0:
            raise InputError(None, f"--max-requests must be 0 or more, got {self.max_requests}")
        if self.max_answer_tokens < 1:
            raise InputError(None, f"--max-answer-tokens must be positive, got {self.max_answer_tokens}")


@dataclass
class Query:
    """One window to classify: where it comes from, its true column, its cache key and estimated input tokens."""

    dataset: str
    index: int
    target: int
    window: SensorWindow
    key: str
    tokens: int


@dataclass
class LLMDatasetResult(DatasetResult):
    """:class:`DatasetResult` of the baseline (``scores`` one-hot at the answer, zero rows where none), plus
    ``answers``: per window ``{"index", "true", "answer", "class", "how"}`` (how: exact, fuzzy, none, error)."""

    answers: list[dict] = field(default_factory=list)

    @property
    def unanswered(self) -> list[dict]:
        """The windows whose answer named no class (or whose reply was unusable)."""
        return [a for a in self.answers if a["class"] is None]


@dataclass
class LLMRun:
    """The outcome of :func:`run_llm_baseline`."""

    results: list[LLMDatasetResult]
    windows: int
    cached: int
    requests_sent: int
    estimated_tokens: int


def _request_parts(query_window: SensorWindow, class_names: Sequence[str],
                   settings: LLMSettings) -> tuple[str, str | None, int]:
    """(data text, image URL or None, estimated input tokens) of one request."""
    frame = estimate_tokens(llm_prompt.SYSTEM_PROMPT + llm_prompt.question(class_names, settings.representation))
    if settings.representation == "text":
        text, _ = fit_text(query_window, settings.text, overhead_tokens=frame)
        return text, None, estimate_tokens(text) + frame
    text = describe(query_window)
    return text, "", estimate_tokens(text) + frame + image_tokens(*plot_size(query_window))


def build_messages(window: SensorWindow, class_names: Sequence[str], settings: LLMSettings) -> list[dict]:
    """The chat messages that ask about ``window``."""
    text, image, _ = _request_parts(window, class_names, settings)
    if image is not None:
        image = "data:image/png;base64," + base64.b64encode(render_plot(window)).decode("ascii")
    return llm_prompt.messages(text, class_names, settings.representation, image)


def cache_key(window: SensorWindow, class_names: Sequence[str], settings: LLMSettings) -> str:
    """``model<TAB>representation<TAB>hash``: the hash of the window and of everything else the request holds."""
    asked = {"system": llm_prompt.SYSTEM_PROMPT, "question": llm_prompt.question(class_names, settings.representation),
             "text": asdict(settings.text) if settings.representation == "text" else None}
    digest = hashlib.sha256((window.digest() + json.dumps(asked, sort_keys=True)).encode()).hexdigest()
    return f"{settings.model}\t{settings.representation}\t{digest}"


def class_names(split: BenchmarkSplit) -> list[str]:
    """The name offered for each class: its first description, in column order."""
    return [synonyms[0] for synonyms in split.descriptions]


def plan_queries(splits: Sequence[BenchmarkSplit], settings: LLMSettings) -> list[Query]:
    """Every window of ``splits`` as a :class:`Query`, in order."""
    queries = []
    for split in splits:
        names = class_names(split)
        targets = split.targets
        for index, window in enumerate(sensor_windows(split, gravity=settings.gravity)):
            _, _, tokens = _request_parts(window, names, settings)
            queries.append(Query(split.dataset.name, index, int(targets[index]), window,
                                 cache_key(window, names, settings), tokens))
    return queries


def plan_line(windows: int, cached: int, to_send: int, tokens: int, settings: LLMSettings) -> str:
    return (f"llm baseline: {windows} windows, {cached} answered by the cache; {to_send} requests to send to "
            f"{settings.model} ({settings.representation}), ~{tokens:,} tokens estimated (input + at most "
            f"{settings.max_answer_tokens} answer tokens each)")


def make_client(settings: LLMSettings) -> ChatClient:
    """The chat client of a run; the API key from the environment variable named by ``api_key_env``."""
    api_key = None
    if settings.api_key_env:
        api_key = os.environ.get(settings.api_key_env)
        if not api_key:
            raise InputError(None, f"environment variable {settings.api_key_env} (from --api-key-env) is not set")
    return ChatClient(settings.endpoint, settings.model, api_key, requests_per_second=settings.requests_per_second,
                      max_retries=settings.max_retries, backoff_s=settings.backoff_s, timeout_s=settings.timeout_s,
                      temperature=0.0, max_tokens=settings.max_answer_tokens, max_requests=settings.max_requests)


def _result(split: BenchmarkSplit, answers: list[dict]) -> LLMDatasetResult:
    classes = len(split.descriptions)
    predictions = np.array([-1 if a["class"] is None else a["class"] for a in answers], dtype=np.int64)
    targets = split.targets
    scores = np.zeros((len(answers), classes), dtype=np.float32)
    answered = predictions >= 0
    scores[np.nonzero(answered)[0], predictions[answered]] = 1.0
    names = class_names(split)
    for answer in answers:
        answer["true"] = names[answer["true"]]
        answer["class"] = None if answer["class"] is None else names[answer["class"]]
    return LLMDatasetResult(name=split.dataset.name, metrics=answer_metrics(predictions, targets, classes),
                            confusion=answer_confusion(predictions, targets, classes), class_names=names,
                            scores=scores, targets=targets, answers=answers)


def run_llm_baseline(splits: Sequence[BenchmarkSplit], settings: LLMSettings, *, client: ChatClient | None = None,
                     log: Callable[[str], None] | None = None, progress: bool = False) -> LLMRun:
    """Classify every window of ``splits`` with the model of ``settings``; see the module doc.

    ``log`` receives the plan line before anything is sent (default: stderr).
    """
    log = log or (lambda line: print(line, file=sys.stderr, flush=True))
    queries = plan_queries(splits, settings)
    cache = JsonCache(settings.cache, save_every=20, what="LLM answer cache")
    pending = [q for q in queries if not isinstance(cache.get(q.key), str)]
    pending_keys = list(dict.fromkeys(q.key for q in pending))  # identical windows are asked once
    tokens = sum({q.key: q.tokens for q in pending}.values()) + len(pending_keys) * settings.max_answer_tokens
    if settings.max_requests is not None and len(pending_keys) > settings.max_requests:  # refused: one line
        raise InputError(None, f"{len(pending_keys)} requests needed (~{tokens:,} tokens), more than --max-requests "
                               f"{settings.max_requests}: raise the cap or evaluate less data")
    log(plan_line(len(queries), len(queries) - len(pending), len(pending_keys), tokens, settings))
    client = client or make_client(settings)
    names_of = {split.dataset.name: class_names(split) for split in splits}
    errors: dict[str, str] = {}
    by_key = {q.key: q for q in pending}
    try:
        for key in tqdm(pending_keys, desc="llm", unit="request", disable=not progress):
            query = by_key[key]
            try:
                cache.put(key, client.chat(build_messages(query.window, names_of[query.dataset], settings)))
            except ReplyError as error:
                errors[key] = error.problem
    finally:
        cache.save()
    results, start = [], 0
    for split in splits:
        answers = []
        for query in queries[start:start + len(split.x)]:
            if query.key in errors:
                answer, (column, how) = None, (-1, f"error: {errors[query.key]}")
            else:
                answer = cache.get(query.key)
                column, how = llm_prompt.parse_answer(answer, split.descriptions)
            answers.append({"index": query.index, "true": query.target, "answer": answer,
                            "class": None if column < 0 else column, "how": how})
        start += len(split.x)
        results.append(_result(split, answers))
    return LLMRun(results=results, windows=len(queries), cached=len(queries) - len(pending),
                  requests_sent=client.requests, estimated_tokens=tokens)


def llm_payload(run: LLMRun, settings: LLMSettings, splits: Sequence[BenchmarkSplit], split_name: str) -> dict:
    """The JSON section of a baseline run: settings, protocol, metrics, confusion and every unusable answer."""
    metrics = {r.name: r.metrics for r in run.results}
    how = {r.name: {kind: sum(a["how"].split(":")[0] == kind for a in r.answers)
                    for kind in ("exact", "fuzzy", "none", "error")} for r in run.results}
    return {
        "baseline": {"kind": "llm", "endpoint": recorded_endpoint(settings), "model": settings.model,
                     "representation": settings.representation,
                     "text": asdict(settings.text) if settings.representation == "text" else None,
                     "windows": run.windows, "answers_cached": run.cached, "requests_sent": run.requests_sent,
                     "estimated_tokens": run.estimated_tokens},
        "protocol": {"split": split_name, "window": WINDOW, "rate_hz": TARGET_RATE_HZ, "use_gyro": True,
                     "gravity": "removed where included" if settings.gravity == "remove" else "as recorded",
                     "score": "the class the answer names (exact, then fuzzy match); none counts as wrong"},
        "results": metrics,
        "average": average_metrics(metrics),
        "datasets": {split.dataset.name: {"source": split.source, "level": split.dataset.level,
                                          "classes": result.class_names, "joints": split.dataset.joint_names,
                                          "gravity": split.dataset.gravity}
                     for split, result in zip(splits, run.results)},
        "confusion": {r.name: r.confusion.tolist() for r in run.results},
        "parsed": how,
        "unanswered": {r.name: r.unanswered for r in run.results},
    }


def run_llm_baseline_document(splits: Sequence[BenchmarkSplit], settings: LLMSettings, *, split: str = "test",
                              progress: bool = False) -> dict:
    """:func:`run_llm_baseline` and its JSON section (:func:`llm_payload`), as ``python -m zero_shot`` writes it."""
    return llm_payload(run_llm_baseline(splits, settings, progress=progress), settings, splits, split)


def recorded_endpoint(settings: LLMSettings) -> str:
    """The endpoint as recorded in reports: with the API key masked should a URL carry it."""
    key = os.environ.get(settings.api_key_env) if settings.api_key_env else None
    return settings.endpoint.replace(key, "***") if key else settings.endpoint


def add_llm_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``--baseline llm`` flags of ``python -m zero_shot``, as an argument group of ``parser``."""
    group = parser.add_argument_group("language-model baseline (--baseline llm; any OpenAI-compatible server)")
    group.add_argument("--baseline", choices=("llm",), help="also (or, without a model, only) evaluate a baseline")
    group.add_argument("--endpoint", help="base URL of the server, e.g. http://localhost:8000/v1")
    group.add_argument("--llm-model", help="the model name the server knows")
    group.add_argument("--api-key-env", help="environment variable holding the API key (never printed)")
    group.add_argument("--cache", help="JSON file of answers by (model, representation, window hash)")
    group.add_argument("--representation", choices=REPRESENTATIONS, default="text",
                       help="text: values with statistics (VLM-TSC WITH_STATS); plot: a PNG for vision models")
    group.add_argument("--max-requests", type=int, help="refuse a run needing more, stop after this many sent")
    group.add_argument("--requests-per-second", type=float, default=2.0, help="client-side rate limit (default 2)")
    group.add_argument("--max-retries", type=int, default=5, help="retries on 429/5xx/timeouts (default 5)")
    group.add_argument("--backoff-s", type=float, default=1.0, help="first retry wait, doubled each time")
    group.add_argument("--timeout-s", type=float, default=60.0, help="per-request timeout (default 60)")
    group.add_argument("--max-answer-tokens", type=int, default=32, help="answer length asked for (default 32)")
    group.add_argument("--downsample", type=int, default=1, help="text: block means of this many samples at least")
    group.add_argument("--decimals", type=int, default=2, help="text: decimals kept (default 2)")
    group.add_argument("--context-tokens", type=int, default=2048,
                       help="text: token budget of the prompt; downsampled further until it fits (default 2048)")


def llm_settings(args: argparse.Namespace) -> LLMSettings:
    """:class:`LLMSettings` from the flags of :func:`add_llm_arguments` (InputError for impossible ones)."""
    if not args.endpoint or not args.llm_model:
        raise InputError(None, "--baseline llm needs --endpoint URL and --llm-model NAME")
    return LLMSettings(endpoint=args.endpoint, model=args.llm_model, representation=args.representation,
                       api_key_env=args.api_key_env, cache=args.cache, max_requests=args.max_requests,
                       requests_per_second=args.requests_per_second, max_retries=args.max_retries,
                       backoff_s=args.backoff_s, timeout_s=args.timeout_s, max_answer_tokens=args.max_answer_tokens,
                       text=TextSettings(args.downsample, args.decimals, args.context_tokens),
                       gravity="remove" if getattr(args, "remove_gravity", False) else "keep")
