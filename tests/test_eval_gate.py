"""The offline eval gates CI: it passes against the committed baseline and fails when an answer or a gold
value is made wrong. Cassettes: see test_cli_cassette.py for how they were recorded."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import yaml
from click.testing import CliRunner

from summarise.cli import main
from summarise.embedded import MODEL_NAME
from summarise.pipeline import PromptSet

REPO = Path(__file__).resolve().parent.parent


def _eval(tmp_path: Path, *args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(main, ["eval", "--report-dir", str(tmp_path / "reports"), *args])
    return r.exit_code, r.stdout, r.stderr


def test_offline_eval_passes_against_the_baseline_quickly(tmp_path: Path) -> None:
    start = time.perf_counter()
    code, out, err = _eval(tmp_path)
    assert code == 0, err
    assert time.perf_counter() - start < 5
    assert "TOTAL" in out and "event F1" in out
    assert "no regression" in err
    report = json.loads(next((tmp_path / "reports").glob("eval-v*.json")).read_text())
    assert len(report["cases"]) == len(list((REPO / "seeds" / "gold").glob("*.json"))) >= 10
    assert next((tmp_path / "reports").glob("eval-v*.md")).read_text().startswith("# Eval report")


def _copy_seeds(tmp_path: Path) -> Path:
    seeds = tmp_path / "seeds"
    shutil.copytree(REPO / "seeds", seeds)
    return seeds


def test_a_wrong_gold_value_fails_the_gate(tmp_path: Path) -> None:
    seeds = _copy_seeds(tmp_path)
    gold_path = seeds / "gold" / "001_be506d096dbecfb0.json"
    gold = json.loads(gold_path.read_text())
    claim = next(c for e in gold["events"] for c in e["claims"] if c["measure"] == "drones_intercepted")
    claim["value"] = 30
    gold_path.write_text(json.dumps(gold))
    code, _, err = _eval(tmp_path, "--seeds", str(seeds))
    assert code == 1
    assert "regression" in err and "001_be506d096dbecfb0" in err


def test_a_wrong_cassette_answer_fails_the_gate(tmp_path: Path) -> None:
    """The recorded model now credits the Moscow figure to someone the article never names."""
    cassettes = tmp_path / "cassettes"
    shutil.copytree(REPO / "cassettes", cassettes)
    fingerprint = PromptSet.load().fingerprint(MODEL_NAME)
    path = cassettes / f"001_be506d096dbecfb0.{fingerprint}.yaml"
    data = yaml.safe_load(path.read_text())
    changed = 0
    for interaction in data["interactions"]:
        body = interaction["response"]["body"]["string"]
        if "Sobyanin" in body:
            interaction["response"]["body"]["string"] = body.replace("Sergei Sobyanin", "Ivan Petrov")
            changed += 1
    assert changed, "the recorded answer no longer names Sobyanin; re-check this test"
    path.write_text(yaml.safe_dump(data))
    code, _, err = _eval(tmp_path, "--cassettes", str(cassettes))
    assert code == 1 and "regression" in err and "figure_with_claimant_recall" in err


def test_a_missing_cassette_is_an_error_not_a_pass(tmp_path: Path) -> None:
    cassettes = tmp_path / "cassettes"
    cassettes.mkdir()
    code, _, err = _eval(tmp_path, "--cassettes", str(cassettes), "--case", "000")
    assert code == 1 and "summarise eval --record" in err
