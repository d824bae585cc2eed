"""Deterministic reading of what the model pointed at: sentences, numbers and dates.

A 1.5B model is good at pointing at the right words and poor at arithmetic and calendars, so numbers are
checked against the grounded quote and dates are resolved here, not by the model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .records import DateInfo, Precision

_SENT_END = re.compile(r"(?<=[.!?\u2026])[\"'\u201d\u2019]?\s+(?=[\"'\u201c\u2018\u00abA-Z\u0410-\u042f0-9])")


@dataclass(frozen=True)
class Sentence:
    n: int  # 1-based, as shown to the model
    start: int
    end: int
    text: str


def sentences(text: str) -> list[Sentence]:
    """Split on paragraph breaks, then on sentence ends; keep character offsets into `text`."""
    out: list[Sentence] = []
    for para in re.finditer(r"[^\n]+", text):
        base = para.start()
        chunk = para.group()
        pos = 0
        for m in _SENT_END.finditer(chunk):
            _add(out, text, base + pos, base + m.start())
            pos = m.end()
        _add(out, text, base + pos, base + len(chunk))
    return out


def _add(out: list[Sentence], text: str, start: int, end: int) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end - start >= 2:
        out.append(Sentence(n=len(out) + 1, start=start, end=end, text=text[start:end]))


_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
    "a dozen": 12, "dozen": 12, "hundred": 100,
    "один": 1, "одна": 1, "два": 2, "две": 2, "три": 3, "четыре": 4, "пять": 5, "шесть": 6, "семь": 7,
    "восемь": 8, "девять": 9, "десять": 10,
}  # fmt: skip
_NUM = re.compile(
    r"(?<![\w.:])(?<![A-Za-z]-)(\d{1,3}(?:[ ,]\d{3})+|\d+)(?![\w:])|(?<!\bno )\b("  # "no one" is nobody, not 1
    + "|".join(sorted(_WORDS, key=len, reverse=True))
    + r")\b",
    re.I,
)
_TIME = re.compile(r"\d{1,2}[:.]\d{2}\s*(?:[ap]\.?m\.?|gmt|msk|utc)?|\d{1,2}\s*(?:[ap]\.?m\.?)", re.I)


def numbers_in(text: str) -> list[int]:
    """Counts written in digits or words; clock times, dates and years are not counts."""
    cleaned = _TIME.sub(" ", text)
    cleaned = _DATE_DAY.sub(" ", cleaned)
    found: list[int] = []
    for m in _NUM.finditer(cleaned):
        if m.group(1):
            value = int(re.sub(r"[ ,]", "", m.group(1)))
            if 1900 <= value <= 2100:
                continue
            found.append(value)
        else:
            found.append(_WORDS[m.group(2).lower()])
    return found


_MONTHS = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7, "august": 8,
    "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9, "oct": 10,
    "nov": 11, "dec": 12,
    "января": 1, "февраля": 2, "марта": 3, "апреля": 4, "мая": 5, "июня": 6, "июля": 7, "августа": 8,
    "сентября": 9, "октября": 10, "ноября": 11, "декабря": 12,
}  # fmt: skip
_M = "|".join(sorted(_MONTHS, key=len, reverse=True))
_DATE_DAY = re.compile(
    rf"\b(?:(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?(?:\s+of)?\s+(?P<m1>{_M})\.?|(?P<m2>{_M})\.?\s+(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?\b)"
    r"(?:,?\s+(?P<y>(?:19|20)\d{2}))?",
    re.I,
)
_DAY_MONTH = rf"(?:\d{{1,2}}(?:st|nd|rd|th)?(?:\s+of)?\s+(?:{_M})\.?|(?:{_M})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?\b)"
DATE_PHRASE = re.compile(
    rf"(?:(?:on |during )?the night of |on )?{_DAY_MONTH}(?:,?\s+(?:19|20)\d{{2}})?",
    re.I,
)
MONTH_PHRASE = re.compile(
    r"\bin (January|February|March|April|June|July|August|September|October|November|December)( (19|20)\d\d)?\b"
)
_MONTH_ONLY = re.compile(rf"\b(?P<m>{_M})\b(?:\s+(?P<y>(?:19|20)\d{{2}}))?", re.I)
_ISO = re.compile(r"\b((?:19|20)\d{2})-(\d{2})-(\d{2})\b")
_VAGUE = re.compile(
    r"\b(monday|tuesday|wednesday|thursday|friday|saturday|sunday|yesterday|today|tonight|earlier|"
    r"last week|this week|recent|overnight|morning|evening|night|days? ago|weeks? ago)\b",
    re.I,
)


def parse_date(text: str | None) -> DateInfo:
    """'the night of December 12' -> --12-12 at day precision; 'Thursday' -> approximate; '' -> unknown."""
    if not text or not text.strip():
        return DateInfo(text=None, iso=None, precision=Precision.unknown)
    text = text.strip()
    m = _ISO.search(text)
    if m:
        return DateInfo(text=text, iso=m.group(0), precision=Precision.day)
    m = _DATE_DAY.search(text)
    if m:
        day = int(m["d1"] or m["d2"])
        month = _MONTHS[(m["m1"] or m["m2"]).lower()]
        if 1 <= day <= 31:
            iso = f"{m['y']}-{month:02d}-{day:02d}" if m["y"] else f"--{month:02d}-{day:02d}"
            return DateInfo(text=text, iso=iso, precision=Precision.day)
    m = _MONTH_ONLY.search(text)
    if m and m["m"].lower() not in {"may", "mar"}:
        month = _MONTHS[m["m"].lower()]
        return DateInfo(text=text, iso=f"{m['y']}-{month:02d}" if m["y"] else None, precision=Precision.month)
    if _VAGUE.search(text):
        return DateInfo(text=text, iso=None, precision=Precision.approximate)
    return DateInfo(text=text, iso=None, precision=Precision.unknown)


_MEASURE_WORDS = {
    "drones_intercepted": (
        r"intercept|shot down|shoot down|downed|destroy|destruct|neutrali[sz]|repel|repuls|перехват|сбит|уничтож"
    ),
    "drones_launched": r"launch|fired|sent|released|attacked with|wave of|запущ|выпущ|атаковал",
    "killed": r"kill|dead|died|death|fatalit|lives|погиб|убит|жертв",
    "injured": r"injur|wound|hurt|hospitali|ранен|пострада",
}
_ZERO = re.compile(
    r"\b(no|none|nobody|no one|without)\b[^.]{0,40}(casualt|victim|injur|kill|dead|death|hurt|damage)"
    r"|нет пострадавших|без пострадавших",
    re.I,
)
_NEAR = 80  # characters between a figure and the word saying what it counts


_ONE = re.compile(  # "a Ukrainian drone" is one; "a high percentage of UAVs" is not
    r"\b(?:a|an|single|one)\s+(?:(?!of\b)[\w-]+\s+){0,3}?(?:drone|uav|unmanned|aerial|missile|target)", re.I
)


def _blank(text: str) -> str:
    """Times and dates blanked out (same length, so positions hold): they are not counts."""
    text = _TIME.sub(lambda m: " " * len(m.group()), text)
    return _DATE_DAY.sub(lambda m: " " * len(m.group()), text)


def _counts(text: str) -> list[tuple[int, int, int, bool]]:
    """(value, start, end, is_drone_noun) of every count in already-blanked text; 'a drone' counts as 1."""
    out = []
    for m in _NUM.finditer(text):
        n = int(re.sub(r"[ ,]", "", m.group(1))) if m.group(1) else _WORDS[m.group(2).lower()]
        if not (m.group(1) and 1900 <= n <= 2100):
            out.append((n, m.start(), m.end(), False))
    out += [(1, m.start(), m.end(), True) for m in _ONE.finditer(text)]
    return out


_WORD = re.compile(r"[^\W\d_]+|\d+")
_ANY_MEASURE = re.compile("|".join(_MEASURE_WORDS.values()), re.I)
_DRONES = ("drones_intercepted", "drones_launched")
_WINDOW = 120  # characters: further than 4 words in any news prose


def bindings(text: str) -> list[tuple[str, int]]:
    """Which count belongs to which measure word, read like a person reads English news:
    "three soldiers were killed" (count, up to 4 words, word) binds first; "injured seven individuals"
    (word, up to 3 words, count) binds otherwise. Nothing binds across another measure word or a full
    stop, and "a drone" counts drones, never people. So "three killed and four others injured" gives
    killed 3, injured 4; "a UAV strike injured seven, six adults and one child" gives injured 7."""
    cleaned = _blank(text)
    counts = _counts(cleaned)
    out: list[tuple[str, int]] = []
    for measure, pattern in _MEASURE_WORDS.items():
        for m in re.finditer(pattern, cleaned, re.I):
            # Only counts within a few words can bind; the window keeps a 200 KB "sentence" linear.
            usable = [c for c in counts if (measure in _DRONES or not c[3]) and -_WINDOW < c[1] - m.start() < _WINDOW]
            before = [c for c in usable if c[2] <= m.start() and _gap(cleaned[c[2] : m.start()], 4)]
            after = [c for c in usable if c[1] >= m.end() and _gap(cleaned[m.end() : c[1]], 3)]
            if before:
                out.append((measure, max(before, key=lambda c: c[2])[0]))
            elif after:
                out.append((measure, min(after, key=lambda c: c[1])[0]))
    return out


def _gap(between: str, words: int) -> bool:
    return (
        len(_WORD.findall(between)) <= words and not re.search(r"[.;!?]", between) and not _ANY_MEASURE.search(between)
    )


def states(measure: str, value: int, quote: str) -> bool:
    """Does the text itself say `value` of `measure`?"""
    if value == 0:
        return bool(_ZERO.search(quote)) and measure in ("killed", "injured")
    return (measure, value) in bindings(quote)


def read_value(measure: str, text: str) -> int | None:
    """The one count the text gives for `measure`, or None if it gives none or several."""
    found = {v for m, v in bindings(text) if m == measure}
    return found.pop() if len(found) == 1 else None


def has_figure(text: str) -> bool:
    """Could this sentence state a figure? A count near a measure word, or 'no casualties'."""
    if _ZERO.search(text):
        return True
    cleaned = _blank(text)
    hits = [m.start() for m in _ANY_MEASURE.finditer(cleaned)]
    return any(abs(h - pos) <= _NEAR for _, pos, _, _ in _counts(cleaned) for h in hits)


_CYR = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
        [
            "a",
            "b",
            "v",
            "g",
            "d",
            "e",
            "yo",
            "zh",
            "z",
            "i",
            "y",
            "k",
            "l",
            "m",
            "n",
            "o",
            "p",
            "r",
            "s",
            "t",
            "u",
            "f",
            "kh",
            "ts",
            "ch",
            "sh",
            "shch",
            "_",
            "y",
            "_",
            "e",
            "yu",
            "ya",
        ],
        strict=True,
    )
)


def translit(text: str | None) -> str | None:
    """Cyrillic -> Latin (BGN/PCGN-like, simplified), or None when there is no Cyrillic to transliterate.
    Names stay as written in the records; this is added beside them for search and matching."""
    if not text or not re.search("[\u0400-\u04ff]", text):
        return None
    out = []
    for ch in text:
        lat = _CYR.get(ch.lower())
        if lat is None:
            out.append(ch)
        else:
            lat = "" if lat == "_" else lat
            out.append(lat.capitalize() if ch.isupper() else lat)
    return "".join(out)
