"""The baseline gate and the report renderings: a real drop fails, noise within tolerance and cost changes don't,
and any new banned term does."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import pytest
from rich.console import Console

from evals.report import (
    COST_METRICS,
    LOWER_IS_BETTER,
    UNGATED,
    Regression,
    Report,
    build_report,
    compare,
    diff_table,
    render_table,
    to_json,
    to_markdown,
)
from evals.scorers import Aliases, score_case
from summarise.records import CallStat, Gold, Result, RunInfo, Summary

REPO = Path(__file__).resolve().parent.parent
TVER = "001_be506d096dbecfb0"
KALUGA = "002_b5946c04717fc1b1"


def gold_report(
    mutate: Mapping[str, float | None] | None = None, case_mutate: Mapping[str, float | None] | None = None
) -> Report:
    """A report scored from the gold files themselves, with some totals / the Tver case's metrics overwritten."""
    aliases = Aliases.load()
    scores = []
    for case in (TVER, KALUGA):
        gold = Gold.model_validate_json((REPO / "seeds" / "gold" / f"{case}.json").read_text(encoding="utf-8"))
        calls = [CallStat(step="events", prompt="events", prompt_tokens=1000, completion_tokens=200)]
        pred = Result(
            article_id=case,
            source=gold.source,
            events=[e.model_copy(deep=True) for e in gold.events],
            summary=Summary(text="Officials reported drones. Nothing else."),
            run=RunInfo(model="m", base_url="u", prompts=[], calls=calls, wall_s=3.0),
        )
        scores.append(score_case(pred, gold, aliases, (REPO / gold.source).read_text(encoding="utf-8")))
    report = build_report(scores, prompt_version="v1", model="m", fingerprint="abc123")
    report.totals.update(mutate or {})
    report.cases[TVER].update(case_mutate or {})
    return report


@pytest.fixture(scope="module")
def baseline() -> Report:
    return gold_report()


def test_identical_report_has_no_regressions(baseline: Report) -> None:
    assert compare(gold_report(), baseline) == []


def test_drop_beyond_tolerance_is_flagged(baseline: Report) -> None:
    current = gold_report({"figure_with_claimant_recall": 0.95})
    assert compare(current, baseline) == [Regression("TOTAL", "figure_with_claimant_recall", 1.0, 0.95)]


def test_drop_within_tolerance_is_ignored(baseline: Report) -> None:
    assert compare(gold_report({"figure_with_claimant_recall": 0.99}), baseline, tolerance=0.02) == []
    assert compare(gold_report({"figure_with_claimant_recall": 0.99}), baseline, tolerance=0.0) != []


def test_per_case_drop_is_flagged(baseline: Report) -> None:
    regressions = compare(gold_report(case_mutate={"claims_recall": 0.5}), baseline)
    assert [(r.case, r.metric) for r in regressions] == [(TVER, "claims_recall")]


def test_cost_and_time_are_not_gated(baseline: Report) -> None:
    worse_cost = {"prompt_tokens": 9e6, "completion_tokens": 9e6, "calls": 99.0, "wall_s": 999.0}
    assert compare(gold_report(worse_cost, worse_cost), baseline) == []
    assert COST_METRICS <= UNGATED


@pytest.mark.parametrize("metric", sorted(LOWER_IS_BETTER))
def test_any_count_increase_is_a_regression(baseline: Report, metric: str) -> None:
    b = baseline.totals[metric]
    assert b is not None
    assert compare(gold_report({metric: b + 1}), baseline) == [Regression("TOTAL", metric, b, b + 1)]
    assert compare(gold_report({metric: b - 1}), baseline) == []  # fewer is better, never flagged


def test_lost_case_is_a_regression(baseline: Report) -> None:
    current = gold_report()
    del current.cases[KALUGA]
    assert Regression(KALUGA, "case_missing", None, None) in compare(current, baseline)


def test_json_round_trip(baseline: Report) -> None:
    again = Report.model_validate_json(to_json(baseline))
    assert again == baseline
    assert json.loads(to_json(baseline))["totals"]["event_f1"] == 1.0


def _text(renderable: object) -> str:
    console = Console(width=250, record=True, color_system=None)
    console.print(renderable)
    return console.export_text()


def test_table_has_cases_and_total(baseline: Report) -> None:
    text = _text(render_table(baseline))
    assert TVER in text and KALUGA in text and "TOTAL" in text
    assert "2,400" in text  # tokens: (1000 + 200) x 2 cases, summed in the TOTAL row


def test_markdown_lists_only_imperfect_scores() -> None:
    report = gold_report(case_mutate={"claims_recall": 0.5})
    report.reasons[TVER]["claims_recall"] = "missed: injured=7 (Tver)"
    md = to_markdown(report)
    assert "| TOTAL" in md or "| **TOTAL**" in md
    reasons = md.split("## Reasons", 1)[1]
    assert "**claims_recall** 0.50: missed: injured=7 (Tver)" in reasons
    assert "event_f1" not in reasons  # perfect scores stay out
    assert "summary_facts" in reasons  # the two-sentence stub summary misses must-mention facts


def test_stale_cassettes_are_shown(baseline: Report) -> None:
    report = baseline.model_copy(update={"stale_cassettes": ["001.deadbeef.yaml"]})
    assert "001.deadbeef.yaml" in to_markdown(report)
    assert "001.deadbeef.yaml" in _text(render_table(report))


def test_diff_table_verdicts(baseline: Report) -> None:
    b = gold_report({"claims_f1": 0.80, "summary_banned": 0.0, "prompt_tokens": 500.0})
    a = gold_report({"claims_f1": 0.90, "summary_banned": 2.0, "prompt_tokens": 900.0})
    cells = [line.replace("│", " ").split() for line in _text(diff_table(a, b, labels=("v2", "v1"))).splitlines()]
    wanted = {"claims_f1", "summary_banned", "prompt_tokens", "event_f1"}
    rows = {c[0]: c[-1] for c in cells if c and c[0] in wanted}
    assert rows == {
        "claims_f1": "improved",
        "summary_banned": "regressed",
        "prompt_tokens": "costlier",
        "event_f1": "same",
    }
