from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from summarise.records import Claim, Event, Gold, Measure, Result, Span

GOLD = sorted((Path(__file__).resolve().parent.parent / "seeds" / "gold").glob("*.json"))


def test_every_seed_has_gold_and_it_validates_against_the_pipeline_schema() -> None:
    seeds = sorted(p.stem for p in (Path(__file__).resolve().parent.parent / "seeds").glob("*.txt"))
    assert [g.stem for g in GOLD] == seeds
    for path in GOLD:
        Gold.model_validate_json(path.read_text(encoding="utf-8"))


def test_gold_quotes_are_verbatim_at_their_spans() -> None:
    for path in GOLD:
        gold = Gold.model_validate_json(path.read_text(encoding="utf-8"))
        text = (path.parent.parent / f"{gold.case}.txt").read_text(encoding="utf-8")
        for event in gold.events:
            for ev in [*event.evidence, *(c.evidence for c in event.claims if c.evidence)]:
                assert ev.span is not None
                assert text[ev.span.start : ev.span.end] == ev.quote, (gold.case, ev.quote)


def test_conflicting_figures_stay_side_by_side_in_seed_002() -> None:
    gold = Gold.model_validate_json(GOLD[2].read_text(encoding="utf-8"))
    kaluga = [e for e in gold.events if "kaluga" in (e.location.region or e.location.text or "").lower()]
    values = {(c.value, c.claimant) for e in kaluga for c in e.claims if c.measure is Measure.drones_intercepted}
    assert {v for v, _ in values} >= {4, 2}
    assert len({who for _, who in values}) == 2


def test_unknown_event_type_and_negative_figures_are_rejected() -> None:
    with pytest.raises(ValidationError):
        Event.model_validate({"event_type": "heroic_defence"})
    with pytest.raises(ValidationError):
        Claim(measure=Measure.killed, value=-1)
    with pytest.raises(ValidationError):
        Span(start=5, end=2)


def test_result_round_trips_through_json() -> None:
    r = Result(article_id="abc", source="x.txt", events=[Event.model_validate({"event_type": "other"})])
    assert Result.model_validate(json.loads(r.model_dump_json())) == r
