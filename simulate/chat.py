"""A minimal client for OpenAI-compatible chat servers, and a JSON answer cache; used by every stage that asks
a language model (corpus paraphrases here, the zero-shot LLM baseline in ``zero_shot``).

``ChatClient(endpoint, model, api_key).chat(messages)`` POSTs ``{endpoint}/chat/completions`` (vLLM,
llama.cpp, Ollama, hosted APIs all serve it) and returns the assistant's text. It

* contacts only the given endpoint: no proxies, no redirects (urllib only);
* spaces requests at least ``1 / requests_per_second`` apart and retries 429, 5xx, timeouts and connection
  failures up to ``max_retries`` times, waiting ``backoff_s * 2**k`` (or the server's ``Retry-After``), at
  most a minute;
* stops with :class:`RequestCapReached` before sending more than ``max_requests`` HTTP requests (retries
  count: they are billed too);
* raises :class:`ReplyError` (an :class:`InputError`) for a reply that is not a chat completion, and
  InputError when the server refuses a request (4xx other than 429) or stays unreachable;
* never shows the API key: it is left out of ``repr`` and masked in every message, even one that quotes a
  server's reply that echoes it.

User content may be a string or a list of OpenAI content parts, e.g. ``{"type": "image_url", "image_url":
{"url": "data:image/png;base64,..."}}`` for vision models.

:class:`JsonCache` keeps answers by string key in one JSON object on disk (no pickle), written atomically
every ``save_every`` new entries and on :meth:`JsonCache.save`, so a re-run sends nothing that was answered.
"""
from __future__ import annotations

import http.client
import json
import re
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from skeletons.atomic import write_text_atomic
from skeletons.errors import InputError

#: What a masked secret reads as.
MASK = "***"
#: The longest wait between two attempts (back-off or Retry-After), seconds.
MAX_WAIT_S = 60.0


class ReplyError(InputError):
    """The server answered, but not with a chat completion (no ``choices[0].message.content``, bad JSON)."""


class RequestCapReached(InputError):
    """Sending one more request would exceed the client's ``max_requests``."""


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Refuse redirects: the client talks to the given endpoint and nothing else."""

    def redirect_request(self, *args, **kwargs):
        return None


#: No proxies (they would be contacted instead of the endpoint) and no redirects.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect)


def message_text(content: Any) -> str:
    """The text of a reply's ``message.content``: a string, or the text parts of a list of content parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = [part.get("text", "") for part in content if isinstance(part, dict) and part.get("type") == "text"]
        if parts:
            return "".join(parts)
    raise ValueError(f"message content is {type(content).__name__}, not text")


