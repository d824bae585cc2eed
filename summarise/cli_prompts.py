"""`summarise prompts list|show|diff`: see which prompt versions exist and what changed between two of them.

Iterating on a prompt means comparing versions; the sha256 shown is the one every output records, so a result
can be matched to the file that produced it. Errors (unknown name or version, a bad file) are one line on
standard error and exit 2, like every usage error.
"""

from __future__ import annotations

import difflib
import sys
from pathlib import Path
from typing import NoReturn

import click
import yaml

from . import prompts
from .errors import SummariseError


def _fail(message: str) -> NoReturn:
    click.echo(f"summarise prompts: {message}", err=True)
    sys.exit(2)


def _load(name: str, version: str | None, directory: Path | None) -> prompts.Prompt:
    try:
        return prompts.load(name, version, directory)
    except SummariseError as exc:
        _fail(str(exc))


def _description(prompt: prompts.Prompt) -> str:
    """The file's own `description`, on one line (load_file has already validated the file)."""
    data = yaml.safe_load(prompt.path.read_bytes())
    return " ".join(str(data.get("description", "")).split())


_dir_option = click.option(
    "--dir",
    "directory",
    type=click.Path(path_type=Path, file_okay=False, exists=True),
    help="Prompts directory (default: the repository's prompts/ or SUMMARISE_PROMPTS_DIR).",
)


@click.group("prompts")
def prompts_cmd() -> None:
    """List, show and diff the prompt files (prompts/<name>.v<N>.yaml)."""


@prompts_cmd.command("list")
@_dir_option
def list_cmd(directory: Path | None) -> None:
    """Each prompt with its versions, short sha256 and description."""
    try:
        found = prompts.available(directory)
    except SummariseError as exc:
        _fail(str(exc))
    if not found:
        _fail(f"no prompt files in {directory or prompts.default_dir()}")
    for name, versions in sorted(found.items()):
        click.echo(name)
        for version in versions:
            p = _load(name, version, directory)
            click.echo(f"  {version:<4} {p.sha256[:12]}  {_description(p)}")


@prompts_cmd.command("show")
@click.argument("name")
@click.option("--version", "version", help="e.g. v1 (default: newest).")
@_dir_option
def show_cmd(name: str, version: str | None, directory: Path | None) -> None:
    """Print a prompt file as it is on disk."""
    p = _load(name, version, directory)
    click.echo(p.path.read_text(encoding="utf-8"), nl=False)


@prompts_cmd.command("diff")
@click.argument("name")
@click.argument("old")
@click.argument("new")
@_dir_option
def diff_cmd(name: str, old: str, new: str, directory: Path | None) -> None:
    """Unified diff of NAME between versions OLD and NEW (e.g. summarise prompts diff events v1 v2)."""
    a, b = _load(name, old, directory), _load(name, new, directory)
    lines = difflib.unified_diff(
        a.path.read_text(encoding="utf-8").splitlines(keepends=True),
        b.path.read_text(encoding="utf-8").splitlines(keepends=True),
        fromfile=f"{name}.{old} ({a.sha256[:12]})",
        tofile=f"{name}.{new} ({b.sha256[:12]})",
    )
    text = "".join(line if line.endswith("\n") else line + "\n" for line in lines)
    click.echo(text or f"{name}.{old} and {name}.{new} are identical\n", nl=False)
