from __future__ import annotations

import pytest

from summarise.normalise import numbers_in, parse_date, sentences, states
from summarise.records import Precision


@pytest.mark.parametrize(
    ("text", "iso", "precision"),
    [
        ("the night of December 12", "--12-12", Precision.day),
        ("July 21st", "--07-21", Precision.day),
        ("21 July 2024", "2024-07-21", Precision.day),
        ("in December", None, Precision.month),
        ("late Tuesday evening", None, Precision.approximate),
        ("", None, Precision.unknown),
        (None, None, Precision.unknown),
    ],
)
def test_dates_resolve_with_their_precision(text: str | None, iso: str | None, precision: Precision) -> None:
    d = parse_date(text)
    assert (d.iso, d.precision) == (iso, precision)


def test_numbers_ignore_times_dates_and_years() -> None:
    text = "between 12:20 PM GMT and 3:00 PM MSK on July 21st 2023, six were intercepted and 19 destroyed"
    assert numbers_in(text) == [6, 19]


def test_states_needs_the_number_next_to_its_measure() -> None:
    s = "a UAV strike injured seven individuals—six adults and one child"
    assert states("injured", 7, s)
    assert not states("killed", 7, s)
    assert not states("injured", 8, s)
    assert states("killed", 0, "Shapsha said there were no casualties or damage.")
    assert not states("killed", 0, "Three drones were shot down.")


def test_sentences_keep_offsets() -> None:
    text = "Headline\n\nFirst sentence. Second one! \u201cThird,\u201d he said."
    sents = sentences(text)
    assert [s.text for s in sents] == ["Headline", "First sentence.", "Second one!", "\u201cThird,\u201d he said."]
    assert all(text[s.start : s.end] == s.text for s in sents)


def test_cyrillic_names_get_a_transliteration_and_latin_ones_none() -> None:
    from summarise.normalise import translit

    assert translit("Губернатор Владислав Шапша") == "Gubernator Vladislav Shapsha"
    assert translit("Белгородская область") == "Belgorodskaya oblast"
    assert translit("Moscow") is None
