"""Loading an article: bytes -> text, with the reasons a file cannot be read said in one line.

The article id is a content hash of the decoded text, so the same article under two names is one article
and a rerun over a folder can skip what is done.
"""

from __future__ import annotations

import hashlib
import html
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from .errors import InputError

_FALLBACK_ENCODINGS = ("utf-8-sig", "cp1251", "koi8-r", "latin-1")
_MAX_BYTES = 5_000_000
SUFFIXES = {".txt", ".html", ".htm", ".md", ".text"}


@dataclass(frozen=True)
class Article:
    text: str
    source: str
    encoding: str = "utf-8"
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def id(self) -> str:
        return article_id(self.text)


def article_id(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


class _TextExtractor(HTMLParser):
    """Keeps visible text, one block element per paragraph; drops script, style and navigation."""

    _SKIP = {"script", "style", "noscript", "nav", "header", "footer", "aside", "form", "svg", "head"}
    _BLOCK = {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "article", "section", "tr", "title"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self._skip += 1
        elif tag in self._BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP and self._skip:
            self._skip -= 1
        elif tag in self._BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def looks_like_html(text: str) -> bool:
    head = text[:2000].lower()
    return "<html" in head or "<!doctype html" in head or ("<body" in head and "</p>" in text.lower())


def html_to_text(text: str) -> str:
    parser = _TextExtractor()
    parser.feed(text)
    parser.close()
    raw = html.unescape("".join(parser.parts))
    lines = [re.sub(r"[ \t\r\f\v]+", " ", line).strip() for line in raw.split("\n")]
    return "\n\n".join(line for line in lines if line)


def decode(data: bytes, source: str) -> tuple[str, str]:
    """Bytes -> (text, encoding used). Rejects what is clearly not text."""
    if not data.strip():
        raise InputError(f"{source}: the file is empty")
    if b"\x00" in data[:8192]:
        raise InputError(f"{source}: this looks like a binary file, not an article")
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    cyrillic = [(text, enc) for enc in _CYRILLIC if (text := _try_decode(data, enc)) is not None]
    if cyrillic:
        best = max(cyrillic, key=lambda te: _russian_score(te[0]))
        if not _mixed_script(best[0]):
            return best
    text = data.decode("latin-1")
    if not _mostly_control(text):
        return text, "latin-1"
    raise InputError(f"{source}: cannot decode the file as text (tried {', '.join(_FALLBACK_ENCODINGS)})")


_CYRILLIC = ("cp1251", "koi8-r")
# The commonest lower-case Russian letters. cp1251 and koi8-r both decode almost any byte string, but the
# wrong one turns Russian prose into mostly capitals (koi8-r keeps lower case where cp1251 has upper case),
# so the right code page is the one that yields more of these.
_RUSSIAN_COMMON = frozenset("оеаинтсрвлкмдпуяы")


def _try_decode(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        return None


def _russian_score(text: str) -> int:
    return sum(1 for ch in text if ch in _RUSSIAN_COMMON)


def _mixed_script(text: str) -> bool:
    """Western 8-bit text read as a Cyrillic code page has its accents turned into Cyrillic letters inside
    Latin words ('Cafй'); real Russian text has whole Cyrillic words."""
    words = [w for w in re.findall(r"\w+", text) if re.search("[\u0400-\u04ff]", w)]
    mixed = sum(1 for w in words if re.search("[A-Za-z]", w))
    return bool(words) and mixed * 2 > len(words)


def _mostly_control(text: str) -> bool:
    bad = sum(1 for ch in text[:4096] if ord(ch) < 32 and ch not in "\n\r\t" or 0x7F <= ord(ch) < 0xA0)
    return bad > len(text[:4096]) * 0.05


def from_bytes(data: bytes, source: str) -> Article:
    if len(data) > _MAX_BYTES:
        raise InputError(f"{source}: {len(data):,} bytes is more than the {_MAX_BYTES:,}-byte limit for one article")
    text, encoding = decode(data, source)
    notes: list[str] = []
    if encoding != "utf-8":
        notes.append(f"decoded as {encoding}")
    if looks_like_html(text) or source.lower().endswith((".html", ".htm")):
        text = html_to_text(text)
        notes.append("extracted text from HTML")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise InputError(f"{source}: the file has no text")
    return Article(text=text, source=source, encoding=encoding, notes=tuple(notes))


def load(path: str | Path) -> Article:
    """Read one article file; '-' is not handled here (the CLI reads standard input itself)."""
    p = Path(path)
    if not p.exists():
        raise InputError(f"{p}: no such file")
    if p.is_dir():
        raise InputError(f"{p}: is a directory, not an article file")
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise InputError(f"{p}: cannot read ({exc.strerror or exc})") from None
    return from_bytes(data, str(p))
