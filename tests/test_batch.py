"""Batches that lose nothing: kill -9, Ctrl-C, a torn last line and failed articles, then the same command
again. The result must be one `ok` record per article id (ids are content hashes), in valid JSON Lines,
with no article paid for twice beyond those in flight at the kill. The response cache is off (--no-cache) so
that the server's request count is the whole truth about what a rerun redid."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path

from click.testing import CliRunner
from fakeserver import FakeServer, ScriptedModel, Status
from helpers import cli_cmd, cli_env, read_jsonl, write_articles

from summarise.article import load
from summarise.cli import main

JOBS = 2


def _ids(paths: list[Path]) -> set[str]:
    return {load(p).id for p in paths}


def _wait_for_lines(path: Path, n: int, proc: subprocess.Popen[str], limit: float = 30) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if path.exists() and path.read_bytes().count(b"\n") >= n:
            return
        assert proc.poll() is None, f"the run ended early: {proc.communicate()}"
        time.sleep(0.02)
    raise AssertionError(f"{path} never reached {n} lines")


def _ok_counts(records: list[dict]) -> Counter[str]:  # type: ignore[type-arg]
    return Counter(r["article_id"] for r in records if r["status"] == "ok")


def _invoke(folder: Path, out: Path, base_url: str) -> tuple[int, str]:
    r = CliRunner().invoke(
        main, [str(folder), "-o", str(out), "--jobs", str(JOBS), "--base-url", base_url, "--prompt", "v1", "--no-cache"]
    )
    return r.exit_code, r.stderr


def test_sigkill_midway_then_rerun_gives_each_article_exactly_once(tmp_path: Path) -> None:
    paths = write_articles(tmp_path / "in", 24)
    out = tmp_path / "out.jsonl"
    model = ScriptedModel(delay=0.06)
    with FakeServer(model) as srv:
        args = [tmp_path / "in", "-o", out, "--jobs", JOBS, "--base-url", srv.base_url, "--prompt", "v1", "--no-cache"]
        proc = subprocess.Popen(cli_cmd(*map(str, args)), cwd=tmp_path, env=cli_env(), text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
        _wait_for_lines(out, 5, proc)
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=10)
        assert srv.max_in_flight == JOBS  # --jobs 2 with an external endpoint: two articles at once
        data = out.read_bytes()  # a kill may tear the last line; the rerun is what must repair it
        done_before = Counter(r["article_id"] for r in map(json.loads, data[: data.rfind(b"\n") + 1].splitlines()))
        assert 5 <= len(done_before) < len(paths)  # really killed midway
        calls_before = model.calls["events"]
        model.delay = 0.0

        rerun = subprocess.run(cli_cmd(*map(str, args)), cwd=tmp_path, env=cli_env(), text=True,
                               capture_output=True, timeout=60)  # fmt: skip

    assert rerun.returncode == 0, rerun.stderr
    assert f"skipping {len(done_before)} article(s) already done" in rerun.stderr
    records = read_jsonl(out)
    ok = _ok_counts(records)
    assert set(ok) == _ids(paths) and set(ok.values()) == {1}
    assert all(r["status"] == "ok" for r in records)
    # the rerun asked for exactly the articles that were not written (those in flight at the kill are paid
    # twice; every written one is skipped)
    redone = model.calls["events"] - calls_before
    assert redone == len(paths) - len(done_before)


def test_ctrl_c_leaves_a_valid_file_and_stops_promptly(tmp_path: Path) -> None:
    paths = write_articles(tmp_path / "in", 24)
    out = tmp_path / "out.jsonl"
    model = ScriptedModel(delay=0.08)
    with FakeServer(model) as srv:
        args = [tmp_path / "in", "-o", out, "--jobs", JOBS, "--base-url", srv.base_url, "--prompt", "v1", "--no-cache"]
        proc = subprocess.Popen(cli_cmd(*map(str, args)), cwd=tmp_path, env=cli_env(), text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
        _wait_for_lines(out, 3, proc)
        proc.send_signal(signal.SIGINT)
        sent = time.monotonic()
        _, err = proc.communicate(timeout=10)
        stopped_in = time.monotonic() - sent
        records = read_jsonl(out)
        calls_at_stop = model.calls["events"]
        model.delay = 0.0
        code, err2 = _invoke(tmp_path / "in", out, srv.base_url)

    assert proc.returncode == 130
    assert "Traceback" not in err and "interrupted" in err
    assert stopped_in < 5  # the queued articles were dropped, not run to the end unrecorded
    assert calls_at_stop < len(paths)
    assert 3 <= len(records) < len(paths) and set(_ok_counts(records).values()) == {1}
    assert code == 0, err2
    ok = _ok_counts(read_jsonl(out))
    assert set(ok) == _ids(paths) and set(ok.values()) == {1}


def test_a_torn_last_line_is_cut_and_its_article_redone(tmp_path: Path) -> None:
    paths = write_articles(tmp_path / "in", 3)
    out = tmp_path / "out.jsonl"
    model = ScriptedModel()
    with FakeServer(model) as srv:
        assert _invoke(tmp_path / "in", out, srv.base_url)[0] == 0
        lines = out.read_text(encoding="utf-8").splitlines(keepends=True)
        torn_id = json.loads(lines[-1])["article_id"]
        out.write_text("".join(lines[:-1]) + lines[-1][: len(lines[-1]) // 2], encoding="utf-8")  # a kill mid-write
        before = model.calls["events"]
        code, err = _invoke(tmp_path / "in", out, srv.base_url)
        redone = model.calls["events"] - before

    assert code == 0, err
    assert "skipping 2 article(s)" in err
    records = read_jsonl(out)  # valid JSON Lines again
    assert len(records) == 3 and records[-1]["article_id"] == torn_id
    assert redone == 1
    ok = _ok_counts(records)
    assert set(ok) == _ids(paths) and set(ok.values()) == {1}


def test_failed_articles_are_error_records_and_are_retried_on_rerun(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    paths = write_articles(folder, 3)
    empty = folder / "empty.txt"
    empty.write_text("")
    refused = write_articles(folder, 1, start=10)[0]  # the endpoint refuses this one (HTTP 400) the first time
    out = tmp_path / "out.jsonl"
    model = ScriptedModel()
    failing = [True]

    def script(body: dict) -> object:  # type: ignore[type-arg]
        if failing[0] and "Ryazan" in json.dumps(body["messages"]):
            return Status(400, message="prompt too long")
        return model(body)

    with FakeServer(script) as srv:  # type: ignore[arg-type]
        code, err = _invoke(folder, out, srv.base_url)
        first = read_jsonl(out)
        failing[0] = False
        empty.write_text(
            "Drones shot down over Pskov\n\nAir defences shot down 4 drones over Pskov overnight, the governor said.\n"
        )
        before = model.calls["events"]
        code2, err2 = _invoke(folder, out, srv.base_url)
        redone = model.calls["events"] - before

    assert code == 1
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 2 and all(line.startswith("summarise: ") for line in lines)  # one line per failure
    assert any("empty.txt" in line and "empty" in line for line in lines)
    assert any("HTTP 400" in line and "prompt too long" in line for line in lines)
    errors = {Path(r["source"]).name: r for r in first if r["status"] == "error"}
    assert set(errors) == {"empty.txt", refused.name}
    assert errors[refused.name]["article_id"] == load(refused).id  # an LLM failure keeps the article's own id
    assert len(_ok_counts(first)) == 3

    assert code2 == 0, err2
    assert "skipping 3 article(s)" in err2 and redone == 2  # only the two that failed are run again
    ok = _ok_counts(read_jsonl(out))
    assert set(ok) == _ids([*paths, refused, empty]) and set(ok.values()) == {1}


def test_a_crash_inside_one_article_does_not_stop_the_batch(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A bug on one article is that article's error record; the others still finish and are written."""
    import summarise.batch as batch

    real_run = batch.run

    def flaky(art, llm, prompts):  # type: ignore[no-untyped-def]
        if "Kursk" in art.text:
            raise ZeroDivisionError("a bug")
        return real_run(art, llm, prompts)

    monkeypatch.setattr(batch, "run", flaky)
    write_articles(tmp_path / "in", 4)
    out = tmp_path / "out.jsonl"
    with FakeServer(ScriptedModel()) as srv:
        code, err = _invoke(tmp_path / "in", out, srv.base_url)
    records = read_jsonl(out)
    assert code == 1 and "internal error" in err and "ZeroDivisionError" in err
    assert sorted(r["status"] for r in records) == ["error", "ok", "ok", "ok"]
