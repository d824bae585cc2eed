"""Eval reports (terminal, JSON, markdown) and the baseline gate that turns a worse run into a failed check.

A report stores every case's metrics *and* reasons, so a committed baseline explains itself and a regression
can be traced to the figure or claimant that changed. Which way each metric points is defined once, in
`evals.scorers`; cost metrics are shown but never gated, since a prompt may legitimately spend more tokens.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel, Field
from rich.table import Table

from evals.scorers import COST_METRICS, INFORMATIONAL, LOWER_IS_BETTER, CaseScore, aggregate

__all__ = [
    "COLUMNS",
    "COST_METRICS",
    "INFORMATIONAL",
    "LOWER_IS_BETTER",
    "UNGATED",
    "Regression",
    "Report",
    "build_report",
    "compare",
    "diff_table",
    "render_table",
    "to_json",
    "to_markdown",
    "verdict",
]

UNGATED = COST_METRICS | INFORMATIONAL | {"tokens"}
TOTAL = "TOTAL"
_COUNTS = LOWER_IS_BETTER | {"prompt_tokens", "completion_tokens", "calls", "tokens", "summary_sentences"}
_EPS = 1e-9

# (metric, header) for the terminal and markdown tables; "tokens" is prompt + completion.
COLUMNS: list[tuple[str, str]] = [
    ("event_f1", "event F1"),
    ("figure_with_claimant_recall", "fig+claimant R"),
    ("claims_f1", "claims F1"),
    ("attribution_accuracy", "attrib"),
    ("date_acc", "date"),
    ("grounding_rate", "grounded"),
    ("verbatim_rate", "verbatim"),
    ("summary_facts", "facts"),
    ("summary_banned", "banned"),
    ("summary_unattributed", "unattrib"),
    ("tokens", "tokens"),
    ("wall_s", "wall s"),
]


class Report(BaseModel):
    """One eval run: what was run (prompts, model, fingerprint) and what it scored, per case and in total."""

    created_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    prompt_version: str
    model: str
    fingerprint: str
    cases: dict[str, dict[str, float | None]] = Field(default_factory=dict, description="case -> metric -> value")
    reasons: dict[str, dict[str, str]] = Field(default_factory=dict, description="case -> metric -> reason")
    totals: dict[str, float | None] = Field(default_factory=dict)
    stale_cassettes: list[str] = Field(default_factory=list, description="cassettes no current fingerprint uses")

    @classmethod
    def load(cls, path: Path | str) -> Report:
        return cls.model_validate_json(Path(path).read_text(encoding="utf-8"))


def build_report(
    scores: list[CaseScore],
    *,
    prompt_version: str,
    model: str,
    fingerprint: str,
    stale_cassettes: Iterable[str] = (),
) -> Report:
    return Report(
        prompt_version=prompt_version,
        model=model,
        fingerprint=fingerprint,
        cases={cs.case: cs.as_dict() for cs in scores},
        reasons={cs.case: cs.reasons() for cs in scores},
        totals=aggregate(scores),
        stale_cassettes=sorted(stale_cassettes),
    )


def to_json(report: Report) -> str:
    return report.model_dump_json(indent=2)


# ---- the gate ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Regression:
    case: str  # "TOTAL" for the totals row
    metric: str
    baseline: float | None
    current: float | None

    def __str__(self) -> str:
        return f"{self.case}: {self.metric} {_fmt(self.metric, self.baseline)} -> {_fmt(self.metric, self.current)}"


def verdict(metric: str, a: float | None, b: float | None, tolerance: float = 0.02) -> str:
    """How `a` compares with the reference `b`: improved / regressed / same, or cheaper / costlier for cost."""
    if a is None or b is None:
        return "n/a" if a is None and b is None else ("new" if b is None else "gone")
    if metric in INFORMATIONAL:
        return "same" if abs(a - b) < _EPS else "changed"
    if metric in COST_METRICS or metric == "tokens":
        return "same" if abs(a - b) < _EPS else ("cheaper" if a < b else "costlier")
    if metric in LOWER_IS_BETTER:  # counts: any increase is a regression
        return "regressed" if a > b + _EPS else ("improved" if a < b - _EPS else "same")
    if a < b - tolerance - _EPS:
        return "regressed"
    return "improved" if a > b + tolerance + _EPS else "same"


def compare(current: Report, baseline: Report, tolerance: float = 0.02) -> list[Regression]:
    """Gated metrics in the totals and in each baseline case that got worse; a case the run lost is one too.

    A metric that became not-applicable (None) is not flagged here: the recall metrics, whose denominators
    come from gold, already drop when a prediction goes missing.
    """
    rows = [(TOTAL, current.totals, baseline.totals)]
    regressions = []
    for case, base in baseline.cases.items():
        if case not in current.cases:
            regressions.append(Regression(case, "case_missing", None, None))
        else:
            rows.append((case, current.cases[case], base))
    for case, cur, base in rows:
        for metric, b in base.items():
            if metric not in UNGATED and verdict(metric, cur.get(metric), b, tolerance) == "regressed":
                regressions.append(Regression(case, metric, b, cur.get(metric)))
    return regressions


# ---- rendering ---------------------------------------------------------------------------------------


def _fmt(metric: str, value: float | None) -> str:
    if value is None:
        return "—"
    if metric in _COUNTS:
        return f"{value:,.0f}"
    if metric == "wall_s":
        return f"{value:.1f}"
    return f"{value:.2f}"


def _fmt_delta(metric: str, delta: float) -> str:
    if abs(delta) < _EPS:
        return "0"
    return f"{delta:+,.0f}" if metric in _COUNTS else f"{delta:+.1f}" if metric == "wall_s" else f"{delta:+.2f}"


def _row(metrics: dict[str, float | None]) -> dict[str, float | None]:
    """The metrics plus the derived `tokens` column."""
    p, c = metrics.get("prompt_tokens"), metrics.get("completion_tokens")
    tokens = None if p is None and c is None else (p or 0) + (c or 0)
    return {**metrics, "tokens": tokens}


def _cells(metrics: dict[str, float | None]) -> list[str]:
    row = _row(metrics)
    return [_fmt(m, row.get(m)) for m, _ in COLUMNS]


def render_table(report: Report) -> Table:
    """One row per case and a TOTAL row, for rich's Console.print."""
    title = f"eval · prompts {report.prompt_version} · {report.model} · {report.fingerprint}"
    table = Table(title=title, show_footer=False)
    table.add_column("case", no_wrap=True)
    for _, header in COLUMNS:
        table.add_column(header, justify="right")
    for case, metrics in sorted(report.cases.items()):
        table.add_row(case, *_cells(metrics))
    table.add_section()
    table.add_row(TOTAL, *_cells(report.totals), style="bold")
    if report.stale_cassettes:
        table.caption = f"stale cassettes: {', '.join(report.stale_cassettes)}"
    return table


