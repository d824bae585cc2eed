"""Wires the stages, and nothing else does: article -> sentences -> events -> claims -> grounding -> summary."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from . import embedded, prompts
from .article import Article
from .cache import ResponseCache
from .chunk import find_events_chunked
from .config import Settings
from .errors import ConfigError
from .extract import EventDetail, EventList, fill_event
from .figures import FigureList, attach, find_figures
from .ground import Grounder
from .llm import LLM
from .normalise import sentences
from .records import CallStat, Result, RunInfo
from .resolve import resolve
from .summary import summarise_events


@dataclass(frozen=True)
class PromptSet:
    """The prompts of one version, used together."""

    events: prompts.Prompt
    claims: prompts.Prompt | None = None  # v1: one call per event
    figures: prompts.Prompt | None = None  # v2+: one call per article over the figure sentences

    @classmethod
    def load(cls, version: str | None = None, directory: Path | None = None) -> PromptSet:
        events = prompts.load("events", version, directory)
        have = prompts.available(directory)
        second = {
            n: prompts.load(n, events.version, directory)
            for n in ("claims", "figures")
            if events.version in have.get(n, [])
        }
        if not second:
            raise ConfigError(f"prompt version {events.version} has events but neither claims nor figures")
        return cls(events=events, **second)

    @property
    def version(self) -> str:
        return self.events.version

    def fingerprint(self, model: str) -> str:
        """Changes whenever a prompt, a response schema or the model changes: names cassettes and caches."""
        h = hashlib.sha256(model.encode())
        for p in self._prompts:
            h.update(p.sha256.encode())
        for schema in (EventList, EventDetail) if self.claims else (EventList, FigureList):
            h.update(json.dumps(schema.model_json_schema(), sort_keys=True).encode())
        return h.hexdigest()[:10]

    @property
    def _prompts(self) -> list[prompts.Prompt]:
        return [p for p in (self.events, self.claims, self.figures) if p is not None]

    @property
    def refs(self) -> list[prompts.PromptRef]:
        return [p.ref for p in self._prompts]


def run(article: Article, llm: LLM, prompt_set: PromptSet) -> Result:
    """One article through every stage. Model errors propagate; the caller decides what they cost."""
    start = time.perf_counter()
    sents = sentences(article.text)
    stats: list[CallStat] = []
    drafts_events, step1 = find_events_chunked(llm, prompt_set.events, sents, article.text)
    stats.extend(step1)
    drafts = []
    if prompt_set.figures is not None:
        figures, fstats = find_figures(llm, prompt_set.figures, sents)
        stats += fstats
        drafts = attach(drafts_events, figures, sents)
    elif prompt_set.claims is not None:
        for event in drafts_events:
            draft = fill_event(llm, prompt_set.claims, event, sents)
            stats.extend(draft.stats)
            drafts.append(draft)
    events = resolve(drafts, Grounder(article.text), sents)
    summary = summarise_events(events)
    return Result(
        article_id=article.id,
        source=article.source,
        events=events,
        summary=summary,
        run=RunInfo(
            model=llm.model,
            base_url=llm.base_url,
            prompts=prompt_set.refs,
            calls=stats,
            wall_s=round(time.perf_counter() - start, 3),
        ),
    )


def make_llm(settings: Settings, base_url: str, **kwargs: object) -> LLM:
    """The same request body for every endpoint, so a cassette recorded on one replays for any."""
    return LLM(
        base_url,
        settings.model,
        settings.api_key,
        timeout=settings.timeout,
        attempts=settings.attempts,
        backoff=settings.backoff,
        max_reasks=settings.max_reasks,
        temperature=settings.temperature,
        cache=ResponseCache.default() if settings.cache else None,
        **kwargs,  # type: ignore[arg-type]
    )


@contextmanager
def session(settings: Settings) -> Iterator[LLM]:
    """An LLM ready to call: the configured endpoint, or the embedded server for the duration."""
    if not settings.embedded:
        assert settings.base_url is not None
        yield make_llm(settings, settings.base_url)
        return
    path = embedded.check_gguf(settings.model_path) if settings.model_path else embedded.ensure_model()
    with embedded.EmbeddedServer(
        path, threads=settings.threads, n_parallel=settings.parallel, cache_prompt=settings.cache_prompt
    ) as server:
        yield make_llm(settings, server.base_url)
