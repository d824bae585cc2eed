"""Many articles, one model session: concurrency, progress, and a JSON Lines file that loses nothing.

Each finished article is appended as one line with a single `write` on an O_APPEND descriptor, then
fsynced, so a kill leaves at worst a torn last line, which the next run cuts off. A rerun skips ids
already done and retries the ones that failed.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from . import article as article_mod
from .article import Article
from .config import Settings
from .errors import SummariseError
from .llm import LLM
from .pipeline import PromptSet, run, session
from .records import Result
from .render import to_jsonl_line


def read_input(item: Path | str) -> Article:
    if item == "-":
        return article_mod.from_bytes(sys.stdin.buffer.read(), "<stdin>")
    return article_mod.load(item)


def error_result(source: str, message: str, article_id: str | None = None) -> Result:
    return Result(
        article_id=article_id or "src-" + article_mod.article_id(source),
        source=source,
        status="error",
        error=message,
    )


class JsonlSink:
    """Append-only results file; knows which ids are already done."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.done: set[str] = set()
        self._lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            self._repair_and_scan()
        self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)

    def _repair_and_scan(self) -> None:
        data = self.path.read_bytes()
        if data and not data.endswith(b"\n"):  # a torn last line from a killed run
            data = data[: data.rfind(b"\n") + 1]
            with self.path.open("r+b") as f:
                f.truncate(len(data))
        for line in data.decode("utf-8", errors="replace").splitlines():
            try:
                rec = json.loads(line)
            except ValueError:
                continue
            if rec.get("status") == "ok" and rec.get("article_id"):
                self.done.add(rec["article_id"])

    def write(self, result: Result) -> None:
        line = to_jsonl_line(result).encode("utf-8")
        with self._lock:
            os.write(self._fd, line)
            os.fsync(self._fd)

    def close(self) -> None:
        os.close(self._fd)


def run_batch(
    inputs: list[Path | str], settings: Settings, *, jobs: int = 1, output: Path | None = None
) -> tuple[list[Result], int]:
    """Process every input; return the results of this run and how many failed."""
    sink = JsonlSink(output) if output else None
    articles: list[Article] = []
    results: list[Result] = []
    failed = 0
    skipped = 0
    seen: set[str] = set()
    for item in inputs:
        try:
            art = read_input(item)
        except SummariseError as exc:
            _warn(str(exc))
            res = error_result(str(item), str(exc))
            results.append(res)
            failed += 1
            if sink:
                sink.write(res)
            continue
        if sink and art.id in sink.done or art.id in seen:
            skipped += 1
            continue
        seen.add(art.id)
        for note in art.notes:
            _warn(f"{art.source}: {note}")
        articles.append(art)
    if skipped:
        _warn(f"skipping {skipped} article(s) already done in {output}")
    if not articles:
        if sink:
            sink.close()
        return results, failed
    prompt_set = PromptSet.load(settings.prompt_version, settings.prompts_dir)
    try:
        with session(settings) as llm:
            done, nfail = _process(articles, llm, prompt_set, jobs, sink)
    finally:
        if sink:
            sink.close()
    order = {a.id: i for i, a in enumerate(articles)}
    results.extend(sorted(done, key=lambda r: order.get(r.article_id, 0)))
    return results, failed + nfail


def _process(
    articles: list[Article], llm: LLM, prompt_set: PromptSet, jobs: int, sink: JsonlSink | None
) -> tuple[list[Result], int]:
    results: list[Result] = []
    failed = 0
    show = len(articles) > 1 and sys.stderr.isatty()
    progress = Progress(
        TextColumn("[bold]summarise"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        TextColumn("{task.description}"), disable=not show, transient=False,
    )  # fmt: skip

    def one(art: Article) -> Result:
        try:
            return run(art, llm, prompt_set)
        except SummariseError as exc:
            return error_result(art.source, str(exc), art.id)
        except Exception as exc:  # a bug on one article must not stop the batch and strand finished work
            return error_result(art.source, f"internal error, please report it: {type(exc).__name__}: {exc}", art.id)

    pool = ThreadPoolExecutor(max_workers=jobs)
    try:
        with progress:
            task = progress.add_task("", total=len(articles))
            futures = [pool.submit(one, a) for a in articles]
            for fut in as_completed(futures):
                res = fut.result()
                if res.status == "error":
                    failed += 1
                    _warn(f"{res.source}: {res.error}")
                if sink:
                    sink.write(res)
                results.append(res)
                progress.update(task, advance=1, description=Path(res.source).name)
    except BaseException:
        # Ctrl-C: queued articles never start and those in flight stop after their current request
        # (`LLM.cancel`), instead of the pool's exit waiting for every article to finish unrecorded.
        llm.cancel()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()
    return results, failed


def _warn(message: str) -> None:
    print(f"summarise: {message}", file=sys.stderr, flush=True)
