"""Long articles: step 1 in overlapping chunks on paragraph boundaries, events merged, offsets global.

The 200 KB article is built from 30 event paragraphs (a distinct town, date and count each, five relevant
sentences) between varied background paragraphs that step 1 never needs to see. Before chunking, step 1
showed the first 60 relevant sentences and the last 18 towns were silently lost.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from fakeserver import FakeServer, ScriptedModel, event_dict, numbered_sentences, step_of
from helpers import GOVERNORS, TOWNS

from summarise.article import load
from summarise.chunk import MAX_CHARS, MAX_SENTENCES, OVERLAP, chunks, merge_drafts
from summarise.cli import main
from summarise.extract import RELEVANT, EventDraft, step1_input
from summarise.normalise import sentences
from summarise.prompts import delimit

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
MONTHS = ["March", "April", "May", "June", "July", "August"]
EVENT_TOWNS = [*TOWNS, "Murmansk", "Kaliningrad"][:30]

_FILLER = [
    "The {n}th session of the {town} city council approved a new timetable for suburban trains and buses.",
    "Farmers near {town} expect a harvest of about {n} thousand tonnes of wheat if the weather holds.",
    "A local museum in {town} opened an exhibition of {n} paintings by regional artists from the last century.",
    "Residents of {town} were reminded that the {n} public libraries close early on public holidays.",
    "Teachers in {town} said that {n} pupils had registered for the summer mathematics olympiad this year.",
    "The regional theatre announced a season of {n} premieres, including two operas and a children's play.",
    "Road repairs on {n} streets of {town} are scheduled to finish before the autumn rains begin.",
]


def _count(i: int) -> int:
    return 11 + 7 * i


def _event_paragraph(i: int) -> str:
    town, who = EVENT_TOWNS[i], GOVERNORS[i % len(GOVERNORS)]
    date = f"{MONTHS[i % len(MONTHS)]} {1 + i % 28}"
    return (
        f"Air defences shot down {_count(i)} drones over {town} on the night of {date}, "
        f"Governor {who} said on Telegram. "
        f"The drone attack on {town} damaged a depot, according to officials. "
        f"Firefighters in {town} put out a blaze caused by falling drone debris. "
        f"The strike on {town} caused no casualties, the governor added. "
        f"Air defence units around {town} remained on alert."
    )


def _filler_paragraph(i: int) -> str:
    town = TOWNS[(i * 7) % len(TOWNS)]
    return " ".join(_FILLER[(i + k) % len(_FILLER)].format(n=10 + i + k, town=town) for k in range(4))


def long_article() -> str:
    paragraphs = ["Drone attacks across the regions: a month in review"]
    i = 0
    while sum(len(p) + 2 for p in paragraphs) < 205_000:
        if i % 9 == 4 and i // 9 < len(EVENT_TOWNS):
            paragraphs.append(_event_paragraph(i // 9))
        else:
            paragraphs.append(_filler_paragraph(i))
        i += 1
    assert i // 9 >= len(EVENT_TOWNS), "the article must hold every event paragraph"
    return "\n\n".join(paragraphs) + "\n"


_TOWN_RE = re.compile("|".join(EVENT_TOWNS))
_DATE_RE = re.compile(rf"the night of (?:{'|'.join(MONTHS)}) \d+")


def events_by_town(sents: list[tuple[int, str]]) -> list[dict[str, Any]]:
    """One event per town the chunk mentions, on the (at most 4) sentences naming it, as a model would."""
    towns: dict[str, list[int]] = {}
    whens: dict[str, str] = {}
    for n, s in sents:
        m = _TOWN_RE.search(s)
        if m:
            towns.setdefault(m.group(0), []).append(n)
            d = _DATE_RE.search(s)
            if d:
                whens[m.group(0)] = d.group(0)
    out = []
    for town, ns in towns.items():
        ev = event_dict(ns[:4], town)
        ev["when"] = whens.get(town, "")
        out.append(ev)
    return out


def test_the_filler_is_not_relevant_and_the_events_are() -> None:
    assert not any(RELEVANT.search(s.text) for s in sentences(_filler_paragraph(3) + " " + _filler_paragraph(4)))
    assert all(RELEVANT.search(s.text) for s in sentences(_event_paragraph(0)))


def test_seed_articles_are_one_chunk_and_the_same_step1_text() -> None:
    """Short articles send the one request they always did; the eval's long case (008, 28 KB) is chunked."""
    for seed in sorted(SEEDS.glob("*.txt")):
        text = seed.read_text(encoding="utf-8")
        sents = sentences(text)
        parts = chunks(sents, text)
        if len(text) > 20_000:
            assert len(parts) > 1, seed.name
            continue
        assert len(parts) == 1, seed.name
        assert delimit("\n".join(f"[{s.n}] {s.text}" for s in parts[0])) == step1_input(sents)


