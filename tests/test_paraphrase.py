"""Text augmentation of a corpus: `python -m simulate.paraphrase` with the rules and openai backends."""
import json
import socket
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import numpy as np
import pytest

from simulate.corpus import features, load_corpus
from simulate.paraphrase import main, parse_lines, rules_paraphrases
from tests.conftest import REPO

TEXTS = [["A person walks up the stairs slowly.", "walking upstairs"],
         ["Someone is jogging in a park.", "walking upstairs"],
         ["a person playing badminton with the left hand"]]


@pytest.fixture
def corpus(tmp_path):
    from datasets import Dataset

    rows = len(TEXTS)
    columns = {"id": [f"proc-{k:06d}" for k in range(rows)],
               "imu": [np.full((4, 22, 6), k, dtype=np.float32) for k in range(rows)],
               "texts": TEXTS, "source": ["procedural"] * rows, "rate_hz": [20.0] * rows,
               "duration_s": [0.2] * rows, "activity": ["walk_upstairs", "jog", "play_badminton"]}
    path = tmp_path / "corpus"
    Dataset.from_dict(columns, features=features(True, False)).save_to_disk(str(path))
    return path


def run_main(*args):
    main([*map(str, args), "--quiet"])


def test_rules_backend_adds_deduplicated_paraphrases(tmp_path, corpus):
    output = tmp_path / "out"
    run_main("--corpus", corpus, "--output", output, "--backend", "rules", "--per-text", "3")
    before, after = load_corpus(corpus), load_corpus(output)
    assert after.column_names == before.column_names and len(after) == len(before)
    for old, new in zip(before["texts"], after["texts"]):
        assert new[: len(old)] == list(old)
        assert len(new) == len(set(new)) and len(new) > len(old)
        assert len(new) <= len(old) * 4
    assert np.array_equal(np.asarray(after.with_format("numpy")[1]["imu"]), np.ones((4, 22, 6)))
    again = tmp_path / "again"
    run_main("--corpus", corpus, "--output", again, "--backend", "rules", "--per-text", "3")
    assert load_corpus(again)["texts"] == after["texts"]  # deterministic
    assert json.loads((output / "paraphrase.json").read_text())["texts"] == 4


def test_rules_paraphrases_keep_the_meaning_words():
    for text in ("A person walks up the stairs slowly.", "someone jogging with the left hand"):
        out = rules_paraphrases(text, 3, seed=1)
        assert len(out) == 3 and text not in out
        assert all(("left" in p) == ("left" in text) for p in out)


def test_parse_lines_strips_numbering_and_the_original():
    content = '1. A man climbs the stairs.\n- "Someone goes upstairs."\n\nwalking upstairs\n2) A man climbs the stairs.'
    assert parse_lines(content, "walking upstairs", 5) == ["A man climbs the stairs.", "Someone goes upstairs."]


class StubServer:
    """An OpenAI-compatible chat server on 127.0.0.1 that answers canned paraphrases."""

    def __init__(self, fail_first: int = 0):
        self.requests, self.headers, self.fail_first = 0, [], fail_first
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                stub.requests += 1
                stub.headers.append(dict(self.headers))
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                if stub.requests <= stub.fail_first:
                    self.send_response(429)
                    self.send_header("Retry-After", "0")
                    self.end_headers()
                    return
                text = body["messages"][-1]["content"].rsplit("\n", 1)[-1]
                answer = f"1. {text} (one)\n2. {text} (two)\n- {text} (three)"
                data = json.dumps({"choices": [{"message": {"role": "assistant", "content": answer}}]}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def test_openai_backend_retries_caches_and_sends_the_key(tmp_path, corpus, monkeypatch):
    monkeypatch.setenv("STUB_KEY", "sk-test")
    cache = tmp_path / "cache.json"
    with StubServer(fail_first=1) as server:
        common = ["--backend", "openai", "--endpoint", server.url, "--model", "stub-model", "--api-key-env",
                  "STUB_KEY", "--cache", cache, "--per-text", "2", "--backoff-s", "0.01",
                  "--requests-per-second", "0"]
        run_main("--corpus", corpus, "--output", tmp_path / "out", *common)
        assert server.requests == 4 + 1  # four distinct texts, one rate-limited retry
        assert server.headers[-1]["Authorization"] == "Bearer sk-test"
        texts = load_corpus(tmp_path / "out")["texts"]
        assert texts[0] == [TEXTS[0][0], TEXTS[0][1], f"{TEXTS[0][0]} (one)", f"{TEXTS[0][0]} (two)",
                            f"{TEXTS[0][1]} (one)", f"{TEXTS[0][1]} (two)"]
        run_main("--corpus", corpus, "--output", tmp_path / "out2", *common)
        assert server.requests == 5  # the cache answered everything
    assert load_corpus(tmp_path / "out2")["texts"] == texts
    assert len(json.loads(cache.read_text())) == 4


def test_missing_key_or_corpus_is_a_one_line_error(tmp_path, corpus, monkeypatch, capsys):
    monkeypatch.delenv("NO_SUCH_KEY", raising=False)
    with pytest.raises(SystemExit) as exit_info:
        run_main("--corpus", corpus, "--output", tmp_path / "o", "--backend", "openai", "--endpoint",
                 "http://127.0.0.1:9/v1", "--model", "m", "--api-key-env", "NO_SUCH_KEY")
    assert exit_info.value.code == 2 and "NO_SUCH_KEY" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_info:
        run_main("--corpus", tmp_path / "nowhere", "--output", tmp_path / "o", "--backend", "rules")
    assert exit_info.value.code == 2
    assert not (tmp_path / "o").exists()


def test_unreachable_server_exits_2_with_one_line_and_no_output(tmp_path, corpus):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    output = tmp_path / "out"
    result = subprocess.run(
        [sys.executable, "-m", "simulate.paraphrase", "--corpus", str(corpus), "--output", str(output),
         "--backend", "openai", "--endpoint", f"http://127.0.0.1:{port}/v1", "--model", "m",
         "--max-retries", "1", "--backoff-s", "0.01", "--quiet"],
        cwd=REPO, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "cannot reach" in lines[0] and "Traceback" not in result.stderr
    assert not output.exists()
