"""Figures first (prompt v2): one call per article over the sentences that can carry a figure.

Measured on v1: one claims call per event spent most of its tokens restating the same sentence for every
measure, and events without numbers (deployments) paid for a call that could only invent figures. Here the
code picks the sentences that hold a number next to a word saying what it counts, shows them with their
neighbours (where attributions live), and the model lists each figure with its sentence number. The code
then hangs each figure on the event at its place, or opens an event for it.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, Field

from .extract import Draft, EventDetail, EventDraft, FigureDraft
from .llm import LLM
from .normalise import Sentence, has_figure
from .prompts import Prompt, delimit
from .records import CallStat, EventType, Measure

MAX_CALLS = 24  # figure sentences read per article; a 200 KB article would otherwise cost hours
_GENERIC = re.compile(
    r"\b(the|oblast|region|regions|district|districts|city|of|krai|republic|province|capital|area)\b", re.I
)


class FigureItem(BaseModel):
    measure: Measure
    value: int = Field(ge=0, le=100000)
    place: str = Field(max_length=60)
    claimant: str = Field(max_length=60)
    channel: str = Field(max_length=30)
    quote: str = Field(max_length=90)


class FigureList(BaseModel):
    figures: list[FigureItem] = Field(max_length=6)


def figure_sentences(sents: list[Sentence]) -> list[Sentence]:
    return [s for s in sents if has_figure(s.text)][:MAX_CALLS]


def find_figures(
    llm: LLM, prompt: Prompt, sents: list[Sentence]
) -> tuple[list[tuple[int, FigureItem]], list[CallStat]]:
    """One call per figure sentence, each shown with two sentences before and one after; figures come back
    with the number of the sentence they were read from."""
    by_n = {s.n: s for s in sents}
    figures: list[tuple[int, FigureItem]] = []
    stats: list[CallStat] = []
    for s in figure_sentences(sents):
        around = [by_n[k].text for k in (s.n - 2, s.n - 1, s.n + 1) if k in by_n]
        result, stat = llm.call(
            "figures", prompt, FigureList, context=delimit("\n".join(around)), sentence=delimit(s.text)
        )
        stats.append(stat)
        figures += [(s.n, f) for f in result.figures]
    return figures, stats


def place_key(place: str) -> str:
    words = _GENERIC.sub(" ", place.lower()).split()
    return words[0] if words else ""


def _type_for(measure: Measure) -> EventType:
    return EventType.interception if measure is Measure.drones_intercepted else EventType.strike


def attach(events: list[EventDraft], figures: list[tuple[int, FigureItem]], sents: list[Sentence]) -> list[Draft]:
    """Hang each figure on an event: same place first, else the event citing its sentence, else a new one."""
    by_n = {s.n: s for s in sents}
    drafts = [Draft(event=e, sentences=[by_n[n] for n in e.sentences if n in by_n]) for e in events]
    for d in drafts:
        d.detail = EventDetail(actors=[], weapons=[], figures=[])
    last: Draft | None = None
    for n, f in _carry_claimants(figures):
        target = _target(drafts, f, n, by_n, last)
        if target is None:
            continue  # no place in the model's answer or the sentence, and no event to hang it on
        if isinstance(target, str):
            event = EventDraft(
                event_type=_type_for(f.measure),
                place=target,
                region="",
                country="",
                when="",
                sentences=[n] if n in by_n else [],
            )
            target = Draft(event=event, sentences=[by_n[n]] if n in by_n else [], from_figure=True)
            target.detail = EventDetail(actors=[], weapons=[], figures=[])
            drafts.append(target)
        if n in by_n and by_n[n] not in target.sentences:
            target.sentences.append(by_n[n])
        assert target.detail is not None
        if n in by_n:
            target.anchors[len(target.detail.figures)] = by_n[n]
        target.detail.figures.append(
            FigureDraft(measure=f.measure, value=f.value, claimant=f.claimant, channel=f.channel, quote=f.quote)
        )
        last = target
    return drafts


def _carry_claimants(figures: list[tuple[int, FigureItem]], back: int = 4) -> list[tuple[int, FigureItem]]:
    """A tally names its source once ("the ministry claimed 19 ... six in Bryansk ... five in Moscow"):
    a figure with no claimant takes the one of a figure up to `back` sentences before it. resolve.py still
    requires that name to stand beside a verb of saying within that window, or drops it."""
    out: list[tuple[int, FigureItem]] = []
    for n, f in figures:
        if not f.claimant.strip():
            prev = next((p for m, p in reversed(out) if n - back <= m <= n and p.claimant.strip()), None)
            if prev is not None:
                f = f.model_copy(update={"claimant": prev.claimant, "channel": prev.channel})
        out.append((n, f))
    return out


def _nearest_named(drafts: list[Draft], sentence: str, quote: str) -> Draft | None:
    """When a sentence names two events' places ("the incident in Moscow followed an attack in Tver, where
    a strike injured seven"), the figure belongs to the place named closest before its words."""
    q = sentence.find(quote.lower()[:25]) if quote else -1
    if q < 0:
        return None
    named: list[tuple[int, Draft]] = []
    for d in drafts:
        key = place_key(d.event.place)
        pos = sentence.rfind(key, 0, q + 1) if key else -1
        if pos >= 0:
            named.append((q - pos, d))
    if len({id(d) for _, d in named}) < 2:
        return None
    return min(named, key=lambda t: t[0])[1]


_MONTHS = r"(?:January|February|March|April|May|June|July|August|September|October|November|December)\b"
_PLACE_IN = re.compile(
    rf"\b(?:in|over|near|at)\s+(?!{_MONTHS})((?:the\s+)?[A-Z][\w'\u2019-]+(?:\s+(?:and\s+)?[A-Z][\w'\u2019-]+){{0,3}})"
)


def _place_in(sentence: str, quote: str) -> str | None:
    """A place the sentence itself names ("in Ryazan and Saratov"), the last one before the figure's words."""
    q = sentence.lower().find(quote.lower()[:25]) if quote else -1
    found = [m for m in _PLACE_IN.finditer(sentence) if q < 0 or m.start() <= q + len(quote)]
    return found[-1].group(1) if found else None


def _target(
    drafts: list[Draft], f: FigureItem, n: int, by_n: dict[int, Sentence], last: Draft | None
) -> Draft | str | None:
    """Where a figure goes: an event (Draft), a place for a new event (str), or nowhere (None).

    The place the model gave must be in the sentence; the code trusts the sentence over the model."""
    text = by_n[n].text if n in by_n else ""
    sentence = text.lower()
    near = _nearest_named(drafts, sentence, f.quote)
    if near is not None:
        return near
    key = place_key(f.place)
    key = key if len(key) >= 3 and key not in f.claimant.lower() else ""  # "place: Shapsha" is a person
    for d in drafts:
        if key and key in (place_key(d.event.place), place_key(d.event.region)):
            return d
    if key and key in sentence:
        return f.place  # a place the sentence names and no event has: its own event
    for d in drafts:
        if n in d.event.sentences:
            return d
    named = _place_in(text, f.quote)
    if named:
        for d in drafts:
            if place_key(named) and place_key(named) == place_key(d.event.place):
                return d
        return named
    return last