def test_chunks_respect_limits_overlap_and_paragraphs() -> None:
    text = long_article()
    sents = sentences(text)
    relevant = [s for s in sents if RELEVANT.search(s.text)]
    parts = chunks(sents, text)
    assert len(parts) >= 4
    for part in parts:
        assert len(part) <= MAX_SENTENCES
        assert sum(len(f"[{s.n}] {s.text}\n") for s in part) <= MAX_CHARS
        assert [s.n for s in part] == sorted({s.n for s in part})
    for before, after in zip(parts, parts[1:], strict=False):
        assert after[:OVERLAP] == before[-OVERLAP:]  # two sentences of overlap
        first_new = after[OVERLAP]
        prev = next(s for s in reversed(sents) if s.n < first_new.n)
        assert "\n" in text[prev.end : first_new.start]  # new material starts on a paragraph boundary
    covered = {s.n for part in parts for s in part}
    assert covered == {s.n for s in relevant}  # nothing relevant is left out


def test_merge_drafts_joins_an_event_seen_twice_in_the_overlap_only() -> None:
    a = EventDraft.model_validate(event_dict([7, 8], "Tver"))
    again = a.model_copy(update={"sentences": [8], "when": "the night of May 3"})
    elsewhere = a.model_copy(update={"sentences": [8], "place": "Kursk"})  # same sentence, other place
    later = a.model_copy(update={"sentences": [90]})  # same place, no shared sentence: a later report
    merged = merge_drafts([a], [again, elsewhere, later])
    assert [(d.place, d.sentences, d.when) for d in merged] == [
        ("Tver", [7, 8], "the night of May 3"),
        ("Kursk", [8], ""),
        ("Tver", [90], ""),
    ]
    # within one chunk nothing is merged: a short article's events go to step 2 exactly as the model gave them
    assert len(merge_drafts([], [a, a])) == 2


def test_a_200_kb_article_is_read_in_chunks_and_its_events_merged(tmp_path: Path) -> None:
    path = tmp_path / "review.txt"
    path.write_text(long_article(), encoding="utf-8")
    text = load(path).text
    assert len(text.encode()) > 200_000
    model = ScriptedModel(events=events_by_town)
    with FakeServer(model) as srv:
        r = CliRunner().invoke(main, [str(path), "--base-url", srv.base_url, "--prompt", "v1", "--no-cache"])
    assert r.exit_code == 0, r.stderr
    result = json.loads(r.stdout)

    step1 = [b for b in srv.requests if step_of(b) == "events"]
    assert len(step1) == model.calls["events"] >= 4  # several chunks
    shown = [n for b in step1 for n, _ in numbered_sentences(b)]
    assert len(shown) > len(set(shown))  # the chunks overlap...
    towns_listed = sum(len(events_by_town(numbered_sentences(b))) for b in step1)
    assert towns_listed > len(EVENT_TOWNS)  # ...so some towns were listed by two chunks

    places = [e["location"]["text"] for e in result["events"]]
    assert sorted(places) == sorted(EVENT_TOWNS)  # every town once: none lost at the end, none doubled
    assert model.calls["claims"] == len(EVENT_TOWNS)  # duplicates were merged before step 2, not after
    for e in result["events"]:
        i = EVENT_TOWNS.index(e["location"]["text"])
        verified = [(c["measure"], c["value"]) for c in e["claims"] if c["verified"]]
        assert verified == [("drones_intercepted", _count(i))]
        assert e["date"]["iso"] == f"--{MONTHS.index(MONTHS[i % len(MONTHS)]) + 3:02d}-{1 + i % 28:02d}"
        for ev in [*e["evidence"], *(c["evidence"] for c in e["claims"])]:
            span = ev["span"]
            assert text[span["start"] : span["end"]] == ev["quote"]  # offsets into the whole article
