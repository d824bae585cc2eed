"""Running the cases: replayed from cassettes (default, offline), recorded, or live.

Replay points the client at a port nothing listens on; every answer comes from the cassette matched on the
request body. A case whose cassette is missing or does not match becomes an error result that says how to
fix it, never a silent pass.
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Literal

from summarise import article as article_mod
from summarise.config import Settings
from summarise.errors import LLMError
from summarise.llm import LLM
from summarise.pipeline import PromptSet, make_llm, run, session
from summarise.records import Result

from .cassettes import CASSETTES, REPLAY_BASE_URL, cassette_path, recorder
from .dataset import Case

Mode = Literal["replay", "record", "live"]


@dataclasses.dataclass
class CaseRun:
    case: Case
    result: Result
    cassette: Path | None


@contextmanager
def _llm_for(mode: Mode, settings: Settings) -> Iterator[LLM]:
    if mode == "replay":
        yield make_llm(dataclasses.replace(settings, attempts=1), REPLAY_BASE_URL)
    else:
        with session(settings) as llm:
            yield llm


def run_cases(
    cases: list[Case],
    settings: Settings,
    mode: Mode = "replay",
    cassettes: Path = CASSETTES,
    progress: Callable[[str], None] | None = None,
) -> tuple[list[CaseRun], str]:
    """Run every case; return the runs and the prompt fingerprint they used."""
    settings = dataclasses.replace(settings, cache=False)  # cassettes must see every request, never a cache hit
    prompt_set = PromptSet.load(settings.prompt_version, settings.prompts_dir)
    fingerprint = prompt_set.fingerprint(settings.model)
    runs: list[CaseRun] = []
    with _llm_for(mode, settings) as llm:
        for case in cases:
            if progress:
                progress(case.id)
            path = cassette_path(case.id, fingerprint, cassettes) if mode != "live" else None
            runs.append(CaseRun(case, _one(case, llm, prompt_set, mode, path), path))
    return runs, fingerprint


def _one(case: Case, llm: LLM, prompt_set: PromptSet, mode: Mode, path: Path | None) -> Result:
    art = article_mod.load(case.article)
    if mode == "live" or path is None:
        return _guarded(lambda: run(art, llm, prompt_set), art, "")
    if mode == "replay" and not path.exists():
        message = f"no cassette {path.name} for this prompt version; record it: summarise eval --record"
        print(f"summarise eval: {art.source}: {message}", file=sys.stderr)
        return _error(art, message)
    if mode == "record":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.unlink(missing_ok=True)
    with recorder(record=mode == "record").use_cassette(str(path)):
        hint = " (the cassette does not match the requests: re-record with summarise eval --record)"
        return _guarded(lambda: run(art, llm, prompt_set), art, hint if mode == "replay" else "")


def _guarded(fn: Callable[[], Result], art: article_mod.Article, hint: str) -> Result:
    try:
        return fn()
    except LLMError as exc:
        print(f"summarise eval: {art.source}: {exc}{hint}", file=sys.stderr)
        return _error(art, f"{exc}{hint}")


def _error(art: article_mod.Article, message: str) -> Result:
    return Result(article_id=art.id, source=art.source, status="error", error=message)
