"""Scorers against the gold files themselves: a copy of gold must score perfectly, and each kind of damage
a model does (wrong figure, wrong claimant, unverified claim, loaded word) must lower the right metric and
be named in its reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from evals.scorers import Aliases, CaseScore, Score, aggregate, date_ok, score_case
from summarise.records import (
    AlignStatus,
    CallStat,
    DateInfo,
    Event,
    Gold,
    LintFinding,
    Precision,
    Result,
    RunInfo,
    Summary,
)

REPO = Path(__file__).resolve().parent.parent
GOLD = sorted((REPO / "seeds" / "gold").glob("*.json"))
KALUGA = "002_b5946c04717fc1b1"
TVER = "001_be506d096dbecfb0"


@pytest.fixture(scope="module")
def aliases() -> Aliases:
    return Aliases.load()


def load_gold(case: str) -> Gold:
    return Gold.model_validate_json((REPO / "seeds" / "gold" / f"{case}.json").read_text(encoding="utf-8"))


def article(gold: Gold) -> str:
    return (REPO / gold.source).read_text(encoding="utf-8")


def as_result(
    gold: Gold, events: list[Event] | None = None, summary: str = "A summary.", run: RunInfo | None = None
) -> Result:
    """The brief's recipe: a prediction made of the gold's own events (deep-copied, so tests may damage them)."""
    evs = [e.model_copy(deep=True) for e in gold.events] if events is None else events
    return Result(article_id="x", source=gold.source, events=evs, summary=Summary(text=summary), run=run)


def scored(gold: Gold, pred: Result, aliases: Aliases) -> dict[str, Score]:
    return {s.name: s for s in score_case(pred, gold, aliases, article(gold)).scores}


@pytest.mark.parametrize("path", GOLD, ids=lambda p: p.stem)
def test_gold_copy_scores_perfectly(path: Path, aliases: Aliases) -> None:
    gold = Gold.model_validate_json(path.read_text(encoding="utf-8"))
    s = scored(gold, as_result(gold), aliases)
    if not gold.events:  # the no-event case: nothing to match, and nothing spurious
        assert s["event_f1"].value is None and s["event_precision"].value is None
        return
    assert s["event_f1"].value == 1.0
    assert s["date_acc"].value == 1.0 and s["location_acc"].value == 1.0
    assert s["grounding_rate"].value == 1.0 and s["verbatim_rate"].value == 1.0
    if any(e.claims for e in gold.events):
        assert s["figure_with_claimant_recall"].value == 1.0
        assert s["claims_f1"].value == 1.0
    else:
        assert s["figure_with_claimant_recall"].value is None  # nothing to find: not applicable, not 0


def test_shuffled_events_still_match_one_to_one(aliases: Aliases) -> None:
    gold = load_gold("004_d1897fa5345b52f7")  # five events, four of them deployments in Moscow
    s = scored(gold, as_result(gold, list(reversed(gold.events))), aliases)
    assert s["event_f1"].value == 1.0 and s["weapons_f1"].value == 1.0 and s["location_acc"].value == 1.0


def test_wrong_value_lowers_claims_recall_and_is_named(aliases: Aliases) -> None:
    gold = load_gold(TVER)
    pred = as_result(gold)
    pred.events[1].claims[0].value = 8  # gold: injured=7 in Tver
    s = scored(gold, pred, aliases)
    assert s["claims_recall"].value == pytest.approx(0.5)
    assert s["claims_precision"].value == pytest.approx(0.5)
    assert "injured=7 (Tver" in s["claims_recall"].reason and "got 8" in s["claims_recall"].reason
    assert "injured=8" in s["claims_precision"].reason
    assert s["event_f1"].value == 1.0  # the event itself is still right


def test_swapped_claimant_lowers_attribution(aliases: Aliases) -> None:
    gold = load_gold(KALUGA)
    pred = as_result(gold)
    tally = pred.events[0].claims[1]
    assert (tally.value, tally.claimant) == (2, "Russian air defence forces")
    tally.claimant = "Governor Vladislav Shapsha"
    s = scored(gold, pred, aliases)
    n = sum(len(e.claims) for e in gold.events)
    assert s["claims_recall"].value == 1.0  # the figure is still found ...
    assert s["attribution_accuracy"].value == pytest.approx((n - 1) / n)  # ... under the wrong name
    assert s["figure_with_claimant_recall"].value == pytest.approx((n - 1) / n)
    reason = s["attribution_accuracy"].reason
    assert "drones_intercepted=2 Kaluga" in reason and "Shapsha" in reason and "Russian air defence forces" in reason


def test_claimant_given_where_gold_has_none_is_wrong(aliases: Aliases) -> None:
    gold = load_gold(TVER)
    pred = as_result(gold)
    pred.events[1].claims[0].claimant = "Local authorities"  # the article does not attribute the 7 injured
    assert scored(gold, pred, aliases)["attribution_accuracy"].value == pytest.approx(0.5)


def test_unverified_claims_are_not_assertions(aliases: Aliases) -> None:
    gold = load_gold(TVER)
    pred = as_result(gold)
    pred.events[1].claims[0].verified = False
    s = scored(gold, pred, aliases)
    assert s["unverified_claims"].value == 1.0 and "injured=7" in s["unverified_claims"].reason
    assert s["claims_recall"].value == pytest.approx(0.5) and "only unverified" in s["claims_recall"].reason
    assert s["claims_precision"].value == 1.0  # flagged, not asserted: no false positive either


def test_figure_in_another_event_at_the_same_place_counts(aliases: Aliases) -> None:
    gold = load_gold(KALUGA)
    pred = as_result(gold)
    split = pred.events[0].model_copy(update={"claims": [pred.events[0].claims.pop(1)]}, deep=True)
    pred.events.append(split)  # the model made the tally its own Kaluga event
    s = scored(gold, pred, aliases)
    assert s["figure_with_claimant_recall"].value == 1.0
    assert s["event_precision"].value == pytest.approx(5 / 6)


def test_event_elsewhere_is_not_matched(aliases: Aliases) -> None:
    gold = load_gold(TVER)
    pred = as_result(gold)
    pred.events[1].location.text, pred.events[1].location.region = "Kharkiv", "Kharkiv Oblast"
    s = scored(gold, pred, aliases)
    assert s["event_recall"].value == pytest.approx(0.5)
    assert "drone_or_missile_strike @ Tver" in s["event_recall"].reason


def test_wrong_type_matches_but_is_a_type_error(aliases: Aliases) -> None:
    gold = load_gold(TVER)
    pred = as_result(gold)
    pred.events[1].event_type = pred.events[0].event_type
    s = scored(gold, pred, aliases)
    assert s["event_f1"].value == pytest.approx(0.5)
    assert s["event_type_acc"].value == pytest.approx(0.5) and "Tver" in s["event_type_acc"].reason
    assert s["claims_recall"].value == 1.0  # the pair still matched on place, so its figure is found


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Tarus", "Tarusa"),
        ("Kharkov", "Kharkiv"),
        ("Владислав Shapsha", "Vladislav Shapsha"),
        ("Governor Vladislav Shapsha", "Shapsha"),
        ("Sergei Sobyanin", "sobyanin"),
        ("Kaluga Oblast", "Kaluga"),
        ("Moscow Mayor Sergei Sobyanin", "Sergey Sobyanin"),
        ("Pantsir-C1", "Pantsir-S1"),
        ("Orël", "Oryol region"),
        ("Russian air defense systems", "Russian air defence forces"),
    ],
)
def test_aliases_same(aliases: Aliases, a: str, b: str) -> None:
    assert aliases.same(a, b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Kaluga", "Smolensk"),
        ("Vladislav Shapsha", "Russian air defence forces"),
        ("Russian Ministry of Defence", "Russian air defence forces"),
        ("Kaluga governor", "Kaluga Oblast"),  # a person, not the place
        ("S-300", "S-400"),
        ("", "Moscow"),
    ],
)
def test_aliases_differ(aliases: Aliases, a: str, b: str) -> None:
    assert not aliases.same(a, b)


def test_canon_folds_case_diacritics_titles(aliases: Aliases) -> None:
    assert aliases.canon("  Mayor  SOBYANIN ") == "sergei sobyanin"
    assert aliases.canon("Governor Vladislav Shapsha") == "vladislav shapsha"
    assert aliases.canon("Dr. Carl Bildt") == "carl bildt"
    assert aliases.canon("Kharkov") == aliases.canon("kharkiv") == "kharkiv"


@pytest.mark.parametrize(
    ("pred", "gold", "ok"),
    [
        (DateInfo(iso="2023-07-21", precision=Precision.day), DateInfo(iso="--07-21", precision=Precision.day), True),
        (DateInfo(iso="--07-20", precision=Precision.day), DateInfo(iso="--07-21", precision=Precision.day), False),
        (DateInfo(iso="2023-07", precision=Precision.month), DateInfo(iso="--07-21", precision=Precision.day), False),
        (
            DateInfo(iso="2024-12", precision=Precision.month),
            DateInfo(text="in December", precision=Precision.month),
            True,
        ),
        (
            DateInfo(iso="2024-11", precision=Precision.month),
            DateInfo(text="in December", precision=Precision.month),
            False,
        ),
        (DateInfo(text="Tuesday", precision=Precision.approximate), DateInfo(precision=Precision.approximate), True),
        (DateInfo(iso="--01-06", precision=Precision.day), DateInfo(precision=Precision.approximate), False),
    ],
)
def test_date_at_gold_precision(pred: DateInfo, gold: DateInfo, ok: bool) -> None:
    assert date_ok(pred, gold) is ok


def test_summary_banned_facts_and_unattributed(aliases: Aliases) -> None:
    gold = load_gold(KALUGA)
    text = "Governor Shapsha said four drones were successfully downed over Kaluga on July 21. Two more were reported."
    finding = LintFinding(rule="unattributed_figure", message="no source", text="Two more")
    pred = as_result(gold, summary=text)
    assert pred.summary is not None
    pred.summary.findings.append(finding)
    s = scored(gold, pred, aliases)
    assert s["summary_banned"].value == 1.0 and "successfully" in s["summary_banned"].reason
    assert s["summary_unattributed"].value == 1.0
    assert s["summary_sentences"].value == 2.0
    assert s["summary_facts"].value == pytest.approx(5 / 6) and "19" in s["summary_facts"].reason
    clean = scored(gold, as_result(gold, summary=text.replace("successfully ", "")), aliases)
    assert clean["summary_banned"].value == 0.0


def test_banned_term_needs_word_boundary(aliases: Aliases) -> None:
    gold = load_gold(KALUGA)  # bans "coordinated" and "exclusive"
    s = scored(gold, as_result(gold, summary="An uncoordinated report, exclusively from Telegram."), aliases)
    assert s["summary_banned"].value == 0.0
    s = scored(gold, as_result(gold, summary="A coordinated, exclusive report."), aliases)
    assert s["summary_banned"].value == 2.0


def test_ungrounded_and_non_verbatim_evidence(aliases: Aliases) -> None:
    gold = load_gold(TVER)
    pred = as_result(gold)
    first = pred.events[0].evidence[0]
    pred.events[0].evidence[0] = first.model_copy(update={"status": AlignStatus.not_found, "span": None})
    second = pred.events[0].evidence[1]
    assert second.span is not None
    pred.events[0].evidence[1] = second.model_copy(update={"span": second.span.model_copy(update={"start": 0})})
    s = scored(gold, pred, aliases)
    total = sum(len(e.evidence) + len(e.claims) for e in gold.events)
    assert s["grounding_rate"].value == pytest.approx((total - 1) / total)
    assert s["verbatim_rate"].value == pytest.approx((total - 2) / (total - 1))
    assert "Moscow" in s["grounding_rate"].reason


def test_pipeline_error_scores_zero_recall(aliases: Aliases) -> None:
    gold = load_gold(TVER)
    pred = Result(article_id="x", source=gold.source, status="error", error="endpoint unreachable")
    s = scored(gold, pred, aliases)
    assert s["event_recall"].value == 0.0 and s["claims_recall"].value == 0.0
    assert s["figure_with_claimant_recall"].value == 0.0 and s["summary_facts"].value == 0.0
    assert s["claims_recall"].reason.startswith("pipeline error: endpoint unreachable")
    partial = as_result(gold).model_copy(update={"status": "error", "error": "summary step failed"})
    s = scored(gold, partial, aliases)  # events left over from a failed run are not credited
    assert s["event_recall"].value == 0.0 and s["claims_recall"].value == 0.0


def test_cost_from_run_info(aliases: Aliases) -> None:
    gold = load_gold(TVER)
    calls = [CallStat(step="events", prompt="events", prompt_tokens=100, completion_tokens=20) for _ in range(3)]
    pred = as_result(gold, run=RunInfo(model="m", base_url="u", prompts=[], calls=calls, wall_s=4.5))
    s = scored(gold, pred, aliases)
    assert (s["prompt_tokens"].value, s["completion_tokens"].value, s["calls"].value) == (300, 60, 3)
    assert s["wall_s"].value == 4.5
    assert scored(gold, as_result(gold), aliases)["prompt_tokens"].value is None


def test_aggregate_pools_ratios_sums_counts_median_time() -> None:
    a = CaseScore(
        "a", [Score("claims_recall", 1.0, "", 1, 1), Score("summary_banned", 2.0, ""), Score("wall_s", 1.0, "")]
    )
    b = CaseScore(
        "b", [Score("claims_recall", 0.0, "", 0, 3), Score("summary_banned", 1.0, ""), Score("wall_s", 9.0, "")]
    )
    c = CaseScore(
        "c", [Score("claims_recall", None, "", 0, 0), Score("summary_banned", 0.0, ""), Score("wall_s", 2.0, "")]
    )
    totals = aggregate([a, b, c])
    assert totals["claims_recall"] == pytest.approx(0.25)  # micro: 1 of 4, not the mean of 1.0 and 0.0
    assert totals["summary_banned"] == 3.0
    assert totals["wall_s"] == 2.0


def test_duplicate_figure_pairs_with_the_right_claimant(aliases: Aliases) -> None:
    gold = load_gold(KALUGA)
    pred = as_result(gold)
    tally = pred.events[0].claims[1]
    pred.events[0].claims.insert(1, tally.model_copy(update={"claimant": "Vladislav Shapsha"}))  # same 2, wrong source
    s = scored(gold, pred, aliases)
    n = sum(len(e.claims) for e in gold.events)
    assert s["figure_with_claimant_recall"].value == 1.0  # the right-claimant copy is the one matched
    assert s["claims_precision"].value == pytest.approx(n / (n + 1))  # the other copy is unsupported


def test_summary_facts_substring_but_whole_numbers(aliases: Aliases) -> None:
    gold = load_gold(TVER)  # must mention: sobyanin, 3/three, moscow, tver, 7/seven, december 12
    text = "Sobyanin said Moscow intercepted 13 drones on December 12; 17 were hurt in Tver."
    s = scored(gold, as_result(gold, summary=text), aliases)
    assert s["summary_facts"].value == pytest.approx(4 / 6)
    assert "3 / three" in s["summary_facts"].reason and "7 / seven" in s["summary_facts"].reason
