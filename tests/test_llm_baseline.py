"""The language-model baseline against a stub OpenAI-compatible server on 127.0.0.1: requests (text and image),
answer parsing, retries, timeouts, the request cap, the cache, the secret, the CLI and its report."""
from __future__ import annotations

import base64
import io
import json
import re
from dataclasses import replace

import numpy as np
import pytest
from PIL import Image

from benchmarks.loader import load_split
from benchmarks.registry import get_dataset
from simulate.chat import ChatClient, RequestCapReached
from skeletons.errors import InputError
from tests.conftest import save_tiny_model
from tests.llm_stub import Reply, StubChatServer, user_text
from tests.test_zero_shot import write_custom
from zero_shot.__main__ import main
from zero_shot.llm_baseline import LLMSettings, build_messages, class_names, run_llm_baseline
from zero_shot.llm_prompt import parse_answer
from zero_shot.representations import TextSettings, estimate_tokens, plot_size, sensor_windows

CLASSES = ["standing", "walking", "running", "playing badminton"]


@pytest.fixture(scope="module")
def basicmotions():
    return load_split(get_dataset("basicmotions"), ".", "test")


def settings(server, tmp_path, **overrides) -> LLMSettings:
    values = {"endpoint": server.url, "model": "stub-llm", "cache": str(tmp_path / "answers.json"),
              "requests_per_second": 0, "backoff_s": 0.01, "max_retries": 2, "timeout_s": 5.0}
    return LLMSettings(**{**values, **overrides})


def always(answer: str):
    return lambda body, number: answer


def oracle(split, llm_settings, answer_of_class):
    """A rule that knows each window's class (by the exact request it receives) and answers
    ``answer_of_class[class]``: a stub whose metrics the test knows in advance."""
    names = class_names(split)
    table = {}
    for window, target in zip(sensor_windows(split), split.targets):
        table[user_text({"messages": build_messages(window, names, llm_settings)})] = answer_of_class[int(target)]
    return lambda body, number: table[user_text(body)]


def test_text_requests_score_a_constant_answer_at_its_class_share_and_the_cache_answers_a_rerun(basicmotions, tmp_path):
    lines = []
    with StubChatServer(always("Walking.")) as server:
        run = run_llm_baseline([basicmotions], settings(server, tmp_path), log=lines.append)
        assert server.requests == 40 and run.requests_sent == 40 and run.cached == 0
        body = server.bodies[0]
        assert body["model"] == "stub-llm" and body["temperature"] == 0.0 and body["max_tokens"] == 32
        text = user_text(body)
        assert isinstance(body["messages"][-1]["content"], str)  # a text model gets plain text
        assert all(f"- {name}\n" in text for name in CLASSES)
        assert re.search(r"right_wrist acc_x: mean=-?\d+\.\d\d std=\d+\.\d\d min=-?\d+\.\d\d max=-?\d+\.\d\d; "
                         r"values: -?\d+\.\d\d,", text)
        assert estimate_tokens(body["messages"][0]["content"] + text) <= TextSettings().budget_tokens
        assert "40 requests to send" in lines[0] and "0 answered by the cache" in lines[0]
        result = run.results[0]
        share = float(np.mean(basicmotions.targets == 1))
        assert result.metrics["acc"] == share == 0.25  # always "walking": walking's share of the test split
        assert result.metrics["recall"] == 0.25 and result.metrics["f1"] == pytest.approx(0.1)
        assert result.metrics["r@2"] is None and result.metrics["mrr"] is None
        assert result.confusion[:, 1].tolist() == [10, 10, 10, 10] and result.confusion.sum() == 40
        again = run_llm_baseline([basicmotions], settings(server, tmp_path), log=lines.append)
        assert server.requests == 40 and again.requests_sent == 0 and again.cached == 40  # nothing sent
        assert "0 requests to send" in lines[1]
        assert again.results[0].metrics == result.metrics
        other_model = run_llm_baseline([basicmotions], settings(server, tmp_path, model="other"), log=lines.append)
        assert server.requests == 80 and other_model.requests_sent == 40  # the model is part of the key
    cache = json.loads((tmp_path / "answers.json").read_text())
    assert len(cache) == 80 and all(key.split("\t")[:2] in (["stub-llm", "text"], ["other", "text"]) for key in cache)


def test_plot_requests_send_a_png_that_opens(basicmotions, tmp_path):
    sizes = []

    def rule(body, number):
        content = body["messages"][-1]["content"]
        (image,) = [part for part in content if part["type"] == "image_url"]
        prefix = "data:image/png;base64,"
        assert image["image_url"]["url"].startswith(prefix)
        with Image.open(io.BytesIO(base64.b64decode(image["image_url"]["url"][len(prefix):]))) as picture:
            picture.load()
            sizes.append(picture.size)
        assert "plot above" in user_text(body) and "values:" not in user_text(body)
        return "running"

    every_fifth = replace(basicmotions, x=basicmotions.x[::5], y=basicmotions.y[::5])  # 8 series, 2 per class
    with StubChatServer(rule) as server:
        run = run_llm_baseline([every_fifth], settings(server, tmp_path, representation="plot"), log=lambda _: None)
    window = next(sensor_windows(every_fifth))
    assert len(sizes) == 8 and set(sizes) == {plot_size(window)}
    assert run.results[0].metrics["acc"] == 0.25 and run.results[0].confusion[:, 2].sum() == 8


