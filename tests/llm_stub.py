"""A stub OpenAI-compatible chat server on 127.0.0.1 for tests: answers by a rule the test gives.

``with StubChatServer(rule) as server:`` serves ``POST /v1/chat/completions`` on a free loopback port in a
thread; ``server.url`` is the endpoint to give a client. ``rule(body, number)`` gets the request's JSON and
its 1-based number and returns the assistant's text, or a :class:`Reply` (an HTTP status, a raw body, a delay
before answering). Every request is recorded (``server.bodies``, ``server.headers``). The server is bounded:
it shuts itself down after ``lifetime_s`` seconds even if a test never leaves the ``with`` block.
"""
from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Reply:
    """A non-default reply: ``status``, a raw ``body`` (bytes sent as is) or ``content``, after ``delay_s``."""

    content: str | None = None
    status: int = 200
    body: bytes | None = None
    delay_s: float = 0.0
    headers: dict | None = None


def completion(content: str) -> bytes:
    return json.dumps({"id": "stub", "object": "chat.completion",
                       "choices": [{"index": 0, "message": {"role": "assistant", "content": content},
                                    "finish_reason": "stop"}]}).encode()


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True  # a handler still sleeping for a client that gave up does not hold the test

    def handle_error(self, request, client_address):  # a client that timed out and left: not a test failure
        pass


class StubChatServer:
    def __init__(self, rule: Callable[[dict, int], str | Reply], lifetime_s: float = 600.0):
        self.rule, self.lifetime_s = rule, lifetime_s
        self.bodies: list[dict] = []
        self.headers: list[dict] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                stub.bodies.append(body)
                stub.headers.append(dict(self.headers))
                reply = stub.rule(body, len(stub.bodies))
                if not isinstance(reply, Reply):
                    reply = Reply(content=reply)
                if reply.delay_s:
                    time.sleep(reply.delay_s)
                data = reply.body if reply.body is not None else completion(reply.content or "")
                self.send_response(reply.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in (reply.headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = _QuietServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.timer = threading.Timer(lifetime_s, self.server.shutdown)
        self.timer.daemon = True

    @property
    def requests(self) -> int:
        return len(self.bodies)

    def __enter__(self) -> StubChatServer:
        self.thread.start()
        self.timer.start()
        return self

    def __exit__(self, *exc) -> None:
        self.timer.cancel()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def user_text(body: dict) -> str:
    """The text of a request's last user turn (the text part where it has content parts)."""
    content = body["messages"][-1]["content"]
    if isinstance(content, str):
        return content
    return "".join(part.get("text", "") for part in content if part.get("type") == "text")
