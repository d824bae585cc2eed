"""The `summarise` command. Thin: parse, call the pipeline, print. The only place errors become exit codes.

Exit codes: 0 every article done, 1 some article failed (or the model could not start), 2 usage error.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from . import article as article_mod
from .batch import run_batch
from .cli_batch import batch_cmd
from .cli_prompts import prompts_cmd
from .config import Settings
from .errors import SummariseError
from .html import article_texts, to_html
from .render import to_json, to_markdown


class _DefaultGroup(click.Group):
    """`summarise FILE...` runs the pipeline; `summarise eval` and friends are subcommands."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.list_commands(ctx) and args[0] not in ("--help", "-h", "--version"):
            args = ["run", *args]
        elif not args:
            args = ["run"]
        return super().parse_args(ctx, args)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, "eval"})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name == "eval" and name not in self.commands:
            # The eval harness lives beside the package; only the CLI reaches into it, and only on demand.
            from evals.cli import eval_cmd

            self.add_command(eval_cmd)
        return super().get_command(ctx, name)


def fail(message: str, code: int) -> None:
    click.echo(f"summarise: {message}", err=True)
    sys.exit(code)


@click.group(cls=_DefaultGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="summarise")
def main() -> None:
    """Turn conflict news into checkable facts: typed event records with grounded quotes, and a neutral
    summary.

    \b
      summarise ARTICLE.txt                 JSON to standard output (embedded local model)
      summarise a.txt b.html -o out.jsonl   several articles, resumable JSON Lines
      summarise eval                        score against gold, offline, from cassettes
      summarise prompts list                prompt versions (show, diff them too)

    With no endpoint configured, a local Qwen2.5-Coder-1.5B runs on 127.0.0.1: no key, no network.
    Set --base-url/OPENAI_BASE_URL (and OPENAI_API_KEY, --model) to use any OpenAI-compatible server.
    """


main.add_command(prompts_cmd)
main.add_command(batch_cmd)


def endpoint_options(f: Any) -> Any:
    for opt in reversed(
        [
            click.option(
                "--base-url", help="OpenAI-compatible endpoint, e.g. http://localhost:8000/v1 [env OPENAI_BASE_URL]."
            ),
            click.option("--model", help="Model name at the endpoint [env SUMMARISE_MODEL]."),
            click.option(
                "--model-path",
                type=click.Path(path_type=Path),
                help="A GGUF file for the embedded server instead of the packaged model.",
            ),
            click.option("--prompt", "prompt_version", help="Prompt version to use, e.g. v1 (default: newest)."),
            click.option("--threads", type=int, help="CPU threads for the embedded server (default: all cores)."),
            click.option(
                "--cache/--no-cache",
                default=True,
                show_default=True,
                help="Answer repeated requests from the response cache (~/.cache/summarise/responses).",
            ),
        ]
    ):
        f = opt(f)
    return f


@main.command("run")
@click.argument("files", nargs=-1, type=click.Path(path_type=Path, allow_dash=True))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["json", "jsonl", "md", "html"]),
    default=None,
    help="Output format (default: json, or jsonl/md/html for an -o path ending so).",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    help="Write here instead of standard output. A .jsonl file is appended to and resumed.",
)
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="Articles processed at once (the embedded server gets as many slots).",
)
@endpoint_options
def run_cmd(files: tuple[Path, ...], fmt: str | None, output: Path | None, jobs: int, **endpoint: Any) -> None:
    """Extract events and a neutral summary from each FILE (a file, a directory of articles, or - for stdin)."""
    if not files:
        fail("no article given; try: summarise seeds/001_be506d096dbecfb0.txt (or --help)", 2)
    fmt = fmt or {".jsonl": "jsonl", ".md": "md", ".html": "html"}.get(output.suffix if output else "", "json")
    try:
        settings = Settings.from_env(parallel=jobs, **endpoint)
        inputs = expand(files)
        results, failed = run_batch(inputs, settings, jobs=jobs, output=output if fmt == "jsonl" else None)
    except SummariseError as exc:
        fail(str(exc), exc.exit_code)
        return
    except KeyboardInterrupt:
        fail("interrupted; finished results were kept", 130)
        return
    if fmt != "jsonl" or output is None:
        text = (
            to_markdown(results)
            if fmt == "md"
            else ("".join(r.model_dump_json() + "\n" for r in results) if fmt == "jsonl" else to_json(results))
        )
        text = to_html(results, article_texts(inputs)) if fmt == "html" else text
        if output:
            output.write_text(text, encoding="utf-8")
        else:
            click.echo(text, nl=False)
    sys.exit(1 if failed else 0)


def expand(files: tuple[Path, ...]) -> list[Path | str]:
    """Directories become the article files inside them; '-' is standard input."""
    out: list[Path | str] = []
    for f in files:
        if str(f) == "-":
            out.append("-")
        elif f.is_dir():
            found = sorted(p for p in f.rglob("*") if p.is_file() and p.suffix.lower() in article_mod.SUFFIXES)
            if not found:
                raise SummariseError(f"{f}: no article files (.txt, .html, .md) in this directory")
            out.extend(found)
        else:
            out.append(f)
    return out