@dataclass
class ChatClient:
    """A chat-completions client for one endpoint and model (see the module doc).

    ``requests`` counts the HTTP requests sent (retries included); ``max_requests`` None means no cap.
    ``max_tokens`` None leaves the answer length to the server.
    """

    endpoint: str
    model: str
    api_key: str | None = field(default=None, repr=False)
    requests_per_second: float = 2.0
    max_retries: int = 5
    backoff_s: float = 1.0
    timeout_s: float = 60.0
    temperature: float = 0.8
    max_tokens: int | None = None
    max_requests: int | None = None
    requests: int = 0
    _last: float = field(default=0.0, repr=False)
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)

    def __post_init__(self) -> None:
        if not re.match(r"^https?://", self.endpoint):
            raise InputError(None, f"--endpoint must be an http(s) URL, got {self.mask(self.endpoint)!r}")
        self.url = self.endpoint.rstrip("/") + "/chat/completions"

    def mask(self, text: str) -> str:
        """``text`` with the API key replaced by :data:`MASK`."""
        return text.replace(self.api_key, MASK) if self.api_key else text

    def _error(self, problem: str, kind: type[InputError] = InputError) -> InputError:
        return kind(self.mask(self.url), self.mask(problem))

    def _pace(self) -> None:
        if self.requests_per_second > 0:
            wait = self._last + 1.0 / self.requests_per_second - time.monotonic()
            if wait > 0:
                self.sleep(wait)
        self._last = time.monotonic()

    def complete(self, system: str, user: str | list[dict]) -> str:
        """The assistant's text for one exchange: a system prompt and one user turn."""
        return self.chat([{"role": "system", "content": system}, {"role": "user", "content": user}])

    def chat(self, messages: list[dict]) -> str:
        """The assistant's text for ``messages`` (OpenAI chat format)."""
        body: dict[str, Any] = {"model": self.model, "temperature": self.temperature, "messages": messages}
        if self.max_tokens is not None:
            body["max_tokens"] = self.max_tokens
        payload = json.dumps(body).encode()
        headers = {"Content-Type": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        problem, wait = "", 0.0
        for attempt in range(self.max_retries + 1):
            if attempt:
                self.sleep(wait)
            if self.max_requests is not None and self.requests >= self.max_requests:
                raise self._error(f"stopped: {self.requests} requests sent, the cap (--max-requests) is "
                                  f"{self.max_requests}" + (f"; last problem: {problem}" if problem else ""),
                                  RequestCapReached)
            self._pace()
            self.requests += 1
            request = urllib.request.Request(self.url, data=payload, headers=headers, method="POST")
            backoff = min(self.backoff_s * 2 ** attempt, MAX_WAIT_S)
            try:
                with _OPENER.open(request, timeout=self.timeout_s) as response:
                    reply = json.loads(response.read().decode("utf-8"))
                return self.mask(message_text(reply["choices"][0]["message"]["content"]))
            except urllib.error.HTTPError as error:
                if error.code != 429 and error.code < 500:
                    detail = error.read().decode("utf-8", "replace")[:200].replace("\n", " ")
                    raise self._error(f"the server refused the request: HTTP {error.code} {detail}") from None
                problem = f"HTTP {error.code}"
                after = (error.headers.get("Retry-After") or "").strip() if error.headers else ""
                wait = min(float(after), MAX_WAIT_S) if after.isdigit() else backoff
            except (urllib.error.URLError, http.client.HTTPException, OSError) as error:
                reason = getattr(error, "reason", None) or error or type(error).__name__
                problem, wait = f"cannot reach the server ({reason})", backoff
            except (KeyError, IndexError, TypeError, ValueError) as error:
                raise self._error(f"unexpected reply from the server ({type(error).__name__}: {error})",
                                  ReplyError) from None
        raise self._error(f"{problem}; gave up after {self.max_retries + 1} attempts")


class JsonCache:
    """String key -> JSON value, kept in one JSON object at ``path`` (None: in memory only).

    A missing file is an empty cache; a file that is not a JSON object is refused (InputError). New entries
    are written atomically every ``save_every`` puts and on :meth:`save`.
    """

    def __init__(self, path: str | Path | None, save_every: int = 50, what: str = "cache"):
        self.path = None if path is None else Path(path)
        self.save_every = save_every
        self.entries: dict[str, Any] = {}
        if self.path is not None and self.path.exists():
            try:
                entries = json.loads(self.path.read_text(encoding="utf-8"))
            except (OSError, json.JSONDecodeError, UnicodeDecodeError) as error:
                raise InputError(self.path, f"is not a {what} (bad JSON: {error})") from None
            if not isinstance(entries, dict):
                raise InputError(self.path, f"is not a {what} (a JSON object is expected, got "
                                            f"{type(entries).__name__})")
            self.entries = entries
        self.dirty = 0

    def __contains__(self, key: str) -> bool:
        return key in self.entries

    def get(self, key: str, default: Any = None) -> Any:
        return self.entries.get(key, default)

    def put(self, key: str, value: Any) -> None:
        self.entries[key] = value
        self.dirty += 1
        if self.dirty >= self.save_every:
            self.save()

    def save(self) -> None:
        if self.path is not None and self.dirty:
            write_text_atomic(self.path, json.dumps(self.entries, ensure_ascii=False, indent=0))
            self.dirty = 0
