"""Transport faults through the real `LLM` (openai + instructor + tenacity) against a real socket.

Every test counts the requests the server saw: that is how we know the openai client's own retries stay off
(it would multiply them) and that each retry or re-ask happened exactly as often as claimed.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from pathlib import Path

import pytest
from fakeserver import (
    Completion,
    Delay,
    Drop,
    FakeServer,
    ScriptedModel,
    Status,
    malformed,
    sequence,
)
from helpers import run_cli

from summarise.errors import BadModelOutput, EndpointUnreachable, LLMError
from summarise.extract import EventList
from summarise.llm import LLM
from summarise.pipeline import PromptSet
from summarise.records import CallStat

PROMPTS = PromptSet.load("v1")  # the scripted model knows the v1 steps; pinned so new prompt versions don't move it
ARTICLE = "<<<ARTICLE\n[1] Air defences shot down 3 drones over Moscow, Sergei Sobyanin said.\nARTICLE>>>"
ARTICLE_TEXT = "Air defences shot down 3 drones over Moscow, Sergei Sobyanin said on Telegram.\n"


def _llm(srv: FakeServer, **kw: float) -> LLM:
    return LLM(srv.base_url, "fake-model", **{"backoff": 0.001, **kw})  # type: ignore[arg-type]


def _call(llm: LLM) -> tuple[EventList, CallStat]:
    return llm.call("events", PROMPTS.events, EventList, article=ARTICLE)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_429_with_retry_after_is_retried_and_retry_after_wins_over_backoff() -> None:
    model = ScriptedModel()
    with FakeServer(sequence(Status(429, {"Retry-After": "0.2"}), model)) as srv:
        start = time.perf_counter()
        result, stat = _call(_llm(srv, backoff=20.0))  # backoff alone would wait 20 s
        elapsed = time.perf_counter() - start
    assert result.events[0].place == "Moscow"
    assert stat.retries == 1 and stat.reasks == 0
    assert srv.count == 2 and model.calls["events"] == 1
    assert 0.2 <= elapsed < 3


def test_500_twice_then_success() -> None:
    with FakeServer(sequence(Status(500), Status(503), ScriptedModel())) as srv:
        result, stat = _call(_llm(srv))
    assert [e.place for e in result.events] == ["Moscow"]
    assert stat.retries == 2 and srv.count == 3
    assert stat.prompt_tokens == 50  # tokens of the answer that counted, not of the failures


def test_5xx_for_good_stops_after_the_configured_attempts() -> None:
    with FakeServer(sequence(Status(503))) as srv, pytest.raises(LLMError, match="HTTP 503 during events"):
        _call(_llm(srv, attempts=3))
    assert srv.count == 3  # not 3 x (1 + openai's own 2 retries)


def test_400_is_not_retried_and_is_one_clear_error() -> None:
    script = sequence(Status(400, message="context length exceeded"), ScriptedModel())
    with FakeServer(script) as srv, pytest.raises(LLMError) as info:
        _call(_llm(srv))
    assert type(info.value) is LLMError  # neither "unreachable" nor "bad output": the request was refused
    message = str(info.value)
    assert "HTTP 400 during events" in message and "context length exceeded" in message and "\n" not in message
    assert srv.count == 1


def test_closed_port_is_endpoint_unreachable() -> None:
    llm = LLM(f"http://127.0.0.1:{_closed_port()}/v1", "m", backoff=0.001, attempts=2)
    with pytest.raises(EndpointUnreachable, match="is unreachable after 2 attempts"):
        _call(llm)


def test_a_slow_endpoint_times_out_after_the_attempts() -> None:
    with FakeServer(sequence(Delay(2.0, ScriptedModel()))) as srv:
        start = time.perf_counter()
        with pytest.raises(EndpointUnreachable, match="timed out after 2 attempts"):
            _call(_llm(srv, timeout=0.25, attempts=2))
        elapsed = time.perf_counter() - start
    assert srv.count == 2
    assert elapsed < 1.5  # two 0.25 s timeouts, not two 2 s answers


def test_connection_dropped_mid_response_is_retried() -> None:
    with FakeServer(sequence(Drop(), ScriptedModel())) as srv:
        result, stat = _call(_llm(srv))
    assert result.events[0].sentences == [1]
    assert stat.retries == 1 and srv.count == 2


def test_connection_closed_before_any_response_is_retried() -> None:
    with FakeServer(sequence(Drop(b""), Drop(b""), ScriptedModel())) as srv:
        _, stat = _call(_llm(srv))
    assert stat.retries == 2 and srv.count == 3


def test_malformed_json_then_valid_is_one_reask() -> None:
    model = ScriptedModel()
    with FakeServer(sequence(malformed(), model)) as srv:
        result, stat = _call(_llm(srv))
    assert result.events[0].place == "Moscow"
    assert stat.reasks == 1 and stat.retries == 0
    assert srv.count == 2
    assert stat.prompt_tokens == 100  # both answers were paid for
    reask = srv.requests[1]["messages"]
    assert len(reask) > len(srv.requests[0]["messages"])  # instructor showed the model its error
    assert "air_defence_inter" in json.dumps(reask[2:])


def test_always_malformed_is_bad_model_output_after_bounded_reasks() -> None:
    with FakeServer(sequence(malformed())) as srv, pytest.raises(BadModelOutput, match="after 2 re-asks"):
        _call(_llm(srv))
    assert srv.count == 3  # the answer and two re-asks; never retried as a transport fault


def test_valid_json_in_the_wrong_shape_is_reasked_too() -> None:
    wrong = Completion(json.dumps({"events": [{"event_type": "parade", "place": "Moscow"}]}))
    with FakeServer(sequence(wrong, ScriptedModel())) as srv:
        _, stat = _call(_llm(srv))
    assert stat.reasks == 1 and srv.count == 2


def test_concurrent_calls_keep_their_own_stats() -> None:
    """Two calls in flight at once (as with --jobs 2): one is re-asked, the other must not count it."""
    good = ScriptedModel()
    slow_bad = sequence(Delay(0.15, malformed()), good)

    def script(body: dict) -> object:  # type: ignore[type-arg]
        text = json.dumps(body["messages"])
        return slow_bad(body) if "Kursk" in text else Delay(0.3, good)

    stats: dict[str, CallStat] = {}
    with FakeServer(script) as srv:  # type: ignore[arg-type]
        llm = _llm(srv)

        def run(name: str, place: str) -> None:
            article = ARTICLE.replace("Moscow", place)
            stats[name] = llm.call("events", PROMPTS.events, EventList, article=article)[1]

        threads = [threading.Thread(target=run, args=(n, p)) for n, p in (("a", "Kursk"), ("b", "Moscow"))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert srv.max_in_flight == 2
    assert stats["a"].reasks == 1 and stats["a"].prompt_tokens == 100
    assert stats["b"].reasks == 0 and stats["b"].prompt_tokens == 50


def test_cancel_stops_retrying_at_once() -> None:
    with FakeServer(sequence(Status(503))) as srv:
        llm = _llm(srv, backoff=30.0, attempts=5)
        threading.Timer(0.2, llm.cancel).start()
        start = time.perf_counter()
        with pytest.raises(LLMError):
            _call(llm)
    assert time.perf_counter() - start < 3  # not the 30 s backoff
    assert srv.count == 1


# --- the CLI, in a real process: what a user sees -----------------------------------------------------------------


def test_cli_endpoint_down_is_one_stderr_line_exit_1_and_an_error_record(tmp_path: Path) -> None:
    article = tmp_path / "a.txt"
    article.write_text(ARTICLE_TEXT)
    r = run_cli(article, "--base-url", f"http://127.0.0.1:{_closed_port()}/v1", cwd=tmp_path)
    assert r.returncode == 1
    lines = [line for line in r.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, r.stderr  # no library log noise, no traceback
    assert lines[0].startswith("summarise: ") and "unreachable" in lines[0]
    record = json.loads(r.stdout)
    assert record["status"] == "error" and "unreachable" in record["error"] and record["events"] == []


def test_cli_run_records_the_retry_in_its_call_stats(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from summarise.cli import main

    article = tmp_path / "a.txt"
    article.write_text(ARTICLE_TEXT)
    model = ScriptedModel()
    with FakeServer(sequence(Status(429, {"Retry-After": "0"}), model)) as srv:
        r = CliRunner().invoke(main, [str(article), "--base-url", srv.base_url, "--prompt", "v1"])
    assert r.exit_code == 0, r.stderr
    out = json.loads(r.stdout)
    calls = out["run"]["calls"]
    assert [c["step"] for c in calls] == ["events", "claims"]
    assert calls[0]["retries"] == 1 and calls[1]["retries"] == 0
    assert srv.count == 3 and model.calls == {"events": 1, "claims": 1}
    claim = out["events"][0]["claims"][0]
    assert claim["value"] == 3 and claim["verified"] and claim["claimant"] == "Sergei Sobyanin"
