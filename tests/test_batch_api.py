"""prepare -> answer -> collect gives the records the live path gives for the same answers.

The answers come from the seed cassettes (recorded from the embedded Qwen2.5-Coder-1.5B, newest prompts;
see test_cli_cassette.py): each prepared request is answered with the recorded response whose request body
is the same, as a Batch API runner would, and the collected records are compared with a CLI replay.
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from click.testing import CliRunner

from evals.cassettes import REPLAY_BASE_URL, cassette_path, recorder
from summarise.batch_api import body_key
from summarise.cli import main
from summarise.embedded import MODEL_NAME
from summarise.pipeline import PromptSet

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def _replay(seed: Path) -> str:
    cassette = cassette_path(seed.stem, PromptSet.load().fingerprint(MODEL_NAME))
    with recorder(record=False).use_cassette(str(cassette)):
        r = CliRunner().invoke(main, [str(seed), "--base-url", REPLAY_BASE_URL, "--model", MODEL_NAME, "--no-cache"])
    assert r.exit_code == 0, r.stderr
    return r.stdout


def _answer_from_cassette(requests: Path, cassettes: list[Path], out: Path) -> int:
    recorded = {}
    for c in cassettes:
        for i in yaml.safe_load(c.read_text())["interactions"]:
            recorded[body_key(i["request"]["body"].encode())] = json.loads(i["response"]["body"]["string"])
    lines = []
    for line in requests.read_text().splitlines():
        req = json.loads(line)
        key = body_key(json.dumps(req["body"]).encode())
        lines.append(
            json.dumps({"custom_id": req["custom_id"], "response": {"status_code": 200, "body": recorded[key]}})
        )
    out.write_text("\n".join(lines) + "\n")
    return len(lines)


def test_prepare_answer_collect_matches_the_live_path(tmp_path: Path) -> None:
    seeds = [SEEDS / "001_be506d096dbecfb0.txt", SEEDS / "002_b5946c04717fc1b1.txt"]
    requests = tmp_path / "requests.jsonl"
    r = CliRunner().invoke(main, ["batch", "prepare", *map(str, seeds), "-o", str(requests)])
    assert r.exit_code == 0, r.stderr
    lines = [json.loads(x) for x in requests.read_text().splitlines()]
    assert lines and all(set(x) == {"custom_id", "method", "url", "body"} for x in lines)
    assert all(x["url"] == "/v1/chat/completions" and x["method"] == "POST" for x in lines)
    assert len({x["custom_id"] for x in lines}) == len(lines)

    fp = PromptSet.load().fingerprint(MODEL_NAME)
    results = tmp_path / "results.jsonl"
    assert _answer_from_cassette(requests, [cassette_path(s.stem, fp) for s in seeds], results) == len(lines)

    r = CliRunner().invoke(main, ["batch", "collect", str(results), "--requests", str(requests), "--format", "json"])
    assert r.exit_code == 0, r.stderr
    collected = json.loads(r.stdout)
    for seed, batch in zip(seeds, collected, strict=True):
        live = json.loads(_replay(seed))
        assert batch["article_id"] == live["article_id"]
        assert batch["events"] == live["events"]
        assert batch["summary"] == live["summary"]


def test_collect_without_the_manifest_is_one_clear_line(tmp_path: Path) -> None:
    results = tmp_path / "results.jsonl"
    results.write_text("")
    r = CliRunner().invoke(main, ["batch", "collect", str(results), "--requests", str(tmp_path / "nope.jsonl")])
    assert r.exit_code == 1 and "prepare" in r.stderr and "Traceback" not in r.stderr
