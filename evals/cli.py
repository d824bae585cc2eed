"""`summarise eval`: run the cases, score them against gold, report, and gate on the committed baseline.

Default is offline replay from cassettes; `--record` re-records them from the model (embedded unless an
endpoint is given); `--live` calls the model without cassettes. Exit 1 when a metric drops beyond the
tolerance against the baseline, or a case errors; `--update-baseline` accepts the current scores on purpose.
"""

from __future__ import annotations

import dataclasses
import sys
import time
from pathlib import Path
from typing import Any

import click
from rich.console import Console

from summarise import prompts
from summarise.config import Settings
from summarise.errors import SummariseError
from summarise.pipeline import PromptSet

from .cassettes import CASSETTES, cassette_path, stale
from .dataset import REPO, SEEDS, Case, load_cases
from .html import to_html
from .report import Report, build_report, compare, diff_table, render_table, to_json, to_markdown
from .run import CaseRun, run_cases
from .scorers import Aliases, score_case

BASELINE = REPO / "evals" / "baseline.json"


def evaluate(
    settings: Settings,
    mode: str,
    only: list[str] | None,
    say: Any,
    seeds: Path = SEEDS,
    cassettes: Path = CASSETTES,
    keep: list[CaseRun] | None = None,
) -> tuple[Report, int]:
    """Run and score every case; return the report and how many cases errored."""
    cases = load_cases(seeds, only=only)
    if not cases:
        raise SummariseError(f"no eval cases found ({seeds}/*.txt with gold/<stem>.json)")
    runs, fingerprint = run_cases(cases, settings, mode, cassettes, progress=lambda c: say(f"[dim]case {c}[/]"))  # type: ignore[arg-type]
    (keep if keep is not None else []).extend(runs)  # the HTML report shows each case's output
    aliases = Aliases.load()
    scores = [score_case(r.result, r.case.gold(), aliases, r.case.text()) for r in runs]
    unused = [p.name for p in stale(_wanted(settings, cases, cassettes), cassettes)] if mode != "live" else []
    version = PromptSet.load(settings.prompt_version, settings.prompts_dir).version
    report = build_report(
        scores, prompt_version=version, model=settings.model, fingerprint=fingerprint, stale_cassettes=unused
    )
    return report, sum(1 for r in runs if r.result.status == "error")


def _wanted(settings: Settings, cases: list[Case], cassettes: Path) -> set[Path]:
    """Every cassette some case could replay under some prompt version that exists."""
    versions = {v for vs in prompts.available(settings.prompts_dir).values() for v in vs}
    fps = {PromptSet.load(v, settings.prompts_dir).fingerprint(settings.model) for v in versions}
    return {cassette_path(c.id, fp, cassettes) for c in load_cases(cases[0].article.parent) for fp in fps}


@click.command("eval")
@click.option("--record", is_flag=True, help="Re-record the cassettes from the model (embedded unless --base-url).")
@click.option("--live", is_flag=True, help="Call the model directly, without cassettes.")
@click.option("--prompt", "prompt_version", help="Prompt version to evaluate (default: newest).")
@click.option("--against", help="A second prompt version to compare with, case by case (replayed the same way).")
@click.option("--case", "cases", multiple=True, help="Only cases whose id starts with this (repeatable).")
@click.option("--baseline", type=click.Path(path_type=Path), default=BASELINE, show_default=True)
@click.option("--update-baseline", is_flag=True, help="Write this run's scores as the new baseline.")
@click.option(
    "--tolerance", type=float, default=0.02, show_default=True, help="Allowed drop in a score before the gate fails."
)
@click.option(
    "--seeds",
    type=click.Path(path_type=Path, file_okay=False),
    default=SEEDS,
    show_default=True,
    help="Articles, with gold/<stem>.json beside them.",
)
@click.option("--cassettes", type=click.Path(path_type=Path, file_okay=False), default=CASSETTES, show_default=True)
@click.option("--report-dir", type=click.Path(path_type=Path), default=REPO / "reports", show_default=True)
@click.option("--base-url", help="OpenAI-compatible endpoint for --record/--live.")
@click.option("--model", help="Model name at the endpoint.")
def eval_cmd(
    record: bool,
    live: bool,
    prompt_version: str | None,
    against: str | None,
    cases: tuple[str, ...],
    baseline: Path,
    update_baseline: bool,
    tolerance: float,
    seeds: Path,
    cassettes: Path,
    report_dir: Path,
    base_url: str | None,
    model: str | None,
) -> None:
    """Score the pipeline against hand-written gold for every seed, offline by default."""
    console = Console(stderr=True)
    out = Console(width=None if sys.stdout.isatty() else 160)
    if record and live:
        raise click.UsageError("--record and --live exclude each other")
    mode = "record" if record else "live" if live else "replay"
    start = time.perf_counter()
    try:
        settings = Settings.from_env(base_url=base_url, model=model, prompt_version=prompt_version)
        if mode == "replay":  # replay never needs (or reads) an endpoint
            settings = dataclasses.replace(settings, base_url=None)
        only = list(cases) or None
        runs: list[CaseRun] = []
        report, errored = evaluate(settings, mode, only, console.print, seeds, cassettes, keep=runs)
        other = None
        if against:
            other_settings = dataclasses.replace(settings, prompt_version=against)
            other, _ = evaluate(other_settings, mode, only, console.print, seeds, cassettes)
    except SummariseError as exc:
        click.echo(f"summarise eval: {exc}", err=True)
        sys.exit(exc.exit_code)
    out.print(render_table(report))
    report_dir.mkdir(parents=True, exist_ok=True)
    stem = f"eval-{report.prompt_version}"
    (report_dir / f"{stem}.json").write_text(to_json(report), encoding="utf-8")
    (report_dir / f"{stem}.md").write_text(to_markdown(report), encoding="utf-8")
    (report_dir / f"{stem}.html").write_text(to_html(report, runs, other, tolerance), encoding="utf-8")
    if other is not None:
        out.print(diff_table(report, other, labels=(report.prompt_version, other.prompt_version), tolerance=tolerance))
        for case in report.cases:
            labels = (report.prompt_version, other.prompt_version)
            out.print(diff_table(report, other, labels=labels, case=case, tolerance=tolerance))
    if report.stale_cassettes:
        names = ", ".join(report.stale_cassettes)
        console.print(f"[yellow]stale cassettes (no current case or prompt uses them):[/] {names}")
    console.print(f"reports: {report_dir / stem}.json, .md, .html  ({time.perf_counter() - start:.1f} s)")
    if update_baseline:
        baseline.write_text(to_json(report), encoding="utf-8")
        console.print(f"baseline written: {baseline}")
        sys.exit(1 if errored else 0)
    failed = errored > 0
    if errored:
        console.print(f"[bold red]{errored} case(s) errored[/]")
    if baseline.exists() and not cases:
        regressions = compare(report, Report.load(baseline), tolerance)
        for r in regressions:
            console.print(f"[bold red]regression[/] {r}")
        failed = failed or bool(regressions)
        if not regressions:
            console.print(f"no regression against {baseline.name} (tolerance {tolerance})")
    sys.exit(1 if failed else 0)
