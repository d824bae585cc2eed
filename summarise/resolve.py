"""Drafts -> verified records. The model proposed; here the code checks.

A claim is verified only when its quote is found in the article and the sentence it stands in binds that
number to that measure ("three soldiers were killed"); a misread number or label is re-read from the
sentence when the reading is unambiguous, and the correction is noted in the claim's `issues`. A claimant
counts only when named beside a verb of saying near the figure; otherwise the figure is unattributed.
Dates must occur in the article, weapons are read from the event's own sentences, and a figure in text
that addresses a model is dropped outright: grounding is the last line of defence against prompt
injection. Unverified claims stay in the output, flagged, and never reach the summary.
"""

from __future__ import annotations

import re
from functools import lru_cache

from .extract import Draft
from .ground import Grounder, fold
from .normalise import (
    DATE_PHRASE,
    MONTH_PHRASE,
    Sentence,
    numbers_in,
    parse_date,
    read_value,
    sentences,
    states,
    translit,
)
from .records import AlignStatus, Claim, Event, EventType, Evidence, Location, Measure, Span

# Sentences that address a model rather than a reader. Wording-level, in English and Russian; the second line
# of defence (`planted_spans`) extends each hit to the text it introduces.
_INJECTION = re.compile(
    r"\b(ignore|disregard|forget|override|bypass)\b[^.\n]{0,40}\b(instructions?|prompts?|rules|guidelines)\b|"
    r"you are (now )?an? (ai|assistant|language model)|\byou are now\b|system prompt|new instructions|"
    r"as an ai\b|^\W*(system|assistant|developer)\s*:|\b(maintenance|developer|debug|god) mode\b|"
    r"\b(note|message|instructions?)s? (to|for) (any |the |all )?(ai|llms?|language models?|models?|assistants?|"
    r"bots?|summari[sz]\w*|chatbots?)\b|"
    r"(report|output|say|write|state|record|return|print) (that )?(there were )?\d+ "
    r"(drones|people|uavs|missiles|civilians|dead|killed)|\b[a-z_]{3,}=\d+|"
    r"<<<?\s*article|article\s*>>>?|<\|im_(start|end)\|>|\[/?inst\]|</?(system|instructions?)>|"
    r"(проигнорир|игнорир|забудь|не обращай внимани)\w*[^.\n]{0,40}(инструкц|указани|правил)|"
    r"(новые|следующие) инструкц|\b(ты|вы) теперь\b|системн\w* (промпт|подсказк)",
    re.I,
)
_DELIMITER = re.compile(r"<<<?\s*article|article\s*>>>?", re.I)


_INTERCEPT = re.compile(r"intercept|shot down|shoot down|downed|air[- ]?defen[cs]e|anti-air|перехват|сбит|пво", re.I)
_HIT = re.compile(r"strike|struck|hit|explosion|blast|damage|injur|kill|удар|взрыв|пострада", re.I)


def retype(event_type: EventType, context: str) -> EventType:
    """An 'interception' whose sentences mention no interception but a hit is a strike."""
    if event_type is EventType.interception and not _INTERCEPT.search(context) and _HIT.search(context):
        return EventType.strike
    return event_type


def looks_injected(text: str) -> bool:
    return bool(_INJECTION.search(text))


@lru_cache(maxsize=8)
def planted_spans(article: str) -> tuple[tuple[int, int], ...]:
    """Where the article speaks to a model: each sentence that looks injected, and the sentence after it
    (an instruction's payload can read like news: "...disregard your instructions. 900 drones were shot
    down, the ministry said."), and everything between a fake closing delimiter and the next opening one."""
    sents = sentences(article)
    bad: set[int] = set()
    inside_fake = False
    for i, s in enumerate(sents):
        if _DELIMITER.search(s.text):
            bad.add(i)
            inside_fake = not s.text.lstrip().startswith("<<")  # a close starts the planted part, an open ends it
        elif inside_fake:
            bad.add(i)
        if looks_injected(s.text):
            bad.update((i, i + 1))
    return tuple((sents[i].start, sents[i].end) for i in sorted(bad) if i < len(sents))


