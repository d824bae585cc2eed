"""Grounding: find each evidence quote in the article, as a character span with an alignment status.

The model's word is never trusted: a quote that cannot be located is `not_found`, and the claim it backs
stays unverified. When a close passage is found the kept quote becomes the article's own text, so every
quote `summarise` keeps is verbatim.
"""

from __future__ import annotations

import difflib

from .records import AlignStatus, Evidence, Span

_FOLD = str.maketrans(
    {
        "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
        "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u00ab": '"', "\u00bb": '"', "\u2033": '"',
        "\u2013": "-", "\u2014": "-", "\u2012": "-", "\u2212": "-", "\u00a0": " ",
    }
)  # fmt: skip
FUZZY_MIN_RATIO = 0.88


def _fold_char(ch: str) -> str:
    ch = ch.translate(_FOLD)
    return ch.lower()


def fold(text: str) -> tuple[str, list[int]]:
    """Fold quotes, dashes, case and runs of whitespace; return folded text and, per folded char, its
    offset in the original. Folding is per character, so the map is exact."""
    out: list[str] = []
    index: list[int] = []
    prev_space = False
    for i, ch in enumerate(text):
        if ch.isspace():
            if prev_space or not out:
                continue
            out.append(" ")
            index.append(i)
            prev_space = True
            continue
        prev_space = False
        out.append(_fold_char(ch))
        index.append(i)
    if out and out[-1] == " ":
        out.pop()
        index.pop()
    return "".join(out), index


class Grounder:
    """Locates quotes in one article; folds the article once."""

    def __init__(self, article: str) -> None:
        self.article = article
        self.folded, self._index = fold(article)

    def span_text(self, span: Span) -> str:
        return self.article[span.start : span.end]

    def locate(self, quote: str) -> tuple[AlignStatus, Span | None]:
        quote = quote.strip().strip('"').strip()
        if not quote:
            return AlignStatus.not_found, None
        pos = self.article.find(quote)
        if pos >= 0:
            return AlignStatus.exact, Span(start=pos, end=pos + len(quote))
        fq, _ = fold(quote)
        fq = fq.strip(" .,;:'\"")
        if len(fq) < 8:
            return AlignStatus.not_found, None
        pos = self.folded.find(fq)
        if pos >= 0:
            return AlignStatus.normalized, self._to_span(pos, pos + len(fq))
        return self._fuzzy(fq)

    def _to_span(self, fstart: int, fend: int) -> Span:
        start = self._index[fstart]
        end = self._index[fend - 1] + 1
        return Span(start=start, end=end)

    def _fuzzy(self, fq: str) -> tuple[AlignStatus, Span | None]:
        """Best window of about the quote's length, anchored on the longest common block."""
        matcher = difflib.SequenceMatcher(None, self.folded, fq, autojunk=False)
        block = matcher.find_longest_match(0, len(self.folded), 0, len(fq))
        if block.size < min(12, len(fq) // 3):
            return AlignStatus.not_found, None
        best: tuple[float, int, int] = (0.0, 0, 0)
        anchor = block.a - block.b
        for delta in range(-12, 13, 2):
            for extra in (-6, 0, 6):
                start = max(0, anchor + delta)
                end = min(len(self.folded), start + len(fq) + extra)
                if end <= start:
                    continue
                ratio = difflib.SequenceMatcher(None, self.folded[start:end], fq, autojunk=False).ratio()
                if ratio > best[0]:
                    best = (ratio, start, end)
        ratio, start, end = best
        if ratio < FUZZY_MIN_RATIO:
            return AlignStatus.not_found, None
        start, end = _snap_to_words(self.folded, start, end)
        return AlignStatus.fuzzy, self._to_span(start, end)

    def ground(self, quote: str) -> Evidence:
        status, span = self.locate(quote)
        if span is None:
            return Evidence(quote=quote, status=AlignStatus.not_found)
        text = self.span_text(span)
        return Evidence(quote=text, status=status, span=span, model_quote=None if text == quote else quote)


def _snap_to_words(text: str, start: int, end: int) -> tuple[int, int]:
    while start > 0 and text[start - 1].isalnum() and text[start].isalnum():
        start -= 1
    while end < len(text) and text[end - 1].isalnum() and text[end].isalnum():
        end += 1
    return start, end
