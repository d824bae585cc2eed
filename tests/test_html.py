"""The HTML views: every quote mark holds exactly the article text its span points at, every claim links to
its mark, nothing from the article or the model is ever markup, and a real browser renders the highlights."""

from __future__ import annotations

import json
import shutil
import subprocess
from html import escape
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from evals.cassettes import REPLAY_BASE_URL, cassette_path, recorder
from evals.dataset import load_cases
from evals.html import to_html as eval_html
from evals.report import Report
from evals.run import CaseRun
from summarise.cli import main
from summarise.embedded import MODEL_NAME
from summarise.html import _Mark, highlight, to_html
from summarise.pipeline import PromptSet
from summarise.records import (
    AlignStatus,
    CallStat,
    Claim,
    Event,
    EventType,
    Evidence,
    LintFinding,
    Measure,
    PromptRef,
    Result,
    RunInfo,
    Span,
    Summary,
)

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
# payloads that would leave a trace in the DOM if a browser ever ran them
LOUD_SCRIPT = "<script>document.body.setAttribute('data-pwned','script')</script>"
LOUD_IMG = "\"><img src=x onerror=\"document.body.setAttribute('data-pwned','img')\">"
ARTICLE = (
    f"Officials said {SCRIPT} 3 drones were shot down over Belgorod overnight.\n\n"
    f"Governor {IMG} wrote on Telegram that 2 people were injured & {LOUD_SCRIPT} taken to hospital.\n"
    f"Later {LOUD_IMG} 5 more drones were intercepted.\n"
)


def _ev(quote: str, start: int | None = None) -> Evidence:
    start = ARTICLE.index(quote) if start is None else start
    return Evidence(quote=quote, status=AlignStatus.exact, span=Span(start=start, end=start + len(quote)))


def hostile_result() -> Result:
    """Spans that nest, cross and coincide, with payloads in the article, the model's fields and the summary."""
    first_sentence = ARTICLE[: ARTICLE.index("overnight.") + len("overnight.")]
    crossing_a = f"Officials said {SCRIPT} 3 drones were shot down"
    crossing_b = "3 drones were shot down over Belgorod"  # starts inside crossing_a, ends after it
    claims = [
        Claim(measure=Measure.drones_intercepted, value=3, claimant=IMG, channel=SCRIPT, evidence=_ev(crossing_a),
              verified=True),
        Claim(measure=Measure.drones_launched, value=3, claimant="Officials", evidence=_ev(crossing_b),
              verified=False, issues=[f"issue {SCRIPT}"]),
        Claim(measure=Measure.drones_intercepted, value=3, claimant="Officials", evidence=_ev(crossing_b),
              verified=True),
        Claim(measure=Measure.injured, value=2, claimant=f"Governor {IMG}",
              evidence=_ev(f"Governor {IMG} wrote on Telegram that 2 people were injured"), verified=True),
        Claim(measure=Measure.killed, value=9, claimant="nobody",
              evidence=Evidence(quote=SCRIPT, status=AlignStatus.not_found, model_quote=LOUD_SCRIPT),
              issues=["quote not found in the article"]),
        Claim(measure=Measure.drones_intercepted, value=5, evidence=_ev(f"{LOUD_IMG} 5 more drones were intercepted"),
              verified=True),
    ]  # fmt: skip
    event = Event(
        event_type=EventType.interception,
        actors=[SCRIPT],
        weapons=[IMG],
        claims=claims,
        evidence=[_ev(first_sentence, 0), _ev(f"that 2 people were injured & {LOUD_SCRIPT}")],
    )
    event.location.text = IMG
    return Result(
        article_id="a1",
        source=f"{SCRIPT}.txt",
        events=[event],
        summary=Summary(
            text=f"{IMG} said {SCRIPT} 3 drones were shot down.",
            findings=[LintFinding(rule="loaded_term", message=f"loaded {SCRIPT}", text=IMG)],
        ),
        run=RunInfo(
            model=IMG,
            base_url="u",
            prompts=[PromptRef(name="events", version="v1", sha256="0" * 64)],
            calls=[CallStat(step="events", prompt="events.v1", cached=True)],
        ),
    )


