"""Awkward input, end to end through the CLI and a scripted model: HTML, Russian code pages, folders with
bad files among good ones, very long text, articles with no event, standard input."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fakeserver import FakeServer, ScriptedModel, article_block
from helpers import news, write_articles

from summarise.article import load
from summarise.cli import main

RUSSIAN = (
    "Беспилотники атаковали Брянскую область\n\n"
    "Губернатор Александр Богомаз сообщил в Telegram, что над Брянской областью ночью были сбиты 8 беспилотников.\n\n"
    "По словам губернатора, пострадавших нет.\n"
)
HTML = """<!DOCTYPE html>
<html><head><title>Drones shot down over Kursk</title>
<script>var tracking = "drone 999 killed 999";</script><style>p { color: red }</style></head>
<body><nav><a href="/">Home</a> <a href="/world">World</a></nav>
<article><h1>Drones shot down over Kursk</h1>
<p>Air defences shot down 7 drones over Kursk overnight, Governor Alexander Khinshtein said on Telegram.</p>
<p>Debris damaged a warehouse on the edge of the city, officials said &mdash; nobody was hurt.</p></article>
<footer>&copy; Example News</footer></body></html>
"""


def _invoke(args: list[str], model: Any, stdin: bytes | None = None) -> tuple[int, Any, str, FakeServer]:
    with FakeServer(model) as srv:
        r = CliRunner().invoke(main, [*args, "--base-url", srv.base_url, "--prompt", "v1"], input=stdin)
    out = json.loads(r.stdout) if r.stdout.strip() else None
    return r.exit_code, out, r.stderr, srv


def _verified(result: dict[str, Any]) -> list[tuple[str, int]]:
    return [(c["measure"], c["value"]) for e in result["events"] for c in e["claims"] if c["verified"]]


def _assert_spans_verbatim(result: dict[str, Any], text: str) -> None:
    for e in result["events"]:
        for ev in [*e["evidence"], *(c["evidence"] for c in e["claims"])]:
            if ev and ev["span"]:
                assert text[ev["span"]["start"] : ev["span"]["end"]] == ev["quote"]


def test_html_page_runs_on_its_text(tmp_path: Path) -> None:
    page = tmp_path / "kursk.html"
    page.write_text(HTML, encoding="utf-8")
    code, result, err, srv = _invoke([str(page)], ScriptedModel())
    assert code == 0, err
    assert "extracted text from HTML" in err
    shown = article_block(srv.requests[0])
    assert "shot down 7 drones" in shown and "<p>" not in shown and "999" not in shown and "Home" not in shown
    assert _verified(result) == [("drones_intercepted", 7)]
    _assert_spans_verbatim(result, load(page).text)


def test_an_html_fragment_is_recognised_by_its_name(tmp_path: Path) -> None:
    page = tmp_path / "fragment.html"
    page.write_text("<article><h1>Kursk</h1><p>Air defences shot down 7 drones over Kursk.</p></article>\n")
    assert load(page).text == "Kursk\n\nAir defences shot down 7 drones over Kursk."


@pytest.mark.parametrize("encoding", ["cp1251", "koi8-r"])
def test_russian_code_pages_are_detected_and_named(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / f"bryansk.{encoding}.txt"
    path.write_bytes(RUSSIAN.encode(encoding))
    assert load(path).text == RUSSIAN  # decoded to the very same text, not a look-alike code page
    code, result, err, srv = _invoke([str(path)], ScriptedModel())
    assert code == 0, err
    assert f"decoded as {encoding}" in err
    assert "были сбиты 8 беспилотников" in article_block(srv.requests[0])
    assert _verified(result) == [("drones_intercepted", 8)]
    assert "Александр Богомаз" in result["summary"]["text"]


def test_a_folder_of_good_and_bad_files(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    good = write_articles(folder, 2)
    (folder / "page.html").write_text(HTML, encoding="utf-8")
    (folder / "nested").mkdir()
    (folder / "nested" / "notes.md").write_text(news(5), encoding="utf-8")
    (folder / "empty.txt").write_text("")
    (folder / "binary.txt").write_bytes(b"\x7fELF\x00\x00\x01\x02" * 64)
    (folder / "report.pdf").write_bytes(b"%PDF-1.4 drones")  # not an article type: not read at all
    code, result, err, _ = _invoke([str(folder)], ScriptedModel())
    assert code == 1
    by_name = {Path(r["source"]).name: r for r in result}
    assert set(by_name) == {good[0].name, good[1].name, "page.html", "notes.md", "empty.txt", "binary.txt"}
    assert {n for n, r in by_name.items() if r["status"] == "error"} == {"empty.txt", "binary.txt"}
    assert "empty" in by_name["empty.txt"]["error"] and "binary" in by_name["binary.txt"]["error"]
    failures = [line for line in err.splitlines() if "empty.txt" in line or "binary.txt" in line]
    assert len(failures) == 2 and "Traceback" not in err and "report.pdf" not in err
    assert all(_verified(r) for r in result if r["status"] == "ok")


def test_an_article_with_no_event(tmp_path: Path) -> None:
    path = tmp_path / "talks.txt"
    path.write_text(
        "Officials met in Geneva to discuss drone regulation.\n\n"
        "The talks, which focused on civil aviation rules, will resume next month, a spokesperson said.\n"
    )
    model = ScriptedModel(events=lambda _: [])  # the model finds no event in the drone sentence
    code, result, err, srv = _invoke([str(path)], model)
    assert code == 0, err
    assert result["events"] == [] and srv.count == 1 and model.calls == {"events": 1}
    assert "reports no drone strike" in result["summary"]["text"]
    assert result["summary"]["findings"] == []


def test_an_article_with_nothing_relevant_costs_no_call(tmp_path: Path) -> None:
    path = tmp_path / "weather.txt"
    path.write_text("Heavy snow is expected in the capital this weekend, forecasters said.\n")
    code, result, err, srv = _invoke([str(path)], ScriptedModel())
    assert code == 0, err
    assert result["events"] == [] and srv.count == 0
    assert "reports no drone strike" in result["summary"]["text"]


def test_standard_input(tmp_path: Path) -> None:
    text = news(3)
    code, result, err, srv = _invoke(["-"], ScriptedModel(), stdin=text.encode("utf-8"))
    assert code == 0, err
    assert result["source"] == "<stdin>" and result["status"] == "ok"
    assert _verified(result) == [("drones_intercepted", 5)]
    _assert_spans_verbatim(result, text)


@pytest.mark.parametrize("shape", ["one paragraph", "no full stops"])
def test_a_200_kb_article_in_one_block_does_not_crash(tmp_path: Path, shape: str) -> None:
    sentence = "Air defences shot down 5 drones over Tver overnight, officials said"
    filler = "the regional council discussed road repairs and the budget for schools and clinics"
    parts = [sentence if i % 25 == 0 else f"{filler} item {i}" for i in range(2200)]
    text = (". ".join(parts) + ".") if shape == "one paragraph" else " ; ".join(parts)
    assert len(text) > 200_000
    path = tmp_path / "long.txt"
    path.write_text(text)
    model = ScriptedModel()
    start = time.perf_counter()
    code, result, err, srv = _invoke([str(path)], model)
    assert code == 0, err
    assert time.perf_counter() - start < 20
    assert model.calls["events"] >= 2 if shape == "one paragraph" else model.calls["events"] == 1
    assert max(len(article_block(b)) for b in srv.requests) <= 8000  # every request fits an 8k context
    assert ("drones_intercepted", 5) in _verified(result)
    _assert_spans_verbatim(result, text)
