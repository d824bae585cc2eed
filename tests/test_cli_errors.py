"""Every user error is one line on standard error with a non-zero exit, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from summarise.cli import main


def _run(args: list[str], stdin: bytes | None = None) -> tuple[int, str, str]:
    r = CliRunner().invoke(main, args, input=stdin)
    return r.exit_code, r.stdout, r.stderr


def _one_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert "Traceback" not in err
    assert len(lines) >= 1
    return lines[0]


@pytest.mark.parametrize(
    ("content", "expect"),
    [
        (None, "no such file"),
        (b"", "empty"),
        (b"  \n\t\n ", "empty"),
        (b"\x7fELF\x00\x00\x01\x02" * 50, "binary"),
    ],
)
def test_bad_input_is_one_line_and_exit_1(tmp_path: Path, content: bytes | None, expect: str) -> None:
    path = tmp_path / "article.txt"
    if content is not None:
        path.write_bytes(content)
    code, out, err = _run([str(path), "--base-url", "http://127.0.0.1:9/v1"])
    assert code == 1
    line = _one_line(err)
    assert line.startswith("summarise: ") and expect in line


def test_an_empty_directory_is_a_clear_error(tmp_path: Path) -> None:
    code, _, err = _run([str(tmp_path)])
    assert code == 1 and "no article files" in _one_line(err)


def test_no_arguments_is_a_usage_error() -> None:
    code, _, err = _run([])
    assert code == 2 and "no article given" in _one_line(err)


def test_unknown_format_is_a_usage_error(seed001: Path) -> None:
    code, _, err = _run([str(seed001), "--format", "xml"])
    assert code == 2 and "Traceback" not in err


def test_unreachable_endpoint_is_one_line_per_article(seed001: Path) -> None:
    code, out, err = _run([str(seed001), "--base-url", "http://127.0.0.1:9/v1"])
    assert code == 1
    assert "unreachable" in _one_line(err)
    assert '"status": "error"' in out  # the failed article is still a record, nothing silently lost


def test_missing_model_file_is_one_line(seed001: Path, tmp_path: Path) -> None:
    code, _, err = _run([str(seed001), "--model-path", str(tmp_path / "nope.gguf")])
    assert code == 1 and "model file not found" in _one_line(err)


def test_a_non_gguf_model_file_is_refused(seed001: Path, tmp_path: Path) -> None:
    bad = tmp_path / "model.gguf"
    bad.write_bytes(b"not a model at all")
    code, _, err = _run([str(seed001), "--model-path", str(bad)])
    assert code == 1 and "not a GGUF" in _one_line(err)


def test_non_utf8_falls_back_and_says_which_encoding(tmp_path: Path) -> None:
    path = tmp_path / "ru.txt"
    path.write_bytes("Беспилотник сбит над Москвой.".encode("cp1251"))
    code, _, err = _run([str(path), "--base-url", "http://127.0.0.1:9/v1"])
    assert "decoded as cp1251" in err
    assert "Traceback" not in err


def test_help_explains_the_tool() -> None:
    code, out, _ = _run(["--help"])
    assert code == 0 and "neutral summary" in out and "eval" in out
