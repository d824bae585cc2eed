"""The response cache: a repeated request is answered from disk, anything that changes the request misses,
--no-cache bypasses it, a corrupt entry is ignored, and the eval never consults it.

HTTP is counted at the transport (httpx2.MockTransport answering canned OpenAI chat completions) or, for the
CLI, by the cassette's play count.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import httpx2 as httpx
import pytest
from click.testing import CliRunner
from pydantic import BaseModel, Field

from evals.cassettes import REPLAY_BASE_URL, cassette_path, recorder
from evals.dataset import load_cases
from evals.run import run_cases
from summarise import prompts
from summarise.cache import ResponseCache
from summarise.cli import main
from summarise.config import Settings
from summarise.embedded import MODEL_NAME
from summarise.extract import EventList
from summarise.llm import LLM
from summarise.pipeline import PromptSet

REPO = Path(__file__).resolve().parent.parent
ANSWER = {
    "events": [
        {
            "event_type": "air_defence_interception",
            "place": "Moscow",
            "region": "Moscow",
            "country": "Russia",
            "when": "December 12",
            "sentences": [1],
        }
    ]
}
ARTICLE = "<<<ARTICLE\n[1] Air defences intercepted three drones over Moscow.\nARTICLE>>>"


class Transport(httpx.MockTransport):
    """Answers every chat completion with ANSWER and keeps the request bodies it saw."""

    def __init__(self) -> None:
        self.bodies: list[bytes] = []
        super().__init__(self._handle)

    def _handle(self, request: httpx.Request) -> httpx.Response:
        self.bodies.append(request.content)
        return httpx.Response(
            200,
            json={
                "id": "chatcmpl-test",
                "object": "chat.completion",
                "created": 0,
                "model": json.loads(request.content)["model"],
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": json.dumps(ANSWER)},
                        "finish_reason": "stop",
                    }
                ],
                "usage": {"prompt_tokens": 321, "completion_tokens": 45, "total_tokens": 366},
            },
        )


@pytest.fixture
def cache(tmp_path: Path) -> ResponseCache:
    return ResponseCache(tmp_path / "responses")


@pytest.fixture
def prompt() -> prompts.Prompt:
    return prompts.load_file(REPO / "prompts" / "events.v1.yaml")


def _llm(transport: Transport, cache: ResponseCache | None, model: str = "m", base: str = "http://a/v1") -> LLM:
    return LLM(base, model, transport=transport, cache=cache, attempts=1)


def test_a_repeated_request_is_answered_from_disk(cache: ResponseCache, prompt: prompts.Prompt) -> None:
    t = Transport()
    first, s1 = _llm(t, cache).call("events", prompt, EventList, article=ARTICLE)
    assert len(t.bodies) == 1 and not s1.cached and (s1.prompt_tokens, s1.completion_tokens) == (321, 45)
    # a new client (another process, another host serving the same model) still hits
    again, s2 = _llm(t, cache, base="http://elsewhere:8000/v1").call("events", prompt, EventList, article=ARTICLE)
    assert len(t.bodies) == 1
    assert again.model_dump() == first.model_dump() and isinstance(again, EventList)  # (minus the raw response)
    assert s2.cached and s2.latency_s == 0 and (s2.prompt_tokens, s2.completion_tokens) == (321, 45)
    assert (s2.step, s2.prompt) == ("events", "events.v1")
    assert len(list(cache.directory.rglob("*.json"))) == 1
    assert not list(cache.directory.rglob(".tmp-*"))  # the atomic write left no temporary file


def test_the_cache_does_not_change_what_is_sent(cache: ResponseCache, prompt: prompts.Prompt) -> None:
    with_cache, without = Transport(), Transport()
    _llm(with_cache, cache).call("events", prompt, EventList, article=ARTICLE)
    _llm(without, None).call("events", prompt, EventList, article=ARTICLE)
    assert with_cache.bodies == without.bodies  # byte for byte: cassettes recorded either way still match


class Narrower(BaseModel):
    """EventList's shape with one more constraint: a different JSON schema."""

    events: list[dict[str, object]] = Field(max_length=3)


