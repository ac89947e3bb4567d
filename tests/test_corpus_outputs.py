"""Issue 13 for corpus builds and paraphrase: nothing lost, one writer, one bad clip costs one clip.

Each test fails on the code before issue 13 (the builder deleted a foreign --output folder, had no lock,
ran the simulation outside the per-clip guard, created 0700 folders, left temporaries of killed runs...).
"""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import warnings
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from threading import Thread

import numpy as np
import pytest

from simulate.corpus import CorpusConfig, build_corpus, load_corpus
from simulate.paraphrase import ChatClient, paraphrase_corpus, rules_paraphrases
from simulate.sources import bvh_items, procedural_items
from skeletons.errors import InputError
from skeletons.outputs import lock_path
from skeletons.readers.humanml3d import load_humanml3d_segments
from tests.test_bvh import MIXAMO, humanoid_bvh, random_angles, write
from tests.test_cli_bad_input import _walk_clip

CONFIG = CorpusConfig(source="procedural", sensor="ideal")


def _items(count: int = 2):
    return procedural_items(count, 0, ["walk"], 2.0)


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_foreign_output_folder_is_refused_and_kept(tmp_path):
    thesis = tmp_path / "thesis"
    thesis.mkdir()
    (thesis / "chapter1.tex").write_text("years of work")
    with pytest.raises(InputError, match="--overwrite"):
        build_corpus(_items(), thesis, CONFIG, progress=False)
    assert _tree(tmp_path) == {"thesis/chapter1.tex": b"years of work"}
    build_corpus(_items(), thesis, CONFIG, progress=False, overwrite=True)  # asked for: replaced
    assert len(load_corpus(thesis)) == 2


def test_an_existing_file_is_refused_and_kept_without_a_stray_old_copy(tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes")
    with pytest.raises(InputError, match="not a folder"):
        build_corpus(_items(), notes, CONFIG, progress=False)
    assert _tree(tmp_path) == {"notes.txt": b"my notes"}
    build_corpus(_items(), notes, CONFIG, progress=False, overwrite=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]  # no .notes.txt.old-PID left


def test_our_own_corpus_is_rebuilt_in_place_with_the_usual_mode(tmp_path):
    output = tmp_path / "corpus"
    build_corpus(_items(1), output, CONFIG, progress=False)
    build_corpus(_items(2), output, CONFIG, progress=False)  # ours: replaced without --overwrite
    assert len(load_corpus(output)) == 2
    mask = os.umask(0)
    os.umask(mask)
    assert os.stat(output).st_mode & 0o777 == 0o777 & ~mask  # not mkdtemp's 0700
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corpus"]  # no lock, partial or temporary left


def test_a_second_build_into_a_locked_output_is_refused(tmp_path):
    output = tmp_path / "corpus"
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sys, time; from skeletons.outputs import output_lock\n"
        f"with output_lock({str(output)!r}, 'simulate'):\n"
        "    print('held', flush=True); time.sleep(120)")], stdout=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])})
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(InputError, match=f"being written by pid {holder.pid}"):
            build_corpus(_items(), output, CONFIG, progress=False)
        assert not output.exists() and not output.with_name("corpus.partial").exists()
    finally:
        holder.kill()
        holder.wait()
    # the holder died without releasing: its lock is stale now and the next build takes it over
    assert lock_path(output).exists()
    build_corpus(_items(), output, CONFIG, progress=False)
    assert len(load_corpus(output)) == 2 and not lock_path(output).exists()


