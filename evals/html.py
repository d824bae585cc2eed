"""The eval report as one HTML page: scores, the reasons behind each miss, gold beside prediction, and the
article with every predicted quote highlighted.

The JSON report is for the gate and the markdown for PR comments; this is for the person deciding whether a
prompt change is better: each case shows what gold says, what the model said (the same per-article view
`summarise --format html` writes), and, with `--against`, how the other prompt version scored. Everything
from an article, the model or a gold file is escaped (see `summarise.html`).
"""

from __future__ import annotations

from summarise import article as article_mod
from summarise.errors import SummariseError
from summarise.html import LEGEND, esc, page, result_section
from summarise.records import Claim, Event, Gold

from .report import COLUMNS, TOTAL, UNGATED, Report, _cells, _fmt, _fmt_delta, _imperfect, _row, verdict
from .run import CaseRun

CSS = """
table.scores { margin: 8px 0 4px; background: #fff; border: 1px solid var(--line); border-radius: 8px; }
table.scores th, table.scores td { white-space: nowrap; }
table.scores tr.total td { font-weight: 700; border-top: 2px solid var(--ink); }
td.miss { color: var(--bad-ink); background: #fff4ea; }
.improved, .cheaper { color: var(--ok-ink); font-weight: 600; } .regressed { color: #b42318; font-weight: 700; }
.costlier { color: var(--bad-ink); } .same, .n\\/a { color: var(--muted); }
.gold-pred { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 28px; }
@media (max-width: 900px) { .gold-pred { grid-template-columns: minmax(0, 1fr); } }
td.reason { white-space: normal; color: var(--ink); }
details summary { cursor: pointer; color: var(--muted); font-size: .85rem; margin: 6px 0; }
section.case > h2 { margin-bottom: 2px; }
section.case { border-top: 3px solid var(--ink); margin-top: 34px; padding-top: 12px; }
section.case section.result { margin-top: 8px; }
.warn { background: #fff4d6; border-radius: 8px; padding: 8px 12px; }
"""


def _scores_table(report: Report) -> str:
    head = "".join(f"<th>{esc(h)}</th>" for _, h in COLUMNS)
    rows = []
    for case, metrics in sorted(report.cases.items()):
        cells = "".join(
            f'<td class="num{" miss" if _imperfect(m, _row(metrics).get(m)) else ""}">{esc(c)}</td>'
            for (m, _), c in zip(COLUMNS, _cells(metrics), strict=True)
        )
        rows.append(f'<tr><td><a href="#case-{esc(case)}">{esc(case)}</a></td>{cells}</tr>')
    totals = "".join(f'<td class="num">{esc(c)}</td>' for c in _cells(report.totals))
    rows.append(f'<tr class="total"><td>{TOTAL}</td>{totals}</tr>')
    return f'<table class="scores"><thead><tr><th>case</th>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'


def _versus(a: Report, b: Report, case: str = TOTAL, tolerance: float = 0.02) -> str:
    """Metric by metric, this version against the other, with the gate's verdicts."""
    left = _row(a.totals if case == TOTAL else a.cases.get(case, {}))
    right = _row(b.totals if case == TOTAL else b.cases.get(case, {}))
    rows = []
    for metric in [*right, *(m for m in left if m not in right)]:
        va, vb = left.get(metric), right.get(metric)
        delta = "" if va is None or vb is None else _fmt_delta(metric, va - vb)
        v = verdict(metric, va, vb, tolerance)
        rows.append(
            f'<tr><td>{esc(metric)}</td><td class="num">{esc(_fmt(metric, va))}</td>'
            f'<td class="num">{esc(_fmt(metric, vb))}</td><td class="num">{esc(delta)}</td>'
            f'<td class="{esc(v)}">{esc(v)}</td></tr>'
        )
    head = f"<th>metric</th><th>{esc(a.prompt_version)}</th><th>{esc(b.prompt_version)}</th><th>Δ</th><th>verdict</th>"
    return f'<table class="scores"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'