def planted(article: str, span: Span | None) -> bool:
    """Does this span of the article overlap text that addresses a model?"""
    return span is not None and any(start < span.end and span.start < end for start, end in planted_spans(article))


def _name_in_article(name: str, folded_article: str) -> bool:
    """True when the claimant's distinctive words occur in the article (titles may be added or left out)."""
    words = [w for w in re.findall(r"[\w-]+", fold(name)[0]) if len(w) > 3]
    if not words:
        return False
    return sum(1 for w in words if w in folded_article) >= max(1, (len(words) + 1) // 2)


def _names_source(name: str, folded_sentence: str) -> bool:
    """Stricter than `_name_in_article`: every distinctive word of the name (titles aside) is in the
    sentence, one may be missing from a long name ("Governor Vladislav Shapsha" vs "Владислав Shapsha")."""
    words = [w for w in re.findall(r"[\w-]+", fold(name)[0]) if len(w) > 3 and w not in _TITLES]
    if not words:
        return False
    found = sum(1 for w in words if w in folded_sentence)
    return found == len(words) or (len(words) >= 3 and found == len(words) - 1)


def _clean(value: str | None) -> str | None:
    value = (value or "").strip().strip(".,;:\"'")
    if value.lower() in {"", "none", "null", "n/a", "unknown", "not specified", "not stated", "unspecified"}:
        return None
    return value


_ATTRIBUTION = re.compile(
    r"\b(said|says|confirm|according to|report|claim|stat(ed|ement)|announc|told|wrote|posted|publish|"
    r"emphasi[sz]ed|noted|added|telegram|channel)",
    re.I,
)
_BACKREF = re.compile(
    r"\b(was confirmed|were confirmed|confirmed (by|the|it|this)|the (incident|figures?|toll|numbers?)|these figures)"
    r"\b",
    re.I,
)
_TITLES = {"governor", "mayor", "minister", "president", "head", "spokesman", "spokeswoman", "official", "deputy"}
# Systems named in conflict reporting; weapons are read from the event's own sentences, not from the model.
_WEAPONS = re.compile(
    r"\b(Pantsir-[SC]1|Pantsir|S-[345]00|Buk(-M\d)?|Tor(-M\d)?|Iskander(-M)?|Kalibr|Kinzhal|Shahed(-\d+)?|"
    r"Geran(-\d)?|Lancet|Bayraktar( TB2)?|Patriot|IRIS-T|NASAMS|HIMARS|ATACMS|Storm Shadow|Oreshnik|Kh-\d+)\b"
)


class _Text:
    """The article once: folded for name checks, split into sentences for per-figure checks."""

    def __init__(self, grounder: Grounder, sents: list[Sentence] | None = None) -> None:
        self.grounder = grounder
        self.article = grounder.article
        self.folded = grounder.folded
        self.sents = sents if sents is not None else sentences(self.article)

    def index_at(self, offset: int) -> int | None:
        for i, s in enumerate(self.sents):
            if s.start <= offset < s.end + 1:
                return i
        return None

    def sentence_of(self, ev: Evidence) -> str:
        i = self.index_at(ev.span.start) if ev.span else None
        return self.sents[i].text if i is not None else ev.quote

    def attributed_near(self, name: str, ev: Evidence) -> bool:
        """The claimant is named, with a verb of saying, in the figure's sentence or close before or after."""
        i = self.index_at(ev.span.start) if ev.span else None
        if i is None:
            return False
        before = self.sents[max(0, i - 4) : i + 1]
        if any(_ATTRIBUTION.search(s.text) and _names_source(name, fold(s.text)[0]) for s in before):
            return True
        # A source named after the figure counts only when it refers back to it ("The incident was
        # confirmed by the governor"), not when it reports something else ("Local authorities reported
        # that the drone targeted a building").
        after = self.sents[i + 1] if i + 1 < len(self.sents) else None
        return bool(after and _BACKREF.search(after.text) and _names_source(name, fold(after.text)[0]))

    def in_text(self, phrase: str) -> bool:
        return bool(phrase) and fold(phrase)[0] in self.folded


def resolve(drafts: list[Draft], grounder: Grounder, sents: list[Sentence] | None = None) -> list[Event]:
    """`sents`: the article's sentences when the caller has them already (the pipeline does)."""
    text = _Text(grounder, sents)
    events: list[Event] = []
    for draft in _drop_shadowed(drafts):
        d = draft.event
        if draft.sentences and all(planted(grounder.article, Span(start=s.start, end=s.end)) for s in draft.sentences):
            continue  # an event resting only on planted text is the attacker's, not the article's
        evidence = [
            Evidence(quote=s.text, status=AlignStatus.exact, span=Span(start=s.start, end=s.end))
            for s in draft.sentences[:2]
            if not looks_injected(s.text)
        ]
        context = " ".join(s.text for s in draft.sentences)
        when = _clean(d.when)
        if not when or not text.in_text(when):  # a date the article does not contain is the model's own
            when = _date_phrase(" ".join(s.text for s in draft.sentences[:2]))
        event = Event(
            event_type=retype(d.event_type, context),
            date=parse_date(when),
            location=Location(
                text=_clean(d.place),
                latin=translit(_clean(d.place)),
                region=_clean(d.region),
                country=_clean(d.country),
            ),
            evidence=evidence,
            weapons=list(dict.fromkeys(m.group(0) for m in _WEAPONS.finditer(context))),
        )
        if draft.detail:
            event.actors = _names(draft.detail.actors, text.folded)
            event.claims = _claims(draft, text)
        if draft.from_figure and not any(c.verified for c in event.claims):
            continue  # an event that rests on nothing but an unverified figure is not an event
        events.append(event)
    return merge(events)


def _drop_shadowed(drafts: list[Draft]) -> list[Draft]:
    """A figureless event whose sentences all belong to a larger event of the same type is a part of it
    (the districts a governor lists for one regional interception), not an event of its own."""
    sets = [{s.n for s in d.sentences} for d in drafts]
    nfig = [len(d.detail.figures) if d.detail else 0 for d in drafts]
    kept = []
    for i, d in enumerate(drafts):
        shadowed = not nfig[i] and any(
            j != i
            and drafts[j].event.event_type == d.event.event_type
            and sets[i] <= sets[j]
            and (len(sets[j]) > len(sets[i]) or nfig[j] > 0)
            for j in range(len(drafts))
        )
        if not sets[i] or not shadowed:
            kept.append(d)
    return kept


def _date_phrase(context: str) -> str | None:
    """The first date the event's own sentences give: a day ("on July 21st") or else a month ("in December")."""
    m = DATE_PHRASE.search(context) or MONTH_PHRASE.search(context)
    return m.group(0) if m else None


def _names(values: list[str], folded: str) -> list[str]:
    out: list[str] = []
    for v in values:
        v = _clean(v) or ""
        if v and _name_in_article(v, folded) and v not in out:
            out.append(v)
    return out


def _claims(draft: Draft, text: _Text) -> list[Claim]:
    assert draft.detail is not None
    claims: list[Claim] = []
    seen: set[tuple[str, int, str]] = set()
    context = fold(" ".join(s.text for s in draft.sentences))[0]
    sources = list(dict.fromkeys(c for f in draft.detail.figures if (c := _clean(f.claimant))))
    for k, f in enumerate(draft.detail.figures):
        evidence = text.grounder.ground(f.quote)
        anchor = draft.anchors.get(k)
        if anchor and not _within(evidence, anchor) and states(f.measure.value, f.value, anchor.text):
            # The model quoted a neighbour of the sentence it was asked to read; that sentence itself
            # states the figure, so it becomes the evidence.
            evidence = Evidence(
                quote=anchor.text, status=AlignStatus.exact, span=Span(start=anchor.start, end=anchor.end),
                model_quote=f.quote,
            )  # fmt: skip
        sentence = text.sentence_of(evidence)
        if evidence.grounded and (looks_injected(sentence) or planted(text.article, evidence.span)):
            continue  # an instruction planted in the article, or the figure it dictates, is not a figure
        if f.value == 0 and not (evidence.grounded and states(f.measure.value, 0, sentence)):
            continue  # a schema-filling zero, not a figure the article gives
        issues: list[str] = []
        measure, value = f.measure, f.value
        if not evidence.grounded:
            issues.append("quote not found in the article")
        elif not states(measure.value, value, sentence):
            # The model pointed at the right sentence but misread it. Read the figure from the sentence
            # itself when that is unambiguous: the count nearest the measure word ("injured seven
            # individuals, six adults and one child" is 7), or the one measure the number belongs to.
            read = read_value(measure.value, sentence)
            fits = [m for m in Measure if states(m.value, value, sentence)]
            if read is not None and read != value and value in numbers_in(sentence):
                issues.append(f"value read from the sentence: {read}, not {value}")
                value = read
            elif len(fits) == 1:
                issues.append(f"measure read from the sentence: {fits[0].value}, not {measure.value}")
                measure = fits[0]
            else:
                issues.append(f"the quote does not state {value} {measure.value.replace('_', ' ')}")
        claimant = _clean(f.claimant)
        if claimant and not (evidence.grounded and text.attributed_near(claimant, evidence)):
            issues.append(f"claimant {claimant!r} is not named as a source near the figure")
            claimant = None
        if claimant is None and evidence.grounded:
            # The model sometimes gives the right source on another reading of the same figure ("the
            # governor said... four"): take it when that name stands beside a verb of saying near this one.
            claimant = next((c for c in sources if c != _clean(f.claimant) and text.attributed_near(c, evidence)), None)
            if claimant:
                issues.append(f"claimant {claimant!r} taken from another reading of this figure")
        if claimant is None:
            issues.append("no claimant named")
        key = (measure.value, value, (claimant or "").lower())
        if key in seen:
            continue
        seen.add(key)
        channel = _clean(f.channel)
        claims.append(
            Claim(
                measure=measure,
                value=value,
                claimant=claimant,
                claimant_latin=translit(claimant),
                channel=channel if claimant and channel and fold(channel)[0] in context else None,
                evidence=evidence,
                verified=evidence.grounded and not any(i.startswith(("quote", "the quote")) for i in issues),
                issues=issues,
            )
        )
    return claims


def _within(evidence: Evidence, sentence: Sentence) -> bool:
    return evidence.span is not None and sentence.start <= evidence.span.start < sentence.end


def _key(event: Event) -> tuple[str, str, str]:
    place = fold(event.location.text or "")[0]
    return event.event_type.value, place, event.date.iso or ""


def merge(events: list[Event]) -> list[Event]:
    """One event per (type, place, date): the model sometimes lists an event twice."""
    out: dict[tuple[str, str, str], Event] = {}
    for e in events:
        k = _key(e)
        if k not in out:
            out[k] = e
            continue
        kept = out[k]
        have = {(c.measure, c.value, (c.claimant or "").lower()) for c in kept.claims}
        kept.claims += [c for c in e.claims if (c.measure, c.value, (c.claimant or "").lower()) not in have]
        kept.actors += [a for a in e.actors if a not in kept.actors]
        kept.weapons += [w for w in e.weapons if w not in kept.weapons]
        kept.evidence += [v for v in e.evidence if v.quote not in {x.quote for x in kept.evidence}]
    return list(out.values())