def test_stale_temporaries_of_a_killed_assembly_are_removed_on_the_next_run(tmp_path):
    output = tmp_path / "corpus"
    killed = tmp_path / ".corpus.tmp-k1ll3d"
    killed.mkdir()
    (killed / "data-00000-of-00001.arrow").write_bytes(b"\0" * 4096)
    build_corpus(_items(), output, CONFIG, progress=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corpus"]


def test_one_impossible_bvh_costs_one_clip_not_the_build(tmp_path):
    folder = tmp_path / "bvh"
    folder.mkdir()
    good = humanoid_bvh(MIXAMO, random_angles(MIXAMO, 30), frames=30, unit=0.01)
    write(folder, good, "a_good.bvh")
    write(folder, good.replace("Frame Time: 0.0333333", "Frame Time: 1e-300"), "b_tiny_frame_time.bvh")
    write(folder, good, "c_good.bvh")
    report = build_corpus(bvh_items(folder), tmp_path / "corpus", CorpusConfig(source="bvh", sensor="ideal"),
                          progress=False, require_descriptions=False)  # these clips have no captions
    assert (report.ok, report.failed) == (2, 1)
    failures = [json.loads(line) for line in (tmp_path / "corpus" / "failures.jsonl").read_text().splitlines()]
    assert [Path(f["file"]).name for f in failures] == ["b_tiny_frame_time.bvh"]
    assert sorted(load_corpus(tmp_path / "corpus")["id"]) == ["a_good", "c_good"]


def test_one_bad_caption_span_costs_that_span_only(tmp_path):
    joints = tmp_path / "new_joints" / "000001.npy"
    joints.parent.mkdir()
    np.save(joints, _walk_clip(40))  # 2 s
    (tmp_path / "texts").mkdir()
    (tmp_path / "texts" / "000001.txt").write_text(
        "a person walks#x#0.0#0.0\nthe person starts walking#x#0.0#1.0\nthe person is gone#x#5.0#6.0\n")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        motions = load_humanml3d_segments(joints)
    assert [m.texts for m in motions] == [["a person walks"], ["the person starts walking"]]
    assert any("5-6 s lies outside the clip's 2 s" in str(w.message) for w in caught)


def test_complex_arrays_are_refused(tmp_path):
    from skeletons import load_motion

    path = tmp_path / "new_joints" / "000002.npy"
    path.parent.mkdir()
    np.save(path, _walk_clip().astype(np.complex64))
    with pytest.raises(InputError, match="real-valued"):
        load_motion(path)


def test_paraphrase_refuses_a_foreign_output_and_a_locked_one(tmp_path):
    corpus = build_corpus(_items(), tmp_path / "corpus", CONFIG, progress=False).output
    thesis = tmp_path / "thesis"
    thesis.mkdir()
    (thesis / "chapter1.tex").write_text("years of work")
    paraphraser = lambda text: rules_paraphrases(text, 2, 0)  # noqa: E731
    with pytest.raises(InputError, match="--overwrite"):
        paraphrase_corpus(corpus, thesis, paraphraser, progress=False)
    assert _tree(thesis) == {"chapter1.tex": b"years of work"}
    lock_path(tmp_path / "para").write_text(json.dumps({"pid": 1, "host": socket.gethostname(), "tool": "x"}))
    with pytest.raises(InputError, match="being written by pid 1"):  # pid 1 is always alive
        paraphrase_corpus(corpus, tmp_path / "para", paraphraser, progress=False)
    lock_path(tmp_path / "para").unlink()
    paraphrase_corpus(corpus, tmp_path / "para", paraphraser, progress=False)
    paraphrase_corpus(corpus, tmp_path / "para", paraphraser, progress=False)  # its own output: replaced
    assert len(load_corpus(tmp_path / "para")) == 2


class _EchoServer:
    """Answers every request with HTTP 401 and the request's Authorization header in the body."""

    def __enter__(self):
        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers["Content-Length"]))
                body = f"invalid key: {self.headers['Authorization']}".encode()
                self.send_response(401)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        Thread(target=self.server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def test_the_api_key_never_shows_in_repr_or_errors():
    secret = "sk-very-secret-0123456789"
    with _EchoServer() as url:
        client = ChatClient(url, "m", secret, requests_per_second=0, max_retries=0)
        assert secret not in repr(client)
        with pytest.raises(InputError) as caught:
            client.complete("system", "user")
    assert "HTTP 401" in str(caught.value) and secret not in str(caught.value)
