"""The shared chat client and JSON cache of simulate.chat: the key stays secret, a bad cache is one line."""
from __future__ import annotations

import json

import pytest

from simulate.chat import ChatClient, JsonCache
from simulate.paraphrase import main as paraphrase_main
from skeletons.errors import InputError


def test_the_key_is_not_in_repr_and_is_masked_in_messages():
    client = ChatClient("http://127.0.0.1:9/v1", "m", "sk-secret-123456")
    assert "sk-secret-123456" not in repr(client) and "model='m'" in repr(client)
    assert client.mask("echo sk-secret-123456 back") == "echo *** back"
    with pytest.raises(InputError) as caught:
        ChatClient("ftp://sk-secret-123456@host/v1", "m", "sk-secret-123456")
    assert "sk-secret-123456" not in str(caught.value) and "***" in str(caught.value)


def test_json_cache_round_trip_and_refusal_of_other_json(tmp_path):
    path = tmp_path / "cache.json"
    cache = JsonCache(path, save_every=2)
    cache.put("a", "walking")
    assert not path.exists()  # written every save_every entries, and on save()
    cache.put("b", {"x": 1})
    assert json.loads(path.read_text()) == {"a": "walking", "b": {"x": 1}}
    assert JsonCache(path).get("b") == {"x": 1} and "a" in JsonCache(path)
    path.write_text("[1, 2]")
    with pytest.raises(InputError, match="a JSON object is expected, got list"):
        JsonCache(path)


def test_paraphrase_with_a_list_as_cache_exits_2_with_one_line(tmp_path, capsys):
    cache = tmp_path / "cache.json"
    cache.write_text("[1, 2]")
    with pytest.raises(SystemExit) as caught:
        paraphrase_main(["--corpus", str(tmp_path), "--output", str(tmp_path / "out"), "--backend", "openai",
                         "--endpoint", "http://127.0.0.1:9/v1", "--model", "m", "--cache", str(cache), "--quiet"])
    err = capsys.readouterr().err.splitlines()
    assert caught.value.code == 2 and len(err) == 1 and "not a paraphrase cache" in err[0]
