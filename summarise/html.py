"""Results as a page a person can check: the article with every quote highlighted, each claim linked to it.

JSON is for programs; here a reader sees a figure, clicks its quote and lands on the highlighted passage in
the article, so "is this really what the article says" takes a glance. One self-contained file: inline CSS,
no scripts, no external assets, and a Content-Security-Policy that forbids scripts anyway. Everything that
came from the article or the model goes through `esc` (html.escape); nothing is ever inserted raw.

Quotes are marked from the character spans the grounding step found, not by searching the text again, so a
highlight is exactly the passage the record points at. Spans may nest or cross; a crossing mark is split into
pieces that share its `data-q`, and only the first piece carries the `id` the claims link to.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from . import article as article_mod
from .errors import SummariseError
from .records import Claim, Event, Evidence, Result

CSS = """
:root { --ink: #1d2430; --muted: #5b6574; --line: #dde2ea; --ok: #d8f3dc; --ok-ink: #1b6b34; --bad: #ffe0c2;
  --bad-ink: #9a4a00; --ev: #e4ebff; --bg: #f6f7f9; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--ink); line-height: 1.5;
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; }
main { max-width: 1320px; margin: 0 auto; padding: 24px; }
h1 { font-size: 1.5rem; margin: 0 0 4px; } h2 { font-size: 1.2rem; margin: 0; overflow-wrap: anywhere; }
h3 { font-size: .8rem; text-transform: uppercase; letter-spacing: .06em; color: var(--muted); margin: 18px 0 8px; }
h4 { font-size: 1rem; margin: 0 0 6px; }
.sub, .meta { color: var(--muted); font-size: .85rem; }
section.result { background: #fff; border: 1px solid var(--line); border-radius: 10px; padding: 18px 22px;
  margin: 18px 0; }
.summary p { font-size: 1.05rem; margin: 4px 0; }
.cols { display: grid; grid-template-columns: minmax(0, 5fr) minmax(0, 6fr); gap: 28px; }
@media (max-width: 900px) { .cols { grid-template-columns: minmax(0, 1fr); } }
.text { white-space: pre-wrap; font-family: Georgia, "DejaVu Serif", serif; font-size: .95rem; line-height: 1.65;
  background: #fbfbfc; border: 1px solid var(--line); border-radius: 8px; padding: 14px 16px; max-height: 80vh;
  overflow: auto; }
