from __future__ import annotations

from summarise.records import (
    AlignStatus,
    Claim,
    DateInfo,
    Event,
    EventType,
    Evidence,
    Location,
    Measure,
    Precision,
    Span,
)
from summarise.summary import compose, lint, summarise_events


def _claim(measure: Measure, value: int, claimant: str | None, channel: str | None = None, ok: bool = True) -> Claim:
    ev = Evidence(quote="q", status=AlignStatus.exact if ok else AlignStatus.not_found, span=Span(start=0, end=1))
    return Claim(measure=measure, value=value, claimant=claimant, channel=channel, evidence=ev, verified=ok)


def _event(place: str, *claims: Claim, kind: EventType = EventType.interception) -> Event:
    return Event(
        event_type=kind,
        location=Location(text=place),
        date=DateInfo(text="July 21st", iso="--07-21", precision=Precision.day),
        claims=list(claims),
    )


def test_conflicting_sources_each_keep_their_figure_and_name() -> None:
    events = [
        _event(
            "Kaluga Oblast",
            _claim(Measure.drones_intercepted, 4, "Governor Vladislav Shapsha", "Telegram"),
            _claim(Measure.drones_intercepted, 2, "the Russian Defence Ministry"),
        )
    ]
    s = summarise_events(events)
    assert "Governor Vladislav Shapsha said on Telegram that 4 drones were intercepted in Kaluga Oblast" in s.text
    assert "Russian Defence Ministry said that 2 drones were intercepted" in s.text
    assert s.findings == []


def test_unverified_claims_never_reach_the_summary() -> None:
    s = summarise_events([_event("Tver", _claim(Measure.killed, 500, "someone", ok=False), kind=EventType.strike)])
    assert "500" not in s.text
    assert not [f for f in s.findings if f.rule != "length"]


def test_unattributed_verified_figure_says_so() -> None:
    text = compose([_event("Tver", _claim(Measure.injured, 7, None), kind=EventType.strike)])
    assert "without naming a source" in text and "7 people were injured in Tver" in text


def test_no_events_gives_a_summary_that_says_so() -> None:
    s = summarise_events([])
    assert "no drone strike" in s.text.lower()
    assert s.findings == []


def test_linter_flags_loaded_terms_unattributed_and_unsupported_figures() -> None:
    events = [_event("Moscow", _claim(Measure.drones_intercepted, 3, "Sergei Sobyanin"))]
    findings = lint("Hostile actors sent 5 drones. Acts of aggression shook the heartland.", events)
    rules = [(f.rule, f.text) for f in findings]
    assert ("loaded_term", "hostile actors") in rules
    assert ("loaded_term", "acts of aggression") in rules
    assert ("loaded_term", "heartland") in rules
    assert any(r == "unattributed_figure" for r, _ in rules)
    assert any(r == "unsupported_figure" and "5 drones" in t for r, t in rules)


def test_linter_passes_an_attributed_supported_summary() -> None:
    events = [_event("Moscow", _claim(Measure.drones_intercepted, 3, "Sergei Sobyanin"))]
    assert lint("Sergei Sobyanin said 3 drones were intercepted. Nothing else was reported.", events) == []


def test_no_casualties_is_said_in_words_and_a_short_name_joins_its_full_form() -> None:
    events = [
        _event(
            "Kaluga Oblast",
            _claim(Measure.drones_intercepted, 4, "Governor Vladislav Shapsha", "Telegram"),
            _claim(Measure.killed, 0, "Shapsha"),
            _claim(Measure.injured, 0, "Shapsha"),
        )
    ]
    s = summarise_events(events)
    assert "no one was killed or injured" in s.text
    assert s.text.count("Shapsha said") == 1 and "0 people" not in s.text
    assert s.text.count("July 21st") == 1  # a date shared by a source's figures is said once
    assert s.findings == []


def test_an_unattributed_copy_of_a_sourced_figure_is_not_repeated() -> None:
    events = [
        _event(
            "Moscow",
            _claim(Measure.drones_intercepted, 1, "Sergei Sobyanin"),
            _claim(Measure.drones_intercepted, 1, None),
        )
    ]
    text = compose(events)
    assert "Sergei Sobyanin said" in text and "without naming a source" not in text
