"""No API key in a cassette, ever: the committed ones are scanned, and recording with a key set is shown
to filter it (the request goes to the fake server on 127.0.0.1, through the same recorder the eval uses)."""

from __future__ import annotations

import re
from pathlib import Path

from fakeserver import FakeServer, completion

from evals.cassettes import CASSETTES, recorder
from summarise.llm import LLM
from summarise.pipeline import PromptSet

KEYLIKE = re.compile(r"(?i)authorization|bearer\s+\S+|\bsk-[A-Za-z0-9_-]{8,}|api[_-]?key")


def test_committed_cassettes_hold_no_credentials() -> None:
    files = sorted(CASSETTES.glob("*.yaml"))
    assert files
    for path in files:
        hits = KEYLIKE.findall(path.read_text(encoding="utf-8"))
        assert not hits, f"{path.name}: {hits[:3]}"


def test_recording_with_a_key_set_filters_it(tmp_path: Path) -> None:
    secret = "sk-live-THIS-MUST-NOT-LEAK-1234567890"
    cassette = tmp_path / "c.yaml"
    with FakeServer(lambda body: completion({"events": []})) as server:
        llm = LLM(server.base_url, "m", api_key=secret, attempts=1)
        with recorder(record=True).use_cassette(str(cassette)):
            from summarise.extract import EventList

            llm.call("events", PromptSet.load().events, EventList, article="<<<ARTICLE\n[1] x\nARTICLE>>>")
    text = cassette.read_text()
    assert "chat/completions" in text  # it did record the request
    assert secret not in text and "THIS-MUST-NOT-LEAK" not in text
    assert not re.search(r"(?i)authorization", text)