def _reasons(report: Report, case: str, other: Report | None) -> str:
    """Every gated metric that is not at its best, with its reason; the rest folded away."""
    metrics = report.cases.get(case, {})
    why = report.reasons.get(case, {})
    theirs = other.cases.get(case, {}) if other else {}
    extra = f"<th>{esc(other.prompt_version)}</th><th>verdict</th>" if other else ""
    miss: list[str] = []
    fine: list[str] = []
    for m, v in metrics.items():
        if m in UNGATED:
            continue
        cmp = ""
        if other:
            vd = verdict(m, v, theirs.get(m))
            cmp = f'<td class="num">{esc(_fmt(m, theirs.get(m)))}</td><td class="{esc(vd)}">{esc(vd)}</td>'
        row = (
            f'<tr><td>{esc(m)}</td><td class="num{" miss" if _imperfect(m, v) else ""}">{esc(_fmt(m, v))}</td>'
            f'{cmp}<td class="reason">{esc(why.get(m, ""))}</td></tr>'
        )
        changed = other is not None and verdict(m, v, theirs.get(m)) not in ("same", "n/a")
        (miss if _imperfect(m, v) or changed else fine).append(row)
    head = f"<thead><tr><th>metric</th><th>{esc(report.prompt_version)}</th>{extra}<th>why</th></tr></thead>"
    out = f'<table class="scores">{head}<tbody>{"".join(miss)}</tbody></table>' if miss else ""
    if not miss:
        out = '<p class="clean">every gated metric at its best</p>'
    if fine:
        out += (
            f"<details><summary>{len(fine)} more metric(s) at their best</summary>"
            f'<table class="scores">{head}<tbody>{"".join(fine)}</tbody></table></details>'
        )
    return out


def _check(claim: Claim) -> str:
    return '<td class="clean">✓</td>' if claim.verified else '<td class="why">✗ unverified</td>'


def _compact(events: list[Event], predicted: bool) -> str:
    """Events and figures in the same few columns for gold and prediction, so the two read side by side."""
    rows = []
    for i, e in enumerate(events, 1):
        where = ", ".join(dict.fromkeys(x for x in (e.location.text, e.location.region) if x)) or "place not given"
        head = f"{i}. {e.event_type.value.replace('_', ' ')} · {where} · {e.date.text or e.date.iso or 'no date'}"
        figures = "".join(
            f'<tr><td>{esc(c.measure.value.replace("_", " "))}</td><td class="num">{esc(c.value)}</td>'
            f"<td>{esc(c.claimant or 'unattributed')}</td>{_check(c) if predicted else ''}</tr>"
            for c in e.claims
        )
        table = f"<table><tbody>{figures}</tbody></table>" if figures else '<p class="muted">no figures</p>'
        rows.append(f'<div class="event"><h4>{esc(head)}</h4>{table}</div>')
    return "".join(rows) or '<p class="muted">no events</p>'


def _gold(gold: Gold) -> str:
    musts = "; ".join(" / ".join(alts) for alts in gold.summary.must_mention)
    facts = f'<p class="facts">a neutral summary mentions: {esc(musts)}</p>' if musts else ""
    return _compact(gold.events, predicted=False) + facts


def _case(run: CaseRun, report: Report, other: Report | None) -> str:
    case = run.case.id
    try:
        text: str | None = article_mod.load(run.case.article).text
    except SummariseError:
        text = None
    try:
        gold = _gold(run.case.gold())
    except (OSError, ValueError) as exc:
        gold = f'<p class="error">gold unreadable: {esc(exc)}</p>'
    metrics = _row(report.cases.get(case, {}))
    cost = f"{_fmt('tokens', metrics.get('tokens'))} tokens · {_fmt('calls', metrics.get('calls'))} calls"
    note = f" · cassette {run.cassette.name}" if run.cassette else ""
    return (
        f'<section class="case" id="case-{esc(case)}"><h2>{esc(case)}</h2>'
        f'<p class="meta">{esc(cost)}{esc(note)}</p>'
        f"<h3>Against gold</h3>{_reasons(report, case, other)}"
        f'<div class="gold-pred"><div><h3>Gold</h3>{gold}</div>'
        f"<div><h3>Predicted</h3>{_compact(run.result.events, predicted=True)}</div>"
        f"</div>{result_section(run.result, text, case, heading='Pipeline output')}</section>"
    )


def to_html(report: Report, runs: list[CaseRun], other: Report | None = None, tolerance: float = 0.02) -> str:
    """The whole report; `other` is the `--against` version's report, compared case by case."""
    title = f"Eval report: prompts {report.prompt_version}"
    sub = f"model {report.model} · fingerprint {report.fingerprint} · {report.created_at:%Y-%m-%d %H:%M} UTC"
    parts = [f"<h1>{esc(title)}</h1>", f'<p class="sub">{esc(sub)}</p>']
    if report.stale_cassettes:
        parts.append(f'<p class="warn">stale cassettes: {esc(", ".join(report.stale_cassettes))}</p>')
    parts.append(_scores_table(report))
    if other is not None:
        parts.append(f"<h3>{esc(report.prompt_version)} against {esc(other.prompt_version)}, all cases</h3>")
        parts.append(_versus(report, other, tolerance=tolerance))
    parts.append(LEGEND)
    parts.extend(_case(r, report, other) for r in runs)
    return page(title, "".join(parts), CSS)