def test_free_text_answers_map_exactly_fuzzily_or_are_listed_as_wrong(basicmotions, tmp_path):
    llm = LLMSettings(endpoint="http://127.0.0.1:1/v1", model="stub-llm")  # the requests do not depend on the URL
    answers = {0: "Standing.", 1: "The activity is: walkng", 2: "Answer: running", 3: "I cannot tell from this data."}
    with StubChatServer(oracle(basicmotions, llm, answers)) as server:
        run = run_llm_baseline([basicmotions], settings(server, tmp_path), log=lambda _: None)
    result = run.results[0]
    hows = [a["how"] for a in result.answers]
    assert hows.count("exact") == 20 and hows.count("fuzzy") == 10 and hows.count("none") == 10
    assert result.metrics["acc"] == 0.75  # badminton's answers name no class: counted wrong
    assert result.metrics["recall"] == 0.75 and result.metrics["precision"] == 0.75  # no class gets their blame
    assert result.confusion.sum() == 30 and result.confusion.trace() == 30
    assert len(result.unanswered) == 10
    assert {a["true"] for a in result.unanswered} == {"playing badminton"}
    assert {a["answer"] for a in result.unanswered} == {answers[3]}


@pytest.mark.parametrize("answer, expected", [
    ("Running", (2, "exact")), ('"standing"', (0, "exact")), ("badminton", (3, "exact")),
    ("The person is jogging.", (2, "exact")), ("runing", (2, "fuzzy")), ("walking or running", (-1, "none")),
    ("", (-1, "none")), ("cycling", (-1, "none")),
])
def test_parse_answer(answer, expected):
    descriptions = [["standing", "standing still"], ["walking"], ["running", "jogging"], ["playing badminton"]]
    assert parse_answer(answer, descriptions) == expected


def test_an_unusable_reply_is_listed_for_its_window_and_asked_again_next_time(basicmotions, tmp_path):
    def rule(body, number):
        return Reply(body=b"this is not JSON") if number <= 3 else "standing"

    with StubChatServer(rule) as server:
        run = run_llm_baseline([basicmotions], settings(server, tmp_path), log=lambda _: None)
        assert server.requests == 40
        errors = [a for a in run.results[0].answers if a["how"].startswith("error")]
        assert len(errors) == 3 and all(a["class"] is None and "unexpected reply" in a["how"] for a in errors)
        assert run.results[0].metrics["acc"] == pytest.approx(7 / 40)  # standing's 10 minus the 3 errors (all first)
        again = run_llm_baseline([basicmotions], settings(server, tmp_path), log=lambda _: None)
        assert server.requests == 43 and again.requests_sent == 3  # only the unusable ones are asked again
        assert again.results[0].metrics["acc"] == 0.25


def test_server_errors_are_retried_and_a_persistent_one_ends_the_run(basicmotions, tmp_path):
    def flaky(body, number):
        return Reply(status=500, content="busy") if number in (1, 2) else "standing"

    with StubChatServer(flaky) as server:
        run = run_llm_baseline([basicmotions], settings(server, tmp_path), log=lambda _: None)
        assert server.requests == 42 and run.requests_sent == 42 and run.results[0].metrics["acc"] == 0.25
    with StubChatServer(lambda body, number: Reply(status=503, headers={"Retry-After": "0"})) as server:
        with pytest.raises(InputError, match=r"HTTP 503; gave up after 3 attempts"):
            run_llm_baseline([basicmotions], settings(server, tmp_path, cache=None), log=lambda _: None)
        assert server.requests == 3


def test_a_timeout_is_retried(basicmotions, tmp_path):
    def slow_first(body, number):
        return Reply(content="running", delay_s=1.0) if number == 1 else "running"

    with StubChatServer(slow_first) as server:
        run = run_llm_baseline([basicmotions], settings(server, tmp_path, timeout_s=0.2), log=lambda _: None)
        assert run.requests_sent == 41 and server.requests == 41
    assert run.results[0].metrics["acc"] == 0.25 and not run.results[0].unanswered
    with StubChatServer(lambda body, number: Reply(content="running", delay_s=0.6)) as server:
        with pytest.raises(InputError, match="cannot reach the server.*timed out.*gave up after 2 attempts"):
            run_llm_baseline([basicmotions], settings(server, tmp_path, cache=None, timeout_s=0.2, max_retries=1),
                             log=lambda _: None)