mark { background: var(--ev); color: inherit; border-radius: 3px; padding: 0 1px; scroll-margin-top: 40vh; }
mark.verified { background: var(--ok); border-bottom: 2px solid #52b788; }
mark.unverified { background: var(--bad); border-bottom: 2px solid #f4a261; }
mark.mixed { background: var(--ok); border-bottom: 2px dashed #f4a261; }
mark mark { border-bottom-style: double; }
mark:target { outline: 3px solid #3a86ff; outline-offset: 1px; }
.event { border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; margin: 0 0 12px; }
.facts { margin: 0 0 6px; color: var(--muted); font-size: .85rem; }
table { border-collapse: collapse; width: 100%; font-size: .88rem; }
th, td { text-align: left; vertical-align: top; padding: 5px 8px; border-bottom: 1px solid var(--line); }
th { color: var(--muted); font-weight: 600; font-size: .78rem; text-transform: uppercase; letter-spacing: .04em; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.claim td { border-bottom: 0; padding-bottom: 2px; } tr.quote td { padding-top: 0; font-size: .85rem; }
.badge { display: inline-block; border-radius: 999px; padding: 0 8px; font-size: .78rem; font-weight: 600;
  white-space: nowrap; }
.badge.ok { background: var(--ok); color: var(--ok-ink); } .badge.bad { background: var(--bad); color: var(--bad-ink); }
.why { display: block; color: var(--bad-ink); font-size: .8rem; }
a { color: #1f5fbf; } a.quote { text-decoration: none; border-bottom: 1px dotted #1f5fbf; }
.findings { margin: 6px 0 0; padding-left: 20px; color: var(--bad-ink); } .clean { color: var(--ok-ink); }
.error { background: #ffe3e3; color: #8a1c1c; border-radius: 8px; padding: 10px 12px; }
.muted { color: var(--muted); } .nowrap { white-space: nowrap; }
"""


LEGEND = (
    '<p class="sub"><mark class="verified">verified figure</mark> <mark class="unverified">unverified figure</mark> '
    '<mark class="mixed">both</mark> <mark class="evidence">passage an event rests on</mark> · '
    "click a quote to find it in the article</p>"
)


def esc(value: object) -> str:
    """Escape anything for text or a double-quoted attribute."""
    return html.escape(str(value), quote=True)


def page(title: str, body: str, extra_css: str = "") -> str:
    """A whole document around `body`; scripts are forbidden by CSP, so an escaping slip still runs nothing."""
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n"
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(title)}</title>\n<style>{CSS}{extra_css}</style>\n</head>\n<body>\n<main>\n{body}\n</main>\n"
        "</body>\n</html>\n"
    )


@dataclass
class _Mark:
    start: int
    end: int
    id: str
    claims: list[tuple[str, bool]] = field(default_factory=list)  # (claim label, verified)
    events: list[str] = field(default_factory=list)  # event labels resting on this passage

    @property
    def css(self) -> str:
        if not self.claims:
            return "evidence"
        ok = {verified for _, verified in self.claims}
        return "mixed" if len(ok) == 2 else "verified" if True in ok else "unverified"

    @property
    def title(self) -> str:
        parts = [f"claim {label}" + ("" if ok else " (unverified)") for label, ok in self.claims]
        parts += [f"evidence for event {label}" for label in self.events]
        return "; ".join(parts)

    def open(self, first: bool) -> str:
        anchor = f' id="{esc(self.id)}"' if first else ""
        return f'<mark{anchor} class="{self.css}" data-q="{esc(self.id)}" title="{esc(self.title)}">'


def highlight(text: str, marks: Iterable[_Mark]) -> str:
    """`text` escaped, with a `<mark>` per span; crossing spans are closed and reopened so tags nest."""
    valid = [m for m in marks if 0 <= m.start < m.end <= len(text)]
    opens: dict[int, list[_Mark]] = {}
    for m in valid:
        opens.setdefault(m.start, []).append(m)
    cuts = sorted({0, len(text), *(m.start for m in valid), *(m.end for m in valid)})
    out: list[str] = []
    stack: list[_Mark] = []
    for pos, nxt in zip(cuts, [*cuts[1:], len(text)], strict=True):
        ending = [i for i, m in enumerate(stack) if m.end == pos]
        if ending:  # close down to the lowest ending mark, then reopen the ones that go on
            popped = stack[ending[0] :]
            del stack[ending[0] :]
            out.append("</mark>" * len(popped))
            for m in popped:
                if m.end != pos:
                    out.append(m.open(first=False))
                    stack.append(m)
        for m in sorted(opens.get(pos, []), key=lambda m: -m.end):  # the longer one outside
            out.append(m.open(first=True))
            stack.append(m)
        out.append(esc(text[pos:nxt]))
    return "".join(out)


def quote_id(prefix: str, evidence: Evidence | None) -> str | None:
    if evidence is None or evidence.span is None:
        return None
    return f"q-{prefix}-{evidence.span.start}-{evidence.span.end}"


def _marks(result: Result, prefix: str) -> list[_Mark]:
    by_id: dict[str, _Mark] = {}

    def mark_for(evidence: Evidence) -> _Mark | None:
        qid = quote_id(prefix, evidence)
        if qid is None or evidence.span is None:
            return None
        return by_id.setdefault(qid, _Mark(evidence.span.start, evidence.span.end, qid))

    for i, event in enumerate(result.events, 1):
        for ev in event.evidence:
            if (m := mark_for(ev)) is not None:
                m.events.append(str(i))
        for j, claim in enumerate(event.claims, 1):
            if claim.evidence and (m := mark_for(claim.evidence)) is not None:
                m.claims.append((f"{i}.{j}", claim.verified))
    return list(by_id.values())


def _figure(claim: Claim) -> str:
    value = f"{claim.value}–{claim.value_max}" if claim.value_max is not None else str(claim.value)
    return f'{esc(claim.measure.value.replace("_", " "))}</td><td class="num">{esc(value)}'


def _claim_row(label: str, claim: Claim, prefix: str, linked: bool) -> str:
    who = esc(claim.claimant) if claim.claimant else '<span class="muted">unattributed</span>'
    via = f'<br><span class="muted">{esc(claim.channel)}</span>' if claim.channel else ""
    if claim.verified:
        status = '<span class="badge ok">✓ verified</span>'
    else:
        why = "".join(f'<span class="why">{esc(i)}</span>' for i in claim.issues)
        status = f'<span class="badge bad">✗ unverified</span>{why}'
    ev = claim.evidence
    qid = quote_id(prefix, ev)
    if ev is None:
        quote = '<span class="muted">no quote</span>'
    elif qid and linked:
        quote = f'<a class="quote" href="#{esc(qid)}">“{esc(ev.quote)}”</a>'
    else:
        status_note = "not found in the article" if ev.span is None else "article text not available"
        quote = f'“{esc(ev.model_quote or ev.quote)}” <span class="why">{status_note}</span>'
    return (
        f'<tr id="c-{esc(prefix)}-{esc(label)}" class="claim"><td class="num">{esc(label)}</td>'
        f"<td>{_figure(claim)}</td><td>{who}{via}</td><td>{status}</td></tr>"
        f'<tr class="quote"><td></td><td colspan="4">{quote}</td></tr>'
    )


def _event(i: int, event: Event, prefix: str, linked: bool) -> str:
    loc = ", ".join(dict.fromkeys(x for x in (event.location.text, event.location.region, event.location.country) if x))
    date = event.date.text or "date not given"
    iso = f' <span class="nowrap">({esc(event.date.iso)}, {esc(event.date.precision.value)})</span>'
    head = f"{i}. {event.event_type.value.replace('_', ' ')} · {loc or 'place not given'} · {date}"
    facts = []
    if event.actors:
        facts.append("actors: " + ", ".join(event.actors))
    if event.weapons:
        facts.append("weapons/systems: " + ", ".join(event.weapons))
    links = [
        f'<a href="#{esc(qid)}">passage {k}</a>'
        for k, ev in enumerate(event.evidence, 1)
        if (qid := quote_id(prefix, ev)) and linked
    ]
    out = [f'<div class="event"><h4>{esc(head)}{iso if event.date.iso else ""}</h4>']
    if facts:
        out.append(f'<p class="facts">{esc(" · ".join(facts))}</p>')
    if links:
        out.append(f'<p class="facts">rests on: {", ".join(links)}</p>')
    if event.claims:
        rows = "".join(_claim_row(f"{i}.{j}", c, prefix, linked) for j, c in enumerate(event.claims, 1))
        out.append(
            "<table><thead><tr><th>#</th><th>figure</th><th>n</th><th>claimant</th><th>status</th>"
            f"</tr></thead><tbody>{rows}</tbody></table>"
        )
    else:
        out.append('<p class="muted">no figures</p>')
    out.append("</div>")
    return "".join(out)


def _summary(result: Result) -> str:
    if result.summary is None:
        return ""
    findings = result.summary.findings
    lint = (
        '<ul class="findings">'
        + "".join(f"<li><b>{esc(f.rule)}</b>: {esc(f.message)} <q>{esc(f.text)}</q></li>" for f in findings)
        + "</ul>"
        if findings
        else '<p class="clean">linter: no findings</p>'
    )
    return f'<div class="summary"><h3>Summary</h3><p>{esc(result.summary.text)}</p>{lint}</div>'


def _run_line(result: Result) -> str:
    if result.run is None:
        return ""
    r = result.run
    prompts = ", ".join(f"{p.name}.{p.version}@{p.sha256[:8]}" for p in r.prompts)
    cached = sum(1 for c in r.calls if c.cached)
    calls = f"{len(r.calls)} calls" + (f" ({cached} from cache)" if cached else "")
    toks = f"{r.prompt_tokens}+{r.completion_tokens} tokens"
    return (
        f'<p class="meta">{esc(r.model)} · {esc(calls)} · {esc(toks)} · {r.wall_s:.1f} s · prompts {esc(prompts)}</p>'
    )


def result_section(result: Result, text: str | None, prefix: str, heading: str | None = None) -> str:
    """One article: summary, events with their claims, and the article with the quotes marked.

    `prefix` keeps ids unique when several articles share a page.
    """
    title = f"<h2>{esc(heading or result.source)}</h2>"
    meta = f'<p class="meta">article {esc(result.article_id)} · {esc(result.source)}</p>'
    if result.status == "error":
        error = f'<p class="error">{esc(result.error)}</p>'
        return f'<section class="result" id="r-{esc(prefix)}">{title}{meta}{error}</section>'
    linked = text is not None
    events = "".join(_event(i, e, prefix, linked) for i, e in enumerate(result.events, 1)) or (
        '<p class="muted">no events found</p>'
    )
    body = (
        f'<div class="text">{highlight(text, _marks(result, prefix))}</div>'
        if text is not None
        else '<p class="muted">article text not available (standard input is read only once)</p>'
    )
    return (
        f'<section class="result" id="r-{esc(prefix)}">{title}{meta}{_run_line(result)}{_summary(result)}'
        f'<div class="cols"><div><h3>Article</h3>{body}</div><div><h3>Events and figures</h3>{events}</div></div>'
        "</section>"
    )


def to_html(results: list[Result], texts: Mapping[str, str]) -> str:
    """The page `summarise --format html` writes; `texts` maps article id to the text the spans index."""
    sections = "".join(result_section(r, texts.get(r.article_id), str(k)) for k, r in enumerate(results, 1))
    title = results[0].source if len(results) == 1 else f"summarise: {len(results)} articles"
    count = "1 article" if len(results) == 1 else f"{len(results)} articles"
    return page(title, f"<h1>summarise · {count}</h1>{LEGEND}{sections}")


def article_texts(inputs: Iterable[Path | str]) -> dict[str, str]:
    """Article id -> text, re-read from the inputs (spans index the decoded text, not the file's bytes)."""
    out: dict[str, str] = {}
    for item in inputs:
        if item == "-":
            continue
        try:
            art = article_mod.load(item)
        except SummariseError:
            continue
        out[art.id] = art.text
    return out
