"""`summarise prompts list|show|diff` on a prompts directory of our own, so the repository's files can change."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from click.testing import CliRunner

from summarise.cli import main

REPO_PROMPTS = Path(__file__).resolve().parent.parent / "prompts"


@pytest.fixture
def prompts_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """events v1 and v2 (v2 = v1 with one instruction changed), claims v1: copies of the real v1 files."""
    d = tmp_path / "prompts"
    d.mkdir()
    for name in ("events", "claims"):
        (d / f"{name}.v1.yaml").write_bytes((REPO_PROMPTS / f"{name}.v1.yaml").read_bytes())
    v1 = (d / "events.v1.yaml").read_text(encoding="utf-8")
    assert "for fact-checkers" in v1
    v2 = v1.replace("version: v1", "version: v2").replace("for fact-checkers", "for fact checkers in a newsroom")
    (d / "events.v2.yaml").write_text(v2, encoding="utf-8")
    monkeypatch.setenv("SUMMARISE_PROMPTS_DIR", str(d))
    return d


def _run(*args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(main, ["prompts", *args])
    return r.exit_code, r.stdout, r.stderr


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def test_list_shows_every_version_with_its_sha_and_description(prompts_dir: Path) -> None:
    code, out, err = _run("list")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == "claims" and "events" in lines
    events_at = lines.index("events")
    v1, v2 = lines[events_at + 1], lines[events_at + 2]
    assert v1.split()[:2] == ["v1", _sha(prompts_dir / "events.v1.yaml")]
    assert v2.split()[:2] == ["v2", _sha(prompts_dir / "events.v2.yaml")]
    assert _sha(prompts_dir / "events.v1.yaml") != _sha(prompts_dir / "events.v2.yaml")
    assert "Find the events an article reports" in v1  # the file's description, folded onto one line


def test_show_prints_the_file_newest_by_default(prompts_dir: Path) -> None:
    code, out, _ = _run("show", "events")
    assert code == 0 and out == (prompts_dir / "events.v2.yaml").read_text(encoding="utf-8")
    code, out, _ = _run("show", "events", "--version", "v1")
    assert code == 0 and out == (prompts_dir / "events.v1.yaml").read_text(encoding="utf-8")


def test_diff_is_a_unified_diff_of_the_two_versions(prompts_dir: Path) -> None:
    code, out, err = _run("diff", "events", "v1", "v2")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("--- events.v1") and lines[1].startswith("+++ events.v2")
    assert "-version: v1" in lines and "+version: v2" in lines
    assert any(line.startswith("-") and "for fact-checkers" in line for line in lines)
    assert any(line.startswith("+") and "fact checkers in a newsroom" in line for line in lines)
    assert not any(line.startswith(("-", "+")) and "ARTICLE>>>" in line for line in lines[2:])  # unchanged lines
    code, out, _ = _run("diff", "events", "v1", "v1")
    assert code == 0 and "identical" in out


@pytest.mark.parametrize(
    ("args", "expect"),
    [
        (["show", "nope"], "no prompt named 'nope'"),
        (["show", "events", "--version", "v9"], "has no version v9"),
        (["diff", "events", "v1", "v7"], "has no version v7"),
        (["diff", "claims", "v1", "v2"], "has no version v2"),
    ],
)
def test_unknown_name_or_version_is_one_line_and_exit_2(prompts_dir: Path, args: list[str], expect: str) -> None:
    code, out, err = _run(*args)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("summarise prompts: ") and expect in err


def test_a_broken_prompt_file_is_reported_not_a_traceback(prompts_dir: Path) -> None:
    (prompts_dir / "claims.v2.yaml").write_text("name: claims\nversion: v2\n", encoding="utf-8")
    code, _, err = _run("show", "claims", "--version", "v2")
    assert code == 2 and "invalid prompt file" in err and "Traceback" not in err


def test_the_group_is_a_listed_subcommand() -> None:
    r = CliRunner().invoke(main, ["--help"])
    assert r.exit_code == 0 and "prompts" in r.stdout
    r = CliRunner().invoke(main, ["prompts", "--help"])
    assert r.exit_code == 0 and all(c in r.stdout for c in ("list", "show", "diff"))