def test_the_request_cap_refuses_a_big_run_before_sending_and_stops_retries(basicmotions, tmp_path):
    lines = []
    with StubChatServer(always("standing")) as server:
        with pytest.raises(InputError, match="40 requests needed .* more than --max-requests 39"):
            run_llm_baseline([basicmotions], settings(server, tmp_path, max_requests=39), log=lines.append)
        assert server.requests == 0 and lines == []  # the refusal is the one line
    def fails_after_five(body, number):
        return Reply(status=500, headers={"Retry-After": "0"}) if number > 5 else "standing"

    with StubChatServer(fails_after_five) as server:
        with pytest.raises(RequestCapReached, match="stopped: 40 requests sent"):
            run_llm_baseline([basicmotions], settings(server, tmp_path, max_requests=40, max_retries=100),
                             log=lambda _: None)
        assert server.requests == 40  # retries count: the cap is the bill
    assert len(json.loads((tmp_path / "answers.json").read_text())) == 5  # the answers received are kept


def test_the_api_key_is_sent_but_never_shown(tmp_path, capsys, monkeypatch):
    secret = "sk-stub-0123456789abcdef"
    monkeypatch.setenv("STUB_LLM_KEY", secret)

    def echo(body, number):  # a server that quotes the request's credentials back
        return Reply(status=401, body=f"bad key {secret} in Authorization".encode())

    with StubChatServer(echo) as server:
        client = ChatClient(server.url, "m", secret)
        assert secret not in repr(client) and secret not in str(client)
        with pytest.raises(SystemExit) as caught:
            main(["--baseline", "llm", "--endpoint", server.url, "--llm-model", "m", "--api-key-env", "STUB_LLM_KEY",
                  "--benchmarks", "basicmotions", "--output", str(tmp_path / "o.json"), "--max-retries", "0"])
        assert server.headers[0]["Authorization"] == f"Bearer {secret}"
    err = capsys.readouterr().err
    assert caught.value.code == 2 and secret not in err and "bad key *** in Authorization" in err
    assert err.splitlines()[-1].startswith("error: ") and "Traceback" not in err
    assert not (tmp_path / "o.json").exists()
    with StubChatServer(always(f"walking, and your key is {secret}")) as server:
        answer = ChatClient(server.url, "m", secret, requests_per_second=0).complete("s", "u")
    assert answer == "walking, and your key is ***"


def test_cli_baseline_beside_the_motion_model_and_the_same_command_again_sends_nothing(tmp_path, capsys):
    model = save_tiny_model(tmp_path / "model", (16, 16), (1, 2))
    output, report = tmp_path / "out" / "zs.json", tmp_path / "out" / "zs.md"
    with StubChatServer(always("walking")) as server:
        command = ["--model", str(model), "--benchmarks", "basicmotions", "--baseline", "llm", "--endpoint",
                   server.url, "--llm-model", "stub-llm", "--cache", str(tmp_path / "answers.json"),
                   "--requests-per-second", "0", "--max-requests", "40", "--output", str(output), "--report", str(report)]
        main(command)
        first = capsys.readouterr()
        assert server.requests == 40
        payload = json.loads(output.read_text())
        main(command)
        second = capsys.readouterr()
        assert server.requests == 40  # the same command again sends no request
    assert "40 requests to send" in first.err and "0 requests to send" in second.err and "40 answered" in second.err
    section = payload["baselines"]["llm"]
    assert section["results"]["BasicMotions"]["acc"] == 0.25 and section["baseline"]["requests_sent"] == 40
    assert payload["results"]["BasicMotions"]["n"] == 40  # the motion model's row
    assert json.loads(output.read_text())["baselines"]["llm"]["results"] == section["results"]
    text = report.read_text()
    model_row = next(line for line in text.splitlines() if line.startswith("| BasicMotions | this model"))
    llm_row = next(line for line in text.splitlines() if line.startswith("| BasicMotions | LLM"))
    assert llm_row == "| BasicMotions | LLM `stub-llm` (text) | 40 | 25.0 | 10.0 | – | 0 |"
    assert text.index(model_row) < text.index(llm_row)
    assert (tmp_path / "out" / "zs-basicmotions-llm-confusion.png").exists()
    assert [line.split()[:2] for line in first.out.splitlines()] == [["BasicMotions", "n=40"], ["BasicMotions", "LLM"]]


def test_cli_baseline_alone_on_custom_data_scores_the_answered_class_share(tmp_path, capsys):
    x, y, labels = write_custom(tmp_path / "custom")  # classes 0, 1, 2, 0, 1: running (2) is 1 of 5
    output, report = tmp_path / "llm.json", tmp_path / "llm.md"
    with StubChatServer(always("running")) as server:
        main(["--baseline", "llm", "--endpoint", server.url, "--llm-model", "stub-llm", "--representation", "plot",
              "--requests-per-second", "0", "--custom-x", x, "--custom-y", y, "--labels", labels, "--joints", "21",
              "left_wrist", "--input-rate", "50", "--output", str(output), "--report", str(report)])
        assert server.requests == 5
    payload = json.loads(output.read_text())
    assert payload["results"]["custom"]["acc"] == pytest.approx(float(np.mean(np.load(y) == 2))) == pytest.approx(0.2)
    assert payload["baseline"]["representation"] == "plot" and payload["unanswered"] == {"custom": []}
    text = report.read_text()
    assert "a language model as classifier" in text and "| custom | – | 5 | 3 | 20.0 |" in text