class Page(HTMLParser):
    """What a reader of the markup sees: tags, each mark's text (joined over its pieces), ids and links."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []
        self.ids: dict[str, str] = {}  # id -> tag
        self.hrefs: list[str] = []
        self.quote_text: dict[str, str] = {}  # data-q -> text inside all of its pieces
        self.pieces: dict[str, int] = {}
        self._open: list[str | None] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.tags.append(tag)
        self.attrs.extend(attrs)
        if a.get("id"):
            self.ids[str(a["id"])] = tag
        if tag == "a" and a.get("href"):
            self.hrefs.append(str(a["href"]))
        if tag == "mark":
            q = a.get("data-q")
            self._open.append(q)
            if q:
                self.quote_text.setdefault(q, "")
                self.pieces[q] = self.pieces.get(q, 0) + 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "mark":
            self._open.pop()

    def handle_data(self, data: str) -> None:
        for q in set(self._open):
            if q:
                self.quote_text[q] += data


def _spans(result: Result) -> dict[str, tuple[int, int]]:
    out = {}
    for e in result.events:
        for ev in [*e.evidence, *(c.evidence for c in e.claims if c.evidence)]:
            if ev.span:
                out[f"q-1-{ev.span.start}-{ev.span.end}"] = (ev.span.start, ev.span.end)
    return out


def test_every_mark_holds_its_article_slice_and_every_claim_links_to_one() -> None:
    result = hostile_result()
    page = Page(to_html([result], {"a1": ARTICLE}))
    spans = _spans(result)
    assert set(page.quote_text) == set(spans) and len(spans) == 6  # two claims share one passage: one mark
    for qid, (start, end) in spans.items():
        assert page.quote_text[qid] == ARTICLE[start:end], qid
        assert page.ids[qid] == "mark"  # the first piece carries the id the links point at
    assert page.pieces[f"q-1-{ARTICLE.index('3 drones')}-{ARTICLE.index(' overnight')}"] == 2  # the crossing one
    claim_links = [h for h in page.hrefs if h.startswith("#q-")]
    grounded = [c for c in result.events[0].claims if c.evidence and c.evidence.span]
    assert len(claim_links) == len(grounded) + 2  # + the two "rests on" passage links
    assert all(h[1:] in page.ids for h in page.hrefs if h.startswith("#"))


def test_crossing_nested_and_identical_spans_nest_properly() -> None:
    text = "abcdefghijkl"
    marks = [_Mark(1, 6, "x"), _Mark(3, 9, "y"), _Mark(0, 12, "outer"), _Mark(3, 9, "y"), _Mark(5, 5, "empty")]
    page = Page(highlight(text, {m.id: m for m in marks}.values()))
    assert page.quote_text == {"x": text[1:6], "y": text[3:9], "outer": text}
    assert page.pieces == {"outer": 1, "x": 1, "y": 2}
    assert page._open == []  # every mark closed


def test_nothing_from_the_article_or_the_model_becomes_markup() -> None:
    html = to_html([hostile_result()], {"a1": ARTICLE})
    page = Page(html)
    assert "script" not in page.tags and "img" not in page.tags
    assert not any(name.startswith("on") for name, _ in page.attrs)
    assert "alert(1)" in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # shown, as text
    assert "Content-Security-Policy" in html and "script-src" not in html  # and scripts are forbidden anyway


def test_a_result_without_article_text_still_lists_its_claims() -> None:
    html = to_html([hostile_result()], {})
    page = Page(html)
    assert page.quote_text == {} and not any(h.startswith("#q-") for h in page.hrefs)  # no dangling links
    assert "article text not available" in html and html.count("<tr id=") == len(hostile_result().events[0].claims)


# ---- the real thing, from the seed-001 cassette -------------------------------------------------------


def test_summarise_format_html_writes_the_article_page(seed001: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.html"
    cassette = cassette_path(seed001.stem, PromptSet.load("v1").fingerprint(MODEL_NAME))
    with recorder(record=False).use_cassette(str(cassette)):
        r = CliRunner().invoke(
            main, [str(seed001), "--base-url", REPLAY_BASE_URL, "--model", MODEL_NAME, "--prompt", "v1", "-o", str(out)]
        )
    assert r.exit_code == 0, r.stderr
    html = out.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "Sobyanin" in html
    page = Page(html)
    article = seed001.read_text(encoding="utf-8")
    assert page.quote_text, "no quote was highlighted"
    for qid, text in page.quote_text.items():
        start, end = (int(x) for x in qid.rsplit("-", 2)[1:])
        assert text == article[start:end]


def test_eval_writes_an_html_report_with_reasons_and_the_other_version(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    r = CliRunner().invoke(main, ["eval", "--prompt", "v1", "--case", "001", "--report-dir", str(reports)])
    assert r.exit_code == 0, r.stderr
    html = (reports / "eval-v1.html").read_text(encoding="utf-8")
    report = Report.load(reports / "eval-v1.json")
    case = "001_be506d096dbecfb0"
    page = Page(html)
    assert f"case-{case}" in page.ids and f"#case-{case}" in page.hrefs
    assert page.quote_text and "Gold" in html and "Sergei Sobyanin" in html
    for metric, value in report.cases[case].items():  # every miss is shown with the report's own reason
        if metric in ("attribution_accuracy", "claims_f1", "event_f1") and value is not None and value < 1:
            assert escape(report.reasons[case][metric]) in html

    other = report.model_copy(deep=True)
    other.prompt_version = "v0"
    other.cases[case]["attribution_accuracy"] = 0.0
    other.totals["attribution_accuracy"] = 0.0
    run = CaseRun(load_cases(only=["001"])[0], _result_of(tmp_path), None)
    compared = eval_html(report, [run], other)
    assert "v1 against v0" in compared and ">improved<" in compared


def _result_of(tmp_path: Path) -> Result:
    cassette = cassette_path("001_be506d096dbecfb0", PromptSet.load("v1").fingerprint(MODEL_NAME))
    seed = Path(__file__).resolve().parent.parent / "seeds" / "001_be506d096dbecfb0.txt"
    with recorder(record=False).use_cassette(str(cassette)):
        args = [str(seed), "--base-url", REPLAY_BASE_URL, "--model", MODEL_NAME, "--prompt", "v1"]
        r = CliRunner().invoke(main, args)
    return Result.model_validate(json.loads(r.stdout))


# ---- a browser --------------------------------------------------------------------------------------

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)


@pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed (apt-get install chromium)")
def test_chromium_renders_the_marks_and_runs_nothing(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    path.write_text(to_html([hostile_result()], {"a1": ARTICLE}), encoding="utf-8")
    flags = [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom",
    ]  # fmt: skip
    assert CHROMIUM is not None
    proc = subprocess.run([CHROMIUM, *flags, path.as_uri()], capture_output=True, text=True, timeout=120)
    dom = proc.stdout
    assert proc.returncode == 0 and "</html>" in dom, proc.stderr[-2000:]
    page = Page(dom)
    spans = _spans(hostile_result())
    assert set(page.quote_text) == set(spans)
    for qid, (start, end) in spans.items():  # the browser's DOM holds the same text in the same marks
        assert page.quote_text[qid] == ARTICLE[start:end]
    assert "script" not in page.tags and "img" not in page.tags
    assert not any(name == "data-pwned" or name.startswith("on") for name, _ in page.attrs)  # nothing ran
    assert "alert(1)" in dom  # the payloads are there, as text
