"""The whole CLI on seed 001, offline, from a cassette.

Cassette: recorded by `summarise eval --record` from the embedded llama.cpp server answering
Qwen2.5-Coder-1.5B-Instruct Q4_K_M (the packaged GGUF, sha256 cc324af0...), prompts events.v2 + figures.v2
(the newest; v1's cassettes are kept for `summarise eval --prompt v1`) at temperature 0; Authorization
filtered; requests matched on method, path and body. Its file name carries the prompt/schema/model
fingerprint, so a prompt change makes this test fail until the cassette is re-recorded.
"""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from evals.cassettes import REPLAY_BASE_URL, cassette_path, recorder
from summarise.cli import main
from summarise.embedded import MODEL_NAME
from summarise.pipeline import PromptSet


def _replay(seed: Path, *args: str) -> tuple[int, str, str]:
    fingerprint = PromptSet.load().fingerprint(MODEL_NAME)
    cassette = cassette_path(seed.stem, fingerprint)
    assert cassette.exists(), f"missing {cassette.name}: run `summarise eval --record`"
    with recorder(record=False).use_cassette(str(cassette)):
        r = CliRunner().invoke(main, [str(seed), "--base-url", REPLAY_BASE_URL, "--model", MODEL_NAME, *args])
    return r.exit_code, r.stdout, r.stderr


def test_seed_001_gives_the_moscow_interception_and_the_tver_strike(seed001: Path) -> None:
    code, out, err = _replay(seed001)
    assert code == 0, err
    result = json.loads(out)
    article = seed001.read_text(encoding="utf-8")
    claims = [(e, c) for e in result["events"] for c in e["claims"] if c["verified"]]

    moscow = [c for e, c in claims if e["location"]["text"] == "Moscow" and c["measure"] == "drones_intercepted"]
    assert [c["value"] for c in moscow] == [3]
    assert "Sobyanin" in moscow[0]["claimant"]
    tver = [c for e, c in claims if "Tver" in (e["location"]["text"] or "") and c["measure"] == "injured"]
    assert [c["value"] for c in tver] == [7]

    for _, c in claims:  # every kept figure rests on a quote found verbatim in the article
        span = c["evidence"]["span"]
        assert article[span["start"] : span["end"]] == c["evidence"]["quote"]

    summary = result["summary"]["text"]
    assert "hostile actors" not in summary.lower() and "acts of aggression" not in summary.lower()
    assert "Sobyanin" in summary and "3 drones" in summary and "7 people" in summary
    assert result["summary"]["findings"] == []
    assert (
        result["run"]["prompts"][0]["version"] == PromptSet.load().version
        and len(result["run"]["prompts"][0]["sha256"]) == 64
    )
    assert all(call["completion_tokens"] > 0 and call["latency_s"] >= 0 for call in result["run"]["calls"])


def test_markdown_output_from_the_same_cassette(seed001: Path) -> None:
    code, out, _ = _replay(seed001, "--format", "md")
    assert code == 0
    assert out.startswith("# ") and "drones_intercepted = 3" in out and "verified" in out


def test_a_changed_prompt_cannot_replay_an_old_answer(seed001: Path, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    prompts = Path(__file__).resolve().parent.parent / "prompts"
    for p in prompts.glob("*.v1.yaml"):
        (tmp_path / p.name).write_text(p.read_text().replace("fact-checkers", "fact checkers"))
    monkeypatch.setenv("SUMMARISE_PROMPTS_DIR", str(tmp_path))
    assert PromptSet.load().fingerprint(MODEL_NAME) != PromptSet.load(directory=prompts).fingerprint(MODEL_NAME)
