"""Model -> draft records, in two small calls per event rather than one big call per article.

Step 1 (`events` prompt) sees the article as numbered sentences and names each event with the sentences it
rests on. Step 2 (`claims` prompt) sees only those sentences (and their neighbours, where attributions
live) and lists the figures. The response schemas are small and capped because every generated token
costs about 0.1 s on the embedded model; field meanings are in the prompt too, since a grammar-constrained
model never sees the schema's descriptions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pydantic import BaseModel, Field

from .llm import LLM
from .normalise import Sentence
from .prompts import Prompt, delimit
from .records import CallStat, EventType, Measure

# Sentences that can carry an event; the rest (analysis, background) is not shown to step 1.
RELEVANT = re.compile(
    r"drone|uav|unmanned|aerial|missile|rocket|air[- ]?defen[cs]e|anti[- ]?air|aircraft|intercept|shot down|"
    r"downed|destroy|strike|struck|attack|explo|blast|bomb|shell|kill|dead|died|injur|wound|casualt|"
    r"pantsir|s-\d00|buk|tor-m|iskander|deploy|install|mounted|battery|batteries|clash|fighting|"
    r"беспилот|бпла|дрон|ракет|пво|сбит|уничтож|атак|удар|взрыв|погиб|ранен|пострада",
    re.I,
)
MAX_STEP1_SENTENCES = 60
# A "sentence" longer than this (a page with no full stops) is shown to the model as a window around the
# words that made it relevant, so one request still fits the context; grounding uses the whole article.
MAX_SENTENCE_CHARS = 1000


class EventDraft(BaseModel):
    event_type: EventType
    place: str = Field(max_length=80)
    region: str = Field(max_length=60)
    country: str = Field(max_length=40)
    when: str = Field(max_length=60)
    sentences: list[int] = Field(max_length=4)


class EventList(BaseModel):
    events: list[EventDraft] = Field(max_length=10)


class FigureDraft(BaseModel):
    measure: Measure
    value: int = Field(ge=0, le=100000)
    claimant: str = Field(max_length=80)
    channel: str = Field(max_length=40)
    quote: str = Field(max_length=160)


class EventDetail(BaseModel):
    actors: list[str] = Field(max_length=3)
    weapons: list[str] = Field(max_length=3)
    figures: list[FigureDraft] = Field(max_length=10)


@dataclass
class Draft:
    """One event as the model described it, plus the sentences it was given."""

    event: EventDraft
    sentences: list[Sentence]
    detail: EventDetail | None = None
    stats: list[CallStat] = field(default_factory=list)
    from_figure: bool = False  # opened by a figure at a place no event named (prompt v2)
    anchors: dict[int, Sentence] = field(default_factory=dict)  # figure index -> the sentence it was read from


def clip(s: Sentence) -> Sentence:
    if len(s.text) <= MAX_SENTENCE_CHARS:
        return s
    m = RELEVANT.search(s.text)
    start = max(0, (m.start() if m else 0) - MAX_SENTENCE_CHARS // 2)
    return Sentence(n=s.n, start=s.start, end=s.end, text=s.text[start : start + MAX_SENTENCE_CHARS])


def step1_input(sents: list[Sentence]) -> str:
    shown = [s for s in sents if RELEVANT.search(s.text)][:MAX_STEP1_SENTENCES]
    return delimit("\n".join(f"[{s.n}] {s.text}" for s in shown))


def find_events(llm: LLM, prompt: Prompt, sents: list[Sentence]) -> tuple[list[EventDraft], CallStat]:
    if not any(RELEVANT.search(s.text) for s in sents):
        return [], CallStat(step="events", prompt=f"{prompt.name}.{prompt.version}")
    result, stat = llm.call("events", prompt, EventList, article=step1_input(sents))
    return result.events, stat


def context_for(event: EventDraft, sents: list[Sentence], limit: int = 8) -> list[Sentence]:
    """The event's sentences, each with the one after it (attributions often follow the figure)."""
    by_n = {s.n: s for s in sents}
    wanted: list[int] = []
    for n in event.sentences:
        for k in (n, n + 1):
            if k in by_n and k not in wanted:
                wanted.append(k)
    if not wanted:
        wanted = [s.n for s in sents if event.place and event.place.lower() in s.text.lower()][:limit]
    return [by_n[n] for n in sorted(wanted)[:limit]]


def describe(event: EventDraft) -> str:
    when = f", {event.when}" if event.when else ""
    return f"{event.event_type.value.replace('_', ' ')} in {event.place}{when}"


def fill_event(llm: LLM, prompt: Prompt, event: EventDraft, sents: list[Sentence]) -> Draft:
    context = context_for(event, sents)
    draft = Draft(event=event, sentences=context)
    if not context:
        return draft
    text = delimit("\n".join(clip(s).text for s in context))
    draft.detail, stat = llm.call("claims", prompt, EventDetail, event=describe(event), article=text)
    draft.stats.append(stat)
    return draft
