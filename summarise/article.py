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
    for enc in _FALLBACK_ENCODINGS:
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        if enc == "latin-1" and _mostly_control(text):
            break
        return text, ("utf-8" if enc == "utf-8-sig" else enc)
    raise InputError(f"{source}: cannot decode the file as text (tried {', '.join(_FALLBACK_ENCODINGS)})")


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
    if looks_like_html(text):
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