def test_a_changed_prompt_article_schema_or_model_misses(
    cache: ResponseCache, prompt: prompts.Prompt, tmp_path: Path
) -> None:
    t = Transport()
    _llm(t, cache).call("events", prompt, EventList, article=ARTICLE)
    assert len(t.bodies) == 1

    edited = tmp_path / "events.v1.yaml"
    edited.write_text(prompt.path.read_text().replace("fact-checkers", "fact checkers"), encoding="utf-8")
    changed = prompts.load_file(edited)
    assert changed.sha256 != prompt.sha256
    _llm(t, cache).call("events", changed, EventList, article=ARTICLE)
    assert len(t.bodies) == 2, "an edited prompt must not replay the old answer"

    _llm(t, cache).call("events", prompt, EventList, article=ARTICLE.replace("three", "four"))
    assert len(t.bodies) == 3, "another article must not replay the old answer"

    _llm(t, cache).call("events", prompt, Narrower, article=ARTICLE)
    assert len(t.bodies) == 4, "another response schema must not replay the old answer"

    _llm(t, cache, model="other-model").call("events", prompt, EventList, article=ARTICLE)
    assert len(t.bodies) == 5, "another model must not replay the old answer"

    _llm(t, cache).call("events", prompt, EventList, article=ARTICLE)
    assert len(t.bodies) == 5  # and the original is still there


@pytest.mark.parametrize(
    "garbage",
    [b"{not json", b"", json.dumps({"format": 1, "key": "x", "answer": {}, "stat": {}}).encode(), b"\xff\xfe"],
)
def test_a_corrupt_entry_is_ignored_and_replaced(cache: ResponseCache, prompt: prompts.Prompt, garbage: bytes) -> None:
    t = Transport()
    first, _ = _llm(t, cache).call("events", prompt, EventList, article=ARTICLE)
    [entry] = list(cache.directory.rglob("*.json"))
    entry.write_bytes(garbage)
    answer, stat = _llm(t, cache).call("events", prompt, EventList, article=ARTICLE)
    assert len(t.bodies) == 2 and not stat.cached and answer.model_dump() == first.model_dump()
    _, stat = _llm(t, cache).call("events", prompt, EventList, article=ARTICLE)
    assert len(t.bodies) == 2 and stat.cached  # the bad entry was overwritten with a good one


def test_an_unwritable_cache_does_not_fail_the_call(tmp_path: Path, prompt: prompts.Prompt) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    t = Transport()
    answer, stat = _llm(t, ResponseCache(blocker / "responses")).call("events", prompt, EventList, article=ARTICLE)
    assert answer.events[0].place == "Moscow" and not stat.cached


# ---- the CLI and the eval, from the seed-001 cassette ------------------------------------------------


def _cli(seed: Path, *args: str) -> tuple[dict, int]:  # type: ignore[type-arg]
    """Run the CLI on a seed under its v1 cassette; return the JSON result and how many answers it replayed."""
    cassette = cassette_path(seed.stem, PromptSet.load("v1").fingerprint(MODEL_NAME))
    with recorder(record=False).use_cassette(str(cassette)) as cass:
        r = CliRunner().invoke(
            main, [str(seed), "--base-url", REPLAY_BASE_URL, "--model", MODEL_NAME, "--prompt", "v1", *args]
        )
        played = cass.play_count
    assert r.exit_code == 0, r.stderr
    return json.loads(r.stdout), played


def test_second_cli_run_sends_nothing_and_no_cache_bypasses(seed001: Path) -> None:
    first, played = _cli(seed001)
    calls = first["run"]["calls"]
    assert played == len(calls) > 0 and not any(c["cached"] for c in calls)
    responses = Path(os.environ["SUMMARISE_CACHE_DIR"]) / "responses"
    assert len(list(responses.rglob("*.json"))) == len(calls)

    second, played = _cli(seed001)
    assert played == 0
    assert all(c["cached"] and c["latency_s"] == 0 for c in second["run"]["calls"])
    assert second["events"] == first["events"] and second["summary"] == first["summary"]

    third, played = _cli(seed001, "--no-cache")
    assert played == len(calls) and not any(c["cached"] for c in third["run"]["calls"])
    assert third["events"] == first["events"]


def test_the_eval_never_consults_the_cache(seed001: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _cli(seed001)  # the cache now holds every answer the eval is about to ask for
    touched: list[str] = []
    monkeypatch.setattr(ResponseCache, "get", lambda *a, **k: touched.append("get"))
    monkeypatch.setattr(ResponseCache, "put", lambda *a, **k: touched.append("put"))
    r = CliRunner().invoke(main, ["eval", "--prompt", "v1", "--case", "001", "--report-dir", str(tmp_path / "r")])
    assert r.exit_code == 0, r.stderr
    assert touched == []
    report = json.loads((tmp_path / "r" / "eval-v1.json").read_text())
    assert report["cases"]["001_be506d096dbecfb0"]["calls"] > 0
    # even when handed settings with the cache on (as the run command's are), replay goes over HTTP
    runs, _ = run_cases(load_cases(only=["001"]), Settings(cache=True, prompt_version="v1"), "replay")
    assert runs[0].result.status == "ok" and runs[0].result.run and runs[0].result.run.calls
    assert touched == [] and not any(c.cached for c in runs[0].result.run.calls)
