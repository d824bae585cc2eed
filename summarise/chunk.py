"""Step 1 on long articles: the relevant sentences in chunks that fit the model, events merged across them.

Step 1 used to show the model the first 60 relevant sentences and drop the rest, so events in the second
half of a long article were never seen, and a 200 KB article would not fit an 8k context anyway. Here the
relevant sentences are cut into chunks on paragraph boundaries (at most `MAX_SENTENCES` sentences and about
`MAX_CHARS` characters each), every chunk after the first repeats the last `OVERLAP` sentences of the one
before (an event told across a paragraph break is seen whole at least once), and the chunks' events are
merged before step 2, so an event listed twice in the overlap costs one claims call, not two.

Sentence numbers are global (normalise.sentences numbers the whole article), so whatever chunk an event
comes from, its sentences, quotes and offsets refer to the whole text. An article that fits in one chunk
takes exactly the single step-1 request it always did: recorded cassettes still replay.
"""

from __future__ import annotations

from .extract import RELEVANT, EventDraft, clip, find_events
from .ground import fold
from .llm import LLM
from .normalise import Sentence
from .prompts import Prompt
from .records import CallStat

MAX_SENTENCES = 40
MAX_CHARS = 6000  # about 2k tokens of English, 3k of Russian: the prompt and answer still fit 8k
OVERLAP = 2


def _line_len(s: Sentence) -> int:
    return len(f"[{s.n}] {s.text}\n")


def _fits(sents: list[Sentence]) -> bool:
    return len(sents) <= MAX_SENTENCES and sum(_line_len(s) for s in sents) <= MAX_CHARS


def _paragraphs(sents: list[Sentence], text: str) -> list[list[Sentence]]:
    """Relevant sentences grouped by the paragraph (line) of the article they sit in."""
    groups: list[list[Sentence]] = []
    prev: Sentence | None = None
    for s in sents:
        if prev is None or "\n" in text[prev.end : s.start]:
            groups.append([])
        groups[-1].append(s)
        prev = s
    # A paragraph too big for a chunk of its own is cut between sentences.
    out: list[list[Sentence]] = []
    budget = MAX_SENTENCES - OVERLAP
    for g in groups:
        part: list[Sentence] = []
        for s in g:
            if part and not (len(part) < budget and sum(_line_len(x) for x in [*part, s]) <= MAX_CHARS // 2):
                out.append(part)
                part = []
            part.append(s)
        out.append(part)
    return out


def chunks(sents: list[Sentence], text: str) -> list[list[Sentence]]:
    """The relevant sentences of `text`, as one chunk when they fit, else several overlapping ones."""
    relevant = [clip(s) for s in sents if RELEVANT.search(s.text)]
    if _fits(relevant):
        return [relevant] if relevant else []
    out: list[list[Sentence]] = []
    current: list[Sentence] = []
    fresh = 0  # sentences in `current` that are not overlap
    for para in _paragraphs(relevant, text):
        if fresh and not _fits(current + para):
            out.append(current)
            current, fresh = current[-OVERLAP:], 0
        current = current + para
        fresh += len(para)
    if fresh:
        out.append(current)
    return out


def _same_event(a: EventDraft, b: EventDraft) -> bool:
    """Two drafts from different chunks that name one event: the same type, resting on a shared sentence
    (the overlap is the only text two chunks share), at compatible places. Two reports of one place and
    date with no sentence in common are left to `resolve.merge`, after their figures are known."""
    if a.event_type is not b.event_type or not set(a.sentences) & set(b.sentences):
        return False
    place_a, place_b = fold(a.place)[0], fold(b.place)[0]
    return not place_a or not place_b or place_a == place_b


def _union(a: EventDraft, b: EventDraft) -> EventDraft:
    sentences = list(dict.fromkeys([*a.sentences, *b.sentences]))[:4]
    return a.model_copy(
        update={
            "sentences": sentences,
            "place": a.place or b.place,
            "region": a.region or b.region,
            "country": a.country or b.country,
            "when": a.when or b.when,
        }
    )


def merge_drafts(kept: list[EventDraft], new: list[EventDraft]) -> list[EventDraft]:
    """`kept` plus the events of the next chunk, an event both chunks list counted once. Drafts of one
    chunk are not merged with each other: within a chunk the model saw everything, as in a short article."""
    out = list(kept)
    for d in new:
        i = next((i for i, k in enumerate(kept) if _same_event(k, d)), None)
        if i is None:
            out.append(d)
        else:
            out[i] = _union(out[i], d)
    return out


def find_events_chunked(
    llm: LLM, prompt: Prompt, sents: list[Sentence], text: str
) -> tuple[list[EventDraft], list[CallStat]]:
    """Step 1 over the whole article: one call per chunk, events merged across chunks."""
    parts = chunks(sents, text)
    if not parts:  # nothing that could be an event: no call at all, as before
        events, stat = find_events(llm, prompt, sents)
        return events, [stat]
    drafts: list[EventDraft] = []
    stats: list[CallStat] = []
    for part in parts:
        events, stat = find_events(llm, prompt, part)
        stats.append(stat)
        drafts = merge_drafts(drafts, events)
    return drafts, stats
