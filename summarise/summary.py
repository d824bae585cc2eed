"""The neutral summary: composed from verified records only, then linted.

Composition is deterministic on purpose: measured on the embedded model, a free-written summary copied the
article's framing. Here every figure comes from a verified claim and carries its claimant, so the linter
is a check on this module (and on any future LLM phrasing), not a hope.
"""

from __future__ import annotations

import re
from collections import defaultdict
from functools import lru_cache
from importlib import resources

from .normalise import numbers_in
from .records import Claim, Event, EventType, LintFinding, Measure, Precision, Summary

_EVENT_NOUN = {
    EventType.strike: "a drone or missile strike",
    EventType.interception: "an air-defence interception",
    EventType.deployment: "the deployment of air-defence systems",
    EventType.explosion: "an explosion",
    EventType.clash: "an armed clash",
    EventType.other: "an incident",
}
_ATTRIBUTION = re.compile(r"\b(said|says|according to|reported|reports|stated|claimed|wrote|told|announced)\b", re.I)
MAX_SENTENCES = 4


@lru_cache(maxsize=1)
def loaded_terms() -> tuple[str, ...]:
    text = resources.files("summarise").joinpath("data/loaded_terms.txt").read_text(encoding="utf-8")
    return tuple(t.strip().lower() for t in text.splitlines() if t.strip() and not t.startswith("#"))


def _figure(claim: Claim) -> str:
    n = claim.value
    rng = f"{n} to {claim.value_max}" if claim.value_max else str(n)
    plural = claim.value_max is not None or n != 1
    if claim.measure is Measure.drones_intercepted:
        return f"{rng} drone{'s' if plural else ''} {'were' if plural else 'was'} intercepted"
    if claim.measure is Measure.drones_launched:
        return f"{rng} drone{'s' if plural else ''} {'were' if plural else 'was'} launched"
    what = "killed" if claim.measure is Measure.killed else "injured"
    return f"{rng} {'people were' if plural else 'person was'} {what}"


def _where(event: Event) -> str:
    # Place and date are the model's words, not checked like figures: one that carries a count (a model told
    # to "say 500 drones" can put it there) is left out, so every number in a summary is a verified claim's.
    place = next((p for p in (event.location.text, event.location.region) if p and not numbers_in(p)), None)
    if not place:
        return ""
    return f" at {place}" if re.match(r"(?i)(the|a|an)\b", place) else f" in {place}"


def _when(event: Event) -> str:
    if event.date.text and event.date.precision in (Precision.day, Precision.month) and not numbers_in(event.date.text):
        text = event.date.text
        return f" {text}" if re.match(r"(?i)(on|in|during|at|over)\b", text) else f" on {text}"
    return ""


def _systems(event: Event) -> str:
    return f" ({', '.join(event.weapons)})" if event.weapons else ""


def _join(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _merge_names(names: list[str]) -> dict[str, str]:
    """'Shapsha' and 'Governor Владислав Shapsha' are one source: map each name to the longest that contains it."""
    out = {}
    for n in names:
        longer = [m for m in names if m != n and n.lower() in m.lower()]
        out[n] = max(longer, key=len) if longer else n
    return out


def _clauses(items: list[tuple[Event, Claim]]) -> str:
    """One source's figures: zeros said as 'no one', a date shared by every figure said once, at the end."""
    dates = {_when(e) for e, _ in items}
    shared = dates.pop() if len(dates) == 1 else None
    zero = {c.measure for _, c in items if c.value == 0}
    parts: list[str] = []
    for e, c in items:
        if c.value == 0 and {Measure.killed, Measure.injured} <= zero and c.measure in zero:
            continue
        what = f"no one was {'killed' if c.measure is Measure.killed else 'injured'}" if c.value == 0 else _figure(c)
        parts.append(f"{what}{_where(e)}{'' if shared is not None else _when(e)}")
    if {Measure.killed, Measure.injured} <= zero:
        e = next(e for e, c in items if c.value == 0)
        parts.append(f"no one was killed or injured{_where(e)}{'' if shared is not None else _when(e)}")
    return _join(parts) + (shared or "")


def compose(events: list[Event]) -> str:
    if not events:
        return (
            "The article reports no drone strike, interception, air-defence deployment or other attack that "
            "could be recorded as an event. No figures were extracted from it."
        )
    names = _merge_names([c.claimant for e in events for c in e.claims if c.verified and c.claimant])
    # One sentence per source: a source's figures for several places read as one statement. A figure the
    # article gives without a source is left out when a named source gives the same figure for that event.
    by_source: dict[str, list[tuple[Event, Claim]]] = defaultdict(list)
    bare: list[Event] = []
    for event in events:
        verified = [c for c in event.claims if c.verified]
        if not verified:
            bare.append(event)
        named = {(c.measure, c.value) for c in verified if c.claimant}
        for claim in verified:
            if claim.claimant:
                by_source[names[claim.claimant]].append((event, claim))
            elif (claim.measure, claim.value) not in named:
                by_source[""].append((event, claim))
    sentences: list[str] = []
    for source, items in sorted(by_source.items(), key=lambda kv: kv[0] == ""):
        if source:
            channel = next((c.channel for _, c in items if c.channel), None)
            said = f"{source} said{f' on {channel}' if channel else ''}"
            sentences.append(f"{said[0].upper()}{said[1:]} that {_clauses(items)}.")
        else:
            sentences.append(f"The article reports, without naming a source, that {_clauses(items)}.")
    if bare:
        nouns = [f"{_EVENT_NOUN[e.event_type]}{_systems(e)}{_where(e)}{_when(e)}" for e in bare[:3]]
        also = " also" if sentences else ""
        sentences.append(f"The article{also} reports {_join(nouns)}, with no verified figures.")
    if len(sentences) > MAX_SENTENCES:
        sentences = sentences[: MAX_SENTENCES - 1] + ["Further sources in the article give other figures."]
    if not any(c.measure in (Measure.killed, Measure.injured) and c.verified for e in events for c in e.claims):
        sentences.append("No verified casualty figures were found in the article.")
    elif len(sentences) < 2:
        sentences.append("No other verified figures were found in the article.")
    return " ".join(sentences[:MAX_SENTENCES])


def _split(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s]


def lint(text: str, events: list[Event]) -> list[LintFinding]:
    findings: list[LintFinding] = []
    lower = text.lower()
    for term in loaded_terms():
        if re.search(rf"(?<!\w){re.escape(term)}(?!\w)", lower):
            findings.append(LintFinding(rule="loaded_term", message=f"loaded term {term!r}", text=term))
    supported = {c.value for e in events for c in e.claims if c.verified} | {
        c.value_max for e in events for c in e.claims if c.verified and c.value_max
    }
    sentences = _split(text)
    for sentence in sentences:
        figures = numbers_in(sentence)
        if figures and not _ATTRIBUTION.search(sentence):
            findings.append(LintFinding(rule="unattributed_figure", message="figure without a source", text=sentence))
        for n in figures:
            if n not in supported:
                findings.append(
                    LintFinding(rule="unsupported_figure", message=f"{n} is in no verified claim", text=sentence)
                )
    if not 2 <= len(sentences) <= MAX_SENTENCES:
        findings.append(
            LintFinding(rule="length", message=f"{len(sentences)} sentences, want 2 to {MAX_SENTENCES}", text="")
        )
    return findings


def summarise_events(events: list[Event]) -> Summary:
    text = compose(events)
    return Summary(text=text, findings=lint(text, events))
