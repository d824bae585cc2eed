"""`summarise batch prepare|collect`: OpenAI Batch API files (or `vllm run-batch`) instead of live calls."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from . import batch_api
from .batch import read_input
from .config import Settings
from .errors import SummariseError
from .render import to_json, to_jsonl_line


@click.group("batch")
def batch_cmd() -> None:
    """Run many articles on OpenAI's Batch API or a GPU cluster (`vllm run-batch`), then collect the records.

    \b
      summarise batch prepare seeds/ -o requests.jsonl     one line per model call
      (run requests.jsonl on the Batch API or: vllm run-batch -i requests.jsonl -o results.jsonl ...)
      summarise batch collect results.jsonl --requests requests.jsonl -o records.jsonl
    """


@batch_cmd.command("prepare")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path, allow_dash=True))
@click.option("-o", "--output", type=click.Path(path_type=Path), default=Path("requests.jsonl"), show_default=True)
@click.option("--model", help="Model name to put in every request [env SUMMARISE_MODEL].")
@click.option("--prompt", "prompt_version", help="Prompt version (needs a figures prompt: v2 or later).")
def prepare_cmd(files: tuple[Path, ...], output: Path, model: str | None, prompt_version: str | None) -> None:
    """Write the Batch API requests for FILES (files, directories, or - for stdin)."""
    from .cli import expand

    try:
        settings = Settings.from_env(model=model, prompt_version=prompt_version)
        articles = [read_input(item) for item in expand(files)]
        n = batch_api.prepare(articles, settings, output)
    except SummariseError as exc:
        click.echo(f"summarise: {exc}", err=True)
        sys.exit(exc.exit_code)
    click.echo(
        f"{n} requests for {len(articles)} articles -> {output} (+ {batch_api.manifest_path(output).name})", err=True
    )


@batch_cmd.command("collect")
@click.argument("results", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option(
    "--requests",
    type=click.Path(path_type=Path),
    default=Path("requests.jsonl"),
    show_default=True,
    help="The file `prepare` wrote (its manifest sits beside it).",
)
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Write here instead of standard output.")
@click.option("--format", "fmt", type=click.Choice(["json", "jsonl"]), default="jsonl", show_default=True)
def collect_cmd(results: Path, requests: Path, output: Path | None, fmt: str) -> None:
    """Turn Batch API RESULTS into the same validated, grounded records as the live path."""
    try:
        records = batch_api.collect(results, requests, Settings.from_env())
    except SummariseError as exc:
        click.echo(f"summarise: {exc}", err=True)
        sys.exit(exc.exit_code)
    text = to_json(records) if fmt == "json" else "".join(to_jsonl_line(r) for r in records)
    if output:
        output.write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)
    failed = [r for r in records if r.status == "error"]
    for r in failed:
        click.echo(f"summarise: {r.source}: {r.error}", err=True)
    sys.exit(1 if failed else 0)