def _imperfect(metric: str, value: float | None) -> bool:
    """Worth a line under Reasons: a ratio below 1, or a lower-is-better count above 0."""
    if value is None or metric in UNGATED:
        return False
    return value > _EPS if metric in LOWER_IS_BETTER else value < 1 - _EPS


def _md_escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def to_markdown(report: Report) -> str:
    """The terminal table as markdown, then every non-perfect score with its reason (for PR comments)."""
    head = ["case", *(h for _, h in COLUMNS)]
    lines = [
        f"# Eval report: prompts {report.prompt_version}",
        "",
        f"model `{report.model}` · fingerprint `{report.fingerprint}` · {report.created_at:%Y-%m-%d %H:%M} UTC",
        "",
    ]
    if report.stale_cassettes:
        lines += [f"**Stale cassettes:** {', '.join(f'`{c}`' for c in report.stale_cassettes)}", ""]
    lines += ["| " + " | ".join(head) + " |", "|" + "---|" + "---:|" * len(COLUMNS)]
    for case, metrics in sorted(report.cases.items()):
        lines.append("| " + " | ".join([_md_escape(case), *_cells(metrics)]) + " |")
    lines.append("| **" + TOTAL + "** | " + " | ".join(f"**{c}**" for c in _cells(report.totals)) + " |")
    lines += ["", "## Reasons", ""]
    found = False
    for case, metrics in sorted(report.cases.items()):
        bad = [(m, v) for m, v in metrics.items() if _imperfect(m, v)]
        if not bad:
            continue
        found = True
        lines.append(f"### {case}")
        why = report.reasons.get(case, {})
        lines += [f"- **{m}** {_fmt(m, v)}: {_md_escape(why.get(m, ''))}" for m, v in bad]
        lines.append("")
    if not found:
        lines.append("All scores perfect.")
    return "\n".join(lines).rstrip() + "\n"


def diff_table(
    a: Report, b: Report, labels: tuple[str, str] = ("a", "b"), case: str = TOTAL, tolerance: float = 0.02
) -> Table:
    """Metric by metric, `a` against the reference `b` (e.g. current vs baseline, or prompt v2 vs v1).

    Δ is a − b; the verdict says whether `a` improved or regressed on `b` with the same rules as the gate.
    """
    left = _row(a.totals if case == TOTAL else a.cases.get(case, {}))
    right = _row(b.totals if case == TOTAL else b.cases.get(case, {}))
    table = Table(title=f"{labels[0]} vs {labels[1]} · {case}")
    table.add_column("metric")
    for name in (*labels, "Δ"):
        table.add_column(name, justify="right")
    table.add_column("verdict")
    styles = {"improved": "green", "regressed": "bold red", "cheaper": "green", "costlier": "yellow"}
    for metric in [*right, *(m for m in left if m not in right)]:
        va, vb = left.get(metric), right.get(metric)
        delta = "" if va is None or vb is None else _fmt_delta(metric, va - vb)
        v = verdict(metric, va, vb, tolerance)
        table.add_row(metric, _fmt(metric, va), _fmt(metric, vb), delta, f"[{styles.get(v, 'dim')}]{v}[/]")
    return table
