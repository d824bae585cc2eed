from __future__ import annotations

from summarise.ground import Grounder
from summarise.records import AlignStatus

ARTICLE = (
    "Sobyanin\u2019s statement, which appeared late Tuesday evening, underscored it: \u201cExperts from "
    "emergency services are working at the site.\u201d\nThe  drone\u2014a small UAV\u2014crashed."
)


def test_exact_quote_gets_its_offsets() -> None:
    g = Grounder(ARTICLE)
    ev = g.ground("late Tuesday evening")
    assert ev.status is AlignStatus.exact
    assert ev.span is not None and ARTICLE[ev.span.start : ev.span.end] == "late Tuesday evening"


def test_straight_quotes_and_collapsed_whitespace_still_ground_to_the_article_text() -> None:
    g = Grounder(ARTICLE)
    ev = g.ground("Sobyanin's statement, which appeared late  Tuesday\nevening")
    assert ev.status is AlignStatus.normalized
    assert ev.span is not None
    # the kept quote is the article's own text, curly apostrophe included
    assert ev.quote == ARTICLE[ev.span.start : ev.span.end]
    assert "\u2019" in ev.quote
    assert ev.model_quote is not None


def test_dashes_fold() -> None:
    ev = Grounder(ARTICLE).ground("The drone-a small UAV-crashed")
    assert ev.grounded and ev.quote == "The  drone\u2014a small UAV\u2014crashed"


def test_near_miss_is_fuzzy_and_snapped_to_article_text() -> None:
    ev = Grounder(ARTICLE).ground("Experts from emergency service are working at the site")
    assert ev.status is AlignStatus.fuzzy
    assert ev.span is not None and ev.quote == ARTICLE[ev.span.start : ev.span.end]
    assert "emergency services" in ev.quote


def test_invented_quote_is_not_found() -> None:
    ev = Grounder(ARTICLE).ground("Ukraine launched 500 drones at the Kremlin overnight")
    assert ev.status is AlignStatus.not_found
    assert ev.span is None and not ev.grounded


def test_empty_and_tiny_quotes_are_not_found() -> None:
    g = Grounder(ARTICLE)
    assert not g.ground("").grounded
    assert not g.ground("zz").grounded
